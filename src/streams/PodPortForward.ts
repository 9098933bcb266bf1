/**
 * Port-forward to a pod (the connection under `kubectl port-forward`): one TCP connection to a
 * port of the pod, through the apiserver and the pod's kubelet, as a `Stream` of the bytes the
 * pod sends and a way to send bytes to it. The local TCP listener (`kubectl port-forward`'s
 * whole job) is `NodePortForward.forward` in `effect-kube/node`.
 *
 * The protocol is the kubelet's WebSocket port-forward, `v4.channel.k8s.io`, one WebSocket per
 * connection (`?ports=<port>`, which the apiserver passes on as the kubelet's `?port=`): binary
 * messages whose first byte is the channel, 0 for the data (both ways) and 1 for the kubelet's
 * errors (plain text, from it only); each channel first carries the port as 2 bytes
 * little-endian, which is checked and dropped. There is no half-close: the connection ends when
 * either side closes it. Newer apiservers (1.30+) also tunnel SPDY over WebSocket
 * (`SPDY/3.1+portforward.k8s.io`); that is not offered, so they pass the request to the kubelet,
 * which speaks `v4.channel.k8s.io` itself.
 *
 * @since 0.1.0
 */
import {
  Cause,
  Chunk,
  Data,
  Effect,
  ExecutionStrategy,
  Exit,
  Option,
  Queue,
  Scope,
  Sink,
  Stream
} from "effect"
import * as ApiRequest from "../client/ApiRequest.js"
import type * as Client from "../client/Client.js"
import { annotateTarget, kindAttributes, operation } from "../client/internal/operation.js"
import type * as ApiError from "../http/ApiError.js"
import type { KubeWebSocket, WebSocketError } from "../http/KubeWebSocket.js"
import { concatBytes } from "../internal/bytes.js"
import { InvalidRequest } from "../resource/InvalidRequest.js"
import { podModel } from "./internal/pod.js"
import { openUpgrade } from "./internal/upgrade.js"

/** The only subprotocol offered (see the module's description). */
const PROTOCOL = "v4.channel.k8s.io"
const DATA = 0
const ERROR = 1
/** The largest message sent (the data is cut into messages of at most this many bytes). */
const MAX_MESSAGE = 32 * 1024

/**
 * A port-forward failed: `Remote`, the kubelet reported an error on the error channel (nothing
 * listens on the port, the pod went away; `detail` is its message); `Protocol`, the server broke
 * the protocol (a wrong port prefix, an unknown channel); `NotRunning`, the pod is not running
 * (`NodePortForward.forward` checks before it listens); `Listen`, the local port could not be
 * bound; `Local`, the local connection failed.
 *
 * @example
 * ```ts
 * import { PodPortForward } from "effect-kube"
 *
 * const error = new PodPortForward.PortForwardError({ reason: "Remote", pod: "web-0", port: 8080, detail: "connection refused" })
 * error.message // "port-forward to pod web-0, port 8080: connection refused"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class PortForwardError extends Data.TaggedError("PortForwardError")<{
  readonly reason: "Remote" | "Protocol" | "NotRunning" | "Listen" | "Local"
  readonly pod: string
  readonly port: number
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `port-forward to pod ${this.pod}, port ${this.port}: ${this.detail}`
  }
}

/**
 * What port-forward needs: the KubeConfig, an HttpClient (for error answers) and the WebSocket
 * service.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements = Client.Requirements | KubeWebSocket

/**
 * Failures of port-forward.
 *
 * @since 0.1.0
 * @category errors
 */
export type PortForwardFailure = ApiError.ApiError | WebSocketError | PortForwardError | Client.ClientError

/**
 * Options of {@link connect}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectOptions {
  readonly namespace?: string | undefined
}

/**
 * One connection to a port of a pod. Closed with its scope, or earlier with `close`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection {
  /** The pod's port. */
  readonly port: number
  /** The subprotocol the server chose (`v4.channel.k8s.io`). */
  readonly protocol: string
  /**
   * The bytes the pod sends, until either side closes the connection; it fails with a
   * `PortForwardError` (`Remote`) when the kubelet reported an error (nothing listening, the pod
   * gone), after the bytes that came before it. Read it once (a second reader gets only the end).
   */
  readonly stream: Stream.Stream<Uint8Array, PortForwardError | WebSocketError>
  /** Sends bytes to the pod (waits while the connection's send buffer is full; one write at a time). */
  readonly write: (data: Uint8Array | string) => Effect.Effect<void, WebSocketError>
  /** A sink that sends every chunk to the pod (the connection stays open when it ends). */
  readonly sink: Sink.Sink<void, Uint8Array, never, WebSocketError>
  /** Closes the connection (the pod sees its connection closed); `stream` ends. */
  readonly close: Effect.Effect<void>
}

type Item =
  | { readonly _tag: "data"; readonly data: Uint8Array }
  | { readonly _tag: "end" }
  | { readonly _tag: "fail"; readonly error: PortForwardError | WebSocketError }

/** Checks a port as the kubelet does: an integer from 1 to 65535. */
const checkPort = (port: number): Effect.Effect<number, InvalidRequest> =>
  Number.isInteger(port) && port >= 1 && port <= 65535
    ? Effect.succeed(port)
    : Effect.fail(
        new InvalidRequest({ detail: `a port to forward must be an integer from 1 to 65535, got ${port}` })
      )

/**
 * A channel's first two bytes: the port, little-endian. Gathers them across messages, then
 * passes the rest on.
 */
class PortPrefix {
  private readonly seen: Array<number> = []
  constructor(private readonly port: number) {}
  /** The bytes after the prefix (empty while it is incomplete), or a mismatch message. */
  strip(data: Uint8Array): Uint8Array | string {
    let at = 0
    while (this.seen.length < 2 && at < data.length) this.seen.push(data[at++] ?? 0)
    if (this.seen.length < 2) return new Uint8Array(0)
    if (at > 0) {
      const got = (this.seen[0] ?? 0) | ((this.seen[1] ?? 0) << 8)
      if (got !== this.port) return `the server answered for port ${got}, not ${this.port}`
    }
    return at === 0 ? data : data.subarray(at)
  }
}

/**
 * Opens one connection to `port` of the pod `name` (kubectl port-forward's connection, without a
 * local listener): the pod's bytes as a stream, and `write`/`sink` to send. The port must be an
 * integer from 1 to 65535 (an `InvalidRequest` before any request); a missing pod is an `ApiError`
 * (404), a pod without a node a 400; nothing listening on the port fails the `stream` with a
 * `PortForwardError` (`Remote`) carrying the kubelet's message.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { PodPortForward } from "effect-kube"
 *
 * const answer = Effect.scoped(
 *   Effect.gen(function* () {
 *     const connection = yield* PodPortForward.connect("web-0", 8080, { namespace: "apps" })
 *     yield* connection.write("GET / HTTP/1.0\r\n\r\n")
 *     return yield* Stream.runCollect(Stream.decodeText(connection.stream))
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category port-forward
 */
export const connect = (
  name: string,
  port: number,
  options: ConnectOptions = {}
): Effect.Effect<Connection, PortForwardFailure, Requirements | Scope.Scope> =>
  Effect.gen(function* () {
    yield* checkPort(port)
    const Pod = yield* podModel
    const target = yield* ApiRequest.target({
      resource: Pod,
      method: "GET",
      namespace: options.namespace,
      name,
      subresource: "portforward",
      query: [["ports", String(port)]]
    })
    // Its own scope (closed with the caller's), so that `close` can end the connection sooner.
    const scope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const connection = yield* annotateTarget(target.namespace, name).pipe(
      Effect.zipRight(Effect.annotateCurrentSpan("k8s.port_forward.port", port)),
      Effect.zipRight(openUpgrade(target, [PROTOCOL])),
      operation("PodPortForward.connect", "create", {
        ...kindAttributes(Pod),
        "k8s.subresource": "portforward"
      }),
      Scope.extend(scope),
      // A connection that could not open leaves nothing open behind it.
      Effect.onError(() => Scope.close(scope, Exit.void))
    )
    const items = yield* Queue.unbounded<Item>()
    // Whatever ends the connection (the server, `close`, the scope) ends the stream too.
    yield* Scope.addFinalizer(scope, Queue.offer(items, { _tag: "end" }))
    const fail = (reason: "Remote" | "Protocol", detail: string) =>
      new PortForwardError({ reason, pod: name, port, detail })
    const dataPrefix = new PortPrefix(port)
    const errorPrefix = new PortPrefix(port)
    const errorText: Array<Uint8Array> = []
    const reader = Stream.runForEach(connection.messages, (message) => {
      const channel = message[0]
      if (channel !== DATA && channel !== ERROR) {
        return Effect.fail(
          fail("Protocol", `a message on channel ${channel ?? "(none)"}; only 0 and 1 are used`)
        )
      }
      const rest = (channel === DATA ? dataPrefix : errorPrefix).strip(message.subarray(1))
      if (typeof rest === "string") return Effect.fail(fail("Protocol", rest))
      if (rest.length === 0) return Effect.void
      if (channel === ERROR) return Effect.sync(() => errorText.push(rest))
      return Queue.offer(items, { _tag: "data", data: rest })
    })
    const remoteError = () => {
      const text = new TextDecoder().decode(concatBytes(Chunk.fromIterable(errorText))).trim()
      return text === "" ? undefined : fail("Remote", text)
    }
    yield* reader.pipe(
      Effect.exit,
      Effect.flatMap((exit) => {
        if (Exit.isSuccess(exit)) {
          const error = remoteError()
          return Effect.asVoid(
            Queue.offer(items, error === undefined ? { _tag: "end" } : { _tag: "fail", error })
          )
        }
        // Interrupted (the connection closed): the stream just ends.
        return Option.match(Cause.failureOption(exit.cause), {
          onNone: () => Effect.asVoid(Queue.offer(items, { _tag: "end" })),
          onSome: (cause) => {
            // The kubelet's own message first, even when the connection then broke; a broken
            // connection or protocol is closed (the reader cannot close its own scope: a daemon).
            const error = remoteError() ?? cause
            return Queue.offer(items, { _tag: "fail", error }).pipe(
              Effect.zipRight(Effect.forkDaemon(Scope.close(scope, Exit.void))),
              Effect.asVoid
            )
          }
        })
      }),
      Effect.forkIn(scope)
    )
    // One write at a time: the messages of a large write are not interleaved with another's.
    const lock = yield* Effect.makeSemaphore(1)
    const write = (data: Uint8Array | string) => {
      const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data
      return lock.withPermits(1)(
        Effect.forEach(
          Array.from({ length: Math.ceil(bytes.length / MAX_MESSAGE) }, (_, i) =>
            bytes.subarray(i * MAX_MESSAGE, (i + 1) * MAX_MESSAGE)
          ),
          (part) => {
            const message = new Uint8Array(part.length + 1)
            message[0] = DATA
            message.set(part, 1)
            return connection.send(message)
          },
          { discard: true }
        )
      )
    }
    const stream: Stream.Stream<Uint8Array, PortForwardError | WebSocketError> = Stream.fromQueue(items).pipe(
      // The end (or failure) stays for whoever reads next: a second reader ends instead of waiting.
      Stream.tap((item) => (item._tag === "data" ? Effect.void : Queue.offer(items, item))),
      Stream.takeWhile((item) => item._tag !== "end"),
      Stream.mapEffect((item) =>
        item._tag === "data"
          ? Effect.succeed(item.data)
          : item._tag === "fail"
            ? Effect.fail(item.error)
            : Effect.never
      )
    )
    return {
      port,
      protocol: connection.protocol,
      stream,
      write,
      sink: Sink.forEach(write),
      close: Scope.close(scope, Exit.void)
    }
  })
