/**
 * The models loaded on first use (the registry of built-in kinds, the Pod model of the pod
 * streams): a first caller interrupted while they load only stops waiting; the next one gets
 * them (a cached Effect had kept the interruption as every later caller's result).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { vi } from "vitest"
import { loadOnce } from "../../src/internal/loadOnce.js"

/** Forks `load`, interrupts it while the module loads, then loads again. */
const interruptedThenAgain = <A>(load: Effect.Effect<A>) =>
  Effect.gen(function* () {
    const first = yield* Effect.fork(load)
    // Let it start the load (it then waits for the module), then interrupt it.
    yield* Effect.yieldNow()
    yield* Effect.yieldNow()
    const interrupted = yield* Fiber.interrupt(first)
    const again = yield* Effect.exit(load)
    return { interrupted, again }
  })

describe("models loaded on first use", () => {
  it.effect("loadOnce: one load for every caller; a failed load is tried again by the next", () =>
    Effect.gen(function* () {
      let loads = 0
      const load = loadOnce(() => {
        loads++
        return loads === 1 ? Promise.reject(new Error("unavailable")) : Promise.resolve(`model ${loads}`)
      })
      expect(Exit.isFailure(yield* Effect.exit(load))).toBe(true)
      expect(yield* load).toBe("model 2")
      expect(yield* load).toBe("model 2")
      expect(loads).toBe(2)
    })
  )

  it.live("the Pod model: an interrupted first load does not poison the next", () =>
    Effect.gen(function* () {
      vi.resetModules()
      const { podModel } = yield* Effect.promise(() => import("../../src/streams/internal/pod.js"))
      const { interrupted, again } = yield* interruptedThenAgain(podModel)
      expect(Exit.isInterrupted(interrupted)).toBe(true)
      expect(Exit.isSuccess(again) && again.value.kind).toBe("Pod")
    })
  )

  it.live("the registry of built-in kinds: the same", () =>
    Effect.gen(function* () {
      vi.resetModules()
      const { registry } = yield* Effect.promise(() => import("../../src/kinds/Builtin.js"))
      const { interrupted, again } = yield* interruptedThenAgain(registry)
      expect(Exit.isInterrupted(interrupted)).toBe(true)
      expect(Exit.isSuccess(again)).toBe(true)
    })
  )
})
