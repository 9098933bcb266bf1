/**
 * The cluster's dispatcher: routes each request to the agent of the moment, adds the cluster's
 * headers to requests for its origin, and when the credentials bring a new client certificate,
 * moves to a new agent (the old pool closes after its requests in flight).
 */

import { Effect, Redacted, Ref, type Scope } from "effect"
import { Dispatcher } from "undici"
import type { ConfigError } from "../../config/ConfigError.js"
import type { Credentials, ResolvedConfig } from "../../config/KubeConfig.js"
import { originOf } from "../../internal/urls.js"
import { type AgentOptions, makeAgent } from "./agents.js"
import { clusterHeaders, setHeaders } from "./clusterHeaders.js"
import { type HealthOptions, http2Health } from "./http2Health.js"
import { chooseProxy, type ProxyOptions } from "./proxy.js"
import { tlsOptions } from "./tls.js"

/** The options of the dispatcher (a part of the transport's `Options`). */
export interface DispatcherOptions extends ProxyOptions, HealthOptions, AgentOptions {}

/**
 * How long the cluster's requests wait for their response headers (undici's `headersTimeout`, its
 * own timer: cheaper per request than an Effect timeout); none when undefined.
 */
export interface ResponseTimeout {
  readonly headersTimeoutMs?: number | undefined
}

/** The dispatcher, and the function that makes it follow new credentials. */
export interface ClusterDispatcher {
  readonly dispatcher: Dispatcher
  readonly sync: (creds: Credentials) => Effect.Effect<void, ConfigError>
}

interface Current {
  readonly certKey: string
  readonly dispatcher: Dispatcher
}

/** What tells one client certificate from another: its PEM, or "" when there is none. */
const keyOf = (creds: Credentials): string =>
  creds.clientCertificate !== undefined ? Redacted.value(creds.clientCertificate.cert) : ""

/**
 * The undici dispatcher for a configuration, following the credentials given to `sync` (read once
 * at the start). Requests to other origins get none of the cluster's headers. Closed with the scope.
 */
export const makeDispatcher = (
  config: ResolvedConfig,
  options: DispatcherOptions & ResponseTimeout
): Effect.Effect<ClusterDispatcher, ConfigError, Scope.Scope> =>
  Effect.gen(function* () {
    const proxy = yield* chooseProxy(config, options)
    const health = yield* http2Health(config, options)
    const initialCreds = yield* config.credentials.pipe(Effect.orElseSucceed((): Credentials => ({})))
    const first = yield* makeAgent(config, options, tlsOptions(config, initialCreds), proxy, health)
    const current = yield* Ref.make<Current>({ certKey: keyOf(initialCreds), dispatcher: first })
    const retired: Array<Dispatcher> = []
    let active = first
    yield* Effect.addFinalizer(() =>
      Effect.promise(() => Promise.allSettled([active, ...retired].map((d) => d.destroy()))).pipe(
        Effect.asVoid
      )
    )

    // The headers the cluster's requests get, from the latest credentials.
    const headersFor = clusterHeaders(config)
    let headers = headersFor(initialCreds)
    const clusterOrigin = originOf(config.cluster.server)

    const router = new ClusterRouter(
      () => active,
      clusterOrigin,
      () => headers,
      options.headersTimeoutMs
    )

    // The credentials of the last sync: the same object again (a static token, a cached file or
    // plugin answer: nearly every request) has nothing new to follow.
    let synced: Credentials | undefined = initialCreds
    const sync = (creds: Credentials) =>
      creds === synced
        ? Effect.void
        : Effect.gen(function* () {
            headers = headersFor(creds)
            const key = keyOf(creds)
            const now = yield* Ref.get(current)
            if (now.certKey !== key) {
              const next = yield* makeAgent(config, options, tlsOptions(config, creds), proxy, health)
              yield* Ref.set(current, { certKey: key, dispatcher: next })
              const old = active
              active = next
              retired.push(old)
              // Let requests in flight finish on the old pool.
              yield* Effect.sync(() => {
                old.close().catch(() => {})
              })
            }
            synced = creds
          })

    return { dispatcher: router, sync }
  })

/**
 * Routes each request to the agent of the moment, with the cluster's headers for its origin. A
 * subclass, not `compose`: an undici interceptor wraps every request's handler twice (new handler
 * API, then back), which cost ~1.5 KB and a layer of calls per request on every event.
 */
class ClusterRouter extends Dispatcher {
  readonly #active: () => Dispatcher
  readonly #origin: string | undefined
  readonly #headers: () => Readonly<Record<string, string | Array<string>>>
  readonly #headersTimeoutMs: number | undefined

  constructor(
    active: () => Dispatcher,
    origin: string | undefined,
    headers: () => Readonly<Record<string, string | Array<string>>>,
    headersTimeoutMs: number | undefined
  ) {
    super()
    this.#active = active
    this.#origin = origin
    this.#headers = headers
    this.#headersTimeoutMs = headersTimeoutMs
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = this.#origin
    // undici's origin is mostly the origin string itself: compared before parsing.
    const forCluster =
      origin !== undefined && (opts.origin === origin || originOf(String(opts.origin ?? "")) === origin)
    if (!forCluster) return this.#active().dispatch(opts, handler)
    const headers = setHeaders(opts.headers, this.#headers())
    const timeout = this.#headersTimeoutMs
    return this.#active().dispatch(
      timeout === undefined ? { ...opts, headers } : { ...opts, headers, headersTimeout: timeout },
      handler
    )
  }

  // The agents are closed by the dispatcher's scope; closing the router closes the current one.
  override close(callback: () => void): void
  override close(): Promise<void>
  override close(callback?: () => void): Promise<void> | void {
    const closed = this.#active().close()
    if (callback === undefined) return closed
    closed.then(callback, callback)
  }

  override destroy(err: Error | null, callback: () => void): void
  override destroy(callback: () => void): void
  override destroy(err: Error | null): Promise<void>
  override destroy(): Promise<void>
  override destroy(first?: Error | null | (() => void), second?: () => void): Promise<void> | void {
    const callback = typeof first === "function" ? first : second
    const destroyed = this.#active().destroy(typeof first === "function" ? null : (first ?? null))
    if (callback === undefined) return destroyed
    destroyed.then(callback, callback)
  }
}
