import type * as http from "node:http"
import { inspect } from "node:util"
import { HttpClientError, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Duration, Effect, Fiber, Layer, Logger, LogLevel, Schedule, Stream } from "effect"
import { ApiError, Client, ConfigError, Watch } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { cmObject, fakeServer, layerFor, line, list, status } from "../harness/ScriptedServer.js"

const fast = Schedule.spaced("10 millis")

describe("Watch.watch with a scripted server", () => {
  it.scopedLive("resumes from the last bookmark's version after the server closes the stream", () =>
    Effect.gen(function* () {
      const srv = yield* fakeServer({
        handle: (_url, res, n) => {
          res.writeHead(200, { "content-type": "application/json" })
          if (n === 1) {
            res.write(line("ADDED", cmObject("a", "10")))
            res.end(
              line("BOOKMARK", { kind: "ConfigMap", apiVersion: "v1", metadata: { resourceVersion: "25" } })
            )
          } else {
            res.end(line("MODIFIED", cmObject("a", "30")))
          }
        }
      })
      const events = yield* Watch.watch(core.ConfigMap, { resourceVersion: "5", retrySchedule: fast }).pipe(
        Stream.take(3),
        Stream.runCollect,
        Effect.provide(layerFor(srv.url))
      )
      expect(
        Chunk.toReadonlyArray(events).map((e) => (e._tag === "Bookmark" ? `B ${e.resourceVersion}` : e._tag))
      ).toEqual(["Added", "B 25", "Modified"])
      expect(srv.requests.map((u) => u.searchParams.get("resourceVersion"))).toEqual(["5", "25"])
      expect(srv.requests[0]?.searchParams.get("watch")).toBe("true")
      expect(srv.requests[0]?.searchParams.get("allowWatchBookmarks")).toBe("true")
      expect(srv.requests[0]?.pathname).toBe("/api/v1/namespaces/ns/configmaps")
    })
  )

  it.scopedLive(
    "an ERROR event with 410 fails the raw watch as Gone, without retrying the stale version",
    () =>
      Effect.gen(function* () {
        const srv = yield* fakeServer({
          handle: (_url, res) => {
            res.writeHead(200)
            res.end(
              line("ERROR", {
                kind: "Status",
                apiVersion: "v1",
                status: "Failure",
                code: 410,
                reason: "Expired",
                message: "too old resource version: 1 (99)"
              })
            )
          }
        })
        const error = yield* Watch.watch(core.ConfigMap, { resourceVersion: "1", retrySchedule: fast }).pipe(
          Stream.runDrain,
          Effect.flip,
          Effect.provide(layerFor(srv.url))
        )
        expect(Watch.isGone(error)).toBe(true)
        expect(error).toMatchObject({ _tag: "ApiError", code: 410, reason: "Expired" })
        expect(srv.requests).toHaveLength(1)
      })
  )

  it.scopedLive("the watcher relists after a 410 during its watch", () =>
    Effect.gen(function* () {
      let lists = 0
      const srv = yield* fakeServer({
        handle: (url, res) => {
          res.writeHead(200, { "content-type": "application/json" })
          if (url.searchParams.get("watch") !== "true") {
            lists++
            res.end(
              JSON.stringify({
                kind: "ConfigMapList",
                apiVersion: "v1",
                metadata: { resourceVersion: String(100 * lists) },
                items: [cmObject(`v${lists}`, "1")]
              })
            )
          } else if (lists === 1) {
            res.end(line("ERROR", { kind: "Status", apiVersion: "v1", code: 410, reason: "Gone" }))
          } else {
            res.write(line("ADDED", cmObject("later", "201")))
          }
        }
      })
      const events = yield* Watch.watcher(core.ConfigMap, { retrySchedule: fast }).pipe(
        Stream.take(7),
        Stream.runCollect,
        Effect.provide(layerFor(srv.url))
      )
      expect(
        Chunk.toReadonlyArray(events).map((e) =>
          e._tag === "Init"
            ? "Init"
            : e._tag === "InitDone"
              ? `InitDone ${e.resourceVersion}`
              : `${e._tag} ${e.object.metadata?.name}`
        )
      ).toEqual([
        "Init",
        "InitApply v1",
        "InitDone 100",
        "Init",
        "InitApply v2",
        "InitDone 200",
        "Apply later"
      ])
    })
  )

  it.scopedLive("a silent connection is taken for dead and resumed", () =>
    Effect.gen(function* () {
      const srv = yield* fakeServer({
        handle: (_url, res, n) => {
          res.writeHead(200)
          if (n === 1) res.write(line("ADDED", cmObject("a", "7")))
          else res.write(line("ADDED", cmObject("b", "8")))
          // ... and then nothing, connection open.
        }
      })
      const events = yield* Watch.watch(core.ConfigMap, {
        idleTimeout: "200 millis",
        retrySchedule: fast
      }).pipe(Stream.take(2), Stream.runCollect, Effect.provide(layerFor(srv.url)))
      expect(
        Chunk.toReadonlyArray(events).map((e) => (e._tag === "Bookmark" ? "" : e.object.metadata?.name))
      ).toEqual(["a", "b"])
      expect(srv.requests.map((u) => u.searchParams.get("resourceVersion"))).toEqual([null, "7"])
    })
  )

  it.scopedLive("interrupting the stream closes the connection", () =>
    Effect.gen(function* () {
      const srv = yield* fakeServer({
        handle: (_url, res) => {
          res.writeHead(200)
          res.write(line("ADDED", cmObject("a", "1")))
        }
      })
      const first = yield* Watch.watch(core.ConfigMap).pipe(Stream.runHead, Effect.provide(layerFor(srv.url)))
      expect(first._tag).toBe("Some")
      // runHead interrupted the rest of the stream: the server sees its socket close.
      yield* Effect.promise(
        () =>
          new Promise<void>((resolve) => {
            const check = () => (srv.closed.length > 0 ? resolve() : setTimeout(check, 20))
            check()
          })
      ).pipe(Effect.timeout("3 seconds"))
      expect(srv.closed).toEqual([1])
    })
  )

  it.scopedLive("a server that closes every watch at once is not hammered", () =>
    Effect.gen(function* () {
      const srv = yield* fakeServer({
        handle: (_url, res) => {
          res.writeHead(200)
          res.end()
        }
      })
      const fiber = yield* Watch.watch(core.ConfigMap, { retrySchedule: fast }).pipe(
        Stream.runDrain,
        Effect.provide(layerFor(srv.url)),
        Effect.fork
      )
      yield* Effect.sleep("1500 millis")
      yield* Fiber.interrupt(fiber)
      // One connection a second, not hundreds.
      expect(srv.requests.length).toBeGreaterThanOrEqual(2)
      expect(srv.requests.length).toBeLessThanOrEqual(3)
    })
  )

  it.scopedLive("a 403 is not retried", () =>
    Effect.gen(function* () {
      const srv = yield* fakeServer({
        handle: (_url, res) => {
          res.writeHead(403, { "content-type": "application/json" })
          res.end(
            JSON.stringify({
              kind: "Status",
              apiVersion: "v1",
              code: 403,
              reason: "Forbidden",
              message: "no"
            })
          )
        }
      })
      const error = yield* Watch.watch(core.ConfigMap, { retrySchedule: fast }).pipe(
        Stream.runDrain,
        Effect.flip,
        Effect.provide(layerFor(srv.url))
      )
      expect(error).toMatchObject({ _tag: "ApiError", reason: "Forbidden" })
      expect(srv.requests).toHaveLength(1)
    })
  )
})

/** Collects what the program logs (debug and up), to check that every reconnect is visible. */
const captureLogs = () => {
  const logs: Array<{ readonly level: string; readonly message: string }> = []
  const layer = Layer.merge(
    Logger.replace(
      Logger.defaultLogger,
      Logger.make(({ logLevel, message }) => {
        logs.push({
          level: logLevel.label,
          message: Array.isArray(message) ? message.map(String).join(" ") : String(message)
        })
      })
    ),
    Logger.minimumLogLevel(LogLevel.Debug)
  )
  return { logs, layer }
}

const describeEvent = (e: Watch.WatchEvent<core.ConfigMap>) =>
  e._tag === "Bookmark" ? `Bookmark ${e.resourceVersion}` : `${e._tag} ${e.object.metadata?.name}`

describe("Watch.watch: a connection cut in the middle of an event", () => {
  const cuts = [
    [
      "the body ends in the middle of a JSON object",
      (res: http.ServerResponse, partial: string) => res.end(partial)
    ],
    [
      "the socket is reset after half an event",
      (res: http.ServerResponse, partial: string) => {
        res.write(partial)
        setTimeout(() => res.socket?.destroy(), 20)
      }
    ]
  ] as const
  for (const [how, cut] of cuts) {
    it.scopedLive(
      `${how}: the watch resumes from the last complete event, losing and repeating nothing`,
      () =>
        Effect.gen(function* () {
          const modified = line("MODIFIED", cmObject("a", "11"))
          const srv = yield* fakeServer({
            handle: (_url, res, n) => {
              res.writeHead(200, { "content-type": "application/json" })
              if (n === 1) {
                res.write(line("ADDED", cmObject("a", "10")))
                cut(res, modified.slice(0, 30))
              } else {
                res.write(modified)
                res.write(line("ADDED", cmObject("b", "12")))
              }
            }
          })
          const { logs, layer } = captureLogs()
          const events = yield* Watch.watch(core.ConfigMap, {
            resourceVersion: "5",
            retrySchedule: fast
          }).pipe(Stream.take(3), Stream.runCollect, Effect.provide(layerFor(srv.url)), Effect.provide(layer))
          expect(Chunk.toReadonlyArray(events).map(describeEvent)).toEqual([
            "Added a",
            "Modified a",
            "Added b"
          ])
          expect(srv.requests.map((u) => u.searchParams.get("resourceVersion"))).toEqual(["5", "10"])
          // The reconnect is visible, with the version it resumes from.
          expect(logs.some((l) => /resourceVersion 10\b/.test(l.message))).toBe(true)
        })
    )
  }

  it.scopedLive("an event complete but for its final newline is delivered", () =>
    Effect.gen(function* () {
      const srv = yield* fakeServer({
        handle: (_url, res, n) => {
          res.writeHead(200)
          if (n === 1) res.end(line("ADDED", cmObject("a", "10")).trimEnd())
          else res.write(line("ADDED", cmObject("b", "11")))
        }
      })
      const events = yield* Watch.watch(core.ConfigMap, { retrySchedule: fast }).pipe(
        Stream.take(2),
        Stream.runCollect,
        Effect.provide(layerFor(srv.url))
      )
      expect(Chunk.toReadonlyArray(events).map(describeEvent)).toEqual(["Added a", "Added b"])
      expect(srv.requests.map((u) => u.searchParams.get("resourceVersion"))).toEqual([null, "10"])
    })
  )

  it.scopedLive(
    "a bad line in the middle of a chunk: the events before it go out, then the failure, at once (nothing after it)",
    () =>
      Effect.gen(function* () {
        const srv = yield* fakeServer({
          handle: (_url, res) => {
            res.writeHead(200)
            // One write: the three lines arrive in one chunk; the connection stays open.
            res.write(`${line("ADDED", cmObject("a", "10"))}not json\n${line("ADDED", cmObject("b", "11"))}`)
          }
        })
        const seen = yield* Watch.watch(core.ConfigMap, { retrySchedule: Schedule.stop }).pipe(
          Stream.either,
          Stream.runCollect,
          Effect.provide(layerFor(srv.url))
        )
        expect(
          Chunk.toReadonlyArray(seen).map((e) =>
            e._tag === "Left"
              ? e.left._tag
              : e.right._tag === "Bookmark"
                ? "Bookmark"
                : e.right.object.metadata?.name
          )
        ).toEqual(["a", "ParseError"])
      })
  )

  it.scopedLive(
    "a complete line that is not JSON fails the watch with a ParseError that does not quote it",
    () =>
      Effect.gen(function* () {
        const srv = yield* fakeServer({
          handle: (_url, res) => {
            res.writeHead(200)
            res.write(line("ADDED", cmObject("a", "10")))
            res.write("s3cret-value: this line is not JSON\n")
          }
        })
        const error = yield* Watch.watch(core.ConfigMap, { retrySchedule: fast }).pipe(
          Stream.runDrain,
          Effect.flip,
          Effect.provide(layerFor(srv.url))
        )
        expect(error._tag).toBe("ParseError")
        expect(srv.requests).toHaveLength(1)
        expect(error.message).not.toContain("s3cret")
        expect(inspect(error, { depth: 10 })).not.toContain("s3cret")
        expect(JSON.stringify(error)).not.toContain("s3cret")
        expect(Cause.pretty(Cause.fail(error))).not.toContain("s3cret")
      })
  )

  it.scopedLive("a bookmark without a version does not erase the resume point", () =>
    Effect.gen(function* () {
      const srv = yield* fakeServer({
        handle: (_url, res, n) => {
          res.writeHead(200)
          if (n === 1) {
            res.write(line("ADDED", cmObject("a", "10")))
            res.end(line("BOOKMARK", { kind: "ConfigMap", apiVersion: "v1", metadata: {} }))
          } else res.write(line("ADDED", cmObject("b", "11")))
        }
      })
      yield* Watch.watch(core.ConfigMap, { retrySchedule: fast }).pipe(
        Stream.filter((e) => e._tag !== "Bookmark"),
        Stream.take(2),
        Stream.runDrain,
        Effect.provide(layerFor(srv.url))
      )
      expect(srv.requests.map((u) => u.searchParams.get("resourceVersion"))).toEqual([null, "10"])
    })
  )
})

describe("Watch: which failures are retried is a replaceable policy", () => {
  it.scopedLive("a 403 and a 401 on reconnect (an apiserver restart) are retried; the watch resumes", () =>
    Effect.gen(function* () {
      const srv = yield* fakeServer({
        handle: (_url, res, n) => {
          if (n === 1) {
            res.writeHead(200)
            res.end(line("ADDED", cmObject("a", "10")))
          } else if (n === 2) {
            res.writeHead(403, { "content-type": "application/json" })
            res.end(status(403, "Forbidden"))
          } else if (n === 3) {
            res.writeHead(401, { "content-type": "application/json" })
            res.end(status(401, "Unauthorized"))
          } else {
            res.writeHead(200)
            res.write(line("MODIFIED", cmObject("a", "11")))
          }
        }
      })
      const { logs, layer } = captureLogs()
      const events = yield* Watch.watch(core.ConfigMap, { retrySchedule: fast }).pipe(
        Stream.take(2),
        Stream.runCollect,
        Effect.provide(layerFor(srv.url)),
        Effect.provide(layer)
      )
      expect(Chunk.toReadonlyArray(events).map(describeEvent)).toEqual(["Added a", "Modified a"])
      expect(srv.requests.map((u) => u.searchParams.get("resourceVersion")).slice(1)).toEqual([
        "10",
        "10",
        "10"
      ])
      // Each retry is logged as a warning with its reason.
      const warnings = logs.filter((l) => l.level === "WARN").map((l) => l.message)
      expect(warnings.some((m) => m.includes("Forbidden"))).toBe(true)
      expect(warnings.some((m) => m.includes("Unauthorized"))).toBe(true)
    })
  )

  it.scopedLive(
    "the policy sees how long the watch has been failing: from the first failure, reset by a success",
    () =>
      Effect.gen(function* () {
        const srv = yield* fakeServer({
          handle: (_url, res, n) => {
            if (n === 1 || n === 4) {
              res.writeHead(200)
              res.end(line("ADDED", cmObject("a", String(10 + n))))
            } else if (n === 2 || n === 3 || n === 5) {
              res.writeHead(403, { "content-type": "application/json" })
              res.end(status(403, "Forbidden"))
            } else {
              res.writeHead(200)
              res.write(line("MODIFIED", cmObject("a", "20")))
            }
          }
        })
        const seen: Array<Watch.RetryContext> = []
        yield* Watch.watch(core.ConfigMap, {
          retrySchedule: Schedule.spaced("30 millis"),
          retryable: (error, context) => {
            if (error._tag === "ApiError") seen.push(context)
            return Watch.isRetryable(error, context)
          }
        }).pipe(Stream.take(3), Stream.runDrain, Effect.provide(layerFor(srv.url)))
        expect(seen.map((c) => c.connectedBefore)).toEqual([true, true, true])
        const [first, second, afterSuccess] = seen.map((c) => Duration.toMillis(c.failingFor))
        expect(first).toBe(0)
        // The second failure of the same run is counted from the first (at least the schedule's delay).
        expect(second).toBeGreaterThanOrEqual(30)
        // A success (connection 4) starts a new run of failures.
        expect(afterSuccess).toBe(0)
      })
  )

  it.scopedLive("`retryable` replaces the default: nothing retried, or a first 403 retried", () =>
    Effect.gen(function* () {
      const srv = yield* fakeServer({
        handle: (_url, res, n) => {
          if (n === 1) {
            // A 500 inside the stream (retried by default), which the HTTP layer does not retry.
            res.writeHead(200)
            res.end(line("ERROR", JSON.parse(status(500, "InternalError"))))
          } else if (n === 2) {
            res.writeHead(403, { "content-type": "application/json" })
            res.end(status(403, "Forbidden"))
          } else {
            res.writeHead(200)
            res.write(line("ADDED", cmObject("a", "10")))
          }
        }
      })
      const never = yield* Watch.watch(core.ConfigMap, { retrySchedule: fast, retryable: () => false }).pipe(
        Stream.runDrain,
        Effect.flip,
        Effect.provide(layerFor(srv.url))
      )
      expect(never).toMatchObject({ _tag: "ApiError", code: 500 })
      expect(srv.requests).toHaveLength(1)

      const first = yield* Watch.watch(core.ConfigMap, {
        retrySchedule: fast,
        retryable: (e, context) => Watch.isRetryable(e, context) || (e._tag === "ApiError" && e.code === 403)
      }).pipe(Stream.runHead, Effect.provide(layerFor(srv.url)))
      expect(first._tag).toBe("Some")
      expect(srv.requests).toHaveLength(3)
    })
  )

  it("the default policy: connection troubles, 429 and 5xx always; 401/403/404, credential and TLS failures only on a reconnect, for the grace", () => {
    const api = (code: number) =>
      new ApiError.ApiError({
        status: { kind: "Status", apiVersion: "v1", code },
        method: "GET",
        url: "/api/v1/configmaps"
      })
    const first = { connectedBefore: false, resourceVersion: undefined, failingFor: Duration.zero }
    const again = { connectedBefore: true, resourceVersion: "10", failingFor: Duration.seconds(30) }
    const tooLong = { ...again, failingFor: Watch.reconnectGrace }
    const forever = { ...again, failingFor: Duration.days(1) }
    expect(Watch.isRetryable(new Watch.WatchIdle({ idleFor: "1 second" }), forever)).toBe(true)
    for (const code of [429, 500, 503, 504]) {
      expect(Watch.isRetryable(api(code), first)).toBe(true)
      expect(Watch.isRetryable(api(code), forever)).toBe(true)
    }
    for (const code of [401, 403, 404]) {
      expect(Watch.isRetryable(api(code), first)).toBe(false)
      expect(Watch.isRetryable(api(code), again)).toBe(true)
      // A revoked permission or a deleted kind ends the stream after the grace.
      expect(Watch.isRetryable(api(code), tooLong)).toBe(false)
    }
    for (const code of [400, 410, 422]) expect(Watch.isRetryable(api(code), again)).toBe(false)
    expect(Watch.isRetryable(new Client.InvalidRequest({ detail: "x" }), again)).toBe(false)
    // Transport: a refused connection for ever; a credential or TLS verification failure as a 401.
    const request = HttpClientRequest.get("/api/v1/configmaps")
    const transport = (cause: unknown) =>
      new HttpClientError.RequestError({ request, reason: "Transport", cause })
    const refused = transport(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))
    expect(Watch.isRetryable(refused, first)).toBe(true)
    expect(Watch.isRetryable(refused, forever)).toBe(true)
    for (const failure of [
      transport(
        new ConfigError.ExecPluginError({ reason: "NotFound", command: "plugin", detail: "no such plugin" })
      ),
      transport(Object.assign(new Error("unknown authority"), { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" })),
      transport(
        new Error("fetch failed", {
          cause: Object.assign(new Error("expired"), { code: "CERT_HAS_EXPIRED" })
        })
      )
    ]) {
      expect(Watch.isRetryable(failure, first)).toBe(false)
      expect(Watch.isRetryable(failure, again)).toBe(true)
      expect(Watch.isRetryable(failure, tooLong)).toBe(false)
    }
  })

  it.scopedLive("a watch that gives up can be resumed from the last event's version", () =>
    Effect.gen(function* () {
      const srv = yield* fakeServer({
        handle: (_url, res, n) => {
          res.writeHead(200)
          if (n === 1) {
            res.write(line("ADDED", cmObject("a", "10")))
            res.write(
              line("BOOKMARK", { kind: "ConfigMap", apiVersion: "v1", metadata: { resourceVersion: "15" } })
            )
            res.end(line("ERROR", JSON.parse(status(500, "InternalError"))))
          } else res.write(line("ADDED", cmObject("b", "16")))
        }
      })
      const seen: Array<Watch.WatchEvent<core.ConfigMap>> = []
      const error = yield* Watch.watch(core.ConfigMap, { retryable: () => false }).pipe(
        Stream.runForEach((e) => Effect.sync(() => seen.push(e))),
        Effect.flip,
        Effect.provide(layerFor(srv.url))
      )
      expect(error).toMatchObject({ _tag: "ApiError", code: 500 })
      expect(seen.map((e) => Watch.resourceVersionOf(e))).toEqual(["10", "15"])
      const last = seen[seen.length - 1]
      const resumed = yield* Watch.watch(core.ConfigMap, {
        resourceVersion: last === undefined ? undefined : Watch.resourceVersionOf(last)
      }).pipe(Stream.runHead, Effect.provide(layerFor(srv.url)))
      expect(resumed._tag).toBe("Some")
      expect(srv.requests.map((u) => u.searchParams.get("resourceVersion"))).toEqual([null, "15"])
    })
  )
})

describe("Watch.watcher with a scripted server", () => {
  const describeWatcherEvent = (e: Watch.WatcherEvent<core.ConfigMap>) =>
    e._tag === "Init"
      ? "Init"
      : e._tag === "InitDone"
        ? `InitDone ${e.resourceVersion}`
        : `${e._tag} ${e.object.metadata?.name}`

  it.scopedLive(
    "a 403 on reconnect is retried and the watch resumes from its last version, without a relist",
    () =>
      Effect.gen(function* () {
        let watches = 0
        const srv = yield* fakeServer({
          handle: (url, res) => {
            if (url.searchParams.get("watch") !== "true") {
              res.writeHead(200, { "content-type": "application/json" })
              res.end(list("100", ["x"]))
              return
            }
            watches++
            if (watches === 1) {
              res.writeHead(200)
              res.end(line("ADDED", cmObject("y", "101")))
            } else if (watches === 2) {
              res.writeHead(403, { "content-type": "application/json" })
              res.end(status(403, "Forbidden"))
            } else {
              res.writeHead(200)
              res.write(line("ADDED", cmObject("z", "102")))
            }
          }
        })
        const events = yield* Watch.watcher(core.ConfigMap, { retrySchedule: fast }).pipe(
          Stream.take(5),
          Stream.runCollect,
          Effect.provide(layerFor(srv.url))
        )
        expect(Chunk.toReadonlyArray(events).map(describeWatcherEvent)).toEqual([
          "Init",
          "InitApply x",
          "InitDone 100",
          "Apply y",
          "Apply z"
        ])
        expect(
          srv.requests.map((u) =>
            u.searchParams.get("watch") === "true" ? `watch ${u.searchParams.get("resourceVersion")}` : "list"
          )
        ).toEqual(["list", "watch 100", "watch 101", "watch 101"])
      })
  )

  it.scopedLive(
    "a list that keeps failing emits nothing, so its retries follow the schedule to its end",
    () =>
      Effect.gen(function* () {
        const srv = yield* fakeServer({
          handle: (_url, res) => {
            // A 500 (the HTTP layer does not retry it; the watch policy does).
            res.writeHead(500, { "content-type": "application/json" })
            res.end(status(500, "InternalError"))
          }
        })
        const seen: Array<string> = []
        const error = yield* Watch.watcher(core.ConfigMap, {
          retrySchedule: fast.pipe(Schedule.intersect(Schedule.recurs(3)))
        }).pipe(
          Stream.runForEach((e) => Effect.sync(() => seen.push(e._tag))),
          Effect.flip,
          Effect.provide(layerFor(srv.url))
        )
        expect(error).toMatchObject({ _tag: "ApiError", code: 500 })
        // Nothing emitted between attempts (an `Init` would reset the schedule: retries forever).
        expect(seen).toEqual([])
        expect(srv.requests).toHaveLength(4)
      })
  )

  it.scopedLive(
    "a list that fails at a later page again and again backs off to the schedule's end (its first pages are no progress)",
    () =>
      Effect.gen(function* () {
        const srv = yield* fakeServer({
          handle: (url, res) => {
            if (url.searchParams.get("continue") === null) {
              res.writeHead(200, { "content-type": "application/json" })
              res.end(
                JSON.stringify({
                  kind: "ConfigMapList",
                  apiVersion: "v1",
                  metadata: { resourceVersion: "100", continue: "next" },
                  items: [cmObject("first", "1")]
                })
              )
            } else {
              res.writeHead(500, { "content-type": "application/json" })
              res.end(status(500, "InternalError"))
            }
          }
        })
        const error = yield* Watch.watcher(core.ConfigMap, {
          retrySchedule: fast.pipe(Schedule.intersect(Schedule.recurs(3)))
        }).pipe(Stream.runDrain, Effect.flip, Effect.provide(layerFor(srv.url)))
        expect(error).toMatchObject({ _tag: "ApiError", code: 500 })
        // Four attempts (the first and three retries), each a first page and a failing second one.
        expect(
          srv.requests.map((u) => (u.searchParams.get("continue") === null ? "page 1" : "page 2"))
        ).toEqual(["page 1", "page 2", "page 1", "page 2", "page 1", "page 2", "page 1", "page 2"])
      })
  )

  it.scopedLive("`resourceVersion` is the first list's; a relist after a 410 reads the most recent", () =>
    Effect.gen(function* () {
      let lists = 0
      const srv = yield* fakeServer({
        handle: (url, res) => {
          res.writeHead(200, { "content-type": "application/json" })
          if (url.searchParams.get("watch") !== "true") {
            lists++
            res.end(list(String(100 * lists), [`v${lists}`]))
          } else if (lists === 1) {
            res.end(line("ERROR", JSON.parse(status(410, "Expired"))))
          } else {
            res.write(line("ADDED", cmObject("later", "201")))
          }
        }
      })
      const events = yield* Watch.watcher(core.ConfigMap, { resourceVersion: "0", retrySchedule: fast }).pipe(
        Stream.take(7),
        Stream.runCollect,
        Effect.provide(layerFor(srv.url))
      )
      expect(Chunk.toReadonlyArray(events).map(describeWatcherEvent)).toEqual([
        "Init",
        "InitApply v1",
        "InitDone 100",
        "Init",
        "InitApply v2",
        "InitDone 200",
        "Apply later"
      ])
      expect(
        srv.requests.map(
          (u) =>
            `${u.searchParams.get("watch") === "true" ? "watch" : "list"} ${u.searchParams.get("resourceVersion")}`
        )
      ).toEqual(["list 0", "watch 100", "list null", "watch 200"])
    })
  )
})
