import * as http from "node:http"
import type * as net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Layer, Redacted, Schedule, Stream } from "effect"
import { KubeConfig, Watch } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { NodeKubeHttpClient } from "../../src/node/index.js"

interface Script {
  /** Answers one request; `url` holds the query. */
  readonly handle: (url: URL, res: http.ServerResponse, n: number) => void
}

/** A local apiserver stand-in for watch requests, closed with the scope. */
const fakeServer = (script: Script) =>
  Effect.acquireRelease(
    Effect.async<{
      readonly url: string
      readonly requests: Array<URL>
      readonly closed: Array<number>
      readonly server: http.Server
    }>((resume) => {
      const requests: Array<URL> = []
      const closed: Array<number> = []
      const sockets = new Set<net.Socket>()
      const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://x")
        const n = requests.push(url)
        req.socket.once("close", () => closed.push(n))
        script.handle(url, res, n)
      })
      server.on("connection", (s) => sockets.add(s))
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        server.once("close", () => {
          for (const s of sockets) s.destroy()
        })
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, requests, closed, server }))
      })
    }),
    (s) =>
      Effect.sync(() => {
        s.server.closeAllConnections()
        s.server.close()
      })
  )

const layerFor = (server: string) =>
  NodeKubeHttpClient.layer().pipe(
    Layer.provideMerge(
      KubeConfig.layer({
        source: "test",
        cluster: { server, insecureSkipTlsVerify: false, disableCompression: true },
        namespace: "ns",
        credentials: Effect.succeed({ token: Redacted.make("t") }),
        invalidateCredentials: Effect.void,
        refreshable: false
      })
    )
  )

const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`
const cmObject = (name: string, rv: string) => ({
  kind: "ConfigMap",
  apiVersion: "v1",
  metadata: { name, resourceVersion: rv }
})
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
        Chunk.toReadonlyArray(events).map((e) => (e.type === "BOOKMARK" ? `B ${e.resourceVersion}` : e.type))
      ).toEqual(["ADDED", "B 25", "MODIFIED"])
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
        Chunk.toReadonlyArray(events).map((e) => (e.type === "BOOKMARK" ? "" : e.object.metadata?.name))
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
