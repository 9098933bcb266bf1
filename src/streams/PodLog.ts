/**
 * Pod logs as a `Stream` of lines (lightkube's `log`, with every parameter Kubernetes has). Lines
 * are split correctly across chunk boundaries (UTF-8 included), the last line is emitted even
 * without a newline, an error answer is an `ApiError` with the server's `Status` (also when
 * following), and interrupting a follow closes the connection.
 *
 * @since 0.1.0
 */
import { HttpClient, HttpClientError, type HttpClientResponse } from "@effect/platform"
import { Channel, type Chunk, Duration, Effect, Either, Schedule, Stream } from "effect"
import * as ApiRequest from "../client/ApiRequest.js"
import type * as Client from "../client/Client.js"
import { checkedAs } from "../client/internal/answer.js"
import { annotateTarget, kindAttributes, operation } from "../client/internal/operation.js"
import { isRecord } from "../internal/json.js"
import * as InvalidRequest from "../resource/InvalidRequest.js"
import { linesStage } from "./internal/chunks.js"
import { podModel } from "./internal/pod.js"

/**
 * Options of {@link log}.
 *
 * @since 0.1.0
 * @category models
 */
export interface LogOptions {
  readonly namespace?: string | undefined
  /** Required when the pod has several containers. */
  readonly container?: string | undefined
  /** Keep streaming new lines until interrupted or the container stops. */
  readonly follow?: boolean | undefined
  /** Only lines newer than this (`sinceSeconds`). */
  readonly since?: Duration.DurationInput | undefined
  /** Only lines from this time on (`sinceTime`). */
  readonly sinceTime?: Date | string | undefined
  /** The last this many lines (`tailLines`). */
  readonly tailLines?: number | undefined
  /** Each line starts with its RFC 3339 timestamp and a space. */
  readonly timestamps?: boolean | undefined
  /** The logs of the previous instance of the container. */
  readonly previous?: boolean | undefined
  /** At most this many bytes (the kubelet cuts there). */
  readonly limitBytes?: number | undefined
  /** Keep the newline at the end of each line (lightkube's `newlines`). Default: false. */
  readonly newlines?: boolean | undefined
  /**
   * With `follow`: when the answer ends or the connection drops, follow on: reconnect with
   * `sinceTime` at the timestamp of the last whole line received and skip what was already
   * emitted (by timestamp, nanoseconds, and by count among lines sharing the last one). The
   * stream ends only when the container has ended (its pod says so, or the pod is gone; where the
   * pod cannot be read, when an answer brought nothing new), after a last read from the last
   * position (the lines written before it ended, the last one whole even without a newline); an
   * end while it runs is retried with `resumeSchedule` (reset by every line), and when that gives
   * up the stream fails with a `ResponseError` saying so. A line that the connection cut before its
   * newline is never emitted as it is: it is read again whole. Guarantee: no line is lost,
   * repeated or invented, as long as the kubelet's timestamps tell lines apart or keep their order
   * within a timestamp. Not with `previous` or `limitBytes` (read once, as they are). Default: false.
   */
  readonly resume?: boolean | undefined
  /**
   * When to reconnect with `resume`: its input is each failure that may be retried (an end while
   * the container runs, a dropped connection: `RequestError`, `ResponseError`; others end the
   * stream at once); it starts again after lines came. Default: exponential from 200 ms,
   * jittered, capped at 10 s, 10 times.
   */
  readonly resumeSchedule?: Schedule.Schedule<unknown, unknown> | undefined
}

/** An RFC 3339 timestamp with its fraction padded to nanoseconds, so that strings compare as times. */
const sortable = (time: string): string => {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time)
  return m === null ? time : `${m[1]}.${(m[2] ?? "").padEnd(9, "0")}${m[3]}`
}

/**
 * The default reconnection policy of a resumed follow.
 *
 * @example
 * ```ts
 * import { PodLog } from "effect-kube"
 *
 * const options = { follow: true, resume: true, resumeSchedule: PodLog.defaultResumeSchedule }
 * ```
 *
 * @since 0.1.0
 * @category retries
 */
export const defaultResumeSchedule: Schedule.Schedule<unknown, unknown> = Schedule.exponential(
  "200 millis"
).pipe(
  Schedule.jittered,
  Schedule.modifyDelay((_, d) => Duration.min(d, Duration.seconds(10))),
  Schedule.intersect(Schedule.recurs(10))
)

const query = (
  options: LogOptions,
  timestamps: boolean,
  sinceTime: string | undefined
): Either.Either<Record<string, string>, InvalidRequest.InvalidRequest> => {
  const q: Record<string, string> = {}
  // An empty container is no container (the pod's only one), as client-go's omitempty.
  if (options.container !== undefined && options.container !== "") q.container = options.container
  if (options.follow === true) q.follow = "true"
  if (sinceTime !== undefined) q.sinceTime = sinceTime
  else if (options.sinceTime !== undefined) {
    if (typeof options.sinceTime === "string") q.sinceTime = options.sinceTime
    else if (Number.isNaN(options.sinceTime.getTime()))
      return Either.left(new InvalidRequest.InvalidRequest({ detail: "invalid sinceTime: not a valid Date" }))
    else q.sinceTime = options.sinceTime.toISOString()
  } else if (options.since !== undefined) {
    q.sinceSeconds = String(Math.max(1, Math.ceil(Duration.toSeconds(Duration.decode(options.since)))))
  }
  if (options.tailLines !== undefined && sinceTime === undefined) q.tailLines = String(options.tailLines)
  if (timestamps) q.timestamps = "true"
  if (options.previous === true) q.previous = "true"
  if (options.limitBytes !== undefined) q.limitBytes = String(options.limitBytes)
  return Either.right(q)
}

/** Where a resumed follow is: the timestamp of the last line emitted and how many shared it. */
interface Position {
  time: string | undefined
  sameTime: number
}

/** What a pod says of a container: still running (or not known to have ended), or ended. */
const containerEnded = (pod: unknown, container: string | undefined): boolean => {
  if (!isRecord(pod)) return false
  const status = isRecord(pod.status) ? pod.status : {}
  if (status.phase === "Succeeded" || status.phase === "Failed") return true
  const spec = isRecord(pod.spec) ? pod.spec : {}
  const containers = Array.isArray(spec.containers) ? spec.containers : []
  const only = containers.length === 1 && isRecord(containers[0]) ? containers[0].name : undefined
  const name = container !== undefined && container !== "" ? container : only
  const statuses = [
    ...(Array.isArray(status.containerStatuses) ? status.containerStatuses : []),
    ...(Array.isArray(status.initContainerStatuses) ? status.initContainerStatuses : []),
    ...(Array.isArray(status.ephemeralContainerStatuses) ? status.ephemeralContainerStatuses : [])
  ]
  const own = statuses.find((s) => isRecord(s) && s.name === name)
  const state = isRecord(own) && isRecord(own.state) ? own.state : undefined
  return state !== undefined && state.running === undefined
}

/** An answer that ended while the container runs: the follow goes on (retried as a dropped connection). */
const endedEarly = (response: HttpClientResponse.HttpClientResponse, container: string | undefined) =>
  new HttpClientError.ResponseError({
    request: response.request,
    response,
    reason: "Decode",
    description: `the log answer ended while container ${container ?? "(the pod's only one)"} still runs: following on`
  })

/**
 * The log of a pod's container, line by line.
 *
 * @example
 * ```ts
 * import { Console, Stream } from "effect"
 * import { PodLog } from "effect-kube"
 *
 * const tail = PodLog.log("web-0", { namespace: "apps", container: "web", tailLines: 100, follow: true }).pipe(
 *   Stream.runForEach(Console.log)
 * )
 * ```
 *
 * @since 0.1.0
 * @category logs
 */
export const log = (
  name: string,
  options: LogOptions = {}
): Stream.Stream<string, Client.ClientError, Client.Requirements> =>
  // (A channel unwrapped, not `Stream.unwrap`: that is a stage every chunk crosses.)
  Stream.fromChannel(
    Channel.unwrap(
      Effect.map(
        Effect.gen(function* () {
          const http = yield* HttpClient.HttpClient
          const Pod = yield* podModel
          const call = {
            resource: Pod,
            method: "GET",
            namespace: options.namespace,
            name,
            subresource: "log",
            accept: "*/*"
          } as const
          // Checked before anything is sent (the query is checked with each connection's position).
          const target = yield* ApiRequest.target(call)
          // (Not for a previous instance's log or a bounded one: those end once, as they are.)
          const resume =
            options.resume === true &&
            options.follow === true &&
            options.previous !== true &&
            options.limitBytes === undefined
          // Resuming needs the timestamps; they are stripped again unless asked for.
          const wantTimestamps = options.timestamps === true
          const timestamps = wantTimestamps || resume
          const newline = options.newlines === true
          // This run's position (a new run of the stream starts again).
          const position: Position = { time: undefined, sameTime: 0 }
          /** Lines emitted so far (whether a connection brought any). */
          const progress = { lines: 0 }
          /** The position once `emitted` went out: the last timestamp, and how many lines share it. */
          const moveTo = (emitted: ReadonlyArray<string>) => {
            let i = emitted.length - 1
            let time: string | undefined
            for (; i >= 0 && time === undefined; i--) {
              const line = emitted[i] ?? ""
              const space = line.indexOf(" ")
              if (space !== -1) time = line.slice(0, space)
            }
            if (time === undefined) return
            let count = 1
            for (; i >= 0; i--) {
              const line = emitted[i] ?? ""
              if (line.length > time.length && line.charCodeAt(time.length) === 32 && line.startsWith(time))
                count++
              else break
            }
            if (i < 0 && position.time === time) position.sameTime += count
            else {
              position.time = time
              position.sameTime = count
            }
          }

          /** The answer of one connection from the current position (an error answer fails). */
          const open = Effect.gen(function* () {
            const request = ApiRequest.toHttp({
              ...target,
              query: yield* ApiRequest.checkQuery(
                Object.entries(yield* query(options, timestamps, position.time))
              )
            })
            return yield* annotateTarget(target.namespace, name).pipe(
              Effect.zipRight(Effect.flatMap(http.execute(request), checkedAs("get"))),
              operation("PodLog.log", "get", { ...kindAttributes(Pod), "k8s.subresource": "log" })
            )
          })

          /**
           * The lines of one answer, a chunk at a time; its text after the last newline goes to `end`
           * (emitted there, or held: a cut line is read again).
           */
          const linesOf = (
            response: HttpClientResponse.HttpClientResponse,
            end: (
              rest: string,
              emit: (raw: Array<string>) => Array<string>
            ) => Stream.Stream<string, Client.ClientError>
          ): Stream.Stream<string, Client.ClientError> => {
            // On reconnect, what was already emitted at the resume time is skipped: the apiserver passes
            // sinceTime on with second precision, so the kubelet sends that second's lines again.
            const resumeAt = resume && position.time !== undefined ? sortable(position.time) : undefined
            let skipping = resumeAt !== undefined
            let skip = position.sameTime
            const strip = timestamps && !wantTimestamps
            /**
             * The lines of `raw` to emit: those already emitted skipped (after a reconnection), the
             * position moved to the last one, timestamps stripped unless asked for. Per line only what
             * the options need (no timestamp is parsed without `resume`). Changes `raw` in place and
             * answers it (or its tail after a reconnection): no array of ours holds the lines (see
             * `Lines`).
             */
            const emit = (raw: Array<string>): Array<string> => {
              let from = 0
              if (skipping && resumeAt !== undefined) {
                for (; from < raw.length; from++) {
                  const line = raw[from] ?? ""
                  const space = line.indexOf(" ")
                  if (space === -1) break
                  const at = sortable(line.slice(0, space))
                  if (at > resumeAt || (at === resumeAt && skip === 0)) break
                  if (at === resumeAt) skip--
                }
                if (from < raw.length) skipping = false
              }
              const out = from === 0 ? raw : raw.slice(from)
              if (out.length === 0) return out
              progress.lines += out.length
              if (resume) moveTo(out)
              if (strip || newline)
                for (let i = 0; i < out.length; i++) {
                  const line = out[i] ?? ""
                  const text = strip ? line.slice(line.indexOf(" ") + 1) : line
                  out[i] = newline ? `${text}\n` : text
                }
              return out
            }
            // A piece of the body at a time (see `linesStage`); the end in the same stage (a
            // `Stream.concat` after it would be a stage every chunk crosses).
            const split = linesStage(
              (got) => ({ items: emit(got), error: undefined }),
              (rest) => Stream.toChannel(end(rest, emit))
            )
            return Stream.pipeThroughChannel(response.stream, split)
          }

          /** The last line of an answer that is all there is, emitted if not empty. */
          const final = (rest: string, emit: (raw: Array<string>) => Array<string>) => {
            const out = rest === "" ? [] : emit([rest])
            return out.length === 0 ? Stream.empty : Stream.fromIterable(out)
          }

          if (!resume) return Stream.unwrapScoped(Effect.map(open, (response) => linesOf(response, final)))

          /** Whether the container is known to have ended (its pod gone counts: nothing more to read). */
          const podTarget = yield* ApiRequest.target({
            resource: Pod,
            method: "GET",
            namespace: options.namespace,
            name
          })
          const ended = http.execute(ApiRequest.toHttp(podTarget)).pipe(
            Effect.flatMap((response) =>
              response.status === 404
                ? Effect.succeed<boolean | undefined>(true)
                : response.status >= 400
                  ? // Not known (reading the pod is not allowed, say).
                    Effect.succeed<boolean | undefined>(undefined)
                  : Effect.map(response.json, (pod): boolean | undefined =>
                      containerEnded(pod, options.container)
                    )
            ),
            Effect.scoped,
            Effect.withSpan("PodLog.log.containerEnded")
          )

          /**
           * The last read, once the container has ended: from the last position, all that it wrote
           * (the connection that ended may have been cut at a line's end before its last lines), its
           * last line whole even without a newline; a pod gone meanwhile has nothing more.
           */
          const lastRead = Stream.unwrapScoped(
            open.pipe(
              Effect.map((again) => linesOf(again, final)),
              Effect.catchIf(
                (error) => error._tag === "ApiError" && error.code === 404,
                () => Effect.succeed(Stream.empty)
              )
            )
          )
          /**
           * One connection of a follow: its whole lines; then, if the container has ended, the last
           * read; else a failure that reconnects.
           */
          const follow: Stream.Stream<string, Client.ClientError> = Stream.unwrapScoped(
            Effect.map(open, (response) => {
              const before = progress.lines
              return linesOf(response, () =>
                Stream.unwrap(
                  Effect.map(ended, (done) =>
                    done === true ||
                    // Not known: as before the pod could be read, an answer that brought nothing ends.
                    (done === undefined && progress.lines === before)
                      ? lastRead
                      : Stream.fail(endedEarly(response, options.container))
                  )
                )
              )
            })
          )
          /**
           * The follow, reconnected after an end or a dropped connection as the schedule says (other
           * failures end it), the schedule reset when lines came since its last decision. (As
           * `Stream.retry` does, without an Effect per chunk to reset it: measured, that and its
           * stages were a third of what a resumed read of a 5.5 MB log cost more than a plain one.)
           */
          const schedule = options.resumeSchedule ?? defaultResumeSchedule
          return Stream.fromChannel(
            Channel.unwrap(
              Effect.map(Schedule.driver(schedule), (driver) => {
                let seen = progress.lines
                const reconnecting: Channel.Channel<
                  Chunk.Chunk<string>,
                  unknown,
                  Client.ClientError
                > = Channel.catchAll(Stream.toChannel(follow), (error) =>
                  error._tag !== "RequestError" && error._tag !== "ResponseError"
                    ? Channel.fail(error)
                    : Channel.unwrap(
                        Effect.zipRight(
                          progress.lines === seen
                            ? Effect.void
                            : Effect.zipRight(
                                Effect.sync(() => {
                                  seen = progress.lines
                                }),
                                driver.reset
                              ),
                          Effect.match(driver.next(error), {
                            onFailure: () => Channel.fail(error),
                            onSuccess: () => reconnecting
                          })
                        )
                      )
                )
                return reconnecting
              })
            )
          )
        }),
        Stream.toChannel
      )
    )
  )
