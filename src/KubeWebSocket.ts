/**
 * WebSocket connections to the cluster (pod exec and attach), with the cluster's TLS and
 * credentials: a service, provided by the Node layer (`effect-kube/node`) over the same undici
 * agent as its `HttpClient`, and swappable in tests.
 *
 * @since 0.1.0
 */
import { Context, Data, type Effect, type Scope, type Stream } from "effect"

/**
 * A WebSocket could not be opened, or broke.
 *
 * @example
 * ```ts
 * import { KubeWebSocket } from "effect-kube"
 *
 * const error = new KubeWebSocket.WebSocketError({ reason: "Connect", detail: "refused" })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class WebSocketError extends Data.TaggedError("WebSocketError")<{
  readonly reason: "Connect" | "Send" | "Closed"
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `WebSocket ${this.reason}: ${this.detail}`
  }
}

/**
 * An open connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection {
  /** The subprotocol the server chose (`v5.channel.k8s.io`, `v4.channel.k8s.io`, ...). */
  readonly protocol: string
  /** Binary messages, until the server closes the connection. */
  readonly messages: Stream.Stream<Uint8Array, WebSocketError>
  /** Sends one binary message. */
  readonly send: (data: Uint8Array) => Effect.Effect<void, WebSocketError>
}

/**
 * The service.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Opens `path?query` of the cluster, offering these subprotocols; closed with the scope. */
  readonly connect: (
    path: string,
    query: ReadonlyArray<readonly [string, string]>,
    protocols: ReadonlyArray<string>
  ) => Effect.Effect<Connection, WebSocketError, Scope.Scope>
}

/**
 * The `KubeWebSocket` tag.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { KubeWebSocket } from "effect-kube"
 *
 * const opened = Effect.flatMap(KubeWebSocket.KubeWebSocket, (ws) =>
 *   ws.connect("/api/v1/namespaces/default/pods/web/exec", [["command", "date"], ["stdout", "true"]], ["v5.channel.k8s.io"])
 * )
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class KubeWebSocket extends Context.Tag("effect-kube/KubeWebSocket")<KubeWebSocket, Service>() {}
