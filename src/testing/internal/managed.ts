/**
 * Field ownership as the apiserver's field manager keeps it (structured-merge-diff): the
 * `managedFields` of an object, one entry per manager and operation with the set of fields it
 * owns (`fieldsV1`). An update (create, replace, patch) gives its manager the fields it changed
 * and takes them from the others; an apply gives its manager exactly the fields it applied,
 * conflicts with other managers that own a field it changes (unless forced), and removes the
 * fields the manager applied before and no longer does, when nobody else owns them.
 *
 * @internal
 */
import { patchMetadata } from "../../models/all.js"
import type { ResourceInfo } from "../../resource/Resource.js"
import { FieldSet, showPath } from "./fieldSet.js"
import { meta, now, str } from "./objects.js"
import { definitionOf, isCustom, isObject, type Json, type JsonObject, OBJECT_META } from "./patch.js"
import type { Structural } from "./structural.js"
import { compare, equalJson, merge, removeItems, Schema, type Shape, toFieldSet } from "./structured.js"
import { hasStatus } from "./subresources.js"

export type Operation = "Update" | "Apply"

interface Entry {
  readonly manager: string
  readonly operation: Operation
  readonly apiVersion: string
  time: string
  set: FieldSet
}

const schema = new Schema(patchMetadata)

/** The fields no manager owns (the server's own). */
const STRIPPED = FieldSet.fromJson({
  "f:apiVersion": {},
  "f:kind": {},
  "f:metadata": {
    ".": {},
    "f:name": {},
    "f:namespace": {},
    "f:creationTimestamp": {},
    "f:selfLink": {},
    "f:uid": {},
    "f:clusterName": {},
    "f:generation": {},
    "f:managedFields": {},
    "f:resourceVersion": {},
    "f:deletionTimestamp": {},
    "f:deletionGracePeriodSeconds": {}
  }
})

/** The fields a write through `sub` cannot change (the strategies' reset fields), by their tops. */
const resetFields = (info: ResourceInfo, sub: string | undefined): FieldSet => {
  if (!hasStatus(info)) return new FieldSet()
  return sub === "status" ? FieldSet.fromJson({ "f:spec": {} }) : FieldSet.fromJson({ "f:status": {} })
}

/**
 * The shape of a kind's objects: its model's; a custom kind's from its structural schema (objects
 * with declared fields, maps of `additionalProperties`, lists by `x-kubernetes-list-type`, atomic
 * by default) or deduced from the values, with its `metadata` an ObjectMeta (finalizers a set,
 * owner references keyed by uid...).
 */
const shapeOf = (info: ResourceInfo, structural: Structural | undefined): Shape => {
  const definition = definitionOf(info, patchMetadata)
  if (definition !== undefined) return { _tag: "struct", definition }
  const root = structural === undefined ? undefined : fromStructural(structural)
  const fields = root?._tag === "map" ? (root.fields ?? {}) : {}
  return {
    _tag: "map",
    item: root?._tag === "map" ? root.item : { _tag: "deduced" },
    fields: {
      ...fields,
      ...(Object.hasOwn(patchMetadata, OBJECT_META)
        ? { metadata: { _tag: "struct", definition: OBJECT_META } }
        : {})
    }
  }
}

/** A structural schema's shape (as structured-merge-diff reads a CRD's schema). */
const fromStructural = (schema: Structural): Shape => {
  const properties = isObject(schema.properties) ? schema.properties : undefined
  const additional = isObject(schema.additionalProperties) ? schema.additionalProperties : undefined
  if (schema.type === "object" || properties !== undefined || additional !== undefined) {
    if (schema["x-kubernetes-map-type"] === "atomic") return { _tag: "atomic" }
    const fields: { [name: string]: Shape } = {}
    for (const [name, sub] of Object.entries(properties ?? {}))
      if (isObject(sub)) fields[name] = fromStructural(sub)
    return {
      _tag: "map",
      item: additional !== undefined ? fromStructural(additional) : { _tag: "deduced" },
      fields
    }
  }
  if (schema.type === "array") {
    const item: Shape = isObject(schema.items) ? fromStructural(schema.items) : { _tag: "deduced" }
    const listType = schema["x-kubernetes-list-type"]
    const keys = schema["x-kubernetes-list-map-keys"]
    if (listType === "map" && Array.isArray(keys))
      return { _tag: "list", item, keys: keys.filter((k): k is string => typeof k === "string") }
    if (listType === "set") return { _tag: "list", item, keys: "set" }
    return { _tag: "atomic" }
  }
  return { _tag: "deduced" }
}

/** The object without its managed fields (what ownership is computed on). */
const content = (object: JsonObject): JsonObject => {
  const m = { ...meta(object) }
  delete m.managedFields
  return { ...object, metadata: m }
}

const decode = (object: JsonObject | undefined): Array<Entry> => {
  const entries = object === undefined ? undefined : meta(object).managedFields
  if (!Array.isArray(entries)) return []
  return entries.filter(isObject).map((e) => ({
    manager: str(e.manager) ?? "",
    operation: e.operation === "Apply" ? "Apply" : "Update",
    apiVersion: str(e.apiVersion) ?? "",
    time: str(e.time) ?? now(),
    set: FieldSet.fromJson(e.fieldsV1)
  }))
}

const encode = (entries: ReadonlyArray<Entry>): Array<Json> =>
  entries
    .filter((e) => !e.set.isEmpty())
    .sort((a, b) =>
      a.operation !== b.operation
        ? a.operation < b.operation
          ? -1
          : 1
        : a.time !== b.time
          ? a.time < b.time
            ? -1
            : 1
          : a.manager < b.manager
            ? -1
            : 1
    )
    .map((e) => ({
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      time: e.time,
      fieldsType: "FieldsV1",
      fieldsV1: e.set.toJson()
    }))

const withEntries = (object: JsonObject, entries: ReadonlyArray<Entry>): JsonObject => {
  const m = { ...meta(object) }
  const encoded = encode(entries)
  if (encoded.length > 0) m.managedFields = encoded
  else delete m.managedFields
  return { ...object, metadata: m }
}

/**
 * The managed fields that clear an object's: a list of one empty entry, or an empty list (but for
 * a custom object, whose empty list reads as none sent).
 */
const isReset = (info: ResourceInfo, sent: Json | undefined): boolean =>
  Array.isArray(sent) &&
  ((sent.length === 0 && !isCustom(info)) ||
    (sent.length === 1 && isObject(sent[0]) && Object.keys(sent[0]).length === 0))

/** The managed fields the next version starts from: the ones sent, unless none were (the stored ones). */
const base = (previous: JsonObject | undefined, next: JsonObject): Array<Entry> => {
  const sent = decode(next)
  return sent.length > 0 ? sent : decode(previous)
}

/**
 * The object written by an update of `manager` (create: no `previous`), with its managed fields:
 * the manager owns what it changed; the others lose what it changed or removed.
 */
export const managedUpdate = (
  info: ResourceInfo,
  previous: JsonObject | undefined,
  next: JsonObject,
  manager: string,
  sub: string | undefined,
  structural?: Structural
): JsonObject => {
  // `managedFields: []` or `[{}]` sent: the reset (the object keeps no managed fields at all).
  // (On create the object has no uid yet: the field manager tracks it from nothing.)
  if (isReset(info, meta(next).managedFields) && previous !== undefined) return withEntries(next, [])
  const entries = isReset(info, meta(next).managedFields) ? [] : base(previous, next)
  // An update of an object nobody manages is not tracked (skipNonAppliedManager): only an apply
  // starts tracking it again.
  if (previous !== undefined && entries.length === 0) return withEntries(next, [])
  const shape = shapeOf(info, structural)
  const ignored = resetFields(info, sub)
  const cmp = compare(schema, previous === undefined ? {} : content(previous), content(next), shape)
  const changed = cmp.added.union(cmp.modified).recursiveDifference(ignored)
  const removed = cmp.removed.recursiveDifference(ignored)
  const apiVersion = str(next.apiVersion) ?? info.apiVersion
  for (const entry of entries) {
    if (entry.manager === manager && entry.operation === "Update") continue
    entry.set = entry.set.difference(changed).difference(removed)
  }
  const owned = changed.difference(STRIPPED)
  if (!owned.isEmpty()) {
    const mine = entries.find((e) => e.manager === manager && e.operation === "Update")
    if (mine === undefined)
      entries.push({ manager, operation: "Update", apiVersion, time: now(), set: owned.difference(removed) })
    else {
      mine.set = mine.set.union(owned).difference(removed)
      mine.time = now()
    }
  } else {
    const mine = entries.find((e) => e.manager === manager && e.operation === "Update")
    if (mine !== undefined) mine.set = mine.set.difference(removed)
  }
  return withEntries(next, entries)
}

/** A conflict of an apply: the field and the manager that owns it. */
export interface Conflict {
  readonly field: string
  readonly manager: string
}

/**
 * Server-side apply of `applied` by `manager` onto `current` (the stored object; for a create,
 * the bare object): the merged object with its managed fields, or the conflicts (without `force`).
 */
export const managedApply = (
  info: ResourceInfo,
  current: JsonObject,
  applied: JsonObject,
  manager: string,
  force: boolean,
  sub: string | undefined,
  structural?: Structural
): JsonObject | ReadonlyArray<Conflict> => {
  const entries = decode(current)
  const shape = shapeOf(info, structural)
  const ignored = resetFields(info, sub)
  const live = content(current)
  // An object nobody manages (its managed fields reset): its fields are first given to
  // "before-first-apply", as an update from nothing would (the apiserver's skipNonAppliedManager).
  if (entries.length === 0) {
    const all = compare(schema, {}, live, shape).added.recursiveDifference(ignored).difference(STRIPPED)
    if (!all.isEmpty())
      entries.push({
        manager: "before-first-apply",
        operation: "Update",
        apiVersion: info.apiVersion,
        time: now(),
        set: all
      })
  }
  const config = content(applied)
  const set = toFieldSet(schema, config, shape).difference(STRIPPED).recursiveDifference(ignored)
  let merged = merge(schema, live, config, shape)
  if (!isObject(merged)) merged = live
  const apiVersion = str(applied.apiVersion) ?? info.apiVersion
  let mine = entries.find((e) => e.manager === manager && e.operation === "Apply")
  const last = mine?.set
  if (mine === undefined) {
    mine = { manager, operation: "Apply", apiVersion, time: now(), set }
    entries.push(mine)
  } else mine.set = set
  // Fields applied before and not now, that no manager owns any more, go: a list item or map
  // entry unless it is owned itself (owned fields within it do not keep it), a struct's field
  // unless something within it is owned.
  if (last !== undefined) {
    const owned = entries.reduce((all, e) => all.union(e.set), new FieldSet())
    const gone = new FieldSet()
    for (const path of last.paths()) {
      const element = path[path.length - 1] ?? ""
      const item = element.startsWith("k:") || element.startsWith("v:") || element.startsWith("i:")
      if (item ? !owned.has(path) : !owned.ownsWithin(path)) gone.insert(path)
    }
    const pruned = removeItems(schema, merged, gone, shape)
    if (isObject(pruned)) merged = pruned
  }
  const cmp = compare(schema, live, merged, shape)
  // The reset fields (the status through the main resource) neither conflict nor are taken.
  const changed = cmp.added.union(cmp.modified).recursiveDifference(ignored)
  const removed = cmp.removed.recursiveDifference(ignored)
  const conflicts: Array<Conflict> = []
  for (const entry of entries) {
    if (entry === mine) continue
    for (const path of entry.set.intersection(changed).paths())
      conflicts.push({ field: showPath(path), manager: entry.manager })
  }
  if (conflicts.length > 0 && !force) return conflicts
  for (const entry of entries) {
    if (entry === mine) continue
    entry.set = entry.set.difference(changed).difference(removed)
  }
  // The time of the apply: when it changed the object (not when only its field set changed).
  if (last === undefined || !equalJson(live, merged)) mine.time = now()
  return withEntries(merged, entries)
}

/** The manager of an update without `fieldManager`: the user agent up to its first `/`. */
export const managerFromUserAgent = (userAgent: string | undefined): string => {
  const agent = userAgent ?? ""
  const slash = agent.indexOf("/")
  return (slash >= 0 ? agent.slice(0, slash) : agent).slice(0, 128)
}
