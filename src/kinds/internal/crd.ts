/**
 * The kinds a CustomResourceDefinition defines, read from its JSON (no model needed): what
 * `Registry.fromCustomResourceDefinition` makes its entries of, how `Client.applyAll` knows the
 * custom resources of a CRD applied in the same batch before the cluster's discovery serves them,
 * and how the in-memory cluster starts serving a CRD's kinds.
 *
 * @internal
 */
import { isRecord } from "../../internal/json.js"
import * as Resource from "../../resource/Resource.js"

const SUBRESOURCES: ReadonlyArray<"status" | "scale"> = ["status", "scale"]

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined

/**
 * The served kinds (one per served version) of an `apiextensions.k8s.io/v1`
 * CustomResourceDefinition, read from its JSON, with the status and scale sub-resources it enables
 * (nothing for another object, or one without the fields that address its kinds).
 */
export const crdKinds = (
  object: unknown
): ReadonlyArray<Resource.Resource<Resource.GenericObject, boolean, "status" | "scale">> => {
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
  const listKind = text(spec.names.listKind) ?? `${kind}List`
  const out: Array<Resource.Resource<Resource.GenericObject, boolean, "status" | "scale">> = []
  for (const v of spec.versions) {
    const version = isRecord(v) && v.served === true ? text(v.name) : undefined
    if (version === undefined) continue
    const enabled = isRecord(v) && isRecord(v.subresources) ? v.subresources : {}
    const subresources = SUBRESOURCES.filter((name) => enabled[name] !== undefined)
    const scale = enabled.scale
    const paths =
      isRecord(scale) &&
      typeof scale.specReplicasPath === "string" &&
      typeof scale.statusReplicasPath === "string"
        ? {
            specReplicasPath: scale.specReplicasPath,
            statusReplicasPath: scale.statusReplicasPath,
            ...(typeof scale.labelSelectorPath === "string"
              ? { labelSelectorPath: scale.labelSelectorPath }
              : {})
          }
        : undefined
    const definition = {
      group,
      version,
      kind,
      plural,
      listKind,
      subresources,
      ...(paths !== undefined ? { scale: paths } : {})
    }
    out.push(spec.scope === "Namespaced" ? Resource.namespaced(definition) : Resource.global(definition))
  }
  return out
}
