/**
 * Objects read through their schema as structured-merge-diff reads them: structs (named fields),
 * maps (each entry its own field), lists that are maps (items by their keys), sets (items by
 * value) or atomic (one value). The shape of each field comes from the models' metadata
 * (`x-kubernetes-list-type`, list-map keys, patch strategy and merge key); a field the models do not
 * describe takes its shape from its value (an object is a map, an array atomic). On these: the set
 * of fields an object sets, the fields that differ between two objects, the merge of an applied
 * object into a stored one, and the removal of fields.
 *
 * @internal
 */
import { FieldSet } from "./fieldSet.js"
import { isObject, type Json, type JsonObject, type PatchMeta } from "./patch.js"

export type Shape =
  | { readonly _tag: "struct"; readonly definition: string }
  | {
      readonly _tag: "map"
      readonly item: Shape
      /** Fields of their own shape (a custom object's typed `metadata`). */
      readonly fields?: { readonly [name: string]: Shape } | undefined
    }
  | { readonly _tag: "list"; readonly item: Shape; readonly keys: ReadonlyArray<string> | "set" }
  | { readonly _tag: "atomic" }
  | { readonly _tag: "deduced" }

const ATOMIC: Shape = { _tag: "atomic" }
const DEDUCED: Shape = { _tag: "deduced" }

export class Schema {
  constructor(private readonly meta: PatchMeta) {}

  /** Whether field `name` of a struct is a required list or map: there even when empty (Go). */
  required(shape: Shape, name: string): boolean {
    return shape._tag === "struct" && this.meta[shape.definition]?.[name]?.required === true
  }

  /** Whether field `name` of a struct holds a struct (atomic or not): kept even empty. */
  holdsStruct(shape: Shape, name: string): boolean {
    if (shape._tag !== "struct") return false
    const field = this.meta[shape.definition]?.[name]
    return field?.ref !== undefined && field.list !== true && field.map !== true
  }

  /** The shape of field `name` of a value of shape `shape`. */
  field(shape: Shape, name: string): Shape {
    if (shape._tag === "map") return shape.fields?.[name] ?? shape.item
    if (shape._tag !== "struct") return DEDUCED
    const field = this.meta[shape.definition]?.[name]
    if (field === undefined) return DEDUCED
    const item: Shape = field.ref !== undefined ? { _tag: "struct", definition: field.ref } : DEDUCED
    if (field.list === true) {
      if (field.listType === "map" && field.listMapKeys !== undefined)
        return { _tag: "list", item, keys: field.listMapKeys }
      if (field.listType === "set") return { _tag: "list", item, keys: "set" }
      if (field.listType === "atomic") return ATOMIC
      if (field.patchStrategy?.includes("merge") === true)
        return field.patchMergeKey !== undefined
          ? { _tag: "list", item, keys: [field.patchMergeKey] }
          : { _tag: "list", item, keys: "set" }
      return ATOMIC
    }
    if (field.mapType === "atomic") return ATOMIC
    if (field.map === true) return { _tag: "map", item }
    return item
  }
}

/** A deduced shape made concrete by its value. */
const concrete = (shape: Shape, value: Json | undefined): Shape =>
  shape._tag !== "deduced" ? shape : isObject(value) ? { _tag: "map", item: DEDUCED } : ATOMIC

/** The path element of a list item, or undefined (a map item without its keys). */
const itemElement = (keys: ReadonlyArray<string> | "set", item: Json): string | undefined => {
  if (keys === "set") return `v:${JSON.stringify(item)}`
  if (!isObject(item)) return undefined
  const picked: JsonObject = {}
  for (const key of [...keys].sort()) {
    // A key the schema defaults (a port's protocol) counts with its default, as the apiserver's.
    const value = item[key] ?? (key === "protocol" ? "TCP" : undefined)
    if (value === undefined) return undefined
    picked[key] = value
  }
  return `k:${JSON.stringify(picked)}`
}

/** The items of a list by path element (undefined when an item cannot be keyed: atomic then). */
const indexItems = (
  keys: ReadonlyArray<string> | "set",
  list: ReadonlyArray<Json>
): Array<readonly [string, Json]> | undefined => {
  const out: Array<readonly [string, Json]> = []
  for (const item of list) {
    const element = itemElement(keys, item)
    if (element === undefined) return undefined
    out.push([element, item])
  }
  return out
}

/**
 * The struct fields the API's Go types hold by value (the others by pointer), by name: what the
 * OpenAPI document does not say, and what decides whether a struct added is itself a field of
 * the set (`"."`).
 */
const VALUE_STRUCTS: ReadonlySet<string> = new Set([
  "f:metadata",
  "f:spec",
  "f:status",
  "f:template",
  "f:strategy",
  "f:updateStrategy",
  "f:resources",
  "f:jobTemplate"
])

export const equalJson = (a: Json | undefined, b: Json | undefined): boolean => {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, i) => equalJson(item, b[i]))
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && equalJson(a[k], b[k]))
  }
  return false
}

const isEmptyObject = (value: Json | undefined) => isObject(value) && Object.keys(value).length === 0

/**
 * The fields an object sets (what an applier owns): scalars, atomic values, map entries, list
 * items; a struct field only when it is null or empty.
 */
export const toFieldSet = (schema: Schema, value: Json, shape: Shape): FieldSet => {
  const out = new FieldSet()
  const walk = (v: Json, s: Shape, path: ReadonlyArray<string>) => {
    const c = concrete(s, v)
    if (c._tag === "atomic") {
      if (path.length > 0) out.insert(path)
      return
    }
    if (c._tag === "list") {
      const items = Array.isArray(v) ? indexItems(c.keys, v) : undefined
      if (items === undefined) {
        if (path.length > 0) out.insert(path)
        return
      }
      for (const [element, item] of items) {
        walk(item, c.item, [...path, element])
        out.insert([...path, element])
      }
      return
    }
    if (!isObject(v)) {
      if (path.length > 0) out.insert(path)
      return
    }
    for (const [key, child] of Object.entries(v)) {
      const childPath = [...path, `f:${key}`]
      walk(child, schema.field(c, key), childPath)
      // A map's entries are members; a struct's (or a map's declared) fields only when null or empty.
      const declared = c._tag === "map" && c.fields !== undefined && Object.hasOwn(c.fields, key)
      if (child === null || isEmptyObject(child) || (c._tag === "map" && !declared)) out.insert(childPath)
    }
  }
  walk(value, shape, [])
  return out
}

export interface Comparison {
  readonly added: FieldSet
  readonly modified: FieldSet
  readonly removed: FieldSet
}

/**
 * The fields that differ between `lhs` and `rhs`: added, modified (a different value), removed.
 * A struct itself is never added or removed (only its fields): Go's structs are there even empty.
 */
export const compare = (schema: Schema, lhs: Json, rhs: Json, shape: Shape): Comparison => {
  const cmp: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() }
  const leaf = (l: Json | undefined, r: Json | undefined, path: ReadonlyArray<string>) => {
    // null is Go's zero value: the same as a field left out.
    if (path.length === 0 || ((l ?? null) === null && (r ?? null) === null)) return
    if (l === undefined) cmp.added.insert(path)
    else if (r === undefined) cmp.removed.insert(path)
    else if (!equalJson(l, r)) cmp.modified.insert(path)
  }
  const walk = (
    l: Json | undefined,
    r: Json | undefined,
    s: Shape,
    path: ReadonlyArray<string>,
    required: boolean,
    item = false
  ) => {
    const c = concrete(s, l ?? r)
    if (c._tag === "atomic") return leaf(l, r, path)
    if (c._tag === "list") {
      const lItems = l === undefined ? [] : Array.isArray(l) ? indexItems(c.keys, l) : undefined
      const rItems = r === undefined ? [] : Array.isArray(r) ? indexItems(c.keys, r) : undefined
      if (lItems === undefined || rItems === undefined || (lItems.length === 0 && rItems.length === 0))
        return leaf(l, r, path)
      const lMap = new Map(lItems)
      const rMap = new Map(rItems)
      for (const element of new Set([...lMap.keys(), ...rMap.keys()]))
        walk(lMap.get(element), rMap.get(element), c.item, [...path, element], false, true)
    } else {
      const lObj = isObject(l) ? l : undefined
      const rObj = isObject(r) ? r : undefined
      const empty = (lObj === undefined || isEmptyObject(lObj)) && (rObj === undefined || isEmptyObject(rObj))
      if (empty || (l !== undefined && lObj === undefined) || (r !== undefined && rObj === undefined))
        return leaf(l, r, path)
      for (const key of new Set([...Object.keys(lObj ?? {}), ...Object.keys(rObj ?? {})]))
        walk(lObj?.[key], rObj?.[key], schema.field(c, key), [...path, `f:${key}`], schema.required(c, key))
      // A struct held by value is there even empty (Go): not added nor removed itself; a struct
      // held by pointer and a list item are.
      if (c._tag === "struct" && !item && VALUE_STRUCTS.has(path[path.length - 1] ?? "")) return
    }
    if (path.length === 0 || required) return
    if (l === undefined) cmp.added.insert(path)
    else if (r === undefined) cmp.removed.insert(path)
  }
  walk(lhs, rhs, shape, [], false)
  return cmp
}

/** `rhs` merged into `lhs` (server-side apply): structs and maps field by field, list-map and set items by key, the rest replaced. */
export const merge = (
  schema: Schema,
  lhs: Json | undefined,
  rhs: Json | undefined,
  shape: Shape
): Json | undefined => {
  if (rhs === undefined) return lhs
  if (lhs === undefined) return rhs
  const c = concrete(shape, rhs)
  if (c._tag === "atomic") return rhs
  if (c._tag === "list") {
    if (!Array.isArray(lhs) || !Array.isArray(rhs)) return rhs
    const lItems = indexItems(c.keys, lhs)
    const rItems = indexItems(c.keys, rhs)
    if (lItems === undefined || rItems === undefined) return rhs
    return mergeItems(lItems, rItems, (l, r) => merge(schema, l, r, c.item))
  }
  if (!isObject(lhs) || !isObject(rhs)) return rhs
  const out: JsonObject = { ...lhs }
  for (const [key, value] of Object.entries(rhs)) {
    const merged = merge(schema, lhs[key], value, schema.field(c, key))
    if (merged !== undefined) out[key] = merged
  }
  return out
}

/**
 * The items of two keyed lists merged as structured-merge-diff orders them: the stored items in
 * their order, the applied ones where the applied list puts them relative to the shared items.
 */
const mergeItems = (
  lItems: ReadonlyArray<readonly [string, Json]>,
  rItems: ReadonlyArray<readonly [string, Json]>,
  mergeOne: (l: Json | undefined, r: Json | undefined) => Json | undefined
): Array<Json> => {
  const lMap = new Map(lItems)
  const rMap = new Map(rItems)
  const shared = rItems.map(([e]) => e).filter((e) => lMap.has(e))
  let nextShared = shared.shift()
  const merged = new Set<string>()
  const out: Array<Json> = []
  const push = (value: Json | undefined) => {
    if (value !== undefined) out.push(value)
  }
  let li = 0
  let ri = 0
  while (li < lItems.length || ri < rItems.length) {
    const lEl = lItems[li]?.[0]
    const rEl = rItems[ri]?.[0]
    if (lEl !== undefined && rEl !== undefined) {
      if (lEl === rEl) {
        merged.add(lEl)
        push(mergeOne(lMap.get(lEl), rMap.get(rEl)))
        li++
        ri++
        nextShared = shared.shift()
        continue
      }
      if (rMap.has(lEl) && nextShared !== undefined && nextShared !== lEl) {
        li++
        continue
      }
    }
    if (lEl !== undefined) {
      if (!rMap.has(lEl)) {
        push(mergeOne(lMap.get(lEl), undefined))
        li++
        continue
      }
      if (merged.has(lEl)) li++
    }
    if (rEl !== undefined) {
      merged.add(rEl)
      push(mergeOne(lMap.get(rEl), rMap.get(rEl)))
      ri++
      if (nextShared === rEl) nextShared = shared.shift()
    }
  }
  return out
}

/** `value` without the members of `set` (fields, map entries, list items). */
export const removeItems = (schema: Schema, value: Json, set: FieldSet, shape: Shape): Json => {
  const c = concrete(shape, value)
  if (c._tag === "list" && Array.isArray(value)) {
    const items = indexItems(c.keys, value)
    if (items === undefined) return value
    const out: Array<Json> = []
    for (const [element, item] of items) {
      const child = set.children.get(element)
      if (child === undefined) out.push(item)
      else if (!child.member) out.push(removeItems(schema, item, child, c.item))
    }
    return out
  }
  if ((c._tag === "struct" || c._tag === "map") && isObject(value)) {
    const out: JsonObject = { ...value }
    for (const [element, child] of set.children) {
      if (!element.startsWith("f:")) continue
      const key = element.slice(2)
      const current = out[key]
      if (current === undefined) continue
      if (child.member) delete out[key]
      else out[key] = removeItems(schema, current, child, schema.field(c, key))
    }
    return out
  }
  return value
}

/**
 * A value as the apiserver stores a built-in kind: the empty lists and maps of optional fields left
 * out (Go's `omitempty`); empty structs stay (`securityContext: {}`), as do required lists.
 */
export const omitEmpty = (schema: Schema, value: Json, shape: Shape): Json => {
  const c = concrete(shape, value)
  if (c._tag === "list" && Array.isArray(value)) return value.map((item) => omitEmpty(schema, item, c.item))
  if ((c._tag === "struct" || c._tag === "map") && isObject(value)) {
    const out: JsonObject = {}
    for (const [key, child] of Object.entries(value)) {
      const childShape = schema.field(c, key)
      // null is Go's zero: a field left out (Go's null creation time of a template aside).
      if (child === null && c._tag === "struct" && key !== "creationTimestamp") continue
      const empty = (Array.isArray(child) && child.length === 0) || isEmptyObject(child)
      if (empty && c._tag === "struct" && !schema.required(c, key) && !schema.holdsStruct(c, key)) continue
      out[key] = omitEmpty(schema, child, childShape)
    }
    return out
  }
  return value
}
