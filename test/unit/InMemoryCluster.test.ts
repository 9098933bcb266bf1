import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Option, Schedule, Stream } from "effect"
import { Client, Discovery, PodExec, Registry, Resource, Watch } from "../../src/index.js"
import * as apps from "../../src/models/apps/v1.js"
import * as core from "../../src/models/core/v1.js"
import { InMemoryCluster } from "../../src/testing/index.js"

const manifest = `
apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop, labels: { tier: front } }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template: { metadata: { labels: { app: web } }, spec: { containers: [{ name: web, image: nginx }] } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: shop, labels: { tier: back } }
spec:
  replicas: 1
  selector: { matchLabels: { app: api } }
  template: { metadata: { labels: { app: api } }, spec: { containers: [{ name: api, image: api }] } }
`

/** A user-style program, written only against the public API: scale every deployment with a label. */
const scaleTier = (namespace: string, tier: string, replicas: number) =>
  Client.list(apps.Deployment, { namespace, labels: { tier } }).pipe(
    Stream.mapEffect((d) =>
      Client.patchScale(apps.Deployment, d.metadata?.name ?? "", { spec: { replicas } }, { namespace })
    ),
    Stream.runCount
  )

describe("InMemoryCluster", () => {
  it.effect("a user's program, tested by swapping in the in-memory layer", () =>
    Effect.gen(function* () {
      const scaled = yield* scaleTier("shop", "front", 3)
      expect(scaled).toBe(1)
      const cluster = yield* InMemoryCluster.InMemoryCluster
      const web = yield* cluster.get("apps/v1", "Deployment", "web", "shop")
      expect(Option.map(web, (d) => d.spec)).toMatchObject(Option.some({ replicas: 3 }))
      const api = yield* Client.get(apps.Deployment, "api", { namespace: "shop" })
      expect(api.spec?.replicas).toBe(1)
    }).pipe(Effect.provide(InMemoryCluster.layer({ yaml: manifest })))
  )

  it.effect("seeding from objects and YAML; inspecting the state", () =>
    Effect.gen(function* () {
      const cluster = yield* InMemoryCluster.InMemoryCluster
      yield* cluster.seed([
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "seeded", namespace: "other" } }
      ])
      yield* cluster.seedYaml("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {k: v}\n")
      const kinds = (yield* cluster.objects).map((o) => `${o.kind}/${o.metadata?.name}`)
      expect(kinds).toEqual(
        expect.arrayContaining(["Namespace/default", "Namespace/other", "ConfigMap/seeded", "Secret/s"])
      )
      expect(Option.isSome(yield* Client.getOption(core.ConfigMap, "seeded", { namespace: "other" }))).toBe(
        true
      )
      expect(yield* cluster.resourceVersion).toMatch(/^\d+$/)
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.live("fault hooks: injected 503s are retried by the client; dropped watches resume; latency", () =>
    Effect.gen(function* () {
      const cluster = yield* InMemoryCluster.InMemoryCluster
      yield* cluster.failNext(2, 503, "ServiceUnavailable")
      expect((yield* Client.get(core.Namespace, "default")).metadata?.name).toBe("default")
      yield* cluster.failNext(1, 403, "Forbidden")
      expect(yield* Effect.flip(Client.get(core.Namespace, "default"))).toMatchObject({ reason: "Forbidden" })

      const { resourceVersion } = yield* Client.listAll(core.ConfigMap)
      const fiber = yield* Watch.watch(core.ConfigMap, {
        resourceVersion,
        retrySchedule: Schedule.spaced("10 millis")
      }).pipe(
        Stream.filter((e) => e._tag !== "Bookmark"),
        Stream.take(2),
        Stream.runCollect,
        Effect.fork
      )
      yield* Effect.sleep("50 millis")
      yield* Client.create(core.ConfigMap, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "one" } })
      yield* Effect.sleep("50 millis")
      yield* cluster.dropWatches
      yield* Client.create(core.ConfigMap, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "two" } })
      const names = Chunk.toReadonlyArray(yield* Fiber.join(fiber)).map((e) => e.object.metadata?.name)
      expect(names).toEqual(["one", "two"])

      yield* cluster.setLatency("100 millis")
      const started = Date.now()
      yield* Client.get(core.Namespace, "default")
      expect(Date.now() - started).toBeGreaterThanOrEqual(90)
      yield* cluster.setLatency(0)
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.live("compaction: a watch from an old version gets 410", () =>
    Effect.gen(function* () {
      const cluster = yield* InMemoryCluster.InMemoryCluster
      const { resourceVersion } = yield* Client.listAll(core.ConfigMap)
      yield* Client.create(core.ConfigMap, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } })
      yield* cluster.compact
      const error = yield* Watch.watch(core.ConfigMap, { resourceVersion }).pipe(Stream.runDrain, Effect.flip)
      expect(Watch.isGone(error)).toBe(true)
      const token = yield* Client.listPages(core.ConfigMap, { chunkSize: 1 }).pipe(
        Stream.take(1),
        Stream.runCollect
      )
      expect(Chunk.size(token)).toBe(1)
    }).pipe(Effect.provide(InMemoryCluster.layer({ historyWindow: 5 })))
  )

  it.effect("custom kinds: registered CRDs are served", () =>
    Effect.gen(function* () {
      const Widget = Resource.namespaced({
        group: "example.com",
        version: "v1",
        kind: "Widget",
        plural: "widgets"
      })
      const made = yield* Client.create(Widget, {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name: "w" },
        spec: { size: 3 }
      })
      expect(made).toMatchObject({ metadata: { name: "w", namespace: "default" }, spec: { size: 3 } })
      const patched = yield* Client.patch(Widget, "w", { spec: { size: 4 } })
      expect(patched.spec).toEqual({ size: 4 })
    }).pipe(
      Effect.provide(
        InMemoryCluster.layer({
          resources: [
            Registry.entry(
              Resource.namespaced({ group: "example.com", version: "v1", kind: "Widget", plural: "widgets" })
            )
          ]
        })
      )
    )
  )

  it.effect(
    "unknown kinds are 404; exec: a missing pod is NotFound, an existing one a typed WebSocketError (no containers run)",
    () =>
      Effect.gen(function* () {
        const Gadget = Resource.namespaced({
          group: "example.com",
          version: "v1",
          kind: "Gadget",
          plural: "gadgets"
        })
        expect(yield* Effect.flip(Client.get(Gadget, "x"))).toMatchObject({ _tag: "ApiError", code: 404 })
        expect(yield* Effect.flip(PodExec.exec("p", { command: ["x"] }))).toMatchObject({
          _tag: "ApiError",
          reason: "NotFound"
        })
        yield* Client.create(core.Pod, {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "p" },
          spec: { containers: [{ name: "c", image: "x" }] }
        })
        expect(yield* Effect.flip(PodExec.exec("p", { command: ["x"] }))).toMatchObject({
          _tag: "WebSocketError"
        })
      }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect(
    "discovery lists the kinds it serves, with their sub-resources, as the apiserver's documents do",
    () =>
      Effect.gen(function* () {
        const registry = Registry.make(yield* Discovery.apiResources)
        const deployment = Option.getOrThrow(Registry.get(registry, "apps/v1", "Deployment"))
        expect(deployment.info.namespaced).toBe(true)
        expect(Object.keys(deployment.info.subresources).sort()).toEqual(["scale", "status"])
        expect(Option.getOrThrow(Registry.get(registry, "v1", "Namespace")).info.namespaced).toBe(false)
      }).pipe(Effect.provide(InMemoryCluster.layer()))
  )
})
