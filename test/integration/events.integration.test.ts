import { describe, expect, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { inject } from "vitest"
import { Client, EventRecorder } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import * as events from "../../src/models/events/v1.js"
import { inFreshNamespace } from "../harness/Namespace.js"

const env = inject("envtest")
const inNamespace = inFreshNamespace(env.kubeconfigs["admin-token"], "events")

const options = {
  controller: "example.com/mirror",
  instance: "mirror-0",
  retrySchedule: Schedule.spaced("100 millis")
}

describe("EventRecorder on a real apiserver", () => {
  it.live(
    "events.k8s.io/v1: an Event the apiserver accepts, its series counted; about a cluster-scoped object in kube-system",
    () =>
      inNamespace((namespace) =>
        Effect.gen(function* () {
          const object = yield* Client.create(core.ConfigMap, {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "web" }
          })
          const recorder = yield* EventRecorder.make(options)
          for (let i = 0; i < 3; i++) {
            yield* recorder.publish(object, {
              type: "Warning",
              reason: "CopyFailed",
              action: "Reconcile",
              note: `try ${i}`
            })
            yield* recorder.flush
          }
          const ns = yield* Client.get(core.Namespace, namespace)
          yield* recorder.publish(ns, { type: "Normal", reason: "Seen", action: "Reconcile" })
          yield* recorder.flush

          const [event, ...others] = (yield* Client.listAll(events.Event)).items
          expect(others).toEqual([])
          expect(event).toMatchObject({
            type: "Warning",
            reason: "CopyFailed",
            action: "Reconcile",
            note: "try 0",
            reportingController: "example.com/mirror",
            reportingInstance: "mirror-0",
            regarding: { kind: "ConfigMap", name: "web", namespace, uid: object.metadata?.uid },
            series: { count: 3 }
          })
          // The same Event through the core API.
          const [legacy] = (yield* Client.listAll(core.Event)).items
          expect(legacy?.involvedObject?.name).toBe("web")
          // Servers before 1.22 take Events about cluster-scoped objects only in kube-system.
          const system = (yield* Client.listAll(events.Event, { namespace: "kube-system" })).items
          expect(
            system.some((e) => e.regarding?.kind === "Namespace" && e.regarding.name === namespace)
          ).toBe(true)
        }).pipe(Effect.scoped)
      )
  )

  it.live("core v1 Events when chosen: count and message", () =>
    inNamespace(() =>
      Effect.gen(function* () {
        const object = yield* Client.create(core.ConfigMap, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "web" }
        })
        const recorder = yield* EventRecorder.make({ ...options, api: "v1" })
        for (let i = 0; i < 2; i++) {
          yield* recorder.publish(object, {
            type: "Normal",
            reason: "Mirrored",
            action: "Reconcile",
            note: "copied"
          })
          yield* recorder.flush
        }
        const [event, ...others] = (yield* Client.listAll(core.Event)).items
        expect(others).toEqual([])
        expect(event).toMatchObject({
          involvedObject: { kind: "ConfigMap", name: "web" },
          reason: "Mirrored",
          message: "copied",
          count: 2,
          source: { component: "example.com/mirror" }
        })
      }).pipe(Effect.scoped)
    )
  )
})
