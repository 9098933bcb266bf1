/**
 * What the cluster serves, as registry entries: the kinds of its `CustomResourceDefinition`s, or
 * every kind its discovery documents list (lightkube's `load_in_cluster_generic_resources`).
 *
 * @since 0.1.0
 */
import { type HttpClient, type HttpClientError, HttpClientRequest } from "@effect/platform"
import { Effect, Either, Option, type ParseResult, Schema } from "effect"
import type * as ApiError from "../http/ApiError.js"
import { loadOnce } from "../internal/loadOnce.js"
import * as Registry from "../kinds/Registry.js"
import * as Meta from "../models/meta/v1.js"
import type { InvalidRequest } from "../resource/InvalidRequest.js"
import * as Resource from "../resource/Resource.js"
import * as ApiRequest from "./ApiRequest.js"
import { jsonAs } from "./internal/answer.js"
import { operation } from "./internal/operation.js"

/**
 * A discovery request to the cluster failed.
 *
 * @since 0.1.0
 * @category errors
 */
export type LoadError = ApiError.ApiError | HttpClientError.HttpClientError | ParseResult.ParseError

/** A discovery document, read in its own operation span. */
const getJson = (path: string, verb: "get" | "list" = "get") =>
  jsonAs(verb, HttpClientRequest.get(path)).pipe(operation("Discovery.get", verb, { "url.path": path }))

// The discovery documents, read with the generated Schemas; an entry that is not what they say is
// skipped (one bad entry of an aggregated API does not hide the others).
// Only the fields used are required, each entry on its own.
const decodeGroups = Schema.decodeUnknownOption(Schema.Struct({ groups: Schema.Array(Schema.Unknown) }))
const decodeGroup = Schema.decodeUnknownOption(Schema.Struct({ versions: Schema.Array(Schema.Unknown) }))
const decodeGroupVersion = Schema.decodeUnknownOption(
  Meta.GroupVersionForDiscovery.pipe(Schema.pick("groupVersion"))
)
const decodeResources = Schema.decodeUnknownOption(Schema.Struct({ resources: Schema.Array(Schema.Unknown) }))
/** A sub-resource entry (`pods/status`) counts by its name alone. */
const decodeName = Schema.decodeUnknownOption(Meta.APIResource.pipe(Schema.pick("name")))
const decodeResource = Schema.decodeUnknownOption(
  Schema.extend(
    Meta.APIResource.pipe(Schema.pick("name", "kind", "namespaced")),
    // No verbs (or null): none known.
    Schema.Struct({ verbs: Schema.optionalWith(Schema.NullOr(Schema.Array(Schema.String)), { exact: true }) })
  )
)
const someOf = <A>(options: ReadonlyArray<Option.Option<A>>): ReadonlyArray<A> =>
  options.flatMap((o) => (Option.isSome(o) ? [o.value] : []))

const CrdItems = Schema.Struct({ items: Schema.Array(Schema.Unknown) })

/** The CustomResourceDefinition model, loaded on first use. */
const crdModel = /* @__PURE__ */ loadOnce(() =>
  import("../models/apiextensions/v1.js").then((m) => m.CustomResourceDefinition)
)

/**
 * The kinds of every `CustomResourceDefinition` of the cluster.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Builtin, Discovery, Registry } from "effect-kube"
 *
 * const registry = Effect.gen(function* () {
 *   const builtin = yield* Builtin.registry
 *   return Registry.add(builtin, yield* Discovery.customResources)
 * })
 * ```
 *
 * @since 0.1.0
 * @category cluster
 */
export const customResources: Effect.Effect<
  ReadonlyArray<Registry.Entry>,
  LoadError,
  HttpClient.HttpClient
> = /* @__PURE__ */ Effect.gen(function* () {
  const CustomResourceDefinition = yield* crdModel
  const list = yield* getJson("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", "list").pipe(
    Effect.flatMap(Schema.decodeUnknown(CrdItems))
  )
  const out: Array<Registry.Entry> = []
  for (const item of list.items) {
    const crd = yield* Either.match(Resource.decodeTrusted(CustomResourceDefinition, item), {
      onLeft: Effect.fail,
      onRight: Effect.succeed
    })
    out.push(...Registry.fromCustomResourceDefinition(crd))
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
 * import { Discovery, Registry } from "effect-kube"
 *
 * const everything = Effect.map(Discovery.apiResources, Registry.make)
 * ```
 *
 * @since 0.1.0
 * @category cluster
 */
export const apiResources: Effect.Effect<
  ReadonlyArray<Registry.Entry>,
  LoadError,
  HttpClient.HttpClient
> = /* @__PURE__ */ Effect.gen(function* () {
  const groups = yield* getJson("/apis")
  const versions: Array<string> = ["v1"]
  const listed = Option.match(decodeGroups(groups), { onNone: () => [], onSome: (g) => g.groups })
  for (const group of someOf(listed.map((g) => decodeGroup(g))))
    for (const gv of someOf(group.versions.map((v) => decodeGroupVersion(v)))) versions.push(gv.groupVersion)
  const lists = yield* Effect.forEach(
    // A group version the server named that is not `<group>/<version>` of path segments is skipped.
    versions.flatMap((gv) => {
      const path = ApiRequest.groupVersionPath(gv)
      return Either.isLeft(path) ? [] : [[gv, path.right] as const]
    }),
    ([gv, path]) => getJson(path).pipe(Effect.map((doc) => entriesOf(gv, doc))),
    { concurrency: 4 }
  )
  return lists.flat()
})

/**
 * The kinds of one group version (`v1`, `apps/v1`, `example.com/v1`) as its discovery document
 * lists them, as generic kinds: an `ApiError` 404 where the cluster does not serve it; an
 * `InvalidRequest` for a group version that is not `<group>/<version>` of path segments.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Discovery, Registry } from "effect-kube"
 *
 * const widgets = Effect.map(Discovery.groupVersion("example.com/v1"), Registry.make)
 * ```
 *
 * @since 0.1.0
 * @category cluster
 */
export const groupVersion = (
  apiVersion: string
): Effect.Effect<ReadonlyArray<Registry.Entry>, LoadError | InvalidRequest, HttpClient.HttpClient> =>
  Either.match(ApiRequest.groupVersionPath(apiVersion), {
    onLeft: Effect.fail,
    onRight: (path) => Effect.map(getJson(path), (doc) => entriesOf(apiVersion, doc))
  })

/** The kinds a group version's discovery document lists (entries that do not decode are skipped). */
const entriesOf = (gv: string, doc: unknown): Array<Registry.Entry> => {
  const [group, version] = gv.includes("/") ? gv.split("/") : ["", gv]
  const entries = Option.match(decodeResources(doc), { onNone: () => [], onSome: (d) => d.resources })
  const resources = someOf(entries.map((r) => decodeResource(r)))
  const subs = new Map<string, Array<string>>()
  for (const r of someOf(entries.map((r) => decodeName(r)))) {
    if (!r.name.includes("/")) continue
    const [parent, sub] = r.name.split("/")
    if (parent !== undefined && sub !== undefined) subs.set(parent, [...(subs.get(parent) ?? []), sub])
  }
  const out: Array<Registry.Entry> = []
  for (const r of resources) {
    if (r.name.includes("/")) continue
    const subresources = (subs.get(r.name) ?? []).filter(
      (s): s is "status" | "scale" => s === "status" || s === "scale"
    )
    const kind = {
      group: group ?? "",
      version: version ?? "",
      kind: r.kind,
      plural: r.name,
      verbs: (r.verbs ?? []).filter(Resource.isVerb),
      subresources
    }
    out.push(Registry.entry(r.namespaced ? Resource.namespaced(kind) : Resource.global(kind)))
  }
  return out
}
