/**
 * The Node transport's two paths: with Effect's default tracer (spans go nowhere) a request takes
 * the lean undici path; with a tracer of the program's own, @effect/platform's client serves it,
 * with its `http.client` span and trace propagation. Both give the same answers.
 */
import * as http from "node:http"
import * as zlib from "node:zlib"
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, type Exit, Fiber, Option, Schedule, Stream, Tracer } from "effect"
import { ConfigMap } from "../../src/models/core/v1.js"
import * as Watch from "../../src/streams/Watch.js"
import { plainTransport } from "./NodeKubeHttpClient.fixtures.js"

interface Seen {
  readonly url: string
  readonly traceparent: string | undefined
}

/** A server answering JSON, or a body that never ends on /endless; closed with the scope. */
const server = Effect.acquireRelease(
  Effect.async<{
    readonly url: string
    readonly seen: Array<Seen>
    readonly closed: Array<string>
    readonly s: http.Server
  }>((resume) => {
    const seen: Array<Seen> = []
    const closed: Array<string> = []
    const s = http.createServer((req, res) => {
      const url = req.url ?? ""
      seen.push({ url, traceparent: req.headers.traceparent?.toString() })
      req.socket.on("close", () => closed.push(url))
      if (url.startsWith("/api/v1/namespaces/default/configmaps?")) {
        // A watch: one event, then silence with the connection open.
        const n = seen.filter((x) => x.url.startsWith("/api/v1/namespaces/default/configmaps?")).length
        const object = {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: `c${n}`, namespace: "default", resourceVersion: String(n) }
        }
        const line = `${JSON.stringify({ type: "ADDED", object })}\n`
        if (req.headers["accept-encoding"]?.includes("gzip")) {
          // Compressed, flushed after the event so that it arrives whole.
          res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
          const gzip = zlib.createGzip({ flush: zlib.constants.Z_SYNC_FLUSH })
          gzip.pipe(res)
          gzip.write(line)
          return
        }
        res.writeHead(200, { "content-type": "application/json" })
        res.write(line)
        return
      }
      if (url === "/silent") return // No answer at all: the request waits for headers.
      if (url.startsWith("/body/")) {
        // The same JSON in the shapes a body comes in: small with content-length (here whole when
        // its headers are), large (more than a stream buffer), chunked, and multi-byte characters.
        const kind = url.slice("/body/".length)
        const text = JSON.stringify(bodyOf(kind))
        if (kind === "chunked") {
          res.writeHead(200, { "content-type": "application/json" })
          const middle = Math.floor(text.length / 2)
          res.write(text.slice(0, middle))
          setTimeout(() => res.end(text.slice(middle)), 20)
          return
        }
        res.writeHead(200, {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(text))
        })
        res.end(text)
        return
      }
      if (url.startsWith("/not-json")) {
        // With content-length (whole when the headers come), or chunked.
        res.writeHead(200, {
          "content-type": "application/json",
          ...(url.endsWith("?length") ? { "content-length": "9" } : {})
        })
        res.end("{not json")
        return
      }
      if (url === "/endless") {
        res.writeHead(200, { "content-type": "application/json" })
        res.write('{"type":"ADDED"')
        return
      }
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify({ kind: "ConfigMap", data: { a: "b" } }))
    })
    s.listen(0, "127.0.0.1", () => {
      const address = s.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, seen, closed, s }))
    })
  }),
  ({ s }) =>
    Effect.sync(() => {
      s.closeAllConnections()
      s.close()
    })
)

const transport = plainTransport

/** A tracer that records the names of the spans it makes. */
const recording = () => {
  const names: Array<string> = []
  let next = 0
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      names.push(name)
      const spanId = `span${++next}`
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId,
        traceId: "0af7651916cd43dd8448eb211c80319c",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes: new Map(),
        links,
        sampled: true,
        kind,
        end: (_endTime: bigint, _exit: Exit.Exit<unknown, unknown>) => {},
        attribute: () => {},
        event: () => {},
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })
  return { names, tracer }
}

/** The JSON served at `/body/<kind>`. */
const bodyOf = (kind: string) => ({
  kind,
  data:
    kind === "large"
      ? Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`key-${i}`, "x".repeat(500)]))
      : kind === "utf8"
        ? { text: "é中😀".repeat(1_000) }
        : { a: "b" }
})

/** Waits until `holds` is true, polling every 10 ms (no wall-clock bound: the test's timeout is). */
const eventually = (holds: () => boolean) =>
  Effect.repeat(Effect.sync(holds), { until: (ok) => ok, schedule: Schedule.spaced("10 millis") })

const getJson = (path: string) =>
  Effect.flatMap(HttpClient.HttpClient, (client) => Effect.flatMap(client.get(path), (r) => r.json))

describe("the Node transport's lean and traced paths", () => {
  it.scoped("default tracer: the lean path answers (json, text read twice); no trace headers go out", () =>
    Effect.gen(function* () {
      const srv = yield* server
      const answer = yield* getJson("/a").pipe(Effect.provide(transport(srv.url)))
      expect(answer).toEqual({ kind: "ConfigMap", data: { a: "b" } })
      const texts = yield* Effect.gen(function* () {
        const client = yield* HttpClient.HttpClient
        const response = yield* client.get("/b")
        return [yield* response.text, yield* response.text, yield* response.json]
      }).pipe(Effect.provide(transport(srv.url)))
      expect(texts[0]).toBe(texts[1])
      expect(texts[2]).toEqual(answer)
      expect(srv.seen.map((s) => s.traceparent)).toEqual([undefined, undefined])
    })
  )

  it.scoped("a tracer of the program's own: the http.client span under the caller's, and traceparent", () =>
    Effect.gen(function* () {
      const srv = yield* server
      const { names, tracer } = recording()
      const answer = yield* getJson("/a").pipe(
        Effect.withSpan("caller"),
        Effect.provide(transport(srv.url)),
        Effect.withTracer(tracer)
      )
      expect(answer).toEqual({ kind: "ConfigMap", data: { a: "b" } })
      expect(names).toEqual(["caller", "http.client GET"])
      expect(srv.seen[0]?.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-/)
    })
  )

  it.scoped("tracing off: the lean path, no span", () =>
    Effect.gen(function* () {
      const srv = yield* server
      const { names, tracer } = recording()
      yield* getJson("/a").pipe(
        Effect.provide(transport(srv.url)),
        Effect.withTracerEnabled(false),
        Effect.withTracer(tracer)
      )
      expect(names).toEqual([])
      expect(srv.seen[0]?.traceparent).toBeUndefined()
    })
  )

  it.live(
    "a body read as a stream and left (interrupted) is aborted: the server sees its connection close",
    () =>
      Effect.gen(function* () {
        const srv = yield* server
        const first = yield* Effect.gen(function* () {
          const client = yield* HttpClient.HttpClient
          const response = yield* client.get("/endless")
          return yield* Stream.runHead(response.stream)
        }).pipe(Effect.provide(transport(srv.url)))
        expect(Option.isSome(first)).toBe(true)
        // The connection closes once the stream is left (no wall-clock bound: polled until it does).
        yield* eventually(() => srv.closed.includes("/endless"))
        expect(srv.closed).toContain("/endless")
      }).pipe(Effect.scoped)
  )

  for (const { path, what } of [
    { path: "/silent", what: "a request waiting for its answer" },
    { path: "/endless", what: "a body being read whole (json)" }
  ]) {
    it.live(`${what}, interrupted, is aborted: the server sees its connection close`, () =>
      Effect.gen(function* () {
        const srv = yield* server
        // The transport outlives the request (its connections are not closed with the request's fiber).
        yield* Effect.gen(function* () {
          const fiber = yield* Effect.fork(getJson(path))
          // Interrupted once the server has the request (polled: no wall-clock bound).
          yield* eventually(() => srv.seen.some((x) => x.url === path))
          yield* Fiber.interrupt(fiber)
          yield* eventually(() => srv.closed.includes(path))
        }).pipe(Effect.provide(transport(srv.url)))
        expect(srv.closed).toContain(path)
      }).pipe(Effect.scoped)
    )
  }

  it.scoped(
    "a body is read whole in every shape: small, large, chunked, multi-byte; text and json agree",
    () =>
      Effect.gen(function* () {
        const srv = yield* server
        for (const kind of ["small", "large", "chunked", "utf8"]) {
          const { json, text } = yield* Effect.gen(function* () {
            const client = yield* HttpClient.HttpClient
            const response = yield* client.get(`/body/${kind}`)
            const json = yield* response.json
            return { json, text: yield* response.text }
          }).pipe(Effect.provide(transport(srv.url)))
          expect(json).toEqual(bodyOf(kind))
          expect(text).toBe(JSON.stringify(bodyOf(kind)))
        }
      })
  )

  for (const { query, shape } of [
    { query: "?length", shape: "with content-length" },
    { query: "", shape: "chunked" }
  ]) {
    it.scoped(
      `a body that is not JSON (${shape}), read as JSON: a ResponseError (Decode); its text is still there`,
      () =>
        Effect.gen(function* () {
          const srv = yield* server
          const { error, text } = yield* Effect.gen(function* () {
            const client = yield* HttpClient.HttpClient
            const response = yield* client.get(`/not-json${query}`)
            const error = yield* Effect.flip(response.json)
            return { error, text: yield* response.text }
          }).pipe(Effect.provide(transport(srv.url)))
          expect(error._tag).toBe("ResponseError")
          expect(error.reason).toBe("Decode")
          expect(text).toBe("{not json")
        })
    )
  }

  for (const path of ["/body/small", "/body/chunked"]) {
    it.scoped(
      `a body read twice in ways that cannot share it (text, then bytes; ${path}): a ResponseError, not a defect`,
      () =>
        Effect.gen(function* () {
          const srv = yield* server
          const error = yield* Effect.gen(function* () {
            const client = yield* HttpClient.HttpClient
            const response = yield* client.get(path)
            yield* response.text
            return yield* Effect.flip(response.arrayBuffer)
          }).pipe(Effect.provide(transport(srv.url)))
          expect(error._tag).toBe("ResponseError")
        })
    )
  }

  const paths = [
    { traced: false, compression: false, what: "undici's body timeout, on the lean path" },
    { traced: false, compression: true, what: "undici's body timeout, under gzip" },
    { traced: true, compression: false, what: "a timer per read, on the traced path" }
  ]
  for (const { traced, compression, what } of paths) {
    it.live(`a silent watch is resumed after its idle limit (${what})`, () =>
      Effect.gen(function* () {
        const srv = yield* server
        const { names, tracer } = recording()
        const watched = Watch.watch(ConfigMap, {
          namespace: "default",
          idleTimeout: "200 millis",
          retrySchedule: Schedule.spaced("10 millis"),
          // Only the idle failure is retried: anything else (a transport error the mapping
          // missed) ends the stream and fails the test.
          retryable: (error) => error._tag === "WatchIdle"
        }).pipe(Stream.take(2), Stream.runCollect, Effect.provide(transport(srv.url, { compression })))
        const events = yield* traced ? Effect.withTracer(watched, tracer) : watched
        expect([...events].map((e) => (e._tag === "Added" ? e.object.metadata?.name : e._tag))).toEqual([
          "c1",
          "c2"
        ])
        expect(names.includes("http.client GET")).toBe(traced)
      }).pipe(Effect.scoped)
    )
  }
})
