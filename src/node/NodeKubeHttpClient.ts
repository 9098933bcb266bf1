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

import { performance } from "node:perf_hooks"
import * as Stream_ from "node:stream"
import { TLSSocket } from "node:tls"
import * as Zlib from "node:zlib"
import { HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { NodeHttpClient, NodeStream } from "@effect/platform-node"
import {
  Config,
  Context,
  Deferred,
  Duration,
  Effect,
  Exit,
  Layer,
  Option,
  Queue,
  Redacted,
  Ref,
  type Scope,
  Stream
} from "effect"
import { Agent, buildConnector, type Dispatcher, ProxyAgent, Socks5ProxyAgent, WebSocket } from "undici"
import { ConfigError } from "../config/ConfigError.js"
import { type Credentials, KubeConfig, type ResolvedConfig } from "../config/KubeConfig.js"
import { authorizationHeader, groupedImpersonation } from "../http/internal/headers.js"
import * as KubeHttpClient from "../http/KubeHttpClient.js"
import * as KubeWebSocket from "../http/KubeWebSocket.js"
import { originOf, parseUrl, proxyUrlProblem } from "../internal/urls.js"

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

const isLoopback = (server: string): boolean => {
  const host = parseUrl(server)?.hostname.replace(/^\[|\]$/g, "")
  if (host === undefined) return false
  return host === "localhost" || host === "::1" || /^127\./.test(host)
}

interface TlsOptions {
  readonly ca?: string
  readonly cert?: string
  readonly key?: string
  readonly servername?: string
  readonly rejectUnauthorized: boolean
}

const tlsOptions = (config: ResolvedConfig, creds: Credentials): TlsOptions => ({
  ...(config.cluster.certificateAuthority !== undefined ? { ca: config.cluster.certificateAuthority } : {}),
  ...(creds.clientCertificate !== undefined
    ? { cert: Redacted.value(creds.clientCertificate.cert), key: Redacted.value(creds.clientCertificate.key) }
    : {}),
  ...(config.cluster.tlsServerName !== undefined ? { servername: config.cluster.tlsServerName } : {}),
  rejectUnauthorized: !config.cluster.insecureSkipTlsVerify
})

/** An environment variable, upper-case first, with the name it was found under. */
const envVar = (name: string) =>
  Config.option(
    Config.map(Config.string(name.toUpperCase()), (value) => ({ name: name.toUpperCase(), value })).pipe(
      Config.orElse(() => Config.map(Config.string(name), (value) => ({ name, value })))
    )
  )

const proxyEnv = Config.all({
  https: envVar("https_proxy"),
  http: envVar("http_proxy"),
  noProxy: envVar("no_proxy")
})

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
export const isNoProxy = (url: string, noProxy: string): boolean => {
  const target = new URL(url)
  const host = target.hostname.replace(/^\[|\]$/g, "").toLowerCase()
  const port = target.port !== "" ? target.port : target.protocol === "https:" ? "443" : "80"
  return noProxy
    .split(/[,\s]+/)
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== "")
    .some((entry) => {
      if (entry === "*") return true
      let name = entry
      const portMatch = /^(.*):(\d+)$/.exec(entry)
      if (portMatch !== null && !entry.includes("::")) {
        if (portMatch[2] !== port) return false
        name = portMatch[1] ?? ""
      }
      name = name.replace(/^\[|\]$/g, "")
      if (name.includes("/")) return inCidr(host, name)
      name = name.replace(/^\*?\./, "")
      return host === name || host.endsWith(`.${name}`)
    })
}

const ipv4 = (s: string): number | undefined => {
  const parts = s.split(".")
  if (parts.length !== 4) return undefined
  let n = 0
  for (const p of parts) {
    const v = Number(p)
    if (!/^\d+$/.test(p) || v > 255) return undefined
    n = n * 256 + v
  }
  return n
}

const inCidr = (host: string, cidr: string): boolean => {
  const [base, bitsText] = cidr.split("/")
  const h = ipv4(host)
  const b = ipv4(base ?? "")
  const bits = Number(bitsText)
  if (h === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false
  const size = 2 ** (32 - bits)
  return Math.floor(h / size) === Math.floor(b / size)
}

/** The proxy to use, checked, and where it came from (for messages, which never show the URL). */
interface ChosenProxy {
  readonly url: URL
  readonly source: string
}

/**
 * The proxy for the cluster: its `proxy-url`, else the `proxy` option, else (with `trustEnv`)
 * `HTTPS_PROXY` / `HTTP_PROXY` unless `NO_PROXY` excludes the server. Whichever it is, it gets the
 * same check ({@link proxyUrlProblem}); a bad one is a `ConfigError` naming its source only.
 */
const chooseProxy = (
  config: ResolvedConfig,
  options: Options
): Effect.Effect<Option.Option<ChosenProxy>, ConfigError> =>
  Effect.gen(function* () {
    const pick = yield* Effect.gen(function* () {
      const configured = config.cluster.proxyUrl !== undefined ? Redacted.value(config.cluster.proxyUrl) : ""
      if (configured !== "") return Option.some({ value: configured, source: "the cluster's proxy-url" })
      if (options.proxy !== undefined && options.proxy !== "") {
        return Option.some({ value: options.proxy, source: "the proxy option" })
      }
      if (options.trustEnv === false) return Option.none()
      const env = yield* Effect.orDie(proxyEnv)
      const server = config.cluster.server
      const candidate = server.startsWith("https:") ? env.https : env.http
      if (Option.isNone(candidate) || candidate.value.value === "") return Option.none()
      if (Option.isSome(env.noProxy) && isNoProxy(server, env.noProxy.value.value)) return Option.none()
      return Option.some({ value: candidate.value.value, source: candidate.value.name })
    })
    if (Option.isNone(pick)) return Option.none()
    const { source, value } = pick.value
    const problem = proxyUrlProblem(value)
    const url = problem === undefined ? parseUrl(value) : undefined
    if (url === undefined) {
      return yield* Effect.fail(
        new ConfigError({
          reason: "InvalidConfig",
          detail: `the proxy from ${source} ${problem ?? "is not a valid URL"}`,
          context: config.context
        })
      )
    }
    return Option.some({ url, source })
  })

/** The HTTP/2 health check's periods, in whole milliseconds. */
interface Health {
  readonly interval: number
  readonly timeout: number
}

/**
 * The HTTP/2 health check of the options, checked once: `None` when `http2PingInterval` is 0 or
 * infinite (disabled: no PINGs, no teardown), else positive whole milliseconds. The timeout must
 * be positive and finite.
 */
const http2Health = (
  config: ResolvedConfig,
  options: Options
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
const watchHttp2 = (socket: TLSSocket, interval: number, timeout: number): void => {
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

/** undici's connector with the cluster's TLS, whose HTTP/2 connections are health-checked (unless disabled). */
const connector = (
  options: Options,
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
const makeAgent = (
  config: ResolvedConfig,
  options: Options,
  tls: TlsOptions,
  proxy: Option.Option<ChosenProxy>,
  health: Option.Option<Health>
) =>
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

interface Current {
  readonly certKey: string
  readonly dispatcher: Dispatcher
}

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
> =>
  Effect.gen(function* () {
    const proxy = yield* chooseProxy(config, options)
    const health = yield* http2Health(config, options)
    const initialCreds = yield* config.credentials.pipe(Effect.orElseSucceed((): Credentials => ({})))
    const keyOf = (creds: Credentials) =>
      creds.clientCertificate !== undefined ? Redacted.value(creds.clientCertificate.cert) : ""
    const first = yield* makeAgent(config, options, tlsOptions(config, initialCreds), proxy, health)
    const current = yield* Ref.make<Current>({ certKey: keyOf(initialCreds), dispatcher: first })
    const retired: Array<Dispatcher> = []
    let active = first
    yield* Effect.addFinalizer(() =>
      Effect.promise(() => Promise.allSettled([active, ...retired].map((d) => d.destroy()))).pipe(
        Effect.asVoid
      )
    )

    // The headers the cluster's requests get, from the latest credentials; impersonation groups and
    // extras as repeated header lines.
    const impersonation: Record<string, Array<string>> = config.impersonate === undefined
      ? {}
      : Object.fromEntries(
          Array.from(groupedImpersonation(config.impersonate), ([name, values]) => [name, [...values]])
        )
    const clusterHeaders = (creds: Credentials): Record<string, string | Array<string>> => {
      const authorization = authorizationHeader(creds)
      return authorization === undefined ? { ...impersonation } : { ...impersonation, authorization }
    }
    let headers = clusterHeaders(initialCreds)
    const clusterOrigin = originOf(config.cluster.server)

    const router: Dispatcher = first.compose((_dispatch) => (opts, handler) => {
      // undici's origin is mostly the origin string itself: compared before parsing.
      const forCluster =
        clusterOrigin !== undefined &&
        (opts.origin === clusterOrigin || originOf(opts.origin ?? "") === clusterOrigin)
      return active.dispatch(
        forCluster ? { ...opts, headers: setHeaders(opts.headers, headers) } : opts,
        handler
      )
    })

    const sync = (creds: Credentials) =>
      Effect.gen(function* () {
        headers = clusterHeaders(creds)
        const key = keyOf(creds)
        const now = yield* Ref.get(current)
        if (now.certKey === key) return
        const next = yield* makeAgent(config, options, tlsOptions(config, creds), proxy, health)
        yield* Ref.set(current, { certKey: key, dispatcher: next })
        const old = active
        active = next
        retired.push(old)
        // Let requests in flight finish on the old pool.
        yield* Effect.sync(() => {
          old.close().catch(() => {})
        })
      })

    return { dispatcher: router, sync }
  })

type HeaderValue = string | Array<string> | undefined

/** The request's headers with `set` in place of any header of the same name (in any case). */
const setHeaders = (
  input: Dispatcher.DispatchOptions["headers"],
  set: Readonly<Record<string, string | Array<string>>>
): Record<string, HeaderValue> => {
  const out: Record<string, HeaderValue> = {}
  const keep = (name: string, value: HeaderValue) => {
    if (!(name.toLowerCase() in set)) out[name] = value
  }
  if (Array.isArray(input)) {
    // The flat form: name, value, name, value, ...
    for (let i = 0; i + 1 < input.length; i += 2) {
      const name = input[i]
      const value = input[i + 1]
      if (typeof name === "string" && typeof value === "string") {
        const previous = out[name]
        keep(
          name,
          previous === undefined ? value : [...(typeof previous === "string" ? [previous] : previous), value]
        )
      }
    }
  } else if (input !== null && input !== undefined) {
    const entries: Iterable<readonly [string, HeaderValue]> = isIterable(input)
      ? input
      : Object.entries(input)
    for (const [name, value] of entries) keep(name, value)
  }
  return { ...out, ...set }
}

const isIterable = <A>(value: object): value is Iterable<A> => Symbol.iterator in value

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
    const { dispatcher, sync } = yield* makeDispatcher(config, options)
    // Other origins: a plain agent, with the system's CAs and no client certificate.
    const plain = yield* Effect.acquireRelease(
      Effect.sync(() => new Agent()),
      (agent) => Effect.promise(() => agent.destroy())
    )
    const undici = NodeHttpClient.makeUndici(dispatcher)
    const compress =
      !config.cluster.disableCompression && (options.compression ?? !isLoopback(config.cluster.server))
    const transport = compress
      ? HttpClient.mapRequest(undici, (request) =>
          request.headers["accept-encoding"] === undefined
            ? HttpClientRequest.setHeader(request, "accept-encoding", "gzip")
            : request
        )
      : undici
    // The credentials are read once per request, by KubeHttpClient; the agent follows them (their
    // Authorization header and client certificate).
    const http = yield* KubeHttpClient.make(
      compress ? HttpClient.transformResponse(transport, Effect.flatMap(gunzip)) : transport,
      config,
      {
        ...options,
        onCredentials: sync,
        authorization: "transport",
        otherOrigins: options.otherOrigins ?? NodeHttpClient.makeUndici(plain)
      }
    )
    return { http, webSocket: makeWebSocket(config, options, dispatcher, sync) }
  })

type Item =
  | { readonly _tag: "data"; readonly data: Uint8Array }
  | { readonly _tag: "error"; readonly error: KubeWebSocket.WebSocketError }
  | { readonly _tag: "end" }

const makeWebSocket = (
  config: ResolvedConfig,
  options: Options,
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
      return {
        protocol: ws.protocol,
        messages,
        send: (data: Uint8Array) =>
          Effect.try({ try: () => ws.send(data), catch: (cause) => fail("Send", String(cause), cause) })
      }
    })
})

const NULL_BODY: ReadonlySet<number> = new Set([204, 205, 304])

/** A gzip-encoded response (the apiserver compresses large bodies when asked) as plain bytes. */
const gunzip = (
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<HttpClientResponse.HttpClientResponse> => {
  const encoding = response.headers["content-encoding"]?.toLowerCase()
  if (encoding !== "gzip" && encoding !== "deflate") return Effect.succeed(response)
  // A status without a body (1xx, 204, 205, 304), or one a web Response cannot hold, has nothing
  // to inflate: left as it is (the Response constructor would throw on it).
  if (response.status < 200 || response.status > 599 || NULL_BODY.has(response.status)) {
    return Effect.succeed(response)
  }
  return Effect.map(NodeStream.toReadable(response.stream), (compressed) => {
    const headers = new Headers()
    for (const [name, value] of Object.entries(response.headers)) {
      if (name !== "content-encoding" && name !== "content-length") headers.set(name, value)
    }
    const inflate = encoding === "gzip" ? Zlib.createGunzip() : Zlib.createInflate()
    const plain = NodeStream.fromReadable<Error, Uint8Array>(
      // `pipeline`, not `pipe`: a body that breaks (reset, bad chunking) fails the inflated stream
      // too, instead of leaving it open for ever and the error unhandled.
      () => Stream_.pipeline(compressed, inflate, () => {}),
      (cause) => (cause instanceof Error ? cause : new Error(String(cause)))
    )
    return HttpClientResponse.fromWeb(
      response.request,
      new Response(Stream.toReadableStream(plain), { status: response.status, headers })
    )
  })
}

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
