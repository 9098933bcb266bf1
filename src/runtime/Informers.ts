/**
 * Shared informers (client-go's `SharedInformerFactory`): consumers of the same kind with the same
 * watch options (namespace, selectors) share one watch and one store. A store lives while someone
 * uses it: the first `store` call starts its watcher, the end of the last user's scope stops it
 * (after `idleTimeToLive`, default none).
 *
 * @since 0.1.0
 */
import { Context, type Duration, Effect, Either, Layer, Option, RcMap, type Scope, Stream } from "effect"
import type * as Client from "../client/Client.js"
import * as Resource from "../resource/Resource.js"
import type * as Watch from "../streams/Watch.js"
import * as Reflector from "./Reflector.js"
import type * as Store from "./Store.js"

/**
 * The shared informers of a program.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * The shared store of a kind for these watch options (made and started by the first user, whose
   * retry options apply; the watcher stops when the last user's scope ends). Custom indexes are
   * not shared: a store with indexes of its own is `Reflector.make`'s.
   */
  readonly store: <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
    resource: Resource.Resource<A, N, S, I>,
    options?: Watch.WatcherOptions
  ) => Effect.Effect<Store.Store<A>, never, Scope.Scope>
  /** How many stores are running now. */
  readonly size: Effect.Effect<number>
}

/**
 * The shared informers service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Informers } from "effect-kube"
 *
 * const running = Effect.flatMap(Informers.Informers, (informers) => informers.size)
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class Informers extends Context.Tag("effect-kube/Informers")<Informers, Service>() {}

/**
 * Options of {@link layer}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How long a store nobody uses keeps running (its watch open), for a user coming back. Default: 0. */
  readonly idleTimeToLive?: Duration.DurationInput | undefined
}

/** What identifies a shared store: the kind and the options that shape its watch (selectors in key order). */
const keyOf = (resource: Resource.ResourceInfo, options: Watch.WatcherOptions): string =>
  JSON.stringify([
    resource.group,
    resource.version,
    resource.plural,
    resource.apiVersion,
    resource.kind,
    options.namespace ?? null,
    sorted(options.labels),
    sorted(options.fields),
    options.name ?? null,
    options.chunkSize ?? null,
    options.resourceVersion ?? null
  ])

const sorted = (selector: object | undefined) =>
  selector === undefined ? null : Object.entries(selector).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

/**
 * Makes the shared informers (in a scope: every store stops with it).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Informers } from "effect-kube"
 * import { Pod } from "effect-kube/models/core/v1"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const informers = yield* Informers.make()
 *     const a = yield* informers.store(Pod, { namespace: "apps" })
 *     const b = yield* informers.store(Pod, { namespace: "apps" }) // the same watch, the same objects
 *     yield* a.ready
 *     return (yield* a.size) === (yield* b.size)
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<Service, never, Scope.Scope | Client.Requirements> =>
  Effect.gen(function* () {
    const context = yield* Effect.context<Client.Requirements>()
    // What each key's lookup needs (RcMap gives the lookup the key only).
    const wanted = new Map<
      string,
      {
        readonly resource: Resource.Resource<Resource.GenericObject, boolean, string>
        readonly options: Watch.WatcherOptions
      }
    >()
    const stores = yield* RcMap.make({
      lookup: (key: string) =>
        Effect.suspend(() => {
          const entry = wanted.get(key)
          return entry === undefined
            ? Effect.dieMessage(`no informer was asked for ${key}`)
            : Effect.provide(Reflector.make(entry.resource, entry.options), context)
        }),
      idleTimeToLive: options.idleTimeToLive ?? 0
    })
    return {
      store: <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
        resource: Resource.Resource<A, N, S, I>,
        watchOptions: Watch.WatcherOptions = {}
      ) =>
        Effect.gen(function* () {
          const key = keyOf(resource, watchOptions)
          if (!wanted.has(key))
            wanted.set(key, { resource: Resource.generic(resource), options: watchOptions })
          const shared = yield* RcMap.get(stores, key)
          return view(resource, shared)
        }),
      size: Effect.map(RcMap.keys(stores), (keys) => keys.length)
    }
  })

/**
 * The shared informers as a layer (they stop with the layer).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Informers } from "effect-kube"
 * import { NodeKube } from "effect-kube/node"
 *
 * const Live = Informers.layer().pipe(Layer.provideMerge(NodeKube.layer()))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Informers, never, Client.Requirements> =>
  Layer.scoped(Informers, make(options))

/**
 * The shared store of a kind, from the `Informers` in context.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Informers } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const names = Effect.scoped(
 *   Effect.gen(function* () {
 *     const configMaps = yield* Informers.store(ConfigMap, { namespace: "apps" })
 *     yield* configMaps.ready
 *     return (yield* configMaps.list()).map((cm) => cm.metadata?.name)
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const store = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  options: Watch.WatcherOptions = {}
): Effect.Effect<Store.Store<A>, never, Scope.Scope | Informers> =>
  Effect.flatMap(Informers, (informers) => informers.store(resource, options))

/**
 * A shared store read as one of `resource`'s objects: each object is checked to be of the kind
 * (`Resource.decodeTrusted`: its apiVersion and kind, no copy), as the verbs read the server's.
 */
const view = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  shared: Store.Store<Resource.KubeObject>
): Store.Store<A> => {
  const one = (object: Resource.KubeObject): Option.Option<A> =>
    Either.getRight(Resource.decodeTrusted(resource, object))
  const all = (objects: ReadonlyArray<Resource.KubeObject>): ReadonlyArray<A> => {
    const out: Array<A> = []
    for (const object of objects) {
      const typed = Resource.decodeTrusted(resource, object)
      if (Either.isRight(typed)) out.push(typed.right)
    }
    return out
  }
  const changes = (stream: Stream.Stream<Store.StoreChange<Resource.KubeObject>>) =>
    Stream.filterMap(
      stream,
      (change): Option.Option<Store.StoreChange<A>> =>
        Option.map(one(change.object), (object) =>
          change._tag === "Deleted"
            ? { _tag: "Deleted", object }
            : { _tag: "Applied", object, previous: Option.flatMap(change.previous, one) }
        )
    )
  return {
    get: (ref) => Effect.map(shared.get(ref), Option.flatMap(one)),
    getByKey: (key) => Effect.map(shared.getByKey(key), Option.flatMap(one)),
    list: (query) => Effect.map(shared.list(query), all),
    byIndex: () => Effect.succeed([]),
    keysByIndex: () => Effect.succeed([]),
    size: shared.size,
    isReady: shared.isReady,
    ready: shared.ready,
    stopped: shared.stopped,
    subscribe: Effect.map(shared.subscribe, changes),
    changes: changes(shared.changes)
  }
}
