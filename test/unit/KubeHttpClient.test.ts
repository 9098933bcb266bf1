import * as http from "node:http"
import * as util from "node:util"
import {
  FetchHttpClient,
  HttpClient,
  HttpClientError,
  type HttpClientRequest,
  HttpClientResponse
} from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Effect, Fiber, Layer, Redacted, Ref, Schedule, Stream, TestClock } from "effect"
import { ConfigError } from "../../src/config/ConfigError.js"
import type { Credentials, ResolvedConfig } from "../../src/config/KubeConfig.js"
import { KubeConfig, KubeHttpClient } from "../../src/index.js"

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
}

/** A transport that records requests and answers from a script (one entry per call, last repeats). */
const scripted = (answers: ReadonlyArray<(req: HttpClientRequest.HttpClientRequest) => Response | Error>) => {
  const seen: Array<Seen> = []
  const transport = HttpClient.make((request, url) =>
    Effect.suspend(() => {
      seen.push({ method: request.method, url: url.toString(), headers: request.headers })
      const answer = answers[Math.min(seen.length - 1, answers.length - 1)]
      const result = answer === undefined ? new Response("{}") : answer(request)
      return result instanceof Error
        ? Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: result }))
        : Effect.succeed(HttpClientResponse.fromWeb(request, result))
    })
  )
  return { seen, transport }
}

const status =
  (code: number, headers: Record<string, string> = {}) =>
  () =>
    new Response(JSON.stringify({ kind: "Status", code }), { status: code, headers })

const config = (over: Partial<ResolvedConfig> = {}): ResolvedConfig => ({
  source: "test",
  cluster: { server: "https://k8s.test:6443", insecureSkipTlsVerify: false, disableCompression: false },
  namespace: "default",
  credentials: Effect.succeed({ token: Redacted.make("tok") }),
  invalidateCredentials: Effect.void,
  refreshable: false,
  ...over
})

const connRefused = () => Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })

describe("KubeHttpClient", () => {
  it.scoped("prefixes the server, sets Accept, User-Agent and the bearer token", () =>
    Effect.gen(function* () {
      const { seen, transport } = scripted([() => new Response("{}")])
      const client = yield* KubeHttpClient.make(transport, config())
      yield* client.get("/api/v1/pods")
      expect(seen[0]?.url).toBe("https://k8s.test:6443/api/v1/pods")
      expect(seen[0]?.headers).toMatchObject({
        accept: "application/json",
        authorization: "Bearer tok",
        "user-agent": `effect-kube/${KubeHttpClient.VERSION}`
      })
      yield* client.get("https://elsewhere.test/x")
      expect(seen[1]?.url).toBe("https://elsewhere.test/x")
    })
  )

  it.scoped("basic auth and impersonation headers", () =>
    Effect.gen(function* () {
      const { seen, transport } = scripted([() => new Response("{}")])
      const client = yield* KubeHttpClient.make(
        transport,
        config({
          credentials: Effect.succeed({ basic: { username: "jane", password: Redacted.make("pw") } }),
          impersonate: { user: "bob", uid: "7", groups: ["g1", "g2"], extra: { "team/scope": ["a"] } }
        })
      )
      yield* client.get("/x")
      expect(seen[0]?.headers).toMatchObject({
        authorization: `Basic ${Buffer.from("jane:pw").toString("base64")}`,
        "impersonate-user": "bob",
        "impersonate-uid": "7",
        "impersonate-group": "g1, g2",
        "impersonate-extra-team%2fscope": "a"
      })
      expect(KubeHttpClient.impersonationHeaders({ groups: ["a", "b"], extra: {} })).toEqual([
        ["impersonate-group", "a"],
        ["impersonate-group", "b"]
      ])
    })
  )

  it.scoped(
    'with authorization "transport", neither credentials nor impersonation are put on the request',
    () =>
      Effect.gen(function* () {
        const { seen, transport } = scripted([() => new Response("{}")])
        const given: Array<Credentials> = []
        const client = yield* KubeHttpClient.make(
          transport,
          config({ impersonate: { user: "bob", groups: ["g1", "g2"], extra: {} } }),
          { authorization: "transport", onCredentials: (c) => Effect.sync(() => given.push(c)) }
        )
        yield* client.get("/x")
        expect(
          Object.keys(seen[0]?.headers ?? {}).filter(
            (h) => h.startsWith("impersonate-") || h === "authorization"
          )
        ).toEqual([])
        expect(given).toHaveLength(1)
      })
  )

  it.scoped("onCredentials hears of each request's credentials; its failure fails that request, unsent", () =>
    Effect.gen(function* () {
      const { seen, transport } = scripted([() => new Response("{}")])
      const first: Credentials = { token: Redacted.make("tok-1") }
      const second: Credentials = { token: Redacted.make("tok-2") }
      const current = yield* Ref.make(first)
      const given: Array<Credentials> = []
      let refuse = false
      const client = yield* KubeHttpClient.make(transport, config({ credentials: Ref.get(current) }), {
        authorization: "transport",
        onCredentials: (c) =>
          refuse
            ? Effect.fail(new ConfigError({ reason: "InvalidConfig", detail: "no agent for these" }))
            : Effect.sync(() => given.push(c))
      })
      yield* client.get("/x")
      yield* client.get("/x")
      expect(given).toEqual([first, first])
      yield* Ref.set(current, second)
      refuse = true
      const error = yield* Effect.flip(client.get("/x"))
      expect(error.message).toContain("credentials: InvalidConfig: no agent for these")
      // Nothing was sent with credentials the transport refused.
      expect(seen).toHaveLength(2)
      refuse = false
      yield* client.get("/x")
      expect(given).toEqual([first, first, second])
      expect(seen).toHaveLength(3)
    })
  )

  it.scoped("a 401 with refreshable credentials re-reads them and retries once", () =>
    Effect.gen(function* () {
      const generation = yield* Ref.make(0)
      const { seen, transport } = scripted([status(401), () => new Response("{}")])
      const client = yield* KubeHttpClient.make(
        transport,
        config({
          refreshable: true,
          credentials: Effect.map(
            Ref.get(generation),
            (n): Credentials => ({ token: Redacted.make(`tok-${n}`) })
          ),
          invalidateCredentials: Ref.update(generation, (n) => n + 1)
        })
      )
      const response = yield* client.get("/x")
      expect(response.status).toBe(200)
      expect(seen.map((s) => s.headers.authorization)).toEqual(["Bearer tok-0", "Bearer tok-1"])
    })
  )

  it.scoped("a 401 with static credentials is returned as is", () =>
    Effect.gen(function* () {
      const { seen, transport } = scripted([status(401)])
      const client = yield* KubeHttpClient.make(transport, config())
      expect((yield* client.get("/x")).status).toBe(401)
      expect(seen).toHaveLength(1)
    })
  )

  it.scoped("credential failures are typed transport errors carrying the ConfigError", () =>
    Effect.gen(function* () {
      const { seen, transport } = scripted([() => new Response("{}")])
      const client = yield* KubeHttpClient.make(
        transport,
        config({ credentials: Effect.fail(new ConfigError({ reason: "FileUnreadable", detail: "gone" })) })
      )
      const error = yield* Effect.flip(client.get("/x"))
      expect(error._tag).toBe("RequestError")
      expect(KubeHttpClient.isConfigFailure(error)).toBe(true)
      expect(seen).toHaveLength(0)
    })
  )

  it.effect("429 is retried after Retry-After, then succeeds", () =>
    Effect.gen(function* () {
      const { seen, transport } = scripted([status(429, { "retry-after": "3" }), () => new Response("{}")])
      const client = yield* KubeHttpClient.make(transport, config(), {
        retrySchedule: Schedule.spaced("10 millis").pipe(Schedule.intersect(Schedule.recurs(3)))
      })
      const fiber = yield* Effect.fork(client.post("/x"))
      yield* TestClock.adjust("2 seconds")
      expect(seen).toHaveLength(1)
      yield* TestClock.adjust("1 second")
      const response = yield* Fiber.join(fiber)
      expect(response.status).toBe(200)
      expect(seen).toHaveLength(2)
    }).pipe(Effect.scoped)
  )

  it.effect("503 is retried for GET, not for POST; retries exhausted return the last answer", () =>
    Effect.gen(function* () {
      const get = scripted([status(503)])
      const client = yield* KubeHttpClient.make(get.transport, config(), {
        retrySchedule: Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(2)))
      })
      const fiber = yield* Effect.fork(client.get("/x"))
      yield* TestClock.adjust("5 seconds")
      const response = yield* Fiber.join(fiber)
      expect(response.status).toBe(503)
      expect(yield* response.json).toEqual({ kind: "Status", code: 503 })
      expect(get.seen).toHaveLength(3)

      const post = scripted([status(503)])
      const postClient = yield* KubeHttpClient.make(post.transport, config())
      expect((yield* postClient.post("/x")).status).toBe(503)
      expect(post.seen).toHaveLength(1)
    }).pipe(Effect.scoped)
  )

  it.effect("refused connections are retried for GET; TLS failures are not", () =>
    Effect.gen(function* () {
      const refused = scripted([connRefused, () => new Response("{}")])
      const client = yield* KubeHttpClient.make(refused.transport, config())
      const fiber = yield* Effect.fork(client.get("/x"))
      yield* TestClock.adjust("30 seconds")
      expect((yield* Fiber.join(fiber)).status).toBe(200)
      expect(refused.seen).toHaveLength(2)

      const tls = scripted([
        () => Object.assign(new Error("self signed"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" })
      ])
      const tlsClient = yield* KubeHttpClient.make(tls.transport, config())
      const error = yield* Effect.flip(tlsClient.get("/x"))
      expect(error._tag).toBe("RequestError")
      expect(tls.seen).toHaveLength(1)

      const postRefused = scripted([connRefused])
      const postClient = yield* KubeHttpClient.make(postRefused.transport, config())
      yield* Effect.flip(postClient.post("/x"))
      expect(postRefused.seen).toHaveLength(1)
    }).pipe(Effect.scoped)
  )

  it.effect("no answer within the timeout is a typed transport error", () =>
    Effect.gen(function* () {
      const hang = HttpClient.make(() => Effect.never)
      const client = yield* KubeHttpClient.make(hang, config(), { timeout: "10 seconds" })
      const fiber = yield* Effect.fork(Effect.flip(client.get("/x")))
      yield* TestClock.adjust("10 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("RequestError")
      expect(error.message).toContain("no response within 10s")
      expect(KubeHttpClient.isRetryableTransportError(error)).toBe(false)
    }).pipe(Effect.scoped)
  )

  it.effect("the rate limit spaces requests as a token bucket (qps 2, burst 2)", () =>
    Effect.gen(function* () {
      const { seen, transport } = scripted([() => new Response("{}")])
      const client = yield* KubeHttpClient.make(transport, config(), { rateLimit: { qps: 2, burst: 2 } })
      const fiber = yield* Effect.fork(
        Effect.all(
          [1, 2, 3, 4].map(() => client.get("/x")),
          { concurrency: "unbounded" }
        )
      )
      yield* TestClock.adjust(Duration.millis(1))
      expect(seen).toHaveLength(2)
      yield* TestClock.adjust("500 millis")
      expect(seen).toHaveLength(3)
      yield* TestClock.adjust("500 millis")
      expect(seen).toHaveLength(4)
      yield* Fiber.join(fiber)
    }).pipe(Effect.scoped)
  )
})

describe("KubeHttpClient.layer over another transport", () => {
  it.live("works over FetchHttpClient (a custom transport)", () =>
    Effect.gen(function* () {
      const seen: Array<string | undefined> = []
      const server = http.createServer((req, res) => {
        seen.push(req.headers.authorization)
        res.setHeader("content-type", "application/json")
        res.end(JSON.stringify({ path: req.url }))
      })
      yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))),
        () => Effect.sync(() => server.close())
      )
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const live = KubeHttpClient.layer().pipe(
        Layer.provide([
          FetchHttpClient.layer,
          KubeConfig.layer(config({ cluster: { ...config().cluster, server: `http://127.0.0.1:${port}` } }))
        ])
      )
      const body = yield* Effect.flatMap(HttpClient.HttpClient, (c) =>
        Effect.flatMap(c.get("/version"), (r) => r.json)
      ).pipe(Effect.provide(live))
      expect(body).toEqual({ path: "/version" })
      expect(seen).toEqual(["Bearer tok"])
    }).pipe(Effect.scoped)
  )
})

const TOKEN = "s3cr3t-t0ken-value"

/** Fails the test when the secret shows in any rendering of a value that can reach users. */
const expectNoSecret = (value: unknown, secret: string = TOKEN) => {
  const renderings = [
    String(value),
    value instanceof Error ? value.message : "",
    util.inspect(value, { depth: 10 }),
    JSON.stringify(value) ?? "",
    Cause.pretty(Cause.fail(value))
  ]
  for (const text of renderings) expect(text).not.toContain(secret)
}

describe("KubeHttpClient: only the cluster's origin gets the cluster treatment", () => {
  const withEverything = () =>
    config({
      credentials: Effect.succeed({ token: Redacted.make(TOKEN) }),
      impersonate: { user: "bob", groups: ["g"], extra: {} }
    })

  it.scoped(
    "another origin gets the request untouched: no credentials, impersonation, base URL or retries",
    () =>
      Effect.gen(function* () {
        const { seen, transport } = scripted([status(503)])
        const client = yield* KubeHttpClient.make(transport, withEverything())
        const response = yield* client.get("https://elsewhere.test/x")
        expect(response.status).toBe(503)
        expect(seen).toHaveLength(1)
        expect(seen[0]?.url).toBe("https://elsewhere.test/x")
        // Only what the transport itself adds (trace propagation) is there.
        expect(Object.keys(seen[0]?.headers ?? {}).sort()).toEqual(["b3", "traceparent"])
      })
  )

  it.scoped("same host on another port or scheme is another origin; the cluster's own origin is not", () =>
    Effect.gen(function* () {
      const { seen, transport } = scripted([() => new Response("{}")])
      const client = yield* KubeHttpClient.make(transport, withEverything())
      yield* client.get("https://k8s.test:6444/x")
      yield* client.get("http://k8s.test:6443/x")
      yield* client.get("https://K8S.test:6443/api")
      expect(seen.map((s) => s.headers.authorization)).toEqual([undefined, undefined, `Bearer ${TOKEN}`])
      expect(seen[2]?.headers["impersonate-user"]).toBe("bob")
    })
  )

  it.scoped("a relative URL stays on the cluster's host whatever it starts with", () =>
    Effect.gen(function* () {
      const { seen, transport } = scripted([() => new Response("{}")])
      const client = yield* KubeHttpClient.make(transport, withEverything())
      for (const url of [".evil.test/x", "@evil.test/x", "//evil.test/x", "api/v1"]) yield* client.get(url)
      expect(seen.map((s) => new URL(s.url).host)).toEqual([
        "k8s.test:6443",
        "k8s.test:6443",
        "k8s.test:6443",
        "k8s.test:6443"
      ])
      expect(seen[3]?.url).toBe("https://k8s.test:6443/api/v1")
    })
  )

  it.scoped("otherOrigins gets the requests to other origins", () =>
    Effect.gen(function* () {
      const cluster = scripted([() => new Response("{}")])
      const plain = scripted([() => new Response("{}")])
      const client = yield* KubeHttpClient.make(cluster.transport, withEverything(), {
        otherOrigins: plain.transport
      })
      yield* client.get("/api")
      yield* client.get("https://elsewhere.test/x")
      expect(cluster.seen.map((s) => s.url)).toEqual(["https://k8s.test:6443/api"])
      expect(plain.seen.map((s) => s.url)).toEqual(["https://elsewhere.test/x"])
    })
  )

  it.effect("another origin is not rate-limited", () =>
    Effect.gen(function* () {
      const { seen, transport } = scripted([() => new Response("{}")])
      const client = yield* KubeHttpClient.make(transport, withEverything(), {
        rateLimit: { qps: 1, burst: 1 }
      })
      const fiber = yield* Effect.fork(
        Effect.all(
          [1, 2, 3].map(() => client.get("https://elsewhere.test/x")),
          { concurrency: "unbounded" }
        )
      )
      yield* TestClock.adjust(Duration.millis(1))
      expect(seen).toHaveLength(3)
      yield* Fiber.join(fiber)
    }).pipe(Effect.scoped)
  )
})

describe("KubeHttpClient: no credential in what reaches the caller", () => {
  const basicPassword = "p4ssw0rd-value"
  const configs = {
    token: config({ credentials: Effect.succeed({ token: Redacted.make(TOKEN) }) }),
    basic: config({
      credentials: Effect.succeed({ basic: { username: "jane", password: Redacted.make(basicPassword) } })
    })
  }
  const secretsOf = (name: keyof typeof configs) =>
    name === "token" ? [TOKEN] : [basicPassword, Buffer.from(`jane:${basicPassword}`).toString("base64")]

  for (const name of ["token", "basic"] as const) {
    it.scoped(`${name}: transport errors, responses and body errors hold the request without it`, () =>
      Effect.gen(function* () {
        const failing = scripted([connRefused])
        const failingClient = yield* KubeHttpClient.make(failing.transport, configs[name], {
          retrySchedule: Schedule.stop
        })
        const requestError = yield* Effect.flip(failingClient.get("/x"))
        expect(failing.seen[0]?.headers.authorization).toBeDefined()
        for (const secret of secretsOf(name)) expectNoSecret(requestError, secret)

        const answering = scripted([() => new Response("not json", { status: 200 })])
        const client = yield* KubeHttpClient.make(answering.transport, configs[name])
        const response = yield* client.get("/x")
        expect(answering.seen[0]?.headers.authorization).toBeDefined()
        expect(response.request.headers.authorization).toBeUndefined()
        const decodeError = yield* Effect.flip(response.json)
        for (const secret of secretsOf(name)) {
          expectNoSecret(response, secret)
          expectNoSecret(response.request, secret)
          expectNoSecret(decodeError, secret)
        }
        expect(decodeError.response.request.headers.authorization).toBeUndefined()

        const broken = scripted([
          () =>
            new Response(
              new ReadableStream({
                start: (controller) => controller.error(new Error("reset mid-body"))
              })
            )
        ])
        const brokenClient = yield* KubeHttpClient.make(broken.transport, configs[name])
        const streamError = yield* Effect.flip(
          Effect.flatMap(brokenClient.get("/x"), (r) => Stream.runDrain(r.stream))
        )
        expect(streamError._tag).toBe("ResponseError")
        for (const secret of secretsOf(name)) expectNoSecret(streamError, secret)
      })
    )
  }

  it.scoped("a status error made by filterStatusOk on top holds no credential", () =>
    Effect.gen(function* () {
      const { transport } = scripted([status(404)])
      const client = HttpClient.filterStatusOk(yield* KubeHttpClient.make(transport, configs.token))
      const error = yield* Effect.flip(client.get("/x"))
      expect(error._tag).toBe("ResponseError")
      expectNoSecret(error)
    })
  )
})

describe("KubeHttpClient: transport failures say why", () => {
  const failingWith = (code: string, message: string) =>
    Effect.gen(function* () {
      const { transport } = scripted([() => Object.assign(new Error(message), { code })])
      const client = yield* KubeHttpClient.make(transport, config(), { retrySchedule: Schedule.stop })
      return yield* Effect.flip(client.get("/x"))
    })

  it.scoped("certificate failures name the reason", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<readonly [string, RegExp]> = [
        ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", /unknown authority/],
        ["SELF_SIGNED_CERT_IN_CHAIN", /unknown authority/],
        ["DEPTH_ZERO_SELF_SIGNED_CERT", /self-signed/],
        ["CERT_HAS_EXPIRED", /expired/],
        ["CERT_NOT_YET_VALID", /not yet valid/],
        ["ERR_TLS_CERT_ALTNAME_INVALID", /not valid for the host name/]
      ]
      for (const [code, expected] of cases) {
        const error = yield* failingWith(code, "tls")
        expect(error.message).toMatch(expected)
        expect(error.message).toContain(code)
        expect(error.message).toContain("GET https://k8s.test:6443/x")
      }
    })
  )

  it.scoped("a refused connection says so", () =>
    Effect.gen(function* () {
      const error = yield* failingWith("ECONNREFUSED", "connect ECONNREFUSED")
      expect(error.message).toMatch(/connection refused/)
    })
  )
})
