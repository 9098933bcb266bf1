import { describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Exit, Fiber, Option, Stream } from "effect"
import { ApiError, Reflector, Store, Watch } from "../../src/index.js"
import type * as core from "../../src/models/core/v1.js"

const cm = (
  namespace: string,
  name: string,
  resourceVersion: string,
  labels?: Record<string, string>,
  owner?: string
): core.ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: {
    namespace,
    name,
    resourceVersion,
    ...(labels !== undefined ? { labels } : {}),
    ...(owner !== undefined
      ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: owner, uid: `uid-${owner}` }] }
      : {})
  }
})

const { Init, InitApply, InitDone, Apply, Delete } = Watch.WatcherEvent

const names = (objects: ReadonlyArray<core.ConfigMap>) => objects.map(Store.keyOf).sort()

const describeChange = (change: Store.StoreChange<core.ConfigMap>) =>
  change._tag === "Applied"
    ? `Applied ${Store.keyOf(change.object)}@${change.object.metadata?.resourceVersion}${Option.match(
        change.previous,
        {
          onNone: () => "",
          onSome: (p) => ` (was @${p.metadata?.resourceVersion})`
        }
      )}`
    : `Deleted ${Store.keyOf(change.object)}`

describe("Store", () => {
  it("keys: namespace/name, or name for a cluster-scoped object", () => {
    expect(Store.key({ namespace: "apps", name: "web" })).toBe("apps/web")
    expect(Store.key({ name: "node-1" })).toBe("node-1")
    expect(Store.keyOf(cm("apps", "web", "1"))).toBe("apps/web")
    expect(Store.refOf(cm("apps", "web", "1"))).toEqual({ namespace: "apps", name: "web" })
  })

  it.effect("changes during a relist belong to the state being built", () =>
    Effect.gen(function* () {
      const writer = yield* Store.make<core.ConfigMap>()
      yield* writer.applyAll([
        Init(),
        InitApply({ object: cm("a", "old", "1") }),
        InitDone({ resourceVersion: "1" })
      ])
      yield* writer.applyAll([
        Init(),
        InitApply({ object: cm("a", "x", "2") }),
        InitApply({ object: cm("a", "y", "3") }),
        Apply({ object: cm("a", "z", "4") }),
        Delete({ object: cm("a", "y", "5") }),
        InitDone({ resourceVersion: "5" })
      ])
      expect(names(yield* writer.store.list())).toEqual(["a/x", "a/z"])
    })
  )

  it.effect(
    "an index function that throws stops the store (its `ready` fails) instead of leaving it unready",
    () =>
      Effect.gen(function* () {
        const writer = yield* Store.make<core.ConfigMap, "bad">({
          indexes: {
            bad: () => {
              throw new Error("index bug")
            }
          }
        })
        const events = Stream.make(
          Init(),
          InitApply({ object: cm("a", "x", "1") }),
          InitDone({ resourceVersion: "1" })
        )
        yield* events.pipe(Reflector.reflect(writer), Stream.runDrain, Effect.exit)
        const ready = yield* Effect.exit(writer.store.ready)
        expect(Exit.isFailure(ready) && Cause.isDie(ready.cause)).toBe(true)
      })
  )

  it.effect("is not ready and empty before the first complete list; a list is taken whole at InitDone", () =>
    Effect.gen(function* () {
      const writer = yield* Store.make<core.ConfigMap>()
      const { store } = writer
      expect(yield* store.isReady).toBe(false)
      yield* writer.applyAll([Init(), InitApply({ object: cm("a", "x", "1") })])
      // Half a list is not a state.
      expect(yield* store.size).toBe(0)
      expect(yield* store.isReady).toBe(false)
      yield* writer.applyAll([InitApply({ object: cm("b", "y", "2") }), InitDone({ resourceVersion: "2" })])
      expect(yield* store.isReady).toBe(true)
      yield* store.ready
      expect(names(yield* store.list())).toEqual(["a/x", "b/y"])
      expect(Option.map(yield* store.get({ namespace: "a", name: "x" }), Store.keyOf)).toEqual(
        Option.some("a/x")
      )
      expect(Option.isSome(yield* store.getByKey("b/y"))).toBe(true)
      expect(Option.isNone(yield* store.get({ namespace: "b", name: "x" }))).toBe(true)
    })
  )

  it.scoped(
    "a relist serves the old state until InitDone, then replaces it at once, telling the differences",
    () =>
      Effect.gen(function* () {
        const writer = yield* Store.make<core.ConfigMap>()
        const { store } = writer
        yield* writer.applyAll([
          Init(),
          InitApply({ object: cm("a", "same", "1") }),
          InitApply({ object: cm("a", "changed", "2") }),
          InitApply({ object: cm("a", "gone", "3") }),
          InitDone({ resourceVersion: "3" })
        ])
        const changes = yield* store.subscribe
        yield* writer.applyAll([
          Init(),
          InitApply({ object: cm("a", "same", "1") }),
          InitApply({ object: cm("a", "changed", "7") })
        ])
        // Mid-relist: the old state, whole.
        expect(names(yield* store.list())).toEqual(["a/changed", "a/gone", "a/same"])
        expect(
          (yield* store.get({ namespace: "a", name: "changed" })).pipe(
            Option.map((o) => o.metadata?.resourceVersion)
          )
        ).toEqual(Option.some("2"))
        yield* writer.applyAll([
          InitApply({ object: cm("a", "new", "8") }),
          InitDone({ resourceVersion: "8" })
        ])
        expect(names(yield* store.list())).toEqual(["a/changed", "a/new", "a/same"])
        const told = yield* changes.pipe(Stream.take(3), Stream.runCollect)
        expect(Chunk.toReadonlyArray(told).map(describeChange).sort()).toEqual([
          "Applied a/changed@7 (was @2)",
          "Applied a/new@8",
          "Deleted a/gone"
        ])
      })
  )

  it.scoped("applies and deletes, telling each change with the object it replaced", () =>
    Effect.gen(function* () {
      const writer = yield* Store.make<core.ConfigMap>()
      yield* writer.applyAll([Init(), InitDone({ resourceVersion: "1" })])
      const changes = yield* writer.store.subscribe
      yield* writer.apply(Apply({ object: cm("a", "x", "2") }))
      yield* writer.apply(Apply({ object: cm("a", "x", "3") }))
      yield* writer.apply(Delete({ object: cm("a", "x", "4") }))
      expect(yield* writer.store.size).toBe(0)
      const told = yield* changes.pipe(Stream.take(3), Stream.runCollect)
      expect(Chunk.toReadonlyArray(told).map(describeChange)).toEqual([
        "Applied a/x@2",
        "Applied a/x@3 (was @2)",
        "Deleted a/x"
      ])
    })
  )

  it.effect("lists by namespace and label selector; custom indexes follow every change", () =>
    Effect.gen(function* () {
      const writer = yield* Store.make<core.ConfigMap, "owner" | "tier">({
        indexes: { owner: Store.indexers.ownerUid(), tier: Store.indexers.label("tier") }
      })
      const { store } = writer
      yield* writer.applyAll([
        Init(),
        InitApply({ object: cm("a", "web-1", "1", { app: "web", tier: "front" }, "web") }),
        InitApply({ object: cm("a", "web-2", "2", { app: "web", tier: "front" }, "web") }),
        InitApply({ object: cm("b", "db", "3", { app: "db", tier: "back" }, "db") }),
        InitDone({ resourceVersion: "3" })
      ])
      expect(names(yield* store.list({ namespace: "a" }))).toEqual(["a/web-1", "a/web-2"])
      expect(names(yield* store.list({ namespace: "c" }))).toEqual([])
      expect(names(yield* store.list({ labels: { app: "db" } }))).toEqual(["b/db"])
      expect(names(yield* store.list({ namespace: "a", labels: { app: "db" } }))).toEqual([])
      expect(names(yield* store.byIndex("owner", "uid-web"))).toEqual(["a/web-1", "a/web-2"])
      expect(yield* store.keysByIndex("tier", "back")).toEqual(["b/db"])

      // A change moves the object between index values; a delete takes it out.
      yield* writer.apply(Apply({ object: cm("a", "web-2", "4", { app: "web", tier: "back" }) }))
      expect(names(yield* store.byIndex("owner", "uid-web"))).toEqual(["a/web-1"])
      expect(names(yield* store.byIndex("tier", "back"))).toEqual(["a/web-2", "b/db"])
      yield* writer.apply(Delete({ object: cm("b", "db", "5") }))
      expect(names(yield* store.byIndex("tier", "back"))).toEqual(["a/web-2"])
      expect(yield* store.byIndex("owner", "uid-db")).toEqual([])
      expect(names(yield* store.list({ namespace: "b" }))).toEqual([])

      // A relist rebuilds the indexes with the state.
      yield* writer.applyAll([
        Init(),
        InitApply({ object: cm("c", "only", "9", { tier: "front" }) }),
        InitDone({ resourceVersion: "9" })
      ])
      expect(names(yield* store.byIndex("tier", "front"))).toEqual(["c/only"])
      expect(yield* store.byIndex("owner", "uid-web")).toEqual([])
    })
  )

  it.effect("`ready` waits for the first list; a failure of the source fails `ready` and `stopped`", () =>
    Effect.gen(function* () {
      const writer = yield* Store.make<core.ConfigMap>()
      const waiting = yield* Effect.fork(writer.store.ready)
      yield* Effect.yieldNow()
      expect(waiting.unsafePoll()).toBeNull()
      const forbidden = new ApiError.ApiError({
        status: ApiError.statusFromBody(403, ""),
        method: "GET",
        url: "https://cluster/api/v1/configmaps"
      })
      yield* writer.fail(forbidden)
      expect(yield* Fiber.await(waiting)).toEqual(Exit.fail(forbidden))
      expect(yield* Effect.exit(writer.store.stopped)).toEqual(Exit.fail(forbidden))
    })
  )
})
