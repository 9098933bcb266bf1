/**
 * The objects of the cluster by key, the resourceVersion counter, and the history of changes kept
 * for watches that resume from a version (older versions are compacted: 410 Gone).
 *
 * @internal
 */
import type { ResourceInfo } from "../../resource/Resource.js"
import { type Kinds, namespaces } from "./kinds.js"
import { isObject, type JsonObject } from "./patch.js"

/** A stored object and its kind. */
export interface Stored {
  readonly info: ResourceInfo
  object: JsonObject
}

/** A change, as watches see it. */
export interface Event {
  readonly rv: number
  readonly resource: string
  readonly info: ResourceInfo
  /** The changed object's key. */
  readonly key: string
  readonly type: "ADDED" | "MODIFIED" | "DELETED"
  readonly object: JsonObject
  /** The object before the change (MODIFIED and DELETED): a watch with selectors needs both. */
  readonly previous: JsonObject | undefined
}

/** The key of a kind's objects (every version of a kind shares them). */
export const resourceKey = (info: ResourceInfo) => `${info.group}/${info.plural}`

/** The key of one object: objects sort by it (lists and continue tokens follow that order). */
export const objectKey = (info: ResourceInfo, namespace: string | undefined, name: string) =>
  `${resourceKey(info)}/${namespace ?? ""}/${name}`

/** The index of the first of the sorted `keys` not before `key` (binary search). */
const lowerBound = (keys: ReadonlyArray<string>, key: string): number => {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((keys[mid] ?? "") < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The index of the first of the sorted `keys` after `key`. */
const upperBound = (keys: ReadonlyArray<string>, key: string): number => {
  const i = lowerBound(keys, key)
  return keys[i] === key ? i + 1 : i
}

/** A key if it starts with `prefix`. */
const inRange = (key: string | undefined, prefix: string): string | undefined =>
  key?.startsWith(prefix) ? key : undefined

/** The first of two keys in order (either may be missing). */
const first = (a: string | undefined, b: string | undefined): string | undefined => {
  if (a === undefined) return b
  if (b === undefined) return a
  return b < a ? b : a
}

export class Store {
  private readonly objects = new Map<string, Stored>()
  /** Each kind's keys in order (a page of a list reads its keys from here: O(page), not O(objects)). */
  private readonly sorted = new Map<string, Array<string>>()
  private readonly history: Array<Event> = []
  private readonly listeners: Array<(event: Event) => void> = []
  private rv = 1000
  private compacted = 0

  constructor(private readonly historyWindow: number) {}

  get(key: string): Stored | undefined {
    return this.objects.get(key)
  }

  has(key: string): boolean {
    return this.objects.has(key)
  }

  set(key: string, stored: Stored) {
    if (!this.objects.has(key)) {
      const keys = this.keysOf(resourceKey(stored.info))
      keys.splice(lowerBound(keys, key), 0, key)
    }
    this.objects.set(key, stored)
  }

  delete(key: string) {
    const stored = this.objects.get(key)
    if (stored === undefined) return
    this.objects.delete(key)
    const keys = this.keysOf(resourceKey(stored.info))
    const i = lowerBound(keys, key)
    if (keys[i] === key) keys.splice(i, 1)
  }

  /**
   * Removes a stored object for good: the object as it went (at the next version) is recorded as
   * DELETED and returned.
   */
  remove(key: string, stored: Stored): JsonObject {
    this.delete(key)
    const m = isObject(stored.object.metadata) ? stored.object.metadata : {}
    const gone = { ...stored.object, metadata: { ...m, resourceVersion: String(this.nextVersion()) } }
    this.record("DELETED", stored.info, gone, stored.object)
    return gone
  }

  values(): IterableIterator<Stored> {
    return this.objects.values()
  }

  private keysOf(resource: string): Array<string> {
    let keys = this.sorted.get(resource)
    if (keys === undefined) {
      keys = []
      this.sorted.set(resource, keys)
    }
    return keys
  }

  /**
   * How many objects of a kind whose keys start with `prefix` come after the key `after`, now or
   * at version `at` (a list's `remainingItemCount`): O(log n + changes since `at`).
   */
  countAfter(resource: string, prefix: string, after: string, at?: number): number {
    const keys = this.sorted.get(resource) ?? []
    const from = after < prefix ? lowerBound(keys, prefix) : upperBound(keys, after)
    let count = Math.max(0, lowerBound(keys, `${prefix}\uffff`) - from)
    if (at !== undefined) {
      const seen = new Set<string>()
      for (const event of this.eventsAfter(at)) {
        if (event.resource !== resource || seen.has(event.key)) continue
        if (!event.key.startsWith(prefix) || event.key <= after) continue
        seen.add(event.key)
        // The first change since `at`: an ADDED object was not there then.
        count += (event.type !== "ADDED" ? 1 : 0) - (this.objects.has(event.key) ? 1 : 0)
      }
    }
    return count
  }

  /**
   * The objects of a kind whose keys start with `prefix`, after the key `after` (all when ""), in
   * key order, as they are now or, given `at`, as they were at version `at` (the history's
   * changes since then undone: a list's later pages are read at the version of its first).
   */
  *scan(resource: string, prefix: string, after: string, at?: number): Generator<[string, Stored]> {
    const keys = this.sorted.get(resource) ?? []
    // The state at `at` of the keys changed since: the object before the first change, or none.
    const then = new Map<string, Stored | undefined>()
    if (at !== undefined) {
      for (const event of this.eventsAfter(at)) {
        if (event.resource !== resource || then.has(event.key) || !event.key.startsWith(prefix)) continue
        const before = event.type === "ADDED" ? undefined : event.previous
        then.set(event.key, before === undefined ? undefined : { info: event.info, object: before })
      }
    }
    const changed = [...then.keys()].sort()
    const start = after === "" || after < prefix ? prefix : after
    let i = after === "" || after < prefix ? lowerBound(keys, start) : upperBound(keys, start)
    let j = after === "" || after < prefix ? lowerBound(changed, start) : upperBound(changed, start)
    while (true) {
      const current = keys[i]
      const past = changed[j]
      const next = first(inRange(current, prefix), inRange(past, prefix))
      if (next === undefined) return
      if (next === current) i++
      if (next === past) j++
      const stored = then.has(next) ? then.get(next) : this.objects.get(next)
      if (stored !== undefined) yield [next, stored]
    }
  }

  /** The current resourceVersion. */
  get version(): number {
    return this.rv
  }

  /** Takes the next resourceVersion. */
  nextVersion(): number {
    return ++this.rv
  }

  /** The oldest version the history still holds: watches and continue tokens from before get 410. */
  get compactedBelow(): number {
    return this.compacted
  }

  /** The changes after a version, oldest first. */
  eventsAfter(rv: number): ReadonlyArray<Event> {
    let lo = 0
    let hi = this.history.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.history[mid]?.rv ?? 0) <= rv) lo = mid + 1
      else hi = mid
    }
    return this.history.slice(lo)
  }

  /**
   * Records a change at the current version (the history keeps the last `historyWindow`) and tells
   * the listeners; `previous` is the object before the change.
   */
  record(type: Event["type"], info: ResourceInfo, object: JsonObject, previous?: JsonObject) {
    const m = object.metadata
    const namespace =
      info.namespaced && isObject(m) && typeof m.namespace === "string" ? m.namespace : undefined
    const name = isObject(m) && typeof m.name === "string" ? m.name : ""
    const key = objectKey(info, namespace, name)
    const event: Event = { rv: this.rv, resource: resourceKey(info), info, key, type, object, previous }
    this.history.push(event)
    while (this.history.length > this.historyWindow) {
      const dropped = this.history.shift()
      if (dropped !== undefined) this.compacted = dropped.rv + 1
    }
    for (const listener of this.listeners) listener(event)
  }

  /** Calls `listener` with every change recorded from now on. */
  listen(listener: (event: Event) => void) {
    this.listeners.push(listener)
  }

  /** Forgets the history. */
  compact() {
    this.compacted = this.rv + 1
    this.history.length = 0
  }
}

/** Whether a namespace is stored. */
export const hasNamespace = (store: Store, kinds: Kinds, name: string): boolean =>
  store.has(objectKey(namespaces(kinds), undefined, name))
