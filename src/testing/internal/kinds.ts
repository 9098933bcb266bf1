/**
 * The kinds the server serves, by group, version and plural (the path names them so).
 *
 * @internal
 */
import type * as Registry from "../../kinds/Registry.js"
import type { ResourceInfo } from "../../resource/Resource.js"

export class Kinds {
  private readonly byPath = new Map<string, ResourceInfo>()

  register(entries: ReadonlyArray<Registry.Entry>) {
    for (const e of entries) this.byPath.set(`${e.info.group}/${e.info.version}/${e.info.plural}`, e.info)
  }

  get(group: string, version: string, plural: string): ResourceInfo | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`)
  }

  has(group: string, version: string, plural: string): boolean {
    return this.byPath.has(`${group}/${version}/${plural}`)
  }

  /** A kind the server cannot do without (namespaces); throws when it is not served. */
  require(group: string, version: string, plural: string): ResourceInfo {
    const info = this.get(group, version, plural)
    if (info === undefined) throw new Error(`unknown kind ${group}/${version}/${plural}`)
    return info
  }

  /** The kind of a manifest's `apiVersion` and `kind`. */
  find(apiVersion: string, kind: string): ResourceInfo | undefined {
    for (const info of this.byPath.values())
      if (info.apiVersion === apiVersion && info.kind === kind) return info
    return undefined
  }

  all(): Iterable<ResourceInfo> {
    return this.byPath.values()
  }
}

/** The kind of the namespaces (which are objects too). */
export const namespaces = (kinds: Kinds): ResourceInfo => kinds.require("", "v1", "namespaces")
