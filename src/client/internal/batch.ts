/**
 * Helpers of `Client.applyAll`: whether an apply changed an object.
 *
 * @internal
 */
import type * as Resource from "../../resource/Resource.js"

/** An object's JSON without what every write changes (version, generation, managed fields). */
const content = (object: Resource.KubeObject): string =>
  JSON.stringify(object, (key, value) =>
    key === "resourceVersion" || key === "managedFields" || key === "generation" ? undefined : value
  )

/**
 * Whether an apply changed the object: its `resourceVersion` moved (a dry run moves none: its
 * content is compared instead).
 */
export const changed = (before: Resource.KubeObject, after: Resource.KubeObject, dryRun: boolean): boolean =>
  dryRun
    ? content(before) !== content(after)
    : before.metadata?.resourceVersion !== after.metadata?.resourceVersion
