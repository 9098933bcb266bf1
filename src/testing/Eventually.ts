/**
 * Assertions that hold eventually: a watch, a reflector or a controller reacts to a change a moment
 * after it, on the live clock. `eventually` runs an effect again until it succeeds (failures and
 * defects, e.g. a failed `expect`, are retried), up to a deadline, then fails with its last failure.
 *
 * @since 0.1.0
 */
import { Cause, type Duration, Effect, Schedule } from "effect"
import { dual } from "effect/Function"

/**
 * Options of {@link eventually}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How long to try. Default: 5 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
  /** The pause between tries. Default: 10 milliseconds. */
  readonly interval?: Duration.DurationInput | undefined
}

/**
 * Runs `self` until it succeeds, at most for `timeout`; its last failure (or defect) otherwise.
 * Interruption is not retried. Needs the live clock (`it.live`/`it.scopedLive` in
 * `@effect/vitest`): under a `TestClock` the pauses never end.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 * import { Eventually } from "effect-kube/testing"
 *
 * // Waits (up to 2 s) until a controller has made the ConfigMap.
 * const made = Eventually.eventually(Client.get(ConfigMap, "mirror", { namespace: "target" }), { timeout: "2 seconds" })
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const eventually: {
  (options?: Options): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, options?: Options): Effect.Effect<A, E, R>
} = dual(
  (args) => Effect.isEffect(args[0]),
  <A, E, R>(self: Effect.Effect<A, E, R>, options: Options = {}): Effect.Effect<A, E, R> =>
    Effect.sandbox(self).pipe(
      Effect.retry({
        schedule: Schedule.spaced(options.interval ?? "10 millis").pipe(
          Schedule.upTo(options.timeout ?? "5 seconds")
        ),
        // An interrupted try is not a failure to retry.
        while: (cause) => !Cause.isInterruptedOnly(cause)
      }),
      Effect.unsandbox
    )
)
