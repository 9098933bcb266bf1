/**
 * The Pod model, loaded once (on first use: the pod streams do not pull the models into a bundle
 * that does not use them). A dynamic `import()` resolves the module again at each call; this
 * keeps the load's promise. Not `Effect.cached`: it would keep an interruption of the first
 * caller (a `timeout` while the module loads) as every later caller's result; a caller
 * interrupted here only stops waiting, and a failed load is tried again by the next one.
 *
 * @internal
 */
import { Effect } from "effect"
import type { Pod as PodModel } from "../../models/core/v1.js"

let loading: Promise<typeof PodModel> | undefined

export const podModel: Effect.Effect<typeof PodModel> = /* @__PURE__ */ Effect.promise(() => {
  loading ??= import("../../models/core/v1.js").then(
    (core) => core.Pod,
    (error: unknown) => {
      loading = undefined
      throw error
    }
  )
  return loading
})
