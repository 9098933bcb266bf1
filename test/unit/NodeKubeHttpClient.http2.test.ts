import * as http2 from "node:http2"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Redacted, Schedule, Stream } from "effect"
import { KubeConfig, Watch } from "../../src/index.js"
import type { ResolvedConfig } from "../../src/KubeConfig.js"
import * as core from "../../src/models/core/v1.js"
import { NodeKubeHttpClient } from "../../src/node/index.js"
import { certs, tcpProxy } from "./NodeKubeHttpClient.fixtures.js"

/** An HTTP/2-only TLS server on loopback; closed with the scope. */
const h2Server = (
  handler: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, n: number) => void
) =>
  Effect.acquireRelease(
    Effect.async<{
      readonly port: number
      readonly sessions: Array<http2.ServerHttp2Session>
      readonly close: () => void
    }>((resume) => {
      const { server: pair } = certs()
      const sessions: Array<http2.ServerHttp2Session> = []
      let n = 0
      const server = http2.createSecureServer(
        { cert: pair.cert, key: pair.key, allowHTTP1: false },
        (req, res) => handler(req, res, ++n)
      )
      server.on("session", (session) => sessions.push(session))
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(
          Effect.succeed({
            port,
            sessions,
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
              event.type === "ADDED" && event.object.metadata?.name === "a" ? proxy.blackHole() : undefined
            )
          ),
          Stream.take(2),
          Stream.runCollect,
          Effect.provide(layer)
        )
        expect(
          Chunk.toArray(events).map((e) =>
            e.type === "BOOKMARK" ? "bookmark" : `${e.type} ${e.object.metadata?.name}`
          )
        ).toEqual(["ADDED a", "ADDED b"])
        expect(watchRequests.map((u) => u.searchParams.get("resourceVersion"))).toEqual([null, "1"])
        expect(proxy.connections()).toBe(2)
      }).pipe(Effect.scoped),
    { timeout: 120_000 }
  )
})
