/**
 * Writes: create (names, generateName, dry run), replace (resourceVersion precondition), a new
 * version of an object (gone once deleted and without finalizers), and the stamp every write puts
 * on an object (uid, creationTimestamp, resourceVersion, generation). Deletes: `deletion.ts`.
 *
 * @internal
 */
import type { ResourceInfo } from "../../resource/Resource.js"
import type { Kinds } from "./kinds.js"
import {
  type Conflict,
  managedApply,
  managedUpdate,
  managerFromUserAgent,
  type Operation
} from "./managed.js"
import { meta, now, str } from "./objects.js"
import { isCustom, isObject, type Json, type JsonObject } from "./patch.js"
import { alreadyExists, conflict, json, notFound, status } from "./responses.js"
import { isService, type ServiceAllocator } from "./services.js"
import { objectKey, type Store, type Stored } from "./store.js"
import { prepared } from "./strategies.js"
import { equalJson as sameJson } from "./structured.js"
import { approvalProblem, hasStatus, partialWrite, scaled, scaleOf, statusRule } from "./subresources.js"
import { invalid, nameRequired, validateName, validateRequired, zeroStatus } from "./validation.js"

/** What writes change: the objects (and their history) and the owners of their fields. */
export interface State {
  readonly store: Store
  readonly kinds: Kinds
  /** The cluster IPs and node ports Services hold. */
  readonly services: ServiceAllocator
  /** The request being answered: its user agent names the manager of updates without one. */
  readonly request: { userAgent: string }
}

/** The manager of an update: `fieldManager`, else the user agent up to its first `/`. */
export const updater = (s: State, q: URLSearchParams): string =>
  q.get("fieldManager") || managerFromUserAgent(s.request.userAgent)

/** The 409 of an apply that conflicts with other managers' fields. */
export const conflicts = (found: ReadonlyArray<Conflict>, apiVersion: string): Response =>
  status(
    409,
    "Conflict",
    `Apply failed with ${found.length} conflict${found.length > 1 ? "s" : ""}: ${found
      .map((c) => `conflict with "${c.manager}" using ${apiVersion}: ${c.field}`)
      .join(", ")}`,
    {
      causes: found.map((c) => ({
        reason: "FieldManagerConflict",
        message: `conflict with "${c.manager}" using ${apiVersion}`,
        field: c.field
      }))
    }
  )

/** The stored object of a request's kind, namespace and name (the namespace of cluster-scoped kinds ignored). */
export const lookup = (
  store: Store,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string
): { readonly key: string; readonly stored: Stored | undefined } => {
  const key = objectKey(info, info.namespaced ? namespace : undefined, name)
  return { key, stored: store.get(key) }
}

/** Core kinds with a spec whose strategy keeps no generation. */
const WITHOUT_GENERATION = new Set([
  "Service",
  "Namespace",
  "Node",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "ResourceQuota",
  "LimitRange"
])

/**
 * The object as the server stores it: its kind's apiVersion and kind, its namespace, uid and
 * creationTimestamp (kept from the previous version), the next resourceVersion, and a generation
 * that counts the changes of its spec.
 */
export const stamp = (
  store: Store,
  info: ResourceInfo,
  object: JsonObject,
  previous: JsonObject | undefined,
  namespace: string | undefined,
  version?: string
): JsonObject => {
  const m = { ...meta(object) }
  const pm = previous !== undefined ? meta(previous) : undefined
  if (info.namespaced) m.namespace = namespace ?? str(m.namespace) ?? "default"
  else delete m.namespace
  // The deletion marks are the server's: kept from the previous version (an update cannot clear
  // them), never taken from a create.
  if (pm?.deletionTimestamp !== undefined) {
    m.deletionTimestamp = pm.deletionTimestamp
    if (pm.deletionGracePeriodSeconds !== undefined)
      m.deletionGracePeriodSeconds = pm.deletionGracePeriodSeconds
  } else if (pm === undefined) {
    delete m.deletionTimestamp
    delete m.deletionGracePeriodSeconds
  }
  m.uid = pm?.uid ?? crypto.randomUUID()
  m.creationTimestamp = pm?.creationTimestamp ?? now()
  m.resourceVersion = version ?? String(store.nextVersion())
  const gen = typeof pm?.generation === "number" ? pm.generation : 0
  if (isCustom(info)) {
    // A custom object always has a generation, counting changes of anything but its metadata
    // (and its status, when that is a sub-resource).
    const content = (o: JsonObject) => {
      const { metadata: _m, apiVersion: _v, kind: _k, ...rest } = o
      if (hasStatus(info)) delete rest.status
      return rest
    }
    m.generation = previous === undefined ? 1 : sameJson(content(previous), content(object)) ? gen : gen + 1
  } else if (object.spec !== undefined && !(info.group === "" && WITHOUT_GENERATION.has(info.kind))) {
    m.generation = previous === undefined ? 1 : sameJson(previous.spec, object.spec) ? gen : gen + 1
  }
  return { ...object, apiVersion: info.apiVersion, kind: info.kind, metadata: m }
}

/**
 * The object as its kind's registry stores it after the generic checks (a Service's allocated
 * values), or the failure to answer.
 */
const registered = (
  s: State,
  info: ResourceInfo,
  key: string,
  object: JsonObject,
  previous: JsonObject | undefined
): JsonObject | Response => {
  if (!isService(info)) return object
  const prepared = s.services.prepare(key, object, previous)
  if ("object" in prepared) return prepared.object
  if ("full" in prepared) return status(500, "InternalError", `Internal error occurred: ${prepared.full}`)
  return invalid(info, str(meta(object).name) ?? "", prepared.causes)
}

/** Stores an object as a write would, without the checks (seeding). */
export const put = (
  s: State,
  info: ResourceInfo,
  object: JsonObject,
  namespace: string | undefined,
  manager: string
): JsonObject => {
  const { store, kinds } = s
  const m = meta(object)
  const name = str(m.name) ?? ""
  const key = objectKey(
    info,
    info.namespaced ? (namespace ?? str(m.namespace) ?? "default") : undefined,
    name
  )
  const existing = store.get(key)
  // Seeds are stored as a write would store them (defaults, empty fields left out, a custom
  // kind's schema applied, the fields recorded under `manager`, as a create records its manager).
  const written = managedUpdate(
    info,
    existing?.object,
    prepared(info, object, kinds),
    manager,
    undefined,
    kinds.schema(info)
  )
  const seeded = stamp(store, info, written, existing?.object, namespace)
  // (A seed the registry would refuse is stored as it is.)
  const allocated = registered(s, info, key, seeded, existing?.object)
  const stamped = allocated instanceof Response ? seeded : allocated
  store.set(key, { info, object: stamped })
  store.record(existing === undefined ? "ADDED" : "MODIFIED", info, stamped, existing?.object)
  return stamped
}

/** A body whose namespace is not the request's (400, as the apiserver answers a create, update or apply). */
export const namespaceMismatch = (
  info: ResourceInfo,
  namespace: string | undefined,
  body: JsonObject
): Response | undefined => {
  const own = meta(body).namespace
  return info.namespaced && namespace !== undefined && own !== undefined && own !== namespace
    ? status(
        400,
        "BadRequest",
        "the namespace of the provided object does not match the namespace sent on the request"
      )
    : undefined
}

export const create = (
  s: State,
  info: ResourceInfo,
  namespace: string | undefined,
  body: Json,
  q: URLSearchParams,
  manager?: string,
  operation: Operation = "Update"
): Response => {
  if (!isObject(body)) return status(400, "BadRequest", "the body of a create must be an object")
  if (body.kind !== undefined && body.kind !== info.kind)
    return status(400, "BadRequest", `the body's kind ${String(body.kind)} does not match ${info.kind}`)
  const m = { ...meta(body) }
  const mismatch = namespaceMismatch(info, namespace, body)
  if (mismatch !== undefined) return mismatch
  let name = str(m.name)
  if ((name === undefined || name === "") && typeof m.generateName === "string") {
    name = `${m.generateName}${Math.random().toString(36).slice(2, 7)}`
  }
  if (name === undefined) return nameRequired(info)
  const invalid = validateName(info, name)
  if (invalid !== undefined) return invalid
  const ns = info.namespaced ? (namespace ?? str(m.namespace) ?? "default") : undefined
  const key = objectKey(info, ns, name)
  // The status of a kind with a status sub-resource is the server's to write: reset on create.
  const { status: _sent, ...rest } = body
  // (A custom kind's is dropped: its strategy deletes it; a built-in kind's is Go's zero struct.)
  const custom = isCustom(info)
  const content = hasStatus(info) ? (custom ? rest : { ...rest, status: zeroStatus(s.kinds, info) }) : body
  let draft: JsonObject
  if (operation === "Apply") {
    const bare: JsonObject = {
      apiVersion: info.apiVersion,
      kind: info.kind,
      metadata: { name, ...(ns !== undefined ? { namespace: ns } : {}) },
      ...(hasStatus(info) && !custom ? { status: zeroStatus(s.kinds, info) } : {})
    }
    const applied = managedApply(
      info,
      bare,
      { ...content, metadata: { ...m, name } },
      manager ?? "",
      true,
      undefined,
      s.kinds.schema(info)
    )
    if (!isObject(applied)) return conflicts(applied, info.apiVersion)
    draft = prepared(info, applied, s.kinds)
  } else {
    const managerName = manager ?? updater(s, q)
    draft = managedUpdate(
      info,
      undefined,
      prepared(info, { ...content, metadata: { ...m, name } }, s.kinds),
      managerName,
      undefined,
      s.kinds.schema(info)
    )
  }
  // Validated before the store is asked (an invalid object that exists too is a 422, not a 409);
  // the version is taken once it is stored.
  const checked = stamp(s.store, info, draft, undefined, ns, "0")
  const incomplete = validateRequired(s.kinds, info, checked)
  if (incomplete !== undefined) return incomplete
  const validated = registered(s, info, key, checked, undefined)
  if (validated instanceof Response) return validated
  if (s.store.has(key)) return alreadyExists(info, name)
  const stamped = {
    ...validated,
    metadata: { ...meta(validated), resourceVersion: String(s.store.nextVersion()) }
  }
  if (q.get("dryRun") === "All") return json(201, stamped)
  s.store.set(key, { info, object: stamped })
  s.store.record("ADDED", info, stamped)
  return json(201, stamped)
}

/** Writes a new version of a stored object (a deleted object whose last finalizer goes is gone). */
export const commit = (
  s: State,
  stored: Stored,
  key: string,
  next: JsonObject,
  q: URLSearchParams,
  sub?: string
): Response => {
  const m = meta(next)
  const finalizers = Array.isArray(m.finalizers) ? [...m.finalizers] : []
  // A namespace also waits for its spec's finalizers (cleared through `/finalize`).
  const spec = next.spec
  if (
    stored.info.group === "" &&
    stored.info.plural === "namespaces" &&
    isObject(spec) &&
    Array.isArray(spec.finalizers)
  )
    finalizers.push(...spec.finalizers)
  const deleting = meta(stored.object).deletionTimestamp !== undefined
  const current = str(meta(stored.object).resourceVersion)
  const checked = stamp(
    s.store,
    stored.info,
    prepared(stored.info, next, s.kinds),
    stored.object,
    str(meta(stored.object).namespace),
    current
  )
  const incomplete = validateRequired(s.kinds, stored.info, checked, stored.object)
  if (incomplete !== undefined) return incomplete
  // (A status write is validated as a status: the registry's spec rules are not asked.)
  const stamped = sub === "status" ? checked : registered(s, stored.info, key, checked, stored.object)
  if (stamped instanceof Response) return stamped
  // A write that changes nothing is not a write (the apiserver's no-op update): same version, no
  // watch event — a controller applying its desired state again must not trigger itself.
  if (!(deleting && finalizers.length === 0) && sameObject(stamped, stored.object))
    return json(200, stored.object)
  stamped.metadata = { ...meta(stamped), resourceVersion: String(s.store.nextVersion()) }
  if (q.get("dryRun") === "All") return json(200, stamped)
  if (deleting && finalizers.length === 0) {
    s.store.delete(key)
    s.store.record("DELETED", stored.info, stamped, stored.object)
    // As the apiserver's deleteWithoutFinalizers: the answer is the updated object as sent, at the
    // version it had (the watch's DELETED carries the stored object at the version of the delete).
    return json(200, { ...stamped, metadata: { ...meta(stamped), resourceVersion: current } })
  }
  const before = stored.object
  stored.object = stamped
  s.store.record("MODIFIED", stored.info, stamped, before)
  return json(200, stamped)
}

/** Writes the replicas of a `Scale` to a stored object; answers the new `Scale`. */
export const writeScale = (
  s: State,
  stored: Stored,
  key: string,
  scale: Json,
  q: URLSearchParams
): Response => {
  // Scale writes leave the managed fields alone (as 1.20; newer servers record them with
  // subresource "scale", which the in-memory cluster's entries do not have yet).
  // The kind as served now (its CRD may have changed its scale paths since the object was stored).
  const info = s.kinds.current(stored.info)
  const next = prepared(stored.info, scaled(info, stored.object, scale), s.kinds)
  const answer = commit(s, stored, key, next, q)
  return answer.ok ? json(200, scaleOf(info, stored.object)) : answer
}

export const replace = (
  s: State,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  sub: string | undefined,
  body: Json,
  q: URLSearchParams
): Response => {
  const { key, stored } = lookup(s.store, info, namespace, name)
  if (stored === undefined) return notFound(info, name)
  if (!isObject(body)) return status(400, "BadRequest", "the body of a replace must be an object")
  const mismatch = namespaceMismatch(info, namespace, body)
  if (mismatch !== undefined) return mismatch
  const rv = str(meta(body).resourceVersion)
  if (rv !== undefined && rv !== "" && rv !== str(meta(stored.object).resourceVersion))
    return conflict(info, name)
  if (sub === "scale") return writeScale(s, stored, key, body, q)
  // A custom object cannot be replaced unconditionally (its strategy does not allow it).
  if ((rv === undefined || rv === "") && isCustom(info))
    return status(
      422,
      "Invalid",
      `${info.kind}.${info.group} "${name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`,
      {
        name,
        group: info.group,
        kind: info.kind,
        causes: [
          {
            reason: "FieldValueInvalid",
            message: "Invalid value: 0x0: must be specified for an update",
            field: "metadata.resourceVersion"
          }
        ]
      }
    )
  const next =
    (sub === undefined ? undefined : partialWrite(sub, body, stored.object)) ??
    statusRule(info, sub, body, stored.object)
  const problem = sub === "approval" ? approvalProblem(next) : undefined
  if (problem !== undefined)
    return status(422, "Invalid", `${info.kind}.${info.group} "${name}" is invalid: ${problem}`)
  return update(s, info, stored, key, next, sub, q)
}

/**
 * An update (replace, or a patch other than an apply) of a stored object with `next`: prepared
 * by its kind's strategy, its fields recorded under the request's manager, committed.
 */
export const update = (
  s: State,
  info: ResourceInfo,
  stored: Stored,
  key: string,
  next: JsonObject,
  sub: string | undefined,
  q: URLSearchParams
): Response =>
  commit(
    s,
    stored,
    key,
    managedUpdate(
      info,
      stored.object,
      prepared(info, next, s.kinds),
      updater(s, q),
      sub,
      s.kinds.schema(info)
    ),
    q,
    sub
  )

/** Whether two versions of an object hold the same content (managed fields' times aside). */
const sameObject = (a: JsonObject, b: JsonObject): boolean => sameJson(untimed(a), untimed(b))

/** An object without the times of its managed fields. */
const untimed = (object: JsonObject): JsonObject => {
  const m = meta(object)
  if (!Array.isArray(m.managedFields)) return object
  const managedFields = m.managedFields.map((entry: Json) => {
    if (!isObject(entry)) return entry
    const { time: _time, ...rest } = entry
    return rest
  })
  return { ...object, metadata: { ...m, managedFields } }
}

/**
 * The binding sub-resource (what a scheduler does): the pod's `spec.nodeName` set, once (a pod
 * already bound is a 409); answered with a Success Status.
 */
export const bind = (
  s: State,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  body: Json,
  q: URLSearchParams
): Response => {
  const { key, stored } = lookup(s.store, info, namespace, name)
  if (stored === undefined) return notFound(info, name)
  const target = isObject(body) && isObject(body.target) ? body.target : {}
  const node = str(target.name)
  if (node === undefined || node === "") return status(400, "BadRequest", "a Binding needs target.name")
  const spec = isObject(stored.object.spec) ? stored.object.spec : {}
  const bound = str(spec.nodeName)
  if (bound !== undefined && bound !== "")
    return status(409, "Conflict", `pod ${name} is already assigned to node "${bound}"`, {
      name,
      kind: info.plural
    })
  const answer = commit(s, stored, key, { ...stored.object, spec: { ...spec, nodeName: node } }, q)
  return answer.ok
    ? json(201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 })
    : answer
}
