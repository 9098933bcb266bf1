/**
 * The Pod model, loaded once (on first use: the pod streams do not pull the models into a bundle
 * that does not use them). A dynamic `import()` resolves the module again at each call; this
 * answers every later call from memory.
 *
 * @internal
 */
import { Effect } from "effect"
import type { Pod as PodModel } from "../../models/core/v1.js"

export const podModel: Effect.Effect<typeof PodModel> = /* @__PURE__ */ Effect.runSync(
  Effect.cached(Effect.promise(() => import("../../models/core/v1.js").then((core) => core.Pod)))
)
