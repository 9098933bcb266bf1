/**
 * WebSocket connections to the cluster (pod exec and attach), with the cluster's TLS and
 * credentials: a service, provided by the Node layer (`effect-kube/node`) over the same undici
 * agent as its `HttpClient`, and swappable in tests. A connection only ever goes to the cluster's
 * server: {@link clusterUrl} refuses a path that could lead elsewhere.
 *
 * @since 0.1.0
 */
import { Context, Data, Effect, type Scope, type Stream } from "effect"
import { originOf, parseUrl } from "../internal/urls.js"

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
  /**
   * `Connect`: the upgrade failed (refused: `status` and `answer` say how); `Timeout`: the server
   * did not answer the upgrade within the transport's timeout; `Send`: a message could not be
   * sent; `Closed`: the connection broke (the close code, its reason or the protocol error).
   */
  readonly reason: "Connect" | "Timeout" | "Send" | "Closed"
  readonly detail: string
  readonly cause?: unknown
  /** The HTTP status the server refused the upgrade with. */
  readonly status?: number | undefined
  /** The body of that refusal (at most 64 KiB of it). */
  readonly answer?: string | undefined
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
  /**
   * Opens `path?query` of the cluster, offering these subprotocols; closed with the scope. The
   * path must start with `/`: it is always put under the cluster's server (see {@link clusterUrl}).
   */
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

const WS_SCHEMES: Readonly<Record<string, string>> = { "http:": "ws:", "https:": "wss:" }

/**
 * The `ws:`/`wss:` URL of `path?query` on the cluster's `server`. The path must start with `/`, and
 * the URL must end up on the server's host and port: anything else (`@host/...`, `.evil/...`, an
 * absolute URL) is a `WebSocketError` with reason `"Connect"`, before any connection is made.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { KubeWebSocket } from "effect-kube"
 *
 * const url = KubeWebSocket.clusterUrl("https://k8s.example:6443", "/api/v1/namespaces/default/pods/web/exec", [
 *   ["command", "date"]
 * ])
 * // Effect.succeed(new URL("wss://k8s.example:6443/api/v1/namespaces/default/pods/web/exec?command=date"))
 * const refused = KubeWebSocket.clusterUrl("https://k8s.example:6443", "@elsewhere.example/x", [])
 * // Effect.fail(WebSocketError { reason: "Connect", ... })
 * ```
 *
 * @since 0.1.0
 * @category urls
 */
export const clusterUrl = (
  server: string,
  path: string,
  query: ReadonlyArray<readonly [string, string]>
): Effect.Effect<URL, WebSocketError> =>
  Effect.suspend(() => {
    const refuse = (detail: string) => Effect.fail(new WebSocketError({ reason: "Connect", detail }))
    if (!path.startsWith("/")) return refuse("the path of a WebSocket must start with /")
    // The same origin check as the cluster's HTTP requests, on the http(s) form of the URL.
    const origin = originOf(server)
    const url = parseUrl(`${server.replace(/\/+$/, "")}${path}`)
    if (origin === undefined || url === undefined) {
      return refuse("the cluster's server URL and the path do not make a URL")
    }
    const scheme = WS_SCHEMES[url.protocol]
    if (scheme === undefined || originOf(url) !== origin || url.username !== "" || url.password !== "") {
      return refuse("the URL does not lead to the cluster's server")
    }
    url.protocol = scheme
    for (const [key, value] of query) url.searchParams.append(key, value)
    return Effect.succeed(url)
  })
