/**
 * Client-wide defaults of the verbs: the namespace, the field manager of writes, dry runs. A
 * `Context.Reference`: every program has them (empty by default, the namespace then comes from the
 * `KubeConfig`), and any scope can lay its own over them: a layer for a whole application, or
 * {@link locally} for one part of a program.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Stream } from "effect"
import { dual } from "effect/Function"

/**
 * The defaults. Unset fields fall through: the namespace to the `KubeConfig`'s (its context's, else
 * `default`), the field manager to none (server-side apply then refuses to run), dry run to off.
 *
 * @since 0.1.0
 * @category models
 */
export interface Defaults {
  readonly namespace?: string | undefined
  readonly fieldManager?: string | undefined
  readonly dryRun?: boolean | undefined
}

/**
 * The defaults in effect (a `Context.Reference`: `yield* ClientDefaults.ClientDefaults` reads them,
 * `{}` unless a scope set some).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ClientDefaults } from "effect-kube"
 *
 * const manager = Effect.map(ClientDefaults.ClientDefaults, (d) => d.fieldManager ?? "(none)")
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class ClientDefaults extends Context.Reference<ClientDefaults>()("effect-kube/ClientDefaults", {
  defaultValue: (): Defaults => ({})
}) {}

/**
 * Lays defaults over others: the fields `inner` sets win, the others stay `outer`'s.
 *
 * @example
 * ```ts
 * import { ClientDefaults } from "effect-kube"
 *
 * ClientDefaults.merge({ namespace: "apps", fieldManager: "a" }, { fieldManager: "b" })
 * // { namespace: "apps", fieldManager: "b" }
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const merge = (outer: Defaults, inner: Defaults): Defaults => ({
  ...outer,
  ...(inner.namespace !== undefined ? { namespace: inner.namespace } : {}),
  ...(inner.fieldManager !== undefined ? { fieldManager: inner.fieldManager } : {}),
  ...(inner.dryRun !== undefined ? { dryRun: inner.dryRun } : {})
})

/**
 * A layer of defaults for a whole program. It lays its fields over the defaults in effect where it is
 * built: to lay one layer of defaults over another, provide one to the other
 * (`Layer.provideMerge`); two merged side by side (`Layer.merge`) do not see each other, the last wins.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { ClientDefaults } from "effect-kube"
 * import { NodeKube } from "effect-kube/node"
 *
 * const Live = Layer.merge(NodeKube.layer(), ClientDefaults.layer({ namespace: "apps", fieldManager: "my-operator" }))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (defaults: Defaults): Layer.Layer<ClientDefaults> =>
  Layer.effect(
    ClientDefaults,
    Effect.map(ClientDefaults, (outer) => merge(outer, defaults))
  )

/**
 * Runs an effect with these defaults laid over the ones in effect (fields left unset keep theirs).
 *
 * @example
 * ```ts
 * import { Client, ClientDefaults } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const inStaging = Client.get(ConfigMap, "settings").pipe(ClientDefaults.locally({ namespace: "staging" }))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const locally: {
  (defaults: Defaults): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, defaults: Defaults): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, defaults: Defaults): Effect.Effect<A, E, R> =>
    Effect.flatMap(ClientDefaults, (outer) =>
      Effect.provideService(self, ClientDefaults, merge(outer, defaults))
    )
)

/**
 * {@link locally} for a `Stream` (a list, a watch, a log): the defaults apply to the whole stream.
 *
 * @example
 * ```ts
 * import { Client, ClientDefaults } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const staging = Client.list(ConfigMap).pipe(ClientDefaults.locallyStream({ namespace: "staging" }))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const locallyStream: {
  (defaults: Defaults): <A, E, R>(self: Stream.Stream<A, E, R>) => Stream.Stream<A, E, R>
  <A, E, R>(self: Stream.Stream<A, E, R>, defaults: Defaults): Stream.Stream<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Stream.Stream<A, E, R>, defaults: Defaults): Stream.Stream<A, E, R> =>
    Stream.unwrap(
      Effect.map(ClientDefaults, (outer) =>
        Stream.provideService(self, ClientDefaults, merge(outer, defaults))
      )
    )
)
