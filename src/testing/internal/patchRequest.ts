/**
 * The PATCH verb: the content type picks the patch (apply patch, JSON patch, strategic merge patch,
 * JSON merge patch), applied to the main resource, `/status` or `/scale`. An apply patch of an
 * object that does not exist creates it.
 *
 * @internal
 */
import type { ResourceInfo } from "../../resource/Resource.js"
import { managedApply } from "./managed.js"
import { meta, str } from "./objects.js"
import {
  definitionOf,
  isObject,
  type Json,
  jsonPatch,
  mergePatch,
  type PatchMeta,
  strategicMergePatch,
  toJson
} from "./patch.js"
import { failure, notFound, status } from "./responses.js"
import { prepared } from "./strategies.js"
import { undeclaredField } from "./structural.js"
import { partialWrite, resized, scaleOf, statusRule } from "./subresources.js"
import {
  commit,
  conflicts,
  create,
  lookup,
  namespaceMismatch,
  update,
  type State as WriteState,
  writeScale
} from "./writes.js"

/** What patches need beside the objects: the models' patch metadata (strategic merge patch). */
export interface State extends WriteState {
  readonly patchMetadata: PatchMeta
}

/**
 * The apiserver's refusals of an apply before it reads the object: no field manager (422), managed
 * fields in the body (400), another version (400) or kind (500, as the 1.20 apiserver answers:
 * its field manager finds no type for it).
 */
const refusedApply = (
  info: ResourceInfo,
  sub: string | undefined,
  manager: string,
  body: Json
): Response | undefined => {
  if (manager === "")
    return status(
      422,
      "Invalid",
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      {
        group: "meta.k8s.io",
        kind: "PatchOptions",
        causes: [
          {
            reason: "FieldValueRequired",
            message: "Required value: is required for apply patch",
            field: "fieldManager"
          }
        ]
      }
    )
  if (!isObject(body)) return undefined
  const m = body.metadata
  if (isObject(m) && m.managedFields !== undefined && m.managedFields !== null)
    return status(400, "BadRequest", "metadata.managedFields must be nil")
  // The Scale sub-resource takes an autoscaling/v1 Scale.
  const expected =
    sub === "scale"
      ? { apiVersion: "autoscaling/v1", kind: "Scale", group: "autoscaling", version: "v1" }
      : info
  const version = str(body.apiVersion) ?? ""
  if (version !== expected.apiVersion)
    return status(
      400,
      "BadRequest",
      `Incorrect version specified in apply patch. Specified patch version: ${version}, expected: ${expected.apiVersion}`
    )
  const kind = str(body.kind) ?? ""
  if (kind !== expected.kind)
    return failure(
      500,
      `failed to create typed patch object: no corresponding type for ${expected.group}/${expected.version}, Kind=${kind}`
    )
  return undefined
}

export const patch = (
  s: State,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  sub: string | undefined,
  body: Json,
  contentType: string,
  q: URLSearchParams
): Response => {
  const { key, stored } = lookup(s.store, info, namespace, name)
  if (contentType.startsWith("application/apply-patch")) {
    const manager = q.get("fieldManager") ?? ""
    const refused = refusedApply(info, sub, manager, body)
    if (refused !== undefined) return refused
    if (!isObject(body)) return status(400, "BadRequest", "an apply patch must be an object")
    // (A Scale is not the custom kind's own schema's.)
    const structural = sub === "scale" ? undefined : s.kinds.schema(info)
    const undeclared = structural === undefined ? undefined : undeclaredField(structural, body)
    if (undeclared !== undefined)
      return failure(500, `failed to create typed patch object: ${undeclared}: field not declared in schema`)
    const mismatch = namespaceMismatch(info, namespace, body)
    if (mismatch !== undefined) return mismatch
    const bodyName = str(meta(body).name)
    const nameMismatch =
      bodyName !== undefined && bodyName !== name
        ? status(
            400,
            "BadRequest",
            `the name of the object (${bodyName}) does not match the name on the URL (${name})`
          )
        : undefined
    // An apply creates a missing object, but not through a sub-resource (no object to show).
    if (stored === undefined)
      return sub === undefined
        ? (nameMismatch ?? create(s, info, namespace, body, q, manager, "Apply"))
        : notFound(info, name)
    // An apply of a `Scale` sets the replicas (its ownership is not tracked through the view).
    if (sub === "scale") return writeScale(s, stored, key, body, q)
    // Through /status only the status is applied; through the main resource the status stays.
    const applied = sub === "status" ? { ...body, status: body.status ?? {} } : body
    const merged = managedApply(
      stored.info,
      stored.object,
      applied,
      manager,
      q.get("force") === "true",
      sub,
      s.kinds.schema(stored.info)
    )
    if (!isObject(merged)) return conflicts(merged, stored.info.apiVersion)
    // As the apiserver: the object's name is checked after the apply merged (conflicts first).
    if (nameMismatch !== undefined) return nameMismatch
    const next =
      sub === "status"
        ? { ...stored.object, status: merged.status ?? {}, metadata: merged.metadata ?? {} }
        : statusRule(stored.info, undefined, merged, stored.object)
    return commit(s, stored, key, prepared(stored.info, next, s.kinds), q, sub)
  }
  if (stored === undefined) return notFound(info, name)
  if (sub === "scale") {
    const current = toJson(scaleOf(s.kinds.current(stored.info), stored.object))
    const patched = contentType.includes("json-patch") ? jsonPatch(current, body) : mergePatch(current, body)
    return writeScale(s, stored, key, patched, q)
  }
  const current = toJson(stored.object)
  let patched: Json
  if (contentType.includes("json-patch")) patched = jsonPatch(current, body)
  else if (contentType.includes("strategic-merge-patch")) {
    const definition = definitionOf(info, s.patchMetadata)
    if (definition === undefined)
      return status(
        415,
        "UnsupportedMediaType",
        "strategic merge patch is not supported for custom resources"
      )
    patched = strategicMergePatch(current, body, s.patchMetadata, definition)
  } else patched = mergePatch(current, body)
  if (!isObject(patched)) return status(422, "Invalid", "the patched object is not an object")
  const next =
    sub === "resize"
      ? resized(stored.object, patched)
      : ((sub === undefined ? undefined : partialWrite(sub, patched, stored.object)) ??
        statusRule(info, sub, patched, stored.object))
  return update(s, info, stored, key, next, sub, q)
}
