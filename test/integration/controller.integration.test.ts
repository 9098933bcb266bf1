import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option, Schedule } from "effect"
import { afterAll, beforeAll } from "vitest"
import { Client, Controller, Finalizer, KubeConfig, Reflector } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { NodeKube } from "../../src/node/index.js"
import { Eventually } from "../../src/testing/index.js"
import { type Envtest, start } from "../harness/Envtest.js"

// A private apiserver (and etcd) this file stops and restarts.
let env: Envtest
beforeAll(async () => {
  env = await start()
}, 120_000)
afterAll(async () => {
  await env?.stop()
})

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`
const fast = Schedule.spaced("300 millis")
const layer = () =>
  NodeKube.layer({ config: KubeConfig.fromFile(env.kubeconfigs["admin-token"]), retrySchedule: fast })

const FINALIZER = "mirror.example.com/copy"

describe("a controller on a real apiserver", () => {
  it.live(
    "mirrors through two apiserver kill -9s and restarts: converges, repairs drift, cleans up with its finalizer, never two reconciles of a key at once, leaks no fiber",
    () =>
      Effect.gen(function* () {
        const source = unique("source")
        const target = unique("target")
        for (const name of [source, target]) {
          yield* Client.create(core.Namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name } })
        }
        const cm = (name: string, data: Record<string, string>): core.ConfigMap => ({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name, namespace: source },
          data
        })
        for (let i = 0; i < 5; i++) yield* Client.create(core.ConfigMap, cm(`s${i}`, { v: String(i) }))

        const running = new Map<string, number>()
        let mostPerKey = 0
        const exclusive = <A, E, R>(key: string, body: Effect.Effect<A, E, R>) =>
          Effect.acquireUseRelease(
            Effect.sync(() => {
              const n = (running.get(key) ?? 0) + 1
              running.set(key, n)
              mostPerKey = Math.max(mostPerKey, n)
            }),
            () => body,
            () => Effect.sync(() => running.set(key, (running.get(key) ?? 1) - 1))
          )

        const copyOf = (object: core.ConfigMap): core.ConfigMap => ({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: object.metadata?.name ?? "", namespace: target, labels: { mirror: "yes" } },
          data: object.data ?? {}
        })
        const rootsBefore = (yield* Fiber.roots).length
        const controller = yield* Effect.scoped(
          Effect.gen(function* () {
            const copies = yield* Reflector.make(core.ConfigMap, {
              namespace: target,
              labels: { mirror: "yes" },
              retrySchedule: fast
            })
            return yield* Controller.run(core.ConfigMap, {
              namespace: source,
              retrySchedule: fast,
              backoff: Schedule.spaced("500 millis"),
              watches: [
                Controller.watches(copies, (copy) => [{ namespace: source, name: copy.metadata?.name ?? "" }])
              ],
              reconcile: (object, { key }) =>
                exclusive(
                  key,
                  Finalizer.finalizer(core.ConfigMap, FINALIZER, object, {
                    apply: (o) =>
                      Client.apply(core.ConfigMap, copyOf(o), { fieldManager: "mirror", force: true }).pipe(
                        Effect.as(Controller.done)
                      ),
                    cleanup: (o) =>
                      Client.delete(core.ConfigMap, o.metadata?.name ?? "", { namespace: target }).pipe(
                        Effect.catchIf(
                          (e) => e._tag === "ApiError" && e.code === 404,
                          () => Effect.void
                        ),
                        Effect.as(Controller.done)
                      )
                  })
                )
            })
          })
        ).pipe(Effect.fork)

        const copies = Effect.map(Client.listAll(core.ConfigMap, { namespace: target }), ({ items }) =>
          Object.fromEntries(items.map((c) => [c.metadata?.name ?? "", c.data?.v ?? ""]))
        )
        const converged = (want: Record<string, string>) =>
          Eventually.eventually(
            Effect.flatMap(copies, (got) => Effect.sync(() => expect(got).toEqual(want))),
            { timeout: "60 seconds", interval: "200 millis" }
          )
        yield* converged({ s0: "0", s1: "1", s2: "2", s3: "3", s4: "4" })
        const s0 = yield* Client.get(core.ConfigMap, "s0", { namespace: source })
        expect(s0.metadata?.finalizers).toEqual([FINALIZER])

        yield* Effect.promise(() => env.stopApiserver("SIGKILL"))
        yield* Effect.sleep("1 second")
        yield* Effect.promise(() => env.startApiserver())
        yield* Client.patch(core.ConfigMap, "s0", { data: { v: "changed" } }, { namespace: source })
        // Drift in a copy, made by someone else.
        yield* Client.patch(core.ConfigMap, "s1", { data: { v: "tampered" } }, { namespace: target })
        yield* Client.create(core.ConfigMap, cm("s5", { v: "5" }))
        yield* Effect.promise(() => env.stopApiserver("SIGKILL"))
        yield* Effect.sleep("1 second")
        yield* Effect.promise(() => env.startApiserver())
        yield* Client.delete(core.ConfigMap, "s2", { namespace: source })

        yield* converged({ s0: "changed", s1: "1", s3: "3", s4: "4", s5: "5" })
        // The finalizer let the deleted source go once its copy was gone.
        yield* Eventually.eventually(
          Effect.map(Client.getOption(core.ConfigMap, "s2", { namespace: source }), (o) =>
            expect(Option.isNone(o)).toBe(true)
          ),
          { timeout: "30 seconds", interval: "200 millis" }
        )
        expect(mostPerKey).toBe(1)

        yield* Fiber.interrupt(controller)
        // Stopped: nothing of the controller keeps running.
        yield* Eventually.eventually(
          Effect.map(Fiber.roots, (roots) => expect(roots.length).toBeLessThanOrEqual(rootsBefore)),
          { timeout: "10 seconds" }
        )
      }).pipe(Effect.provide(layer())),
    240_000
  )
})
