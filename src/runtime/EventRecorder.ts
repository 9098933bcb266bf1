/**
 * Events about objects (what `kubectl describe` shows under "Events"), written in the background
 * as client-go's event recorders do:
 *
 * - **`events.k8s.io/v1`** Events, or core `v1` Events where the server does not serve the former
 *   (asked once, at the first write; or chosen with `api`).
 * - **Series**: occurrences of the same event (same object, related object, type, reason, action
 *   and reporter; the note may differ, the first one is kept) within `finishAfter` (6 minutes) of
 *   the previous one make one Event whose `series` (core `v1`: `count`) counts them, instead of one
 *   Event each. The first occurrence is created at once; later counts are written at most every
 *   `seriesInterval` per series (client-go: the second at once, later ones every 30 minutes), and
 *   all of them when the recorder's scope closes or on {@link Recorder.flush}.
 * - **Rate limit**: new Events (not series counts) about one object are limited by a token bucket
 *   (client-go's spam filter: 25 at once, then one per 5 minutes); those over it are dropped.
 * - **Never in the way**: `publish` only fails on an event that is invalid in itself
 *   (`InvalidRequest`); writes happen in background fibers, transient failures are retried with
 *   `retrySchedule`, a full queue (`queueSize`) or a rejection drops the event with a log line.
 *   `Metrics.eventWrites` counts creations, series updates, drops and failures.
 *
 * @since 0.1.0
 */

import type * as HttpClient from "@effect/platform/HttpClient"
import {
  Clock,
  Context,
  Data,
  Duration,
  Effect,
  Either,
  Layer,
  Metric,
  Queue,
  Random,
  Schedule,
  ScheduleDecision,
  ScheduleIntervals,
  type Scope
} from "effect"
import * as Client from "../client/Client.js"
import * as Discovery from "../client/Discovery.js"
import * as ApiError from "../http/ApiError.js"
import * as metricKeys from "../http/internal/metricKeys.js"
import { messageOf } from "../internal/causes.js"
import * as core from "../models/core/v1.js"
import * as events from "../models/events/v1.js"
import { InvalidRequest } from "../resource/InvalidRequest.js"
import type * as Resource from "../resource/Resource.js"
import * as MicroTime from "./internal/microTime.js"

/**
 * An event about an object: `Normal` or `Warning`, why (`reason`, UpperCamelCase, e.g.
 * `Synced`), what was done (`action`, e.g. `Reconcile`), a human note (up to 1 KiB: longer ones
 * are cut), and another object it relates to.
 *
 * @since 0.1.0
 * @category models
 */
export interface Event {
  readonly type: "Normal" | "Warning"
  readonly reason: string
  readonly action: string
  readonly note?: string | undefined
  readonly related?: Resource.KubeObject | core.ObjectReference | undefined
}

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The reporting controller, e.g. `example.com/mirror-controller`. */
  readonly controller: string
  /** This instance of it (e.g. the pod's name). Default: the controller and a random suffix. */
  readonly instance?: string | undefined
  /** Which Events to write. Default: `auto` (`events.k8s.io/v1` where served, else `v1`). */
  readonly api?: "auto" | "events.k8s.io/v1" | "v1" | undefined
  /** New Events about one object at once. Default: 25. */
  readonly burst?: number | undefined
  /** One more new Event about an object per this. Default: 5 minutes. */
  readonly refill?: Duration.DurationInput | undefined
  /** The shortest time between two writes of a series' count. Default: 30 seconds. */
  readonly seriesInterval?: Duration.DurationInput | undefined
  /** A series ends this long after its last occurrence; the next one starts a new Event. Default: 6 minutes. */
  readonly finishAfter?: Duration.DurationInput | undefined
  /** Writes waiting at most; more are dropped. Default: 1000. */
  readonly queueSize?: number | undefined
  /** Retries of a write that failed for a transient reason. Default: every 10 s (jittered), 11 times (client-go's 12 tries). */
  readonly retrySchedule?: Schedule.Schedule<unknown, unknown> | undefined
  /** How long closing the scope waits for pending writes. Default: 5 seconds. */
  readonly shutdownTimeout?: Duration.DurationInput | undefined
}

/**
 * A recorder: {@link make} one per controller (or use {@link layer}).
 *
 * @since 0.1.0
 * @category models
 */
export interface Recorder {
  /** Records an occurrence of `event` about `regarding`; returns at once (the write happens in the background). */
  readonly publish: (
    regarding: Resource.KubeObject | core.ObjectReference,
    event: Event
  ) => Effect.Effect<void, InvalidRequest>
  /** Writes every occurrence recorded so far (series counts included), and waits until written or given up. */
  readonly flush: Effect.Effect<void>
}

/**
 * The service of a recorder, for {@link layer} and {@link publish}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EventRecorder } from "effect-kube"
 *
 * const program = Effect.flatMap(EventRecorder.EventRecorder, (recorder) => recorder.flush)
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class EventRecorder extends Context.Tag("effect-kube/EventRecorder")<EventRecorder, Recorder>() {}

type Api = "events.k8s.io/v1" | "v1"

interface Entry {
  readonly key: string
  name: string
  readonly regarding: core.ObjectReference
  readonly related: core.ObjectReference | undefined
  readonly event: Event
  readonly note: string | undefined
  readonly firstAt: number
  count: number
  lastAt: number
  /** Occurrences the server has. */
  written: number
  /** The API the Event was created with. */
  api: Api | undefined
  lastWriteAt: number
  state: "idle" | "queued" | "writing"
  /** A failed write's retry: the schedule's state, and when the next attempt is due. */
  retry: { readonly state: unknown; readonly at: number } | undefined
}

class Retryable extends Data.TaggedError("Retryable")<{ readonly cause: unknown }> {}

/** A reference is told from an object by its lack of `metadata` (an object without one has no name either). */
const isReference = (object: Resource.KubeObject | core.ObjectReference): object is core.ObjectReference =>
  !("metadata" in object)

const referenceOf = (object: Resource.KubeObject | core.ObjectReference): core.ObjectReference => {
  if (!isReference(object)) {
    const metadata = object.metadata ?? {}
    return {
      apiVersion: object.apiVersion,
      kind: object.kind,
      ...(metadata.name !== undefined ? { name: metadata.name } : {}),
      ...(metadata.namespace !== undefined ? { namespace: metadata.namespace } : {}),
      ...(metadata.uid !== undefined ? { uid: metadata.uid } : {})
    }
  }
  // A reference as given, without its resourceVersion (a series spans the object's versions).
  const { resourceVersion: _, ...reference } = object
  return reference
}

/**
 * The namespace of an Event: its object's; for a cluster-scoped object, `kube-system` with
 * `events.k8s.io/v1` (the only one servers before 1.22 accept there) and `default` with core `v1`.
 */
const namespaceOf = (entry: { readonly regarding: core.ObjectReference }, api: Api): string =>
  entry.regarding.namespace ?? (api === "events.k8s.io/v1" ? "kube-system" : "default")

/** A qualified name (`[prefix/]name`), as the apiserver wants `reportingController`. */
const isQualifiedName = (value: string): boolean => {
  const slash = value.lastIndexOf("/")
  const prefix = slash < 0 ? undefined : value.slice(0, slash)
  const name = slash < 0 ? value : value.slice(slash + 1)
  const nameOk = name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name)
  const prefixOk =
    prefix === undefined ||
    (prefix.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(prefix))
  return nameOk && prefixOk
}

const encoder = new TextEncoder()

/** `note` cut to 1024 bytes of UTF-8 (the apiserver's limit), on a character boundary. */
const cutNote = (note: string | undefined): string | undefined => {
  if (note === undefined || encoder.encode(note).length <= 1024) return note
  let out = ""
  let bytes = 0
  for (const char of note) {
    const size = encoder.encode(char).length
    if (bytes + size > 1021) break
    out += char
    bytes += size
  }
  return `${out}...`
}

const checkEvent = (regarding: core.ObjectReference, event: Event): Either.Either<void, InvalidRequest> => {
  const invalid = (detail: string) => Either.left(new InvalidRequest({ detail: `event: ${detail}` }))
  if (regarding.name === undefined || regarding.name === "")
    return invalid("the object it is about has no name")
  if (regarding.kind === undefined || regarding.kind === "")
    return invalid("the object it is about has no kind")
  if (regarding.apiVersion === "meta.k8s.io/v1") {
    return invalid(
      "the object it is about is PartialObjectMetadata: pass a reference with its own apiVersion and kind"
    )
  }
  if (event.reason === "" || encoder.encode(event.reason).length > 128) {
    return invalid("reason must have 1 to 128 bytes")
  }
  if (event.action === "" || encoder.encode(event.action).length > 128) {
    return invalid("action must have 1 to 128 bytes")
  }
  if (event.type !== "Normal" && event.type !== "Warning") return invalid("type must be Normal or Warning")
  return Either.right(undefined)
}

/** What a write is retried on: what may pass on its own (`Client.isTransient`), and conflicts. */
const isTransient = (error: unknown): boolean =>
  Client.isTransient(error) || (error instanceof ApiError.ApiError && error.code === 409)

/**
 * A recorder whose writers live in the scope; closing it writes what is pending (for up to
 * `shutdownTimeout`). Invalid options fail with `InvalidRequest`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EventRecorder } from "effect-kube"
 * import type { ConfigMap } from "effect-kube/models/core/v1"
 *
 * declare const object: ConfigMap
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const recorder = yield* EventRecorder.make({ controller: "example.com/mirror", instance: "mirror-0" })
 *     yield* recorder.publish(object, { type: "Normal", reason: "Mirrored", action: "Reconcile", note: "copied" })
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<Recorder, InvalidRequest, Scope.Scope | Client.Requirements> =>
  Effect.gen(function* () {
    const invalid = (detail: string) => new InvalidRequest({ detail: `event recorder: ${detail}` })
    if (!isQualifiedName(options.controller)) {
      return yield* invalid(
        `controller ${JSON.stringify(options.controller)} is not a qualified name (e.g. example.com/my-controller)`
      )
    }
    const burst = options.burst ?? 25
    if (!Number.isInteger(burst) || burst < 1) return yield* invalid("burst must be a positive integer")
    const queueSize = options.queueSize ?? 1000
    if (!Number.isInteger(queueSize) || queueSize < 1)
      return yield* invalid("queueSize must be a positive integer")
    const refill = Duration.toMillis(Duration.decode(options.refill ?? "5 minutes"))
    const seriesInterval = Duration.toMillis(Duration.decode(options.seriesInterval ?? "30 seconds"))
    const finishAfter = Duration.toMillis(Duration.decode(options.finishAfter ?? "6 minutes"))
    if (!(refill > 0) || !(seriesInterval >= 0) || !(finishAfter > 0)) {
      return yield* invalid("refill and finishAfter must be positive, seriesInterval not negative")
    }
    const instance =
      options.instance ??
      `${options.controller.slice(0, 120)}-${(yield* Random.nextInt).toString(36).slice(-6)}`
    if (instance === "" || instance.length > 128)
      return yield* invalid("instance must have 1 to 128 characters")
    const retrySchedule: Schedule.Schedule<unknown, unknown> =
      options.retrySchedule ??
      Schedule.spaced("10 seconds").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(11)))

    const writes = {
      created: metricKeys.counter(metricKeys.eventWrites, [["result", "created"]]),
      series: metricKeys.counter(metricKeys.eventWrites, [["result", "series"]]),
      dropped: metricKeys.counter(metricKeys.eventWrites, [["result", "dropped"]]),
      failed: metricKeys.counter(metricKeys.eventWrites, [["result", "failed"]])
    }
    const entries = new Map<string, Entry>()
    const buckets = new Map<string, { tokens: number; at: number }>()
    const queue = yield* Queue.dropping<string>(queueSize)
    let api: Api | undefined = options.api === "auto" || options.api === undefined ? undefined : options.api
    // Names of Events differ between recorders started in the same millisecond too.
    const seed = yield* Random.nextIntBetween(0, 1_000_000)
    let sequence = 0

    /** Whether the server serves `events.k8s.io/v1` (asked once, through its discovery document). */
    const chooseApi: Effect.Effect<Api, Retryable, HttpClient.HttpClient> = Effect.gen(function* () {
      if (api !== undefined) return api
      const chosen = yield* Discovery.groupVersion("events.k8s.io/v1").pipe(
        Effect.map(
          (kinds): Api => (kinds.some((k) => k.info.plural === "events") ? "events.k8s.io/v1" : "v1")
        ),
        Effect.catchIf(
          (e) => e._tag === "ApiError" && e.code === 404,
          () => Effect.succeed<Api>("v1")
        ),
        Effect.mapError((cause) => new Retryable({ cause }))
      )
      api = chosen
      return chosen
    })

    const eventsBody = (entry: Entry, count: number, lastAt: number): events.Event => ({
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name: entry.name, namespace: namespaceOf(entry, "events.k8s.io/v1") },
      eventTime: MicroTime.microTime(entry.firstAt),
      type: entry.event.type,
      reason: entry.event.reason,
      action: entry.event.action,
      regarding: entry.regarding,
      reportingController: options.controller,
      reportingInstance: instance,
      ...(entry.note !== undefined ? { note: entry.note } : {}),
      ...(entry.related !== undefined ? { related: entry.related } : {}),
      ...(count > 1 ? { series: { count, lastObservedTime: MicroTime.microTime(lastAt) } } : {})
    })
    const coreBody = (entry: Entry, count: number, lastAt: number): core.Event => ({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: entry.name, namespace: namespaceOf(entry, "v1") },
      involvedObject: entry.regarding,
      type: entry.event.type,
      reason: entry.event.reason,
      action: entry.event.action,
      reportingComponent: options.controller,
      reportingInstance: instance,
      source: { component: options.controller },
      firstTimestamp: MicroTime.time(entry.firstAt),
      lastTimestamp: MicroTime.time(lastAt),
      count,
      ...(entry.note !== undefined ? { message: entry.note } : {}),
      ...(entry.related !== undefined ? { related: entry.related } : {})
    })

    /** Writes what `entry` holds now: creates its Event, or updates its count. Returns the count written. */
    const write = (entry: Entry): Effect.Effect<number, unknown, Client.Requirements> =>
      Effect.gen(function* () {
        const count = entry.count
        const lastAt = entry.lastAt
        const chosen = entry.api ?? (yield* chooseApi)
        const where = { namespace: namespaceOf(entry, chosen) }
        const create: Effect.Effect<void, Client.ClientError, Client.Requirements> =
          chosen === "events.k8s.io/v1"
            ? Effect.asVoid(Client.create(events.Event, eventsBody(entry, count, lastAt), where))
            : Effect.asVoid(Client.create(core.Event, coreBody(entry, count, lastAt), where))
        if (entry.written === 0) {
          yield* Effect.catchIf(
            create,
            (e): e is ApiError.ApiError => e instanceof ApiError.ApiError && e.reason === "AlreadyExists",
            (e) => alreadyThere(entry, chosen, e)
          )
          entry.api = chosen
          yield* Metric.increment(writes.created)
          return count
        }
        const update: Effect.Effect<void, Client.ClientError, Client.Requirements> =
          chosen === "events.k8s.io/v1"
            ? Effect.asVoid(
                Client.patch(
                  events.Event,
                  entry.name,
                  { series: { count, lastObservedTime: MicroTime.microTime(lastAt) } },
                  { ...where, patchType: "merge" }
                )
              )
            : Effect.asVoid(
                Client.patch(
                  core.Event,
                  entry.name,
                  { count, lastTimestamp: MicroTime.time(lastAt) },
                  { ...where, patchType: "merge" }
                )
              )
        // Gone (Events expire, after an hour by default): created again, with the count.
        yield* Effect.catchIf(
          update,
          (e) => e instanceof ApiError.ApiError && e.code === 404,
          () => create
        )
        yield* Metric.increment(writes.series)
        return count
      })

    /**
     * A create answered AlreadyExists: an earlier attempt of ours got through (its answer was
     * lost), or another recorder took the name. Ours: written. Another's: a new name, then again.
     */
    const alreadyThere = (entry: Entry, chosen: Api, error: ApiError.ApiError) =>
      Effect.gen(function* () {
        const where = { namespace: namespaceOf(entry, chosen) }
        const found =
          chosen === "events.k8s.io/v1"
            ? Effect.map(Client.get(events.Event, entry.name, where), (e) => e.reportingInstance)
            : Effect.map(Client.get(core.Event, entry.name, where), (e) => e.reportingInstance)
        const reporter = yield* Effect.catchAll(found, () => Effect.succeed(undefined))
        if (reporter === instance) return
        entry.name = yield* nameFor(entry.regarding)
        return yield* new Retryable({ cause: error })
      })

    /** `<object name>.<hex time and sequence>`, as client-go names Events; a valid name whatever the object's. */
    const nameFor = (regarding: core.ObjectReference) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const suffix = (BigInt(now) * 1_000_000n + BigInt((seed + sequence++) % 1_000_000)).toString(16)
        const prefix = (regarding.name ?? "").slice(0, 253 - suffix.length - 1).replace(/[-.]+$/, "")
        return prefix === "" ? suffix : `${prefix}.${suffix}`
      })

    const enqueue = (entry: Entry) =>
      Effect.gen(function* () {
        entry.state = "queued"
        if (yield* Queue.offer(queue, entry.key)) return
        entry.state = "idle"
        entry.retry = undefined
        yield* Metric.increment(writes.dropped)
        yield* Effect.logWarning(
          `dropped an event about ${entry.regarding.kind} ${entry.regarding.name}: too many waiting (${queueSize})`
        )
        if (entry.written === 0) entries.delete(entry.key)
        else entry.count = entry.written
      })

    /** Gives up on what `entry` holds beyond what was written. */
    const abandon = (entry: Entry, error: unknown) =>
      Effect.gen(function* () {
        entry.state = "idle"
        entry.retry = undefined
        yield* Metric.increment(writes.failed)
        yield* Effect.logWarning(
          `could not write an event about ${entry.regarding.kind} ${entry.regarding.name} (${entry.event.reason}): ${messageOf(error)}`
        )
        if (entry.written === 0) entries.delete(entry.key)
        else entry.count = entry.written
      })

    const work = Effect.gen(function* () {
      const key = yield* Queue.take(queue)
      const entry = entries.get(key)
      if (entry === undefined || entry.state !== "queued") return
      entry.state = "writing"
      const result = yield* Effect.either(write(entry))
      const now = yield* Clock.currentTimeMillis
      if (Either.isRight(result)) {
        entry.written = result.right
        entry.lastWriteAt = now
        entry.state = "idle"
        entry.retry = undefined
        return
      }
      const error = result.left instanceof Retryable ? result.left.cause : result.left
      if (!(result.left instanceof Retryable) && !isTransient(error)) return yield* abandon(entry, error)
      const [state, , decision] = yield* retrySchedule.step(
        now,
        error,
        entry.retry?.state ?? retrySchedule.initial
      )
      if (ScheduleDecision.isDone(decision)) return yield* abandon(entry, error)
      // Due again at `at`: the ticker (or a flush) enqueues it then; no fiber waits for it.
      const at = Math.max(now, ScheduleIntervals.start(decision.intervals))
      entry.retry = { state, at }
      entry.state = "idle"
      yield* Effect.logDebug(`writing an event failed (${messageOf(error)}); again in ${at - now} ms`)
    })

    /** Whether `entry` has occurrences to write and may be written now. */
    const due = (entry: Entry, now: number) =>
      entry.state === "idle" &&
      entry.count > entry.written &&
      (entry.retry === undefined || now >= entry.retry.at)

    /** Series counts due, and series that ended. */
    const tick = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      for (const entry of entries.values()) {
        if (entry.state !== "idle") continue
        if (entry.retry !== undefined) {
          if (now >= entry.retry.at) yield* enqueue(entry)
        } else if (entry.count > entry.written) {
          if (now - entry.lastWriteAt >= seriesInterval) yield* enqueue(entry)
        } else if (now - entry.lastAt >= finishAfter) entries.delete(entry.key)
      }
      for (const [key, bucket] of buckets) {
        if (bucket.tokens + (now - bucket.at) / refill >= burst) buckets.delete(key)
      }
    })

    const pending = () => {
      for (const entry of entries.values()) if (entry.count > entry.written) return true
      return false
    }
    const flush: Effect.Effect<void> = Effect.gen(function* () {
      while (pending()) {
        const now = yield* Clock.currentTimeMillis
        for (const entry of entries.values()) if (due(entry, now)) yield* enqueue(entry)
        yield* Effect.sleep("10 millis")
      }
    })

    const publish = (
      regardingObject: Resource.KubeObject | core.ObjectReference,
      event: Event
    ): Effect.Effect<void, InvalidRequest> =>
      Effect.gen(function* () {
        const regarding = referenceOf(regardingObject)
        yield* checkEvent(regarding, event)
        const related = event.related === undefined ? undefined : referenceOf(event.related)
        const key = JSON.stringify([event.type, event.action, event.reason, regarding, related ?? null])
        const now = yield* Clock.currentTimeMillis
        const known = entries.get(key)
        if (known !== undefined) {
          known.count++
          known.lastAt = now
          return
        }
        // The spam filter: a token bucket per object for new Events.
        const objectKey = JSON.stringify(regarding)
        const bucket = buckets.get(objectKey) ?? { tokens: burst, at: now }
        bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) / refill)
        bucket.at = now
        buckets.set(objectKey, bucket)
        if (bucket.tokens < 1) {
          yield* Metric.increment(writes.dropped)
          yield* Effect.logDebug(`dropped an event about ${regarding.kind} ${regarding.name}: rate limit`)
          return
        }
        bucket.tokens -= 1
        const entry: Entry = {
          key,
          name: yield* nameFor(regarding),
          regarding,
          related,
          event,
          note: cutNote(event.note),
          firstAt: now,
          count: 1,
          lastAt: now,
          written: 0,
          api: undefined,
          lastWriteAt: now,
          state: "idle",
          retry: undefined
        }
        entries.set(key, entry)
        yield* enqueue(entry)
      })

    const workers = 4
    for (let i = 0; i < workers; i++) yield* Effect.forkScoped(Effect.forever(work))
    yield* Effect.forkScoped(
      tick.pipe(Effect.repeat(Schedule.spaced(Duration.millis(Math.min(1000, Math.max(10, seriesInterval))))))
    )
    // Closing: the pending writes first (the finalizer runs before the fibers above are interrupted).
    const shutdownTimeout = Duration.decode(options.shutdownTimeout ?? "5 seconds")
    yield* Effect.addFinalizer(() =>
      flush.pipe(
        Effect.interruptible,
        Effect.timeout(shutdownTimeout),
        Effect.catchAll(() =>
          Effect.logWarning("the event recorder closed with events not yet written: they are dropped")
        )
      )
    )
    return { publish, flush }
  })

/**
 * {@link make} as a layer of the {@link EventRecorder} service.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { EventRecorder } from "effect-kube"
 * import { NodeKube } from "effect-kube/node"
 *
 * const Live = EventRecorder.layer({ controller: "example.com/mirror" }).pipe(Layer.provideMerge(NodeKube.layer()))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<EventRecorder, InvalidRequest, Client.Requirements> =>
  Layer.scoped(EventRecorder, make(options))

/**
 * Records an event with the {@link EventRecorder} service.
 *
 * @example
 * ```ts
 * import { EventRecorder } from "effect-kube"
 * import type { ConfigMap } from "effect-kube/models/core/v1"
 *
 * declare const object: ConfigMap
 * const recorded = EventRecorder.publish(object, { type: "Warning", reason: "CopyFailed", action: "Reconcile" })
 * ```
 *
 * @since 0.1.0
 * @category recording
 */
export const publish = (
  regarding: Resource.KubeObject | core.ObjectReference,
  event: Event
): Effect.Effect<void, InvalidRequest, EventRecorder> =>
  Effect.flatMap(EventRecorder, (recorder) => recorder.publish(regarding, event))
