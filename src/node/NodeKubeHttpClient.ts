/**
 * The Node transport: an `HttpClient` for the cluster of the `KubeConfig`, on an undici `Agent`
 * configured with the cluster's TLS (CA, client certificate, server name, insecure only when the
 * kubeconfig says so), keep-alive, optional HTTP/2 (with PING health checks), proxies
 * (`proxy-url`, or `HTTPS_PROXY` / `NO_PROXY` when `trustEnv`), gzip unless
 * `disable-compression`; wrapped by {@link KubeHttpClient.make} for timeouts, retries and rate
 * limits. The `Authorization` header is added by the agent as it sends a request to the cluster's
 * origin, so no request object ever holds it. Absolute URLs on other origins go through a
 * separate plain agent (the system's CAs, no client certificate, no credentials). Sockets are
 * released when the layer's scope closes.
 *
 * @since 0.1.0
 */

import { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Context, Duration, Effect, Layer, type Scope } from "effect"
import type { Dispatcher } from "undici"
import type { ConfigError } from "../config/ConfigError.js"
import { type Credentials, KubeConfig, type ResolvedConfig } from "../config/KubeConfig.js"
import { DEFAULT_TIMEOUT } from "../http/internal/timeouts.js"
import * as KubeHttpClient from "../http/KubeHttpClient.js"
import * as KubeWebSocket from "../http/KubeWebSocket.js"
import { plainAgent } from "./internal/agents.js"
import { wantsCompression, withGzip } from "./internal/compression.js"
import * as ClusterDispatcher from "./internal/dispatcher.js"
import { installPausedEndGuard } from "./internal/pausedEnd.js"
import * as Proxies from "./internal/proxy.js"
import { makeClient } from "./internal/undiciClient.js"
import { makeWebSocket } from "./internal/webSocket.js"

/**
 * Options of the Node transport.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends KubeHttpClient.Options {
  /** Honour `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` (and lower-case forms). Default: true. */
  readonly trustEnv?: boolean | undefined
  /** A proxy for every request (`http://`, `https://` or `socks5://`); the cluster's `proxy-url` wins. */
  readonly proxy?: string | undefined
  /** Offer HTTP/2 through ALPN. Default: false. */
  readonly http2?: boolean | undefined
  /**
   * HTTP/2 health check, as client-go's `ReadIdleTimeout` and `PingTimeout`: a PING goes out on
   * each HTTP/2 connection every `http2PingInterval`, and a connection from which nothing arrives
   * for `http2PingInterval` + `http2PingTimeout` (a silent network, a black hole) is torn down, so
   * that its requests fail (and are retried) and the next ones open a new connection. Defaults:
   * 30 seconds and 15 seconds. `0` or `Duration.infinity` disables the check (no PINGs, no
   * teardown). Through a proxy, connections are HTTP/1.1 (undici offers no HTTP/2 to the target
   * there), so there is nothing to check.
   */
  readonly http2PingInterval?: Duration.DurationInput | undefined
  /** See `http2PingInterval`. Must be positive and finite. Default: 15 seconds. */
  readonly http2PingTimeout?: Duration.DurationInput | undefined
  /** Idle keep-alive sockets are closed after this many milliseconds. Default: 4000 (undici's). */
  readonly keepAliveTimeout?: number | undefined
  /**
   * Ask for gzip-compressed answers. Default: yes, unless the cluster says `disable-compression`
   * or its server is on the loopback interface (where compressing costs time and saves nothing).
   */
  readonly compression?: boolean | undefined
}

/**
 * Whether `NO_PROXY` excludes a URL: `*`, exact hosts, domain suffixes (`.example.com` or
 * `example.com`), `host:port`, and IPv4 CIDR ranges.
 *
 * @example
 * ```ts
 * import { NodeKubeHttpClient } from "effect-kube/node"
 *
 * NodeKubeHttpClient.isNoProxy("https://api.internal:6443", "localhost,.internal") // true
 * ```
 *
 * @since 0.1.0
 * @category proxies
 */
export const isNoProxy: (url: string, noProxy: string) => boolean = Proxies.isNoProxy

/**
 * The undici dispatcher for a configuration. It follows the credentials given to `sync` (read
 * once at the start): it adds their `Authorization` header to each request to the cluster's
 * origin as it sends it, and when an exec plugin hands out a new client certificate, new
 * connections use it (the old pool closes after its requests). Impersonation headers go out as
 * repeated header lines. Requests to other origins get none of these headers. Closed with the scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { KubeConfig } from "effect-kube"
 * import { NodeKubeHttpClient } from "effect-kube/node"
 *
 * const dispatcher = Effect.flatMap(KubeConfig.KubeConfig, (config) => NodeKubeHttpClient.makeDispatcher(config))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeDispatcher = (
  config: ResolvedConfig,
  options: Options = {}
): Effect.Effect<
  {
    readonly dispatcher: Dispatcher
    readonly sync: (creds: Credentials) => Effect.Effect<void, ConfigError>
  },
  ConfigError,
  Scope.Scope
> => ClusterDispatcher.makeDispatcher(config, options)

/**
 * Builds the cluster's `HttpClient` from a resolved configuration.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { KubeConfig } from "effect-kube"
 * import { NodeKubeHttpClient } from "effect-kube/node"
 *
 * const client = Effect.flatMap(KubeConfig.KubeConfig, (config) => NodeKubeHttpClient.make(config, { http2: true }))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  config: ResolvedConfig,
  options: Options = {}
): Effect.Effect<HttpClient.HttpClient, ConfigError, Scope.Scope> =>
  Effect.map(makeWithWebSocket(config, options), (c) => c.http)

/**
 * The cluster's `HttpClient` and `KubeWebSocket` (exec, attach) over one undici agent.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { KubeConfig } from "effect-kube"
 * import { NodeKubeHttpClient } from "effect-kube/node"
 *
 * const both = Effect.flatMap(KubeConfig.KubeConfig, (config) => NodeKubeHttpClient.makeWithWebSocket(config))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWithWebSocket = (
  config: ResolvedConfig,
  options: Options = {}
): Effect.Effect<
  { readonly http: HttpClient.HttpClient; readonly webSocket: KubeWebSocket.Service },
  ConfigError,
  Scope.Scope
> =>
  Effect.gen(function* () {
    // undici 7 crashes the process when a connection ends while a body is paused: guarded.
    installPausedEndGuard()
    // The response timeout is undici's own (its headersTimeout, for the cluster's requests): an
    // Effect timeout per request costs more than the rest of the transport's work on it.
    const timeout = Duration.decode(options.timeout ?? DEFAULT_TIMEOUT)
    const headersTimeoutMs = Duration.isFinite(timeout) ? Math.max(1, Duration.toMillis(timeout)) : undefined
    const { dispatcher, sync } = yield* ClusterDispatcher.makeDispatcher(config, {
      ...options,
      headersTimeoutMs
    })
    // Other origins: a plain agent, with the system's CAs and no client certificate.
    const plain = yield* plainAgent
    const undici = makeClient(dispatcher, timeout)
    const transport = wantsCompression(config, options) ? withGzip(undici) : undici
    // The credentials are read once per request, by KubeHttpClient; the agent follows them (their
    // Authorization header and client certificate).
    const http = yield* KubeHttpClient.make(transport, config, {
      ...options,
      onCredentials: sync,
      authorization: "transport",
      timeoutBy: headersTimeoutMs === undefined ? "client" : "transport",
      otherOrigins: options.otherOrigins ?? NodeHttpClient.makeUndici(plain)
    })
    return { http, webSocket: makeWebSocket(config, options, dispatcher, sync) }
  })

/**
 * The cluster's `HttpClient` and `KubeWebSocket`, from the `KubeConfig` in context.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { NodeContext } from "@effect/platform-node"
 * import { KubeConfig } from "effect-kube"
 * import { NodeKubeHttpClient } from "effect-kube/node"
 *
 * const Live = NodeKubeHttpClient.layer({ timeout: "5 seconds" }).pipe(
 *   Layer.provideMerge(KubeConfig.auto()),
 *   Layer.provide(NodeContext.layer)
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<HttpClient.HttpClient | KubeWebSocket.KubeWebSocket, ConfigError, KubeConfig> =>
  Layer.scopedContext(
    Effect.flatMap(KubeConfig, (config) => makeWithWebSocket(config, options)).pipe(
      Effect.map(({ http, webSocket }) =>
        Context.make(HttpClient.HttpClient, http).pipe(Context.add(KubeWebSocket.KubeWebSocket, webSocket))
      )
    )
  )
