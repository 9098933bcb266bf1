/**
 * What the sub-resources show and change: `/status` writes only the status (and the main resource
 * everything but it, when the kind has a status sub-resource), `/scale` is a `Scale` view of
 * `spec.replicas`; `/finalize` (namespaces) writes only `spec.finalizers`, `/approval` (CSRs) only
 * `status.conditions`, `/ephemeralcontainers` (pods) only `spec.ephemeralContainers`, `/resize`
 * (pods) only the containers' `resources`, `/binding` sets a pod's node. (`/eviction` is a
 * delete: see `writes.ts`.)
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

/** The fields of a `.spec.replicas`-style path. */
const fieldsOf = (path: string): ReadonlyArray<string> => path.split(".").filter((f) => f !== "")

const at = (object: Json, path: ReadonlyArray<string>): Json | undefined => {
  let value: Json | undefined = object
  for (const field of path) value = isObject(value) ? value[field] : undefined
  return value
}

const withAt = (object: JsonObject, path: ReadonlyArray<string>, value: Json): JsonObject => {
  const [head, ...rest] = path
  if (head === undefined) return object
  const inner = object[head]
  return { ...object, [head]: rest.length === 0 ? value : withAt(isObject(inner) ? inner : {}, rest, value) }
}

/** The `Scale` of an object (a custom kind's from the paths its CRD gives). */
export const scaleOf = (info: ResourceInfo, object: JsonObject) => {
  const m = meta(object)
  const paths = info.subresources.scale?.paths
  const spec = isObject(object.spec) ? object.spec : {}
  const st = isObject(object.status) ? object.status : {}
  const specReplicas = paths === undefined ? spec.replicas : at(object, fieldsOf(paths.specReplicasPath))
  const statusReplicas = paths === undefined ? st.replicas : at(object, fieldsOf(paths.statusReplicasPath))
  // A custom kind's missing replicas read 0; a built-in kind's spec.replicas defaults to 1.
  const replicas = typeof specReplicas === "number" ? specReplicas : paths === undefined ? 1 : 0
  const selectorAt =
    paths === undefined
      ? selectorString(spec.selector)
      : paths.labelSelectorPath !== undefined
        ? at(object, fieldsOf(paths.labelSelectorPath))
        : undefined
  const selector = typeof selectorAt === "string" ? selectorAt : undefined
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
    // autoscaling/v1 Scale: spec.replicas is omitted when 0 (omitempty), status.replicas is not.
    spec: replicas === 0 ? {} : { replicas },
    status: {
      replicas: typeof statusReplicas === "number" ? statusReplicas : 0,
      ...(selector !== undefined && selector !== "" ? { selector } : {})
    }
  }
}

/** A label selector as its string (`LabelSelectorAsSelector(...).String()`: requirements by key). */
const selectorString = (selector: Json | undefined): string | undefined => {
  if (!isObject(selector)) return undefined
  const requirements: Array<readonly [string, string]> = []
  // A ReplicationController's selector is a plain map of labels.
  const matchLabels = isObject(selector.matchLabels)
    ? selector.matchLabels
    : selector.matchExpressions === undefined
      ? selector
      : {}
  for (const [key, value] of Object.entries(matchLabels))
    if (typeof value === "string") requirements.push([key, `${key}=${value}`])
  for (const expression of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
    if (!isObject(expression) || typeof expression.key !== "string") continue
    const key = expression.key
    const values = Array.isArray(expression.values)
      ? expression.values.filter((v): v is string => typeof v === "string").sort()
      : []
    const text =
      expression.operator === "In"
        ? `${key} in (${values.join(",")})`
        : expression.operator === "NotIn"
          ? `${key} notin (${values.join(",")})`
          : expression.operator === "Exists"
            ? key
            : `!${key}`
    requirements.push([key, text])
  }
  return requirements
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, text]) => text)
    .join(",")
}

/**
 * The object with the replicas of a `Scale` written to it (0 when it has none: the omitted zero),
 * at its CRD's `specReplicasPath` for a custom kind.
 */
export const scaled = (info: ResourceInfo, object: JsonObject, scale: Json): JsonObject => {
  const spec = isObject(scale) && isObject(scale.spec) ? scale.spec : {}
  const replicas = spec.replicas ?? 0
  const paths = info.subresources.scale?.paths
  return withAt(
    object,
    paths === undefined ? ["spec", "replicas"] : fieldsOf(paths.specReplicasPath),
    replicas
  )
}

const part = (object: JsonObject, key: string): JsonObject => {
  const value = object[key]
  return isObject(value) ? value : {}
}

/**
 * The object a replace through a sub-resource that writes one part stores (`undefined`: not such
 * a sub-resource).
 */
export const partialWrite = (
  sub: string,
  incoming: JsonObject,
  current: JsonObject
): JsonObject | undefined => {
  switch (sub) {
    case "finalize":
      return {
        ...current,
        spec: { ...part(current, "spec"), finalizers: part(incoming, "spec").finalizers ?? [] }
      }
    case "approval":
      return {
        ...current,
        status: { ...part(current, "status"), conditions: part(incoming, "status").conditions ?? [] }
      }
    case "ephemeralcontainers":
      return {
        ...current,
        spec: {
          ...part(current, "spec"),
          ephemeralContainers: part(incoming, "spec").ephemeralContainers ?? []
        }
      }
    default:
      return undefined
  }
}

/** A pod after a patch through `/resize`: the patched containers' `resources`, nothing else. */
export const resized = (current: JsonObject, patched: JsonObject): JsonObject => {
  const wanted = new Map<string, Json>()
  const patchedContainers = part(patched, "spec").containers
  if (Array.isArray(patchedContainers))
    for (const c of patchedContainers)
      if (isObject(c) && typeof c.name === "string" && c.resources !== undefined)
        wanted.set(c.name, c.resources)
  const spec = part(current, "spec")
  const containers = Array.isArray(spec.containers)
    ? spec.containers.map((c) => {
        if (!isObject(c) || typeof c.name !== "string") return c
        const resources = wanted.get(c.name)
        return resources === undefined ? c : { ...c, resources }
      })
    : spec.containers
  return { ...current, spec: { ...spec, ...(containers !== undefined ? { containers } : {}) } }
}

/**
 * The apiserver's checks of a CSR's conditions written through `/approval`: one condition per type,
 * and not both Approved and Denied (a 422's message; `undefined` when they pass).
 */
export const approvalProblem = (object: JsonObject): string | undefined => {
  const conditions = part(object, "status").conditions
  if (!Array.isArray(conditions)) return undefined
  const seen = new Set<string>()
  for (const [i, c] of conditions.entries()) {
    const type = isObject(c) && typeof c.type === "string" ? c.type : ""
    if (seen.has(type)) return `status.conditions[${i}].type: Duplicate value: "${type}"`
    seen.add(type)
  }
  if (seen.has("Approved") && seen.has("Denied"))
    return "status.conditions: Invalid value: Approved and Denied conditions are mutually exclusive"
  return undefined
}
