/**
 * The idle limit a caller asks of the bodies of the answers it gets (a watch: a connection that
 * sends nothing for that long is dead), for transports that can enforce it themselves.
 *
 * A transport that can (the Node one: undici's body timeout, one timer per connection, which does
 * not run while the reader is behind) enforces it, marks the request `enforced`, and fails the body
 * with a `ResponseError` whose cause is a `TimeoutException` once nothing came for that long. A
 * caller whose request was not marked keeps its own timer.
 *
 * @since 0.1.0
 */
import { Cause, Context, Duration, Option } from "effect"

/**
 * What a caller asks: the limit, and whether the transport took it on (set by the transport).
 *
 * @since 0.1.0
 * @category models
 */
export interface Request {
  readonly idle: Duration.Duration
  enforced: boolean
}

/**
 * The idle limit asked of the answers to the requests made in its scope; none by default.
 *
 * @example
 * ```ts
 * import { HttpClient } from "@effect/platform"
 * import { Duration, Effect, Option } from "effect"
 * import { BodyIdleTimeout } from "effect-kube"
 *
 * const asked: BodyIdleTimeout.Request = { idle: Duration.seconds(30), enforced: false }
 * const response = Effect.flatMap(HttpClient.HttpClient, (http) => http.get("/api/v1/pods?watch=true")).pipe(
 *   Effect.provideService(BodyIdleTimeout.BodyIdleTimeout, Option.some(asked))
 * )
 * // Then: asked.enforced says whether the transport watches the body, or the caller must.
 * ```
 *
 * @since 0.1.0
 * @category context
 */
export class BodyIdleTimeout extends Context.Reference<BodyIdleTimeout>()("effect-kube/BodyIdleTimeout", {
  defaultValue: (): Option.Option<Request> => Option.none()
}) {}

/**
 * The cause a transport gives the body's failure when the limit is reached.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { BodyIdleTimeout } from "effect-kube"
 *
 * const cause = BodyIdleTimeout.timeoutCause(Duration.seconds(30)) // "no data within 30s"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const timeoutCause = (idle: Duration.Duration): Cause.TimeoutException =>
  new Cause.TimeoutException(`no data within ${Duration.format(idle)}`)
