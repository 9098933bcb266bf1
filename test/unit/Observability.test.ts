/**
 * The spans, logs and metrics of a get, a retried get, a get after a credential refresh and a watch
 * that reconnects, over a scripted transport (no network, the test clock for every delay).
 */
import { HttpClient, HttpClientError, type HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import {
  Cause,
  Chunk,
  type Context,
  type Duration,
  Effect,
  type Exit,
  Fiber,
  Layer,
  Logger,
  LogLevel,
  Metric,
  Option,
  Redacted,
  Ref,
  Schedule,
  Stream,
  TestClock,
  Tracer
} from "effect"
import {
  Client,
  KubeConfig,
  KubeHttpClient,
  KubeWebSocket,
  Metrics,
  PodExec,
  Watch
} from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { resolvedConfig } from "../harness/Fixtures.js"
import { line, list, status } from "../harness/ScriptedServer.js"

const TOKEN = "s3cr3t-token"
const SERVER = "https://k8s.test"

// --- capture ---------------------------------------------------------------------------------

interface SpanEvent {
  readonly name: string
  readonly attributes: Readonly<Record<string, unknown>>
}

/** A span as the in-memory tracer keeps it. */
class RecordedSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly attributes = new Map<string, unknown>()
  readonly events: Array<SpanEvent> = []
  readonly links: Array<Tracer.SpanLink>
  readonly sampled = true
  status: Tracer.SpanStatus
  constructor(
    readonly name: string,
    readonly spanId: string,
    readonly traceId: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Context.Context<never>,
    links: ReadonlyArray<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind
  ) {
    this.links = [...links]
    this.status = { _tag: "Started", startTime }
  }
  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
  }
  attribute(key: string, value: unknown): void {
    this.attributes.set(key, value)
  }
  event(name: string, _startTime: bigint, attributes: Record<string, unknown> = {}): void {
    this.events.push({ name, attributes })
  }
  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    this.links.push(...links)
  }
  get parentId(): string | undefined {
    return Option.getOrUndefined(Option.map(this.parent, (p) => p.spanId))
  }
  get ended(): boolean {
    return this.status._tag === "Ended"
  }
  get succeeded(): boolean | undefined {
    return this.status._tag === "Ended" ? this.status.exit._tag === "Success" : undefined
  }
  /** The attributes, without the `code.stacktrace` Effect adds to a failed span. */
  get attributeRecord(): Record<string, unknown> {
    return Object.fromEntries([...this.attributes].filter(([key]) => key !== "code.stacktrace"))
  }
}

interface LogLine {
  readonly level: LogLevel.LogLevel["_tag"]
  readonly message: string
  readonly cause: string
  readonly annotations: string
}

const text = (message: unknown): string =>
  Array.isArray(message) ? message.map((m) => String(m)).join(" ") : String(message)

/**
 * Runs an effect with an in-memory tracer and logger (every level down to Debug): what it recorded
 * is in `spans` and `logs`.
 */
const observed = () => {
  const spans: Array<RecordedSpan> = []
  const logs: Array<LogLine> = []
  let ids = 0
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      ids += 1
      const traceId = Option.match(parent, { onNone: () => `trace-${ids}`, onSome: (p) => p.traceId })
      const span = new RecordedSpan(name, `span-${ids}`, traceId, parent, context, links, startTime, kind)
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  const logger = Logger.make(({ logLevel, message, cause, annotations }) => {
    logs.push({
      level: logLevel._tag,
      message: text(message),
      cause: Cause.isEmpty(cause) ? "" : Cause.pretty(cause),
      annotations: JSON.stringify([...annotations])
    })
  })
  const run = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    effect.pipe(
      Effect.withTracer(tracer),
      Logger.withMinimumLogLevel(LogLevel.Debug),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger))
    )
  const named = (name: string) => spans.filter((s) => s.name === name)
  const childrenOf = (span: RecordedSpan) => spans.filter((s) => s.parentId === span.spanId)
  /** Everything a span exporter or a log shipper would see, as one string. */
  const everything = () =>
    JSON.stringify({
      spans: spans.map((s) => ({ name: s.name, attributes: s.attributeRecord, events: s.events })),
      logs
    })
  return { spans, logs, run, named, childrenOf, everything }
}

/** A counter's count (counters are global: tests compare before and after). */
const count = (counter: Metric.Metric.Counter<number>) =>
  Effect.map(Metric.value(counter), (state) => state.count)

/** A histogram's number of samples. */
const samples = (histogram: Metric.Metric.Histogram<number>) =>
  Effect.map(Metric.value(histogram), (state) => state.count)

const requests = (verb: string, code: string) =>
  count(Metrics.requests.pipe(Metric.tagged("verb", verb), Metric.tagged("code", code)))
const duration = (verb: string) => samples(Metrics.requestDuration.pipe(Metric.tagged("verb", verb)))
const retries = (reason: string) => count(Metrics.retries.pipe(Metric.tagged("reason", reason)))
const watchCounter = (counter: Metric.Metric.Counter<number>) =>
  count(counter.pipe(Metric.tagged("resource", "configmaps")))

/** The values of several metrics now; `delta` gives how much each moved since. */
const snapshot = (metrics: Readonly<Record<string, Effect.Effect<number>>>) =>
  Effect.map(Effect.all(metrics), (before) => ({
    delta: Effect.map(Effect.all(metrics), (after) =>
      Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)]))
    )
  }))

// --- transport -------------------------------------------------------------------------------

interface Seen {
  readonly url: string
  readonly authorization: string | undefined
}

/** A transport answering the n-th request with the n-th answer (the last one repeats). */
const scripted = (
  answers: ReadonlyArray<(request: HttpClientRequest.HttpClientRequest) => Response | Error>
) => {
  const seen: Array<Seen> = []
  const transport = HttpClient.make((request, url) =>
    Effect.suspend(() => {
      seen.push({ url: url.toString(), authorization: request.headers.authorization })
      const answer = answers[Math.min(seen.length - 1, answers.length - 1)]
      const result = answer === undefined ? new Response("{}") : answer(request)
      return result instanceof Error
        ? Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: result }))
        : Effect.succeed(HttpClientResponse.fromWeb(request, result))
    })
  )
  return { seen, transport }
}

const statusAnswer = (code: number, message: string) => () =>
  Response.json({ kind: "Status", apiVersion: "v1", status: "Failure", code, message }, { status: code })

const cmObject = (name: string, resourceVersion: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "ns", resourceVersion },
  data: { k: "v" }
})

/** A watch body of these lines that stays open after them (the connection is not closed). */
const openBody = (...lines: ReadonlyArray<string>) =>
  new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const l of lines) controller.enqueue(new TextEncoder().encode(l))
      }
    }),
    { headers: { "content-type": "application/json" } }
  )

const layerOf = (
  transport: HttpClient.HttpClient,
  config: KubeConfig.ResolvedConfig,
  options: KubeHttpClient.Options = {}
) =>
  Layer.mergeAll(
    KubeConfig.layer(config),
    Layer.scoped(HttpClient.HttpClient, KubeHttpClient.make(transport, config, options))
  )

const tokenConfig = (overrides: Partial<KubeConfig.ResolvedConfig> = {}) =>
  resolvedConfig(SERVER, { credentials: Effect.succeed({ token: Redacted.make(TOKEN) }), ...overrides })

/** Waits for a fiber that sleeps on the test clock, moving the clock `step` at a time. */
const settle = <A, E>(fiber: Fiber.RuntimeFiber<A, E>, step: Duration.DurationInput) =>
  Effect.gen(function* () {
    for (let i = 0; i < 50 && Option.isNone(yield* Fiber.poll(fiber)); i++) yield* TestClock.adjust(step)
    return yield* Fiber.join(fiber)
  })

const URL_X = `${SERVER}/api/v1/namespaces/ns/configmaps/x`

/** The attributes of the `Client.get` span of the ConfigMap `x` in `ns`. */
const getAttributes = {
  "k8s.verb": "get",
  "k8s.api.group": "",
  "k8s.api.version": "v1",
  "k8s.kind": "ConfigMap",
  "k8s.resource": "configmaps",
  "k8s.namespace.name": "ns",
  "k8s.object.name": "x",
  "http.response.status_code": 200
}

describe("Observability", () => {
  it.scoped("a get: one Client.get span with the k8s attributes, its HTTP span a child; counted", () =>
    Effect.gen(function* () {
      const o = observed()
      const { seen, transport } = scripted([() => Response.json(cmObject("x", "7"))])
      const metrics = yield* snapshot({
        ok: requests("get", "200"),
        duration: duration("get"),
        retried: retries("503")
      })
      const cm = yield* o.run(
        Client.get(core.ConfigMap, "x").pipe(Effect.provide(layerOf(transport, tokenConfig())))
      )
      expect(cm.metadata?.name).toBe("x")
      // The token did go out (so its absence below means something).
      expect(seen).toEqual([{ url: URL_X, authorization: `Bearer ${TOKEN}` }])

      expect(o.spans.map((s) => s.name)).toEqual(["Client.get", "http.client GET"])
      const [get] = o.named("Client.get")
      const [attempt] = o.named("http.client GET")
      if (get === undefined || attempt === undefined) return expect.fail("spans missing")
      expect(get.kind).toBe("client")
      expect(get.parentId).toBeUndefined()
      expect(get.attributeRecord).toEqual(getAttributes)
      expect(get.succeeded).toBe(true)
      expect(attempt.parentId).toBe(get.spanId)
      expect(attempt.traceId).toBe(get.traceId)
      expect(attempt.attributes.get("url.full")).toBe(URL_X)
      expect(attempt.attributes.get("http.response.status_code")).toBe(200)
      expect(attempt.attributes.get("http.request.header.authorization")).toBe("<redacted>")
      expect(attempt.succeeded).toBe(true)

      expect(o.logs).toEqual([])
      expect(o.everything()).not.toContain(TOKEN)
      expect(yield* metrics.delta).toEqual({ ok: 1, duration: 1, retried: 0 })
    })
  )

  it.scoped(
    "a get where no span would be seen (Effect's default tracer, or tracing off): no span made; counted all the same",
    () =>
      Effect.gen(function* () {
        // What the transport's own span (HttpClient.make's) has as parent: the operation's span, if any.
        const parents: Array<string> = []
        const transport = HttpClient.make((request) =>
          Effect.flatMap(Effect.option(Effect.currentSpan), (span) => {
            const parent = Option.flatMap(span, (s) => s.parent)
            parents.push(Option.match(parent, { onNone: () => "none", onSome: (p) => p.spanId }))
            return Effect.succeed(HttpClientResponse.fromWeb(request, Response.json(cmObject("x", "7"))))
          })
        )
        const metrics = yield* snapshot({ ok: requests("get", "200"), duration: duration("get") })
        const get = Client.get(core.ConfigMap, "x").pipe(Effect.provide(layerOf(transport, tokenConfig())))
        // Effect's default tracer: its spans go nowhere, so Client.get makes none.
        expect((yield* get).metadata?.name).toBe("x")
        // A tracer of the program's own, tracing disabled: none either, and a caller's span
        // (recorded outside the disabled region) gets none of the operation's attributes.
        const o = observed()
        expect((yield* o.run(Effect.withTracerEnabled(get, false))).metadata?.name).toBe("x")
        expect(o.spans).toEqual([])
        yield* o.run(Effect.withSpan(Effect.withTracerEnabled(get, false), "handler"))
        const [handler] = o.named("handler")
        if (handler === undefined) return expect.fail("no handler span")
        expect(handler.attributeRecord).toEqual({})
        o.spans.length = 0
        // The same tracer, tracing on: the operation's span is the transport span's parent.
        yield* o.run(get)
        const [recorded] = o.named("Client.get")
        if (recorded === undefined) return expect.fail("no Client.get span")
        expect(parents).toEqual(["none", "none", "none", recorded.spanId])
        expect(yield* metrics.delta).toEqual({ ok: 4, duration: 4 })
      })
  )

  it.scoped(
    "a get retried after a 503: two HTTP spans under one Client.get, the retry logged and counted",
    () =>
      Effect.gen(function* () {
        const o = observed()
        const { seen, transport } = scripted([
          statusAnswer(503, "busy"),
          () => Response.json(cmObject("x", "7"))
        ])
        const metrics = yield* snapshot({
          ok: requests("get", "200"),
          unavailable: requests("get", "503"),
          duration: duration("get"),
          retried: retries("503"),
          transport: retries("transport")
        })
        const layer = layerOf(transport, tokenConfig(), {
          retrySchedule: Schedule.spaced("250 millis").pipe(Schedule.intersect(Schedule.recurs(2)))
        })
        const fiber = yield* Effect.fork(o.run(Client.get(core.ConfigMap, "x").pipe(Effect.provide(layer))))
        const cm = yield* settle(fiber, "250 millis")
        expect(cm.metadata?.name).toBe("x")
        expect(seen.map((s) => s.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`])

        expect(o.spans.map((s) => s.name)).toEqual(["Client.get", "http.client GET", "http.client GET"])
        const [get] = o.named("Client.get")
        if (get === undefined) return expect.fail("no Client.get span")
        expect(get.attributeRecord).toEqual(getAttributes)
        expect(get.succeeded).toBe(true)
        const attempts = o.childrenOf(get)
        expect(attempts.map((s) => s.name)).toEqual(["http.client GET", "http.client GET"])
        expect(attempts.map((s) => s.attributes.get("http.response.status_code"))).toEqual([503, 200])
        expect(attempts.map((s) => s.attributes.get("url.full"))).toEqual([URL_X, URL_X])

        const retryLine = `GET ${URL_X} answered 503; retrying in 250ms`
        expect(o.logs.map((l) => [l.level, l.message])).toEqual([["Warning", retryLine]])
        // Logged inside the operation: the line is an event of the Client.get span.
        expect(get.events.map((e) => [e.name, e.attributes["effect.logLevel"]])).toEqual([
          [retryLine, "WARN"]
        ])

        expect(o.everything()).not.toContain(TOKEN)
        expect(yield* metrics.delta).toEqual({ ok: 1, unavailable: 0, duration: 1, retried: 1, transport: 0 })
      })
  )

  it.scoped("a get after a 401 with refreshable credentials: refreshed once, logged at Info, counted", () =>
    Effect.gen(function* () {
      const o = observed()
      const generation = yield* Ref.make(0)
      const { seen, transport } = scripted([
        statusAnswer(401, "Unauthorized"),
        () => Response.json(cmObject("x", "7"))
      ])
      const config = tokenConfig({
        refreshable: true,
        credentials: Effect.map(Ref.get(generation), (n) => ({ token: Redacted.make(`${TOKEN}-${n}`) })),
        invalidateCredentials: Ref.update(generation, (n) => n + 1)
      })
      const metrics = yield* snapshot({
        ok: requests("get", "200"),
        unauthorized: requests("get", "401"),
        refreshes: count(Metrics.credentialRefreshes),
        retried: retries("401")
      })
      yield* o.run(Client.get(core.ConfigMap, "x").pipe(Effect.provide(layerOf(transport, config))))
      expect(yield* Ref.get(generation)).toBe(1)
      expect(seen.map((s) => s.authorization)).toEqual([`Bearer ${TOKEN}-0`, `Bearer ${TOKEN}-1`])

      expect(o.spans.map((s) => s.name)).toEqual(["Client.get", "http.client GET", "http.client GET"])
      const [get] = o.named("Client.get")
      if (get === undefined) return expect.fail("no Client.get span")
      expect(get.attributeRecord).toEqual(getAttributes)
      expect(o.childrenOf(get).map((s) => s.attributes.get("http.response.status_code"))).toEqual([401, 200])

      const refreshLine = `GET ${URL_X}: 401 Unauthorized; credentials refreshed, sending again`
      expect(o.logs.map((l) => [l.level, l.message])).toEqual([["Info", refreshLine]])
      expect(get.events.map((e) => e.name)).toEqual([refreshLine])

      expect(o.everything()).not.toContain(TOKEN)
      expect(yield* metrics.delta).toEqual({ ok: 1, unauthorized: 0, refreshes: 1, retried: 0 })
    })
  )

  it.scoped(
    "a watch: one Watch.watch span per connection; reconnects logged and counted, events counted",
    () =>
      Effect.gen(function* () {
        const o = observed()
        const { seen, transport } = scripted([
          // The first connection ends after one event; the second fails (500); the third stays open.
          () => new Response(line("ADDED", cmObject("a", "10"))),
          statusAnswer(500, "etcdserver: leader changed"),
          () => openBody(line("MODIFIED", cmObject("a", "20")))
        ])
        const metrics = yield* snapshot({
          ok: requests("watch", "200"),
          failed: requests("watch", "500"),
          duration: duration("watch"),
          reconnects: watchCounter(Metrics.watchReconnects),
          events: watchCounter(Metrics.watchEvents),
          relists: watchCounter(Metrics.watchRelists)
        })
        const fiber = yield* Effect.fork(
          o.run(
            Watch.watch(core.ConfigMap, {
              resourceVersion: "5",
              retrySchedule: Schedule.spaced("100 millis")
            }).pipe(Stream.take(2), Stream.runCollect, Effect.provide(layerOf(transport, tokenConfig())))
          )
        )
        const events = Chunk.toReadonlyArray(yield* settle(fiber, "100 millis"))
        expect(
          events.map((e) => (e._tag === "Bookmark" ? "Bookmark" : `${e._tag} ${e.object.metadata?.name}`))
        ).toEqual(["Added a", "Modified a"])
        expect(seen.map((s) => new URL(s.url).searchParams.get("resourceVersion"))).toEqual(["5", "10", "10"])

        const watches = o.named("Watch.watch")
        expect(watches).toHaveLength(3)
        const common = {
          "k8s.verb": "watch",
          "k8s.api.group": "",
          "k8s.api.version": "v1",
          "k8s.kind": "ConfigMap",
          "k8s.resource": "configmaps",
          "k8s.namespace.name": "ns"
        }
        const [first, failed, third] = watches.map((s) => s.attributeRecord)
        expect(first).toEqual({
          ...common,
          "k8s.watch.resource_version": "5",
          "http.response.status_code": 200
        })
        expect(third).toEqual({
          ...common,
          "k8s.watch.resource_version": "10",
          "http.response.status_code": 200
        })
        expect(failed).toEqual({
          ...common,
          "k8s.watch.resource_version": "10",
          "http.response.status_code": 500
        })
        expect(watches.map((s) => s.kind)).toEqual(["client", "client", "client"])
        expect(watches.map((s) => s.succeeded)).toEqual([true, false, true])
        // Each connection's HTTP span is its child; no other span.
        expect(watches.map((s) => o.childrenOf(s).map((c) => c.name))).toEqual([
          ["http.client GET"],
          ["http.client GET"],
          ["http.client GET"]
        ])
        expect(o.spans).toHaveLength(6)

        expect(o.logs.map((l) => l.level)).toEqual(["Debug", "Warning"])
        expect(o.logs[0]?.message).toBe(
          "a watch connection of configmaps ended; reconnecting from resourceVersion 10"
        )
        expect(o.logs[1]?.message).toMatch(
          /^the watch of configmaps failed \(ApiError: .*etcdserver: leader changed.*\); retrying in 100ms from resourceVersion 10$/
        )

        expect(o.everything()).not.toContain(TOKEN)
        expect(yield* metrics.delta).toEqual({
          ok: 2,
          failed: 1,
          // Every connection is timed, the failed one too.
          duration: 3,
          reconnects: 2,
          events: 2,
          relists: 0
        })
      })
  )

  it.scoped("a watcher that relists after a 410 and a watch gone silent: logged and counted", () =>
    Effect.gen(function* () {
      const o = observed()
      const listAnswer = (rv: string) => () => new Response(list(rv, []))
      const { transport } = scripted([
        listAnswer("10"),
        () => new Response(line("ERROR", JSON.parse(status(410, "Expired")))),
        listAnswer("20"),
        () => openBody(),
        () => openBody(line("ADDED", cmObject("a", "21")))
      ])
      const metrics = yield* snapshot({
        relists: watchCounter(Metrics.watchRelists),
        reconnects: watchCounter(Metrics.watchReconnects)
      })
      const fiber = yield* Effect.fork(
        o.run(
          Watch.watcher(core.ConfigMap, {
            idleTimeout: "1 second",
            retrySchedule: Schedule.spaced("100 millis")
          }).pipe(
            Stream.takeUntil((e) => e._tag === "Apply"),
            Stream.runCollect,
            Effect.provide(layerOf(transport, tokenConfig()))
          )
        )
      )
      const events = Chunk.toReadonlyArray(yield* settle(fiber, "500 millis"))
      expect(events.map((e) => e._tag)).toEqual(["Init", "InitDone", "Init", "InitDone", "Apply"])
      const lines = o.logs.filter((l) => l.level !== "Debug").map((l) => [l.level, l.message])
      expect(lines).toHaveLength(2)
      expect(lines[0]?.[0]).toBe("Info")
      expect(lines[0]?.[1]).toMatch(/^the watcher of configmaps relists: ApiError: .*410 Expired/)
      expect(lines[1]?.[0]).toBe("Warning")
      expect(lines[1]?.[1]).toBe(
        "the watch of configmaps failed (WatchIdle: the watch sent nothing for 1s); retrying in 100ms from resourceVersion 20"
      )
      expect(o.everything()).not.toContain(TOKEN)
      // The first list and the relist; the idle connection's retry.
      expect(yield* metrics.delta).toEqual({ relists: 2, reconnects: 1 })
    })
  )

  it.scoped("a failed get (404): its span has the target and the status, and fails; the answer counted", () =>
    Effect.gen(function* () {
      const o = observed()
      const { transport } = scripted([statusAnswer(404, 'configmaps "x" not found')])
      const metrics = yield* snapshot({ missing: requests("get", "404"), ok: requests("get", "200") })
      const error = yield* o.run(
        Client.get(core.ConfigMap, "x").pipe(Effect.provide(layerOf(transport, tokenConfig())), Effect.flip)
      )
      expect(error._tag).toBe("ApiError")
      expect(o.spans.map((s) => s.name)).toEqual(["Client.get", "http.client GET"])
      const [get, attempt] = o.spans
      expect(get?.attributeRecord).toEqual({ ...getAttributes, "http.response.status_code": 404 })
      expect(get?.succeeded).toBe(false)
      expect(attempt?.parentId).toBe(get?.spanId)
      expect(o.logs).toEqual([])
      expect(o.everything()).not.toContain(TOKEN)
      expect(yield* metrics.delta).toEqual({ missing: 1, ok: 0 })
    })
  )
})

// Instrumentation gaps found while writing these tests (each was a `.fails` test until src/ was
// fixed): failed and interrupted connections and operations keep their attributes and timings.
describe("Observability edges", () => {
  it.scoped("a watch connection that fails has k8s.namespace.name on its span", () =>
    Effect.gen(function* () {
      const o = observed()
      const { transport } = scripted([statusAnswer(403, "forbidden")])
      yield* o.run(
        Watch.watch(core.ConfigMap, { resourceVersion: "5" }).pipe(
          Stream.runDrain,
          Effect.flip,
          Effect.provide(layerOf(transport, tokenConfig()))
        )
      )
      const [watch] = o.named("Watch.watch")
      expect(watch?.attributes.get("http.response.status_code")).toBe(403)
      expect(watch?.attributes.get("k8s.namespace.name")).toBe("ns")
    })
  )

  it.scoped("a failed operation's duration is recorded", () =>
    Effect.gen(function* () {
      const o = observed()
      const { transport } = scripted([statusAnswer(404, 'configmaps "x" not found')])
      const metrics = yield* snapshot({ duration: duration("get") })
      yield* o.run(
        Client.get(core.ConfigMap, "x").pipe(Effect.provide(layerOf(transport, tokenConfig())), Effect.flip)
      )
      expect(o.named("Client.get")).toHaveLength(1)
      expect(yield* metrics.delta).toEqual({ duration: 1 })
    })
  )

  it.scoped(
    "the Status read after a refused exec upgrade belongs to the PodExec.exec span, untraced itself (its URL holds the command)",
    () =>
      Effect.gen(function* () {
        const o = observed()
        const { transport } = scripted([statusAnswer(403, "pods/exec is forbidden")])
        const webSocket: KubeWebSocket.Service = {
          connect: () =>
            Effect.fail(new KubeWebSocket.WebSocketError({ reason: "Connect", detail: "refused" }))
        }
        const layer = Layer.mergeAll(
          layerOf(transport, tokenConfig()),
          Layer.succeed(KubeWebSocket.KubeWebSocket, webSocket)
        )
        const error = yield* o.run(
          PodExec.exec("p", { command: ["sh", "-c", "PGPASSWORD=hunter2 psql"] }).pipe(
            Effect.provide(layer),
            Effect.flip
          )
        )
        expect(error._tag).toBe("ApiError")
        const [exec] = o.named("PodExec.exec")
        expect(exec?.attributes.get("http.response.status_code")).toBe(403)
        expect(exec?.attributes.get("k8s.object.name")).toBe("p")
        expect(o.named("http.client GET")).toEqual([])
        expect(o.everything()).not.toContain("hunter2")
      })
  )
})
