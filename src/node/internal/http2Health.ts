/**
 * The HTTP/2 health check, as client-go's `ReadIdleTimeout` and `PingTimeout`: its periods from
 * the options, and the watch that tears down a connection from which nothing arrives (undici sends
 * the PINGs).
 */

import { performance } from "node:perf_hooks"
import type { TLSSocket } from "node:tls"
import { Duration, Effect, Option } from "effect"
import { ConfigError } from "../../config/ConfigError.js"
import type { ResolvedConfig } from "../../config/KubeConfig.js"

/** The options of the health check (a part of the transport's `Options`). */
export interface HealthOptions {
  readonly http2PingInterval?: Duration.DurationInput | undefined
  readonly http2PingTimeout?: Duration.DurationInput | undefined
}

/** The HTTP/2 health check's periods, in whole milliseconds. */
export interface Health {
  readonly interval: number
  readonly timeout: number
}

/**
 * The HTTP/2 health check of the options, checked once: `None` when `http2PingInterval` is 0 or
 * infinite (disabled: no PINGs, no teardown), else positive whole milliseconds. The timeout must
 * be positive and finite.
 */
export const http2Health = (
  config: ResolvedConfig,
  options: HealthOptions
): Effect.Effect<Option.Option<Health>, ConfigError> => {
  const invalid = (detail: string) =>
    Effect.fail(new ConfigError({ reason: "InvalidConfig", detail, context: config.context }))
  const interval = Duration.decodeUnknown(options.http2PingInterval ?? Duration.seconds(30))
  const timeout = Duration.decodeUnknown(options.http2PingTimeout ?? Duration.seconds(15))
  if (Option.isNone(interval)) return invalid("http2PingInterval is not a duration")
  if (Option.isNone(timeout)) return invalid("http2PingTimeout is not a duration")
  const intervalMs = Duration.toMillis(interval.value)
  if (intervalMs === 0 || !Duration.isFinite(interval.value)) return Effect.succeed(Option.none())
  const timeoutMs = Duration.toMillis(timeout.value)
  if (timeoutMs <= 0 || !Duration.isFinite(timeout.value)) {
    return invalid(
      "http2PingTimeout must be a positive, finite duration (http2PingInterval: 0 disables the health check)"
    )
  }
  return Effect.succeed(Option.some({ interval: Math.ceil(intervalMs), timeout: Math.ceil(timeoutMs) }))
}

/** The error a silent HTTP/2 connection is torn down with (retried as a broken connection). */
const silentConnection = (silentFor: number) =>
  Object.assign(new Error(`the HTTP/2 connection sent nothing for ${silentFor} ms, not even a PING answer`), {
    code: "ERR_HTTP2_PING_TIMEOUT"
  })

/**
 * Watches an HTTP/2 connection: undici sends a PING every `interval`, so a live connection reads
 * something at least that often. One that reads nothing for `interval + timeout` is destroyed.
 */
export const watchHttp2 = (socket: TLSSocket, interval: number, timeout: number): void => {
  let lastRead = socket.bytesRead
  let since = performance.now()
  const timer = setInterval(
    () => {
      const read = socket.bytesRead
      const now = performance.now()
      if (read !== lastRead) {
        lastRead = read
        since = now
      } else if (now - since >= interval + timeout) {
        // After a stalled event loop, the timer can run before the reads that arrived meanwhile:
        // look again once they have been handled.
        setImmediate(() => {
          if (socket.bytesRead !== lastRead || socket.destroyed) return
          clearInterval(timer)
          socket.destroy(silentConnection(Math.round(performance.now() - since)))
        })
      }
    },
    Math.max(5, Math.floor(Math.min(interval, timeout) / 2))
  )
  timer.unref()
  socket.once("close", () => clearInterval(timer))
}
