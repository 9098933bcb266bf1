/**
 * The `KubeWebSocket` service (exec, attach, port-forward) on undici's `WebSocket`, over the
 * cluster's dispatcher: messages as a stream of bytes, `send` (waiting while the socket's send
 * buffer is full), and the socket closed with the scope. Messages received are not held back:
 * undici's WebSocket cannot pause its reading.
 */

import { Deferred, Effect, Exit, Queue, Schedule, Stream } from "effect"
import { type Dispatcher, WebSocket } from "undici"
import type { ConfigError } from "../../config/ConfigError.js"
import type { Credentials, ResolvedConfig } from "../../config/KubeConfig.js"
import * as KubeHttpClient from "../../http/KubeHttpClient.js"
import * as KubeWebSocket from "../../http/KubeWebSocket.js"

/** The options of the WebSocket (a part of the transport's `Options`). */
export interface WebSocketOptions {
  readonly userAgent?: string | undefined
}

/**
 * Sending waits while more than this many bytes are queued on the socket (undici's WebSocket has
 * no drain event: `bufferedAmount` is polled), until fewer than {@link LOW_WATER} are.
 */
const HIGH_WATER = 1024 * 1024
const LOW_WATER = 256 * 1024
const DRAIN_POLL = Schedule.spaced("2 millis")

type Item =
  | { readonly _tag: "data"; readonly data: Uint8Array }
  | { readonly _tag: "error"; readonly error: KubeWebSocket.WebSocketError }
  | { readonly _tag: "end" }

/**
 * WebSockets to the cluster's server only, through `dispatcher` (which adds the credentials and
 * impersonation); the credentials are read and handed to `sync` before each connection.
 */
export const makeWebSocket = (
  config: ResolvedConfig,
  options: WebSocketOptions,
  dispatcher: Dispatcher,
  sync: (creds: Credentials) => Effect.Effect<void, ConfigError>
): KubeWebSocket.Service => ({
  connect: (path, query, protocols) =>
    Effect.gen(function* () {
      const fail = (reason: KubeWebSocket.WebSocketError["reason"], detail: string, cause?: unknown) =>
        new KubeWebSocket.WebSocketError({ reason, detail, cause })
      // Only ever the cluster's server: the dispatcher adds the credentials and impersonation.
      const url = yield* KubeWebSocket.clusterUrl(config.cluster.server, path, query)
      yield* config.credentials.pipe(
        Effect.flatMap(sync),
        Effect.mapError((e) => fail("Connect", `credentials: ${e.message}`, e))
      )
      const headers: Array<[string, string]> = [
        ["user-agent", options.userAgent ?? `effect-kube/${KubeHttpClient.VERSION}`]
      ]
      const queue = yield* Queue.unbounded<Item>()
      const ws = yield* Effect.acquireRelease(
        Effect.try({
          try: () => new WebSocket(url, { protocols: [...protocols], dispatcher, headers }),
          catch: (cause) => fail("Connect", `cannot open ${url.pathname}: ${String(cause)}`, cause)
        }),
        (socket) => Effect.sync(() => socket.close())
      )
      ws.binaryType = "arraybuffer"
      ws.addEventListener("message", (event) => {
        const data = event.data
        const bytes =
          data instanceof ArrayBuffer
            ? new Uint8Array(data)
            : typeof data === "string"
              ? new TextEncoder().encode(data)
              : undefined
        if (bytes !== undefined) Queue.unsafeOffer(queue, { _tag: "data", data: bytes })
      })
      const opened = yield* Deferred.make<void, KubeWebSocket.WebSocketError>()
      ws.addEventListener("open", () => Deferred.unsafeDone(opened, Exit.void))
      ws.addEventListener("error", (event) => {
        const error = fail(
          "Closed",
          `WebSocket error on ${url.pathname}: ${"message" in event ? String(event.message) : "unknown"}`
        )
        Deferred.unsafeDone(
          opened,
          Exit.fail(fail("Connect", `the server refused the WebSocket for ${url.pathname}`))
        )
        Queue.unsafeOffer(queue, { _tag: "error", error })
      })
      ws.addEventListener("close", (event) => {
        Deferred.unsafeDone(opened, Exit.fail(fail("Connect", `closed before opening (code ${event.code})`)))
        Queue.unsafeOffer(
          queue,
          event.code === 1000 || event.code === 1005
            ? { _tag: "end" }
            : { _tag: "error", error: fail("Closed", `closed with code ${event.code} ${event.reason}`) }
        )
        Queue.unsafeOffer(queue, { _tag: "end" })
      })
      yield* Deferred.await(opened)
      const messages: Stream.Stream<Uint8Array, KubeWebSocket.WebSocketError> = Stream.fromQueue(queue).pipe(
        Stream.takeWhile((item) => item._tag !== "end"),
        Stream.mapEffect((item) =>
          item._tag === "data"
            ? Effect.succeed(item.data)
            : item._tag === "error"
              ? Effect.fail(item.error)
              : Effect.never
        )
      )
      const drained = Effect.sync(
        () => ws.bufferedAmount <= LOW_WATER || ws.readyState !== WebSocket.OPEN
      ).pipe(Effect.repeat({ until: (done) => done, schedule: DRAIN_POLL }), Effect.asVoid)
      return {
        protocol: ws.protocol,
        messages,
        send: (data: Uint8Array) =>
          Effect.suspend(() => {
            // undici drops what is sent on a closing or closed socket without a word.
            if (ws.readyState !== WebSocket.OPEN) {
              return Effect.fail(fail("Send", `the connection to ${url.pathname} is closed`))
            }
            try {
              ws.send(data)
            } catch (cause) {
              return Effect.fail(fail("Send", String(cause), cause))
            }
            return ws.bufferedAmount <= HIGH_WATER ? Effect.void : drained
          })
      }
    })
})
