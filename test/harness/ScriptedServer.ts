/**
 * A scripted apiserver stand-in for the unit tests of watches: a local HTTP server whose answers a
 * test writes request by request, following the documented protocol (used where the 1.20 test
 * apiserver cannot show a behaviour, e.g. a newer server's streaming lists).
 */
import * as http from "node:http"
import type * as net from "node:net"
import { Effect, Layer, Redacted } from "effect"
import { KubeConfig } from "../../src/index.js"
import { NodeKubeHttpClient } from "../../src/node/index.js"

export interface Script {
  /** Answers one request (`n` counts from 1); `url` holds the query. */
  readonly handle: (url: URL, res: http.ServerResponse, n: number) => void
}

/** A local apiserver stand-in, closed with the scope. */
export const fakeServer = (script: Script) =>
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

/** The Node transport and a configuration for a scripted server (namespace `ns`). */
export const layerFor = (server: string) =>
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

/** One watch event line. */
export const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`

/** A ConfigMap as a watch event or list carries it. */
export const cmObject = (name: string, rv: string) => ({
  kind: "ConfigMap",
  apiVersion: "v1",
  metadata: { name, resourceVersion: rv }
})

/** A ConfigMapList at `rv` of objects with these names. */
export const list = (rv: string, names: ReadonlyArray<string>) =>
  JSON.stringify({
    kind: "ConfigMapList",
    apiVersion: "v1",
    metadata: { resourceVersion: rv },
    items: names.map((name) => cmObject(name, "1"))
  })

/** A failure `Status` body (its message is its reason). */
export const status = (code: number, reason: string) =>
  JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message: reason })
