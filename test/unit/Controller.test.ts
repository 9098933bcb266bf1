import { describe, expect, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Option, Ref, Schedule } from "effect"
import { ApiError, Client, Controller, Reflector, Store, Watch } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { Eventually, InMemoryCluster } from "../../src/testing/index.js"

const ns = (name: string): core.Namespace => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })

const cm = (namespace: string, name: string, data: Record<string, string> = {}): core.ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { namespace, name },
  data
})

const cluster = (...objects: ReadonlyArray<core.ConfigMap>) =>
  InMemoryCluster.layer({ objects: [ns("source"), ns("target"), ...objects] })

const fast = Schedule.spaced("10 millis")

/** A mirror of the ConfigMaps of "source" in "target", repairing drift in the copies. */
const mirror = Effect.gen(function* () {
  const copies = yield* Reflector.make(core.ConfigMap, { namespace: "target", retrySchedule: fast })
  return yield* Controller.run(core.ConfigMap, {
    namespace: "source",
    retrySchedule: fast,
    watches: [
      Controller.watches(copies, (copy) => [{ namespace: "source", name: copy.metadata?.name ?? "" }])
    ],
    reconcile: (source) =>
      Client.apply(
        core.ConfigMap,
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { namespace: "target", name: source.metadata?.name ?? "" },
          data: source.data ?? {}
        },
        { fieldManager: "mirror", force: true }
      ).pipe(Effect.as(Controller.done))
  })
})

const dataOf = (namespace: string, name: string) =>
  Effect.map(Client.get(core.ConfigMap, name, { namespace }), (o) => o.data ?? {})

/** Tracks reconciles: how many, and how many run at once (in all, and per key). */
const makeTracker = Effect.gen(function* () {
  const running = new Map<string, number>()
  let now = 0
  let most = 0
  let mostPerKey = 0
  const calls = yield* Ref.make<ReadonlyArray<string>>([])
  const track = <A, E, R>(key: string, body: Effect.Effect<A, E, R>) =>
    Effect.acquireUseRelease(
      Effect.sync(() => {
        now++
        most = Math.max(most, now)
        const n = (running.get(key) ?? 0) + 1
        running.set(key, n)
        mostPerKey = Math.max(mostPerKey, n)
      }).pipe(Effect.zipRight(Ref.update(calls, (cs) => [...cs, key]))),
      () => body,
      () =>
        Effect.sync(() => {
          now--
          running.set(key, (running.get(key) ?? 1) - 1)
        })
    )
  return { track, calls: Ref.get(calls), most: () => most, mostPerKey: () => mostPerKey }
})

describe("Controller", () => {
  it.scopedLive("mirrors objects and repairs drift in what it made (a watched kind triggers it)", () =>
    Effect.gen(function* () {
      yield* Effect.forkScoped(mirror)
      yield* Eventually.eventually(
        Effect.flatMap(dataOf("target", "a"), (d) => Effect.sync(() => expect(d).toEqual({ k: "1" })))
      )
      yield* Client.patch(core.ConfigMap, "a", { data: { k: "2" } }, { namespace: "source" })
      yield* Eventually.eventually(
        Effect.flatMap(dataOf("target", "a"), (d) => Effect.sync(() => expect(d).toEqual({ k: "2" })))
      )
      yield* Client.create(core.ConfigMap, cm("source", "b", { x: "y" }))
      yield* Eventually.eventually(
        Effect.flatMap(dataOf("target", "b"), (d) => Effect.sync(() => expect(d).toEqual({ x: "y" })))
      )
      // Drift: someone edits the copy; the controller puts it back.
      yield* Client.patch(core.ConfigMap, "a", { data: { k: "tampered" } }, { namespace: "target" })
      yield* Eventually.eventually(
        Effect.flatMap(dataOf("target", "a"), (d) => Effect.sync(() => expect(d).toEqual({ k: "2" })))
      )
    }).pipe(Effect.provide(cluster(cm("source", "a", { k: "1" }))))
  )

  it.scopedLive("a watched kind's mapping may be an Effect (a query of another store)", () =>
    Effect.gen(function* () {
      const tracker = yield* makeTracker
      const sources = yield* Reflector.make(core.ConfigMap, { namespace: "source", retrySchedule: fast })
      const targets = yield* Reflector.make(core.ConfigMap, {
        namespace: "target",
        retrySchedule: fast,
        indexes: { from: (o: core.ConfigMap) => [o.data?.from ?? ""] }
      })
      yield* Controller.run(core.ConfigMap, {
        store: targets,
        watches: [
          Controller.watches(sources, (source) =>
            Effect.map(targets.byIndex("from", source.metadata?.name ?? ""), (found) =>
              found.map(Store.refOf)
            )
          )
        ],
        reconcile: (_, { key }) => tracker.track(key, Effect.succeed(Controller.done))
      }).pipe(Effect.forkScoped)
      yield* Eventually.eventually(Effect.map(tracker.calls, (cs) => expect(cs).toContain("target/t")))
      yield* Effect.sleep("100 millis")
      const before = (yield* tracker.calls).length
      yield* Client.patch(core.ConfigMap, "a", { data: { k: "2" } }, { namespace: "source" })
      yield* Eventually.eventually(
        Effect.map(tracker.calls, (cs) => {
          expect(cs.length).toBeGreaterThan(before)
          expect(new Set(cs)).toEqual(new Set(["target/t"]))
        })
      )
    }).pipe(Effect.provide(cluster(cm("source", "a", { k: "1" }), cm("target", "t", { from: "a" }))))
  )

  it.scopedLive(
    "a key is never reconciled twice at once; a burst of changes coalesces; concurrency is bounded",
    () =>
      Effect.gen(function* () {
        const tracker = yield* makeTracker
        const store = yield* Reflector.make(core.ConfigMap, { namespace: "source", retrySchedule: fast })
        // The first reconcile of "a" waits for the gate: the burst comes while it runs.
        const gate = yield* Deferred.make<void>()
        const first = yield* Ref.make(true)
        yield* Controller.run(core.ConfigMap, {
          store,
          concurrency: 2,
          reconcile: (_, { key }) =>
            tracker.track(
              key,
              Effect.gen(function* () {
                if (key === "source/a" && (yield* Ref.getAndSet(first, false))) yield* Deferred.await(gate)
                yield* Effect.sleep("5 millis")
                return Controller.done
              })
            )
        }).pipe(Effect.forkScoped)
        yield* Eventually.eventually(
          Effect.map(tracker.calls, (cs) =>
            expect([...cs].sort()).toEqual(["source/a", "source/b", "source/c", "source/d"])
          )
        )
        // 40 changes of "a" while its first reconcile runs, all seen by the store before it ends.
        for (let i = 0; i < 40; i++) {
          yield* Client.patch(core.ConfigMap, "a", { data: { i: String(i) } }, { namespace: "source" })
        }
        yield* Eventually.eventually(
          Effect.map(store.get({ namespace: "source", name: "a" }), (a) =>
            expect(Option.map(a, (o) => o.data)).toEqual(Option.some({ i: "39" }))
          )
        )
        yield* Deferred.succeed(gate, undefined)
        // They coalesce into one more reconcile.
        yield* Eventually.eventually(
          Effect.map(tracker.calls, (cs) => expect(cs.filter((k) => k === "source/a")).toHaveLength(2))
        )
        yield* Effect.sleep("100 millis")
        expect((yield* tracker.calls).filter((k) => k === "source/a")).toHaveLength(2)
        expect(tracker.mostPerKey()).toBe(1)
        expect(tracker.most()).toBeLessThanOrEqual(2)
      }).pipe(
        Effect.provide(cluster(cm("source", "a"), cm("source", "b"), cm("source", "c"), cm("source", "d")))
      )
  )

  it.scopedLive("a failing reconcile is retried with the backoff, which starts over after a success", () =>
    Effect.gen(function* () {
      const seen = yield* Ref.make<ReadonlyArray<number>>([])
      yield* Controller.run(core.ConfigMap, {
        namespace: "source",
        retrySchedule: fast,
        backoff: Schedule.spaced("20 millis"),
        reconcile: (_, { failures }) =>
          Effect.flatMap(
            Ref.updateAndGet(seen, (xs) => [...xs, failures]),
            (xs) => (xs.length <= 2 ? Effect.fail("not yet" as const) : Effect.succeed(Controller.done))
          )
      }).pipe(Effect.forkScoped)
      yield* Eventually.eventually(Effect.map(Ref.get(seen), (xs) => expect(xs).toEqual([0, 1, 2])))
      yield* Client.patch(core.ConfigMap, "a", { data: { again: "1" } }, { namespace: "source" })
      yield* Eventually.eventually(Effect.map(Ref.get(seen), (xs) => expect(xs).toEqual([0, 1, 2, 0])))
    }).pipe(Effect.provide(cluster(cm("source", "a"))))
  )

  it.scopedLive(
    "a backoff that ends leaves the key until its next change; defects are retried as failures",
    () =>
      Effect.gen(function* () {
        const count = yield* Ref.make(0)
        yield* Controller.run(core.ConfigMap, {
          namespace: "source",
          retrySchedule: fast,
          backoff: Schedule.recurs(1).pipe(Schedule.addDelay(() => "10 millis")),
          reconcile: () =>
            Effect.zipRight(
              Ref.update(count, (n) => n + 1),
              Effect.die(new Error("bug"))
            )
        }).pipe(Effect.forkScoped)
        yield* Eventually.eventually(Effect.map(Ref.get(count), (n) => expect(n).toBe(2)))
        yield* Effect.sleep("100 millis")
        expect(yield* Ref.get(count)).toBe(2)
        yield* Client.patch(core.ConfigMap, "a", { data: { again: "1" } }, { namespace: "source" })
        // The ended backoff starts over: the change gets its two attempts again.
        yield* Eventually.eventually(Effect.map(Ref.get(count), (n) => expect(n).toBe(4)))
        yield* Effect.sleep("100 millis")
        expect(yield* Ref.get(count)).toBe(4)
      }).pipe(Effect.provide(cluster(cm("source", "a"))))
  )

  it.scopedLive("RequeueAfter reconciles the key again without a change; resync reconciles everything", () =>
    Effect.gen(function* () {
      const requeued = yield* Ref.make(0)
      yield* Controller.run(core.ConfigMap, {
        namespace: "source",
        retrySchedule: fast,
        reconcile: () =>
          Effect.as(
            Ref.update(requeued, (n) => n + 1),
            Controller.requeueAfter("20 millis")
          )
      }).pipe(Effect.forkScoped)
      yield* Eventually.eventually(Effect.map(Ref.get(requeued), (n) => expect(n).toBeGreaterThanOrEqual(3)))

      const resynced = yield* Ref.make(0)
      yield* Controller.run(core.ConfigMap, {
        namespace: "source",
        controllerName: "resync",
        retrySchedule: fast,
        resync: "30 millis",
        reconcile: () =>
          Effect.as(
            Ref.update(resynced, (n) => n + 1),
            Controller.done
          )
      }).pipe(Effect.forkScoped)
      yield* Eventually.eventually(Effect.map(Ref.get(resynced), (n) => expect(n).toBeGreaterThanOrEqual(3)))
    }).pipe(Effect.provide(cluster(cm("source", "a"))))
  )

  it.scopedLive("owned objects trigger their owner", () =>
    Effect.gen(function* () {
      const owner = yield* Client.get(core.ConfigMap, "owner", { namespace: "source" })
      const owned = yield* Reflector.make(core.Secret, { namespace: "source", retrySchedule: fast })
      const calls = yield* Ref.make<ReadonlyArray<string>>([])
      yield* Controller.run(core.ConfigMap, {
        namespace: "source",
        retrySchedule: fast,
        owns: [Controller.owns(owned)],
        reconcile: (_, { key }) =>
          Effect.as(
            Ref.update(calls, (cs) => [...cs, key]),
            Controller.done
          )
      }).pipe(Effect.forkScoped)
      yield* Eventually.eventually(Effect.map(Ref.get(calls), (cs) => expect(cs).toEqual(["source/owner"])))
      yield* Client.create(core.Secret, {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          namespace: "source",
          name: "child",
          ownerReferences: [
            { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata?.uid ?? "" }
          ]
        }
      })
      yield* Eventually.eventually(
        Effect.map(Ref.get(calls), (cs) => expect(cs).toEqual(["source/owner", "source/owner"]))
      )
      // Objects owned by another kind do not trigger it.
      yield* Client.create(core.Secret, {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          namespace: "source",
          name: "other",
          ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "owner", uid: "x" }]
        }
      })
      yield* Effect.sleep("100 millis")
      expect(yield* Ref.get(calls)).toEqual(["source/owner", "source/owner"])
    }).pipe(Effect.provide(cluster(cm("source", "owner"))))
  )

  it.live("stops gracefully: a running reconcile ends; past the deadline it is interrupted", () =>
    Effect.gen(function* () {
      const finished = yield* Ref.make(false)
      const started = yield* Ref.make(false)
      const fiber = yield* Controller.run(core.ConfigMap, {
        namespace: "source",
        retrySchedule: fast,
        shutdownTimeout: "2 seconds",
        reconcile: () =>
          Effect.gen(function* () {
            yield* Ref.set(started, true)
            yield* Effect.sleep("200 millis")
            yield* Ref.set(finished, true)
            return Controller.done
          })
      }).pipe(Effect.fork)
      yield* Eventually.eventually(
        Effect.flatMap(Ref.get(started), (s) => (s ? Effect.void : Effect.fail("no")))
      )
      yield* Fiber.interrupt(fiber)
      expect(yield* Ref.get(finished)).toBe(true)

      const interrupted = yield* Ref.make(false)
      yield* Ref.set(started, false)
      const slow = yield* Controller.run(core.ConfigMap, {
        namespace: "source",
        retrySchedule: fast,
        shutdownTimeout: "50 millis",
        reconcile: () =>
          Ref.set(started, true).pipe(
            Effect.zipRight(Effect.never),
            Effect.onInterrupt(() => Ref.set(interrupted, true))
          )
      }).pipe(Effect.fork)
      yield* Eventually.eventually(
        Effect.flatMap(Ref.get(started), (s) => (s ? Effect.void : Effect.fail("no")))
      )
      const exit = yield* Fiber.interrupt(slow)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(yield* Ref.get(interrupted)).toBe(true)
    }).pipe(Effect.provide(cluster(cm("source", "a"))))
  )

  it.scopedLive("a reconcile that returns an interruption is a failure; the worker goes on", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make<ReadonlyArray<string>>([])
      yield* Controller.run(core.ConfigMap, {
        namespace: "source",
        retrySchedule: fast,
        concurrency: 1,
        backoff: Schedule.stop,
        reconcile: (_, { key }) =>
          Effect.flatMap(
            Ref.updateAndGet(calls, (cs) => [...cs, key]),
            (cs) => (cs.length === 1 ? Effect.interrupt : Effect.succeed(Controller.done))
          )
      }).pipe(Effect.forkScoped)
      yield* Eventually.eventually(Effect.map(Ref.get(calls), (cs) => expect(cs).toHaveLength(2)))
      yield* Client.patch(core.ConfigMap, "b", { data: { later: "1" } }, { namespace: "source" })
      yield* Eventually.eventually(Effect.map(Ref.get(calls), (cs) => expect(cs).toHaveLength(3)))
    }).pipe(Effect.provide(cluster(cm("source", "a"), cm("source", "b"))))
  )

  it.live("the first store that fails for good stops it, named by its kind", () =>
    Effect.gen(function* () {
      const writer = yield* Store.make<core.ConfigMap>()
      yield* writer.applyAll([
        Watch.WatcherEvent.Init(),
        Watch.WatcherEvent.InitDone({ resourceVersion: "1" })
      ])
      const fiber = yield* Controller.run(core.ConfigMap, {
        namespace: "source",
        retrySchedule: fast,
        watches: [Controller.watches(writer.store, () => [], { kind: "Widget" })],
        reconcile: () => Effect.succeed(Controller.done)
      }).pipe(Effect.fork)
      yield* Effect.sleep("100 millis")
      const forbidden = new ApiError.ApiError({
        status: ApiError.statusFromBody(403, ""),
        method: "GET",
        url: "https://cluster/apis/example.com/v1/widgets"
      })
      yield* writer.fail(forbidden)
      const exit = yield* Fiber.await(fiber)
      expect(exit).toEqual(
        Exit.fail(
          new Controller.ControllerError({ controller: "configmaps", kind: "Widget", cause: forbidden })
        )
      )
    }).pipe(Effect.provide(cluster(cm("source", "a"))))
  )

  it.live("a store that fails for good stops the controller with a ControllerError", () =>
    Effect.gen(function* () {
      const memory = yield* InMemoryCluster.InMemoryCluster
      yield* memory.failNext(1, 403, "Forbidden")
      const error = yield* Controller.run(core.ConfigMap, {
        namespace: "source",
        retrySchedule: fast,
        reconcile: () => Effect.succeed(Controller.done)
      }).pipe(Effect.flip)
      expect(error._tag).toBe("ControllerError")
      expect(error.kind).toBe("ConfigMap")
      expect(error.cause).toMatchObject({ _tag: "ApiError", reason: "Forbidden" })
      expect(error.message).toContain("Forbidden")
      expect(Cause.pretty(Cause.fail(error))).toContain("ControllerError")
    }).pipe(Effect.provide(cluster()))
  )
})
