/**
 * Hostile server replies for get, list, watch and log, from a local scripted TCP server: any
 * status, wrong or missing content types, bad gzip, truncated JSON, HTML, invalid UTF-8, huge
 * bodies, malformed watch lines, broken chunking, wrong content lengths, resets mid-body and slow
 * drips. The first request of a case gets the hostile reply, later ones (retries, reconnects) a
 * plain one. Property: a typed failure or a success, never a defect, a hang or a crash; the bearer
 * token of the requests appears in no output.
 */
import * as zlib from "node:zlib"
import { type Context, Effect, Layer, ManagedRuntime, Redacted, Schedule, Stream } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, it } from "vitest"
import type { ResolvedConfig } from "../../src/config/KubeConfig.js"
import { Client, KubeConfig, PodLog, Watch } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { NodeKubeHttpClient } from "../../src/node/index.js"
import {
  assertClean,
  type CaseOutcome,
  evaluate,
  fastClock,
  fuzz,
  printSummary,
  type Secret
} from "./harness.js"
import { type RawServer, rawServer, type Step } from "./servers.js"

const FILE = "test/fuzz/replies.fuzz.test.ts"
const TOKEN = "fuzzBearerT0kenPl8Ok7Ij6Uh5Yg4"
const secrets: ReadonlyArray<Secret> = [{ label: "bearer token", value: TOKEN }]

type Verb = "get" | "list" | "watch" | "log"

// --- bodies --------------------------------------------------------------------------------------

const text = (s: string) => new TextEncoder().encode(s)
const concat = (...parts: ReadonlyArray<Uint8Array>) => Buffer.concat(parts.map((p) => Buffer.from(p)))

const configMap = (name: string, rv: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "ns", resourceVersion: rv },
  data: { k: "v" }
})

const INVALID_UTF8: ReadonlyArray<Uint8Array> = [
  Uint8Array.from([0xff]),
  Uint8Array.from([0xc3, 0x28]),
  Uint8Array.from([0xe2, 0x82]),
  Uint8Array.from([0xf0, 0x90, 0x80]),
  Uint8Array.from([0xed, 0xa0, 0x80]),
  Uint8Array.from([0xc0, 0xaf]),
  Uint8Array.from([0x00])
]

const invalidUtf8 = fc.constantFrom(...INVALID_UTF8)

/** Depths of nested JSON: shallow, or deep enough to overflow a recursive walk. */
const nesting = fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constantFrom(3_000, 5_000, 10_000, 20_000))

/** Bodies any verb may get. */
const commonBody: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constantFrom(
    text(""),
    text(" "),
    text("null"),
    text("42"),
    text('"a string"'),
    text("[]"),
    text("[1,2,3]"),
    text("{}"),
    text('{"kind":"Status"}'),
    text('{"kind":"Status","code":"500","reason":7,"message":{"a":1},"details":[1]}'),
    text('{"kind":"Status","code":404,"reason":"NotFound","message":"configmaps \\"x\\" not found"}'),
    text('{"kind":"Status","details":{"causes":"not-a-list","retryAfterSeconds":"soon"}}'),
    text("<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"),
    text("<!DOCTYPE html>\n<html><body>Please log in</body></html>\n"),
    text('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'),
    text('{"apiVersion":"v1","kind":"ConfigMap","metadata":"not-an-object"}'),
    text('{"apiVersion":"v2","kind":"Pod","metadata":{"name":"x"}}'),
    text("\ufeff{}"),
    text('{"a":1}{"b":2}'),
    text("NaN"),
    text("{'single': 'quotes'}")
  ),
  fc.uint8Array({ maxLength: 64 }),
  fc
    .tuple(
      fc.constantFrom('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"', '{"items":[', "["),
      invalidUtf8
    )
    .map(([a, b]) => concat(text(a), b, text('"}}'))),
  nesting.map((n) => text(`${"[".repeat(n)}${"]".repeat(n)}`)),
  nesting.map((n) => text(`${'{"a":'.repeat(n)}1${"}".repeat(n)}`))
)

const truncated = (body: Uint8Array) =>
  fc.integer({ min: 0, max: Math.max(0, body.length - 1) }).map((n) => body.subarray(0, n))

const objectJson = text(JSON.stringify(configMap("cm", "5")))

const hugeJson = fc
  .constantFrom(1_000_000, 3_000_000)
  .map((n) => text(JSON.stringify({ ...configMap("cm", "5"), data: { big: "x".repeat(n) } })))

const getBody: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(objectJson) },
  { weight: 3, arbitrary: truncated(objectJson) },
  { weight: 6, arbitrary: commonBody },
  { weight: 1, arbitrary: hugeJson }
)

const listJson = (items: ReadonlyArray<unknown>, extra: Record<string, unknown> = {}) =>
  text(
    JSON.stringify({
      apiVersion: "v1",
      kind: "ConfigMapList",
      metadata: { resourceVersion: "7", ...extra },
      items
    })
  )

const listBody: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(listJson([configMap("a", "1"), configMap("b", "2")])) },
  { weight: 2, arbitrary: fc.constant(listJson([configMap("a", "1")], { continue: "next-page" })) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      text('{"items":null}'),
      text('{"items":"nope"}'),
      text('{"items":[1,null,"x",[]]}'),
      text('{"items":[{"kind":"Pod"}]}'),
      text('{"metadata":{"continue":7},"items":[]}'),
      text('{"metadata":{"resourceVersion":{"a":1}},"items":[]}'),
      text('{"metadata":[],"items":[]}')
    )
  },
  { weight: 3, arbitrary: truncated(listJson([configMap("a", "1"), configMap("b", "2")])) },
  { weight: 6, arbitrary: commonBody },
  {
    weight: 1,
    arbitrary: fc.constant(listJson(Array.from({ length: 5000 }, (_, i) => configMap(`cm-${i}`, String(i)))))
  }
)

const event = (type: string, object: unknown) => JSON.stringify({ type, object })

const watchLine: fc.Arbitrary<Uint8Array> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.integer({ min: 1, max: 99 }).map((n) => text(event("ADDED", configMap(`e${n}`, String(n)))))
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      text(event("MODIFIED", configMap("m", "20"))),
      text(event("DELETED", configMap("d", "21"))),
      text(event("BOOKMARK", { kind: "ConfigMap", apiVersion: "v1", metadata: { resourceVersion: "22" } })),
      text(event("BOOKMARK", null)),
      text(
        event("ERROR", { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" })
      ),
      text(event("ERROR", { kind: "Status", code: 500, reason: "InternalError" })),
      text(event("ERROR", "not a status")),
      text(event("ERROR", null)),
      text(event("UNKNOWN", configMap("u", "23"))),
      text(event("ADDED", null)),
      text(event("ADDED", { kind: "Pod", apiVersion: "v1" })),
      text(event("ADDED", { ...configMap("r", "24"), metadata: { resourceVersion: 25 } })),
      text('{"type":7,"object":{}}'),
      text('{"object":{}}'),
      text("not json"),
      text("{"),
      text("[]"),
      text("null"),
      text(""),
      text("   "),
      text("<html>")
    )
  },
  {
    weight: 1,
    arbitrary: invalidUtf8.map((b) =>
      concat(text('{"type":"ADDED","object":{"metadata":{"name":"'), b, text('"}}}'))
    )
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.constant(
      text(event("ADDED", { ...configMap("huge", "30"), data: { big: "y".repeat(1_000_000) } }))
    )
  }
)

const watchBody: fc.Arbitrary<Uint8Array> = fc
  .record({
    lines: fc.array(watchLine, { maxLength: 6 }),
    separator: fc.constantFrom("\n", "\n", "\r\n", "\r", "\n\n"),
    partialLast: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined })
  })
  .map(({ lines, separator, partialLast }) => {
    const sep = text(separator)
    const body = concat(...lines.flatMap((l) => [l, sep]))
    return partialLast === undefined
      ? body
      : concat(body, text(event("ADDED", configMap("partial", "40"))).subarray(0, partialLast))
  })

const logBody: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc
    .array(
      fc.oneof(
        fc.string({ maxLength: 40 }).map(text),
        invalidUtf8,
        fc.constant(text("2024-01-01T00:00:00.000000001Z a line"))
      ),
      {
        maxLength: 8
      }
    )
    .chain((parts) =>
      fc.constantFrom("\n", "\r\n", "").map((sep) => concat(...parts.flatMap((p) => [p, text(sep)])))
    ),
  commonBody,
  fc.constant(text(`${"z".repeat(2_000_000)}\n`))
)

const bodyFor = (verb: Verb): fc.Arbitrary<Uint8Array> =>
  verb === "get" ? getBody : verb === "list" ? listBody : verb === "watch" ? watchBody : logBody

// --- replies -------------------------------------------------------------------------------------

interface Reply {
  readonly status: number
  readonly version: string
  readonly reason: string
  readonly contentType: string | undefined
  readonly extraHeaders: ReadonlyArray<readonly [string, string]>
  readonly encoding: "identity" | "gzip" | "gzip-garbage" | "deflate-garbage" | "br-label"
  readonly framing: "length" | "chunked" | "close" | "length-long" | "length-short" | "bad-chunked" | "both"
  readonly body: Uint8Array
  readonly pieces: number
  readonly pauseMs: number
  readonly ending: "end" | "reset" | { readonly cutAt: number; readonly reset: boolean }
}

const STATUSES = [
  200, 200, 200, 200, 200, 200, 201, 204, 206, 301, 302, 304, 400, 401, 403, 404, 409, 410, 418, 422, 429,
  500, 502, 503, 504, 599
]

const reply = (verb: Verb): fc.Arbitrary<Reply> =>
  fc.record({
    status: fc.constantFrom(...STATUSES),
    version: fc.constantFrom("HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1x"),
    reason: fc.constantFrom("OK", "OK", "", "Whatever", "\u00e9t\u00e9"),
    contentType: fc.constantFrom(
      "application/json",
      "application/json",
      "application/json; charset=utf-16",
      "text/html; charset=iso-8859-1",
      "text/plain",
      "application/octet-stream",
      "application/vnd.kubernetes.protobuf",
      "a/b/c;;=",
      undefined
    ),
    extraHeaders: fc.array(
      fc.constantFrom<readonly [string, string]>(
        // Large Retry-After values are honoured up to a minute by design: beyond a case's time bound.
        ["retry-after", "0"],
        ["retry-after", "1"],
        ["retry-after", "-5"],
        ["retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"],
        ["retry-after", "soon"],
        ["www-authenticate", 'Bearer realm="x"'],
        ["location", "http://127.0.0.1:1/elsewhere"],
        ["x-weird", "\u00ff"],
        ["content-type", "text/html"],
        ["set-cookie", "a=b"]
      ),
      { maxLength: 2 }
    ),
    encoding: fc.constantFrom(
      "identity",
      "identity",
      "identity",
      "gzip",
      "gzip-garbage",
      "deflate-garbage",
      "br-label"
    ),
    framing: fc.constantFrom(
      "length",
      "length",
      "chunked",
      "chunked",
      "close",
      "length-long",
      "length-short",
      "bad-chunked",
      "both"
    ),
    body: bodyFor(verb),
    pieces: fc.integer({ min: 1, max: 6 }),
    pauseMs: fc.constantFrom(0, 0, 0, 1, 5, 20),
    ending: fc.oneof(
      { weight: 6, arbitrary: fc.constant("end" as const) },
      { weight: 1, arbitrary: fc.constant("reset" as const) },
      {
        weight: 2,
        arbitrary: fc.record({
          cutAt: fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000),
          reset: fc.boolean()
        })
      }
    )
  })

const encodeBody = (r: Reply): Uint8Array => {
  switch (r.encoding) {
    case "identity":
    case "br-label":
      return r.body
    case "gzip":
      return zlib.gzipSync(r.body)
    case "gzip-garbage":
    case "deflate-garbage":
      return r.body.length > 0 ? r.body : text("garbage")
  }
}

const split = (bytes: Uint8Array, pieces: number): ReadonlyArray<Uint8Array> => {
  const size = Math.max(1, Math.ceil(bytes.length / pieces))
  const out: Array<Uint8Array> = []
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size))
  return out
}

/** The bytes of a reply, step by step. */
const stepsOf = (r: Reply): ReadonlyArray<Step> => {
  const body = encodeBody(r)
  const headers: Array<string> = [`${r.version} ${r.status} ${r.reason}`]
  if (r.contentType !== undefined) headers.push(`content-type: ${r.contentType}`)
  for (const [k, v] of r.extraHeaders) headers.push(`${k}: ${v}`)
  if (r.encoding === "gzip" || r.encoding === "gzip-garbage") headers.push("content-encoding: gzip")
  if (r.encoding === "deflate-garbage") headers.push("content-encoding: deflate")
  if (r.encoding === "br-label") headers.push("content-encoding: br")
  const chunked = r.framing === "chunked" || r.framing === "bad-chunked" || r.framing === "both"
  if (r.framing === "length" || r.framing === "both") headers.push(`content-length: ${body.length}`)
  if (r.framing === "length-long") headers.push(`content-length: ${body.length + 100}`)
  if (r.framing === "length-short") headers.push(`content-length: ${Math.max(0, body.length - 5)}`)
  if (chunked) headers.push("transfer-encoding: chunked")
  headers.push("connection: close")
  const head = text(`${headers.join("\r\n")}\r\n\r\n`)
  const cut = typeof r.ending === "object" ? body.subarray(0, Math.floor(r.ending.cutAt * body.length)) : body
  const pieces = split(cut, r.pieces).map((p) =>
    !chunked
      ? p
      : r.framing === "bad-chunked"
        ? concat(text("zz\r\n"), p, text("\r\n"))
        : concat(text(`${p.length.toString(16)}\r\n`), p, text("\r\n"))
  )
  const steps: Array<Step> = [{ _tag: "write", bytes: head }]
  for (const piece of pieces) {
    if (r.pauseMs > 0) steps.push({ _tag: "pause", ms: r.pauseMs })
    steps.push({ _tag: "write", bytes: piece })
  }
  if (typeof r.ending === "object") {
    steps.push({ _tag: r.ending.reset ? "reset" : "end" })
    return steps
  }
  if (chunked && r.framing !== "bad-chunked") steps.push({ _tag: "write", bytes: text("0\r\n\r\n") })
  steps.push({ _tag: r.ending === "reset" ? "reset" : "end" })
  return steps
}

/** The plain answer to the requests after the first (retries, reconnects, the next page). */
const recovery = (verb: Verb): ReadonlyArray<Step> => {
  const body =
    verb === "get"
      ? objectJson
      : verb === "list"
        ? listJson([configMap("last", "9")])
        : verb === "watch"
          ? text(`${event("ADDED", configMap("sentinel", "99"))}\n`)
          : text("")
  return [
    {
      _tag: "write",
      bytes: concat(
        text(
          `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`
        ),
        body
      )
    },
    { _tag: "end" }
  ]
}

interface Case {
  readonly verb: Verb
  readonly reply: Reply
  readonly follow: boolean
  readonly timestamps: boolean
}

const cases: fc.Arbitrary<Case> = fc.constantFrom<Verb>("get", "list", "watch", "log").chain((verb) =>
  fc.record({
    verb: fc.constant(verb),
    reply: reply(verb),
    follow: fc.boolean(),
    timestamps: fc.boolean()
  })
)

// --- the suite -----------------------------------------------------------------------------------

const fast = Schedule.spaced("5 millis").pipe(Schedule.intersect(Schedule.recurs(3)))

const callOf = (c: Case): Effect.Effect<unknown, unknown, Client.Requirements> => {
  switch (c.verb) {
    case "get":
      return Client.get(core.ConfigMap, "cm", { namespace: "ns" })
    case "list":
      return Client.listAll(core.ConfigMap, { namespace: "ns" })
    case "watch":
      return Watch.watch(core.ConfigMap, {
        namespace: "ns",
        retrySchedule: fast,
        idleTimeout: "3 seconds",
        serverTimeout: 5
      }).pipe(
        Stream.takeUntil((e) => e._tag !== "Bookmark" && e.object.metadata?.name === "sentinel"),
        Stream.runDrain
      )
    case "log":
      return Stream.runDrain(
        PodLog.log("pod", {
          namespace: "ns",
          follow: c.follow,
          resume: c.follow,
          resumeSchedule: fast,
          timestamps: c.timestamps
        })
      )
  }
}

const configFor = (server: string): ResolvedConfig => ({
  source: "fuzz",
  cluster: { server, insecureSkipTlsVerify: false, disableCompression: false },
  namespace: "ns",
  credentials: Effect.succeed({ token: Redacted.make(TOKEN) }),
  invalidateCredentials: Effect.void,
  refreshable: false
})

let server: RawServer
let runtime: ManagedRuntime.ManagedRuntime<Client.Requirements, unknown>
let context: Context.Context<Client.Requirements>

beforeAll(async () => {
  server = await rawServer()
  runtime = ManagedRuntime.make(
    NodeKubeHttpClient.layer({
      retrySchedule: Schedule.spaced("1 millis").pipe(Schedule.intersect(Schedule.recurs(2))),
      timeout: "3 seconds",
      compression: true
    }).pipe(Layer.provideMerge(KubeConfig.layer(configFor(server.url))))
  )
  context = await runtime.runPromise(Effect.context<Client.Requirements>())
})

afterAll(async () => {
  printSummary()
  await runtime.dispose()
  await server.close()
})

const runCase = (c: Case): Promise<CaseOutcome> => {
  const hostile = stepsOf(c.reply)
  let count = 0
  server.script = () => (++count === 1 ? hostile : recovery(c.verb))
  // Waits (the watch's pause after an empty connection, Retry-After, timeouts) run 20 times faster.
  return evaluate(callOf(c).pipe(Effect.provide(context), Effect.withClock(fastClock(20))), {
    secrets,
    label: c.verb
  })
}

describe("fuzz: hostile server replies for get, list, watch and log", () => {
  it("end in a success or a typed failure, and never show the bearer token", async () => {
    const report = await fuzz("replies", FILE, cases, runCase, { runs: 1200 })
    assertClean(report)
  }, 1_800_000)
})
