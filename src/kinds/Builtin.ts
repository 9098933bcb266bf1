/**
 * The registry of every built-in kind of the generated models. Importing this module imports every
 * model module; a program that only uses some kinds and never this registry bundles only those.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { mapKinds } from "../models/all.js"
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
export const registry: Effect.Effect<Registry.Registry> = /* @__PURE__ */ Effect.runSync(
  Effect.cached(Effect.sync(() => Registry.make(mapKinds(Registry.entry))))
)
