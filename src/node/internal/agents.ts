/**
 * The undici agents of the Node transport: the cluster's agent (its TLS, keep-alive, HTTP/2
 * through ALPN with the PING health check, or through a proxy), and the plain agent for other
 * origins (the system's CAs, no client certificate).
 */

import { TLSSocket } from "node:tls"
import { Effect, Option, type Scope } from "effect"
import { Agent, buildConnector, type Dispatcher, ProxyAgent, Socks5ProxyAgent } from "undici"
import { ConfigError } from "../../config/ConfigError.js"
import type { ResolvedConfig } from "../../config/KubeConfig.js"
import { type Health, watchHttp2 } from "./http2Health.js"
import type { ChosenProxy } from "./proxy.js"
import type { TlsOptions } from "./tls.js"

/** The options of the cluster's agent (a part of the transport's `Options`). */
export interface AgentOptions {
  readonly http2?: boolean | undefined
  readonly keepAliveTimeout?: number | undefined
}

/** undici's connector with the cluster's TLS, whose HTTP/2 connections are health-checked (unless disabled). */
const connector = (
  options: AgentOptions,
  tls: TlsOptions,
  health: Option.Option<Health>
): buildConnector.connector => {
  const connect = buildConnector({ ...tls, allowH2: options.http2 === true })
  if (Option.isNone(health)) return connect
  const { interval, timeout } = health.value
  return (opts, callback) =>
    connect(opts, (...args) => {
      const socket = args[1]
      if (socket instanceof TLSSocket && socket.alpnProtocol === "h2") watchHttp2(socket, interval, timeout)
      callback(...args)
    })
}

/**
 * The agent for the cluster. Through a proxy, connections are HTTP/1.1 only: undici's proxy agents
 * offer no `h2` in ALPN to the target (the TLS options given to them hold no `allowH2`), so the
 * HTTP/2 health check has nothing to watch there.
 */
export const makeAgent = (
  config: ResolvedConfig,
  options: AgentOptions,
  tls: TlsOptions,
  proxy: Option.Option<ChosenProxy>,
  health: Option.Option<Health>
): Effect.Effect<Dispatcher, ConfigError> =>
  Effect.try({
    try: (): Dispatcher => {
      const common = {
        allowH2: options.http2 === true,
        ...(options.keepAliveTimeout !== undefined ? { keepAliveTimeout: options.keepAliveTimeout } : {})
      }
      if (Option.isNone(proxy)) {
        return new Agent({
          ...common,
          // 0: undici sends no PINGs.
          pingInterval: Option.match(health, { onNone: () => 0, onSome: (h) => h.interval }),
          connect: connector(options, tls, health)
        })
      }
      const url = proxy.value.url
      if (url.protocol === "socks5:") {
        // undici 7 implements `requestTls` for SOCKS5 but its typings lack it.
        const socksOptions: Socks5ProxyAgent.Options & { readonly requestTls: TlsOptions } = {
          requestTls: tls
        }
        return new Socks5ProxyAgent(url.href, socksOptions)
      }
      return new ProxyAgent({ ...common, uri: url.href, requestTls: tls })
    },
    catch: (cause) =>
      Option.isNone(proxy)
        ? new ConfigError({
            reason: "InvalidConfig",
            detail: `cannot set up the connection to ${config.cluster.server}: ${cause instanceof Error ? cause.message : String(cause)}`,
            context: config.context,
            cause
          })
        : // The proxy's URL can hold a password, and undici's errors can hold the URL (a TypeError's
          // `input`): neither the cause nor its message is kept.
          new ConfigError({
            reason: "InvalidConfig",
            detail: `cannot set up the proxy from ${proxy.value.source} for ${config.cluster.server}${cause instanceof Error ? ` (${cause.name})` : ""}`,
            context: config.context
          })
  })

/** The agent for other origins: the system's CAs, no client certificate. Destroyed with the scope. */
export const plainAgent: Effect.Effect<Agent, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => new Agent()),
  (agent) => Effect.promise(() => agent.destroy())
)
