/**
 * Deletes: of an object, of a collection (by selectors), and eviction. An object nothing holds is
 * gone at once; otherwise (finalizers, including the propagation policy's; a namespace; a pod on a
 * node, unless without grace period) it gets a deletionTimestamp and waits for its finalizers.
 *
 * @internal
 */

import type { ResourceInfo } from "../../resource/Resource.js"
import { matching, selectionOf } from "./list.js"
import { meta, now, str } from "./objects.js"
import { isObject, type Json, type JsonObject } from "./patch.js"
import { json, notFound, preconditionFailed } from "./responses.js"
import { objectKey, type Stored } from "./store.js"
import { lookup, type State, stamp } from "./writes.js"

/** Deletes a stored object, or marks it deleted until its finalizers are gone. */
export const remove = (s: State, stored: Stored, key: string, q: URLSearchParams): Response => {
  const m = { ...meta(stored.object) }
  const finalizers: Array<Json> = Array.isArray(m.finalizers) ? [...m.finalizers] : []
  // (Jobs and ReplicationControllers default to orphaning: a garbage collector orphans their
  // dependents at once, so they go as any other; only an explicit policy's finalizer stays.)
  const policy = q.get("propagationPolicy")
  // As the apiserver without a garbage collector: the policy's finalizer stays.
  if (policy === "Foreground" && !finalizers.includes("foregroundDeletion"))
    finalizers.push("foregroundDeletion")
  if (policy === "Orphan" && !finalizers.includes("orphan")) finalizers.push("orphan")
  const isNamespace = stored.info.group === "" && stored.info.plural === "namespaces"
  const scheduledPod =
    stored.info.group === "" &&
    stored.info.plural === "pods" &&
    isObject(stored.object.spec) &&
    typeof stored.object.spec.nodeName === "string" &&
    q.get("gracePeriodSeconds") !== "0"
  if (finalizers.length === 0 && !isNamespace && !scheduledPod) {
    if (q.get("dryRun") === "All") return json(200, stored.object)
    const gone = s.store.remove(key, stored)
    return json(200, returnsObject(stored.info) ? gone : deletedStatus(stored.info, m))
  }
  if (q.get("dryRun") === "All") return json(200, stored.object)
  m.finalizers = finalizers
  if (m.deletionTimestamp === undefined) {
    m.deletionTimestamp = now()
    // As the apiserver's BeforeDelete: the grace period (0 but for pods), and a new generation.
    const grace = Number(q.get("gracePeriodSeconds") ?? "")
    m.deletionGracePeriodSeconds = scheduledPod
      ? Number.isInteger(grace) && q.get("gracePeriodSeconds") !== null
        ? grace
        : 30
      : 0
  }
  const bump = m.deletionTimestamp !== undefined && meta(stored.object).deletionTimestamp === undefined
  if (finalizers.length === 0) delete m.finalizers
  const next: JsonObject = { ...stored.object, metadata: m }
  if (isNamespace) next.status = { phase: "Terminating" }
  const stamped = stamp(s.store, stored.info, next, stored.object, str(m.namespace))
  const sm = meta(stamped)
  if (bump && typeof sm.generation === "number" && sm.generation > 0)
    stamped.metadata = { ...sm, generation: sm.generation + 1 }
  const before = stored.object
  stored.object = stamped
  s.store.record("MODIFIED", stored.info, stamped, before)
  return json(200, stored.object)
}

/**
 * Kinds the apiserver answers a finished delete of with the object (others: a Success Status);
 * Services as 1.22+ servers (1.20 answers a Status).
 */
const returnsObject = (info: ResourceInfo): boolean =>
  info.group === "" && ["pods", "serviceaccounts", "resourcequotas", "services"].includes(info.plural)

/** The Success Status of a finished delete, with the object's name, kind and uid. */
const deletedStatus = (info: ResourceInfo, m: JsonObject): JsonObject => ({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Success",
  details: {
    name: str(m.name) ?? "",
    ...(info.group !== "" ? { group: info.group } : {}),
    kind: info.plural,
    uid: str(m.uid) ?? ""
  }
})

export const deleteOne = (
  s: State,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  q: URLSearchParams,
  body: Json
): Response => {
  const { key, stored } = lookup(s.store, info, namespace, name)
  if (stored === undefined) return notFound(info, name)
  // The DeleteOptions body's preconditions, as the apiserver checks them.
  const preconditions = isObject(body) && isObject(body.preconditions) ? body.preconditions : {}
  const m = meta(stored.object)
  for (const [field, label] of [
    ["uid", "UID"],
    ["resourceVersion", "ResourceVersion"]
  ] as const) {
    const wanted = preconditions[field]
    if (typeof wanted === "string" && wanted !== m[field]) {
      return preconditionFailed(info, name, label, wanted, str(m[field]) ?? "")
    }
  }
  return remove(s, stored, key, q)
}

export const deleteCollection = (
  s: State,
  info: ResourceInfo,
  namespace: string | undefined,
  q: URLSearchParams
): Response => {
  const sel = selectionOf(info, q)
  if (sel instanceof Response) return sel
  const items = matching(s.store, info, namespace, sel)
  for (const [key, stored] of items) remove(s, stored, key, q)
  return json(200, {
    kind: info.listKind,
    apiVersion: info.apiVersion,
    metadata: {},
    items: items.map(([, stored]) => stored.object)
  })
}

/** The eviction sub-resource: a delete without grace period, answered with a Success Status. */
export const evict = (
  s: State,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string
): Response => {
  // The key as the path gives it (the namespace of a cluster-scoped kind is not dropped).
  const key = objectKey(info, namespace, name)
  const stored = s.store.get(key)
  if (stored === undefined) return notFound(info, name)
  remove(s, stored, key, new URLSearchParams({ gracePeriodSeconds: "0" }))
  return json(201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 })
}
