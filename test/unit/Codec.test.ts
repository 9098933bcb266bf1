import { inspect } from "node:util"
import { describe, expect, it, vi } from "@effect/vitest"
import { Cause, Effect, Option, Schema } from "effect"
import { parseAllDocuments } from "yaml"
import { Builtin, Codec, Registry, Resource } from "../../src/index.js"

// The first test to touch Builtin.registry decodes every generated model: give a loaded machine room.
vi.setConfig({ testTimeout: 60_000 })

const manifest = `
apiVersion: v1
kind: Namespace
metadata:
  name: apps
---
# an empty document follows
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
  creationTimestamp: null
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - name: web
        image: nginx
        resources: { limits: { cpu: 1, memory: 128Mi } }
        futureField: kept
---
apiVersion: example.com/v1
kind: Widget
metadata: { name: w, namespace: apps }
spec: { size: 3 }
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: { name: a }
- apiVersion: v1
  kind: Secret
  metadata: { name: b }
  stringData: { k: v }
`

describe("Codec.loadAll", () => {
  it.effect("decodes every document, flattens lists, keeps unknown kinds generic and unknown fields", () =>
    Effect.gen(function* () {
      const objects = yield* Codec.loadAll(manifest)
      expect(objects.map((o) => `${o.apiVersion}/${o.kind}`)).toEqual([
        "v1/Namespace",
        "apps/v1/Deployment",
        "example.com/v1/Widget",
        "v1/ConfigMap",
        "v1/Secret"
      ])
      const deployment = objects[1]
      expect(deployment).toMatchObject({
        metadata: { name: "web" },
        spec: {
          template: { spec: { containers: [{ futureField: "kept", resources: { limits: { cpu: 1 } } }] } }
        }
      })
      // kubectl's `creationTimestamp: null` is dropped, as absent.
      expect(deployment?.metadata).not.toHaveProperty("creationTimestamp")
      expect(objects[2]).toMatchObject({ spec: { size: 3 } })
    })
  )

  it.effect("JSON is YAML too", () =>
    Effect.gen(function* () {
      const objects = yield* Codec.loadAll(
        '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"},"data":{"a":"1"}}'
      )
      expect(objects).toEqual([
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "j" }, data: { a: "1" } }
      ])
    })
  )

  it.effect("a bad field names the document and the path", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Codec.loadAll(`apiVersion: v1
kind: ConfigMap
metadata: {name: ok}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  selector: {}
  template:
    spec:
      containers:
      - name: 42
`)
      )
      expect(error).toMatchObject({ _tag: "ManifestError", reason: "Decode", document: 1 })
      expect(error.path).toBe("spec.template.spec.containers[0].name")
      expect(error.message).toContain("document 1")
    })
  )

  it.effect("malformed YAML, non-objects, missing kinds and unknown kinds by option are typed", () =>
    Effect.gen(function* () {
      expect(yield* Effect.flip(Codec.loadAll("a: [1, 2\n"))).toMatchObject({ reason: "Yaml", document: 0 })
      expect(yield* Effect.flip(Codec.loadAll("---\n- 1\n- 2\n"))).toMatchObject({ reason: "NotAnObject" })
      expect(yield* Effect.flip(Codec.loadAll("metadata: {name: x}\n"))).toMatchObject({
        reason: "MissingKind"
      })
      expect(
        yield* Effect.flip(
          Codec.loadAll("apiVersion: example.com/v1\nkind: Widget\n", { unknownKinds: "fail" })
        )
      ).toMatchObject({ reason: "UnknownKind" })
    })
  )

  it.effect("a registered typed kind is decoded by its Schema", () =>
    Effect.gen(function* () {
      const Widget = Resource.namespaced(
        { group: "example.com", version: "v1", kind: "Widget", plural: "widgets" },
        { spec: Schema.Struct({ size: Schema.NumberFromString }), status: Schema.Unknown }
      )
      const registry = Registry.add(yield* Builtin.registry, [Registry.entry(Widget)])
      const [widget] = yield* Codec.loadAll("apiVersion: example.com/v1\nkind: Widget\nspec: {size: '3'}\n", {
        registry
      })
      expect(widget).toMatchObject({ spec: { size: 3 } })
      // And back to JSON form by dumpAll.
      const yaml = yield* Codec.dumpAll(widget === undefined ? [] : [widget], { registry })
      expect(yaml).toContain('size: "3"')
    })
  )
})

describe("Codec.loadAll: aliases, merge keys and what errors show", () => {
  const cm = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: ${data}\n`

  it.effect("alias problems are typed ManifestErrors with a position, never defects", () =>
    Effect.gen(function* () {
      let bomb =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
      for (let i = 0; i < 9; i++)
        bomb += `b${i}: &b${i} [${Array(10)
          .fill(i === 0 ? "*a" : `*b${i - 1}`)
          .join(", ")}]\n`
      const cases = {
        bomb,
        undefinedAnchor: cm("*nowhere"),
        earlierDocument: `${cm("&d {a: b}")}---\n${cm("*d")}`,
        selfReference: cm("&s {a: *s}"),
        selfReferenceInList: "apiVersion: v1\nkind: List\nitems: &i [*i]\n",
        selfMerge: cm("&m {<<: *m}")
      }
      for (const [name, text] of Object.entries(cases)) {
        const exit = yield* Effect.exit(Codec.loadAll(text))
        expect(exit._tag, name).toBe("Failure")
        const error = yield* Effect.flip(Codec.loadAll(text))
        expect(error, name).toMatchObject({ _tag: "ManifestError", reason: "Yaml" })
        expect(error.message, name).toMatch(/line \d+, column \d+/)
      }
      const earlier = yield* Effect.flip(Codec.loadAll(cases.earlierDocument))
      expect(earlier.document).toBe(1)
    })
  )

  it.effect("aliases used a reasonable number of times are fine", () =>
    Effect.gen(function* () {
      const refs = Array.from({ length: 300 }, (_, i) => `  k${i}: *v`).join("\n")
      const [object] = yield* Codec.loadAll(
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, labels: {l: &v shared}}\ndata:\n${refs}\n`
      )
      expect(object).toMatchObject({ data: { k0: "shared", k299: "shared" } })
    })
  )

  it.effect("merge keys (<<) merge, as kubectl does", () =>
    Effect.gen(function* () {
      const [object] = yield* Codec.loadAll(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: merged
  labels: &labels {app: web, tier: front}
  annotations:
    <<: *labels
    tier: back
`)
      expect(object?.metadata).toMatchObject({
        labels: { app: "web", tier: "front" },
        annotations: { app: "web", tier: "back" }
      })
    })
  )

  it.effect("errors show positions and paths, not the document's text or values", () =>
    Effect.gen(function* () {
      const secret = "planted-secret-0451"
      const texts = [
        `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n\tpassword: ${secret}\n`,
        `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: "${secret}\n`,
        `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: [${secret}]}\n`,
        `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: ${secret}\n`,
        `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: *${secret}}\n`
      ]
      const emitWarning = vi.spyOn(process, "emitWarning")
      try {
        for (const text of texts) {
          const error = yield* Effect.flip(Codec.loadAll(text))
          expect(error._tag).toBe("ManifestError")
          for (const shown of [
            error.message,
            inspect(error, { depth: 20 }),
            JSON.stringify(error),
            Cause.pretty(Cause.fail(error))
          ]) {
            expect(shown).not.toContain(secret)
          }
        }
        yield* Codec.loadAll(`%FOO bar\n---\n${cm(`{k: !unknown ${secret}}`)}`)
        expect(emitWarning).not.toHaveBeenCalled()
      } finally {
        emitWarning.mockRestore()
      }
    })
  )
})

describe("Codec.dumpAll", () => {
  it.effect("writes documents kubectl reads, and loadAll reads them back", () =>
    Effect.gen(function* () {
      const objects = yield* Codec.loadAll(manifest)
      const yaml = yield* Codec.dumpAll(objects)
      const docs = parseAllDocuments(yaml)
      expect(Array.isArray(docs) ? docs.length : 1).toBe(objects.length)
      expect(yield* Codec.loadAll(yaml)).toEqual(objects)
    })
  )
})

describe("Codec.sortObjects", () => {
  const o = (kind: string, name = kind) => ({ apiVersion: "v1", kind, metadata: { name } })
  it("apply order and its reverse for delete, stable within a kind", () => {
    const input = [
      o("Deployment"),
      o("Widget"),
      o("ValidatingWebhookConfiguration"),
      o("ConfigMap", "b"),
      o("RoleBinding"),
      o("ServiceAccount"),
      o("CustomResourceDefinition"),
      o("ConfigMap", "a"),
      o("Namespace")
    ]
    const sorted = Codec.sortObjects(input).map((x) => x.metadata.name)
    expect(sorted).toEqual([
      "Namespace",
      "CustomResourceDefinition",
      "ServiceAccount",
      "b",
      "a",
      "RoleBinding",
      "Deployment",
      "Widget",
      "ValidatingWebhookConfiguration"
    ])
    const reversed = Codec.sortObjects(input, { reverse: true }).map((x) => x.metadata.name)
    expect(reversed).toEqual([
      "ValidatingWebhookConfiguration",
      "Widget",
      "Deployment",
      "RoleBinding",
      "b",
      "a",
      "ServiceAccount",
      "CustomResourceDefinition",
      "Namespace"
    ])
  })
})

describe("Registry", () => {
  it.effect("builtin knows every generated kind; custom kinds from a CRD object", () =>
    Effect.gen(function* () {
      const builtin = yield* Builtin.registry
      expect(builtin.entries.size).toBeGreaterThanOrEqual(90)
      const pod = Registry.get(builtin, "v1", "Pod")
      expect(Option.map(pod, (e) => e.info.plural)).toEqual(Option.some("pods"))
      expect(Option.isNone(Registry.get(builtin, "example.com/v1", "Widget"))).toBe(true)

      const entries = Registry.fromCustomResourceDefinition({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: "widgets.example.com" },
        spec: {
          group: "example.com",
          scope: "Cluster",
          names: { kind: "Widget", plural: "widgets" },
          versions: [
            { name: "v1", served: true, storage: true, subresources: { status: {} } },
            { name: "v1beta1", served: true, storage: false },
            { name: "v1alpha1", served: false, storage: false }
          ]
        }
      })
      expect(
        entries.map((e) => [e.info.apiVersion, e.info.namespaced, Object.keys(e.info.subresources)])
      ).toEqual([
        ["example.com/v1", false, ["status"]],
        ["example.com/v1beta1", false, []]
      ])
      const registry = Registry.add(builtin, entries)
      expect(Option.isSome(Registry.get(registry, "example.com/v1", "Widget"))).toBe(true)
    })
  )
})
