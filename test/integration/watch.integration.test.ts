import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Fiber, Stream } from "effect"
import { inject } from "vitest"
import { Client, Watch } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { inFreshNamespace as freshNamespace } from "../harness/Namespace.js"

const env = inject("envtest")
const inFreshNamespace = freshNamespace(env.kubeconfigs["admin-token"], "watch")

const cm = (name: string, data: Record<string, string> = {}): core.ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name },
  data
})

const describeEvent = (e: Watch.WatchEvent<core.ConfigMap>) =>
  e._tag === "Bookmark"
    ? "Bookmark"
    : `${e._tag} ${e.object.metadata?.name} ${JSON.stringify(e.object.data ?? {})}`

describe("watch against the real apiserver", () => {
  it.live("events arrive in order, typed", () =>
    inFreshNamespace(() =>
      Effect.gen(function* () {
        const { resourceVersion } = yield* Client.listAll(core.ConfigMap)
        const fiber = yield* Watch.watch(core.ConfigMap, { resourceVersion }).pipe(
          Stream.filter((e) => e._tag !== "Bookmark"),
          Stream.take(4),
          Stream.runCollect,
          Effect.fork
        )
        yield* Client.create(core.ConfigMap, cm("a", { v: "1" }))
        yield* Client.patch(core.ConfigMap, "a", { data: { v: "2" } })
        yield* Client.create(core.ConfigMap, cm("b"))
        yield* Client.delete(core.ConfigMap, "a")
        const events = Chunk.toReadonlyArray(yield* Fiber.join(fiber)).map(describeEvent)
        expect(events).toEqual([
          'Added a {"v":"1"}',
          'Modified a {"v":"2"}',
          "Added b {}",
          'Deleted a {"v":"2"}'
        ])
      })
    )
  )

  it.live("without a version: the current objects first, then changes", () =>
    inFreshNamespace(() =>
      Effect.gen(function* () {
        yield* Client.create(core.ConfigMap, cm("existing"))
        const fiber = yield* Watch.watch(core.ConfigMap).pipe(
          Stream.filter((e) => e._tag !== "Bookmark"),
          Stream.take(2),
          Stream.runCollect,
          Effect.fork
        )
        yield* Effect.sleep("300 millis")
        yield* Client.create(core.ConfigMap, cm("new"))
        const events = Chunk.toReadonlyArray(yield* Fiber.join(fiber)).map(describeEvent)
        expect(events).toEqual(["Added existing {}", "Added new {}"])
      })
    )
  )

  it.live(
    "resumes after the server closes the watch (timeoutSeconds), losing and repeating nothing",
    () =>
      inFreshNamespace(() =>
        Effect.gen(function* () {
          const { resourceVersion } = yield* Client.listAll(core.ConfigMap)
          const fiber = yield* Watch.watch(core.ConfigMap, { resourceVersion, serverTimeout: 1 }).pipe(
            Stream.filter((e) => e._tag !== "Bookmark"),
            Stream.take(4),
            Stream.runCollect,
            Effect.fork
          )
          for (const name of ["one", "two", "three", "four"]) {
            yield* Client.create(core.ConfigMap, cm(name))
            // Across several server-side closes (each connection lasts one second).
            yield* Effect.sleep("700 millis")
          }
          const events = Chunk.toReadonlyArray(yield* Fiber.join(fiber)).map(describeEvent)
          expect(events).toEqual(["Added one {}", "Added two {}", "Added three {}", "Added four {}"])
        })
      ),
    30_000
  )

  it.live("watcher: initial state, then changes; watching one object by name", () =>
    inFreshNamespace(() =>
      Effect.gen(function* () {
        yield* Client.create(core.ConfigMap, cm("x"))
        yield* Client.create(core.ConfigMap, cm("y"))
        const fiber = yield* Watch.watcher(core.ConfigMap, { name: "x" }).pipe(
          Stream.take(5),
          Stream.runCollect,
          Effect.fork
        )
        yield* Effect.sleep("300 millis")
        yield* Client.patch(core.ConfigMap, "y", { data: { ignored: "1" } })
        yield* Client.patch(core.ConfigMap, "x", { data: { seen: "1" } })
        yield* Client.delete(core.ConfigMap, "x")
        const events = Chunk.toReadonlyArray(yield* Fiber.join(fiber)).map((e) =>
          e._tag === "Init" || e._tag === "InitDone" ? e._tag : `${e._tag} ${e.object.metadata?.name}`
        )
        expect(events).toEqual(["Init", "InitApply x", "InitDone", "Apply x", "Delete x"])
      })
    )
  )

  it.live("watcher: `resourceVersion` is the first list's; the watch follows from the list's version", () =>
    inFreshNamespace(() =>
      Effect.gen(function* () {
        yield* Client.create(core.ConfigMap, cm("x"))
        const { resourceVersion } = yield* Client.listAll(core.ConfigMap)
        const listed = yield* Deferred.make<void>()
        const fiber = yield* Watch.watcher(core.ConfigMap, { resourceVersion, chunkSize: 1 }).pipe(
          Stream.tap((e) => (e._tag === "InitDone" ? Deferred.succeed(listed, undefined) : Effect.void)),
          Stream.takeUntil((e) => e._tag === "Apply"),
          Stream.runCollect,
          Effect.fork
        )
        // Written once the list is done, so that it comes through the watch.
        yield* Deferred.await(listed)
        yield* Client.create(core.ConfigMap, cm("y"))
        const events = Chunk.toReadonlyArray(yield* Fiber.join(fiber)).map((e) =>
          e._tag === "Init" || e._tag === "InitDone" ? e._tag : `${e._tag} ${e.object.metadata?.name}`
        )
        expect(events).toEqual(["Init", "InitApply x", "InitDone", "Apply y"])
      })
    )
  )

  // 1.20 has no streaming lists: it refuses a watch with resourceVersionMatch (422 "forbidden for
  // watch"); the watcher and the watch fall back to a list (the streaming form itself is tested
  // against a scripted newer server in test/unit/WatchList.test.ts).
  it.live("sendInitialEvents on a server without streaming lists: the watcher lists instead", () =>
    inFreshNamespace(() =>
      Effect.gen(function* () {
        yield* Client.create(core.ConfigMap, cm("x"))
        const listed = yield* Deferred.make<void>()
        const fiber = yield* Watch.watcher(core.ConfigMap, { sendInitialEvents: true }).pipe(
          Stream.tap((e) => (e._tag === "InitDone" ? Deferred.succeed(listed, undefined) : Effect.void)),
          Stream.takeUntil((e) => e._tag === "Apply"),
          Stream.runCollect,
          Effect.fork
        )
        yield* Deferred.await(listed)
        yield* Client.create(core.ConfigMap, cm("y"))
        const events = Chunk.toReadonlyArray(yield* Fiber.join(fiber)).map((e) =>
          e._tag === "Init" || e._tag === "InitDone" ? e._tag : `${e._tag} ${e.object.metadata?.name}`
        )
        expect(events).toEqual(["Init", "InitApply x", "InitDone", "Apply y"])
      })
    )
  )

  it.live(
    "sendInitialEvents on a server without streaming lists: the raw watch's initial events come from a list",
    () =>
      inFreshNamespace(() =>
        Effect.gen(function* () {
          yield* Client.create(core.ConfigMap, cm("x"))
          const initial = yield* Deferred.make<string>()
          const fiber = yield* Watch.watch(core.ConfigMap, { sendInitialEvents: true }).pipe(
            Stream.tap((e) =>
              e._tag === "Bookmark" && e.initialEventsEnd === true
                ? Deferred.succeed(initial, e.resourceVersion)
                : Effect.void
            ),
            Stream.takeUntil((e) => e._tag === "Added" && e.object.metadata?.name === "y"),
            Stream.runCollect,
            Effect.fork
          )
          const rv = yield* Deferred.await(initial)
          expect(rv).not.toBe("")
          yield* Client.create(core.ConfigMap, cm("y"))
          const events = Chunk.toReadonlyArray(yield* Fiber.join(fiber)).map((e) =>
            e._tag === "Bookmark"
              ? `Bookmark${e.initialEventsEnd === true ? " end" : ""}`
              : `${e._tag} ${e.object.metadata?.name}`
          )
          expect(events.filter((e) => e !== "Bookmark")).toEqual(["Added x", "Bookmark end", "Added y"])
        })
      )
  )
})
