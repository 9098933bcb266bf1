/**
 * Patches as the apiserver applies them: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and
 * strategic merge patch (lists merged by the models' patch merge keys).
 *
 * @internal
 */

import { patchMetadata } from "../../models/all.js"
import type { ResourceInfo } from "../../resource/Resource.js"

/** JSON, mutable: patches work on a private copy. */
export type Json = null | boolean | number | string | Array<Json> | { [key: string]: Json }
/** A JSON object: what the server stores. */
export type JsonObject = { [key: string]: Json }

export const isObject = (u: unknown): u is JsonObject =>
  typeof u === "object" && u !== null && !Array.isArray(u)
const isArray = (u: Json | undefined): u is Array<Json> => Array.isArray(u)

/** A deep copy (JSON in, JSON out). */
export const toJson = (u: unknown): Json => {
  const copy: Json = JSON.parse(JSON.stringify(u ?? null))
  return copy
}

/** RFC 7386. */
export const mergePatch = (target: Json, patch: Json): Json => {
  if (!isObject(patch)) return patch
  const base: Record<string, Json> = isObject(target) ? { ...target } : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete base[k]
    else base[k] = mergePatch(base[k] ?? null, v)
  }
  return base
}

export class PatchError extends Error {}

const unescapeToken = (s: string) => s.replace(/~1/g, "/").replace(/~0/g, "~")
const pointer = (path: string): Array<string> => {
  if (path === "") return []
  if (!path.startsWith("/")) throw new PatchError(`invalid JSON pointer "${path}"`)
  return path.slice(1).split("/").map(unescapeToken)
}

const clone = (j: Json): Json => toJson(j)

const getAt = (doc: Json, tokens: ReadonlyArray<string>): Json | undefined => {
  let current: Json | undefined = doc
  for (const t of tokens) {
    if (isArray(current)) current = current[Number(t)]
    else if (isObject(current)) current = current[t]
    else return undefined
  }
  return current
}

/** Applies one operation on a mutable copy. */
const apply1 = (doc: Json, op: JsonObject): Json => {
  const path = typeof op.path === "string" ? pointer(op.path) : []
  const setAt = (root: Json, tokens: ReadonlyArray<string>, value: Json, insert: boolean): Json => {
    if (tokens.length === 0) return value
    const parent = getAt(root, tokens.slice(0, -1))
    const last = tokens[tokens.length - 1] ?? ""
    if (isArray(parent)) {
      const index = last === "-" ? parent.length : Number(last)
      if (!Number.isInteger(index) || index < 0 || index > parent.length)
        throw new PatchError(`index ${last} out of range`)
      if (insert) parent.splice(index, 0, value)
      else {
        if (index >= parent.length) throw new PatchError(`index ${last} out of range`)
        parent[index] = value
      }
    } else if (isObject(parent)) {
      if (!insert && !Object.hasOwn(parent, last))
        throw new PatchError(`path ${tokens.join("/")} does not exist`)
      parent[last] = value
    } else throw new PatchError(`path ${tokens.join("/")} does not exist`)
    return root
  }
  const removeAt = (root: Json, tokens: ReadonlyArray<string>): Json => {
    const parent = getAt(root, tokens.slice(0, -1))
    const last = tokens[tokens.length - 1] ?? ""
    if (isArray(parent)) {
      const index = Number(last)
      if (!Number.isInteger(index) || index < 0 || index >= parent.length)
        throw new PatchError(`index ${last} out of range`)
      parent.splice(index, 1)
    } else if (isObject(parent) && Object.hasOwn(parent, last)) {
      delete parent[last]
    } else throw new PatchError(`path ${tokens.join("/")} does not exist`)
    return root
  }
  switch (op.op) {
    case "add":
      return setAt(doc, path, clone(op.value ?? null), true)
    case "replace":
      return setAt(doc, path, clone(op.value ?? null), false)
    case "remove":
      return removeAt(doc, path)
    case "move":
    case "copy": {
      const from = pointer(typeof op.from === "string" ? op.from : "")
      const value = getAt(doc, from)
      if (value === undefined) throw new PatchError(`from ${String(op.from)} does not exist`)
      const moved = op.op === "move" ? removeAt(doc, from) : doc
      return setAt(moved, path, clone(value), true)
    }
    case "test":
      // A missing member tests equal to null, as the apiserver's JSON patch has it.
      if (JSON.stringify(getAt(doc, path) ?? null) !== JSON.stringify(op.value ?? null))
        throw new PatchError(`test failed at ${String(op.path)}`)
      return doc
    default:
      throw new PatchError(`unknown operation ${JSON.stringify(op.op)}`)
  }
}

/** RFC 6902. */
export const jsonPatch = (target: Json, operations: Json): Json => {
  if (!isArray(operations)) throw new PatchError("a JSON patch is an array of operations")
  let doc = clone(target)
  for (const op of operations) {
    if (!isObject(op)) throw new PatchError("an operation is an object")
    doc = apply1(doc, op)
  }
  return doc
}

/** Where a field's list merge key is found: definition id → field → metadata. */
export interface PatchMeta {
  readonly [definition: string]: {
    readonly [field: string]: {
      readonly ref?: string
      readonly list?: boolean
      readonly map?: boolean
      readonly patchStrategy?: string
      readonly patchMergeKey?: string
      readonly listType?: string
      readonly listMapKeys?: ReadonlyArray<string>
      readonly mapType?: string
      /** A required list or map (present even when empty). */
      readonly required?: boolean
    }
  }
}

/**
 * The models' definition of a kind, whose fields tell how strategic merge patch merges lists;
 * `undefined` for kinds the models do not define (custom resources).
 */
export const definitionOf = (info: ResourceInfo, meta: PatchMeta): string | undefined => {
  const pkg = info.group === "" ? "core" : (info.group.split(".")[0] ?? "")
  const candidates = [
    `io.k8s.api.${pkg}.${info.version}.${info.kind}`,
    `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${info.version}.${info.kind}`,
    `io.k8s.kube-aggregator.pkg.apis.apiregistration.${info.version}.${info.kind}`
  ]
  return candidates.find((c) => meta[c] !== undefined)
}

/** Whether a kind is a custom one (no model defines it: a CRD's, or one registered by a test). */
export const isCustom = (info: ResourceInfo): boolean => definitionOf(info, patchMetadata) === undefined

/** The models' definition of ObjectMeta (a custom object's `metadata` is read as one). */
export const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

/**
 * Strategic merge patch: as JSON merge patch, except lists with a `merge` strategy, merged by their
 * key (`$patch: delete` removes an item), and `$retainKeys`/`$setElementOrder` ignored.
 */
export const strategicMergePatch = (
  target: Json,
  patch: Json,
  meta: PatchMeta,
  definition: string | undefined
): Json => {
  if (!isObject(patch)) return patch
  const base: Record<string, Json> = isObject(target) ? { ...target } : {}
  const fields = definition !== undefined ? meta[definition] : undefined
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$setElementOrder/") || k === "$retainKeys" || k === "$patch") continue
    const field = fields?.[k]
    if (v === null) {
      delete base[k]
      continue
    }
    const existing = base[k]
    if (field?.list === true && field.patchStrategy?.includes("merge") === true && isArray(v)) {
      const original: Array<Json> = isArray(existing) ? [...existing] : []
      const current: Array<Json> = [...original]
      const key = field.patchMergeKey
      for (const item of v) {
        if (key === undefined || !isObject(item)) {
          if (!current.some((c) => JSON.stringify(c) === JSON.stringify(item))) current.push(item)
          continue
        }
        const index = current.findIndex((c) => isObject(c) && c[key] === item[key])
        if (item.$patch === "delete") {
          if (index >= 0) current.splice(index, 1)
        } else if (index >= 0) {
          current[index] = strategicMergePatch(current[index] ?? null, item, meta, field.ref)
        } else {
          current.push(strategicMergePatch(null, item, meta, field.ref))
        }
      }
      base[k] = key === undefined ? current : ordered(current, original, v, key)
    } else if (field?.map === true && isObject(v)) {
      base[k] = mergePatch(base[k] ?? null, v)
    } else if (isObject(v) && field?.list !== true) {
      base[k] = strategicMergePatch(base[k] ?? null, v, meta, field?.ref)
    } else {
      base[k] = v
    }
  }
  return base
}

/**
 * The order of a merged keyed list, as the apiserver's strategic merge (`normalizeElementOrder`):
 * the items the patch names in the patch's order, the others in their stored order, interleaved —
 * a stored item goes first only where it came before the patch item in the stored list (so a new
 * item goes before the stored items after it, first when the stored list does not name it).
 */
const ordered = (
  merged: Array<Json>,
  original: Array<Json>,
  patch: Array<Json>,
  key: string
): Array<Json> => {
  const keyOf = (item: Json) => (isObject(item) ? JSON.stringify(item[key] ?? null) : JSON.stringify(item))
  const patchKeys = patch.map(keyOf)
  const serverKeys = original.map(keyOf)
  const byPatch = merged
    .filter((item) => patchKeys.includes(keyOf(item)))
    .sort((a, b) => patchKeys.indexOf(keyOf(a)) - patchKeys.indexOf(keyOf(b)))
  const serverOnly = merged
    .filter((item) => !patchKeys.includes(keyOf(item)))
    .sort((a, b) => serverKeys.indexOf(keyOf(a)) - serverKeys.indexOf(keyOf(b)))
  const out: Array<Json> = []
  let i = 0
  let j = 0
  while (i < serverOnly.length || j < byPatch.length) {
    const left = serverOnly[i]
    const right = byPatch[j]
    if (right === undefined || left === undefined) {
      out.push(...serverOnly.slice(i), ...byPatch.slice(j))
      break
    }
    const li = serverKeys.indexOf(keyOf(left))
    const ri = serverKeys.indexOf(keyOf(right))
    if (li >= 0 && ri >= 0 && li < ri) {
      out.push(left)
      i++
    } else {
      out.push(right)
      j++
    }
  }
  return out
}
