/**
 * Resource kinds: what the client must know of a kind to serve it (group, version, kind, plural,
 * namespaced or not, verbs, sub-resources) and its Effect Schema. Every built-in kind has one
 * (`effect-kube/models/core/v1` exports `Pod`, ...); `namespaced` / `global` make one at run time
 * for a custom resource, generic or typed with a Schema for `spec` and `status`.
 *
 * @since 0.1.0
 */
import { Either, ParseResult, Pipeable, Schema } from "effect"
import { isRecord } from "../internal/json.js"
import type { ObjectMeta } from "../models/meta/v1.js"
import * as Meta from "../models/meta/v1.js"
import * as InvalidRequest from "./InvalidRequest.js"
import { deepPartial } from "./internal/deepPartial.js"
import type { DeepPartial } from "./Primitives.js"

/**
 * Marks resource kinds.
 *
 * @example
 * ```ts
 * import { Resource } from "effect-kube"
 *
 * const isKind = (u: object) => Resource.TypeId in u
 * ```
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-kube/Resource")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A verb of the Kubernetes API (`update` is HTTP PUT, `create` is POST).
 *
 * @since 0.1.0
 * @category models
 */
export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection"

/**
 * A sub-resource of a kind (`status`, `scale`, `eviction`, `log`, `exec`, ...), with the kind it
 * takes and returns where that differs from its parent's (`scale` speaks `autoscaling/v1` `Scale`).
 *
 * @since 0.1.0
 * @category models
 */
export interface SubresourceInfo {
  readonly name: string
  readonly group?: string | undefined
  readonly version?: string | undefined
  readonly kind?: string | undefined
  readonly verbs: ReadonlyArray<Verb | "connect">
  /** A custom kind's `scale`: where its objects keep the replicas and selector ({@link ScalePaths}). */
  readonly paths?: ScalePaths | undefined
}

/**
 * Where a custom kind's objects keep what its `scale` sub-resource shows, as its CRD says
 * (`.spec.replicas`-style paths). Built-in kinds use `.spec.replicas`, `.status.replicas` and
 * their `.spec.selector`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ScalePaths {
  readonly specReplicasPath: string
  readonly statusReplicasPath: string
  /** Where the label selector is, as a string (`.status.selector`); none when left out. */
  readonly labelSelectorPath?: string | undefined
}

/**
 * The shape every object of a kind has.
 *
 * @since 0.1.0
 * @category models
 */
export interface KubeObject {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata?: ObjectMeta | undefined
}

/**
 * An object of a kind as the verbs take it: `apiVersion` and `kind` may be left out, the kind
 * fills them in (`Client.create(ConfigMap, { metadata: { name: "settings" }, data })`).
 *
 * @since 0.1.0
 * @category models
 */
export type Input<A extends KubeObject> = Omit<A, "apiVersion" | "kind"> & {
  readonly apiVersion?: A["apiVersion"] | undefined
  readonly kind?: A["kind"] | undefined
}

/**
 * The apply types of the built-in kinds by `<apiVersion>/<kind>` (`"apps/v1/Deployment"`), each
 * added by its model module (generated): {@link ApplyInput} picks a kind's from here.
 *
 * @example
 * ```ts
 * import type { Resource } from "effect-kube"
 * import type {} from "effect-kube/models/apps/v1"
 *
 * type DeploymentApply = Resource.ApplyConfigurations["apps/v1/Deployment"]
 * const scaled: DeploymentApply = { metadata: { name: "web" }, spec: { replicas: 3 } }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging from the models
export interface ApplyConfigurations {}

/**
 * What server-side apply takes of a kind (`Client.apply`): only the fields the field manager owns,
 * each of its type (`{ metadata: { name: "web" }, spec: { replicas: 3 } }` of a Deployment);
 * `apiVersion` and `kind` filled in from the kind; `metadata.name` is required when sent (an
 * `InvalidRequest` without it). The kind's Schema checks every field given, at every depth.
 * For the built-in kinds it is the kind's generated apply type (`DeploymentApply`), where the items
 * of list-map lists need their keys (a container its `name`, a condition its `type`) — keys the
 * OpenAPI document marks required; for other kinds every field is optional at every depth.
 *
 * @example
 * ```ts
 * import type { Resource } from "effect-kube"
 * import type { Deployment } from "effect-kube/models/apps/v1"
 *
 * const scaled: Resource.ApplyInput<Deployment> = { metadata: { name: "web" }, spec: { replicas: 3 } }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type ApplyInput<A extends KubeObject> = `${A["apiVersion"]}/${A["kind"]}` extends infer Key
  ? Key extends keyof ApplyConfigurations
    ? ApplyConfigurations[Key]
    : PartialObject<A>
  : never

/** A kind's object with every field optional at every depth (kinds without an apply type). */
type PartialObject<A extends KubeObject> = {
  readonly [K in Exclude<keyof A, "apiVersion" | "kind">]?: DeepPartial<A[K]> | undefined
} & {
  readonly apiVersion?: A["apiVersion"] | undefined
  readonly kind?: A["kind"] | undefined
}

const partialSchemas = new WeakMap<Schema.Schema.AnyNoContext, Schema.Schema<unknown, unknown>>()

/**
 * The Schema of a kind's partial objects ({@link ApplyInput}): every field optional at every
 * depth, each one given checked as the kind's Schema checks it (made once per kind).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Resource } from "effect-kube"
 * import { Deployment } from "effect-kube/models/apps/v1"
 *
 * const check = Schema.encodeUnknownEither(Resource.applySchema(Deployment))
 * check({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 3 } }) // Right
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const applySchema = <A extends KubeObject, N extends boolean, S extends string, I>(
  resource: Resource<A, N, S, I>
): Schema.Schema<unknown, unknown> => {
  let made = partialSchemas.get(resource.schema)
  if (made === undefined) {
    made = Schema.make<unknown, unknown, never>(deepPartial(resource.schema.ast))
    partialSchemas.set(resource.schema, made)
  }
  return made
}

/**
 * An input object made whole: its `apiVersion` and `kind` filled in from the kind where left out
 * (not checked: the kind's Schema does that).
 *
 * @example
 * ```ts
 * import { Resource } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * Resource.complete(ConfigMap, { metadata: { name: "settings" } })
 * // { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" } }
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const complete = <A extends KubeObject, N extends boolean, S extends string, I>(
  resource: Resource<A, N, S, I>,
  object: Input<A>
): Omit<A, "apiVersion" | "kind"> & { readonly apiVersion: string; readonly kind: string } => ({
  ...object,
  apiVersion: object.apiVersion ?? resource.apiVersion,
  kind: object.kind ?? resource.kind
})

/**
 * What addresses an input object: its kind and its metadata (name, namespace).
 *
 * @example
 * ```ts
 * import { Resource } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * Resource.addressOf(ConfigMap, { metadata: { name: "settings", namespace: "apps" }, data: {} })
 * // { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: "apps" } }
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const addressOf = <A extends KubeObject, N extends boolean, S extends string, I>(
  resource: Resource<A, N, S, I>,
  object: Input<A>
): KubeObject => {
  const metadata = object.metadata
  return {
    apiVersion: object.apiVersion ?? resource.apiVersion,
    kind: object.kind ?? resource.kind,
    ...(metadata !== undefined ? { metadata } : {})
  }
}

/**
 * A kind of resource.
 *
 * - `A`: the decoded object, `I`: its JSON form (the same for built-in kinds);
 * - `N`: `true` for namespaced kinds, `false` for cluster-scoped ones;
 * - `S`: the names of its sub-resources, so that a wrong pairing is a type error.
 *
 * @since 0.1.0
 * @category models
 */
export interface Resource<
  A extends KubeObject = KubeObject,
  N extends boolean = boolean,
  S extends string = string,
  I = A
> extends ResourceInfo,
    Pipeable.Pipeable {
  readonly [TypeId]: TypeId
  readonly namespaced: N
  readonly subresources: { readonly [K in S]: SubresourceInfo }
  /** Full validation of an object of this kind; unknown fields are kept. */
  readonly schema: Schema.Schema<A, I>
}

/**
 * What the client knows of a kind, without its types: enough to build its URLs.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResourceInfo {
  /** API group, `""` for the core group. */
  readonly group: string
  readonly version: string
  /** `v1` or `group/version`. */
  readonly apiVersion: string
  readonly kind: string
  readonly listKind: string
  /** The resource name in URLs, e.g. `deployments`. */
  readonly plural: string
  readonly namespaced: boolean
  readonly verbs: ReadonlyArray<Verb>
  readonly subresources: { readonly [name: string]: SubresourceInfo }
  /**
   * Set for a kind's objects asked for in another form than in full ({@link metadataOnly}): the
   * `Accept` header of its requests, and the kind whose objects these stand for.
   */
  readonly representation?: Representation | undefined
}

/**
 * How the server is asked to answer for a kind other than with full objects.
 *
 * @since 0.1.0
 * @category models
 */
export interface Representation {
  /** `Accept` of a request for one object (get, watch, patch) and of a list. */
  readonly accept: { readonly object: string; readonly list: string }
  /** The `apiVersion` and `kind` of the full objects (a server that sends them anyway is followed). */
  readonly of: { readonly apiVersion: string; readonly kind: string }
}

/**
 * What {@link make} takes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Definition<A extends KubeObject, N extends boolean, S extends string, I> {
  readonly group: string
  readonly version: string
  readonly kind: string
  readonly plural: string
  readonly namespaced: N
  readonly verbs?: ReadonlyArray<Verb> | undefined
  readonly listKind?: string | undefined
  readonly subresources?: { readonly [K in S]: SubresourceInfo } | undefined
  readonly schema: Schema.Schema<A, I>
}

const ResourceProto = {
  pipe() {
    // biome-ignore lint/complexity/noArguments: Effect's pipe protocol
    return Pipeable.pipeArguments(this, arguments)
  }
}

const ALL_VERBS: ReadonlyArray<Verb> = [
  "get",
  "list",
  "watch",
  "create",
  "update",
  "patch",
  "delete",
  "deletecollection"
]
const VERBS: ReadonlySet<string> = new Set(ALL_VERBS)

/**
 * Whether a value (from a discovery document, say) is a verb of the API.
 *
 * @example
 * ```ts
 * import { Resource } from "effect-kube"
 *
 * ["get", "proxy"].filter(Resource.isVerb) // ["get"]
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isVerb = (u: unknown): u is Verb => typeof u === "string" && VERBS.has(u)

/**
 * Makes a resource kind. Generated models and {@link namespaced} / {@link global} use it.
 *
 * @example
 * ```ts
 * import { Resource } from "effect-kube"
 *
 * const Widget = Resource.make({
 *   group: "example.com", version: "v1", kind: "Widget", plural: "widgets", namespaced: true,
 *   schema: Resource.GenericObject
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A extends KubeObject, N extends boolean, S extends string = never, I = A>(
  definition: Definition<A, N, S, I>
): Resource<A, N, S, I> => {
  const apiVersion =
    definition.group === "" ? definition.version : `${definition.group}/${definition.version}`
  const self = Object.create(ResourceProto)
  return Object.assign(self, {
    [TypeId]: TypeId,
    group: definition.group,
    version: definition.version,
    apiVersion,
    kind: definition.kind,
    listKind: definition.listKind ?? `${definition.kind}List`,
    plural: definition.plural,
    namespaced: definition.namespaced,
    verbs: definition.verbs ?? ALL_VERBS,
    subresources: definition.subresources ?? emptySubresources<S>(),
    schema: definition.schema
  })
}

const emptySubresources = <S extends string>(): { readonly [K in S]: SubresourceInfo } => {
  const out: { [K in S]?: SubresourceInfo } = {}
  return fill(out)
}
const fill = <S extends string>(
  partial: { [K in S]?: SubresourceInfo }
): { readonly [K in S]: SubresourceInfo } => {
  const result: { [K in S]: SubresourceInfo } = Object.assign(Object.create(null), partial)
  return result
}

/**
 * A kind's resource as kubectl and client-go's `GroupResource` name it: `configmaps`,
 * `deployments.apps` (effect-kube's log lines and metric tags use it).
 *
 * @example
 * ```ts
 * import { Resource } from "effect-kube"
 * import { Deployment } from "effect-kube/models/apps/v1"
 *
 * Resource.groupResource(Deployment) // "deployments.apps"
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const groupResource = (resource: ResourceInfo): string =>
  resource.group === "" ? resource.plural : `${resource.plural}.${resource.group}`

/**
 * The same kind as a generic resource (its objects as `GenericObject`s): to use a kind with code
 * that does not know its type statically.
 *
 * @example
 * ```ts
 * import { Resource } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const anyConfigMap = Resource.generic(ConfigMap) // Resource<GenericObject, boolean, string>
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const generic = (resource: ResourceInfo): Resource<GenericObject, boolean, string> => {
  const made = make<GenericObject, boolean, string>({
    group: resource.group,
    version: resource.version,
    kind: resource.kind,
    listKind: resource.listKind,
    plural: resource.plural,
    namespaced: resource.namespaced,
    verbs: resource.verbs,
    subresources: resource.subresources,
    schema: GenericObject
  })
  // A representation (metadataOnly) keeps its apiVersion and how it is asked for.
  return resource.representation === undefined
    ? made
    : Object.assign(made, { apiVersion: resource.apiVersion, representation: resource.representation })
}

/**
 * An object's metadata alone (`meta.k8s.io/v1` `PartialObjectMetadata`), as {@link metadataOnly}
 * kinds give them.
 *
 * @since 0.1.0
 * @category models
 */
export interface PartialObjectMetadata extends KubeObject {
  readonly apiVersion: "meta.k8s.io/v1"
  readonly kind: "PartialObjectMetadata"
  readonly metadata?: ObjectMeta | undefined
}

/**
 * Schema of {@link PartialObjectMetadata}.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Resource } from "effect-kube"
 *
 * const meta = Schema.decodeUnknownSync(Resource.PartialObjectMetadata)({
 *   apiVersion: "meta.k8s.io/v1", kind: "PartialObjectMetadata", metadata: { name: "web" }
 * })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const PartialObjectMetadata: Schema.Schema<PartialObjectMetadata> = Schema.Struct({
  apiVersion: Schema.Literal("meta.k8s.io/v1"),
  kind: Schema.Literal("PartialObjectMetadata"),
  metadata: Schema.optional(Meta.ObjectMeta)
})

const METADATA_ACCEPT = {
  object: "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json",
  list: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
}

/**
 * The same kind, its objects read as their metadata alone (client-go's metadata client, kube-rs's
 * `metadata_watcher`): get, list, watch, patch and delete send
 * `Accept: application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1` and get
 * {@link PartialObjectMetadata} objects — a store of them takes a fraction of the memory of full
 * objects (a Secret's data never reaches the process). A server that sends full objects anyway
 * (some aggregated APIs) is followed: their metadata is kept.
 *
 * @example
 * ```ts
 * import { Client, Resource } from "effect-kube"
 * import { Secret } from "effect-kube/models/core/v1"
 *
 * const names = Client.listAll(Resource.metadataOnly(Secret)) // names, labels, owners: no data
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const metadataOnly = <N extends boolean>(
  resource: ResourceInfo & { readonly namespaced: N }
): Resource<PartialObjectMetadata, N, never> => {
  const self: Resource<PartialObjectMetadata, N, never> = Object.assign(Object.create(ResourceProto), {
    [TypeId]: TypeId,
    group: resource.group,
    version: resource.version,
    apiVersion: "meta.k8s.io/v1",
    kind: "PartialObjectMetadata",
    listKind: "PartialObjectMetadataList",
    plural: resource.plural,
    namespaced: resource.namespaced,
    verbs: resource.verbs.filter((v) => v !== "create" && v !== "update"),
    subresources: emptySubresources<never>(),
    schema: PartialObjectMetadata,
    representation: {
      accept: METADATA_ACCEPT,
      of: resource.representation?.of ?? { apiVersion: resource.apiVersion, kind: resource.kind }
    }
  })
  return self
}

/**
 * Whether a value is a resource kind.
 *
 * @example
 * ```ts
 * import { Resource } from "effect-kube"
 *
 * Resource.isResource({}) // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isResource = (u: unknown): u is Resource<KubeObject, boolean, string, unknown> =>
  typeof u === "object" && u !== null && TypeId in u

/**
 * An object of a kind the client has no model for: metadata typed, every other field kept as JSON.
 *
 * @since 0.1.0
 * @category models
 */
export interface GenericObject extends KubeObject {
  readonly [key: string]: unknown
}

/**
 * Schema of {@link GenericObject}.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Resource } from "effect-kube"
 *
 * const obj = Schema.decodeUnknownSync(Resource.GenericObject)({
 *   apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { size: 3 }
 * })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const GenericObject: Schema.Schema<GenericObject> = Schema.Struct(
  {
    apiVersion: Schema.String,
    kind: Schema.String,
    metadata: Schema.optional(Meta.ObjectMeta)
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
).annotations({ identifier: "GenericObject", parseOptions: { onExcessProperty: "preserve" } })

/**
 * A custom object typed by its `spec` and `status` Schemas; other fields are kept.
 *
 * @since 0.1.0
 * @category models
 */
export interface CustomObject<Spec, Status> extends KubeObject {
  readonly [key: string]: unknown
  readonly spec: Spec
  readonly status?: Status | undefined
}

/**
 * The JSON form of a {@link CustomObject}.
 *
 * @since 0.1.0
 * @category models
 */
export interface CustomObjectEncoded<Spec, Status> extends KubeObject {
  readonly [key: string]: unknown
  readonly spec: Spec
  readonly status?: Status | undefined
}

/**
 * The identity of a custom kind.
 *
 * @since 0.1.0
 * @category models
 */
export interface CustomKind {
  readonly group: string
  readonly version: string
  readonly kind: string
  /** Default: the kind in lower case plus `s`, as the CRD convention has it. */
  readonly plural?: string | undefined
  readonly listKind?: string | undefined
  readonly verbs?: ReadonlyArray<Verb> | undefined
  /** Sub-resources the CRD enables (`status`, `scale`). */
  readonly subresources?: ReadonlyArray<"status" | "scale"> | undefined
  /** Where the `scale` sub-resource reads and writes (the CRD's `subresources.scale`). */
  readonly scale?: ScalePaths | undefined
}

/**
 * Schemas of a typed custom kind. Pass `Schema.Unknown` for a `status` left untyped.
 *
 * @since 0.1.0
 * @category models
 */
export interface CustomSchemas<Spec, SpecI, Status, StatusI> {
  readonly spec: Schema.Schema<Spec, SpecI>
  readonly status: Schema.Schema<Status, StatusI>
}

/**
 * The Schema of a custom object from the Schemas of its `spec` and `status`; other fields are kept.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Resource } from "effect-kube"
 *
 * const WidgetObject = Resource.customObject("Widget", {
 *   spec: Schema.Struct({ size: Schema.Number }),
 *   status: Schema.Struct({ ready: Schema.optional(Schema.Boolean) })
 * })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const customObject = <Spec, SpecI, Status, StatusI>(
  kind: string,
  schemas: CustomSchemas<Spec, SpecI, Status, StatusI>
): Schema.Schema<CustomObject<Spec, Status>, CustomObjectEncoded<SpecI, StatusI>> =>
  Schema.Struct(
    {
      apiVersion: Schema.String,
      kind: Schema.String,
      metadata: Schema.optional(Meta.ObjectMeta),
      spec: schemas.spec,
      status: Schema.optional(schemas.status)
    },
    Schema.Record({ key: Schema.String, value: Schema.Unknown })
  ).annotations({ identifier: kind, parseOptions: { onExcessProperty: "preserve" } })

const custom = <N extends boolean, A extends KubeObject, I>(
  namespaced: N,
  kind: CustomKind,
  schema: Schema.Schema<A, I>
): Resource<A, N, "status" | "scale", I> => {
  const enabled = new Set(kind.subresources ?? ["status", "scale"])
  const subresources: { [K in "status" | "scale"]?: SubresourceInfo } = {}
  if (enabled.has("status")) subresources.status = { name: "status", verbs: ["get", "update", "patch"] }
  if (enabled.has("scale")) {
    subresources.scale = {
      name: "scale",
      group: "autoscaling",
      version: "v1",
      kind: "Scale",
      verbs: ["get", "update", "patch"],
      ...(kind.scale !== undefined ? { paths: kind.scale } : {})
    }
  }
  return make<A, N, "status" | "scale", I>({
    group: kind.group,
    version: kind.version,
    kind: kind.kind,
    plural: kind.plural ?? `${kind.kind.toLowerCase()}s`,
    namespaced,
    verbs: kind.verbs,
    listKind: kind.listKind,
    subresources: fill(subresources),
    schema
  })
}

/**
 * A namespaced custom kind, made at run time: generic (metadata typed, the rest kept as JSON), or
 * typed by Schemas for `spec` and `status`. Usable with every verb.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Resource } from "effect-kube"
 *
 * // Generic:
 * const Widget = Resource.namespaced({ group: "example.com", version: "v1", kind: "Widget", plural: "widgets" })
 * // Typed:
 * const TypedWidget = Resource.namespaced(
 *   { group: "example.com", version: "v1", kind: "Widget", plural: "widgets" },
 *   { spec: Schema.Struct({ size: Schema.Number }), status: Schema.Unknown }
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export function namespaced(kind: CustomKind): Resource<GenericObject, true, "status" | "scale">
export function namespaced<Spec, SpecI, Status, StatusI>(
  kind: CustomKind,
  schemas: CustomSchemas<Spec, SpecI, Status, StatusI>
): Resource<CustomObject<Spec, Status>, true, "status" | "scale", CustomObjectEncoded<SpecI, StatusI>>
export function namespaced<Spec, SpecI, Status, StatusI>(
  kind: CustomKind,
  schemas?: CustomSchemas<Spec, SpecI, Status, StatusI>
):
  | Resource<GenericObject, true, "status" | "scale">
  | Resource<CustomObject<Spec, Status>, true, "status" | "scale", CustomObjectEncoded<SpecI, StatusI>> {
  return schemas === undefined
    ? custom(true, kind, GenericObject)
    : custom(true, kind, customObject(kind.kind, schemas))
}

/**
 * A cluster-scoped custom kind, made at run time: generic or typed, as {@link namespaced}.
 *
 * @example
 * ```ts
 * import { Resource } from "effect-kube"
 *
 * const Tenant = Resource.global({ group: "example.com", version: "v1", kind: "Tenant", plural: "tenants" })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export function global(kind: CustomKind): Resource<GenericObject, false, "status" | "scale">
export function global<Spec, SpecI, Status, StatusI>(
  kind: CustomKind,
  schemas: CustomSchemas<Spec, SpecI, Status, StatusI>
): Resource<CustomObject<Spec, Status>, false, "status" | "scale", CustomObjectEncoded<SpecI, StatusI>>
export function global<Spec, SpecI, Status, StatusI>(
  kind: CustomKind,
  schemas?: CustomSchemas<Spec, SpecI, Status, StatusI>
):
  | Resource<GenericObject, false, "status" | "scale">
  | Resource<CustomObject<Spec, Status>, false, "status" | "scale", CustomObjectEncoded<SpecI, StatusI>> {
  return schemas === undefined
    ? custom(false, kind, GenericObject)
    : custom(false, kind, customObject(kind.kind, schemas))
}

/**
 * The fast decode of an object the server sent for this kind: it checks the envelope (an object
 * whose `apiVersion`/`kind`, when present, are this kind's, and whose `metadata` is an object),
 * fills `apiVersion`/`kind` where the server left them out (list items), and keeps the object as
 * it is, every field included, without copying it. For input that did not come from the server,
 * use the full {@link Resource.schema}.
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { Resource } from "effect-kube"
 *
 * const Widget = Resource.namespaced({ group: "example.com", version: "v1", kind: "Widget", plural: "widgets" })
 * const decoded = Resource.decodeTrusted(Widget, { metadata: { name: "w" }, spec: {} })
 * // Either.right({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: {} })
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeTrusted = <A extends KubeObject, N extends boolean, S extends string, I>(
  resource: Resource<A, N, S, I>,
  input: unknown
): Either.Either<A, ParseResult.ParseError> => {
  // The issue shows the kind of what came, never its content (a Secret's data must not reach logs).
  const fail = (message: string) =>
    Either.left(
      new ParseResult.ParseError({
        issue: new ParseResult.Type(resource.schema.ast, shapeOf(input), message)
      })
    )
  if (!isRecord(input)) return fail(`expected a ${resource.kind} object`)
  const apiVersion = input.apiVersion
  const kind = input.kind
  const of = resource.representation?.of
  if (
    of !== undefined &&
    (apiVersion === undefined || apiVersion === of.apiVersion) &&
    (kind === undefined || kind === of.kind)
  ) {
    // A full object where its metadata was asked for (or a list item, without apiVersion and
    // kind): its metadata alone is kept.
    if (input.metadata !== undefined && !isRecord(input.metadata)) return fail("metadata must be an object")
    const object = {
      apiVersion: resource.apiVersion,
      kind: resource.kind,
      ...(input.metadata !== undefined ? { metadata: input.metadata } : {})
    }
    return isTrusted<A>(object) ? Either.right(object) : fail("unreachable")
  }
  if (apiVersion !== undefined && apiVersion !== resource.apiVersion) {
    return fail(`expected apiVersion ${resource.apiVersion}, got ${String(apiVersion)}`)
  }
  if (kind !== undefined && kind !== resource.kind)
    return fail(`expected kind ${resource.kind}, got ${String(kind)}`)
  if (input.metadata !== undefined && !isRecord(input.metadata)) return fail("metadata must be an object")
  const object =
    apiVersion === undefined || kind === undefined
      ? { apiVersion: resource.apiVersion, kind: resource.kind, ...input }
      : input
  return isTrusted<A>(object) ? Either.right(object) : fail("unreachable")
}

/** What a value is, without its content: `"object"`, `"array"`, `"string"`, ... */
const shapeOf = (input: unknown): string =>
  input === null ? "null" : Array.isArray(input) ? "array" : typeof input

/** The server is the authority on the shape of what it sends: its envelope was checked above. */
const isTrusted = <A>(_: unknown): _ is A => true

/**
 * The URL path of a kind's collection, an object, or an object's sub-resource: the one place that
 * builds API paths. Every segment (group, version, plural, namespace, name, sub-resource) is
 * checked ({@link InvalidRequest.checkSegment}: no empty, `.`, `..`, `/` or `%`) and encoded, so no
 * value can change the shape of the path. A namespaced kind without a namespace gives the
 * all-namespaces collection; a single object of a namespaced kind needs its namespace, and a
 * sub-resource needs a name.
 *
 * @example
 * ```ts
 * import { Resource } from "effect-kube"
 * import { Deployment } from "effect-kube/models/apps/v1"
 *
 * Resource.path(Deployment, { namespace: "apps", name: "web", subresource: "scale" })
 * // Either.right("/apis/apps/v1/namespaces/apps/deployments/web/scale")
 * Resource.path(Deployment, { namespace: "apps", name: ".." })
 * // Either.left(InvalidRequest: invalid name "..": '.' and '..' are not names)
 * ```
 *
 * @since 0.1.0
 * @category urls
 */
export const path = (
  resource: ResourceInfo,
  options: {
    readonly namespace?: string | undefined
    readonly name?: string | undefined
    readonly subresource?: string | undefined
  } = {}
): Either.Either<string, InvalidRequest.InvalidRequest> => {
  const { name, namespace, subresource } = options
  if (name === undefined && subresource !== undefined) {
    return Either.left(
      new InvalidRequest.InvalidRequest({ detail: `the ${subresource} of a ${resource.kind} needs a name` })
    )
  }
  if (name !== undefined && resource.namespaced && namespace === undefined) {
    return Either.left(
      new InvalidRequest.InvalidRequest({
        detail: `${resource.kind} is namespaced: give the namespace of ${JSON.stringify(name)}`
      })
    )
  }
  if (resource.namespaced && namespace === "*") {
    // "*" is how callers say "every namespace": a collection without a namespace, never a name.
    return Either.left(
      new InvalidRequest.InvalidRequest({
        detail: `namespace "*" (every namespace) is for lists, watches and deleteCollection, not one ${resource.kind}`
      })
    )
  }
  const parts: Array<readonly [InvalidRequest.SegmentRole, string]> = []
  if (resource.group !== "") parts.push(["group", resource.group])
  parts.push(["version", resource.version])
  const scoped = resource.namespaced && namespace !== undefined
  if (scoped) parts.push(["namespace", namespace])
  parts.push(["plural", resource.plural])
  if (name !== undefined) parts.push(["name", name])
  if (subresource !== undefined) parts.push(["subresource", subresource])
  const encoded: Array<string> = []
  for (const [role, value] of parts) {
    const checked = InvalidRequest.checkSegment(role, value)
    if (Either.isLeft(checked)) return checked
    encoded.push(role === "namespace" ? `namespaces/${encodeURIComponent(value)}` : encodeURIComponent(value))
  }
  return Either.right(`/${resource.group === "" ? "api" : "apis"}/${encoded.join("/")}`)
}
