/**
 * Owner references: what a controller puts on the objects it makes, so that they are garbage
 * collected with their owner and (with `Controller.owns`) bring it back to the controller when they
 * change.
 *
 * @since 0.1.0
 */
import type { OwnerReference } from "../models/meta/v1.js"
import type { KubeObject } from "../resource/Resource.js"

/**
 * The reference to `owner` (its apiVersion, kind, name and uid). `controller: true` (the default)
 * marks the managing controller (one per object); `blockOwnerDeletion: true` (the default) makes a
 * foreground deletion of the owner wait for this object.
 *
 * @example
 * ```ts
 * import { Owner } from "effect-kube"
 * import type { ConfigMap, Secret } from "effect-kube/models/core/v1"
 *
 * declare const owner: ConfigMap
 * const child: Secret = {
 *   apiVersion: "v1",
 *   kind: "Secret",
 *   metadata: { name: "child", namespace: "apps", ownerReferences: [Owner.reference(owner)] }
 * }
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const reference = (
  owner: KubeObject,
  options: {
    readonly controller?: boolean | undefined
    readonly blockOwnerDeletion?: boolean | undefined
  } = {}
): OwnerReference => ({
  apiVersion: owner.apiVersion,
  kind: owner.kind,
  name: owner.metadata?.name ?? "",
  uid: owner.metadata?.uid ?? "",
  controller: options.controller ?? true,
  blockOwnerDeletion: options.blockOwnerDeletion ?? true
})

/**
 * Whether `object` lists `owner` among its owners (by uid).
 *
 * @example
 * ```ts
 * import { Owner } from "effect-kube"
 * import type { ConfigMap, Secret } from "effect-kube/models/core/v1"
 *
 * declare const owner: ConfigMap
 * declare const child: Secret
 * const owned = Owner.isOwnedBy(child, owner)
 * ```
 *
 * @since 0.1.0
 * @category predicates
 */
export const isOwnedBy = (object: KubeObject, owner: KubeObject): boolean => {
  const uid = owner.metadata?.uid
  return uid !== undefined && (object.metadata?.ownerReferences ?? []).some((ref) => ref.uid === uid)
}

/**
 * The owner reference marked `controller`, if any.
 *
 * @example
 * ```ts
 * import { Owner } from "effect-kube"
 * import type { Pod } from "effect-kube/models/core/v1"
 *
 * declare const pod: Pod
 * const managedBy = Owner.controllerOf(pod)?.kind // e.g. "ReplicaSet"
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const controllerOf = (object: KubeObject): OwnerReference | undefined =>
  (object.metadata?.ownerReferences ?? []).find((ref) => ref.controller === true)
