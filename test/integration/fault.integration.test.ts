import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Schedule } from "effect"
import { afterAll, beforeAll } from "vitest"
import { KubeConfig } from "../../src/index.js"
import { NodeKube } from "../../src/node/index.js"
import { type Envtest, start } from "../harness/Envtest.js"

// A private apiserver this file may stop and restart.
let env: Envtest
beforeAll(async () => {
  env = await start()
}, 120_000)
afterAll(async () => {
  await env?.stop()
})

describe("transport faults on a private apiserver", () => {
  it.live(
    "a GET retries through an apiserver restart; a POST fails at once with a typed error",
    () =>
      Effect.gen(function* () {
        const layer = NodeKube.layer({
          config: KubeConfig.fromFile(env.kubeconfigs["admin-token"]),
          retrySchedule: Schedule.spaced("300 millis").pipe(Schedule.intersect(Schedule.recurs(200)))
        })
        yield* Effect.gen(function* () {
          const http = yield* HttpClient.HttpClient
          expect((yield* http.get("/version")).status).toBe(200)
          yield* Effect.promise(() => env.stopApiserver())

          const post = yield* Effect.flip(http.post("/api/v1/namespaces"))
          expect(post._tag).toBe("RequestError")
          expect(post.message).toMatch(/ECONNREFUSED|Transport/)

          const pending = yield* Effect.fork(http.get("/version"))
          yield* Effect.sleep("1 second")
          yield* Effect.promise(() => env.startApiserver())
          const response = yield* Fiber.join(pending)
          expect(response.status).toBe(200)
        }).pipe(Effect.provide(layer))
      }),
    120_000
  )
})
