import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"
import { inject } from "vitest"
import { Client, Conditions, Wait } from "../../src/index.js"
import * as batch from "../../src/models/batch/v1.js"
import * as core from "../../src/models/core/v1.js"
import { inFreshNamespace as freshNamespace } from "../harness/Namespace.js"

const env = inject("envtest")
const inFreshNamespace = freshNamespace(env.kubeconfigs["admin-token"], "wait")

const pod = (name: string): core.Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name },
  spec: { containers: [{ name: "c", image: "busybox" }] }
})

const settle = Effect.sleep("300 millis")

describe("wait against the real apiserver", () => {
  it.live("forCondition: a condition set through the status sub-resource", () =>
    inFreshNamespace(() =>
      Effect.gen(function* () {
        yield* Client.create(core.Pod, pod("p"))
        const waiting = yield* Effect.fork(
          Wait.forCondition(core.Pod, "p", { for: ["Ready"], timeout: "30 seconds" })
        )
        yield* settle
        yield* Client.patchStatus(core.Pod, "p", {
          status: { conditions: [{ type: "Ready", status: "False" }] }
        })
        yield* settle
        expect(yield* Fiber.poll(waiting)).toEqual(Option.none())
        yield* Client.patchStatus(core.Pod, "p", {
          status: { conditions: [{ type: "Ready", status: "True" }] }
        })
        const ready = yield* Fiber.join(waiting)
        expect(ready.status?.conditions?.[0]).toMatchObject({ type: "Ready", status: "True" })
      })
    )
  )

  it.live("forCondition: raiseFor fails with ConditionError and the condition's message", () =>
    inFreshNamespace((namespace) =>
      Effect.gen(function* () {
        yield* Client.create(batch.Job, {
          apiVersion: "batch/v1",
          kind: "Job",
          metadata: { name: "j" },
          spec: {
            template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } }
          }
        })
        const waiting = yield* Effect.fork(
          Wait.forCondition(batch.Job, "j", { for: ["Complete"], raiseFor: ["Failed"] }).pipe(Effect.flip)
        )
        yield* settle
        yield* Client.patchStatus(
          batch.Job,
          "j",
          {
            status: {
              conditions: [
                {
                  type: "Failed",
                  status: "True",
                  reason: "BackoffLimitExceeded",
                  message: "Job has reached the specified backoff limit"
                }
              ]
            }
          },
          { patchType: "merge" }
        )
        const error = yield* Fiber.join(waiting)
        expect(error).toMatchObject({
          _tag: "ConditionError",
          kind: "Job",
          objectName: "j",
          namespace,
          waitingFor: "condition Complete"
        })
        expect(error.name).toBe("ConditionError")
        expect(error.message).toBe(
          `Job ${namespace}/j failed while waiting for condition Complete: Failed (BackoffLimitExceeded): Job has reached the specified backoff limit`
        )
      })
    )
  )

  it.live("forCondition: ObjectDeleted when the object goes away", () =>
    inFreshNamespace((namespace) =>
      Effect.gen(function* () {
        yield* Client.create(core.Pod, pod("doomed"))
        const waiting = yield* Effect.fork(
          Wait.forCondition(core.Pod, "doomed", { for: ["Ready"] }).pipe(Effect.flip)
        )
        yield* settle
        // An unscheduled pod is deleted at once.
        yield* Client.delete(core.Pod, "doomed", { gracePeriod: 0 })
        const error = yield* Fiber.join(waiting)
        expect(error).toMatchObject({ _tag: "ObjectDeleted", objectName: "doomed", namespace })
        expect(String(error)).toBe(
          `ObjectDeleted: Pod ${namespace}/doomed was deleted while waiting for condition Ready`
        )
      })
    )
  )

  it.live("until: predicates, combinators, absence, timeout", () =>
    inFreshNamespace((namespace) =>
      Effect.gen(function* () {
        // Waiting for an object that does not exist yet.
        const appears = yield* Effect.fork(Wait.until(core.Pod, "later", Conditions.not(Conditions.deleted)))
        yield* settle
        yield* Client.create(core.Pod, pod("later"))
        expect(Option.isSome(yield* Fiber.join(appears))).toBe(true)

        const running = yield* Effect.fork(
          Wait.until(
            core.Pod,
            "later",
            Conditions.and(Conditions.podRunning, Conditions.hasCondition("Ready"))
          )
        )
        yield* settle
        yield* Client.patchStatus(core.Pod, "later", { status: { phase: "Running" } })
        yield* settle
        expect(yield* Fiber.poll(running)).toEqual(Option.none())
        yield* Client.patchStatus(core.Pod, "later", {
          status: { conditions: [{ type: "Ready", status: "True" }] }
        })
        expect(Option.map(yield* Fiber.join(running), (p) => p.status?.phase)).toEqual(Option.some("Running"))

        const gone = yield* Effect.fork(Wait.until(core.Pod, "later", Conditions.deleted))
        yield* settle
        yield* Client.delete(core.Pod, "later", { gracePeriod: 0 })
        expect(Option.isNone(yield* Fiber.join(gone))).toBe(true)

        const timeout = yield* Effect.flip(
          Wait.until(core.Pod, "never", Conditions.podRunning, { timeout: "1 second" })
        )
        expect(timeout).toMatchObject({
          _tag: "WaitTimeout",
          objectName: "never",
          namespace,
          waitingFor: "podRunning"
        })
        expect(timeout.name).toBe("WaitTimeout")
        expect(timeout.message).toBe(`Timed out after 1s waiting for podRunning of Pod ${namespace}/never`)
      })
    )
  )
})
