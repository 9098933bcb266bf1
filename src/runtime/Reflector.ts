/**
 * Keeps a {@link Store.Store} from a watcher (kube-rs's `reflector`, client-go's reflector +
 * indexer): `make` starts the watcher in the scope and gives the store; `reflect` is the stream
 * adapter under it, for a watcher stream of one's own.
 *
 * @since 0.1.0
 */
import { Cause, Effect, type Scope, Stream } from "effect"
import { dual } from "effect/Function"
import type * as Client from "../client/Client.js"
import * as Resource from "../resource/Resource.js"
import * as Watch from "../streams/Watch.js"
import * as Store from "./Store.js"

/**
 * Options of {@link make}: the watcher's (namespace, selectors, retry policy, ...) and the store's
 * (custom indexes).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<A, I extends string> extends Watch.WatcherOptions, Store.Options<A, I> {}

/**
 * Applies a watcher's events to a store as they pass (a chunk at a time), and tells the store when
 * the stream fails.
 *
 * @example
 * ```ts
 * import { Cause, Effect, type Scope, Stream } from "effect"
 * import { Reflector, Store, Watch } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const program = Effect.gen(function* () {
 *   const writer = yield* Store.make<ConfigMap>()
 *   yield* Watch.watcher(ConfigMap, { namespace: "apps" }).pipe(Reflector.reflect(writer), Stream.runDrain, Effect.forkScoped)
 *   yield* writer.store.ready
 *   return yield* writer.store.list()
 * })
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const reflect: {
  <A extends Resource.KubeObject, I extends string>(
    writer: Store.Writer<A, I>
  ): <R>(
    stream: Stream.Stream<Watch.WatcherEvent<A>, Watch.WatchError, R>
  ) => Stream.Stream<Watch.WatcherEvent<A>, Watch.WatchError, R>
  <A extends Resource.KubeObject, I extends string, R>(
    stream: Stream.Stream<Watch.WatcherEvent<A>, Watch.WatchError, R>,
    writer: Store.Writer<A, I>
  ): Stream.Stream<Watch.WatcherEvent<A>, Watch.WatchError, R>
} = dual(
  2,
  <A extends Resource.KubeObject, I extends string, R>(
    stream: Stream.Stream<Watch.WatcherEvent<A>, Watch.WatchError, R>,
    writer: Store.Writer<A, I>
  ): Stream.Stream<Watch.WatcherEvent<A>, Watch.WatchError, R> =>
    stream.pipe(
      Stream.mapChunksEffect((chunk) => Effect.as(writer.applyAll(chunk), chunk)),
      // Any end but an interruption stops the store: a defect too (e.g. an index function that
      // throws), or the store would be neither ready nor stopped.
      Stream.tapErrorCause((cause) =>
        Cause.isInterruptedOnly(cause) ? Effect.void : writer.failCause(cause)
      )
    )
)

/**
 * A store of a kind's objects, kept by a watcher that runs in the scope (it ends with the scope).
 * The watcher retries as `Watch.watcher` does (its options are these); when it fails for good,
 * the store's `ready` and `stopped` fail with why.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Reflector, Store } from "effect-kube"
 * import { Pod } from "effect-kube/models/core/v1"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const pods = yield* Reflector.make(Pod, { namespace: "apps", indexes: { node: (pod: Pod) => [pod.spec?.nodeName ?? ""] } })
 *     yield* pods.ready
 *     const web = yield* pods.list({ labels: { app: "web" } })
 *     const onNode = yield* pods.byIndex("node", "node-1")
 *     return { web: web.length, onNode: onNode.map(Store.keyOf) }
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <
  A extends Resource.KubeObject,
  N extends boolean,
  S extends string,
  Enc,
  I extends string = never
>(
  resource: Resource.Resource<A, N, S, Enc>,
  options: Options<A, I> = {}
): Effect.Effect<Store.Store<A, I>, never, Client.Requirements | Scope.Scope> =>
  keep(resource, options, Watch.watcher(resource, options))

/**
 * A store of a projection of a kind's objects: `project` keeps what the program needs of each
 * object (it must keep `metadata.name` and `metadata.namespace`: the store's keys), so the store
 * holds only that — e.g. a Pod's phase and node instead of the whole Pod. Indexes and queries work
 * on the projections. For the metadata alone, `Resource.metadataOnly` is better still: the server
 * sends only that.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Reflector } from "effect-kube"
 * import { Pod } from "effect-kube/models/core/v1"
 *
 * const phases = Effect.scoped(
 *   Effect.gen(function* () {
 *     const pods = yield* Reflector.project(Pod, (pod) => ({
 *       apiVersion: pod.apiVersion,
 *       kind: pod.kind,
 *       metadata: { name: pod.metadata?.name ?? "", namespace: pod.metadata?.namespace ?? "" },
 *       phase: pod.status?.phase ?? "Unknown"
 *     }))
 *     yield* pods.ready
 *     return (yield* pods.list()).map((pod) => pod.phase)
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const project = <
  A extends Resource.KubeObject,
  N extends boolean,
  S extends string,
  Enc,
  B extends Resource.KubeObject,
  I extends string = never
>(
  resource: Resource.Resource<A, N, S, Enc>,
  projection: (object: A) => B,
  options: Options<B, I> = {}
): Effect.Effect<Store.Store<B, I>, never, Client.Requirements | Scope.Scope> =>
  keep(
    resource,
    options,
    Watch.watcher(resource, options).pipe(Stream.map((event) => projectEvent(event, projection)))
  )

const projectEvent = <A, B>(event: Watch.WatcherEvent<A>, f: (object: A) => B): Watch.WatcherEvent<B> => {
  switch (event._tag) {
    case "Init":
      return Watch.WatcherEvent.Init()
    case "InitDone":
      return Watch.WatcherEvent.InitDone({ resourceVersion: event.resourceVersion })
    case "InitApply":
      return Watch.WatcherEvent.InitApply({ object: f(event.object) })
    case "Apply":
      return Watch.WatcherEvent.Apply({ object: f(event.object) })
    case "Delete":
      return Watch.WatcherEvent.Delete({ object: f(event.object) })
  }
}

const keep = <B extends Resource.KubeObject, I extends string>(
  resource: Resource.ResourceInfo,
  options: Store.Options<B, I>,
  source: Stream.Stream<Watch.WatcherEvent<B>, Watch.WatchError, Client.Requirements>
): Effect.Effect<Store.Store<B, I>, never, Client.Requirements | Scope.Scope> =>
  Effect.gen(function* () {
    const writer = yield* Store.make<B, I>(options)
    yield* source.pipe(
      reflect(writer),
      Stream.runDrain,
      // The store holds the failure (`ready`, `stopped`); the log says it once.
      Effect.catchAll((error) =>
        Effect.logError(
          `the store of ${Resource.groupResource(resource)} stopped: ${error._tag}: ${error.message}`
        )
      ),
      Effect.forkScoped
    )
    return writer.store
  })
