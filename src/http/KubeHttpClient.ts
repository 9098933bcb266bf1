/**
 * Turns any `HttpClient` into one that talks to the cluster of the `KubeConfig`: base URL,
 * credentials (refreshed after a 401), impersonation, `Accept`/`User-Agent`, a response timeout,
 * retries on 429/503/504 and connection failures (honouring `Retry-After`) and an optional
 * client-side rate limit. TLS is the underlying transport's job: see `effect-kube/node`.
 *
 * All of that applies only to the cluster: to requests with a path (`/api/v1/...`) and to absolute
 * URLs on the origin (scheme, host and port) of the cluster's server. Any other absolute URL goes
 * to a plain transport as it is: no credentials, no impersonation, no retries, no rate limit.
 * No request object that reaches the caller (in a response or an error) holds the credentials.
 *
 * @since 0.1.0
 */
import {
  type Cookies,
  type Headers,
  HttpClient,
  HttpClientError,
  HttpClientRequest,
  HttpClientResponse,
  HttpIncomingMessage,
  type UrlParams
} from "@effect/platform"
import {
  Cause,
  Clock,
  Duration,
  Effect,
  Inspectable,
  Layer,
  Metric,
  Option,
  RateLimiter,
  Schedule,
  ScheduleDecision,
  ScheduleIntervals,
  type Scope,
  Stream
} from "effect"
import type { KubeConfigError } from "../config/ConfigError.js"
import {
  type Credentials,
  type Impersonation,
  KubeConfig,
  type ResolvedConfig
} from "../config/KubeConfig.js"
import { causeChain } from "../internal/causes.js"
import { originOf } from "../internal/urls.js"
import * as InternalHeaders from "./internal/headers.js"
import * as metricKeys from "./internal/metricKeys.js"
import { DEFAULT_TIMEOUT, noResponseWithin } from "./internal/timeouts.js"
import * as Metrics from "./Metrics.js"

/**
 * Options of the Kubernetes transport (lightkube's client options, as layer options).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * How long to wait for the response headers of a request. Default: 10 seconds (as lightkube).
   * Streaming bodies (watch, follow) are not cut by it: they get idle detection in the verbs.
   * `Duration.infinity` disables it.
   */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * When to retry a request answered 429, 503 or 504, or that failed to connect (503, 504 and
   * connection failures only for idempotent methods). A `Retry-After` header lengthens the delay.
   * Default: {@link defaultRetrySchedule}. `Schedule.stop` disables retries.
   */
  readonly retrySchedule?: Schedule.Schedule<unknown, unknown> | undefined
  /** Client-side rate limit as client-go's QPS/burst token bucket. Default: none. */
  readonly rateLimit?: { readonly qps: number; readonly burst: number } | undefined
  /** Default: `effect-kube/<version>`. */
  readonly userAgent?: string | undefined
  /**
   * Called with the credentials of each request before it is sent (a transport that must follow
   * them, such as the Node one with client certificates from exec plugins, hooks in here; it is
   * called for every request, so it should return at once when they did not change). A failure
   * fails the request as a credentials failure.
   */
  readonly onCredentials?: ((credentials: Credentials) => Effect.Effect<void, KubeConfigError>) | undefined
  /**
   * Who writes the `Authorization` header. `"request"` (the default): it is set on the request
   * handed to the transport, and the transport's responses and errors are given back holding the
   * request without it. `"transport"`: the transport adds it (and the impersonation headers) itself
   * from the credentials passed to `onCredentials` (the Node transport does, when it dispatches), so
   * no request object holds it.
   */
  readonly authorization?: "request" | "transport" | undefined
  /**
   * Who enforces `timeout`. `"client"` (the default): a timer per request here. `"transport"`: the
   * transport bounds the wait for the response headers itself, and fails with the same error (a
   * `RequestError` whose cause is a `TimeoutException`, "no response within ..."); the Node
   * transport does, with undici's own timer, which costs a request less than an Effect timeout.
   */
  readonly timeoutBy?: "client" | "transport" | undefined
  /**
   * The client for absolute URLs on other origins than the cluster's server. Default: the
   * transport, untouched (the Node transport gives a plain connection pool with the system's CAs).
   */
  readonly otherOrigins?: HttpClient.HttpClient | undefined
}

/**
 * The default retry policy: exponential from 200 ms with jitter, each delay capped at 10 s, at most
 * 5 retries.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import { KubeHttpClient } from "effect-kube"
 *
 * // Fewer, slower retries than the default:
 * const options: KubeHttpClient.Options = {
 *   retrySchedule: Schedule.spaced("2 seconds").pipe(Schedule.intersect(Schedule.recurs(2)))
 * }
 * const unchanged = KubeHttpClient.defaultRetrySchedule
 * ```
 *
 * @since 0.1.0
 * @category retries
 */
export const defaultRetrySchedule: Schedule.Schedule<unknown, unknown> = Schedule.exponential(
  "200 millis",
  2
).pipe(
  Schedule.jittered,
  Schedule.modifyDelay((_, delay) => Duration.min(delay, Duration.seconds(10))),
  Schedule.intersect(Schedule.recurs(5))
)

/**
 * The version of this client, sent in the default user agent.
 *
 * @example
 * ```ts
 * import { KubeHttpClient } from "effect-kube"
 *
 * console.log(`effect-kube/${KubeHttpClient.VERSION}`)
 * ```
 *
 * @since 0.1.0
 * @category constants
 */
export const VERSION = "0.1.0"

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"])

/** A response the server asked us to retry; carries it so the last one can be returned. */
class RetryableStatus {
  readonly _tag = "RetryableStatus"
  constructor(
    readonly response: HttpClientResponse.HttpClientResponse,
    readonly retryAfter: Option.Option<Duration.Duration>
  ) {}
}

const parseRetryAfter = (value: string | undefined): Option.Option<Duration.Duration> => {
  if (value === undefined) return Option.none()
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return Option.some(Duration.seconds(Math.min(seconds, 60)))
  const date = Date.parse(value)
  if (Number.isNaN(date)) return Option.none()
  return Option.some(Duration.millis(Math.min(Math.max(0, date - Date.now()), 60_000)))
}

/**
 * Whether a transport failure came from the configuration (credentials), not the network.
 *
 * @example
 * ```ts
 * import { HttpClient } from "@effect/platform"
 * import { Effect } from "effect"
 * import { KubeHttpClient } from "effect-kube"
 *
 * const program = Effect.flatMap(HttpClient.HttpClient, (http) => http.get("/version")).pipe(
 *   Effect.tapError((e) => Effect.log(KubeHttpClient.isConfigFailure(e) ? "fix your kubeconfig" : "network"))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export const isConfigFailure = (error: HttpClientError.HttpClientError): boolean =>
  error._tag === "RequestError" &&
  typeof error.cause === "object" &&
  error.cause !== null &&
  "_tag" in error.cause &&
  (error.cause._tag === "ConfigError" || error.cause._tag === "ExecPluginError")

const RETRYABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  // A connection that went silent and was torn down by its health check (the Node transport's HTTP/2 PINGs).
  "ERR_HTTP2_PING_TIMEOUT"
])

/** The errors of a cause chain (at most 5 deep) that carry a string `code`, outermost first. */
const codedCauses = (cause: unknown): Array<{ readonly code: string; readonly error: object }> =>
  causeChain(cause).flatMap((error) =>
    "code" in error && typeof error.code === "string" ? [{ code: error.code, error }] : []
  )

/** Node's codes of a certificate that does not verify (unknown authority, expired, wrong name). */
const TLS_VERIFICATION = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME_INVALID/

/**
 * Whether a transport failure is a TLS verification failure: the server's certificate has an
 * unknown authority, has expired, or names another host.
 *
 * @example
 * ```ts
 * import { HttpClient } from "@effect/platform"
 * import { Effect } from "effect"
 * import { KubeHttpClient } from "effect-kube"
 *
 * const program = Effect.flatMap(HttpClient.HttpClient, (http) => http.get("/version")).pipe(
 *   Effect.tapError((e) => Effect.log(KubeHttpClient.isTlsVerificationFailure(e) ? "check the CA" : "other"))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export const isTlsVerificationFailure = (error: HttpClientError.HttpClientError): boolean =>
  error._tag === "RequestError" && codedCauses(error.cause).some(({ code }) => TLS_VERIFICATION.test(code))

/**
 * Whether a transport failure is worth retrying: a refused, reset or dropped connection. A TLS
 * verification failure, a timeout or a credentials failure is not.
 *
 * @example
 * ```ts
 * import { HttpClient } from "@effect/platform"
 * import { Effect } from "effect"
 * import { KubeHttpClient } from "effect-kube"
 *
 * const program = Effect.flatMap(HttpClient.HttpClient, (http) => http.post("/api/v1/namespaces")).pipe(
 *   Effect.retry({ times: 3, while: KubeHttpClient.isRetryableTransportError })
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export const isRetryableTransportError = (error: HttpClientError.HttpClientError): boolean =>
  error._tag === "RequestError" &&
  error.reason === "Transport" &&
  !Cause.isTimeoutException(error.cause) &&
  !isConfigFailure(error) &&
  codedCauses(error.cause).some(({ code }) => RETRYABLE_CODES.has(code))

/**
 * The impersonation headers of a configuration, one entry per header line (groups and extra
 * values repeat the header, as the apiserver expects).
 *
 * @example
 * ```ts
 * import { KubeHttpClient } from "effect-kube"
 *
 * KubeHttpClient.impersonationHeaders({ user: "jane", groups: ["a", "b"], extra: {} })
 * // [["impersonate-user", "jane"], ["impersonate-group", "a"], ["impersonate-group", "b"]]
 * ```
 *
 * @since 0.1.0
 * @category headers
 */
export const impersonationHeaders: (imp: Impersonation) => ReadonlyArray<readonly [string, string]> =
  InternalHeaders.impersonationHeaders

const authorize = (request: HttpClientRequest.HttpClientRequest, creds: Credentials) => {
  const authorization = InternalHeaders.authorizationHeader(creds)
  return authorization === undefined
    ? request
    : HttpClientRequest.setHeader(request, "authorization", authorization)
}

const withImpersonation = (request: HttpClientRequest.HttpClientRequest, imp: Impersonation | undefined) => {
  if (imp === undefined) return request
  // A Headers record holds one value per name: repeated names are joined with ", " here (the Node
  // transport, which adds them itself, sends them as separate header lines).
  let out = request
  for (const [name, values] of InternalHeaders.groupedImpersonation(imp)) {
    out = HttpClientRequest.setHeader(out, name, values.join(", "))
  }
  return out
}

const SCHEME = /^[a-zA-Z][a-zA-Z\d+.-]*:/

/**
 * Whether a request URL is for the cluster of `server`: a path (anything without a scheme, which
 * is put under the server), or an absolute URL on the same origin (scheme, host and port).
 *
 * @example
 * ```ts
 * import { KubeHttpClient } from "effect-kube"
 *
 * KubeHttpClient.isClusterUrl("https://k8s.example:6443", "/api/v1/pods") // true
 * KubeHttpClient.isClusterUrl("https://k8s.example:6443", "https://k8s.example:6443/version") // true
 * KubeHttpClient.isClusterUrl("https://k8s.example:6443", "https://k8s.example/version") // false
 * ```
 *
 * @since 0.1.0
 * @category origins
 */
export const isClusterUrl = (server: string, url: string): boolean => onOrigin(originOf(server), url)

/** Whether `url` is a path, or an absolute URL on `origin` (the server's, parsed once). */
const onOrigin = (origin: string | undefined, url: string): boolean => {
  if (!SCHEME.test(url)) return true
  return origin !== undefined && originOf(url) === origin
}

/** A path under the server: whatever the path starts with, the server's host ends the authority. */
const underServer = (server: string, path: string): string =>
  `${server.replace(/\/+$/, "")}${path.startsWith("/") ? "" : "/"}${path}`

const TRANSPORT_REASONS: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    "TLS: the server's certificate is signed by an unknown authority (check the cluster's certificate-authority)",
  UNABLE_TO_GET_ISSUER_CERT:
    "TLS: the server's certificate is signed by an unknown authority (check the cluster's certificate-authority)",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    "TLS: the server's certificate is signed by an unknown authority (check the cluster's certificate-authority)",
  SELF_SIGNED_CERT_IN_CHAIN:
    "TLS: the server's certificate is signed by an unknown authority (check the cluster's certificate-authority)",
  DEPTH_ZERO_SELF_SIGNED_CERT:
    "TLS: the server's certificate is self-signed and not trusted (check the cluster's certificate-authority)",
  CERT_HAS_EXPIRED: "TLS: the server's certificate has expired",
  CERT_NOT_YET_VALID: "TLS: the server's certificate is not yet valid (check the clocks)",
  ERR_TLS_CERT_ALTNAME_INVALID:
    "TLS: the server's certificate is not valid for the host name (check the server URL or tls-server-name)",
  CERT_SIGNATURE_FAILURE: "TLS: the server's certificate has an invalid signature",
  CERT_REVOKED: "TLS: the server's certificate is revoked",
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: "TLS: the server requires a client certificate",
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: "TLS: the server refused the client certificate",
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: "TLS: the server does not know the client certificate's authority",
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by the server",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name lookup failed (temporary)",
  ETIMEDOUT: "connection timed out",
  ENETUNREACH: "network unreachable",
  EHOSTUNREACH: "host unreachable",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_SOCKET: "the connection broke",
  UND_ERR_CLOSED: "the connection was closed",
  ERR_HTTP2_PING_TIMEOUT: "the connection went silent (no answer to HTTP/2 PINGs) and was closed"
}

/** The first error of a cause chain with a code we can explain, with that explanation. */
const explain = (cause: unknown): string | undefined => {
  for (const { code, error } of codedCauses(cause)) {
    const reason = TRANSPORT_REASONS[code]
    if (reason !== undefined) {
      const detail = error instanceof Error && error.message !== "" ? `: ${error.message}` : ""
      return `${reason}${detail} [${code}]`
    }
  }
  return undefined
}

/**
 * Gives a transport failure a description that says why (an unknown certificate authority, a
 * certificate for another host name, an expired certificate, a refused connection, ...).
 *
 * @example
 * ```ts
 * import { HttpClientError, HttpClientRequest } from "@effect/platform"
 * import { KubeHttpClient } from "effect-kube"
 *
 * const error = new HttpClientError.RequestError({
 *   request: HttpClientRequest.get("https://k8s.example:6443/version"),
 *   reason: "Transport",
 *   cause: Object.assign(new Error("certificate has expired"), { code: "CERT_HAS_EXPIRED" })
 * })
 * KubeHttpClient.describeTransportError(error).message
 * // "Transport: TLS: the server's certificate has expired: certificate has expired [CERT_HAS_EXPIRED] (GET https://k8s.example:6443/version)"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export const describeTransportError = (
  error: HttpClientError.HttpClientError
): HttpClientError.HttpClientError => {
  if (error._tag !== "RequestError" || error.reason !== "Transport" || error.description !== undefined)
    return error
  const description = explain(error.cause)
  return description === undefined
    ? error
    : new HttpClientError.RequestError({
        request: error.request,
        reason: error.reason,
        cause: error.cause,
        description
      })
}

/**
 * A response given back with another request (the one without credentials): it reads through
 * the transport's response, and its failures hold the same request.
 */
class WithRequest extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly #source: HttpClientResponse.HttpClientResponse

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    source: HttpClientResponse.HttpClientResponse
  ) {
    super()
    this.#source = source
  }

  #rebase = (error: HttpClientError.ResponseError): HttpClientError.ResponseError =>
    new HttpClientError.ResponseError({
      request: this.request,
      response: this,
      reason: error.reason,
      cause: error.cause,
      ...(error.description !== undefined ? { description: error.description } : {})
    })

  get status(): number {
    return this.#source.status
  }
  get headers(): Headers.Headers {
    return this.#source.headers
  }
  get cookies(): Cookies.Cookies {
    return this.#source.cookies
  }
  get remoteAddress(): Option.Option<string> {
    return this.#source.remoteAddress
  }
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.mapError(this.#source.stream, this.#rebase)
  }
  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.mapError(this.#source.json, this.#rebase)
  }
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.mapError(this.#source.text, this.#rebase)
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.mapError(this.#source.urlParamsBody, this.#rebase)
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.mapError(this.#source.arrayBuffer, this.#rebase)
  }
  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.mapError(this.#source.formData, this.#rebase)
  }
  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }
}

/** The transport's failure, holding `request` (the one without credentials) instead of its own. */
const withRequest =
  (request: HttpClientRequest.HttpClientRequest) =>
  (error: HttpClientError.HttpClientError): HttpClientError.HttpClientError =>
    error._tag === "RequestError"
      ? new HttpClientError.RequestError({
          request,
          reason: error.reason,
          cause: error.cause,
          ...(error.description !== undefined ? { description: error.description } : {})
        })
      : new HttpClientError.ResponseError({
          request,
          response: new WithRequest(request, error.response),
          reason: error.reason,
          cause: error.cause,
          ...(error.description !== undefined ? { description: error.description } : {})
        })

const credentialFailure = (request: HttpClientRequest.HttpClientRequest) => (error: KubeConfigError) =>
  new HttpClientError.RequestError({
    request,
    reason: "Transport",
    cause: error,
    description: `credentials: ${error.message}`
  })

/**
 * Wraps a transport `HttpClient` for the cluster of `config`. Requests with a path (`/api/v1/...`)
 * go to the cluster's server, and they and absolute URLs on the server's origin get the cluster
 * treatment; absolute URLs on other origins go to `options.otherOrigins` (by default the
 * transport) untouched.
 *
 * @example
 * ```ts
 * import { FetchHttpClient, HttpClient } from "@effect/platform"
 * import { Effect } from "effect"
 * import { KubeConfig, KubeHttpClient } from "effect-kube"
 *
 * const program = Effect.gen(function* () {
 *   const config = yield* KubeConfig.KubeConfig
 *   const transport = yield* HttpClient.HttpClient
 *   const client = yield* KubeHttpClient.make(transport, config, { timeout: "5 seconds" })
 *   return yield* client.get("/version")
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  transport: HttpClient.HttpClient,
  config: ResolvedConfig,
  options: Options = {}
): Effect.Effect<HttpClient.HttpClient, never, Scope.Scope> =>
  Effect.gen(function* () {
    const timeout = Duration.decode(options.timeout ?? DEFAULT_TIMEOUT)
    // Whether the wait for each response is bounded here (not by the transport, and not unbounded).
    const timedHere = Duration.isFinite(timeout) && options.timeoutBy !== "transport"
    const schedule = options.retrySchedule ?? defaultRetrySchedule
    const userAgent = options.userAgent ?? `effect-kube/${VERSION}`
    const limiter =
      options.rateLimit !== undefined && options.rateLimit.qps > 0
        ? Option.some(
            yield* RateLimiter.make({
              limit: Math.max(1, Math.floor(options.rateLimit.burst)),
              interval: Duration.millis(
                (Math.max(1, Math.floor(options.rateLimit.burst)) * 1000) / options.rateLimit.qps
              ),
              algorithm: "token-bucket"
            })
          )
        : Option.none()

    const server = config.cluster.server
    const serverOrigin = originOf(server)
    const otherOrigins = options.otherOrigins ?? transport
    const inTransport = options.authorization === "transport"

    const prepare = (request: HttpClientRequest.HttpClientRequest) => {
      let req = request
      if (!SCHEME.test(req.url)) req = HttpClientRequest.setUrl(req, underServer(server, req.url))
      // One copy of the request for both defaults (not one each).
      const accept = req.headers.accept === undefined
      const agent = req.headers["user-agent"] === undefined
      if (accept || agent) {
        req = HttpClientRequest.setHeaders(req, {
          ...(accept ? { accept: "application/json" } : {}),
          ...(agent ? { "user-agent": userAgent } : {})
        })
      }
      // In "transport" mode the transport adds the impersonation headers too (as separate lines).
      return inTransport ? req : withImpersonation(req, config.impersonate)
    }

    const timed = (
      request: HttpClientRequest.HttpClientRequest,
      send: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>
    ) =>
      timedHere
        ? send.pipe(
            Effect.timeoutFail({ duration: timeout, onTimeout: () => noResponseWithin(request, timeout) })
          )
        : send

    // The transport is told about the credentials of every request (see `onCredentials`): it may
    // have been told other ones meanwhile by another of its users (the Node WebSocket path).
    const onCredentials = options.onCredentials

    // A chain of few steps, not a generator: this runs once per request (an Effect step costs).
    // Its failures are mapped where they are caught (`execute`): credentials to a RequestError.
    const sendOnce = (
      request: HttpClientRequest.HttpClientRequest
    ): Effect.Effect<
      HttpClientResponse.HttpClientResponse,
      HttpClientError.HttpClientError | KubeConfigError
    > =>
      Effect.flatMap(config.credentials, (creds) =>
        onCredentials === undefined
          ? sendWith(request, creds)
          : Effect.flatMap(onCredentials(creds), () => sendWith(request, creds))
      )

    const sendWith = (
      request: HttpClientRequest.HttpClientRequest,
      creds: Credentials
    ): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> =>
      // Its transport failures are described where they are caught (`execute`), not here.
      timed(
        request,
        inTransport
          ? transport.execute(request)
          : Effect.map(
              // What the transport gives back holds the authorized request: swap in the plain one.
              Effect.mapError(transport.execute(authorize(request, creds)), withRequest(request)),
              (response) => new WithRequest(request, response)
            )
      )

    const discard = (response: HttpClientResponse.HttpClientResponse) =>
      Effect.ignore(Effect.timeout(response.arrayBuffer, Duration.seconds(5)))

    /** The answer with its body read into memory (an empty one if it cannot be read in 5 s). */
    const buffered = (response: HttpClientResponse.HttpClientResponse) =>
      Effect.map(
        Effect.orElseSucceed(
          Effect.timeout(response.arrayBuffer, Duration.seconds(5)),
          () => new ArrayBuffer(0)
        ),
        (body) => {
          const headers = new globalThis.Headers()
          for (const [name, value] of Object.entries(response.headers)) headers.set(name, value)
          return HttpClientResponse.fromWeb(
            response.request,
            new Response(body, { status: response.status, headers })
          )
        }
      )

    // A 401 with credentials that can change (token file, exec plugin): forget them and try once more.
    const refreshed = (
      request: HttpClientRequest.HttpClientRequest,
      response: HttpClientResponse.HttpClientResponse
    ) =>
      discard(response).pipe(
        Effect.zipRight(config.invalidateCredentials),
        Effect.zipRight(Metric.increment(Metrics.credentialRefreshes)),
        Effect.zipRight(
          Effect.logInfo(
            `${request.method} ${request.url}: 401 Unauthorized; credentials refreshed, sending again`
          )
        ),
        Effect.zipRight(sendOnce(request))
      )

    /** A failure as the caller and the retry policy see it: credentials' as a transport failure, described. */
    const described =
      (request: HttpClientRequest.HttpClientRequest) =>
      (
        failure: RetryableStatus | HttpClientError.HttpClientError | KubeConfigError
      ): RetryableStatus | HttpClientError.HttpClientError =>
        failure instanceof RetryableStatus
          ? failure
          : failure._tag === "ConfigError" || failure._tag === "ExecPluginError"
            ? credentialFailure(request)(failure)
            : describeTransportError(failure)

    const execute = (
      request: HttpClientRequest.HttpClientRequest
    ): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
      const idempotent = IDEMPOTENT.has(request.method)
      // An answer that will be retried is read at once (its body kept in memory for the caller
      // when retries run out): a body left paused while the connection ends crashed undici.
      const retryable = (
        response: HttpClientResponse.HttpClientResponse
      ): Effect.Effect<HttpClientResponse.HttpClientResponse, RetryableStatus> =>
        response.status === 429 || (idempotent && (response.status === 503 || response.status === 504))
          ? Effect.flatMap(buffered(response), (kept) =>
              Effect.fail(new RetryableStatus(kept, parseRetryAfter(response.headers["retry-after"])))
            )
          : Effect.succeed(response)
      // One step for the answer: a 401 to refresh after, a status to retry on, or the answer.
      const sent = Effect.flatMap(sendOnce(request), (response) =>
        response.status === 401 && config.refreshable
          ? Effect.flatMap(refreshed(request, response), retryable)
          : retryable(response)
      )
      const attempt = Option.isNone(limiter) ? sent : limiter.value(sent)
      // Built after a first failure only (see below).
      const observed = () => {
        const withDelay = schedule.pipe(
          Schedule.intersect(Schedule.identity<RetryableStatus | HttpClientError.HttpClientError>()),
          Schedule.modifyDelay(([, failure], delay) =>
            failure instanceof RetryableStatus && Option.isSome(failure.retryAfter)
              ? Duration.max(delay, failure.retryAfter.value)
              : delay
          )
        )
        return withDelay.pipe(
          Schedule.whileInput(
            (failure: RetryableStatus | HttpClientError.HttpClientError) =>
              failure instanceof RetryableStatus || (idempotent && isRetryableTransportError(failure))
          ),
          // Each retry is logged (with its cause and delay) and counted by reason.
          Schedule.onDecision(([, failure], decision) => {
            if (ScheduleDecision.isDone(decision)) return Effect.void
            const reason = failure instanceof RetryableStatus ? String(failure.response.status) : "transport"
            // A transport failure's message names the request already.
            const what =
              failure instanceof RetryableStatus
                ? `${request.method} ${request.url} answered ${failure.response.status}`
                : failure.message
            return Effect.flatMap(Clock.currentTimeMillis, (now) => {
              const delay = Duration.millis(
                Math.max(0, Math.round(ScheduleIntervals.start(decision.intervals) - now))
              )
              return Effect.zipRight(
                Metric.increment(metricKeys.counter(metricKeys.retries, [["reason", reason]])),
                Effect.logWarning(`${what}; retrying in ${Duration.format(delay)}`)
              )
            })
          })
        )
      }
      // The schedule is only driven after a first failure: an answer that comes at once (nearly
      // all of them) costs no schedule. The first failure is handed to it as the retry would.
      // Transport failures get their description here (one step on the failure path only).
      return Effect.catchAll(attempt, (failure) => {
        const describe = described(request)
        const first = describe(failure)
        const attemptDescribed = Effect.mapError(attempt, describe)
        let replayed = false
        const again = Effect.suspend(() => {
          if (replayed) return attemptDescribed
          replayed = true
          return Effect.fail(first)
        })
        return Effect.retry(again, observed()).pipe(
          // Retries exhausted on a status: the caller gets that last answer, Status body and all.
          Effect.catchIf(
            (failure): failure is RetryableStatus => failure instanceof RetryableStatus,
            (failure) => Effect.succeed(failure.response)
          )
        )
      })
    }

    return HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
      (requestEffect) =>
        Effect.flatMap(requestEffect, (request) =>
          onOrigin(serverOrigin, request.url) ? execute(prepare(request)) : otherOrigins.execute(request)
        ),
      Effect.succeed
    )
  })

/**
 * The cluster's `HttpClient` from the `KubeConfig` and a transport `HttpClient` (which it replaces).
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer } from "effect"
 * import { KubeConfig, KubeHttpClient } from "effect-kube"
 *
 * declare const config: Layer.Layer<KubeConfig.KubeConfig>
 * const http = KubeHttpClient.layer().pipe(Layer.provide([config, FetchHttpClient.layer]))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<HttpClient.HttpClient, never, HttpClient.HttpClient | KubeConfig> =>
  Layer.scoped(
    HttpClient.HttpClient,
    Effect.gen(function* () {
      const transport = yield* HttpClient.HttpClient
      const config = yield* KubeConfig
      return yield* make(transport, config, options)
    })
  )
