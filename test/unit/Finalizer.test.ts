import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Ref, Schedule } from "effect"
import { Client, Controller, Finalizer, Owner } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { Eventually, InMemoryCluster } from "../../src/testing/index.js"

const FINALIZER = "example.com/cleanup"

const ns = (name: string): core.Namespace => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })
const cm = (name: string, finalizers?: ReadonlyArray<string>): core.ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { namespace: "apps", name, ...(finalizers !== undefined ? { finalizers } : {}) }
})

const fast = Schedule.spaced("10 millis")

const get = (name: string) => Client.getOption(core.ConfigMap, name, { namespace: "apps" })

describe("Finalizer", () => {
  it.scopedLive("adds the finalizer first, applies, cleans up on deletion, then lets the object go", () =>
    Effect.gen(function* () {
      const log = yield* Ref.make<ReadonlyArray<string>>([])
      const note = (line: string) => Ref.update(log, (lines) => [...lines, line])
      // Cleanup waits for "release" the first time: RequeueAfter keeps the finalizer.
      const released = yield* Ref.make(false)
      yield* Controller.run(core.ConfigMap, {
        namespace: "apps",
        retrySchedule: fast,
        reconcile: (object) =>
          Finalizer.finalizer(core.ConfigMap, FINALIZER, object, {
            apply: (o) => Effect.as(note(`apply ${o.metadata?.name}`), Controller.done),
            cleanup: (o) =>
              Effect.flatMap(Ref.getAndSet(released, true), (ready) =>
                ready
                  ? Effect.as(note(`cleanup ${o.metadata?.name}`), Controller.done)
                  : Effect.as(note("not released yet"), Controller.requeueAfter("20 millis"))
              )
          })
      }).pipe(Effect.forkScoped)

      yield* Eventually.eventually(Effect.map(Ref.get(log), (lines) => expect(lines).toEqual(["apply a"])))
      const a = yield* Client.get(core.ConfigMap, "a", { namespace: "apps" })
      expect(a.metadata?.finalizers).toEqual([FINALIZER])
      expect(Finalizer.has(a, FINALIZER)).toBe(true)

      yield* Client.delete(core.ConfigMap, "a", { namespace: "apps" })
      yield* Eventually.eventually(
        Effect.map(Ref.get(log), (lines) =>
          expect(lines).toEqual(["apply a", "not released yet", "cleanup a"])
        )
      )
      yield* Eventually.eventually(Effect.map(get("a"), (o) => expect(Option.isNone(o)).toBe(true)))
    }).pipe(Effect.provide(InMemoryCluster.layer({ objects: [ns("apps"), cm("a")] })))
  )

  it.effect("keeps the finalizers of others, adds its own at the end", () =>
    Effect.gen(function* () {
      const other = yield* Client.get(core.ConfigMap, "b", { namespace: "apps" })
      yield* Finalizer.finalizer(core.ConfigMap, FINALIZER, other, {
        apply: () => Effect.die("not before the finalizer is added"),
        cleanup: () => Effect.die("not being deleted")
      })
      const b = yield* Client.get(core.ConfigMap, "b", { namespace: "apps" })
      expect(b.metadata?.finalizers).toEqual(["example.com/other", FINALIZER])
    }).pipe(Effect.provide(InMemoryCluster.layer({ objects: [ns("apps"), cm("b", ["example.com/other"])] })))
  )

  it.effect("a write from a stale read fails instead of losing a change (the patch tests what it read)", () =>
    Effect.gen(function* () {
      const stale = yield* Client.get(core.ConfigMap, "c", { namespace: "apps" })
      // Meanwhile someone else adds a finalizer.
      yield* Client.patch(
        core.ConfigMap,
        "c",
        [{ op: "add", path: "/metadata/finalizers", value: ["x/y"] }],
        {
          namespace: "apps",
          patchType: "json"
        }
      )
      const error = yield* Effect.flip(
        Finalizer.finalizer(core.ConfigMap, FINALIZER, stale, {
          apply: () => Effect.succeed(Controller.done),
          cleanup: () => Effect.succeed(Controller.done)
        })
      )
      expect(error._tag).toBe("ApiError")
      expect((yield* Client.get(core.ConfigMap, "c", { namespace: "apps" })).metadata?.finalizers).toEqual([
        "x/y"
      ])
    }).pipe(Effect.provide(InMemoryCluster.layer({ objects: [ns("apps"), cm("c")] })))
  )
})

describe("Owner", () => {
  it("references an owner; tells owned objects and the controller reference", () => {
    const owner: core.ConfigMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { namespace: "apps", name: "owner", uid: "u-1" }
    }
    const ref = Owner.reference(owner)
    expect(ref).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      name: "owner",
      uid: "u-1",
      controller: true,
      blockOwnerDeletion: true
    })
    const child: core.Secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "child", ownerReferences: [Owner.reference(owner, { controller: false }), ref] }
    }
    expect(Owner.isOwnedBy(child, owner)).toBe(true)
    expect(Owner.isOwnedBy(child, { ...owner, metadata: { uid: "u-2" } })).toBe(false)
    expect(Owner.controllerOf(child)).toEqual(ref)
    expect(Owner.controllerOf({ apiVersion: "v1", kind: "Secret" })).toBeUndefined()
  })
})
