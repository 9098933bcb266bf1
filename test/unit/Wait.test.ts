import { inspect } from "node:util"
import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Option, TestClock } from "effect"
import { Client, Conditions, Wait } from "../../src/index.js"
import * as batch from "../../src/models/batch/v1.js"
import * as core from "../../src/models/core/v1.js"
import { InMemoryCluster } from "../../src/testing/index.js"

const pod = (name: string, namespace = "apps"): core.Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace },
  spec: { containers: [{ name: "c", image: "busybox" }] }
})

const failedJob: batch.Job = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "once", namespace: "apps" },
  spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } },
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
}

/** The error's `name`, `String`, message and pretty cause all lead with its tag (issue 9). */
const expectTagged = (error: Error & { readonly _tag: string }, ...parts: ReadonlyArray<string>) => {
  expect(error.name).toBe(error._tag)
  expect(String(error)).toBe(`${error._tag}: ${error.message}`)
  expect(Cause.pretty(Cause.fail(error)).startsWith(`${error._tag}: ${error.message}`)).toBe(true)
  expect(inspect(error)).toContain(error._tag)
  for (const part of parts) expect(error.message).toContain(part)
}

describe("Wait errors: the tag is the name; the message names kind, namespace/name and what was awaited", () => {
  it("WaitTimeout", () => {
    const error = new Wait.WaitTimeout({
      kind: "Deployment",
      objectName: "web",
      namespace: "apps",
      waitingFor: "deploymentRolledOut",
      timeout: "1 minute"
    })
    expectTagged(error, "Deployment apps/web", "deploymentRolledOut", "1m")
    expect(error.message).toBe("Timed out after 1m waiting for deploymentRolledOut of Deployment apps/web")
    expect(error.objectName).toBe("web")
    // A cluster-scoped object has no namespace.
    const node = new Wait.WaitTimeout({
      kind: "Node",
      objectName: "n1",
      waitingFor: "condition Ready",
      timeout: 5000
    })
    expect(node.message).toBe("Timed out after 5s waiting for condition Ready of Node n1")
  })

  it("ObjectDeleted", () => {
    const error = new Wait.ObjectDeleted({
      kind: "Pod",
      objectName: "web",
      namespace: "apps",
      waitingFor: "condition Ready"
    })
    expectTagged(error, "Pod apps/web", "condition Ready")
    expect(error.message).toBe("Pod apps/web was deleted while waiting for condition Ready")
  })

  it("ConditionError", () => {
    const error = new Wait.ConditionError({
      kind: "Job",
      objectName: "once",
      namespace: "apps",
      waitingFor: "condition Complete",
      conditions: [
        {
          type: "Failed",
          reason: "BackoffLimitExceeded",
          message: "Job has reached the specified backoff limit"
        }
      ]
    })
    expectTagged(error, "Job apps/once", "condition Complete", "BackoffLimitExceeded", "backoff limit")
    expect(error.message).toBe(
      "Job apps/once failed while waiting for condition Complete: Failed (BackoffLimitExceeded): Job has reached the specified backoff limit"
    )
  })
})

describe("Wait against the in-memory cluster", () => {
  it.effect("until: the timeout names the predicate and the namespace the wait resolved", () =>
    Effect.gen(function* () {
      const waiting = yield* Effect.fork(
        Effect.flip(Wait.until(core.Pod, "never", Conditions.podRunning, { timeout: "1 minute" }))
      )
      yield* TestClock.adjust("2 minutes")
      const error = yield* Fiber.join(waiting)
      expect(error).toMatchObject({
        _tag: "WaitTimeout",
        kind: "Pod",
        objectName: "never",
        namespace: "apps",
        waitingFor: "podRunning"
      })
      expect(error.name).toBe("WaitTimeout")
      expect(error.message).toBe("Timed out after 1m waiting for podRunning of Pod apps/never")
    }).pipe(Effect.provide(InMemoryCluster.layer({ namespace: "apps" })))
  )

  it.effect(
    "until: combinators and parametrised predicates are named in the message; anonymous ones too",
    () =>
      Effect.gen(function* () {
        const waitingFor = (condition: Wait.Condition<core.Pod>) =>
          Effect.gen(function* () {
            const fiber = yield* Effect.fork(
              Effect.flip(
                Wait.until(core.Pod, "never", condition, { namespace: "other", timeout: "1 second" })
              )
            )
            yield* TestClock.adjust("2 seconds")
            const error = yield* Fiber.join(fiber)
            return error._tag === "WaitTimeout" ? error.waitingFor : error._tag
          })
        expect(yield* waitingFor(Conditions.hasCondition("Ready"))).toBe("hasCondition(Ready)")
        expect(
          yield* waitingFor(Conditions.and(Conditions.podRunning, Conditions.hasCondition("Ready")))
        ).toBe("podRunning and hasCondition(Ready)")
        expect(
          yield* waitingFor(
            Conditions.or(Conditions.not(Conditions.deleted), Conditions.and(Conditions.podRunning))
          )
        ).toBe("(not deleted) or podRunning")
        expect(yield* waitingFor((p) => Option.isSome(p))).toBe("an unnamed predicate")
        const isScheduled: Wait.Condition<core.Pod> = (p) =>
          Option.exists(p, (x) => x.spec?.nodeName !== undefined)
        expect(yield* waitingFor(isScheduled)).toBe("isScheduled")
      }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect("forCondition: ConditionError with the namespace, the awaited and the failing conditions", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Wait.forCondition(batch.Job, "once", { namespace: "apps", for: ["Complete"], raiseFor: ["Failed"] })
      )
      expect(error).toMatchObject({
        _tag: "ConditionError",
        kind: "Job",
        objectName: "once",
        namespace: "apps",
        waitingFor: "condition Complete"
      })
      expect(error.name).toBe("ConditionError")
      expect(error.message).toBe(
        "Job apps/once failed while waiting for condition Complete: Failed (BackoffLimitExceeded): Job has reached the specified backoff limit"
      )
    }).pipe(Effect.provide(InMemoryCluster.layer({ objects: [failedJob] })))
  )

  it.effect("forCondition: the timeout names every awaited condition type", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(
        Effect.flip(
          Wait.forCondition(core.Pod, "p", { for: ["Ready", "ContainersReady"], timeout: "10 seconds" })
        )
      )
      yield* TestClock.adjust("11 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error.name).toBe("WaitTimeout")
      expect(error.message).toBe(
        "Timed out after 10s waiting for condition Ready or ContainersReady of Pod default/p"
      )
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect("forCondition: ObjectDeleted when the object is deleted while waiting", () =>
    Effect.gen(function* () {
      const cluster = yield* InMemoryCluster.InMemoryCluster
      yield* cluster.seed([pod("doomed")])
      // The delete is sent once the wait has listed the pod (its watch then sees the deletion).
      const listed = yield* Deferred.make<void>()
      const waiting = yield* Effect.fork(
        Wait.forCondition(core.Pod, "doomed", { namespace: "apps", for: ["Ready"] }).pipe(
          Effect.updateService(HttpClient.HttpClient, (client) =>
            HttpClient.tap(client, (response) =>
              response.request.url.includes("watch") ? Effect.void : Deferred.succeed(listed, undefined)
            )
          ),
          Effect.flip
        )
      )
      yield* Deferred.await(listed)
      yield* Client.delete(core.Pod, "doomed", { namespace: "apps", gracePeriod: 0 })
      const error = yield* Fiber.join(waiting)
      expect(error).toMatchObject({
        _tag: "ObjectDeleted",
        kind: "Pod",
        objectName: "doomed",
        namespace: "apps",
        waitingFor: "condition Ready"
      })
      expect(String(error)).toBe(
        "ObjectDeleted: Pod apps/doomed was deleted while waiting for condition Ready"
      )
    }).pipe(Effect.provide(InMemoryCluster.layer({ namespace: "apps" })))
  )

  it.effect("forCondition succeeds with the object when an awaited condition is True", () =>
    Effect.gen(function* () {
      const ready: core.Pod = { ...pod("p"), status: { conditions: [{ type: "Ready", status: "True" }] } }
      const cluster = yield* InMemoryCluster.InMemoryCluster
      yield* cluster.seed([ready])
      const exit = yield* Effect.exit(Wait.forCondition(core.Pod, "p", { namespace: "apps", for: ["Ready"] }))
      expect(Exit.isSuccess(exit) && exit.value.metadata?.name).toBe("p")
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )
})
