/**
 * Controllers (kube-rs's `Controller`, controller-runtime's reconciler): reconcile the objects of a
 * kind by key, triggered by changes of the kind itself, of the objects it owns (their
 * `ownerReferences`), of other kinds through a mapping function, and by a periodic resync.
 *
 * - Per key, never two reconciles at once; changes of a key that waits or is being reconciled
 *   coalesce into one more reconcile; at most `concurrency` reconciles run at once.
 * - The reconcile reads the object from the store (no GET) and returns an {@link Action}: done, or
 *   reconcile again after a while. Its failures (its own error type) go to a per-key backoff
 *   `Schedule`, which starts over after a success.
 * - Reconciles start once every store had its first complete list.
 * - Interrupting the controller stops it gracefully: no new reconcile starts, the running ones get
 *   `shutdownTimeout` to end, then are interrupted.
 * - Each reconcile is a span, a log line at Debug (at Warning when it fails) and metrics
 *   (`Metrics.controllerReconciles`, `Metrics.controllerReconcileDuration`,
 *   `Metrics.controllerQueueDepth`).
 *
 * @since 0.1.0
 */
import {
  Cause,
  Clock,
  Data,
  Duration,
  Effect,
  Fiber,
  Metric,
  Option,
  Schedule,
  ScheduleDecision,
  ScheduleIntervals,
  type Scope,
  Stream
} from "effect"
import * as Client from "../client/Client.js"
import * as metricKeys from "../http/internal/metricKeys.js"
import * as Resource from "../resource/Resource.js"
import type * as Watch from "../streams/Watch.js"
import * as WorkQueue from "./internal/workQueue.js"
import * as Reflector from "./Reflector.js"
import * as Store from "./Store.js"

/**
 * What a reconcile asks for next: nothing until the next change (`Done`), or another reconcile of
 * the key after `after` (`RequeueAfter`) even without a change, e.g. to check on something slow.
 *
 * @since 0.1.0
 * @category models
 */
export type Action = Data.TaggedEnum<{
  Done: {}
  RequeueAfter: { readonly after: Duration.Duration }
}>

/**
 * Constructors and matchers of {@link Action}s.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { Controller } from "effect-kube"
 *
 * const done = Controller.Action.Done()
 * const later = Controller.Action.RequeueAfter({ after: Duration.minutes(5) }) // or Controller.requeueAfter("5 minutes")
 * const describe = Controller.Action.$match({ Done: () => "done", RequeueAfter: ({ after }) => `again in ${Duration.format(after)}` })
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const Action = Data.taggedEnum<Action>()

/**
 * Reconcile again after `after` (a `Duration` input such as `"30 seconds"`).
 *
 * @example
 * ```ts
 * import { Controller } from "effect-kube"
 *
 * const action = Controller.requeueAfter("30 seconds")
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const requeueAfter = (after: Duration.DurationInput): Action =>
  Action.RequeueAfter({ after: Duration.decode(after) })

/**
 * Nothing more until the next change.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Controller } from "effect-kube"
 *
 * const reconcile = () => Effect.succeed(Controller.done)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const done: Action = Action.Done()

/**
 * The controller stopped because one of its stores' watchers failed for good (e.g. 403: no right to
 * list the kind); `kind` names the store's kind.
 *
 * @example
 * ```ts
 * import { Controller } from "effect-kube"
 *
 * const describe = (error: Controller.ControllerError) => `${error.kind}: ${error.cause._tag}`
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ControllerError extends Data.TaggedError("ControllerError")<{
  readonly controller: string
  readonly kind: string
  readonly cause: Watch.WatchError
}> {
  override get message(): string {
    return `the controller ${this.controller} stopped: the store of ${this.kind} failed: ${this.cause.message}`
  }
}

/**
 * What a reconcile knows besides the object.
 *
 * @since 0.1.0
 * @category models
 */
export interface Context<A extends Resource.KubeObject, I extends string = never> {
  /** The object's key (`namespace/name`, or `name`). */
  readonly key: string
  readonly ref: Store.ObjectRef
  /** The store of the controller's kind. */
  readonly store: Store.Store<A, I>
  /** Failed reconciles of this key in a row before this one (0 after a success). */
  readonly failures: number
}

/**
 * A source of reconciles other than the controller's own kind (see {@link owns}, {@link watches}).
 *
 * @since 0.1.0
 * @category models
 */
export interface Trigger {
  readonly kind: string
  /** Given the controller's kind, the objects to reconcile for each change of the source. */
  readonly make: (main: Resource.ResourceInfo) => {
    readonly store: Source
    /** The objects to reconcile for each change of the source, from the moment it is subscribed. */
    readonly refs: Effect.Effect<Stream.Stream<Store.ObjectRef>, never, Scope.Scope>
  }
}

/**
 * What a controller needs of a store that triggers it: its changes, and whether it is ready.
 *
 * @since 0.1.0
 * @category models
 */
export type Source = Pick<Store.Store<Resource.KubeObject>, "ready" | "stopped">

/**
 * Reconcile the owners of the objects of `store` when they change: the owner references whose kind
 * (and API group) are the controller's. `controllerOnly`: only the reference marked `controller`.
 * The object's previous version counts too (a reference removed reconciles the former owner).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Controller, Reflector } from "effect-kube"
 * import { Deployment } from "effect-kube/models/apps/v1"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const owned = yield* Reflector.make(ConfigMap, { namespace: "apps" })
 *     return yield* Controller.run(Deployment, {
 *       namespace: "apps",
 *       owns: [Controller.owns(owned)],
 *       reconcile: () => Effect.succeed(Controller.done)
 *     })
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category triggers
 */
export const owns = <A extends Resource.KubeObject, I extends string>(
  store: Store.Store<A, I>,
  options: { readonly controllerOnly?: boolean | undefined; readonly kind?: string | undefined } = {}
): Trigger => ({
  kind: options.kind ?? "owned objects",
  make: (main) => {
    // Owner references name the kind itself, also when the controller reads its metadata alone.
    const kind = main.representation?.of.kind ?? main.kind
    return {
      store,
      refs: refsOn(store, (change) => {
        const refs: Array<Store.ObjectRef> = []
        const seen = new Set<string>()
        const from = (object: Resource.KubeObject) => {
          for (const owner of object.metadata?.ownerReferences ?? []) {
            if (owner.kind !== kind || groupOf(owner.apiVersion) !== main.group) continue
            if (options.controllerOnly === true && owner.controller !== true) continue
            const ref: Store.ObjectRef = main.namespaced
              ? { namespace: object.metadata?.namespace, name: owner.name }
              : { name: owner.name }
            const key = Store.key(ref)
            if (seen.has(key)) continue
            seen.add(key)
            refs.push(ref)
          }
        }
        from(change.object)
        if (change._tag === "Applied" && Option.isSome(change.previous)) from(change.previous.value)
        return refs
      })
    }
  }
})

/** The references a store's changes map to, from the moment the stream is subscribed. */
const refsOn = <A extends Resource.KubeObject, I extends string>(
  store: Store.Store<A, I>,
  refsOf: (change: Store.StoreChange<A>) => ReadonlyArray<Store.ObjectRef>
): Effect.Effect<Stream.Stream<Store.ObjectRef>, never, Scope.Scope> =>
  Effect.map(store.subscribe, Stream.mapConcat(refsOf))

/**
 * Reconcile the objects that `map` names when an object of `store` changes (its current version,
 * or its last one when deleted). `map` may be an Effect, e.g. a query of another store.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Controller, Reflector } from "effect-kube"
 * import { ConfigMap, Namespace } from "effect-kube/models/core/v1"
 *
 * // Reconcile the ConfigMap "settings" of a namespace when the namespace changes.
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const namespaces = yield* Reflector.make(Namespace)
 *     return yield* Controller.run(ConfigMap, {
 *       namespace: "*",
 *       watches: [Controller.watches(namespaces, (ns) => [{ namespace: ns.metadata?.name, name: "settings" }])],
 *       reconcile: () => Effect.succeed(Controller.done)
 *     })
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category triggers
 */
export const watches = <A extends Resource.KubeObject, I extends string>(
  store: Store.Store<A, I>,
  map: (object: A) => ReadonlyArray<Store.ObjectRef> | Effect.Effect<ReadonlyArray<Store.ObjectRef>>,
  options: { readonly kind?: string | undefined } = {}
): Trigger => ({
  kind: options.kind ?? "watched objects",
  make: () => ({
    store,
    refs: Effect.map(
      store.subscribe,
      Stream.mapConcatEffect((change) => {
        const refs = map(change.object)
        return Effect.isEffect(refs) ? refs : Effect.succeed(refs)
      })
    )
  })
})

/**
 * Options of {@link run}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<A extends Resource.KubeObject, E, R, I extends string = never>
  extends Omit<Watch.WatcherOptions, "name"> {
  /** Reconciles an object of the kind, read from the store. */
  readonly reconcile: (object: A, context: Context<A, I>) => Effect.Effect<Action, E, R>
  /**
   * The store of the controller's kind, if it has one already (shared with other consumers);
   * otherwise the controller keeps its own, with the watcher options of these options.
   */
  readonly store?: Store.Store<A, I> | undefined
  /** Other sources of reconciles: {@link owns}, {@link watches}. */
  readonly owns?: ReadonlyArray<Trigger> | undefined
  readonly watches?: ReadonlyArray<Trigger> | undefined
  /** Reconcile every object of the kind this often (none by default). */
  readonly resync?: Duration.DurationInput | undefined
  /** Reconciles at once (of different keys): a whole number from 1. Default: 4 (also for `NaN`, `Infinity`). */
  readonly concurrency?: number | undefined
  /**
   * When to reconcile a key again after a failed reconcile (its `Cause` is the input: a failure
   * or a defect), per key, starting over after a success; when it ends, the key waits for its next
   * change. Default: {@link defaultBackoff}.
   */
  readonly backoff?: Schedule.Schedule<unknown, Cause.Cause<E>> | undefined
  /** How long running reconciles get to end when the controller stops. Default: 30 seconds. */
  readonly shutdownTimeout?: Duration.DurationInput | undefined
  /** The controller's name in logs, spans and metrics. Default: the kind's plural (and group). */
  readonly controllerName?: string | undefined
}

/**
 * The default backoff after failed reconciles: exponential from 100 ms, at most 5 minutes apart.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import { Controller } from "effect-kube"
 *
 * // At most 10 retries in a row, then wait for the next change.
 * const tenTimes = Controller.defaultBackoff.pipe(Schedule.intersect(Schedule.recurs(10)))
 * ```
 *
 * @since 0.1.0
 * @category policies
 */
export const defaultBackoff: Schedule.Schedule<unknown, unknown> = Schedule.exponential("100 millis", 2).pipe(
  Schedule.either(Schedule.spaced("5 minutes"))
)

/**
 * Runs a controller until interrupted (then stops gracefully) or until one of its stores fails for
 * good (`ControllerError`). The reconcile's failures never stop it: they are logged and retried
 * with the backoff.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client, Controller, Reflector } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * // Mirror the ConfigMaps of "source" into "target", repairing drift in the copies.
 * const mirror = Effect.scoped(
 *   Effect.gen(function* () {
 *     const copies = yield* Reflector.make(ConfigMap, { namespace: "target", labels: { mirror: "yes" } })
 *     return yield* Controller.run(ConfigMap, {
 *       namespace: "source",
 *       watches: [Controller.watches(copies, (copy) => [{ namespace: "source", name: copy.metadata?.name ?? "" }])],
 *       reconcile: (source) =>
 *         Client.apply(
 *           ConfigMap,
 *           {
 *             apiVersion: "v1",
 *             kind: "ConfigMap",
 *             metadata: { namespace: "target", name: source.metadata?.name ?? "", labels: { mirror: "yes" } },
 *             data: source.data ?? {}
 *           },
 *           { fieldManager: "mirror", force: true }
 *         ).pipe(Effect.as(Controller.done))
 *     })
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const run = <
  A extends Resource.KubeObject,
  N extends boolean,
  S extends string,
  Enc,
  E,
  R,
  I extends string = never
>(
  resource: Resource.Resource<A, N, S, Enc>,
  options: Options<A, E, R, I>
): Effect.Effect<never, ControllerError, R | Client.Requirements> =>
  Effect.scoped(
    Effect.gen(function* () {
      const name = options.controllerName ?? Resource.groupResource(resource)
      const store: Store.Store<A, I> =
        options.store ?? (yield* Reflector.make<A, N, S, Enc, I>(resource, options))
      const queue = yield* WorkQueue.make
      const triggers = [...(options.owns ?? []), ...(options.watches ?? [])].map((t) => ({
        kind: t.kind,
        ...t.make(resource)
      }))
      const sources: ReadonlyArray<{ readonly kind: string; readonly store: Source }> = [
        { kind: resource.kind, store },
        ...triggers
      ]

      // Subscribed before the stores are ready: no change falls between the first list and now.
      const own = yield* store.subscribe
      yield* own.pipe(
        Stream.runForEach((change) => Effect.sync(() => queue.add(Store.keyOf(change.object)))),
        Effect.forkScoped
      )
      for (const trigger of triggers) {
        const refs = yield* trigger.refs
        yield* refs.pipe(
          Stream.runForEach((ref) => Effect.sync(() => queue.add(Store.key(ref)))),
          Effect.forkScoped
        )
      }

      // The first store that fails for good stops the controller (`raceAll` would wait for a
      // success, which `stopped` never is: each failure is turned into the race's value).
      const stopped: Effect.Effect<never, ControllerError> = Effect.raceAll(
        sources.map((source) =>
          Effect.map(
            Effect.flip(source.store.stopped),
            (cause) => new ControllerError({ controller: name, kind: source.kind, cause })
          )
        )
      ).pipe(Effect.flatMap(Effect.fail))
      yield* Effect.raceFirst(
        Effect.forEach(
          sources,
          (source) =>
            Effect.catchAll(
              source.store.ready,
              (cause) => new ControllerError({ controller: name, kind: source.kind, cause })
            ),
          { discard: true, concurrency: "unbounded" }
        ),
        stopped
      )
      yield* Effect.logDebug(`the controller ${name} starts: its stores are ready`)
      // Everything the store holds (the changes may have told it already: they coalesce).
      const addAll = Effect.map(store.list(), (objects) => {
        for (const object of objects) queue.add(Store.keyOf(object))
      })
      yield* addAll
      if (options.resync !== undefined) {
        const every = Duration.decode(options.resync)
        yield* addAll.pipe(Effect.repeat(Schedule.spaced(every)), Effect.delay(every), Effect.forkScoped)
      }

      const backoff: Schedule.Schedule<unknown, Cause.Cause<E>> = options.backoff ?? defaultBackoff
      const failures = new Map<string, { count: number; state: unknown }>()
      const reconciles = {
        done: metricKeys.counter(metricKeys.controllerReconciles, [
          ["controller", name],
          ["result", "done"]
        ]),
        requeue: metricKeys.counter(metricKeys.controllerReconciles, [
          ["controller", name],
          ["result", "requeue"]
        ]),
        error: metricKeys.counter(metricKeys.controllerReconciles, [
          ["controller", name],
          ["result", "error"]
        ])
      }
      const duration = metricKeys.histogram(metricKeys.controllerReconcileDuration, [["controller", name]])
      const depth = metricKeys.gauge(metricKeys.controllerQueueDepth, [["controller", name]])

      const afterFailure = (key: string, cause: Cause.Cause<E>) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const previous = failures.get(key)
          const [state, , decision] = yield* backoff.step(now, cause, previous?.state ?? backoff.initial)
          const count = (previous?.count ?? 0) + 1
          // An ended backoff starts over at the key's next change.
          failures.set(key, { count, state: ScheduleDecision.isDone(decision) ? backoff.initial : state })
          const what = Cause.pretty(cause).split("\n")[0] ?? "failed"
          if (ScheduleDecision.isDone(decision)) {
            yield* Effect.logWarning(
              `the reconcile of ${key} by the controller ${name} failed (${what}); the backoff ended: waiting for the next change`
            )
            return
          }
          const delay = Duration.millis(Math.max(0, ScheduleIntervals.start(decision.intervals) - now))
          yield* Effect.logWarning(
            `the reconcile of ${key} by the controller ${name} failed (${what}); again in ${Duration.format(delay)}`
          )
          yield* queue.addAfter(key, delay)
        })

      const reconcileKey = (key: string) =>
        Effect.gen(function* () {
          const object = yield* store.getByKey(key)
          // Gone from the store: nothing to reconcile (finalizers see deletions before).
          if (Option.isNone(object)) {
            failures.delete(key)
            return
          }
          const ref = Store.refOf(object.value)
          const start = yield* Clock.currentTimeMillis
          const exit = yield* options
            .reconcile(object.value, { key, ref, store, failures: failures.get(key)?.count ?? 0 })
            .pipe(
              Effect.withSpan("Controller.reconcile", {
                attributes: { "effect_kube.controller": name, "k8s.object.key": key }
              }),
              Effect.exit
            )
          const end = yield* Clock.currentTimeMillis
          yield* Metric.update(duration, (end - start) / 1000)
          if (exit._tag === "Failure") {
            // An interruption the reconcile returned (its own fiber was not interrupted, or this
            // line would not run) is a failure like any other: the worker goes on.
            yield* Metric.increment(reconciles.error)
            return yield* afterFailure(key, exit.cause)
          }
          failures.delete(key)
          if (exit.value._tag === "RequeueAfter") {
            yield* Metric.increment(reconciles.requeue)
            yield* Effect.logDebug(
              `reconciled ${key} (controller ${name}); again in ${Duration.format(exit.value.after)}`
            )
            return yield* queue.addAfter(key, exit.value.after)
          }
          yield* Metric.increment(reconciles.done)
          yield* Effect.logDebug(`reconciled ${key} (controller ${name})`)
        })

      const worker = Effect.forever(
        Effect.flatMap(queue.take, (key) =>
          reconcileKey(key).pipe(
            // A defect of the controller's own (not the reconcile's): logged, the worker goes on.
            Effect.catchAllDefect((defect) =>
              Effect.logError(`the controller ${name} failed on ${key}`, Cause.die(defect))
            ),
            Effect.ensuring(
              Effect.suspend(() => {
                queue.done(key)
                return Metric.set(depth, queue.depth())
              })
            )
          )
        )
      )
      const asked = options.concurrency ?? 4
      const concurrency = Number.isFinite(asked) ? Math.max(1, Math.floor(asked)) : 4
      const workers: Array<Fiber.RuntimeFiber<never>> = []
      // Stopping: no new reconcile starts; running ones get the deadline, then are interrupted.
      // Registered before the workers start, so that none can outlive the controller.
      const shutdownTimeout = Duration.decode(options.shutdownTimeout ?? "30 seconds")
      yield* Effect.addFinalizer(() =>
        Effect.gen(function* () {
          yield* queue.shutdown
          // Finalizers run uninterruptibly: the wait is made interruptible so that the deadline can end it.
          const ended = yield* Effect.interruptible(Fiber.awaitAll(workers)).pipe(
            Effect.timeout(shutdownTimeout),
            Effect.option
          )
          if (Option.isNone(ended)) {
            yield* Effect.logWarning(
              `the controller ${name} stops: reconciles still running after ${Duration.format(shutdownTimeout)} are interrupted`
            )
          }
          yield* Fiber.interruptAll(workers)
          yield* Effect.logDebug(`the controller ${name} stopped`)
        })
      )
      for (let i = 0; i < concurrency; i++) workers.push(yield* Effect.forkDaemon(worker))
      yield* Effect.forever(Effect.zipRight(Effect.sleep("1 second"), Metric.set(depth, queue.depth()))).pipe(
        Effect.forkScoped
      )
      return yield* stopped
    })
  )

const groupOf = (apiVersion: string): string => {
  const slash = apiVersion.indexOf("/")
  return slash < 0 ? "" : apiVersion.slice(0, slash)
}

/**
 * Server-side apply of an object's status with the controller's field manager (taking over the
 * status fields by default, `force: true`: the controller owns its status). `object` is the one
 * reconciled (from the store, complete: it is checked in full); only `status` is sent, so the
 * manager owns nothing else. The field manager is the option's, else the client default's.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Controller } from "effect-kube"
 * import { Deployment } from "effect-kube/models/apps/v1"
 *
 * declare const observed: Deployment
 * const reported = Controller.applyStatus(
 *   Deployment,
 *   observed,
 *   { observedGeneration: observed.metadata?.generation ?? 0, conditions: [] },
 *   { fieldManager: "example.com/rollout-watcher" }
 * )
 * ```
 *
 * @since 0.1.0
 * @category helpers
 */
export const applyStatus = <
  A extends Resource.KubeObject & { readonly status?: unknown },
  N extends boolean,
  I
>(
  resource: Resource.Resource<A, N, "status", I>,
  object: A,
  status: A["status"],
  options: Client.ApplyOptions = {}
): Effect.Effect<A, Client.ClientError, Client.Requirements> =>
  Client.applyStatus(resource, { ...object, status }, { force: true, ...options })
