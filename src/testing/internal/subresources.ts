/**
 * What the sub-resources show and change: `/status` writes only the status (and the main resource
 * everything but it, when the kind has a status sub-resource), `/scale` is a `Scale` view of
 * `spec.replicas`. (`/eviction` is a delete: see `writes.ts`.)
 *
 * @internal
 */
import type { ResourceInfo } from "../../resource/Resource.js"
import { meta } from "./objects.js"
import { isObject, type Json, type JsonObject } from "./patch.js"

/** Whether the kind has a status sub-resource. */
export const hasStatus = (info: ResourceInfo) => Object.hasOwn(info.subresources, "status")

/**
 * The object a write through `sub` stores, from the one it sent (`incoming`) and the stored one:
 * through `/status`, the stored object with the new status; through the main resource, the new object
 * with the stored status (when the kind has a status sub-resource).
 */
export const statusRule = (
  info: ResourceInfo,
  sub: string | undefined,
  incoming: JsonObject,
  current: JsonObject
): JsonObject => {
  let next = incoming
  if (sub === "status") next = { ...current, status: incoming.status ?? null }
  else if (hasStatus(info)) next = { ...incoming, status: current.status ?? null }
  if (next.status === null) delete next.status
  return next
}

/** The `Scale` of an object. */
export const scaleOf = (object: JsonObject) => {
  const m = meta(object)
  const spec = isObject(object.spec) ? object.spec : {}
  const st = isObject(object.status) ? object.status : {}
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp
    },
    spec: { replicas: typeof spec.replicas === "number" ? spec.replicas : 1 },
    status: { replicas: typeof st.replicas === "number" ? st.replicas : 0 }
  }
}

/** The object with the replicas of a `Scale` written to it (1 when it has none). */
export const scaled = (object: JsonObject, scale: Json): JsonObject => {
  const spec = isObject(scale) && isObject(scale.spec) ? scale.spec : {}
  return {
    ...object,
    spec: { ...(isObject(object.spec) ? object.spec : {}), replicas: spec.replicas ?? 1 }
  }
}
