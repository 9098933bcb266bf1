import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Exit, Fiber, Metric, Option, Schedule, Stream } from "effect"
import { Client, Metrics, Reflector, Store, Watch } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { Eventually, InMemoryCluster } from "../../src/testing/index.js"

const cm = (namespace: string, name: string, data: Record<string, string> = {}): core.ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { namespace, name, labels: { app: name } },
  data
})

const ns = (name: string): core.Namespace => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })
const namespaces = ["apps", "other", "elsewhere"].map(ns)

const names = (objects: ReadonlyArray<core.ConfigMap>) => objects.map(Store.keyOf).sort()

const fast = Schedule.spaced("10 millis")

describe("Reflector", () => {
  it.scopedLive("keeps a store of a kind's objects from the watcher: creates, updates, deletes", () =>
    Effect.gen(function* () {
      const store = yield* Reflector.make(core.ConfigMap, { namespace: "apps", retrySchedule: fast })
      yield* store.ready
      expect(names(yield* store.list())).toEqual(["apps/a", "apps/b"])
      yield* Client.create(core.ConfigMap, cm("apps", "c"))
      yield* Client.create(core.ConfigMap, cm("other", "not-watched"))
      yield* Client.delete(core.ConfigMap, "a", { namespace: "apps" })
      yield* Client.patch(core.ConfigMap, "b", { data: { k: "v" } }, { namespace: "apps" })
      yield* Eventually.eventually(
        Effect.gen(function* () {
          expect(names(yield* store.list())).toEqual(["apps/b", "apps/c"])
          const b = yield* store.get({ namespace: "apps", name: "b" })
          expect(Option.map(b, (o) => o.data)).toEqual(Option.some({ k: "v" }))
        })
      )
      expect(names(yield* store.list({ labels: { app: "c" } }))).toEqual(["apps/c"])
    }).pipe(
      Effect.provide(InMemoryCluster.layer({ objects: [...namespaces, cm("apps", "a"), cm("apps", "b")] }))
    )
  )

  it.scopedLive(
    "after a relist (the watch's version compacted away) the store holds exactly the server's state",
    () =>
      Effect.gen(function* () {
        const cluster = yield* InMemoryCluster.InMemoryCluster
        // Retries wait for the gate: the watch stays down while the test changes things.
        const gate = yield* Deferred.make<void>()
        const gated = fast.pipe(
          Schedule.modifyDelayEffect((_, delay) => Effect.as(Deferred.await(gate), delay))
        )
        const store = yield* Reflector.make(core.ConfigMap, { namespace: "apps", retrySchedule: gated })
        yield* store.ready
        const changes = yield* store.subscribe
        const relists = Metric.value(Metrics.watchRelists.pipe(Metric.tagged("resource", "configmaps")))
        const before = (yield* relists).count
        // The watch is up once a change comes through it.
        yield* Client.create(core.ConfigMap, cm("apps", "sentinel"))
        yield* Eventually.eventually(
          Effect.flatMap(store.get({ namespace: "apps", name: "sentinel" }), (o) =>
            Option.isSome(o) ? Effect.void : Effect.fail("not yet")
          )
        )
        yield* Client.delete(core.ConfigMap, "sentinel", { namespace: "apps" })
        yield* Eventually.eventually(
          Effect.flatMap(store.size, (n) => (n === 2 ? Effect.void : Effect.fail(n)))
        )
        // Changes made while the watch is down, then the history compacted: the watcher must relist.
        yield* cluster.dropWatches
        yield* Client.delete(core.ConfigMap, "a", { namespace: "apps" })
        yield* Client.create(core.ConfigMap, cm("apps", "c"))
        yield* Client.patch(core.ConfigMap, "b", { data: { k: "v" } }, { namespace: "apps" })
        for (let i = 0; i < 6; i++) yield* Client.create(core.ConfigMap, cm("elsewhere", `x${i}`))
        yield* cluster.compact
        yield* Deferred.succeed(gate, undefined)
        yield* Eventually.eventually(
          Effect.gen(function* () {
            expect(names(yield* store.list())).toEqual(["apps/b", "apps/c"])
          })
        )
        expect((yield* relists).count).toBeGreaterThan(before)
        // The consumer was told the sentinel's coming and going, then the relist's differences.
        const told = yield* changes.pipe(Stream.take(5), Stream.runCollect)
        expect(
          Chunk.toReadonlyArray(told)
            .map((c) => `${c._tag} ${Store.keyOf(c.object)}`)
            .slice(2)
            .sort()
        ).toEqual(["Applied apps/b", "Applied apps/c", "Deleted apps/a"])
      }).pipe(
        Effect.provide(
          InMemoryCluster.layer({
            objects: [...namespaces, cm("apps", "a"), cm("apps", "b")],
            historyWindow: 3
          })
        )
      )
  )

  it.scopedLive("custom indexes over the live objects", () =>
    Effect.gen(function* () {
      // Every namespace ("*"; without a namespace, the default one).
      const store = yield* Reflector.make(core.ConfigMap, {
        namespace: "*",
        retrySchedule: fast,
        indexes: { key: (o: core.ConfigMap) => Object.keys(o.data ?? {}) }
      })
      yield* store.ready
      yield* Client.create(core.ConfigMap, cm("other", "c", { shared: "1" }))
      yield* Eventually.eventually(
        Effect.gen(function* () {
          expect(names(yield* store.byIndex("key", "shared"))).toEqual(["apps/a", "other/c"])
        }),
        { timeout: "2 seconds" }
      )
    }).pipe(
      Effect.provide(
        InMemoryCluster.layer({ objects: [...namespaces, cm("apps", "a", { shared: "1" }), cm("apps", "b")] })
      )
    )
  )

  it.scopedLive("a source that fails for good fails `ready` and `stopped`", () =>
    Effect.gen(function* () {
      const cluster = yield* InMemoryCluster.InMemoryCluster
      yield* cluster.failNext(1, 403, "Forbidden")
      const store = yield* Reflector.make(core.ConfigMap, { retrySchedule: fast })
      const ready = yield* Effect.exit(store.ready)
      expect(Exit.isFailure(ready)).toBe(true)
      const error = yield* Effect.flip(store.stopped)
      expect(error).toMatchObject({ _tag: "ApiError", reason: "Forbidden" })
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.scopedLive("`reflect` passes the watcher's events on while keeping the store", () =>
    Effect.gen(function* () {
      const writer = yield* Store.make<core.ConfigMap>()
      const fiber = yield* Watch.watcher(core.ConfigMap, { namespace: "apps" }).pipe(
        Reflector.reflect(writer),
        Stream.takeUntil((e) => e._tag === "InitDone"),
        Stream.runCollect,
        Effect.fork
      )
      const events = yield* Fiber.join(fiber)
      expect(Chunk.toReadonlyArray(events).map((e) => e._tag)).toEqual(["Init", "InitApply", "InitDone"])
      expect(names(yield* writer.store.list())).toEqual(["apps/a"])
    }).pipe(Effect.provide(InMemoryCluster.layer({ objects: [...namespaces, cm("apps", "a")] })))
  )
})
