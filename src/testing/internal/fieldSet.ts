/**
 * Sets of field paths, as structured-merge-diff keeps them for server-side apply: a tree whose
 * edges are path elements (`f:<field>`, `k:<keys as JSON>` for an item of a list-map list,
 * `v:<value as JSON>` for an item of a set), each node a member of the set or not; written as
 * `managedFields[].fieldsV1` (a member with children gets a `"."` key).
 *
 * @internal
 */
import { isObject, type Json, type JsonObject } from "./patch.js"

export class FieldSet {
  member = false
  readonly children = new Map<string, FieldSet>()

  /** Adds a path (its last element becomes a member). */
  insert(path: ReadonlyArray<string>): void {
    let at: FieldSet = this
    for (const element of path) {
      let next = at.children.get(element)
      if (next === undefined) {
        next = new FieldSet()
        at.children.set(element, next)
      }
      at = next
    }
    at.member = true
  }

  has(path: ReadonlyArray<string>): boolean {
    let at: FieldSet | undefined = this
    for (const element of path) {
      at = at.children.get(element)
      if (at === undefined) return false
    }
    return at.member
  }

  /** Whether a member lies at or below `path`. */
  ownsWithin(path: ReadonlyArray<string>): boolean {
    let at: FieldSet | undefined = this
    for (const element of path) {
      at = at.children.get(element)
      if (at === undefined) return false
    }
    return !at.isEmpty()
  }

  isEmpty(): boolean {
    if (this.member) return false
    for (const child of this.children.values()) if (!child.isEmpty()) return false
    return true
  }

  /** Every member path. */
  paths(): Array<ReadonlyArray<string>> {
    const out: Array<ReadonlyArray<string>> = []
    // Iterative: an object of 100,000 keys is no deeper, but a spread of that many arguments fails.
    const stack: Array<readonly [FieldSet, ReadonlyArray<string>]> = [[this, []]]
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      const [set, prefix] = next
      if (set.member) out.push(prefix)
      for (const [element, child] of set.children) stack.push([child, [...prefix, element]])
    }
    return out
  }

  union(other: FieldSet): FieldSet {
    const out = this.copy()
    for (const path of other.paths()) out.insert(path)
    return out
  }

  /** The members of this set that are not members of `other` (children kept). */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet()
    for (const path of this.paths()) if (!other.has(path)) out.insert(path)
    return out
  }

  /** The members of this set that are not members of `other` nor below one of its members. */
  recursiveDifference(other: FieldSet): FieldSet {
    const out = new FieldSet()
    for (const path of this.paths()) {
      if (!path.some((_, i) => other.has(path.slice(0, i + 1)))) out.insert(path)
    }
    return out
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet()
    for (const path of this.paths()) if (other.has(path)) out.insert(path)
    return out
  }

  copy(): FieldSet {
    const out = new FieldSet()
    for (const path of this.paths()) out.insert(path)
    return out
  }

  /** `fieldsV1`: the children by element (sorted), `"."` for a member with children. */
  toJson(): JsonObject {
    const out: JsonObject = {}
    const elements = [...this.children.keys()].sort()
    for (const element of elements) {
      const child = this.children.get(element)
      if (child === undefined || child.isEmpty()) continue
      const inner = child.toJson()
      out[element] = child.member && Object.keys(inner).length > 0 ? { ".": {}, ...inner } : inner
    }
    return out
  }

  static fromJson(json: Json | undefined): FieldSet {
    const out = new FieldSet()
    const walk = (value: Json | undefined, prefix: ReadonlyArray<string>) => {
      if (!isObject(value)) return
      const keys = Object.keys(value)
      if (prefix.length > 0 && (keys.length === 0 || keys.includes("."))) out.insert(prefix)
      for (const key of keys) if (key !== ".") walk(value[key], [...prefix, key])
    }
    walk(json, [])
    return out
  }
}

/** A path as the apiserver writes it in conflicts: `.spec.template.spec.containers[name="web"].image`. */
export const showPath = (path: ReadonlyArray<string>): string =>
  path
    .map((element) => {
      const body = element.slice(2)
      if (element.startsWith("f:")) return `.${body}`
      if (element.startsWith("k:")) {
        let keys: Json = null
        try {
          keys = JSON.parse(body)
        } catch {
          return `[${body}]`
        }
        return isObject(keys)
          ? `[${Object.entries(keys)
              .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
              .join(",")}]`
          : `[${body}]`
      }
      if (element.startsWith("v:")) return `[=${body}]`
      return `[${body}]`
    })
    .join("")
