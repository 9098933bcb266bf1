/**
 * The Pod model, loaded once (on first use: the pod streams do not pull the models into a bundle
 * that does not use them; a dynamic `import()` resolves the module again at each call).
 *
 * @internal
 */
import type { Effect } from "effect"
import { loadOnce } from "../../internal/loadOnce.js"
import type { Pod as PodModel } from "../../models/core/v1.js"

export const podModel: Effect.Effect<typeof PodModel> = /* @__PURE__ */ loadOnce(() =>
  import("../../models/core/v1.js").then((core) => core.Pod)
)
