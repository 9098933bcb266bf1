import * as http from "node:http"
import {
  FetchHttpClient,
  HttpClient,
  HttpClientError,
  type HttpClientRequest,
  HttpClientResponse
} from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Redacted, Ref, Schedule, TestClock } from "effect"
import { ConfigError } from "../../src/ConfigError.js"
import { KubeConfig, KubeHttpClient } from "../../src/index.js"
import type { Credentials, ResolvedConfig } from "../../src/KubeConfig.js"

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
