/**
 * Pod logs as a `Stream` of lines (lightkube's `log`, with every parameter Kubernetes has). Lines
 * are split correctly across chunk boundaries (UTF-8 included), the last line is emitted even
 * without a newline, an error answer is an `ApiError` with the server's `Status` (also when
 * following), and interrupting a follow closes the connection.
 *
 * @since 0.1.0
 */
import { HttpClient } from "@effect/platform"
import { Duration, Effect, Either, Option, Ref, Schedule, Stream } from "effect"
import { identity } from "effect/Function"
import * as ApiRequest from "../client/ApiRequest.js"
import type * as Client from "../client/Client.js"
import { checkedAs } from "../client/internal/answer.js"
import { annotateTarget, kindAttributes, operation } from "../client/internal/operation.js"
import * as InvalidRequest from "../resource/InvalidRequest.js"

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
   * With `follow`: when the connection drops (a transport error, or an end of the answer that
   * brought new lines: the apiserver turns a kubelet's dropped connection into a clean end),
   * reconnect with `sinceTime` set to the timestamp of the last line received, skipping the lines
   * already emitted; a reconnection that brings nothing new ends the stream (the container is
   * done). Guarantee: no line is lost and none repeated, as long as the kubelet's timestamps
   * (nanoseconds) tell lines apart; lines sharing the last timestamp seen are skipped by count.
   * Default: false.
   */
  readonly resume?: boolean | undefined
  /** When to reconnect with `resume`. Default: exponential from 200 ms, jittered, capped at 10 s, 10 times. */
  readonly resumeSchedule?: Schedule.Schedule<unknown, unknown> | undefined
}

const TIMESTAMP = /^(\S+) (.*)$/s

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
  Stream.unwrap(
    Effect.gen(function* () {
      const http = yield* HttpClient.HttpClient
      const { Pod } = yield* Effect.promise(() => import("../models/core/v1.js"))
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
      const resume = options.resume === true && options.follow === true
      // Resuming needs the timestamps; they are stripped again unless asked for.
      const wantTimestamps = options.timestamps === true
      const timestamps = wantTimestamps || resume
      const last = yield* Ref.make<{ readonly time: string | undefined; readonly sameTime: number }>({
        time: undefined,
        sameTime: 0
      })

      const connect = Stream.unwrapScoped(
        Effect.gen(function* () {
          const position = yield* Ref.get(last)
          const request = ApiRequest.toHttp({
            ...target,
            query: yield* ApiRequest.checkQuery(
              Object.entries(yield* query(options, timestamps, position.time))
            )
          })
          const response = yield* annotateTarget(target.namespace, name).pipe(
            Effect.zipRight(Effect.flatMap(http.execute(request), checkedAs("get"))),
            operation("PodLog.log", "get", { ...kindAttributes(Pod), "k8s.subresource": "log" })
          )
          // On reconnect, skip what was already emitted at the resume time.
          let skip = position.time !== undefined ? position.sameTime : 0
          return response.stream.pipe(
            Stream.decodeText(),
            Stream.splitLines,
            Stream.mapEffect((line) =>
              Effect.gen(function* () {
                if (!timestamps) return line
                const match = TIMESTAMP.exec(line)
                const time = match?.[1]
                if (resume && time !== undefined) {
                  const current = yield* Ref.get(last)
                  const at = sortable(time)
                  if (position.time !== undefined) {
                    // The apiserver passes sinceTime on with second precision: the kubelet sends
                    // again the lines of that second; drop what was already emitted.
                    const resumeAt = sortable(position.time)
                    if (at < resumeAt) return undefined
                    if (at === resumeAt && skip > 0) {
                      skip--
                      return undefined
                    }
                  }
                  yield* Ref.set(last, { time, sameTime: current.time === time ? current.sameTime + 1 : 1 })
                }
                return wantTimestamps ? line : (match?.[2] ?? line)
              }).pipe(Effect.map(Option.fromNullable))
            ),
            Stream.filterMap(identity)
          )
        })
      )
      // A kubelet that drops the connection shows up as the end of the answer, like a container
      // that stopped: reconnect after an end that brought new lines; an answer with nothing new
      // (the container is done) ends the stream.
      const followOn = (): Stream.Stream<string, Client.ClientError> =>
        Stream.unwrap(
          Effect.map(Ref.make(false), (gotLines) =>
            Stream.concat(
              connect.pipe(Stream.tap(() => Ref.set(gotLines, true))),
              Stream.unwrap(Effect.map(Ref.get(gotLines), (got) => (got ? followOn() : Stream.empty)))
            )
          )
        )
      const lines = resume
        ? followOn().pipe(
            Stream.retry(
              (options.resumeSchedule ?? defaultResumeSchedule).pipe(
                Schedule.intersect(
                  Schedule.recurWhile<Client.ClientError>(
                    (e) => e._tag === "RequestError" || e._tag === "ResponseError"
                  )
                )
              )
            )
          )
        : connect
      return options.newlines === true ? Stream.map(lines, (l) => `${l}\n`) : lines
    })
  )
