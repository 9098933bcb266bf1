/**
 * A registry of kinds by `apiVersion` + `kind`: the built-in models, plus custom kinds registered
 * by the user, made from `CustomResourceDefinition` objects, or loaded from a cluster (`Discovery`),
 * as lightkube's `load_in_cluster_generic_resources`. The built-in kinds are `Builtin.registry`.
 *
 * @since 0.1.0
 */
import { Data, type Either, Option, type ParseResult, Schema } from "effect"
import { dual } from "effect/Function"
import type { CustomResourceDefinition } from "../models/apiextensions/v1.js"
import * as Resource from "../resource/Resource.js"
import { crdKinds } from "./internal/crd.js"

/**
 * An object's kind is not known: not in the registry given, not a built-in kind, and not served by
 * the cluster (kubectl's `no matches for kind`).
 *
 * @example
 * ```ts
 * import { Registry } from "effect-kube"
 *
 * const error = new Registry.UnknownKind({ apiVersion: "example.com/v1", kind: "Widget" })
 * error.message // 'no kind "Widget" in "example.com/v1": not a built-in kind, not registered, not served by the cluster'
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownKind extends Data.TaggedError("UnknownKind")<{
  readonly apiVersion: string
  readonly kind: string
}> {
  override get message(): string {
    return `no kind ${JSON.stringify(this.kind)} in ${JSON.stringify(this.apiVersion)}: not a built-in kind, not registered, not served by the cluster`
  }
}

/**
 * A kind in the registry, with its types erased: what it is, and how to decode and encode it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Entry {
  readonly info: Resource.ResourceInfo
  /** Full validation of an object of this kind (unknown fields kept). */
  readonly decode: (input: unknown) => Either.Either<Resource.KubeObject, ParseResult.ParseError>
  /** The JSON form of an object of this kind. */
  readonly encode: (object: unknown) => Either.Either<unknown, ParseResult.ParseError>
  /** The same kind as a generic resource, to use with the verbs when the type is not known statically. */
  readonly generic: Resource.Resource<Resource.GenericObject, boolean, string>
}

/**
 * The entry of a resource kind.
 *
 * @example
 * ```ts
 * import { Registry, Resource } from "effect-kube"
 *
 * const Widget = Resource.namespaced({ group: "example.com", version: "v1", kind: "Widget", plural: "widgets" })
 * const entry = Registry.entry(Widget)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const entry = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>
): Entry => {
  const decode = Schema.decodeUnknownEither(resource.schema)
  const encode = Schema.encodeUnknownEither(resource.schema)
  return {
    info: resource,
    decode,
    encode,
    generic: Resource.generic(resource)
  }
}

/**
 * Kinds by `apiVersion` and `kind`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Registry {
  readonly entries: ReadonlyMap<string, Entry>
}

const keyOf = (apiVersion: string, kind: string) => `${apiVersion}|${kind}`

/**
 * A registry of the given entries (a later entry for the same kind replaces an earlier one).
 *
 * @example
 * ```ts
 * import { Registry, Resource } from "effect-kube"
 *
 * const Widget = Resource.namespaced({ group: "example.com", version: "v1", kind: "Widget", plural: "widgets" })
 * const registry = Registry.make([Registry.entry(Widget)])
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (entries: Iterable<Entry>): Registry => {
  const map = new Map<string, Entry>()
  for (const e of entries) map.set(keyOf(e.info.apiVersion, e.info.kind), e)
  return { entries: map }
}

/**
 * The empty registry.
 *
 * @example
 * ```ts
 * import { Registry } from "effect-kube"
 *
 * Registry.empty.entries.size // 0
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: Registry = make([])

/**
 * Looks a kind up.
 *
 * @example
 * ```ts
 * import { Registry } from "effect-kube"
 *
 * Registry.get(Registry.empty, "v1", "Pod") // Option.none()
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const get: {
  (apiVersion: string, kind: string): (self: Registry) => Option.Option<Entry>
  (self: Registry, apiVersion: string, kind: string): Option.Option<Entry>
} = dual(3, (self: Registry, apiVersion: string, kind: string) =>
  Option.fromNullable(self.entries.get(keyOf(apiVersion, kind)))
)

/**
 * Adds kinds (resources or entries) to a registry.
 *
 * @example
 * ```ts
 * import { pipe } from "effect"
 * import { Registry, Resource } from "effect-kube"
 *
 * const Widget = Resource.namespaced({ group: "example.com", version: "v1", kind: "Widget", plural: "widgets" })
 * const registry = pipe(Registry.empty, Registry.add([Registry.entry(Widget)]))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const add: {
  (entries: Iterable<Entry>): (self: Registry) => Registry
  (self: Registry, entries: Iterable<Entry>): Registry
} = dual(2, (self: Registry, entries: Iterable<Entry>) => make([...self.entries.values(), ...entries]))

/**
 * The generic kinds a `CustomResourceDefinition` defines: one per served version, with the status
 * and scale sub-resources it enables.
 *
 * @example
 * ```ts
 * import { Registry } from "effect-kube"
 * import type { CustomResourceDefinition } from "effect-kube/models/apiextensions/v1"
 *
 * declare const crd: CustomResourceDefinition
 * const entries = Registry.fromCustomResourceDefinition(crd)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromCustomResourceDefinition = (crd: CustomResourceDefinition): ReadonlyArray<Entry> =>
  crdKinds(crd).map(entry)
