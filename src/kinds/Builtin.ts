/**
 * The registry of every built-in kind of the generated models, loaded on first use (a dynamic import of
 * every model module: importing `effect-kube` does not load them; a bundle of a program that never uses
 * this registry, nor `Codec` or the in-memory cluster, holds only the models it imports).
 *
 * @since 0.1.0
 */
import type { Effect } from "effect"
import { loadOnce } from "../internal/loadOnce.js"
import * as Registry from "./Registry.js"

/**
 * Every built-in kind (made on first use, then shared).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Builtin, Registry } from "effect-kube"
 *
 * const pod = Effect.map(Builtin.registry, (r) => Registry.get(r, "v1", "Pod"))
 * ```
 *
 * @since 0.1.0
 * @category registries
 */
export const registry: Effect.Effect<Registry.Registry> = /* @__PURE__ */ loadOnce(() =>
  import("../models/all.js").then((all) => Registry.make(all.mapKinds(Registry.entry)))
)
