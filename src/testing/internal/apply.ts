/**
 * Server-side apply and field ownership: which manager owns which field of each object, the
 * `managedFields` entries written on every write that names a `fieldManager`, and apply itself
 * (conflicts with other managers' fields unless forced, then a merge of the applied object).
 *
 * @internal
 */
import type { ResourceInfo } from "../../resource/Resource.js"
import { meta, now, str } from "./objects.js"
import {
  definitionOf,
  isObject,
  type Json,
  type JsonObject,
  mergePatch,
  type PatchMeta,
  strategicMergePatch,
  toJson
} from "./patch.js"
import { status } from "./responses.js"
import { hasStatus } from "./subresources.js"

/** The operation a `managedFields` entry records. */
export type Operation = "Update" | "Apply"

/** Leaf paths of an object (what server-side apply tracks ownership of). */
const leaves = (value: Json, prefix: string, out: Map<string, string>) => {
  if (isObject(value)) {
    const entries = Object.entries(value)
    if (entries.length === 0) out.set(prefix, "{}")
    for (const [k, v] of entries) leaves(v, `${prefix}.${k}`, out)
  } else out.set(prefix, JSON.stringify(value))
}

/** The field paths an object sets, with their values (not the status, nor metadata the server owns). */
const ownedPaths = (object: JsonObject): Map<string, string> => {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(object)) {
    if (k === "apiVersion" || k === "kind" || k === "status") continue
    if (k === "metadata" && isObject(v)) {
      for (const mk of ["labels", "annotations", "finalizers"])
        if (v[mk] !== undefined) leaves(v[mk] ?? null, `metadata.${mk}`, out)
      continue
    }
    leaves(v, k, out)
  }
  return out
}

const valueAt = (object: Json, path: string): string | undefined => {
  let current: Json | undefined = object
  for (const segment of path.split(".")) {
    if (!isObject(current)) return undefined
    current = current[segment]
  }
  return current === undefined
    ? undefined
    : isObject(current) && Object.keys(current).length === 0
      ? "{}"
      : JSON.stringify(current)
}

/** The object with the manager's `managedFields` entry for the operation (replacing its previous one). */
export const withManager = (
  object: JsonObject,
  manager: string | undefined,
  operation: Operation
): JsonObject => {
  if (manager === undefined) return object
  const m = { ...meta(object) }
  const entries = Array.isArray(m.managedFields)
    ? m.managedFields.filter((e) => !(isObject(e) && e.manager === manager && e.operation === operation))
    : []
  entries.push({
    manager,
    operation,
    apiVersion: str(object.apiVersion) ?? "v1",
    time: now(),
    fieldsType: "FieldsV1",
    fieldsV1: {}
  })
  m.managedFields = entries
  return { ...object, metadata: m }
}

export class FieldManager {
  /** object key → field path → manager */
  private readonly owners = new Map<string, Map<string, string>>()

  /** A write by `manager` (create, replace, patch): it owns every field it sent. */
  update(key: string, object: JsonObject, manager: string | undefined) {
    if (manager === undefined) return
    const owners = this.owners.get(key) ?? new Map<string, string>()
    for (const path of ownedPaths(object).keys()) owners.set(path, manager)
    this.owners.set(key, owners)
  }

  /** The object is gone: so are its owners. */
  forget(key: string) {
    this.owners.delete(key)
  }

  /**
   * Applies `body` for `manager` to the stored object (`current`): the object to write (with its
   * `managedFields` entry), or the 409 of the fields other managers own with another value (unless
   * `force`). The manager owns the applied fields from then on.
   */
  apply(
    info: ResourceInfo,
    key: string,
    current: JsonObject,
    body: JsonObject,
    manager: string,
    force: boolean,
    sub: string | undefined,
    patchMetadata: PatchMeta
  ): JsonObject | Response {
    const owners = this.owners.get(key) ?? new Map<string, string>()
    const applied = ownedPaths(sub === "status" ? { status: body.status ?? null } : body)
    const conflicts: Array<{ field: string; manager: string }> = []
    for (const [path, value] of applied) {
      const owner = owners.get(path)
      if (owner !== undefined && owner !== manager && valueAt(current, path) !== value)
        conflicts.push({ field: path, manager: owner })
    }
    if (conflicts.length > 0 && !force) {
      return status(
        409,
        "Conflict",
        `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? "s" : ""}: ${conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`).join(", ")}`,
        {
          causes: conflicts.map((c) => ({
            reason: "FieldManagerConflict",
            message: `conflict with "${c.manager}"`,
            field: c.field
          }))
        }
      )
    }
    const definition = definitionOf(info, patchMetadata)
    const merged =
      definition !== undefined
        ? strategicMergePatch(toJson(current), toJson(body), patchMetadata, definition)
        : mergePatch(toJson(current), toJson(body))
    if (!isObject(merged)) return status(422, "Invalid", "the applied object is not an object")
    for (const path of applied.keys()) owners.set(path, manager)
    this.owners.set(key, owners)
    let next = merged
    if (sub !== "status" && hasStatus(info)) next = { ...merged, status: current.status ?? null }
    if (next.status === null) delete next.status
    return withManager(next, manager, "Apply")
  }
}
