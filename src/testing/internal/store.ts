/**
 * The objects of the cluster by key, the resourceVersion counter, and the history of changes kept
 * for watches that resume from a version (older versions are compacted: 410 Gone).
 *
 * @internal
 */
import type { ResourceInfo } from "../../resource/Resource.js"
import { type Kinds, namespaces } from "./kinds.js"
import type { JsonObject } from "./patch.js"

/** A stored object and its kind. */
export interface Stored {
  readonly info: ResourceInfo
  object: JsonObject
}

/** A change, as watches see it. */
export interface Event {
  readonly rv: number
  readonly resource: string
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

export class Store {
  private readonly objects = new Map<string, Stored>()
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
    this.objects.set(key, stored)
  }

  delete(key: string) {
    this.objects.delete(key)
  }

  entries(): IterableIterator<[string, Stored]> {
    return this.objects.entries()
  }

  values(): IterableIterator<Stored> {
    return this.objects.values()
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
    return this.history.filter((event) => event.rv > rv)
  }

  /**
   * Records a change at the current version (the history keeps the last `historyWindow`) and tells
   * the listeners; `previous` is the object before the change.
   */
  record(type: Event["type"], info: ResourceInfo, object: JsonObject, previous?: JsonObject) {
    const event: Event = { rv: this.rv, resource: resourceKey(info), type, object, previous }
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
