/**
 * A resumed follow against a scripted kubelet-like server (the apiserver's log endpoint as it
 * behaves when the kubelet's connection ends: the bytes received so far, then a clean end; the
 * `sinceTime` of a reconnection cut to the second). Cuts in the middle of a line, inside its
 * timestamp, twice in a row, a reconnection that brings nothing new while the container runs, and
 * a last line without a newline: no line lost, repeated or invented.
 */
import type * as http from "node:http"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Schedule, Stream } from "effect"
import { PodLog } from "../../src/index.js"
import { fakeServer, layerFor } from "../harness/ScriptedServer.js"

/** A log line: its time (seconds after the start, with a fraction) and its text. */
interface Line {
  readonly at: number
  readonly text: string
}

const START = Date.parse("2026-01-01T00:00:00Z")
/** RFC 3339 with nanoseconds, as the kubelet writes it. */
const stamp = (at: number) => {
  const whole = Math.floor(at)
  const nanos = Math.round((at - whole) * 1e9)
  return `${new Date(START + whole * 1000).toISOString().slice(0, 19)}.${String(nanos).padStart(9, "0")}Z`
}

/** One answer of the log endpoint: how much of the log (from `sinceTime`) it sends, then a clean end. */
interface Answer {
  /** Whole lines sent (all: every line there is). */
  readonly lines: number | "all"
  /** Bytes of the next line sent after them (a cut inside it). */
  readonly partial?: number
  /** What the pod says of the container when asked after this answer. */
  readonly running: boolean
  /** The last line has no newline (only with `lines: "all"`). */
  readonly noFinalNewline?: boolean
}

/** A scripted server for pod `p`'s log: `log` is the container's whole log, `answers` one per connection. */
const kubelet = (
  log: ReadonlyArray<Line>,
  answers: ReadonlyArray<Answer>,
  options: { readonly goneAfter?: number } = {}
) => {
  let connection = 0
  let state = true
  return fakeServer({
    handle: (url: URL, res: http.ServerResponse) => {
      // The pod deleted after that many log answers: everything is a 404 from then on.
      if (options.goneAfter !== undefined && connection >= options.goneAfter) {
        res.writeHead(404, { "content-type": "application/json" })
        res.end(
          JSON.stringify({
            kind: "Status",
            apiVersion: "v1",
            status: "Failure",
            code: 404,
            reason: "NotFound",
            message: 'pods "p" not found'
          })
        )
        return
      }
      if (url.pathname === "/api/v1/namespaces/ns/pods/p") {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(
          JSON.stringify({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "p", namespace: "ns" },
            spec: { containers: [{ name: "main", image: "x" }] },
            status: {
              phase: state ? "Running" : "Succeeded",
              containerStatuses: [
                {
                  name: "main",
                  ready: state,
                  restartCount: 0,
                  image: "x",
                  imageID: "x",
                  state: state ? { running: {} } : { terminated: { exitCode: 0 } }
                }
              ]
            }
          })
        )
        return
      }
      const answer = answers[Math.min(connection, answers.length - 1)] ?? { lines: "all", running: false }
      connection++
      state = answer.running
      // The apiserver passes sinceTime on to the second: the kubelet sends that second's lines again.
      const since = url.searchParams.get("sinceTime")
      const from = since === null ? Number.NEGATIVE_INFINITY : Math.floor((Date.parse(since) - START) / 1000)
      const shown = log.filter((l) => Math.floor(l.at) >= from)
      const sent = answer.lines === "all" ? shown : shown.slice(0, answer.lines)
      const text = (l: Line) =>
        url.searchParams.get("timestamps") === "true" ? `${stamp(l.at)} ${l.text}\n` : `${l.text}\n`
      let body = sent.map(text).join("")
      if (answer.noFinalNewline === true) body = body.replace(/\n$/, "")
      const next = answer.lines === "all" ? undefined : shown[answer.lines]
      if (answer.partial !== undefined && next !== undefined) body += text(next).slice(0, answer.partial)
      res.writeHead(200, { "content-type": "text/plain" })
      res.end(body)
    }
  })
}

const follow = (server: { readonly url: string }, options: PodLog.LogOptions = {}) =>
  PodLog.log("p", {
    follow: true,
    resume: true,
    resumeSchedule: Schedule.recurs(5),
    ...options
  }).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray), Effect.provide(layerFor(server.url)))

/** Lines 1..n, three to a second (so that a reconnection's second holds lines already read). */
const lines = (n: number): ReadonlyArray<Line> =>
  Array.from({ length: n }, (_, i) => ({
    at: Math.floor(i / 3) + (i % 3) * 0.25 + 0.1,
    text: `line ${i + 1}`
  }))
const texts = (n: number) => lines(n).map((l) => l.text)

describe("PodLog.log with resume: what a cut connection does", () => {
  it.live("a cut in the middle of a line: the piece is not a line; the line is read again whole", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* kubelet(lines(9), [
          { lines: 4, partial: 40, running: true },
          { lines: "all", running: false }
        ])
        expect(yield* follow(server)).toEqual(texts(9))
      })
    )
  )

  it.live("a cut inside the timestamp: no extra line", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* kubelet(lines(9), [
          { lines: 5, partial: 12, running: true },
          { lines: "all", running: false }
        ])
        expect(yield* follow(server)).toEqual(texts(9))
      })
    )
  )

  it.live("cuts twice in a row, and a reconnection that brings nothing new while the container runs", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* kubelet(lines(12), [
          { lines: 2, partial: 33, running: true },
          // Nothing after the resume point (its second's lines only), then a cut in the timestamp.
          { lines: 1, running: true },
          { lines: 3, partial: 5, running: true },
          { lines: 7, partial: 31, running: true },
          { lines: "all", running: false }
        ])
        expect(yield* follow(server)).toEqual(texts(12))
        // Five answers, then the last read once the container has ended.
        expect(server.requests.filter((u) => u.pathname.endsWith("/log")).length).toBe(6)
      })
    )
  )

  it.live("a last line without a newline is emitted once the container has ended", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* kubelet(lines(4), [{ lines: "all", running: false, noFinalNewline: true }])
        expect(yield* follow(server)).toEqual(texts(4))
        // Read once more to know that it was whole (the first answer might have cut it).
        expect(server.requests.filter((u) => u.pathname.endsWith("/log")).length).toBe(2)
      })
    )
  )

  it.live("an answer cut at a line's end, then the container ends: the last read brings what it wrote", () =>
    Effect.scoped(
      Effect.gen(function* () {
        // The first answer ends after 3 whole lines; by the time the pod is read, the container
        // has written 3 more and ended.
        const server = yield* kubelet(lines(6), [
          { lines: 3, running: false },
          { lines: "all", running: false }
        ])
        expect(yield* follow(server)).toEqual(texts(6))
      })
    )
  )

  it.live("the pod gone before the last read: what was read is all there is", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* kubelet(lines(3), [{ lines: "all", running: false }], { goneAfter: 1 })
        expect(yield* follow(server)).toEqual(texts(3))
      })
    )
  )

  it.live("resume is off for a previous instance's log and a bounded one (read once)", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* kubelet(lines(3), [{ lines: "all", running: true }])
        expect(yield* follow(server, { previous: true })).toEqual(texts(3))
        expect(yield* follow(server, { limitBytes: 100_000 })).toEqual(texts(3))
        // Neither asked for the pod.
        expect(server.requests.filter((u) => u.pathname.endsWith("/p")).length).toBe(0)
      })
    )
  )

  it.live(
    "answers that keep ending while the container runs: a ResponseError once the schedule gives up",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const server = yield* kubelet(lines(3), [{ lines: "all", running: true }])
          const error = yield* Effect.flip(follow(server, { resumeSchedule: Schedule.recurs(2) }))
          expect(error).toMatchObject({ _tag: "ResponseError" })
          expect(error.message).toContain("still runs")
          // The first answer's lines were read, then two more connections brought nothing.
          expect(server.requests.filter((u) => u.pathname.endsWith("/log")).length).toBe(3)
        })
      )
  )

  it.live(
    "the schedule starts again after lines: connections that each bring lines go on past its count",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          // Each connection reads on from the last one's second and brings three new lines, then ends.
          const server = yield* kubelet(lines(12), [
            { lines: 3, running: true },
            { lines: 6, running: true },
            { lines: 6, running: true },
            { lines: 6, running: true },
            { lines: "all", running: false }
          ])
          // One reconnection allowed in a row: five connections (and the last read) all the same.
          expect(yield* follow(server, { resumeSchedule: Schedule.recurs(1) })).toEqual(texts(12))
          // Without lines in between, the second reconnection in a row is one too many.
          const idle = yield* kubelet(lines(3), [{ lines: "all", running: true }])
          const error = yield* Effect.flip(follow(idle, { resumeSchedule: Schedule.recurs(1) }))
          expect(error).toMatchObject({ _tag: "ResponseError" })
          expect(idle.requests.filter((u) => u.pathname.endsWith("/log")).length).toBe(2)
        })
      )
  )

  it.live("timestamps kept when asked for; newlines kept when asked for", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* kubelet(lines(4), [
          { lines: 2, partial: 20, running: true },
          { lines: "all", running: false }
        ])
        const got = yield* follow(server, { timestamps: true, newlines: true })
        expect(got).toEqual(lines(4).map((l) => `${stamp(l.at)} ${l.text}\n`))
      })
    )
  )
})
