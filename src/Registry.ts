/**
 * A registry of kinds by `apiVersion` + `kind`: the built-in models, plus custom kinds registered
 * by the user, made from `CustomResourceDefinition` objects, or loaded from a cluster (its CRDs and,
 * optionally, its discovery documents), as lightkube's `load_in_cluster_generic_resources`.
 *
 * @since 0.1.0
 */
import { HttpClient, type HttpClientError } from "@effect/platform"
import { Effect, Either, Option, type ParseResult, Schema } from "effect"
import { dual } from "effect/Function"
import * as ApiError from "./ApiError.js"
import * as InvalidRequest from "./InvalidRequest.js"
import { isRecord } from "./internal/json.js"
import type { CustomResourceDefinition } from "./models/apiextensions/v1.js"
import * as Resource from "./Resource.js"

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
    generic: Resource.make({
      group: resource.group,
      version: resource.version,
      kind: resource.kind,
      listKind: resource.listKind,
      plural: resource.plural,
      namespaced: resource.namespaced,
      verbs: resource.verbs,
      subresources: resource.subresources,
      schema: Resource.GenericObject
    })
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
 * Every built-in kind of the generated models. Loaded on first use (it imports every model module).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Registry } from "effect-kube"
 *
 * const pod = Effect.map(Registry.builtin, (r) => Registry.get(r, "v1", "Pod"))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const builtin: Effect.Effect<Registry> = Effect.cached(
  Effect.promise(() => import("./models/all.js")).pipe(Effect.map((m) => make(m.entries)))
).pipe(Effect.runSync)

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
 * import { Registry, Resource } from "effect-kube"
 *
 * const Widget = Resource.namespaced({ group: "example.com", version: "v1", kind: "Widget", plural: "widgets" })
 * const registry = Registry.empty.pipe(Registry.add([Registry.entry(Widget)]))
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
  crd.spec.versions
    .filter((v) => v.served)
    .map((v) => {
      const subresources: Array<"status" | "scale"> = []
      if (v.subresources?.status !== undefined) subresources.push("status")
      if (v.subresources?.scale !== undefined) subresources.push("scale")
      const kind = {
        group: crd.spec.group,
        version: v.name,
        kind: crd.spec.names.kind,
        plural: crd.spec.names.plural,
        listKind: crd.spec.names.listKind ?? `${crd.spec.names.kind}List`,
        subresources
      }
      return entry(crd.spec.scope === "Namespaced" ? Resource.namespaced(kind) : Resource.global(kind))
    })

/**
 * A request of the registry to the cluster failed.
 *
 * @since 0.1.0
 * @category errors
 */
export type LoadError = ApiError.ApiError | HttpClientError.HttpClientError | ParseResult.ParseError

const getJson = (path: string) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const response = yield* http.get(path)
    if (response.status >= 400) return yield* ApiError.fromResponse(response)
    return yield* response.json
  })

/** `/api/v1` or `/apis/<group>/<version>`, when both are path segments. */
const discoveryPath = (groupVersion: string): string | undefined => {
  if (groupVersion === "v1") return "/api/v1"
  const parts = groupVersion.split("/")
  if (parts.length !== 2) return undefined
  const [group = "", version = ""] = parts
  if (Either.isLeft(InvalidRequest.checkSegment("group", group))) return undefined
  if (Either.isLeft(InvalidRequest.checkSegment("version", version))) return undefined
  return `/apis/${encodeURIComponent(group)}/${encodeURIComponent(version)}`
}

const CrdItems = Schema.Struct({ items: Schema.Array(Schema.Unknown) })

/**
 * The kinds of every `CustomResourceDefinition` of the cluster.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Registry } from "effect-kube"
 *
 * const registry = Effect.gen(function* () {
 *   const builtin = yield* Registry.builtin
 *   return Registry.add(builtin, yield* Registry.loadCustomResources)
 * })
 * ```
 *
 * @since 0.1.0
 * @category cluster
 */
export const loadCustomResources: Effect.Effect<
  ReadonlyArray<Entry>,
  LoadError,
  HttpClient.HttpClient
> = Effect.gen(function* () {
  const { CustomResourceDefinition } = yield* Effect.promise(() => import("./models/apiextensions/v1.js"))
  const list = yield* getJson("/apis/apiextensions.k8s.io/v1/customresourcedefinitions").pipe(
    Effect.flatMap(Schema.decodeUnknown(CrdItems))
  )
  const out: Array<Entry> = []
  for (const item of list.items) {
    const crd = yield* Either.match(Resource.decodeTrusted(CustomResourceDefinition, item), {
      onLeft: Effect.fail,
      onRight: Effect.succeed
    })
    out.push(...fromCustomResourceDefinition(crd))
  }
  return out
})

/**
 * The kinds the cluster's discovery documents list (`/api/v1`, `/apis/<group>/<version>` for every
 * group version), as generic kinds: aggregated APIs and CRDs included.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Registry } from "effect-kube"
 *
 * const everything = Effect.map(Registry.loadDiscovery, Registry.make)
 * ```
 *
 * @since 0.1.0
 * @category cluster
 */
export const loadDiscovery: Effect.Effect<
  ReadonlyArray<Entry>,
  LoadError,
  HttpClient.HttpClient
> = Effect.gen(function* () {
  const groups = yield* getJson("/apis")
  const versions: Array<string> = ["v1"]
  if (isRecord(groups) && Array.isArray(groups.groups)) {
    for (const g of groups.groups) {
      if (!isRecord(g) || !Array.isArray(g.versions)) continue
      for (const v of g.versions)
        if (isRecord(v) && typeof v.groupVersion === "string") versions.push(v.groupVersion)
    }
  }
  const lists = yield* Effect.forEach(
    // A group version the server named that is not `<group>/<version>` of path segments is skipped.
    versions.flatMap((gv) => {
      const path = discoveryPath(gv)
      return path === undefined ? [] : [[gv, path] as const]
    }),
    ([gv, path]) => getJson(path).pipe(Effect.map((doc) => [gv, doc] as const)),
    { concurrency: 4 }
  )
  const out: Array<Entry> = []
  for (const [gv, doc] of lists) {
    if (!isRecord(doc) || !Array.isArray(doc.resources)) continue
    const [group, version] = gv.includes("/") ? gv.split("/") : ["", gv]
    const subs = new Map<string, Array<string>>()
    for (const r of doc.resources) {
      if (!isRecord(r) || typeof r.name !== "string" || !r.name.includes("/")) continue
      const [parent, sub] = r.name.split("/")
      if (parent !== undefined && sub !== undefined) subs.set(parent, [...(subs.get(parent) ?? []), sub])
    }
    for (const r of doc.resources) {
      if (!isRecord(r) || typeof r.name !== "string" || r.name.includes("/") || typeof r.kind !== "string")
        continue
      const verbs = Array.isArray(r.verbs) ? r.verbs.filter(Resource.isVerb) : []
      const subresources = (subs.get(r.name) ?? []).filter(
        (s): s is "status" | "scale" => s === "status" || s === "scale"
      )
      const kind = {
        group: group ?? "",
        version: version ?? "",
        kind: r.kind,
        plural: r.name,
        verbs,
        subresources
      }
      out.push(entry(r.namespaced === true ? Resource.namespaced(kind) : Resource.global(kind)))
    }
  }
  return out
})
