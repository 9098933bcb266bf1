/**
 * A store of a kind's objects kept from a watcher (kube-rs's `reflector::Store`, client-go's
 * indexer): reads by key, by namespace, by label selector and by custom indexes, a `ready` signal
 * (the first complete list), and a stream of changes.
 *
 * Snapshots are consistent: a relist builds the new state aside and replaces the old one at once at
 * `InitDone` (readers never see a half-built state), and the changes it brings are told as the
 * differences between the two (`Applied` for what is new or changed, `Deleted` for what is gone).
 * Objects are kept once; indexes hold keys. A store is written by one {@link Writer} (see
 * `Reflector`), read by any number of fibers.
 *
 * @since 0.1.0
 */
import { type Cause, Data, Deferred, Effect, Option, PubSub, type Scope, Stream } from "effect"
import type { KubeObject } from "../resource/Resource.js"
import * as Selector from "../resource/Selector.js"
import type * as Watch from "../streams/Watch.js"

/**
 * Which object: its namespace (none for a cluster-scoped kind) and name.
 *
 * @since 0.1.0
 * @category models
 */
export interface ObjectRef {
  readonly namespace?: string | undefined
  readonly name: string
}

/**
 * The key of an object in a store: `namespace/name`, or `name` for a cluster-scoped object
 * (client-go's `MetaNamespaceKeyFunc`).
 *
 * @example
 * ```ts
 * import { Store } from "effect-kube"
 *
 * Store.key({ namespace: "apps", name: "web" }) // "apps/web"
 * Store.key({ name: "node-1" }) // "node-1"
 * ```
 *
 * @since 0.1.0
 * @category keys
 */
export const key = (ref: ObjectRef): string =>
  ref.namespace !== undefined && ref.namespace !== "" ? `${ref.namespace}/${ref.name}` : ref.name

/**
 * The reference of an object (its metadata's namespace and name).
 *
 * @example
 * ```ts
 * import { Store } from "effect-kube"
 *
 * Store.refOf({ apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "apps", name: "web" } })
 * // { namespace: "apps", name: "web" }
 * ```
 *
 * @since 0.1.0
 * @category keys
 */
export const refOf = (object: KubeObject): ObjectRef => {
  const namespace = object.metadata?.namespace
  const name = object.metadata?.name ?? ""
  return namespace !== undefined && namespace !== "" ? { namespace, name } : { name }
}

/**
 * The key of an object (see {@link key}).
 *
 * @example
 * ```ts
 * import { Store } from "effect-kube"
 *
 * Store.keyOf({ apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "apps", name: "web" } }) // "apps/web"
 * ```
 *
 * @since 0.1.0
 * @category keys
 */
export const keyOf = (object: KubeObject): string => {
  const name = object.metadata?.name ?? ""
  const namespace = object.metadata?.namespace
  return namespace !== undefined && namespace !== "" ? `${namespace}/${name}` : name
}

/**
 * A change of a store's state: an object added or changed (`previous` is the object it replaced,
 * if any), or deleted. A relist tells its differences from the state it replaces.
 *
 * @since 0.1.0
 * @category models
 */
export type StoreChange<A> = Data.TaggedEnum<{
  Applied: { readonly object: A; readonly previous: Option.Option<A> }
  Deleted: { readonly object: A }
}>

interface StoreChangeDefinition extends Data.TaggedEnum.WithGenerics<1> {
  readonly taggedEnum: StoreChange<this["A"]>
}

/**
 * Constructors, `$is` and `$match` of {@link StoreChange}s.
 *
 * @example
 * ```ts
 * import { Store } from "effect-kube"
 * import type { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const describe = (change: Store.StoreChange<ConfigMap>) =>
 *   Store.StoreChange.$match(change, {
 *     Applied: ({ object }) => `applied ${Store.keyOf(object)}`,
 *     Deleted: ({ object }) => `deleted ${Store.keyOf(object)}`
 *   })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const StoreChange = Data.taggedEnum<StoreChangeDefinition>()

/**
 * Custom indexes: for each index name, the values an object is found under (none, one or many).
 *
 * @since 0.1.0
 * @category models
 */
export type Indexers<A, I extends string> = { readonly [K in I]: (object: A) => ReadonlyArray<string> }

/**
 * Ready-made index functions.
 *
 * @example
 * ```ts
 * import { Store } from "effect-kube"
 * import type { Pod } from "effect-kube/models/core/v1"
 *
 * const indexes = { owner: Store.indexers.ownerUid<Pod>(), node: (pod: Pod) => [pod.spec?.nodeName ?? ""] }
 * ```
 *
 * @since 0.1.0
 * @category indexes
 */
export const indexers = {
  /** The UIDs of the object's owners (`metadata.ownerReferences[].uid`). */
  ownerUid:
    <A extends KubeObject>() =>
    (object: A): ReadonlyArray<string> =>
      (object.metadata?.ownerReferences ?? []).map((owner) => owner.uid),
  /** The object's labels' values for `label` (none when it lacks the label). */
  label:
    <A extends KubeObject>(label: string) =>
    (object: A): ReadonlyArray<string> => {
      const value = object.metadata?.labels?.[label]
      return value === undefined ? [] : [value]
    }
}

/**
 * What to list from a store: a namespace (default: all) and a label selector.
 *
 * @since 0.1.0
 * @category models
 */
export interface Query {
  readonly namespace?: string | undefined
  readonly labels?: Selector.LabelSelector | undefined
}

/**
 * A read handle on a store. Reads are cheap (no copy of the objects; a list is a new array) and
 * always see a complete state.
 *
 * @since 0.1.0
 * @category models
 */
export interface Store<A extends KubeObject, I extends string = never> {
  /** The object with this reference, if the store has it. */
  readonly get: (ref: ObjectRef) => Effect.Effect<Option.Option<A>>
  /** The object with this key (`namespace/name`, or `name`), if the store has it. */
  readonly getByKey: (key: string) => Effect.Effect<Option.Option<A>>
  /** The objects (of a namespace, matching labels), in no particular order. */
  readonly list: (query?: Query) => Effect.Effect<ReadonlyArray<A>>
  /** The objects that a custom index lists under `value`. */
  readonly byIndex: (index: I, value: string) => Effect.Effect<ReadonlyArray<A>>
  /** The keys of the objects that a custom index lists under `value`. */
  readonly keysByIndex: (index: I, value: string) => Effect.Effect<ReadonlyArray<string>>
  /** How many objects the store holds. */
  readonly size: Effect.Effect<number>
  /** Whether the store had its first complete list. */
  readonly isReady: Effect.Effect<boolean>
  /** Waits for the first complete list; fails if the store's source failed before it. */
  readonly ready: Effect.Effect<void, Watch.WatchError>
  /** Waits until the store stops being kept up to date (its source failed for good), failing with why. */
  readonly stopped: Effect.Effect<never, Watch.WatchError>
  /** The changes from the moment the returned stream is made (subscribed in the scope). */
  readonly subscribe: Effect.Effect<Stream.Stream<StoreChange<A>>, never, Scope.Scope>
  /** The changes from the moment the stream starts. */
  readonly changes: Stream.Stream<StoreChange<A>>
}

/**
 * The writing side of a store: applies a watcher's events (see `Reflector.reflect`), and tells
 * the store that its source failed.
 *
 * @since 0.1.0
 * @category models
 */
export interface Writer<A extends KubeObject, I extends string = never> {
  readonly store: Store<A, I>
  /** Applies one watcher event. */
  readonly apply: (event: Watch.WatcherEvent<A>) => Effect.Effect<void>
  /** Applies the watcher events of a chunk, in order, in one step. */
  readonly applyAll: (events: Iterable<Watch.WatcherEvent<A>>) => Effect.Effect<void>
  /** The source failed for good: `ready` and `stopped` fail with `error`. */
  readonly fail: (error: Watch.WatchError) => Effect.Effect<void>
  /** The source failed for good, with a cause (a defect too): `ready` and `stopped` fail with it. */
  readonly failCause: (cause: Cause.Cause<Watch.WatchError>) => Effect.Effect<void>
}

/**
 * Options of a store.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<A, I extends string> {
  /** Custom indexes, by name: e.g. `{ owner: Store.indexers.ownerUid() }`. */
  readonly indexes?: Indexers<A, I> | undefined
}

/** An index: value → keys. */
type Index = Map<string, Set<string>>

/** The state of a store: its objects by key, and its indexes (namespace first, then custom). */
class State<A extends KubeObject> {
  readonly objects = new Map<string, A>()
  readonly byNamespace: Index = new Map()
  readonly custom: Map<string, Index>

  constructor(readonly indexers: ReadonlyArray<readonly [string, (object: A) => ReadonlyArray<string>]>) {
    this.custom = new Map(indexers.map(([name]) => [name, new Map()]))
  }

  put(key: string, object: A): A | undefined {
    const previous = this.objects.get(key)
    if (previous !== undefined) this.unindex(key, previous)
    this.objects.set(key, object)
    this.index(key, object)
    return previous
  }

  remove(key: string): A | undefined {
    const previous = this.objects.get(key)
    if (previous === undefined) return undefined
    this.objects.delete(key)
    this.unindex(key, previous)
    return previous
  }

  private index(key: string, object: A): void {
    add(this.byNamespace, object.metadata?.namespace ?? "", key)
    for (const [name, indexer] of this.indexers) {
      const index = this.custom.get(name)
      if (index === undefined) continue
      for (const value of indexer(object)) add(index, value, key)
    }
  }

  private unindex(key: string, object: A): void {
    remove(this.byNamespace, object.metadata?.namespace ?? "", key)
    for (const [name, indexer] of this.indexers) {
      const index = this.custom.get(name)
      if (index === undefined) continue
      for (const value of indexer(object)) remove(index, value, key)
    }
  }
}

const add = (index: Index, value: string, key: string) => {
  const keys = index.get(value)
  if (keys === undefined) index.set(value, new Set([key]))
  else keys.add(key)
}

const remove = (index: Index, value: string, key: string) => {
  const keys = index.get(value)
  if (keys === undefined) return
  keys.delete(key)
  if (keys.size === 0) index.delete(value)
}

const versionOf = (object: KubeObject): string | undefined => object.metadata?.resourceVersion

/**
 * Makes an empty store and its writer.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Store, Watch } from "effect-kube"
 * import type { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const program = Effect.gen(function* () {
 *   const writer = yield* Store.make<ConfigMap>()
 *   const cm: ConfigMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "apps", name: "web" } }
 *   yield* writer.applyAll([Watch.WatcherEvent.Init(), Watch.WatcherEvent.InitApply({ object: cm }), Watch.WatcherEvent.InitDone({ resourceVersion: "1" })])
 *   return yield* writer.store.get({ namespace: "apps", name: "web" })
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A extends KubeObject, I extends string = never>(
  options: Options<A, I> = {}
): Effect.Effect<Writer<A, I>> =>
  Effect.gen(function* () {
    const indexers: ReadonlyArray<readonly [string, (object: A) => ReadonlyArray<string>]> =
      options.indexes === undefined
        ? []
        : Object.entries<(object: A) => ReadonlyArray<string>>(options.indexes)
    let state = new State<A>(indexers)
    // The state a relist builds, from `Init` to `InitDone`; the current one is served meanwhile.
    let building: Map<string, A> | undefined
    let ready = false
    const readyDeferred = yield* Deferred.make<void, Watch.WatchError>()
    const stoppedDeferred = yield* Deferred.make<never, Watch.WatchError>()
    const pubsub = yield* PubSub.unbounded<StoreChange<A>>()
    // Changes are published only while someone listens (no allocation otherwise).
    let listeners = 0

    const objectsOf = (keys: Iterable<string> | undefined): Array<A> => {
      const out: Array<A> = []
      if (keys === undefined) return out
      for (const k of keys) {
        const object = state.objects.get(k)
        if (object !== undefined) out.push(object)
      }
      return out
    }

    /** Applies one event; the changes it makes go to `out` (when someone listens). */
    const step = (event: Watch.WatcherEvent<A>, out: Array<StoreChange<A>> | undefined): void => {
      switch (event._tag) {
        case "Init":
          building = new Map()
          return
        case "InitApply":
          if (building === undefined) building = new Map()
          building.set(keyOf(event.object), event.object)
          return
        case "InitDone": {
          const next = new State<A>(indexers)
          const built = building ?? new Map<string, A>()
          building = undefined
          for (const [k, object] of built) {
            next.put(k, object)
            if (out === undefined) continue
            // What the relist brings that the state did not have: new objects, or other versions.
            const previous = state.objects.get(k)
            if (previous === undefined) out.push(StoreChange.Applied({ object, previous: Option.none() }))
            else if (versionOf(previous) !== versionOf(object) || versionOf(object) === undefined)
              out.push(StoreChange.Applied({ object, previous: Option.some(previous) }))
          }
          if (out !== undefined) {
            for (const [k, object] of state.objects)
              if (!built.has(k)) out.push(StoreChange.Deleted({ object }))
          }
          state = next
          ready = true
          return
        }
        case "Apply": {
          // During a relist a change belongs to the state being built (not to the one it replaces).
          if (building !== undefined) {
            building.set(keyOf(event.object), event.object)
            return
          }
          const previous = state.put(keyOf(event.object), event.object)
          out?.push(StoreChange.Applied({ object: event.object, previous: Option.fromNullable(previous) }))
          return
        }
        case "Delete": {
          if (building !== undefined) {
            building.delete(keyOf(event.object))
            return
          }
          const previous = state.remove(keyOf(event.object))
          out?.push(StoreChange.Deleted({ object: previous ?? event.object }))
          return
        }
      }
    }

    const applyAll = (events: Iterable<Watch.WatcherEvent<A>>): Effect.Effect<void> =>
      Effect.suspend(() => {
        const wasReady = ready
        const out = listeners > 0 ? [] : undefined
        for (const event of events) step(event, out)
        const signal = !wasReady && ready ? Deferred.succeed(readyDeferred, undefined) : Effect.void
        return out === undefined || out.length === 0
          ? signal
          : Effect.zipRight(signal, PubSub.publishAll(pubsub, out))
      })

    const subscribe: Effect.Effect<Stream.Stream<StoreChange<A>>, never, Scope.Scope> = Effect.map(
      Effect.acquireRelease(
        Effect.map(PubSub.subscribe(pubsub), (queue) => {
          listeners++
          return queue
        }),
        () =>
          Effect.sync(() => {
            listeners--
          })
      ),
      (queue) => Stream.fromQueue(queue)
    )

    const store: Store<A, I> = {
      get: (ref) => Effect.sync(() => Option.fromNullable(state.objects.get(key(ref)))),
      getByKey: (k) => Effect.sync(() => Option.fromNullable(state.objects.get(k))),
      list: (query = {}) =>
        Effect.sync(() => {
          const candidates =
            query.namespace !== undefined
              ? objectsOf(state.byNamespace.get(query.namespace))
              : [...state.objects.values()]
          const labels = query.labels
          return labels === undefined
            ? candidates
            : candidates.filter((object) => Selector.matchesLabels(labels, object.metadata?.labels))
        }),
      byIndex: (index, value) => Effect.sync(() => objectsOf(state.custom.get(index)?.get(value))),
      keysByIndex: (index, value) => Effect.sync(() => [...(state.custom.get(index)?.get(value) ?? [])]),
      size: Effect.sync(() => state.objects.size),
      isReady: Effect.sync(() => ready),
      ready: Deferred.await(readyDeferred),
      stopped: Deferred.await(stoppedDeferred),
      subscribe,
      changes: Stream.unwrapScoped(subscribe)
    }

    return {
      store,
      apply: (event) => applyAll([event]),
      applyAll,
      fail: (error) =>
        Effect.zipRight(Deferred.fail(readyDeferred, error), Deferred.fail(stoppedDeferred, error)).pipe(
          Effect.asVoid
        ),
      failCause: (cause) =>
        Effect.zipRight(
          Deferred.failCause(readyDeferred, cause),
          Deferred.failCause(stoppedDeferred, cause)
        ).pipe(Effect.asVoid)
    }
  })
