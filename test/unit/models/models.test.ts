import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck, Schema } from "effect"
import { Resource } from "../../../src/index.js"
import * as apiextensions from "../../../src/models/apiextensions/v1.js"
import * as apps from "../../../src/models/apps/v1.js"
import * as authentication from "../../../src/models/authentication/v1.js"
import * as core from "../../../src/models/core/v1.js"

const MODELS = path.resolve(__dirname, "../../../src/models")
const moduleFiles = fs
  .readdirSync(MODELS, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".ts"))
  .sort()

const decode = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknownSync(schema)
const encode = <A, I>(schema: Schema.Schema<A, I>) => Schema.encodeSync(schema)

describe("generated models: every kind", () => {
  it("has modules for the groups of the spec", () => {
    expect(moduleFiles).toContain("core/v1.ts")
    expect(moduleFiles).toContain("apps/v1.ts")
    expect(moduleFiles).toContain("apiextensions/v1.ts")
    expect(moduleFiles.length).toBeGreaterThan(30)
  })

  it("round-trips generated examples of every kind, with unknown fields added", async () => {
    let kinds = 0
    for (const file of moduleFiles) {
      const mod: Record<string, unknown> = await import(path.join(MODELS, file))
      for (const value of Object.values(mod)) {
        if (!Resource.isResource(value)) continue
        kinds++
        expect(value.plural).toMatch(/^[a-z0-9]+$/)
        expect(value.verbs.length).toBeGreaterThan(0)
        // Valid examples drawn from the kind's own Schema. The CRD's JSONSchemaProps is recursive
        // without bound, which the generator of examples cannot draw from: it has its own test below.
        if (value.kind === "CustomResourceDefinition") continue
        const samples = FastCheck.sample(Arbitrary.make(value.schema), { numRuns: 3, seed: 42 })
        for (const sample of samples) {
          const json = encode(value.schema)(sample)
          if (typeof json !== "object" || json === null) throw new Error("a kind encodes to an object")
          const input = { ...json, fromTheFuture: { keep: ["me"] } }
          const decoded = decode(value.schema)(input)
          expect(decoded, `${value.apiVersion} ${value.kind}`).toEqual(input)
          expect(encode(value.schema)(decoded)).toEqual(input)
        }
      }
    }
    expect(kinds).toBeGreaterThanOrEqual(90)
  }, 60_000)
})

const pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "web",
    namespace: "apps",
    labels: { app: "web" },
    creationTimestamp: "2026-01-01T00:00:00Z",
    managedFields: [{ manager: "kubectl", fieldsV1: { "f:spec": { "f:containers": {} } } }]
  },
  spec: {
    containers: [
      {
        name: "c",
        image: "nginx:1.27",
        ports: [{ containerPort: 80, name: "http" }],
        resources: { limits: { cpu: "500m", memory: 268435456 }, requests: { cpu: 0.25 } },
        livenessProbe: { httpGet: { path: "/", port: "http" } },
        readinessProbe: { tcpSocket: { port: 80 } },
        futureContainerField: { enabled: true }
      }
    ],
    restartPolicy: "Always"
  },
  status: {
    phase: "Running",
    conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2026-01-01T00:00:01Z" }]
  }
}

describe("generated models: faithful decoding", () => {
  it("a Pod round-trips: Quantity, IntOrString and Time keep their JSON form, unknown fields survive", () => {
    const decoded = decode(core.Pod.schema)(pod)
    expect(decoded).toEqual(pod)
    expect(decoded.spec?.containers[0]?.resources?.limits?.memory).toBe(268435456)
    expect(decoded.spec?.containers[0]?.livenessProbe?.httpGet?.port).toBe("http")
    expect(encode(core.Pod.schema)(decoded)).toEqual(pod)
  })

  it("missing optional fields stay absent: nothing is invented", () => {
    const decoded = decode(core.ConfigMap.schema)({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c" }
    })
    expect(Object.keys(decoded).sort()).toEqual(["apiVersion", "kind", "metadata"])
    expect(Object.keys(decoded.metadata ?? {})).toEqual(["name"])
  })

  it("bad fields fail with the path of the field", () => {
    const bad = { ...pod, spec: { containers: [{ name: 42 }] } }
    expect(() => decode(core.Pod.schema)(bad)).toThrow(
      /\["spec"\][\s\S]*\["containers"\][\s\S]*\[0\][\s\S]*\["name"\]/
    )
    expect(() => decode(core.Pod.schema)({ ...pod, kind: "Service" })).toThrow(/kind/)
  })

  it("recursive JSONSchemaProps of a CRD", () => {
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.example.com" },
      spec: {
        group: "example.com",
        names: { kind: "Widget", plural: "widgets", singular: "widget", listKind: "WidgetList" },
        scope: "Namespaced",
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: {
                    type: "object",
                    properties: {
                      size: { type: "integer", minimum: 1 },
                      tags: { type: "array", items: { type: "string" } }
                    },
                    "x-kubernetes-preserve-unknown-fields": true
                  }
                }
              }
            },
            subresources: { status: {} }
          }
        ]
      }
    }
    const decoded = decode(apiextensions.CustomResourceDefinition.schema)(crd)
    expect(decoded).toEqual(crd)
  })
})

describe("resource metadata from the spec's paths", () => {
  it("kinds know their group, plural, scope, verbs and sub-resources", () => {
    expect(core.Pod).toMatchObject({
      group: "",
      version: "v1",
      apiVersion: "v1",
      kind: "Pod",
      plural: "pods",
      namespaced: true
    })
    expect(core.Namespace.namespaced).toBe(false)
    expect(core.Node.namespaced).toBe(false)
    expect(apps.Deployment).toMatchObject({
      apiVersion: "apps/v1",
      plural: "deployments",
      listKind: "DeploymentList"
    })
    expect([...apps.Deployment.verbs].sort()).toEqual(
      ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"].sort()
    )
    expect(apps.Deployment.subresources.scale).toMatchObject({
      group: "autoscaling",
      version: "v1",
      kind: "Scale"
    })
    expect(apps.Deployment.subresources.status.verbs).toEqual(["get", "patch", "update"])
    expect(core.Pod.subresources.eviction).toMatchObject({
      group: "policy",
      kind: "Eviction",
      verbs: ["create"]
    })
    expect(core.Pod.subresources.exec.verbs).toEqual(["connect"])
    expect(core.Pod.subresources.log.verbs).toEqual(["get"])
    expect(Object.keys(core.ConfigMap.subresources)).toEqual([])
    // Create-only kinds.
    expect(authentication.TokenReview.verbs).toEqual(["create"])
  })

  it("strategic-merge metadata is exported", () => {
    expect(core.patchMetadata["io.k8s.api.core.v1.PodSpec"].containers).toMatchObject({
      ref: "io.k8s.api.core.v1.Container",
      list: true,
      patchStrategy: "merge",
      patchMergeKey: "name",
      listType: "map",
      listMapKeys: ["name"]
    })
  })
})

describe("generic and typed custom kinds", () => {
  const Widget = Resource.namespaced({
    group: "example.com",
    version: "v1",
    kind: "Widget",
    plural: "widgets"
  })
  const TypedWidget = Resource.namespaced(
    { group: "example.com", version: "v1", kind: "Widget", plural: "widgets" },
    { spec: Schema.Struct({ size: Schema.Number, at: Schema.DateFromString }), status: Schema.Unknown }
  )
  const Tenant = Resource.global({
    group: "example.com",
    version: "v1",
    kind: "Tenant",
    plural: "tenants",
    subresources: ["status"]
  })

  it("generic: metadata typed, the rest kept", () => {
    expect(Widget).toMatchObject({
      apiVersion: "example.com/v1",
      plural: "widgets",
      namespaced: true,
      listKind: "WidgetList"
    })
    expect(Tenant.namespaced).toBe(false)
    expect(Object.keys(Tenant.subresources)).toEqual(["status"])
    const obj = {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w" },
      spec: { any: [1] },
      extra: true
    }
    expect(decode(Widget.schema)(obj)).toEqual(obj)
    expect(() => decode(Widget.schema)({ ...obj, metadata: { name: 1 } })).toThrow(/name/)
  })

  it("typed: spec decoded by its Schema, encoded back", () => {
    const obj = {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w" },
      spec: { size: 3, at: "2026-01-01T00:00:00.000Z" },
      other: 1
    }
    const decoded = decode(TypedWidget.schema)(obj)
    expect(decoded.spec.at).toBeInstanceOf(Date)
    expect(decoded.spec.size).toBe(3)
    expect(encode(TypedWidget.schema)(decoded)).toEqual(obj)
    expect(() => decode(TypedWidget.schema)({ ...obj, spec: { size: "big" } })).toThrow(/size/)
  })

  it("decodeTrusted keeps the object, fills apiVersion/kind of list items, checks the envelope", () => {
    const item = { metadata: { name: "w" }, spec: { x: 1 } }
    const decoded = Resource.decodeTrusted(Widget, item)
    expect(Either.getOrThrow(decoded)).toEqual({ apiVersion: "example.com/v1", kind: "Widget", ...item })
    const full = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }
    expect(Either.getOrThrow(Resource.decodeTrusted(Widget, full))).toBe(full)
    expect(Either.isLeft(Resource.decodeTrusted(Widget, { apiVersion: "v1", kind: "Pod" }))).toBe(true)
    expect(Either.isLeft(Resource.decodeTrusted(Widget, "nope"))).toBe(true)
    expect(Either.isLeft(Resource.decodeTrusted(Widget, { metadata: 3 }))).toBe(true)
  })
})

describe("tree-shaking", () => {
  it("a group version imports only the model modules it refers to, never the registry of all", () => {
    const importsOf = (file: string) =>
      [...fs.readFileSync(path.join(MODELS, file), "utf8").matchAll(/^import .* from "(.*)"$/gm)].map(
        (m) => m[1]
      )
    expect(importsOf("core/v1.ts").filter((i) => i?.startsWith("."))).toEqual([
      "../../resource/Resource.js",
      "../../resource/Primitives.js",
      "../../resource/Quantity.js",
      "../meta/v1.js"
    ])
    // The list of every kind imports no registry either (kinds/Builtin.ts makes the registry of it).
    expect(importsOf("all.ts").some((i) => i?.includes("Registry") || i?.includes("kinds/"))).toBe(false)
    for (const file of moduleFiles.filter((f) => f !== "all.ts")) {
      expect(importsOf(file)).not.toContain("../all.js")
      expect(importsOf(file).some((i) => i?.includes("Registry"))).toBe(false)
    }
  })
})
