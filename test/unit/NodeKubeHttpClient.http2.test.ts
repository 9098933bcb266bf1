import * as http from "node:http"
import * as http2 from "node:http2"
import * as net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Layer, Redacted, Schedule, Stream } from "effect"
import type { ResolvedConfig } from "../../src/config/KubeConfig.js"
import { KubeConfig, Watch } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { NodeKubeHttpClient } from "../../src/node/index.js"
import { certs, tcpProxy } from "./NodeKubeHttpClient.fixtures.js"

/** An HTTP/2-only (unless `allowHTTP1`) TLS server on loopback; closed with the scope. */
const h2Server = (
  handler: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, n: number) => void,
  allowHTTP1 = false
) =>
  Effect.acquireRelease(
    Effect.async<{
      readonly port: number
      readonly sessions: Array<http2.ServerHttp2Session>
      /** PING frames received from clients. */
      readonly pings: () => number
      readonly close: () => void
    }>((resume) => {
      const { server: pair } = certs()
      const sessions: Array<http2.ServerHttp2Session> = []
      let n = 0
      let pings = 0
      const server = http2.createSecureServer({ cert: pair.cert, key: pair.key, allowHTTP1 }, (req, res) =>
        handler(req, res, ++n)
      )
      server.on("session", (session) => {
        sessions.push(session)
        session.on("ping", () => pings++)
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(
          Effect.succeed({
            port,
            sessions,
            pings: () => pings,
            close: () => {
              for (const session of sessions) session.destroy()
              server.close()
            }
          })
        )
      })
    }),
    (s) => Effect.sync(s.close)
  )

/** An HTTP CONNECT proxy on loopback; closed with the scope. */
const connectProxy = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly close: () => void }>((resume) => {
    const sockets = new Set<net.Socket>()
    const proxy = http.createServer((_, res) => res.writeHead(400).end())
    proxy.on("connection", (socket) => sockets.add(socket))
    proxy.on("connect", (req, client, head) => {
      const [host, port] = (req.url ?? "").split(":")
      const upstream = net.connect(Number(port), host, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n")
        upstream.write(head)
        upstream.pipe(client)
        client.pipe(upstream)
      })
      upstream.on("error", () => client.destroy())
      client.on("error", () => upstream.destroy())
      sockets.add(upstream)
    })
    proxy.listen(0, "127.0.0.1", () => {
      const address = proxy.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(
        Effect.succeed({
          url: `http://127.0.0.1:${port}`,
          close: () => {
            for (const socket of sockets) socket.destroy()
            proxy.close()
          }
        })
      )
    })
  }),
  (p) => Effect.sync(p.close)
)

const configFor = (server: string): ResolvedConfig => ({
  source: "test",
  cluster: {
    server,
    insecureSkipTlsVerify: false,
    disableCompression: true,
    certificateAuthority: certs().ca
  },
  namespace: "ns",
  credentials: Effect.succeed({ token: Redacted.make("tok") }),
  invalidateCredentials: Effect.void,
  refreshable: false
})

// Short health-check periods for the test; a generous response timeout so that only the health
// check (not the timeout) can get a request off a dead connection.
const options: NodeKubeHttpClient.Options = {
  http2: true,
  http2PingInterval: "250 millis",
  http2PingTimeout: "500 millis",
  timeout: "60 seconds"
}

describe("NodeKubeHttpClient over HTTP/2", () => {
  it.live(
    "a connection gone silent is torn down: the next request succeeds on a new one",
    () =>
      Effect.gen(function* () {
        const versions: Array<string> = []
        const server = yield* h2Server((req, res) => {
          versions.push(req.httpVersion)
          res.end("{}")
        })
        const proxy = yield* tcpProxy(server.port)
        const client = yield* NodeKubeHttpClient.make(configFor(proxy.url), options)
        // Bodies read to the end: the connection is free for the next request.
        const get = Effect.flatMap(client.get("/api"), (r) => r.text)
        expect(yield* get).toBe("{}")
        expect(proxy.connections()).toBe(1)
        proxy.blackHole()
        expect(yield* get).toBe("{}")
        expect(versions).toEqual(["2.0", "2.0"])
        expect(proxy.connections()).toBe(2)
        expect(server.sessions).toHaveLength(2)
      }).pipe(Effect.scoped),
    { timeout: 120_000 }
  )

  it.live(
    "a healthy idle connection survives the health check and is reused",
    () =>
      Effect.gen(function* () {
        const server = yield* h2Server((_req, res) => res.end("{}"))
        const proxy = yield* tcpProxy(server.port)
        const client = yield* NodeKubeHttpClient.make(configFor(proxy.url), {
          ...options,
          http2PingInterval: "200 millis",
          http2PingTimeout: "100 millis"
        })
        const get = Effect.flatMap(client.get("/api"), (r) => r.text)
        expect(yield* get).toBe("{}")
        // Idle for several times interval + timeout: the PINGs keep it alive.
        yield* Effect.sleep("1 second")
        expect(yield* get).toBe("{}")
        expect(server.pings()).toBeGreaterThan(0)
        expect(proxy.connections()).toBe(1)
        expect(server.sessions).toHaveLength(1)
      }).pipe(Effect.scoped),
    { timeout: 120_000 }
  )

  it.live(
    "http2PingInterval 0 or infinite disables the health check: no PINGs",
    () =>
      Effect.gen(function* () {
        for (const http2PingInterval of [0, Duration.infinity]) {
          const server = yield* h2Server((_req, res) => res.end("{}"))
          const client = yield* NodeKubeHttpClient.make(configFor(`https://127.0.0.1:${server.port}`), {
            ...options,
            http2PingInterval
          })
          const get = Effect.flatMap(client.get("/api"), (r) => r.text)
          expect(yield* get).toBe("{}")
          yield* Effect.sleep("300 millis")
          expect(yield* get).toBe("{}")
          expect(server.pings()).toBe(0)
          expect(server.sessions).toHaveLength(1)
        }
      }).pipe(Effect.scoped),
    { timeout: 120_000 }
  )

  it.scoped(
    "through a proxy, connections are HTTP/1.1 (so the HTTP/2 health check has nothing to watch)",
    () =>
      Effect.gen(function* () {
        const versions: Array<string> = []
        const server = yield* h2Server((req, res) => {
          versions.push(req.httpVersion)
          res.end("{}")
        }, true)
        const proxy = yield* connectProxy
        const client = yield* NodeKubeHttpClient.make(configFor(`https://127.0.0.1:${server.port}`), {
          ...options,
          proxy: proxy.url,
          trustEnv: false
        })
        expect(yield* Effect.flatMap(client.get("/api"), (r) => r.text)).toBe("{}")
        expect(versions).toEqual(["1.1"])
      })
  )

  it.scoped("an http2PingTimeout that is not a positive, finite duration is a ConfigError", () =>
    Effect.gen(function* () {
      for (const http2PingTimeout of [0, -1, Duration.infinity]) {
        const error = yield* Effect.flip(
          NodeKubeHttpClient.make(configFor("https://127.0.0.1:1"), { ...options, http2PingTimeout })
        )
        expect(error).toMatchObject({ _tag: "ConfigError", reason: "InvalidConfig" })
        expect(error.message).toContain("http2PingTimeout")
      }
    })
  )

  it.live(
    "a watch whose connection goes silent resumes on a new connection",
    () =>
      Effect.gen(function* () {
        const watchRequests: Array<URL> = []
        const server = yield* h2Server((req, res) => {
          const url = new URL(req.url, "https://x")
          watchRequests.push(url)
          res.writeHead(200, { "content-type": "application/json" })
          const rv = url.searchParams.get("resourceVersion")
          const name = rv === null ? "a" : "b"
          const object = {
            kind: "ConfigMap",
            apiVersion: "v1",
            metadata: { name, resourceVersion: rv === null ? "1" : "2" }
          }
          // The connection stays open after the event, as a watch does.
          res.write(`${JSON.stringify({ type: "ADDED", object })}\n`)
        })
        const proxy = yield* tcpProxy(server.port)
        const layer = NodeKubeHttpClient.layer(options).pipe(
          Layer.provideMerge(KubeConfig.layer(configFor(proxy.url)))
        )
        const events = yield* Watch.watch(core.ConfigMap, {
          retrySchedule: Schedule.spaced("10 millis")
        }).pipe(
          Stream.tap((event) =>
            Effect.sync(() =>
              event._tag === "Added" && event.object.metadata?.name === "a" ? proxy.blackHole() : undefined
            )
          ),
          Stream.take(2),
          Stream.runCollect,
          Effect.provide(layer)
        )
        expect(
          Chunk.toArray(events).map((e) =>
            e._tag === "Bookmark" ? "bookmark" : `${e._tag} ${e.object.metadata?.name}`
          )
        ).toEqual(["Added a", "Added b"])
        expect(watchRequests.map((u) => u.searchParams.get("resourceVersion"))).toEqual([null, "1"])
        expect(proxy.connections()).toBe(2)
      }).pipe(Effect.scoped),
    { timeout: 120_000 }
  )
})
