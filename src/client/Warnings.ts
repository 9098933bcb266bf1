/**
 * The apiserver's `Warning` headers (deprecated APIs, unknown fields with `fieldValidation: "Warn"`,
 * admission warnings): every warning is logged at Warning level with the request it answered, and
 * {@link collect} gives those of the requests an effect made, e.g. to show them as kubectl does.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type * as internal from "./internal/warnings.js"
import { collector, parseHeader } from "./internal/warnings.js"

/**
 * A warning of the server: its code (299: a miscellaneous persistent warning), its agent, its text,
 * and the request it answered.
 *
 * @since 0.1.0
 * @category models
 */
export interface Warning extends internal.Warning {}

/**
 * The warnings of a `Warning` header's value (several may be joined by commas).
 *
 * @example
 * ```ts
 * import { Warnings } from "effect-kube"
 *
 * Warnings.parse('299 - "unknown field \\"spec.foo\\""')
 * // [{ code: 299, agent: "-", text: 'unknown field "spec.foo"' }]
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse: (
  header: string
) => ReadonlyArray<{ readonly code: number; readonly agent: string; readonly text: string }> = parseHeader

/**
 * Runs `effect` and gives its result with the warnings the server sent to the requests it made
 * (in order), fibers it forked included.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client, Warnings } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * declare const object: ConfigMap
 * const program = Effect.gen(function* () {
 *   const [created, warnings] = yield* Warnings.collect(Client.create(ConfigMap, object, { fieldValidation: "Warn" }))
 *   for (const w of warnings) yield* Effect.log(`Warning: ${w.text}`)
 *   return created
 * })
 * ```
 *
 * @since 0.1.0
 * @category collecting
 */
export const collect = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<readonly [A, ReadonlyArray<Warning>], E, R> =>
  Effect.suspend(() => {
    const warnings: Array<Warning> = []
    return Effect.map(Effect.locally(effect, collector, warnings), (a) => [a, warnings] as const)
  })
