import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Schedule, Stream } from "effect"
import { afterAll, beforeAll } from "vitest"
import { Client, KubeConfig, Watch } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import * as rbac from "../../src/models/rbac/v1.js"
import { NodeKube } from "../../src/node/index.js"
import { compactEtcd, type Envtest, start } from "../harness/Envtest.js"

// A private apiserver (and etcd) this file may stop, restart and compact.
let env: Envtest
beforeAll(async () => {
  env = await start()
}, 120_000)
afterAll(async () => {
  await env?.stop()
})

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`
const fast = Schedule.spaced("300 millis").pipe(Schedule.intersect(Schedule.recurs(200)))
const layer = (namespace = "default") =>
  NodeKube.layer({
    config: KubeConfig.fromFile(env.kubeconfigs["admin-token"], { namespace }),
    retrySchedule: fast
  })

const cm = (name: string): core.ConfigMap => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name } })

const inFreshNamespace = <A, E>(body: (ns: string) => Effect.Effect<A, E, Client.Requirements>) => {
  const ns = unique("fault")
  return Client.create(core.Namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }).pipe(
    Effect.zipRight(body(ns)),
    Effect.provide(layer(ns))
  )
}

/** A write (so that history moves past any version read so far), then an etcd compaction. */
const compact = Effect.gen(function* () {
  yield* Client.create(core.ConfigMap, cm(unique("bump")), { namespace: "default" })
  yield* Effect.tryPromise(() => compactEtcd(env.etcdUrl)).pipe(Effect.orDie)
})

describe("faults on a private apiserver", () => {
  it.live(
    "a GET retries through an apiserver restart; a POST fails at once with a typed error",
    () =>
      Effect.gen(function* () {
        const http = yield* HttpClient.HttpClient
        expect((yield* http.get("/version")).status).toBe(200)
        yield* Effect.promise(() => env.stopApiserver())

        const post = yield* Effect.flip(http.post("/api/v1/namespaces"))
        expect(post._tag).toBe("RequestError")
        expect(post.message).toMatch(/ECONNREFUSED|Transport/)

        const pending = yield* Effect.fork(http.get("/version"))
        yield* Effect.sleep("1 second")
        yield* Effect.promise(() => env.startApiserver())
        const response = yield* Fiber.join(pending)
        expect(response.status).toBe(200)
      }).pipe(Effect.provide(layer())),
    120_000
  )

  it.live(
    "a watch resumes after the apiserver process restarts mid-stream; the final state matches a fresh list",
    () =>
      inFreshNamespace(() =>
        Effect.gen(function* () {
          const state = new Map<string, string>()
          const seen: Array<string> = []
          const fiber = yield* Watch.watcher(core.ConfigMap, { retrySchedule: fast }).pipe(
            Stream.tap((e) =>
              Effect.sync(() => {
                if (e._tag === "Init") state.clear()
                if (e._tag === "InitApply" || e._tag === "Apply")
                  state.set(e.object.metadata?.name ?? "", e.object.metadata?.resourceVersion ?? "")
                if (e._tag === "Delete") state.delete(e.object.metadata?.name ?? "")
                if (e._tag === "Apply" || e._tag === "Delete")
                  seen.push(`${e._tag} ${e.object.metadata?.name}`)
              })
            ),
            Stream.takeUntil((e) => e._tag === "Apply" && e.object.metadata?.name === "after"),
            Stream.runDrain,
            Effect.fork
          )
          yield* Effect.sleep("300 millis")
          yield* Client.create(core.ConfigMap, cm("before"))
          yield* Effect.sleep("300 millis")
          yield* Effect.promise(() => env.stopApiserver())
          yield* Effect.sleep("500 millis")
          yield* Effect.promise(() => env.startApiserver())
          yield* Client.create(core.ConfigMap, cm("after"))
          yield* Client.delete(core.ConfigMap, "before")
          yield* Client.create(core.ConfigMap, cm("after-2"))
          yield* Fiber.join(fiber)
          expect(seen).toContain("Apply before")
          expect(seen[seen.length - 1]).toBe("Apply after")
          // Nothing lost: what the watch saw is what a fresh list says (up to "after").
          const fresh = yield* Client.listAll(core.ConfigMap)
          const names = fresh.items.map((c) => c.metadata?.name ?? "").filter((n) => n !== "after-2")
          expect([...state.keys()].filter((n) => n !== "before").sort()).toEqual(names.sort())
        })
      ),
    120_000
  )

  it.live(
    "an RBAC user's watcher survives an apiserver restart (a 401/403 on reconnect is retried)",
    () =>
      Effect.gen(function* () {
        const ns = unique("fault-rbac")
        yield* Effect.gen(function* () {
          yield* Client.create(core.Namespace, {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: ns }
          })
          yield* Client.create(rbac.Role, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: { name: "watch-configmaps" },
            rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }]
          })
          yield* Client.create(rbac.RoleBinding, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name: "watch-configmaps" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "watch-configmaps" },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "envtest-limited" }]
          })
        }).pipe(Effect.provide(layer(ns)))
        const limited = NodeKube.layer({
          config: KubeConfig.fromFile(env.kubeconfigs["limited-token"], { namespace: ns }),
          retrySchedule: fast
        })
        // The watcher (a restarted apiserver may have forgotten the version: 410, relist).
        const state = new Set<string>()
        const fiber = yield* Watch.watcher(core.ConfigMap, { retrySchedule: fast }).pipe(
          Stream.tap((e) =>
            Effect.sync(() => {
              if (e._tag === "Init") state.clear()
              if (e._tag === "InitApply" || e._tag === "Apply") state.add(e.object.metadata?.name ?? "")
              if (e._tag === "Delete") state.delete(e.object.metadata?.name ?? "")
            })
          ),
          // Until "after" is in a complete state (after a change, or at the end of a relist).
          Stream.takeUntil((e) => (e._tag === "Apply" || e._tag === "InitDone") && state.has("after")),
          Stream.runDrain,
          Effect.provide(limited),
          Effect.fork
        )
        yield* Effect.gen(function* () {
          yield* Effect.sleep("300 millis")
          yield* Client.create(core.ConfigMap, cm("before"))
          yield* Effect.sleep("300 millis")
          yield* Effect.promise(() => env.stopApiserver())
          yield* Effect.sleep("500 millis")
          yield* Effect.promise(() => env.startApiserver())
          yield* Client.create(core.ConfigMap, cm("after"))
        }).pipe(Effect.provide(layer(ns)))
        yield* Fiber.join(fiber)
        expect([...state].sort()).toEqual(["after", "before"])
      }),
    120_000
  )

  it.live(
    "an expired list continue token fails the list as Gone, never a silent truncation; the watcher relists",
    () =>
      inFreshNamespace(() =>
        Effect.gen(function* () {
          yield* Effect.forEach(
            Array.from({ length: 60 }, (_, i) => i),
            (i) => Client.create(core.ConfigMap, cm(`page-${i}`)),
            { concurrency: 10, discard: true }
          )
          let seen = 0
          const error = yield* Client.list(core.ConfigMap, { chunkSize: 10 }).pipe(
            Stream.tap(() => (++seen === 1 ? compact : Effect.void)),
            Stream.runDrain,
            Effect.flip
          )
          expect(Watch.isGone(error)).toBe(true)
          expect(error).toMatchObject({ _tag: "ApiError", code: 410 })
          expect(seen).toBe(10)

          // The watcher starts over with a fresh list when its list's token expires.
          let applied = 0
          const events = yield* Watch.watcher(core.ConfigMap, { chunkSize: 10 }).pipe(
            Stream.tap((e) => (e._tag === "InitApply" && applied++ === 5 ? compact : Effect.void)),
            Stream.takeUntil((e) => e._tag === "InitDone"),
            Stream.runCollect
          )
          const tags = Chunk.toReadonlyArray(events).map((e) => e._tag)
          expect(tags.filter((t) => t === "Init")).toHaveLength(2)
          expect(tags.slice(tags.lastIndexOf("Init") + 1).filter((t) => t === "InitApply")).toHaveLength(60)
        })
      ),
    60_000
  )
})
