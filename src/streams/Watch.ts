/**
 * Watching: `watch` is the raw event stream of a kind (`ADDED`, `MODIFIED`, `DELETED`,
 * `BOOKMARK`), resumed from the last `resourceVersion` seen whenever the connection ends (server
 * timeout, network cut, apiserver restart, a connection gone silent); `watcher` lists first
 * (Init, InitApply..., InitDone), then follows changes, and relists when the server has forgotten
 * the version (410): the base of reflectors and controllers (kube-rs's watcher).
 *
 * @since 0.1.0
 */
import { HttpClient, type HttpClientError } from "@effect/platform"
import {
  Cause,
  Channel,
  Chunk,
  Clock,
  Data,
  Duration,
  Effect,
  Either,
  FiberRef,
  Metric,
  Option,
  ParseResult,
  Schedule,
  ScheduleDecision,
  ScheduleIntervals,
  Schema,
  Stream
} from "effect"
import * as ApiRequest from "../client/ApiRequest.js"
import * as Client from "../client/Client.js"
import { checkedAs } from "../client/internal/answer.js"
import { annotateTarget, kindAttributes, operation } from "../client/internal/operation.js"
import * as ApiError from "../http/ApiError.js"
import * as BodyIdleTimeout from "../http/BodyIdleTimeout.js"
import * as metricKeys from "../http/internal/metricKeys.js"
import { isConfigFailure, isTlsVerificationFailure } from "../http/KubeHttpClient.js"
import { causeChain } from "../internal/causes.js"
import { isRecord } from "../internal/json.js"
import * as InvalidRequest from "../resource/InvalidRequest.js"
import * as Resource from "../resource/Resource.js"
import { linesStage, type Made, writeBounded } from "./internal/chunks.js"

/**
 * An event of the raw watch, tagged as the watcher's are (`_tag`): `Added`, `Modified`, `Deleted`
 * (the server's `ADDED`, `MODIFIED`, `DELETED`) and `Bookmark` (with the version it marks).
 * {@link WatchEvent} (the value) gives `$is` and `$match`. The stream emits plain objects of this
 * shape (not made by the enum's constructors, whose structural equality would cost on the hot path).
 *
 * @since 0.1.0
 * @category models
 */
export type WatchEvent<A> = Data.TaggedEnum<{
  Added: { readonly object: A }
  Modified: { readonly object: A }
  Deleted: { readonly object: A }
  Bookmark: {
    readonly resourceVersion: string
    /**
     * The end of the initial events of a watch with `sendInitialEvents` (the server's
     * `k8s.io/initial-events-end` annotation): the events before it are the state at
     * `resourceVersion`.
     */
    readonly initialEventsEnd?: boolean | undefined
  }
}>

interface WatchEventDefinition extends Data.TaggedEnum.WithGenerics<1> {
  readonly taggedEnum: WatchEvent<this["A"]>
}

/**
 * Constructors, `$is` and `$match` of {@link WatchEvent}s.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import { Watch } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const names = Watch.watch(ConfigMap).pipe(
 *   Stream.filter((e) => Watch.WatchEvent.$is("Added")(e)),
 *   Stream.map((e) => e.object.metadata?.name)
 * )
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const WatchEvent = Data.taggedEnum<WatchEventDefinition>()

/** The annotation of the bookmark that ends the initial events of a streaming list. */
const INITIAL_EVENTS_END = "k8s.io/initial-events-end"

const isInitialEventsEnd = <A>(event: WatchEvent<A>): boolean =>
  event._tag === "Bookmark" && event.initialEventsEnd === true

/** The tags of the server's event types. */
const TAGS = { ADDED: "Added", MODIFIED: "Modified", DELETED: "Deleted" } as const

/**
 * A watch connection sent nothing (no event, no bookmark) for longer than the idle limit: it is
 * taken for dead and resumed (this error surfaces only when the retry schedule gives up).
 *
 * @example
 * ```ts
 * import { Watch } from "effect-kube"
 *
 * const error = new Watch.WatchIdle({ idleFor: "6 minutes" })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class WatchIdle extends Data.TaggedError("WatchIdle")<{ readonly idleFor: Duration.DurationInput }> {
  override get message(): string {
    return `the watch sent nothing for ${Duration.format(Duration.decode(this.idleFor))}`
  }
}

/**
 * Failures of a watch stream.
 *
 * @since 0.1.0
 * @category errors
 */
export type WatchError = Client.ClientError | WatchIdle

/**
 * Options of {@link watch} and {@link watcher}.
 *
 * @since 0.1.0
 * @category models
 */
export interface WatchOptions extends Client.SelectOptions {
  /** Start after this version (default: the current state first, as synthetic ADDED events). */
  readonly resourceVersion?: string | undefined
  /** Watch one object. */
  readonly name?: string | undefined
  /** The server closes each connection after this many seconds (`timeoutSeconds`), then it resumes. Default: 290. */
  readonly serverTimeout?: number | undefined
  /**
   * Begin with the current state as a *streaming list* (Kubernetes' `sendInitialEvents`, the
   * WatchList feature: served by the apiserver's watch cache, in constant memory on both sides
   * rather than pages of a list): an `Added` event per object, then a `Bookmark` with
   * `initialEventsEnd: true` at the version of that state (`resourceVersion`, when given, is the
   * oldest acceptable: `resourceVersionMatch=NotOlderThan`; unset: a consistent, most recent read),
   * then the changes. A server without the feature (before 1.27, or with the WatchList gate off; it
   * refuses the request with 422) is served by a paged list instead, with the same events: the
   * fallback is logged and remembered for the stream's life. If a connection ends before the end
   * bookmark, the initial events start over on the next one (for a consistent state, use
   * {@link watcher}, which restarts with `Init`). Bookmarks are asked for. Default: false.
   */
  readonly sendInitialEvents?: boolean | undefined
  /** Ask for bookmarks (version checkpoints). Default: true (always with `sendInitialEvents`). */
  readonly allowBookmarks?: boolean | undefined
  /** A connection silent for longer is resumed. Default: the server timeout plus 30 s. */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /**
   * When to reconnect after a failure that `retryable` accepts; reset after each event received.
   * Default: exponential from 200 ms, jittered, capped at 30 s, forever.
   */
  readonly retrySchedule?: Schedule.Schedule<unknown, unknown> | undefined
  /**
   * Which failures are retried (after `retrySchedule`'s delay, from the last version seen); the
   * others end the stream. Default: {@link isRetryable}. Every retry is logged as a warning with
   * its reason and the version it resumes from.
   */
  readonly retryable?: ((error: WatchError, context: RetryContext) => boolean) | undefined
}

/**
 * What a retry policy ({@link WatchOptions.retryable}) knows besides the failure.
 *
 * @since 0.1.0
 * @category retries
 */
export interface RetryContext {
  /**
   * Whether a connection of this stream (a watch, or the watcher's list) succeeded before: the
   * failure happened on a reconnect, where the credentials and the kind were known to work.
   */
  readonly connectedBefore: boolean
  /** Where a retry resumes: the version of the last event or bookmark received (else the starting one). */
  readonly resourceVersion: string | undefined
  /** How long the stream has been failing: since the first failure after its last success. */
  readonly failingFor: Duration.Duration
}

/**
 * How long the default policy ({@link isRetryable}) keeps retrying, on a reconnect, the failures
 * that mean wrong credentials, permissions or kind on a first connection (401, 403, 404, a
 * credential plugin that fails, a TLS verification failure): long enough for an apiserver restart,
 * short enough that a revoked permission or a deleted kind ends the stream. Two minutes.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { Watch } from "effect-kube"
 *
 * console.log(Duration.format(Watch.reconnectGrace)) // "2m"
 * ```
 *
 * @since 0.1.0
 * @category retries
 */
export const reconnectGrace: Duration.Duration = Duration.minutes(2)

/**
 * The default retry policy of {@link watch} and {@link watcher}, close to client-go's reflector
 * (which retries every list and watch failure with backoff): a connection that failed, was cut or
 * went silent, `408`, `429` and `5xx` answers are retried, for ever; `401`, `403` and `404`, a
 * credential failure (`KubeHttpClient.isConfigFailure`) and a TLS verification failure are retried
 * only on a reconnect (`context.connectedBefore`) and for {@link reconnectGrace}, as an apiserver
 * answers so for a while after a restart (authenticators, RBAC and custom resources not loaded
 * yet), while on the first connection, or for longer, they mean that the credentials, the
 * permissions or the kind are wrong. A version the
 * server no longer has (410) is not retried: the raw watch fails with it ({@link isGone}), the
 * watcher relists. Request errors (`InvalidRequest`, `SelectorError`), events that do not decode
 * and lines that are not JSON (`ParseError`) are not retried.
 *
 * @example
 * ```ts
 * import { Watch } from "effect-kube"
 * import { Pod } from "effect-kube/models/core/v1"
 *
 * // Also retry a 403 on the first connection (permissions granted by a controller soon):
 * const pods = Watch.watch(Pod, {
 *   retryable: (error, context) =>
 *     Watch.isRetryable(error, context) || (error._tag === "ApiError" && error.code === 403)
 * })
 * ```
 *
 * @since 0.1.0
 * @category retries
 */
export const isRetryable = (error: WatchError, context: RetryContext): boolean => {
  switch (error._tag) {
    case "WatchIdle":
      return true
    case "RequestError":
      if (error.reason !== "Transport") return false
      return isConfigFailure(error) || isTlsVerificationFailure(error) ? inGrace(context) : true
    case "ResponseError":
      // The body failed while read: the connection broke.
      return error.reason === "Decode"
    case "ApiError":
      if (error.code === 408 || error.code === 429 || error.code >= 500) return true
      return (error.code === 401 || error.code === 403 || error.code === 404) && inGrace(context)
    default:
      return false
  }
}

const inGrace = (context: RetryContext): boolean =>
  context.connectedBefore && Duration.lessThan(context.failingFor, reconnectGrace)

/**
 * The version an event brings the watch to: the object's `metadata.resourceVersion`, or the
 * bookmark's. Watch again from the last event handled to resume without losing or repeating one.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Watch } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * let resumeFrom: string | undefined
 * const handled = Watch.watch(ConfigMap).pipe(
 *   Stream.runForEach((event) => Effect.sync(() => (resumeFrom = Watch.resourceVersionOf(event) ?? resumeFrom)))
 * )
 * // After a failure: Watch.watch(ConfigMap, { resourceVersion: resumeFrom })
 * ```
 *
 * @since 0.1.0
 * @category watching
 */
export const resourceVersionOf = <A>(event: WatchEvent<A>): string | undefined => {
  const rv = event._tag === "Bookmark" ? event.resourceVersion : versionOf(event.object)
  return rv === undefined || rv === "" ? undefined : rv
}

/**
 * The default reconnection policy of watches.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import { Watch } from "effect-kube"
 *
 * // At most 10 reconnections in a row:
 * const bounded = Watch.defaultRetrySchedule.pipe(Schedule.intersect(Schedule.recurs(10)))
 * ```
 *
 * @since 0.1.0
 * @category retries
 */
export const defaultRetrySchedule: Schedule.Schedule<unknown, unknown> = Schedule.exponential(
  "200 millis"
).pipe(
  Schedule.jittered,
  Schedule.modifyDelay((_, d) => Duration.min(d, Duration.seconds(30)))
)

const RawEvent = Schema.Struct({ type: Schema.String, object: Schema.Unknown })

const versionOf = (object: unknown): string | undefined => {
  if (!isRecord(object) || !isRecord(object.metadata)) return undefined
  const rv = object.metadata.resourceVersion
  return typeof rv === "string" ? rv : undefined
}

/**
 * Where a watch stands, kept across its connections and retries. Plain cells, not `Ref`s: one
 * watch's stages run one at a time (never concurrently), and the hot path sets them per chunk or
 * page without running an Effect (a per-page Effect stage measurably kept the pages alive into
 * the old generation: 4x the GC time of a relist).
 */
interface Progress {
  /** The resume point: the version of the last event or bookmark received (else the starting one). */
  version: string | undefined
  /** Whether elements went out since the last failure (the retry schedule starts over then). */
  advanced: boolean
  /** Whether a connection (or the watcher's list) succeeded before. */
  connected: boolean
  /** When the current run of failures began (millis), `undefined` since the last success. */
  failingSince: number | undefined
  /**
   * Whether the next connection asks for the initial events (`sendInitialEvents`): until their end
   * bookmark arrives, the versions of the events are no resume point (the initial events come in
   * key order, not version order) and a new connection asks for all of them again.
   */
  initial: boolean
  /** The oldest acceptable version of the initial events (`resourceVersionMatch=NotOlderThan`). */
  initialFrom: string | undefined
  /** How many connections asking for the initial events answered (each starts them over). */
  initialConnections: number
  /** The server refused `sendInitialEvents` once: lists are used instead from then on. */
  streamingRefused: boolean
}

const makeProgress = (version: string | undefined): Progress => ({
  version,
  advanced: false,
  connected: false,
  failingSince: undefined,
  initial: false,
  initialFrom: undefined,
  initialConnections: 0,
  streamingRefused: false
})

/** A connection (or the watcher's list) answered. */
const succeeded = (progress: Progress): void => {
  progress.connected = true
  progress.failingSince = undefined
}

/** The context of a failure for the retry policy (starting the run of failures if it is the first). */
const retryContext = (progress: Progress): Effect.Effect<RetryContext> =>
  Effect.map(Clock.currentTimeMillis, (now) => {
    const since = progress.failingSince ?? now
    progress.failingSince = since
    return {
      connectedBefore: progress.connected,
      resourceVersion: progress.version,
      failingFor: Duration.millis(now - since)
    }
  })

/** A failure as a log line shows it: a `ParseError` by its tag only (its details may quote data). */
const describeFailure = (error: WatchError): string =>
  error._tag === "ParseError"
    ? "ParseError (a watch event that does not decode)"
    : `${error._tag}: ${error.message}`

/**
 * Retries a watch stream (raw or watcher) after the failures its policy accepts, with one schedule
 * (reset by each element), logging each retry with its reason and resume point.
 */
const retrying = <A, R>(
  stream: Stream.Stream<A, WatchError, R>,
  options: WatchOptions,
  progress: Progress,
  what: string,
  /** Which elements are progress (that starts the retry schedule over); default: all. */
  advances?: (a: A) => boolean
): Stream.Stream<A, WatchError, R> => {
  const retryable = options.retryable ?? isRetryable
  const schedule = Schedule.intersect(
    options.retrySchedule ?? defaultRetrySchedule,
    Schedule.recurWhileEffect((error: WatchError) =>
      Effect.map(retryContext(progress), (context) => retryable(error, context))
    )
  ).pipe(
    Schedule.onDecision(([, error], decision) =>
      Effect.gen(function* () {
        const from = progress.version ?? "(none: the current state first)"
        if (ScheduleDecision.isDone(decision)) {
          return yield* Effect.logDebug(
            `the watch of ${what} stops: ${describeFailure(error)}; it can resume from resourceVersion ${from}`
          )
        }
        const now = yield* Clock.currentTimeMillis
        const delay = Duration.millis(
          Math.max(0, Math.round(ScheduleIntervals.start(decision.intervals) - now))
        )
        yield* Effect.logWarning(
          `the watch of ${what} failed (${describeFailure(error)}); retrying in ${Duration.format(delay)} from resourceVersion ${from}`
        )
        yield* Metric.increment(metricKeys.counter(metricKeys.watchReconnects, [["resource", what]]))
      })
    )
  )
  // Stream.retry would run an Effect per chunk (resetting the schedule); here the chunks only
  // mark the progress (no Effect: an Effect per chunk of decoded events costs the watch dearly in
  // garbage collection), and the schedule starts over at the next failure when they did.
  const marked = Stream.mapChunks(stream, (chunk) => {
    if (chunk.length > 0 && (advances === undefined || Chunk.some(chunk, advances))) progress.advanced = true
    return chunk
  })
  return Stream.unwrap(
    Effect.map(Schedule.driver(schedule), (driver) => {
      const attempt: Stream.Stream<A, WatchError, R> = Stream.catchAll(marked, (error) =>
        Stream.unwrap(
          Effect.suspend(() => {
            const reset = progress.advanced ? driver.reset : Effect.void
            progress.advanced = false
            return reset.pipe(
              Effect.zipRight(driver.next(error)),
              Effect.match({ onFailure: () => Stream.fail(error), onSuccess: () => attempt })
            )
          })
        )
      )
      return attempt
    })
  )
}

/**
 * Whether a failure says that the version watched from is gone (410 Gone / Expired): a resume
 * from it is impossible, a relist is needed.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Watch } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const events = Watch.watch(ConfigMap, { resourceVersion: "1" }).pipe(
 *   Stream.catchAll((e) => (Watch.isGone(e) ? Stream.empty : Stream.fail(e)))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export const isGone = (error: WatchError): boolean =>
  error._tag === "ApiError" && (error.code === 410 || error.reason === "Expired" || error.reason === "Gone")

const watchUrlQuery = (
  options: WatchOptions,
  progress: Progress
): ReadonlyArray<readonly [string, string]> => {
  const query: Array<readonly [string, string]> = [
    ["watch", "true"],
    ["timeoutSeconds", String(options.serverTimeout ?? 290)]
  ]
  if (progress.initial) {
    // The end of the initial events is a bookmark: always asked for.
    query.push(
      ["allowWatchBookmarks", "true"],
      ["sendInitialEvents", "true"],
      ["resourceVersionMatch", "NotOlderThan"]
    )
  } else if (options.allowBookmarks !== false) {
    query.push(["allowWatchBookmarks", "true"])
  }
  const resourceVersion = progress.initial ? progress.initialFrom : progress.version
  if (resourceVersion !== undefined && resourceVersion !== "")
    query.push(["resourceVersion", resourceVersion])
  return query
}

/**
 * Whether a failure is a server's refusal of `sendInitialEvents` (a server without the WatchList
 * feature: 422 naming `sendInitialEvents`, or, before 1.27, `resourceVersionMatch` "forbidden for
 * watch"). Other refusals (a selector that does not parse) are not taken for it.
 */
const isStreamingRefused = (error: WatchError): boolean => {
  if (error._tag !== "ApiError" || (error.code !== 422 && error.code !== 400)) return false
  const named = (text: string | undefined) =>
    text !== undefined && (text.includes("sendInitialEvents") || text.includes("resourceVersionMatch"))
  return (
    named(error.status.message) || error.causes.some((cause) => named(cause.field) || named(cause.message))
  )
}

/** The options of the lists of a watch (its fallback) or watcher. */
const listOptionsOf = (
  options: Client.SelectOptions & {
    readonly name?: string | undefined
    readonly chunkSize?: number | undefined
  },
  resourceVersion: string | undefined
): Client.ListOptions => ({
  namespace: options.namespace,
  labels: options.labels,
  fields: options.name !== undefined ? { ...options.fields, "metadata.name": options.name } : options.fields,
  chunkSize: options.chunkSize,
  resourceVersion,
  // A paged list at a version is an exact read (410 once compacted); a watch's state may be newer
  // (client-go's reflector asks the same). "0" (the cache) and none (most recent) need no match.
  resourceVersionMatch:
    resourceVersion !== undefined && resourceVersion !== "" && resourceVersion !== "0"
      ? "NotOlderThan"
      : undefined
})

/**
 * The raw watch of a kind: typed events, resumed from the last version seen (bookmarks included)
 * whenever a connection ends, is cut (also in the middle of an event: the partial event is dropped
 * and comes again), goes silent, or fails in a way the `retryable` policy accepts (default:
 * {@link isRetryable}), with `retrySchedule` between failed attempts; other failures end the
 * stream, and {@link resourceVersionOf} the last event handled is where to resume. A line that is
 * whole but not JSON is a `ParseError`. A version the server no longer has (410) fails the stream
 * with an `ApiError` (see {@link isGone}; {@link watcher} relists instead): it never loops on a
 * stale version. Interrupting the stream closes the connection.
 *
 * @example
 * ```ts
 * import { Console, Effect, Stream } from "effect"
 * import { Watch } from "effect-kube"
 * import { Pod } from "effect-kube/models/core/v1"
 *
 * const printed = Watch.watch(Pod, { namespace: "apps", labels: { app: "web" } }).pipe(
 *   Stream.runForEach((e) => Console.log(e._tag, e._tag === "Bookmark" ? e.resourceVersion : e.object.metadata?.name))
 * )
 * ```
 *
 * @since 0.1.0
 * @category watching
 */
export const watch = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  options: WatchOptions = {}
): Stream.Stream<WatchEvent<A>, WatchError, Client.Requirements> =>
  Stream.suspend(() => {
    const streaming = options.sendInitialEvents === true
    const progress = makeProgress(streaming ? undefined : options.resourceVersion)
    progress.initial = streaming
    progress.initialFrom = options.resourceVersion
    const what = Resource.groupResource(resource)
    // Where the server refused the streaming list: a paged list and a watch from its version.
    const listed = Stream.concat(
      initialByList(resource, options, progress),
      connections(resource, options, progress)
    )
    const attempt = Stream.suspend(() =>
      progress.initial && progress.streamingRefused ? listed : connections(resource, options, progress)
    )
    return retrying(
      streaming
        ? Stream.catchAll(attempt, (error) =>
            progress.initial && isStreamingRefused(error)
              ? Stream.concat(Stream.execute(streamingRefused(what, progress, error)), listed)
              : Stream.fail(error)
          )
        : attempt,
      options,
      progress,
      what,
      // Initial events are progress only once they end (a state cut again and again backs off).
      streaming ? () => !progress.initial : undefined
    )
  })

/** Notes (and logs) that the server refused `sendInitialEvents`. */
const streamingRefused = (what: string, progress: Progress, error: WatchError): Effect.Effect<void> =>
  Effect.suspend(() => {
    progress.streamingRefused = true
    return Effect.logInfo(
      `the server refused a streaming list of ${what} (sendInitialEvents: ${describeFailure(error)}); listing instead`
    )
  })

/**
 * The raw watch's initial events where the server refused the streaming list: the pages of a list
 * as `Added` events, then the end bookmark at the list's version, from which the watch goes on.
 */
const initialByList = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  options: WatchOptions,
  progress: Progress
): Stream.Stream<WatchEvent<A>, WatchError, Client.Requirements> =>
  Stream.suspend(() => {
    let listVersion = ""
    return Client.listPages(resource, listOptionsOf(options, progress.initialFrom)).pipe(
      Stream.mapConcat((page): ReadonlyArray<WatchEvent<A>> => {
        if (listVersion === "") listVersion = page.resourceVersion
        return page.items.map((object): WatchEvent<A> => ({ _tag: "Added", object }))
      }),
      Stream.concat(
        Stream.sync((): WatchEvent<A> => {
          succeeded(progress)
          progress.initial = false
          progress.version = listVersion
          return { _tag: "Bookmark", resourceVersion: listVersion, initialEventsEnd: true }
        })
      )
    )
  })

/**
 * The connections of a watch, one after the other, each from `progress.version` (not
 * `options.resourceVersion`); a failure ends the stream (`retrying` decides what follows).
 */
const connections = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  options: WatchOptions,
  progress: Progress
): Stream.Stream<WatchEvent<A>, WatchError, Client.Requirements> =>
  Stream.unwrap(
    Effect.gen(function* () {
      // Checked before anything is sent: a name or namespace that is not a path segment is refused.
      if (options.name !== undefined) yield* InvalidRequest.checkSegment("name", options.name)
      const http = yield* HttpClient.HttpClient
      const target = yield* ApiRequest.target({
        resource,
        method: "GET",
        scope: "collection",
        // A watch's events carry single objects (`watch=true` joins the query per connection).
        ...(resource.representation !== undefined ? { accept: resource.representation.accept.object } : {}),
        namespace: options.namespace,
        select: {
          labels: options.labels,
          fields:
            options.name !== undefined
              ? { ...options.fields, "metadata.name": options.name }
              : (options.fields ?? {})
        }
      })
      const eventCounter = metricKeys.counter(metricKeys.watchEvents, [
        ["resource", Resource.groupResource(resource)]
      ])
      const reconnectCounter = metricKeys.counter(metricKeys.watchReconnects, [
        ["resource", Resource.groupResource(resource)]
      ])
      const idle = options.idleTimeout ?? Duration.seconds((options.serverTimeout ?? 290) + 30)
      const resumePoint = Effect.sync(() => progress.version ?? "(none: the current state first)")

      const connection: Stream.Stream<WatchEvent<A>, WatchError> = Stream.unwrapScoped(
        Effect.gen(function* () {
          const request = ApiRequest.toHttp({
            ...target,
            query: [...target.query, ...(yield* ApiRequest.checkQuery(watchUrlQuery(options, progress)))]
          })
          const initial = progress.initial
          const from = initial ? progress.initialFrom : progress.version
          // The idle limit, asked of the transport first (one timer per connection there).
          const asked: BodyIdleTimeout.Request = { idle: Duration.decode(idle), enforced: false }
          const response = yield* annotateTarget(target.namespace, options.name).pipe(
            Effect.zipRight(
              Effect.flatMap(
                Effect.provideService(
                  http.execute(request),
                  BodyIdleTimeout.BodyIdleTimeout,
                  Option.some(asked)
                ),
                checkedAs("watch")
              )
            ),
            operation("Watch.watch", "watch", {
              ...kindAttributes(resource),
              ...(from !== undefined && from !== "" ? { "k8s.watch.resource_version": from } : {}),
              ...(initial ? { "k8s.watch.send_initial_events": "true" } : {})
            })
          )
          succeeded(progress)
          if (initial) progress.initialConnections++
          const cut = (partial: string) =>
            Effect.flatMap(resumePoint, (from) =>
              Effect.logWarning(
                `the watch of ${Resource.groupResource(resource)} was cut in the middle of an event (${partial.length} characters dropped); resuming from resourceVersion ${from}`
              )
            )
          // The hot path works a piece of the body at a time, in one stage: decoded and split into
          // lines (once per piece), parsed into events in one loop, the resume point and the
          // counter updated once per piece, without an Effect (an Effect per chunk of decoded
          // events costs dearly in garbage collection); no Effect and no timer per event.
          const labels = yield* FiberRef.get(FiberRef.currentMetricLabels)
          const body = eventsOf<A, HttpClientError.ResponseError | WatchIdle>({
            decode: (lines) => decodeLines(resource, lines, request.url),
            onChunk: (decoded) => {
              if (decoded.events.length === 0) return
              gotEvent = true
              eventCounter.unsafeUpdate(decoded.events.length, labels)
              // The initial events' versions are no resume point: only their end bookmark is.
              if (progress.initial) {
                if (!decoded.events.some(isInitialEventsEnd)) return
                progress.initial = false
              }
              // An event without a version (a bookmark without one) keeps the resume point.
              if (decoded.resourceVersion !== undefined) progress.version = decoded.resourceVersion
            },
            onCut: cut
          })
          // Where the transport does not watch the body, a timer per read of it (a chunk of bytes).
          const watched: Stream.Stream<Uint8Array, HttpClientError.ResponseError | WatchIdle> = asked.enforced
            ? Stream.mapError(response.stream, (error) =>
                idleTimedOut(error) ? new WatchIdle({ idleFor: idle }) : error
              )
            : Stream.timeoutFail(response.stream, () => new WatchIdle({ idleFor: idle }), idle)
          return Stream.pipeThroughChannelOrFail(watched, body)
        })
      )

      // A connection that ends (server timeout, cut) is followed by the next one, from the last
      // version; one that ended without a single event waits a second first, so that a server
      // closing at once is not hammered.
      let gotEvent = false
      const paced = Stream.suspend(() => {
        gotEvent = false
        return Stream.concat(
          connection,
          Stream.fromEffect(
            Effect.gen(function* () {
              const got = gotEvent
              yield* Effect.logDebug(
                `a watch connection of ${Resource.groupResource(resource)} ended${got ? "" : " without an event"}; reconnecting${got ? "" : " in 1 second"} from resourceVersion ${yield* resumePoint}`
              )
              yield* Metric.increment(reconnectCounter)
              if (!got) yield* Effect.sleep("1 second")
            })
          ).pipe(Stream.drain)
        )
      })
      return Stream.forever(paced)
    })
  )

/**
 * Whether a body failed on the idle limit the transport took on (its `TimeoutException`, possibly
 * wrapped again by a layer above the transport, such as gzip's).
 */
const idleTimedOut = (error: unknown): boolean => causeChain(error).some(Cause.isTimeoutException)

/** What {@link eventsOf} needs: how lines become events, and what to do per chunk. */
interface BodyHandlers<A> {
  readonly decode: (lines: ReadonlyArray<string>) => Decoded<A>
  /** Runs once per chunk, before its events go out (synchronously: no Effect on the hot path). */
  readonly onChunk: (decoded: Decoded<A>) => void
  /** A last line cut in the middle of an event (dropped). */
  readonly onCut: (partial: string) => Effect.Effect<void>
}

/**
 * The events of a watch body, a piece of it at a time. A failure inside a piece (a line that does not
 * decode, an `ERROR` event) is raised right after the events before it went out; nothing more
 * is read. A last line without its newline is an event only if it is whole JSON; otherwise the
 * connection was cut in the middle of an event: the fragment is dropped (and `onCut` told), the body
 * ends there, and the next connection resumes from the last whole event (as client-go does on an
 * unexpected end of the stream).
 */
const eventsOf = <A, E>(
  handlers: BodyHandlers<A>
): Channel.Channel<
  Chunk.Chunk<WatchEvent<A>>,
  Chunk.Chunk<Uint8Array>,
  E | ApiError.ApiError | ParseResult.ParseError,
  E,
  unknown,
  unknown
> => {
  /** The events of some lines (the resume point and the counter told), and the failure among them. */
  const make = (
    got: ReadonlyArray<string>
  ): Made<WatchEvent<A>, E | ApiError.ApiError | ParseResult.ParseError> => {
    const decoded = handlers.decode(got)
    handlers.onChunk(decoded)
    return { items: decoded.events, error: decoded.error }
  }
  // A piece of the body at a time (see `linesStage`; as PodLog's lines).
  return linesStage(make, (rest) => {
    if (rest.trim() === "") return Channel.void
    if (!isJson(rest)) return Channel.fromEffect(handlers.onCut(rest))
    const made = make([rest])
    const out = writeBounded(made.items)
    return made.error === undefined ? out : Channel.zipRight(out, Channel.fail(made.error))
  })
}

const isJson = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** The events of a chunk of lines: those before the first failure, the failure, and the last version. */
interface Decoded<A> {
  readonly events: Array<WatchEvent<A>>
  readonly resourceVersion: string | undefined
  readonly error: ApiError.ApiError | ParseResult.ParseError | undefined
}

const decodeLines = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  lines: ReadonlyArray<string>,
  url: string
): Decoded<A> => {
  const events: Array<WatchEvent<A>> = []
  let error: ApiError.ApiError | ParseResult.ParseError | undefined
  for (const line of lines) {
    // A blank line (rare) is skipped; an event starts with "{" (no trim, no copy, per event).
    if (line.length === 0 || (line.charCodeAt(0) !== 123 && line.trim() === "")) continue
    const event = toEvent(resource, line, url)
    if (Either.isLeft(event)) {
      error = event.left
      break
    }
    events.push(event.right)
  }
  // The resume point: the last event that has a version (looked for from the end, usually the last).
  let resourceVersion: string | undefined
  for (let i = events.length - 1; i >= 0 && resourceVersion === undefined; i--) {
    const event = events[i]
    if (event !== undefined) resourceVersion = resourceVersionOf(event)
  }
  return { events, resourceVersion, error }
}

const toEvent = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  line: string,
  url: string
): Either.Either<WatchEvent<A>, ApiError.ApiError | ParseResult.ParseError> => {
  // A plain JSON.parse and shape check: this runs once per event, on the hot path.
  let raw: unknown
  try {
    raw = JSON.parse(line)
  } catch (cause) {
    // Neither the line nor the parser's message (which quotes it) is kept: it may hold a Secret.
    const at = /position (\d+)/.exec(cause instanceof Error ? cause.message : "")?.[1]
    return Either.left(
      new ParseResult.ParseError({
        issue: new ParseResult.Type(
          RawEvent.ast,
          undefined,
          `a watch line of ${line.length} characters is not JSON${at === undefined ? "" : ` (at position ${at})`}`
        )
      })
    )
  }
  if (!isRecord(raw) || typeof raw.type !== "string") {
    return Either.left(
      new ParseResult.ParseError({
        issue: new ParseResult.Type(RawEvent.ast, undefined, "a watch event needs a type and an object")
      })
    )
  }
  switch (raw.type) {
    case "ADDED":
    case "MODIFIED":
    case "DELETED": {
      // A plain object (what the enum's constructors make, without their cost on the hot path).
      const _tag = TAGS[raw.type]
      return Either.map(Resource.decodeTrusted(resource, raw.object), (object) => ({ _tag, object }))
    }
    case "BOOKMARK":
      return Either.right(
        isRecord(raw.object) &&
          isRecord(raw.object.metadata) &&
          isRecord(raw.object.metadata.annotations) &&
          raw.object.metadata.annotations[INITIAL_EVENTS_END] === "true"
          ? { _tag: "Bookmark", resourceVersion: versionOf(raw.object) ?? "", initialEventsEnd: true }
          : { _tag: "Bookmark", resourceVersion: versionOf(raw.object) ?? "" }
      )
    default: {
      // ERROR: the object is a Status (410 when the version is too old).
      const status = ApiError.statusFromBody(500, JSON.stringify(raw.object))
      return Either.left(new ApiError.ApiError({ status, method: "GET", url }))
    }
  }
}

/**
 * An event of {@link watcher}: the initial state (`Init`, an `InitApply` per object, `InitDone`),
 * then changes (`Apply`, `Delete`). After a relist (the server forgot the version), a new
 * `Init` ... `InitDone` sequence restates everything: consumers replace their state with it.
 *
 * @since 0.1.0
 * @category models
 */
export type WatcherEvent<A> = Data.TaggedEnum<{
  Init: {}
  InitApply: { readonly object: A }
  InitDone: { readonly resourceVersion: string }
  Apply: { readonly object: A }
  Delete: { readonly object: A }
}>

interface WatcherEventDefinition extends Data.TaggedEnum.WithGenerics<1> {
  readonly taggedEnum: WatcherEvent<this["A"]>
}

/**
 * Constructors, `$is` and `$match` of {@link WatcherEvent}s.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import { Watch } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const described = Watch.watcher(ConfigMap).pipe(
 *   Stream.map(
 *     Watch.WatcherEvent.$match({
 *       Init: () => "relisting",
 *       InitApply: (e) => `have ${e.object.metadata?.name}`,
 *       InitDone: (e) => `listed at ${e.resourceVersion}`,
 *       Apply: (e) => `changed ${e.object.metadata?.name}`,
 *       Delete: (e) => `deleted ${e.object.metadata?.name}`
 *     })
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const WatcherEvent = Data.taggedEnum<WatcherEventDefinition>()

/**
 * Options of {@link watcher}: those of {@link watch}, with `resourceVersion` for the first list.
 *
 * @since 0.1.0
 * @category models
 */
export interface WatcherOptions extends Omit<WatchOptions, "resourceVersion" | "sendInitialEvents"> {
  /**
   * The `resourceVersion` of the first list (the Kubernetes list parameter): `"0"` serves it from
   * the apiserver's cache, the cheapest, possibly a little behind; default: the most recent (a
   * quorum read). The watch then starts from the list's version; a relist after a 410 always
   * reads the most recent.
   */
  readonly resourceVersion?: string | undefined
  /** Objects per page of the list (`limit`). Default: 500. */
  readonly chunkSize?: number | undefined
  /**
   * Get the initial state (and that of each relist) as a *streaming list* (`sendInitialEvents`,
   * the WatchList feature, client-go's `WatchListClient` and kube-rs's `StreamingList`): one watch
   * connection sends every object, then the bookmark that ends them, then the changes — served by
   * the apiserver's watch cache without building list pages in its memory. The events are the same
   * (`Init`, `InitApply`..., `InitDone`, then changes); a connection cut before `InitDone` starts
   * over with `Init`. A server that refuses it (before 1.27, or the WatchList gate off: 422) is
   * listed instead, for the watcher's whole life (logged once). Default: false (paged lists).
   */
  readonly sendInitialEvents?: boolean | undefined
}

/** What a watcher does next: list or stream the state (at least at this version), or watch from its last version. */
type WatcherPhase =
  | { readonly _tag: "List"; readonly resourceVersion: string | undefined }
  | { readonly _tag: "Stream"; readonly resourceVersion: string | undefined }
  | { readonly _tag: "Watch" }

/**
 * List, then watch from the list's version, relisting when the version is gone (410, a watch or
 * an expired list continue token): kube-rs's `watcher`. One retry policy (`retryable`,
 * `retrySchedule`, as {@link watch}) covers the list and the watch: a failed list is listed again
 * (from `Init`), a failed watch resumes from its last version without a relist.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Watch } from "effect-kube"
 * import { Deployment } from "effect-kube/models/apps/v1"
 *
 * // A relist restates everything: build the new state aside, replace the old one at InitDone
 * // (`Reflector.make` keeps such a store for you, with indexes and a change stream).
 * let names = new Set<string>()
 * let relisting = new Set<string>()
 * const tracked = Watch.watcher(Deployment, { namespace: "apps", resourceVersion: "0" }).pipe(
 *   Stream.runForEach((e) =>
 *     Effect.sync(() => {
 *       if (e._tag === "Init") relisting = new Set()
 *       if (e._tag === "InitApply") relisting.add(e.object.metadata?.name ?? "")
 *       if (e._tag === "InitDone") names = relisting
 *       if (e._tag === "Apply") names.add(e.object.metadata?.name ?? "")
 *       if (e._tag === "Delete") names.delete(e.object.metadata?.name ?? "")
 *     })
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 * @category watching
 */
export const watcher = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  options: WatcherOptions = {}
): Stream.Stream<WatcherEvent<A>, WatchError, Client.Requirements> =>
  Stream.unwrap(
    Effect.gen(function* () {
      // Checked before anything is sent, as the watch does.
      if (options.name !== undefined) yield* InvalidRequest.checkSegment("name", options.name)
      const what = Resource.groupResource(resource)
      const progress = makeProgress(undefined)
      // A plain cell, as `Progress` (set on the hot path of a streaming list without an Effect).
      let phase: WatcherPhase = {
        _tag: options.sendInitialEvents === true ? "Stream" : "List",
        resourceVersion: options.resourceVersion
      }
      const stateBy = (resourceVersion: string | undefined): WatcherPhase =>
        options.sendInitialEvents === true && !progress.streamingRefused
          ? { _tag: "Stream", resourceVersion }
          : { _tag: "List", resourceVersion }

      // Changes, from the last version (after a list, a streamed state or a failure).
      const changes = connections(resource, options, progress).pipe(
        Stream.filterMap((event): Option.Option<WatcherEvent<A>> => Option.fromNullable(toChange(event)))
      )

      // The initial state streams page by page (memory bounded by a page). The page stage is a
      // plain function (no Effect per page): see `Progress`.
      const listed = (
        resourceVersion: string | undefined
      ): Stream.Stream<WatcherEvent<A>, WatchError, Client.Requirements> =>
        Stream.suspend(() => {
          progress.initial = false
          // The version of a paged list is the first page's: every page is read at that snapshot.
          let listVersion: string | undefined
          return Client.listPages(resource, listOptionsOf(options, resourceVersion)).pipe(
            Stream.mapConcat((page): ReadonlyArray<WatcherEvent<A>> => {
              const applies = page.items.map((object): WatcherEvent<A> => ({ _tag: "InitApply", object }))
              // `Init` comes with the first page. A list is progress only once complete (`InitDone`,
              // see `retrying`'s `advances`): a list failing at a later page again and again backs
              // off instead of listing its first page anew every time.
              if (listVersion !== undefined) return applies
              listVersion = page.resourceVersion
              applies.unshift({ _tag: "Init" })
              return applies
            }),
            Stream.concat(
              Stream.sync((): WatcherEvent<A> => {
                const rv = listVersion ?? ""
                succeeded(progress)
                // From now on a retry resumes the watch from here, without a relist.
                progress.version = rv
                phase = { _tag: "Watch" }
                return { _tag: "InitDone", resourceVersion: rv }
              })
            ),
            Stream.concat(changes)
          )
        })

      // A streaming list: one connection sends the state, its end bookmark, then the changes. The
      // connections go on from the bookmark's version (`connections` keeps the initial events'
      // versions out of the resume point); a connection opened before the bookmark asks for the
      // whole state again, which restarts with `Init`.
      const streamed = (
        resourceVersion: string | undefined
      ): Stream.Stream<WatcherEvent<A>, WatchError, Client.Requirements> =>
        Stream.suspend(() => {
          progress.initial = true
          progress.initialFrom = resourceVersion
          progress.version = undefined
          let initDone = false
          let initOf = -1
          return connections(resource, options, progress).pipe(
            Stream.mapChunks((chunk) => {
              const out: Array<WatcherEvent<A>> = []
              for (const event of chunk) {
                if (initDone) {
                  const change = toChange(event)
                  if (change !== undefined) out.push(change)
                  continue
                }
                if (initOf !== progress.initialConnections) {
                  initOf = progress.initialConnections
                  out.push({ _tag: "Init" })
                }
                if (event._tag === "Bookmark") {
                  if (event.initialEventsEnd !== true) continue
                  initDone = true
                  phase = { _tag: "Watch" }
                  out.push({ _tag: "InitDone", resourceVersion: event.resourceVersion })
                } else if (event._tag !== "Deleted") {
                  out.push({ _tag: "InitApply", object: event.object })
                }
              }
              return Chunk.unsafeFromArray(out)
            })
          )
        })

      const relist = (error: WatchError) =>
        Effect.suspend(() => {
          phase = stateBy(undefined)
          return Effect.logInfo(`the watcher of ${what} relists: ${describeFailure(error)}`)
        })
      const relists = metricKeys.counter(metricKeys.watchRelists, [["resource", what]])
      // One pass: list or stream the state (when the phase says so) and watch, until the version is
      // gone (410), which ends the pass after setting the phase to a relist. Passes repeat in a
      // loop, never nested, so a watcher that relists for months does not grow.
      const pass: Stream.Stream<WatcherEvent<A>, WatchError, Client.Requirements> = Stream.suspend(() => {
        const next = phase
        switch (next._tag) {
          case "List":
            return Stream.concat(Stream.execute(Metric.increment(relists)), listed(next.resourceVersion))
          case "Stream":
            return Stream.concat(Stream.execute(Metric.increment(relists)), streamed(next.resourceVersion))
          case "Watch":
            return changes
        }
      }).pipe(
        Stream.catchAll((error) => {
          if (isGone(error)) return Stream.execute(relist(error))
          if (phase._tag === "Stream" && progress.initial && isStreamingRefused(error)) {
            const from = phase.resourceVersion
            return Stream.execute(
              Effect.zipRight(
                streamingRefused(what, progress, error),
                Effect.sync(() => {
                  phase = { _tag: "List", resourceVersion: from }
                })
              )
            )
          }
          return Stream.fail(error)
        })
      )
      return retrying(
        Stream.forever(pass),
        options,
        progress,
        what,
        (event) => event._tag !== "Init" && event._tag !== "InitApply"
      )
    })
  )

/** A raw event as a watcher's change (`undefined` for a bookmark). */
const toChange = <A>(event: WatchEvent<A>): WatcherEvent<A> | undefined => {
  switch (event._tag) {
    case "Added":
    case "Modified":
      return { _tag: "Apply", object: event.object }
    case "Deleted":
      return { _tag: "Delete", object: event.object }
    case "Bookmark":
      return undefined
  }
}
