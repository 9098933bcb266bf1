/**
 * Watching: `watch` is the raw event stream of a kind (`ADDED`, `MODIFIED`, `DELETED`,
 * `BOOKMARK`), resumed from the last `resourceVersion` seen whenever the connection ends (server
 * timeout, network cut, apiserver restart, a connection gone silent); `watcher` lists first
 * (Init, InitApply..., InitDone), then follows changes, and relists when the server has forgotten
 * the version (410): the base of reflectors and controllers (kube-rs's watcher).
 *
 * @since 0.1.0
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Data, Duration, Effect, Either, Option, ParseResult, Ref, Schedule, Schema, Stream } from "effect"
import * as ApiError from "./ApiError.js"
import * as Client from "./Client.js"
import * as InvalidRequest from "./InvalidRequest.js"
import { isRecord } from "./internal/json.js"
import { KubeConfig } from "./KubeConfig.js"
import * as Resource from "./Resource.js"
import * as Selector from "./Selector.js"

/**
 * An event of the raw watch.
 *
 * @since 0.1.0
 * @category models
 */
export type WatchEvent<A> =
  | { readonly type: "ADDED"; readonly object: A }
  | { readonly type: "MODIFIED"; readonly object: A }
  | { readonly type: "DELETED"; readonly object: A }
  | { readonly type: "BOOKMARK"; readonly resourceVersion: string }

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
  /** Ask for bookmarks (version checkpoints). Default: true. */
  readonly allowBookmarks?: boolean | undefined
  /** A connection silent for longer is resumed. Default: the server timeout plus 30 s. */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /**
   * When to reconnect after a failure (transport error, 5xx, 429, silent connection); reset after
   * each event received. Default: exponential from 200 ms, jittered, capped at 30 s, forever.
   */
  readonly retrySchedule?: Schedule.Schedule<unknown, unknown> | undefined
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

/** Whether a failure is worth a reconnect: the connection or the server hiccuped. */
const isRetryable = (error: WatchError): boolean => {
  switch (error._tag) {
    case "WatchIdle":
      return true
    case "RequestError":
      return error.reason === "Transport"
    case "ResponseError":
      return error.reason === "Decode"
    case "ApiError":
      return error.code === 429 || error.code >= 500
    default:
      return false
  }
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
  selection: Record<string, string>,
  resourceVersion: string | undefined
): Record<string, string> => ({
  ...selection,
  watch: "true",
  timeoutSeconds: String(options.serverTimeout ?? 290),
  ...(options.allowBookmarks === false ? {} : { allowWatchBookmarks: "true" }),
  ...(resourceVersion !== undefined && resourceVersion !== "" ? { resourceVersion } : {})
})

/**
 * The raw watch of a kind: typed events, resumed from the last version seen (bookmarks included)
 * whenever a connection ends or fails, with `retrySchedule` between failed attempts. A version the
 * server no longer has (410) fails the stream with an `ApiError` (see {@link isGone}; {@link
 * watcher} relists instead): it never loops on a stale version. Interrupting the stream closes the
 * connection.
 *
 * @example
 * ```ts
 * import { Console, Effect, Stream } from "effect"
 * import { Watch } from "effect-kube"
 * import { Pod } from "effect-kube/models/core/v1"
 *
 * const printed = Watch.watch(Pod, { namespace: "apps", labels: { app: "web" } }).pipe(
 *   Stream.runForEach((e) => Console.log(e.type, e.type === "BOOKMARK" ? e.resourceVersion : e.object.metadata?.name))
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
  Stream.unwrap(
    Effect.gen(function* () {
      const config = yield* KubeConfig
      const http = yield* HttpClient.HttpClient
      const namespace =
        resource.namespaced && options.namespace !== "*" ? (options.namespace ?? config.namespace) : undefined
      const fields: Selector.FieldSelector =
        options.name !== undefined
          ? { ...options.fields, "metadata.name": options.name }
          : (options.fields ?? {})
      const labelSelector =
        options.labels === undefined
          ? undefined
          : yield* Either.match(Selector.renderLabels(options.labels), {
              onLeft: Effect.fail,
              onRight: Effect.succeed
            })
      const fieldSelector = yield* Either.match(Selector.renderFields(fields), {
        onLeft: Effect.fail,
        onRight: Effect.succeed
      })
      const selection: Record<string, string> = {
        ...(labelSelector !== undefined && labelSelector !== "" ? { labelSelector } : {}),
        ...(fieldSelector !== "" ? { fieldSelector } : {})
      }
      // Checked before anything is sent: a name or namespace that is not a path segment is refused.
      if (options.name !== undefined) yield* InvalidRequest.checkSegment("name", options.name)
      const path = yield* Resource.path(resource, { namespace })
      const lastVersion = yield* Ref.make(options.resourceVersion)
      const idle = options.idleTimeout ?? Duration.seconds((options.serverTimeout ?? 290) + 30)

      const connection: Stream.Stream<WatchEvent<A>, WatchError> = Stream.unwrapScoped(
        Effect.gen(function* () {
          let request = HttpClientRequest.get(path)
          for (const [k, v] of Object.entries(
            watchUrlQuery(options, selection, yield* Ref.get(lastVersion))
          )) {
            request = HttpClientRequest.setUrlParam(request, k, v)
          }
          const response = yield* http.execute(request)
          if (response.status >= 400) return yield* ApiError.fromResponse(response)
          return response.stream.pipe(
            Stream.decodeText(),
            Stream.splitLines,
            Stream.filter((line) => line.trim() !== ""),
            Stream.timeoutFail(() => new WatchIdle({ idleFor: idle }), idle),
            Stream.mapEffect((line) => toEvent(resource, line, request.url)),
            Stream.tap((event) =>
              Ref.set(
                lastVersion,
                event.type === "BOOKMARK" ? event.resourceVersion : versionOf(event.object)
              )
            )
          )
        })
      )

      // A connection that ends (server timeout) is followed by the next one, from the last version;
      // one that ended without a single event waits a second first, so that a server closing at
      // once is not hammered.
      const paced = Stream.unwrap(
        Effect.map(Ref.make(false), (gotEvent) =>
          Stream.concat(
            connection.pipe(Stream.tap(() => Ref.set(gotEvent, true))),
            Stream.fromEffect(
              Effect.flatMap(Ref.get(gotEvent), (got) => (got ? Effect.void : Effect.sleep("1 second")))
            ).pipe(Stream.drain)
          )
        )
      )
      return Stream.forever(paced).pipe(
        Stream.retry(
          (options.retrySchedule ?? defaultRetrySchedule).pipe(
            Schedule.intersect(Schedule.recurWhile<WatchError>(isRetryable))
          )
        )
      )
    })
  )

const toEvent = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  line: string,
  url: string
): Effect.Effect<WatchEvent<A>, ApiError.ApiError | ParseResult.ParseError> => {
  // A plain JSON.parse and shape check: this runs once per event, on the hot path.
  let raw: unknown
  try {
    raw = JSON.parse(line)
  } catch (cause) {
    return Effect.fail(
      new ParseResult.ParseError({
        issue: new ParseResult.Type(RawEvent.ast, line, `a watch line is not JSON: ${String(cause)}`)
      })
    )
  }
  if (!isRecord(raw) || typeof raw.type !== "string") {
    return Effect.fail(
      new ParseResult.ParseError({
        issue: new ParseResult.Type(RawEvent.ast, raw, "a watch event needs a type and an object")
      })
    )
  }
  switch (raw.type) {
    case "ADDED":
    case "MODIFIED":
    case "DELETED": {
      const type = raw.type
      return Either.match(Resource.decodeTrusted(resource, raw.object), {
        onLeft: Effect.fail,
        onRight: (object) => Effect.succeed({ type, object })
      })
    }
    case "BOOKMARK":
      return Effect.succeed({ type: "BOOKMARK", resourceVersion: versionOf(raw.object) ?? "" })
    default: {
      // ERROR: the object is a Status (410 when the version is too old).
      const status = ApiError.statusFromBody(500, JSON.stringify(raw.object))
      return Effect.fail(new ApiError.ApiError({ status, method: "GET", url }))
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
export type WatcherEvent<A> =
  | { readonly _tag: "Init" }
  | { readonly _tag: "InitApply"; readonly object: A }
  | { readonly _tag: "InitDone"; readonly resourceVersion: string }
  | { readonly _tag: "Apply"; readonly object: A }
  | { readonly _tag: "Delete"; readonly object: A }

/**
 * List, then watch from the list's version, relisting when the version is gone (410, a watch or
 * an expired list continue token): kube-rs's `watcher`. Reconnects after failures as {@link watch}.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Watch } from "effect-kube"
 * import { Deployment } from "effect-kube/models/apps/v1"
 *
 * const names = new Set<string>()
 * const tracked = Watch.watcher(Deployment, { namespace: "apps" }).pipe(
 *   Stream.runForEach((e) =>
 *     Effect.sync(() => {
 *       if (e._tag === "Init") names.clear()
 *       if (e._tag === "InitApply" || e._tag === "Apply") names.add(e.object.metadata?.name ?? "")
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
  options: WatchOptions & { readonly chunkSize?: number | undefined } = {}
): Stream.Stream<WatcherEvent<A>, WatchError, Client.Requirements> => {
  const listOptions: Client.ListOptions = {
    namespace: options.namespace,
    labels: options.labels,
    fields:
      options.name !== undefined ? { ...options.fields, "metadata.name": options.name } : options.fields,
    chunkSize: options.chunkSize
  }
  const cycle = (): Stream.Stream<WatcherEvent<A>, WatchError, Client.Requirements> =>
    Stream.unwrap(
      Effect.map(Ref.make(""), (listVersion) =>
        Stream.concat(
          // The initial state streams page by page (memory bounded by a page).
          Stream.concat(
            Stream.succeed<WatcherEvent<A>>({ _tag: "Init" }),
            Client.listPages(resource, listOptions).pipe(
              Stream.tap((page) => Ref.update(listVersion, (rv) => (rv === "" ? page.resourceVersion : rv))),
              Stream.mapConcat((page) =>
                page.items.map((object): WatcherEvent<A> => ({ _tag: "InitApply", object }))
              )
            )
          ),
          Stream.unwrap(
            Effect.map(Ref.get(listVersion), (resourceVersion) =>
              Stream.concat(
                Stream.succeed<WatcherEvent<A>>({ _tag: "InitDone", resourceVersion }),
                watch(resource, { ...options, resourceVersion }).pipe(
                  Stream.filterMap(
                    (event): Option.Option<WatcherEvent<A>> =>
                      event.type === "BOOKMARK"
                        ? Option.none()
                        : Option.some(
                            event.type === "DELETED"
                              ? { _tag: "Delete", object: event.object }
                              : { _tag: "Apply", object: event.object }
                          )
                  )
                )
              )
            )
          )
        )
      )
    ).pipe(Stream.catchAll((error) => (isGone(error) ? cycle() : Stream.fail(error))))
  // A list that failed on the way (the watch retries by itself) starts the cycle again.
  return cycle().pipe(
    Stream.retry(
      (options.retrySchedule ?? defaultRetrySchedule).pipe(
        Schedule.intersect(Schedule.recurWhile<WatchError>(isRetryable))
      )
    )
  )
}
