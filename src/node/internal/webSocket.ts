/**
 * The `KubeWebSocket` service (exec, attach, port-forward) on undici's `WebSocket`, over the
 * cluster's dispatcher: messages as a stream of bytes, `send` (waiting while the socket's send
 * buffer is full), and the socket closed with the scope. Messages received are not held back:
 * undici's WebSocket cannot pause its reading.
 */

import { randomBytes } from "node:crypto"
import { Deferred, Duration, Effect, Exit, Queue, Schedule, Stream } from "effect"
import { Dispatcher, WebSocket } from "undici"
import type { ConfigError } from "../../config/ConfigError.js"
import type { Credentials, ResolvedConfig } from "../../config/KubeConfig.js"
import { DEFAULT_TIMEOUT } from "../../http/internal/timeouts.js"
import * as KubeHttpClient from "../../http/KubeHttpClient.js"
import * as KubeWebSocket from "../../http/KubeWebSocket.js"

/** The options of the WebSocket (a part of the transport's `Options`). */
export interface WebSocketOptions {
  readonly userAgent?: string | undefined
  /** How long the server may take to answer the upgrade (the transport's request timeout). */
  readonly timeout?: Duration.DurationInput | undefined
}

/** At most this much of a refusal's body is kept. */
const MAX_ANSWER = 64 * 1024

/** What the close codes of RFC 6455 mean, for the errors that carry them. */
const CLOSE_CODES: Readonly<Record<number, string>> = {
  1001: "going away",
  1002: "protocol error",
  1003: "unsupported data",
  1006: "closed abnormally (the connection dropped without a close frame)",
  1007: "invalid payload data",
  1008: "policy violation",
  1009: "message too big",
  1011: "internal server error",
  1012: "service restart",
  1013: "try again later",
  1015: "TLS handshake failure"
}

/** What the server answered the upgrade with, as seen passing through {@link Watching}. */
interface Seen {
  status: number | undefined
  readonly body: Array<Buffer>
  size: number
}

const record = (seen: Seen, chunk: Buffer) => {
  if (seen.status === undefined || seen.status < 400 || seen.size >= MAX_ANSWER) return
  seen.body.push(chunk.subarray(0, MAX_ANSWER - seen.size))
  seen.size += chunk.length
}

/** A handler that tells `seen` the status and the body of a refusal, and otherwise does what `h` does. */
const watched = (h: Dispatcher.DispatchHandler, seen: Seen): Dispatcher.DispatchHandler => ({
  ...(h.onRequestStart !== undefined
    ? { onRequestStart: (c, context) => h.onRequestStart?.(c, context) }
    : {}),
  ...(h.onRequestUpgrade !== undefined
    ? {
        onRequestUpgrade: (c, status, headers, socket) => {
          seen.status = status
          h.onRequestUpgrade?.(c, status, headers, socket)
        }
      }
    : {}),
  ...(h.onResponseStart !== undefined
    ? {
        onResponseStart: (c, status, headers, message) => {
          seen.status = status
          h.onResponseStart?.(c, status, headers, message)
        }
      }
    : {}),
  ...(h.onResponseData !== undefined
    ? {
        onResponseData: (c, chunk) => {
          record(seen, chunk)
          h.onResponseData?.(c, chunk)
        }
      }
    : {}),
  ...(h.onResponseEnd !== undefined
    ? { onResponseEnd: (c, trailers) => h.onResponseEnd?.(c, trailers) }
    : {}),
  ...(h.onResponseError !== undefined
    ? { onResponseError: (c, error) => h.onResponseError?.(c, error) }
    : {}),
  ...(h.onConnect !== undefined ? { onConnect: (abort) => h.onConnect?.(abort) } : {}),
  ...(h.onError !== undefined ? { onError: (error) => h.onError?.(error) } : {}),
  ...(h.onUpgrade !== undefined
    ? {
        onUpgrade: (status, headers, socket) => {
          seen.status = status
          h.onUpgrade?.(status, headers, socket)
        }
      }
    : {}),
  ...(h.onResponseStarted !== undefined ? { onResponseStarted: () => h.onResponseStarted?.() } : {}),
  ...(h.onHeaders !== undefined
    ? {
        onHeaders: (status, headers, resume, text) => {
          seen.status = status
          return h.onHeaders?.(status, headers, resume, text) ?? true
        }
      }
    : {}),
  ...(h.onData !== undefined
    ? {
        onData: (chunk) => {
          record(seen, chunk)
          return h.onData?.(chunk) ?? true
        }
      }
    : {}),
  ...(h.onComplete !== undefined ? { onComplete: (trailers) => h.onComplete?.(trailers) } : {}),
  ...(h.onBodySent !== undefined ? { onBodySent: (size, total) => h.onBodySent?.(size, total) } : {})
})

/**
 * The cluster's dispatcher for one WebSocket, noting what the server answered its upgrade: a
 * refusal's status and body are known without asking again (asking again would run an exec's
 * command twice if the first failure was not a refusal). Closing it leaves the cluster's alone.
 */
class Watching extends Dispatcher {
  readonly #inner: Dispatcher
  readonly #seen: Seen

  constructor(inner: Dispatcher, seen: Seen) {
    super()
    this.#inner = inner
    this.#seen = seen
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return this.#inner.dispatch(opts, watched(handler, this.#seen))
  }

  override close(callback: () => void): void
  override close(): Promise<void>
  override close(callback?: () => void): Promise<void> | void {
    if (callback === undefined) return Promise.resolve()
    callback()
  }

  override destroy(err: Error | null, callback: () => void): void
  override destroy(callback: () => void): void
  override destroy(err: Error | null): Promise<void>
  override destroy(): Promise<void>
  override destroy(first?: Error | null | (() => void), second?: () => void): Promise<void> | void {
    const callback = typeof first === "function" ? first : second
    if (callback === undefined) return Promise.resolve()
    callback()
  }
}

/**
 * How the server answers the upgrade of `url` when it refuses it: the same upgrade request sent
 * again through the dispatcher, its status and body read (undici's WebSocket reports a refusal
 * without either). Undefined when it is accepted this time, or fails without an answer.
 */
const refusal = (
  dispatcher: Dispatcher,
  url: URL,
  headers: ReadonlyArray<readonly [string, string]>,
  protocols: ReadonlyArray<string>
) =>
  Effect.async<{ readonly status: number; readonly answer: string } | undefined>((resume, signal) => {
    const http = new URL(url)
    http.protocol = url.protocol === "wss:" ? "https:" : "http:"
    const chunks: Array<Buffer> = []
    let size = 0
    let status = 0
    let done = false
    let abort: ((reason: Error) => void) | undefined
    // Interrupted before the request started: it is aborted as soon as it does.
    let interrupted = false
    const onAbort = () => {
      interrupted = true
      abort?.(new Error("interrupted"))
    }
    const finish = (value: { readonly status: number; readonly answer: string } | undefined) => {
      if (done) return
      done = true
      signal.removeEventListener("abort", onAbort)
      resume(Effect.succeed(value))
    }
    signal.addEventListener("abort", onAbort, { once: true })
    try {
      dispatcher.dispatch(
        {
          origin: http.origin,
          path: `${http.pathname}${http.search}`,
          method: "GET",
          upgrade: "websocket",
          headers: [
            ...headers.flat(),
            "sec-websocket-key",
            randomBytes(16).toString("base64"),
            "sec-websocket-version",
            "13",
            ...(protocols.length > 0 ? ["sec-websocket-protocol", protocols.join(", ")] : [])
          ]
        },
        {
          onRequestStart: (controller) => {
            abort = (reason) => controller.abort(reason)
            if (interrupted) controller.abort(new Error("interrupted"))
          },
          onRequestUpgrade: (_controller, _status, _headers, socket) => {
            socket.destroy()
            finish(undefined)
          },
          onResponseStart: (_controller, statusCode) => {
            status = statusCode
          },
          onResponseData: (_controller, chunk) => {
            if (size < MAX_ANSWER) chunks.push(chunk.subarray(0, MAX_ANSWER - size))
            size += chunk.length
          },
          onResponseEnd: () => finish({ status, answer: Buffer.concat(chunks).toString("utf8") }),
          onResponseError: () => finish(undefined)
        }
      )
    } catch {
      finish(undefined)
    }
  })

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
      const timeout = Duration.decode(options.timeout ?? DEFAULT_TIMEOUT)
      const queue = yield* Queue.unbounded<Item>()
      const seen: Seen = { status: undefined, body: [], size: 0 }
      const ws = yield* Effect.acquireRelease(
        Effect.try({
          try: () =>
            new WebSocket(url, {
              protocols: [...protocols],
              dispatcher: new Watching(dispatcher, seen),
              headers
            }),
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
      // An error is followed by the close that says how the connection ended: reported there.
      let problem: string | undefined
      ws.addEventListener("error", (event) => {
        const message = "message" in event && typeof event.message === "string" ? event.message : ""
        const error: unknown = "error" in event ? event.error : undefined
        problem = [message, error instanceof Error ? error.message : ""].filter((m) => m !== "").join(": ")
        Deferred.unsafeDone(
          opened,
          Exit.fail(fail("Connect", `the server refused the WebSocket for ${url.pathname}`))
        )
      })
      ws.addEventListener("close", (event) => {
        Deferred.unsafeDone(opened, Exit.fail(fail("Connect", `closed before opening (code ${event.code})`)))
        if (event.code !== 1000 && event.code !== 1005) {
          const meaning = CLOSE_CODES[event.code]
          const detail = [
            `closed with code ${event.code}${meaning !== undefined ? ` (${meaning})` : ""}`,
            event.reason !== "" ? `reason: ${event.reason}` : undefined,
            problem !== undefined && problem !== "" ? problem : undefined
          ]
            .filter((part) => part !== undefined)
            .join("; ")
          Queue.unsafeOffer(queue, { _tag: "error", error: fail("Closed", detail) })
        }
        Queue.unsafeOffer(queue, { _tag: "end" })
      })
      yield* Deferred.await(opened).pipe(
        // Bounded: a server that never answers the upgrade is a Timeout (the socket is closed
        // with the scope), not a hang.
        Duration.isFinite(timeout)
          ? Effect.timeoutFail({
              duration: timeout,
              onTimeout: () =>
                fail(
                  "Timeout",
                  `no answer to the WebSocket upgrade of ${url.pathname} within ${Duration.format(timeout)}`
                )
            })
          : (effect) => effect,
        // A refusal: the server's own status and body (a kubelet's "pod does not exist").
        // Asked again only when the first answer was a refusal whose body did not come through
        // (nothing ran then); never after a 101 or a failure without an answer.
        Effect.catchIf(
          (error) => error.reason === "Connect" && seen.status !== undefined && seen.status >= 400,
          (error) => {
            const status = seen.status ?? 0
            const first = Buffer.concat(seen.body).toString("utf8")
            const answer =
              first !== ""
                ? Effect.succeed({ status, answer: first })
                : refusal(dispatcher, url, headers, protocols).pipe(
                    Effect.timeoutTo({ duration: timeout, onSuccess: (r) => r, onTimeout: () => undefined }),
                    Effect.map((again) =>
                      again !== undefined && again.status >= 400 ? again : { status, answer: "" }
                    )
                  )
            return Effect.flatMap(answer, (refused) =>
              Effect.fail(
                new KubeWebSocket.WebSocketError({
                  reason: "Connect",
                  detail: `the server refused the upgrade of ${url.pathname}: ${refused.status} ${refused.answer.slice(0, 200).trim()}`,
                  cause: error,
                  status: refused.status,
                  answer: refused.answer
                })
              )
            )
          }
        )
      )
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
