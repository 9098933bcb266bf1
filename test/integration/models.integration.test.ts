import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Either, Option, Schedule, Schema } from "effect"
import { inject } from "vitest"
import { Discovery, type InvalidRequest, KubeConfig, Registry, Resource } from "../../src/index.js"
import * as apiextensions from "../../src/models/apiextensions/v1.js"
import * as apps from "../../src/models/apps/v1.js"
import * as batch from "../../src/models/batch/v1.js"
import * as core from "../../src/models/core/v1.js"
import * as rbac from "../../src/models/rbac/v1.js"
import { NodeKube } from "../../src/node/index.js"

const env = inject("envtest")
const admin = NodeKube.layer({ config: KubeConfig.fromFile(env.kubeconfigs["admin-cert"]) })
const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`

const send = (
  method: "GET" | "POST" | "PUT",
  checkedPath: Either.Either<string, InvalidRequest.InvalidRequest>,
  body?: unknown
) =>
  Effect.gen(function* () {
    const path = yield* checkedPath
    const http = yield* HttpClient.HttpClient
    const response = yield* http.execute(requestOf(method, path, body))
    const json: unknown = yield* response.json
    return { status: response.status, json }
  })

const requestOf = (method: "GET" | "POST" | "PUT", path: string, body?: unknown) => {
  const base =
    method === "GET"
      ? HttpClientRequest.get(path)
      : method === "POST"
        ? HttpClientRequest.post(path)
        : HttpClientRequest.put(path)
  return body === undefined ? base : HttpClientRequest.bodyUnsafeJson(base, body)
}

/** Creates an object through its model (encoded by its Schema), reads it back and decodes it. */
const roundTrip = <A extends Resource.KubeObject, N extends boolean, S extends string>(
  kind: Resource.Resource<A, N, S>,
  object: A,
  namespace: string
) =>
  Effect.gen(function* () {
    const body = yield* Schema.encode(kind.schema)(object)
    const created = yield* send("POST", Resource.path(kind, { namespace }), body)
    expect(created.status, JSON.stringify(created.json)).toBe(201)
    const name = object.metadata?.name ?? ""
    const got = yield* send("GET", Resource.path(kind, { namespace, name }))
    expect(got.status).toBe(200)
    const decoded = yield* Schema.decodeUnknown(kind.schema)(got.json)
    expect(decoded.metadata?.uid).toBeDefined()
    return decoded
  })

describe("built-in models against the real apiserver", () => {
  it.live("create and get a sample of kinds through their models", () =>
    Effect.gen(function* () {
      const namespace = unique("models")
      yield* roundTrip(
        core.Namespace,
        { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
        namespace
      )
      const cm = yield* roundTrip(
        core.ConfigMap,
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "settings", labels: { app: "x" } },
          data: { mode: "fast" }
        },
        namespace
      )
      expect(cm.data).toEqual({ mode: "fast" })
      yield* roundTrip(
        core.Secret,
        { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, stringData: { k: "v" } },
        namespace
      )
      const svc = yield* roundTrip(
        core.Service,
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "web" },
          spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: "http" }] }
        },
        namespace
      )
      expect(svc.spec?.ports?.[0]?.targetPort).toBe("http")
      const deploy = yield* roundTrip(
        apps.Deployment,
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "web" },
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: "web" } },
            template: {
              metadata: { labels: { app: "web" } },
              spec: {
                containers: [
                  {
                    name: "web",
                    image: "nginx",
                    ports: [{ containerPort: 80, name: "http" }],
                    resources: { limits: { cpu: "500m", memory: "128Mi" } }
                  }
                ]
              }
            }
          }
        },
        namespace
      )
      expect(deploy.spec?.template.spec?.containers[0]?.resources?.limits?.memory).toBe("128Mi")
      // The server fills defaults; the model keeps them all.
      expect(deploy.spec?.strategy?.type).toBe("RollingUpdate")
      yield* roundTrip(
        batch.Job,
        {
          apiVersion: "batch/v1",
          kind: "Job",
          metadata: { name: "once" },
          spec: {
            template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } }
          }
        },
        namespace
      )
      yield* roundTrip(
        core.ServiceAccount,
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "robot" } },
        namespace
      )
      yield* roundTrip(
        rbac.Role,
        {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "Role",
          metadata: { name: "reader" },
          rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }]
        },
        namespace
      )
    }).pipe(Effect.provide(admin))
  )

  it.live("a list decodes fast: items get apiVersion/kind filled and keep every field", () =>
    Effect.gen(function* () {
      const got = yield* send("GET", Resource.path(core.Namespace))
      const items = (yield* Schema.decodeUnknown(Schema.Struct({ items: Schema.Array(Schema.Unknown) }))(
        got.json
      )).items
      expect(items.length).toBeGreaterThan(0)
      for (const item of items) {
        const ns = yield* Resource.decodeTrusted(core.Namespace, item)
        expect(ns.kind).toBe("Namespace")
        expect(ns.metadata?.name).toBeDefined()
      }
    }).pipe(Effect.provide(admin))
  )
})

describe("custom resources against the real apiserver", () => {
  it.live("a CRD used as a generic kind, a typed kind, and loaded from the cluster", () =>
    Effect.gen(function* () {
      const group = `${unique("g")}.example.com`
      const crd: apiextensions.CustomResourceDefinition = {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `widgets.${group}` },
        spec: {
          group,
          scope: "Namespaced",
          names: { kind: "Widget", plural: "widgets", singular: "widget", listKind: "WidgetList" },
          versions: [
            {
              name: "v1",
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: "object",
                  properties: {
                    spec: {
                      type: "object",
                      properties: { size: { type: "integer" }, color: { type: "string" } }
                    },
                    status: { type: "object", properties: { ready: { type: "boolean" } } }
                  }
                }
              }
            }
          ]
        }
      }
      const created = yield* send(
        "POST",
        Resource.path(apiextensions.CustomResourceDefinition),
        yield* Schema.encode(apiextensions.CustomResourceDefinition.schema)(crd)
      )
      expect(created.status).toBe(201)
      // Wait until the CRD is established.
      yield* send(
        "GET",
        Resource.path(apiextensions.CustomResourceDefinition, { name: crd.metadata?.name })
      ).pipe(
        Effect.flatMap(({ json }) =>
          Schema.decodeUnknown(apiextensions.CustomResourceDefinition.schema)(json)
        ),
        Effect.filterOrFail(
          (c) => c.status?.conditions?.some((x) => x.type === "Established" && x.status === "True") === true,
          () => "not established"
        ),
        Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.intersect(Schedule.recurs(100))))
      )

      const namespace = unique("crd")
      yield* send("POST", Resource.path(core.Namespace), {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: namespace }
      })

      // Generic.
      const Widget = Resource.namespaced({
        group,
        version: "v1",
        kind: "Widget",
        plural: "widgets",
        subresources: ["status"]
      })
      const made = yield* send("POST", Resource.path(Widget, { namespace }), {
        apiVersion: `${group}/v1`,
        kind: "Widget",
        metadata: { name: "w1" },
        spec: { size: 3, color: "blue" }
      })
      expect(made.status).toBe(201)
      const generic = yield* Schema.decodeUnknown(Widget.schema)(
        (yield* send("GET", Resource.path(Widget, { namespace, name: "w1" }))).json
      )
      expect(generic).toMatchObject({ metadata: { name: "w1", namespace }, spec: { size: 3, color: "blue" } })

      // Typed, with the status sub-resource.
      const TypedWidget = Resource.namespaced(
        { group, version: "v1", kind: "Widget", plural: "widgets", subresources: ["status"] },
        {
          spec: Schema.Struct({ size: Schema.Number, color: Schema.Literal("red", "blue") }),
          status: Schema.Struct({ ready: Schema.optional(Schema.Boolean) })
        }
      )
      const typed = yield* Schema.decodeUnknown(TypedWidget.schema)(generic)
      expect(typed.spec.color).toBe("blue")
      const withStatus = yield* Schema.encode(TypedWidget.schema)({ ...typed, status: { ready: true } })
      const put = yield* send(
        "PUT",
        Resource.path(TypedWidget, {
          namespace,
          name: "w1",
          subresource: TypedWidget.subresources.status.name
        }),
        withStatus
      )
      expect(put.status).toBe(200)
      const after = yield* Schema.decodeUnknown(TypedWidget.schema)(
        (yield* send("GET", Resource.path(TypedWidget, { namespace, name: "w1" }))).json
      )
      expect(after.status?.ready).toBe(true)

      // From the cluster's CRD list, and from discovery.
      const loaded = Registry.make(yield* Discovery.customResources)
      const entry = Registry.get(loaded, `${group}/v1`, "Widget")
      expect(
        Option.map(entry, (e) => [e.info.plural, e.info.namespaced, Object.keys(e.info.subresources)])
      ).toEqual(Option.some(["widgets", true, ["status"]]))
      const discovered = Registry.make(yield* Discovery.apiResources)
      expect(Option.map(Registry.get(discovered, `${group}/v1`, "Widget"), (e) => e.info.plural)).toEqual(
        Option.some("widgets")
      )
      expect(Option.map(Registry.get(discovered, "apps/v1", "Deployment"), (e) => e.info.namespaced)).toEqual(
        Option.some(true)
      )
    }).pipe(Effect.provide(admin))
  )
})
