import { HttpClient, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Fiber, Layer, Schedule, Stream, TestClock } from "effect"
import { ApiError, Client, KubeConfig, KubeHttpClient } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { resolvedConfig } from "../harness/Fixtures.js"

/** The client over a transport that answers every request with `answer`. */
const serving = (answer: () => Response | "hang") => {
  const transport = HttpClient.make((request) => {
    const a = answer()
    return a === "hang" ? Effect.never : Effect.succeed(HttpClientResponse.fromWeb(request, a))
  })
  const config = resolvedConfig()
  return Layer.merge(
    KubeConfig.layer(config),
    Layer.scoped(HttpClient.HttpClient, KubeHttpClient.make(transport, config, { timeout: "5 seconds" }))
  )
}

describe("Client against a server that misbehaves", () => {
  it.effect("garbage instead of JSON is a typed ResponseError", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Client.get(core.ConfigMap, "x"))
      expect(error._tag).toBe("ResponseError")
    }).pipe(Effect.provide(serving(() => new Response("<html>not json</html>", { status: 200 }))))
  )

  it.effect("JSON of another kind is a typed ParseError", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Client.get(core.ConfigMap, "x"))
      expect(error._tag).toBe("ParseError")
      const list = yield* Effect.flip(Client.list(core.ConfigMap).pipe(Stream.runDrain))
      expect(list._tag).toBe("ParseError")
    }).pipe(Effect.provide(serving(() => Response.json({ apiVersion: "v1", kind: "Secret", items: [1] }))))
  )

  it.effect("a list answer that is not a list (deeply nested JSON) is a ParseError that prints", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Client.list(core.ConfigMap).pipe(Stream.runDrain))
      expect(error._tag).toBe("ParseError")
      expect(error.message).toContain("expected a list")
      expect(Cause.pretty(Cause.fail(error))).toContain("expected a list")
    }).pipe(
      Effect.provide(serving(() => new Response(`${"[".repeat(5000)}${"]".repeat(5000)}`, { status: 200 })))
    )
  )

  it.effect("an error answer that is not a Status keeps the server's text in the ApiError", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Client.get(core.ConfigMap, "x"))
      expect(error).toMatchObject({ _tag: "ApiError", code: 502, reason: "Unknown" })
      expect(error.message).toContain("bad gateway from a proxy")
    }).pipe(Effect.provide(serving(() => new Response("bad gateway from a proxy", { status: 502 }))))
  )

  it.effect("a server that never answers is a typed timeout", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(Effect.flip(Client.get(core.ConfigMap, "x")))
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("RequestError")
      expect(error.message).toContain("no response within 5s")
    }).pipe(Effect.provide(serving(() => "hang")))
  )

  it.effect("namespace resolution: option > object > KubeConfig; cluster-scoped kinds take none", () =>
    Effect.gen(function* () {
      const urls: Array<string> = []
      const transport = HttpClient.make((request, url) => {
        urls.push(`${request.method} ${url.pathname}`)
        return Effect.succeed(
          HttpClientResponse.fromWeb(
            request,
            Response.json({
              apiVersion: "v1",
              kind:
                url.pathname.includes("namespaces/") && url.pathname.endsWith("/n")
                  ? "Namespace"
                  : "ConfigMap",
              metadata: { name: "n" }
            })
          )
        )
      })
      const config = resolvedConfig("https://k8s.test", { namespace: "from-config" })
      const layer = Layer.merge(
        KubeConfig.layer(config),
        Layer.scoped(HttpClient.HttpClient, KubeHttpClient.make(transport, config))
      )
      const cm = (namespace?: string): core.ConfigMap => ({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "n", ...(namespace !== undefined ? { namespace } : {}) }
      })
      yield* Effect.gen(function* () {
        yield* Client.create(core.ConfigMap, cm(), {})
        yield* Client.create(core.ConfigMap, cm("from-object"))
        yield* Client.create(core.ConfigMap, cm("from-object"), { namespace: "from-option" })
        yield* Client.get(core.Namespace, "n", { namespace: "ignored" })
      }).pipe(Effect.provide(layer))
      expect(urls).toEqual([
        "POST /api/v1/namespaces/from-config/configmaps",
        "POST /api/v1/namespaces/from-object/configmaps",
        "POST /api/v1/namespaces/from-option/configmaps",
        "GET /api/v1/namespaces/n"
      ])
    })
  )
})

describe("Client.retryOnConflict", () => {
  const answer = (code: number, reason: string) =>
    new ApiError.ApiError({
      status: { apiVersion: "v1", kind: "Status", code, reason, message: reason },
      method: "PUT",
      url: "/api/v1/namespaces/ns/configmaps/x"
    })

  it.effect("retries Conflict, never AlreadyExists or an apply conflict (all three are 409)", () =>
    Effect.gen(function* () {
      let runs = 0
      const conflict = yield* Client.retryOnConflict(
        Effect.suspend(() => (++runs < 3 ? Effect.fail(answer(409, "Conflict")) : Effect.succeed("done"))),
        Schedule.recurs(5)
      )
      expect([conflict, runs]).toEqual(["done", 3])
      runs = 0
      const exists = yield* Effect.flip(
        Client.retryOnConflict(
          Effect.suspend(() => {
            runs++
            return Effect.fail(answer(409, "AlreadyExists"))
          }),
          Schedule.recurs(5)
        )
      )
      expect([exists.reason, runs]).toEqual(["AlreadyExists", 1])
      runs = 0
      const applyConflict = new ApiError.ApiError({
        status: {
          apiVersion: "v1",
          kind: "Status",
          code: 409,
          reason: "Conflict",
          details: {
            causes: [{ reason: "FieldManagerConflict", message: 'conflict with "other"', field: ".data.k" }]
          }
        },
        method: "PATCH",
        url: "/api/v1/namespaces/ns/configmaps/x"
      })
      yield* Effect.flip(
        Client.retryOnConflict(
          Effect.suspend(() => {
            runs++
            return Effect.fail(applyConflict)
          }),
          Schedule.recurs(5)
        )
      )
      expect(runs).toBe(1)
    })
  )
})
