/**
 * The kinds a CustomResourceDefinition defines, read from its JSON (no model needed): how
 * `Client.applyAll` knows the custom resources of a CRD applied in the same batch before the
 * cluster's discovery serves them, and how the in-memory cluster starts serving a CRD's kinds.
 *
 * @internal
 */
import { isRecord } from "../../internal/json.js"
import * as Resource from "../../resource/Resource.js"
import * as Registry from "../Registry.js"

const SUBRESOURCES: ReadonlyArray<"status" | "scale"> = ["status", "scale"]

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined

/**
 * The served kinds of an `apiextensions.k8s.io/v1` CustomResourceDefinition, read from its JSON
 * (nothing for another object, or one without the fields that address its kinds).
 */
export const crdEntries = (object: unknown): ReadonlyArray<Registry.Entry> => {
  if (
    !isRecord(object) ||
    object.apiVersion !== "apiextensions.k8s.io/v1" ||
    object.kind !== "CustomResourceDefinition"
  )
    return []
  const spec = object.spec
  if (!isRecord(spec) || !isRecord(spec.names) || !Array.isArray(spec.versions)) return []
  const group = text(spec.group)
  const kind = text(spec.names.kind)
  const plural = text(spec.names.plural)
  if (group === undefined || kind === undefined || plural === undefined) return []
  const out: Array<Registry.Entry> = []
  for (const v of spec.versions) {
    const version = isRecord(v) && v.served !== false ? text(v.name) : undefined
    if (version === undefined) continue
    const enabled = isRecord(v) && isRecord(v.subresources) ? v.subresources : {}
    const subresources = SUBRESOURCES.filter((name) => enabled[name] !== undefined)
    const definition = { group, version, kind, plural, subresources }
    out.push(
      Registry.entry(spec.scope === "Cluster" ? Resource.global(definition) : Resource.namespaced(definition))
    )
  }
  return out
}
