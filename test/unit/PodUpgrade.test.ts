/**
 * The WebSocket upgrades of exec (and attach, port-forward) through the Node transport, against
 * scripted servers that follow the protocol: an upgrade never answered is bounded by the
 * transport's timeout; a refused one is the server's own answer (a kubelet's "pod does not
 * exist"); a connection that drops or breaks the framing says how (close code, protocol error).
 */
import { createHash } from "node:crypto"
import * as http from "node:http"
import type * as net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { type Duration, Effect, Layer, Redacted, Stream } from "effect"
import { WebSocketServer } from "ws"
import { KubeConfig, KubeWebSocket, PodExec } from "../../src/index.js"
import { NodeKubeHttpClient } from "../../src/node/index.js"

/** A local server whose upgrades `onUpgrade` answers; closed with the scope. */
const upgradeServer = (onUpgrade: (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => void) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly server: http.Server; readonly upgrades: Array<string> }>(
      (resume) => {
        const upgrades: Array<string> = []
        const sockets = new Set<net.Socket>()
        const server = http.createServer((_req, res) => {
          res.writeHead(400)
          res.end("Upgrade request required")
        })
        server.on("connection", (s) => sockets.add(s))
        server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
          upgrades.push(req.url ?? "")
          onUpgrade(req, socket, head)
        })
        server.once("close", () => {
          for (const s of sockets) s.destroy()
        })
        server.listen(0, "127.0.0.1", () => {
          const address = server.address()
          const port = typeof address === "object" && address !== null ? address.port : 0
          resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, server, upgrades }))
        })
      }
    ),
    ({ server }) =>
      Effect.sync(() => {
        server.closeAllConnections()
        server.close()
      })
  )

const layerFor = (url: string, timeout: Duration.DurationInput = "30 seconds") =>
  NodeKubeHttpClient.layer({ timeout }).pipe(
    Layer.provideMerge(
      KubeConfig.layer({
        source: "test",
        cluster: { server: url, insecureSkipTlsVerify: false, disableCompression: true },
        namespace: "ns",
        credentials: Effect.succeed({ token: Redacted.make("t") }),
        invalidateCredentials: Effect.void,
        refreshable: false
      })
    )
  )

const accepting = () => {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => [...offered][0] ?? false })
  return wss
}

describe("WebSocket upgrades: bounded, and saying why they failed", () => {
  it.live("an upgrade never answered is a Timeout after the transport's timeout, not a hang", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const srv = yield* upgradeServer(() => {
          // Never answered (the socket stays open).
        })
        const error = yield* Effect.flip(
          PodExec.exec("p", { command: ["date"] }).pipe(Effect.provide(layerFor(srv.url, "400 millis")))
        )
        expect(error).toMatchObject({ _tag: "WebSocketError", reason: "Timeout" })
        expect(error.message).toContain("no answer to the WebSocket upgrade")
        // The command (the query) is not in the message: it can hold a secret.
        expect(error.message).not.toContain("date")
        // One upgrade only: a timeout is not explained by asking again.
        expect(srv.upgrades).toHaveLength(1)
      })
    )
  )

  it.live("a refused upgrade is the ApiError of the server's own answer (a kubelet's 404)", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const srv = yield* upgradeServer((_req, socket) => {
          socket.end(
            "HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 18\r\n\r\npod does not exist"
          )
        })
        const error = yield* Effect.flip(
          PodExec.exec("p", { command: ["cat", "/secret"] }).pipe(Effect.provide(layerFor(srv.url)))
        )
        expect(error).toMatchObject({ _tag: "ApiError", code: 404 })
        expect(error.message).toContain("pod does not exist")
        expect(error.message).not.toContain("secret")
        // The transport's own error carries the status and the body.
        const raw = yield* Effect.flip(
          Effect.flatMap(KubeWebSocket.KubeWebSocket, (ws) =>
            ws.connect("/api/v1/namespaces/ns/pods/p/exec", [["command", "ls"]], ["v5.channel.k8s.io"])
          ).pipe(Effect.provide(layerFor(srv.url)))
        )
        expect(raw).toMatchObject({ reason: "Connect", status: 404, answer: "pod does not exist" })
        // Each refusal read from the upgrade's own answer: never sent again.
        expect(srv.upgrades).toHaveLength(2)
      })
    )
  )

  it.live("a 401 to the upgrade: an ApiError, and the credentials are refreshed for the next attempt", () =>
    Effect.scoped(
      Effect.gen(function* () {
        let invalidated = 0
        const srv = yield* upgradeServer((_req, socket) => {
          socket.end(
            "HTTP/1.1 401 Unauthorized\r\ncontent-type: text/plain\r\ncontent-length: 12\r\n\r\nUnauthorized"
          )
        })
        // Plain requests get a 401 too.
        srv.server.removeAllListeners("request")
        srv.server.on("request", (_req: http.IncomingMessage, res: http.ServerResponse) => {
          res.writeHead(401)
          res.end("Unauthorized")
        })
        const layer = NodeKubeHttpClient.layer().pipe(
          Layer.provideMerge(
            KubeConfig.layer({
              source: "test",
              cluster: { server: srv.url, insecureSkipTlsVerify: false, disableCompression: true },
              namespace: "ns",
              credentials: Effect.succeed({ token: Redacted.make("t") }),
              invalidateCredentials: Effect.sync(() => {
                invalidated++
              }),
              refreshable: true
            })
          )
        )
        const error = yield* Effect.flip(PodExec.exec("p", { command: ["date"] }).pipe(Effect.provide(layer)))
        expect(error).toMatchObject({ _tag: "ApiError", code: 401 })
        expect(invalidated).toBeGreaterThan(0)
      })
    )
  )

  it.live("an upgrade that fails after a 101 (a subprotocol not offered) is not sent again", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const srv = yield* upgradeServer((req, socket) => {
          const key = req.headers["sec-websocket-key"] ?? ""
          const accept = createHash("sha1")
            .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
            .digest("base64")
          socket.write(
            `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\nsec-websocket-protocol: bogus.k8s.io\r\n\r\n`
          )
        })
        const error = yield* Effect.flip(
          PodExec.exec("p", { command: ["rm", "-rf", "/data"] }).pipe(Effect.provide(layerFor(srv.url)))
        )
        expect(error._tag).toBe("WebSocketError")
        // The command's upgrade went once: asking again could run it a second time.
        expect(srv.upgrades).toHaveLength(1)
      })
    )
  )

  it.live("a connection that drops says so with its close code; bad framing with the protocol error", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const wss = accepting()
        let mode: "drop" | "garbage" = "drop"
        const srv = yield* upgradeServer((req, socket, head) => {
          wss.handleUpgrade(req, socket, head, (ws) => {
            ws.send(new Uint8Array([1, 104, 105]))
            setTimeout(() => {
              if (mode === "drop") socket.destroy()
              // A frame with the reserved opcode 0xF: a protocol error for the client.
              else socket.write(Buffer.from([0x8f, 0x00]))
            }, 50)
          })
        })
        const read = Effect.flatMap(KubeWebSocket.KubeWebSocket, (ws) =>
          ws.connect("/api/v1/namespaces/ns/pods/p/attach", [], ["v5.channel.k8s.io"])
        ).pipe(
          Effect.flatMap((connection) => Stream.runDrain(connection.messages)),
          Effect.scoped,
          Effect.provide(layerFor(srv.url))
        )
        const dropped = yield* Effect.flip(read)
        expect(dropped).toMatchObject({ _tag: "WebSocketError", reason: "Closed" })
        expect(dropped.detail).toContain("1006")
        mode = "garbage"
        const garbled = yield* Effect.flip(read)
        expect(garbled).toMatchObject({ _tag: "WebSocketError", reason: "Closed" })
        expect(garbled.detail).toMatch(/closed with code \d+ \(.+\)/)
        expect(garbled.detail.length).toBeGreaterThan(30)
        wss.close()
      })
    )
  )
})
