/**
 * The kinds the server serves, by group, version and plural (the path names them so).
 *
 * @internal
 */
import type * as Registry from "../../kinds/Registry.js"
import type { ResourceInfo } from "../../resource/Resource.js"
import type { Structural } from "./structural.js"

export class Kinds {
  private readonly byPath = new Map<string, ResourceInfo>()

  private readonly decoders = new Map<string, Registry.Entry["decode"]>()

  /** The structural schemas of custom kinds (from their CRDs), by group, version and plural. */
  private readonly schemas = new Map<string, Structural>()

  /** Keeps the structural schema of a custom kind's version (a CRD written). */
  setSchema(group: string, version: string, plural: string, schema: Structural) {
    this.schemas.set(`${group}/${version}/${plural}`, schema)
  }

  /** Stops serving a custom kind (every version): its CRD is gone. */
  unregister(group: string, plural: string) {
    for (const key of [...this.byPath.keys()])
      if (key.startsWith(`${group}/`) && key.endsWith(`/${plural}`)) {
        this.byPath.delete(key)
        this.decoders.delete(key)
      }
  }

  /** Forgets the schemas of a custom kind's versions (its CRD deleted or written again). */
  dropSchemas(group: string, plural: string) {
    for (const key of [...this.schemas.keys()])
      if (key.startsWith(`${group}/`) && key.endsWith(`/${plural}`)) this.schemas.delete(key)
  }

  /** The structural schema of a custom kind, when its CRD gave one. */
  schema(info: ResourceInfo): Structural | undefined {
    return this.schemas.get(`${info.group}/${info.version}/${info.plural}`)
  }

  register(entries: ReadonlyArray<Registry.Entry>) {
    for (const e of entries) {
      const key = `${e.info.group}/${e.info.version}/${e.info.plural}`
      this.byPath.set(key, e.info)
      this.decoders.set(key, e.decode)
    }
  }

  /** The full check of an object of a kind (its Schema), when the kind has one. */
  decoder(info: ResourceInfo): Registry.Entry["decode"] | undefined {
    return this.decoders.get(`${info.group}/${info.version}/${info.plural}`)
  }

  get(group: string, version: string, plural: string): ResourceInfo | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`)
  }

  /** A kind as served now (a stored object keeps the kind it was written as). */
  current(info: ResourceInfo): ResourceInfo {
    return this.get(info.group, info.version, info.plural) ?? info
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
