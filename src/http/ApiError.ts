/**
 * `ApiError`: the apiserver answered with an error. It carries the server's `Status` (code,
 * reason, message, details and causes) and the request's method and URL; `reason` is typed so
 * that callers can match on it.
 *
 * @since 0.1.0
 */
import type { HttpClientResponse } from "@effect/platform"
import { Data, Effect, Either, Schema } from "effect"
import { isRecord } from "../internal/json.js"
import { type Status, Status as StatusSchema } from "../models/meta/v1.js"

/**
 * The reasons of the Kubernetes API's `Status` (`metav1.StatusReason`), `Unknown` for any other.
 *
 * @since 0.1.0
 * @category models
 */
export type StatusReason =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Gone"
  | "Invalid"
  | "ServerTimeout"
  | "Timeout"
  | "TooManyRequests"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "RequestEntityTooLarge"
  | "UnsupportedMediaType"
  | "InternalError"
  | "Expired"
  | "ServiceUnavailable"
  | "Unknown"

const REASONS: ReadonlySet<string> = new Set<StatusReason>([
  "BadRequest",
  "Unauthorized",
  "Forbidden",
  "NotFound",
  "AlreadyExists",
  "Conflict",
  "Gone",
  "Invalid",
  "ServerTimeout",
  "Timeout",
  "TooManyRequests",
  "MethodNotAllowed",
  "NotAcceptable",
  "RequestEntityTooLarge",
  "UnsupportedMediaType",
  "InternalError",
  "Expired",
  "ServiceUnavailable",
  "Unknown"
])

const isReason = (s: string): s is StatusReason => REASONS.has(s)

const BY_CODE: Record<number, StatusReason> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Gone",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout"
}

/**
 * The apiserver answered with an error.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { ApiError } from "effect-kube"
 *
 * declare const program: Effect.Effect<string, ApiError.ApiError>
 * const orDefault = program.pipe(
 *   Effect.catchIf((e) => e.reason === "NotFound", () => Effect.succeed("absent"))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ApiError extends Data.TaggedError("ApiError")<{
  /** The server's Status (synthesized from the HTTP answer when the body was not one). */
  readonly status: Status
  readonly method: string
  readonly url: string
}> {
  /** The HTTP status code. */
  get code(): number {
    return this.status.code ?? 0
  }
  /** The Status reason, typed; `Unknown` where the server gave none we know. */
  get reason(): StatusReason {
    const reason = this.status.reason
    if (reason !== undefined && isReason(reason)) return reason
    return BY_CODE[this.code] ?? "Unknown"
  }
  /** The field causes of an `Invalid` answer (field path and message). */
  get causes(): ReadonlyArray<{
    readonly field?: string | undefined
    readonly message?: string | undefined
    readonly reason?: string | undefined
  }> {
    return this.status.details?.causes ?? []
  }
  /**
   * The field managers a server-side apply conflicts with (from a 409 answer's causes), and the
   * fields in conflict.
   */
  get conflicts(): ReadonlyArray<{ readonly manager: string; readonly field: string }> {
    if (this.code !== 409) return []
    const out: Array<{ readonly manager: string; readonly field: string }> = []
    for (const cause of this.causes) {
      const match = /conflict with "([^"]+)"/.exec(cause.message ?? "")
      if (match?.[1] !== undefined) out.push({ manager: match[1], field: cause.field ?? "" })
    }
    return out
  }
  /** The server's `Retry-After` in seconds (429, 503), when it gave one. */
  get retryAfterSeconds(): number | undefined {
    return this.status.details?.retryAfterSeconds
  }
  override get message(): string {
    return `${this.method} ${this.url}: ${this.code} ${this.reason}: ${this.status.message ?? "(no message)"}`
  }
}

const MAX_BODY = 4096

/**
 * The `Status` of an answer body, or one made from the HTTP status and the body's text.
 *
 * @example
 * ```ts
 * import { ApiError } from "effect-kube"
 *
 * ApiError.statusFromBody(404, '{"kind":"Status","code":404,"reason":"NotFound","message":"pods \\"x\\" not found"}')
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const statusFromBody = (code: number, body: string): Status => {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    parsed = undefined
  }
  if (isRecord(parsed) && parsed.kind === "Status") {
    // The server's Status, decoded with the generated Schema (apiVersion may be left out by proxies);
    // one that does not match it is read field by field, a field of the wrong type ignored (as
    // Kubernetes asks of clients), so that its reason, message and details are not lost.
    const decoded = decodeStatus({ apiVersion: "v1", ...parsed })
    const status: Status = Either.isRight(decoded) ? decoded.right : leniently(parsed)
    const { reason, ...rest } = status
    return {
      ...rest,
      code: status.code ?? code,
      ...(reason !== undefined && reason !== "" ? { reason } : {})
    }
  }
  const text = body.length > MAX_BODY ? `${body.slice(0, MAX_BODY)}...` : body
  return {
    apiVersion: "v1",
    kind: "Status",
    status: "Failure",
    code,
    ...(BY_CODE[code] !== undefined ? { reason: BY_CODE[code] } : {}),
    message: text.trim() === "" ? `HTTP ${code}` : text.trim()
  }
}

const decodeStatus = Schema.decodeUnknownEither(StatusSchema)

const leniently = (parsed: { readonly [key: string]: unknown }): Status => {
  const details = isRecord(parsed.details) ? parsed.details : undefined
  return {
    apiVersion: "v1",
    kind: "Status",
    ...(typeof parsed.code === "number" ? { code: parsed.code } : {}),
    ...(typeof parsed.status === "string" ? { status: parsed.status } : {}),
    ...(typeof parsed.reason === "string" ? { reason: parsed.reason } : {}),
    ...(typeof parsed.message === "string" ? { message: parsed.message } : {}),
    ...(details !== undefined ? { details: statusDetails(details) } : {})
  }
}

const str = (u: unknown): u is string => typeof u === "string"

const statusDetails = (d: { readonly [key: string]: unknown }): NonNullable<Status["details"]> => ({
  ...(str(d.name) ? { name: d.name } : {}),
  ...(str(d.group) ? { group: d.group } : {}),
  ...(str(d.kind) ? { kind: d.kind } : {}),
  ...(str(d.uid) ? { uid: d.uid } : {}),
  ...(typeof d.retryAfterSeconds === "number" ? { retryAfterSeconds: d.retryAfterSeconds } : {}),
  ...(Array.isArray(d.causes)
    ? {
        causes: d.causes.filter(isRecord).map((c) => ({
          ...(str(c.field) ? { field: c.field } : {}),
          ...(str(c.message) ? { message: c.message } : {}),
          ...(str(c.reason) ? { reason: c.reason } : {})
        }))
      }
    : {})
})

/**
 * Reads an error answer into an `ApiError` (reading the body never fails: an unreadable body gives
 * a Status made from the HTTP code).
 *
 * @example
 * ```ts
 * import { HttpClient } from "@effect/platform"
 * import { Effect } from "effect"
 * import { ApiError } from "effect-kube"
 *
 * const program = Effect.flatMap(HttpClient.HttpClient, (http) => http.get("/api/v1/namespaces/x")).pipe(
 *   Effect.flatMap((r) => (r.status >= 400 ? ApiError.fromResponse(r) : Effect.succeed(r)))
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromResponse = (
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<never, ApiError> =>
  response.text.pipe(
    Effect.orElseSucceed(() => ""),
    Effect.flatMap((body) =>
      Effect.fail(
        new ApiError({
          status: statusFromBody(response.status, body),
          method: response.request.method,
          url: response.request.url
        })
      )
    )
  )
