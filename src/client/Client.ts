/**
 * The verbs, as lightkube's client: the kind is the first argument, so one call site serves every
 * kind, built-in or custom. Each verb is an `Effect` (`list` also a `Stream`) that needs
 * `KubeConfig | HttpClient.HttpClient` and fails with typed errors: `ApiError` (the server's
 * `Status`), `HttpClientError` (transport), `ParseError` (decoding), `SelectorError`,
 * `InvalidRequest`.
 *
 * @since 0.1.0
 */
import { type HttpClient, HttpClientError } from "@effect/platform"
import {
  Chunk,
  Clock,
  Data,
  Duration,
  Effect,
  Either,
  Option,
  ParseResult,
  Redacted,
  Schedule,
  Schema,
  Stream
} from "effect"
import type { KubeConfig } from "../config/KubeConfig.js"
import * as ApiError from "../http/ApiError.js"
import * as KubeHttpClient from "../http/KubeHttpClient.js"
import { isRecord } from "../internal/json.js"
import { crdKinds } from "../kinds/internal/crd.js"
import * as Order from "../kinds/internal/order.js"
import * as Registry from "../kinds/Registry.js"
import type { Scale } from "../models/autoscaling/v1.js"
import * as Autoscaling from "../models/autoscaling/v1.js"
import { checkSegment, InvalidRequest } from "../resource/InvalidRequest.js"
import * as Resource from "../resource/Resource.js"
import type * as Selector from "../resource/Selector.js"
import * as ApiRequest from "./ApiRequest.js"
import * as ApiResponse from "./ApiResponse.js"
import { jsonAs } from "./internal/answer.js"
import { changed } from "./internal/batch.js"
import { type DiscoveryCache, type Found, kindOf } from "./internal/kindOf.js"
import { kindAttributes, operation } from "./internal/operation.js"

export {
  /**
   * A call that cannot be made as asked (a name or namespace that is not a path segment, no name on
   * the object, no field manager for apply, ...); nothing was sent.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { Client } from "effect-kube"
   *
   * declare const program: Effect.Effect<void, Client.InvalidRequest>
   * program.pipe(Effect.catchTag("InvalidRequest", (e) => Effect.logError(e.message)))
   * ```
   *
   * @since 0.1.0
   * @category errors
   */
  InvalidRequest
} from "../resource/InvalidRequest.js"

/**
 * An object given alone to a verb (`Client.apply(object)`): it names its kind by its `apiVersion`
 * and `kind` (a kind itself is refused: pass the kind first, then the object).
 *
 * @example
 * ```ts
 * import type { Client, Resource } from "effect-kube"
 *
 * const takes = <O extends Resource.KubeObject>(object: Client.LoneObject<O>) => object
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type LoneObject<O extends Resource.KubeObject> = O & { readonly [Resource.TypeId]?: never }

/**
 * Options of the verbs given an object alone.
 *
 * @since 0.1.0
 * @category models
 */
export interface ObjectOptions {
  /**
   * Where to look the object's kind up first (custom kinds with typed Schemas); then the built-in
   * kinds, then the cluster's discovery document of the object's group version.
   */
  readonly registry?: Registry.Registry | undefined
}

/**
 * Failures of the verbs given an object alone: those of every verb, and a kind nobody knows.
 *
 * @since 0.1.0
 * @category errors
 */
export type ObjectError = ClientError | Registry.UnknownKind

/** Whether a verb's first argument is a kind (else: an object alone). */
const isKind = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  first: Resource.Resource<A, N, S, I> | Resource.KubeObject
): first is Resource.Resource<A, N, S, I> => Resource.isResource(first)

/**
 * The second argument of a verb given a kind first (its input or name): the overload signatures,
 * the only way in, pair a kind with its input and an object alone with its options, so the first
 * argument tells what the second is.
 */
const secondOfKind = <Of, Alone>(first: unknown, _second: Of | Alone): _second is Of =>
  Resource.isResource(first)

/** The second argument of a verb given an object alone: its options (see {@link secondOfKind}). */
const secondOfObject = <Of, Alone>(first: unknown, _second: Of | Alone): _second is Alone =>
  !Resource.isResource(first)

/**
 * An object given alone and a `namespace` option must agree (as kubectl refuses a manifest's
 * namespace that is not the one asked for): a delete carries no object the server could check.
 */
const namespaceAgrees = (
  kind: Resource.ResourceInfo,
  object: Resource.KubeObject,
  namespace: string | undefined
): Effect.Effect<void, InvalidRequest> => {
  const own = object.metadata?.namespace
  return kind.namespaced && namespace !== undefined && own !== undefined && own !== "" && own !== namespace
    ? Effect.fail(
        new InvalidRequest({
          detail: `the namespace of the ${object.kind} (${JSON.stringify(own)}) is not the namespace asked for (${JSON.stringify(namespace)})`
        })
      )
    : Effect.void
}

/** A verb's arguments told apart: a kind with its input (or name) and options, or an object alone. */
const byKindOrObject = <
  A extends Resource.KubeObject,
  N extends boolean,
  S extends string,
  I,
  Second,
  Options,
  R
>(
  first: Resource.Resource<A, N, S, I> | LoneObject<Resource.KubeObject>,
  second: Second | Options | undefined,
  third: Options | undefined,
  onKind: (resource: Resource.Resource<A, N, S, I>, second: Second, options: Options | undefined) => R,
  onObject: (object: Resource.KubeObject, options: Options | undefined) => R
): R =>
  isKind(first) && secondOfKind<Second, unknown>(first, second)
    ? onKind(first, second, third)
    : onObject(first, secondOfObject<unknown, Options | undefined>(first, second) ? second : undefined)

/**
 * Every failure of a verb.
 *
 * @since 0.1.0
 * @category errors
 */
export type ClientError =
  | ApiError.ApiError
  | HttpClientError.HttpClientError
  | ParseResult.ParseError
  | Selector.SelectorError
  | InvalidRequest

/**
 * What every verb needs.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements = KubeConfig | HttpClient.HttpClient

/** `"*"`: every namespace (list, watch, deleteCollection of a namespaced kind). */
type NamespaceOption = { readonly namespace?: string | undefined }

/**
 * Options of writes.
 *
 * @since 0.1.0
 * @category models
 */
export interface WriteOptions extends NamespaceOption {
  /** Default: the client-wide `fieldManager` (`ClientDefaults`). */
  readonly fieldManager?: string | undefined
  /** Default: the client-wide `dryRun` (`ClientDefaults`), else off. */
  readonly dryRun?: boolean | undefined
  /**
   * What the server does with unknown or duplicate fields (servers from 1.25; older ones ignore
   * it): `Strict` fails the write (`ApiError` 400 naming them), `Warn` writes and answers with
   * `Warning` headers (logged, and read with `Warnings.collect`), `Ignore` drops them silently.
   */
  readonly fieldValidation?: "Strict" | "Warn" | "Ignore" | undefined
}

/**
 * Options of selections (list, watch, deleteCollection).
 *
 * @since 0.1.0
 * @category models
 */
export interface SelectOptions extends NamespaceOption {
  readonly labels?: Selector.LabelSelector | undefined
  readonly fields?: Selector.FieldSelector | undefined
}

// --- sending (every call is built by Request and read by Response) ------------------------

const send = (name: string, call: ApiRequest.Call) => {
  const verb = ApiRequest.verbOf(call)
  return Effect.flatMap(ApiRequest.target(call), (target) =>
    jsonAs(verb, ApiRequest.toHttp(target), {
      namespace: target.namespace,
      name: call.name ?? call.object?.metadata?.name
    })
  ).pipe(
    operation(name, verb, {
      ...kindAttributes(call.resource),
      ...(call.subresource !== undefined ? { "k8s.subresource": call.subresource } : {})
    })
  )
}

const decodeAs = ApiResponse.decode

/** The JSON of an input object, its `apiVersion` and `kind` filled in, checked by the kind's Schema. */
const encodeWith = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  object: unknown
) => Schema.encodeUnknown(resource.schema)(object)

// --- get ------------------------------------------------------------------------------

/**
 * Options of {@link get}.
 *
 * @since 0.1.0
 * @category models
 */
export interface GetOptions extends NamespaceOption {
  /** `"0"`: any version the apiserver has (its cache, without a quorum read). Default: the latest. */
  readonly resourceVersion?: string | undefined
}

/**
 * Reads one object.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const settings = Client.get(ConfigMap, "settings", { namespace: "apps" })
 * ```
 *
 * @since 0.1.0
 * @category reading
 */
export const get = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  name: string,
  options: GetOptions = {}
): Effect.Effect<A, ClientError, Requirements> =>
  Effect.flatMap(
    send("Client.get", {
      resource,
      method: "GET",
      namespace: options.namespace,
      name,
      ...(options.resourceVersion !== undefined
        ? { query: [["resourceVersion", options.resourceVersion]] }
        : {})
    }),
    decodeAs(resource)
  )

/**
 * Reads one object; `Option.none()` when it does not exist (404).
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { Client } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const exists = Effect.map(Client.getOption(ConfigMap, "settings"), Option.isSome)
 * ```
 *
 * @since 0.1.0
 * @category reading
 */
export const getOption = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  name: string,
  options: GetOptions = {}
): Effect.Effect<Option.Option<A>, ClientError, Requirements> =>
  get(resource, name, options).pipe(
    Effect.map(Option.some),
    Effect.catchIf(
      (e): e is ApiError.ApiError => e._tag === "ApiError" && e.code === 404,
      () => Effect.succeedNone
    )
  )

// --- list -----------------------------------------------------------------------------

/**
 * Options of {@link list}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListOptions extends SelectOptions {
  /** Objects per page (`limit`); pages are fetched lazily with the `continue` token. Default: 500. */
  readonly chunkSize?: number | undefined
  /** `resourceVersion` of the list (`"0"`: any version, from the apiserver's cache). */
  readonly resourceVersion?: string | undefined
  /**
   * How `resourceVersion` is read: `NotOlderThan` (at least that version) or `Exact` (that very
   * snapshot: paged consistent reads of the past). Needs a `resourceVersion`.
   */
  readonly resourceVersionMatch?: "NotOlderThan" | "Exact" | undefined
  /** The server's time limit for the call, in seconds. */
  readonly timeoutSeconds?: number | undefined
}

/**
 * A list page: its items and the list's `resourceVersion`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListResult<A> {
  readonly items: ReadonlyArray<A>
  /** The version of the list: watch from it to miss nothing. */
  readonly resourceVersion: string
}

const ListEnvelope = Schema.Struct({
  metadata: Schema.optionalWith(
    Schema.Struct({
      resourceVersion: Schema.optionalWith(Schema.String, { exact: true }),
      continue: Schema.optionalWith(Schema.String, { exact: true })
    }),
    { exact: true }
  ),
  // Items are checked one by one below (Resource.decodeTrusted), not copied here.
  items: Schema.NullOr(Schema.declare((u): u is ReadonlyArray<unknown> => Array.isArray(u)))
})

/**
 * Lists page by page: each element is a page of at most `chunkSize` objects with the list's
 * `resourceVersion` (the same on every page: the snapshot the first page was read at).
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import { Client } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const sizes = Client.listPages(ConfigMap, { chunkSize: 100 }).pipe(Stream.map((page) => page.items.length))
 * ```
 *
 * @since 0.1.0
 * @category reading
 */
export const listPages = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  options: ListOptions
): Stream.Stream<ListResult<A>, ClientError, Requirements> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const limit = String(options.chunkSize ?? 500)
      const context = yield* Effect.context<Requirements>()
      return Stream.paginateEffect(Option.none<string>(), (token) =>
        Effect.gen(function* () {
          const json = yield* send("Client.list", {
            resource,
            method: "GET",
            scope: "collection",
            namespace: options.namespace,
            select: options,
            query: [
              ["limit", limit],
              ["continue", Option.getOrUndefined(token)],
              ["resourceVersion", Option.isNone(token) ? options.resourceVersion : undefined],
              [
                "resourceVersionMatch",
                Option.isNone(token) && options.resourceVersion !== undefined
                  ? options.resourceVersionMatch
                  : undefined
              ],
              [
                "timeoutSeconds",
                options.timeoutSeconds !== undefined ? String(options.timeoutSeconds) : undefined
              ]
            ]
          })
          // The failure names the shape of what came, not its content (which can be deep enough
          // to overflow the stack when printed, or hold a Secret's data).
          const envelope = yield* Schema.decodeUnknown(ListEnvelope)(json).pipe(
            Effect.mapError(
              () =>
                new ParseResult.ParseError({
                  issue: new ParseResult.Type(
                    ListEnvelope.ast,
                    Array.isArray(json) ? "array" : json === null ? "null" : typeof json,
                    "expected a list: an object with items and metadata"
                  )
                })
            )
          )
          // A plain loop: this runs for every object of every page.
          const raw = envelope.items ?? []
          const items: Array<A> = new Array(raw.length)
          for (let i = 0; i < raw.length; i++) {
            const decoded = Resource.decodeTrusted(resource, raw[i])
            if (Either.isLeft(decoded)) return yield* decoded.left
            items[i] = decoded.right
          }
          const next = envelope.metadata?.continue
          const page: ListResult<A> = { items, resourceVersion: envelope.metadata?.resourceVersion ?? "" }
          return [
            page,
            next !== undefined && next !== "" ? Option.some(Option.some(next)) : Option.none()
          ] as const
        }).pipe(Effect.provide(context))
      )
    })
  )

/**
 * Lists objects as a `Stream`, fetching pages of `chunkSize` lazily (memory bounded by a page).
 * A `continue` token that expired mid-way (410) fails the stream with an `ApiError` of reason
 * `Expired`/`Gone`: nothing is silently cut. `namespace: "*"` lists every namespace.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Client, Selector } from "effect-kube"
 * import { Pod } from "effect-kube/models/core/v1"
 *
 * const names = Client.list(Pod, { namespace: "*", labels: { app: "web", tier: Selector.in(["a", "b"]) } }).pipe(
 *   Stream.map((pod) => pod.metadata?.name),
 *   Stream.runCollect
 * )
 * ```
 *
 * @since 0.1.0
 * @category reading
 */
export const list = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  options: ListOptions = {}
): Stream.Stream<A, ClientError, Requirements> =>
  listPages(resource, options).pipe(Stream.mapConcat((page) => page.items))

/**
 * Lists every object (all pages) with the list's `resourceVersion`, the point to watch from.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client } from "effect-kube"
 * import { Namespace } from "effect-kube/models/core/v1"
 *
 * const snapshot = Effect.map(Client.listAll(Namespace), ({ items, resourceVersion }) => [items.length, resourceVersion])
 * ```
 *
 * @since 0.1.0
 * @category reading
 */
export const listAll = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  options: ListOptions = {}
): Effect.Effect<ListResult<A>, ClientError, Requirements> =>
  Stream.runFold(
    listPages(resource, options),
    { items: Chunk.empty<A>(), resourceVersion: "" },
    (acc, page) => ({
      items: Chunk.appendAll(acc.items, Chunk.unsafeFromArray(page.items)),
      // The version of a paged list is the first page's: every page is read at that snapshot.
      resourceVersion: acc.resourceVersion === "" ? page.resourceVersion : acc.resourceVersion
    })
  ).pipe(
    Effect.map((acc) => ({ items: Chunk.toReadonlyArray(acc.items), resourceVersion: acc.resourceVersion }))
  )

// --- writes ----------------------------------------------------------------------------

/**
 * Creates an object (POST). The namespace comes from the option, else the object, else the
 * KubeConfig. Given alone, the object names its kind by its `apiVersion` and `kind` (found in
 * `options.registry`, the built-in kinds, else the cluster's discovery; see {@link LoneObject}).
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const created = Client.create(ConfigMap, { metadata: { name: "settings" }, data: { mode: "fast" } }, {
 *   fieldManager: "my-app"
 * })
 * // An object alone (e.g. loaded with Codec.loadAll):
 * const loaded = Client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "other" } })
 * ```
 *
 * @since 0.1.0
 * @category writing
 */
export function create<O extends Resource.KubeObject>(
  object: LoneObject<O>,
  options?: WriteOptions & ObjectOptions
): Effect.Effect<Resource.GenericObject, ObjectError, Requirements>
export function create<A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  input: Resource.Input<A>,
  options?: WriteOptions
): Effect.Effect<A, ClientError, Requirements>
export function create<A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  first: Resource.Resource<A, N, S, I> | LoneObject<Resource.KubeObject>,
  second?: Resource.Input<A> | (WriteOptions & ObjectOptions),
  third?: WriteOptions
): Effect.Effect<A | Resource.GenericObject, ObjectError, Requirements> {
  return byKindOrObject<
    A,
    N,
    S,
    I,
    Resource.Input<A>,
    WriteOptions & ObjectOptions,
    Effect.Effect<A | Resource.GenericObject, ObjectError, Requirements>
  >(
    first,
    second,
    third,
    (resource, input, options) => createWith(resource, input, options ?? {}),
    (object, options = {}) => writeObject("create", object, options)
  )
}

/** Creates (POST) or replaces (PUT, by its name) an object given alone, its kind found for it. */
const writeObject = (
  verb: "create" | "replace",
  object: Resource.KubeObject,
  options: WriteOptions & ObjectOptions
): Effect.Effect<Resource.GenericObject, ObjectError, Requirements> =>
  Effect.gen(function* () {
    const { kind, encode } = yield* kindOf(object, options.registry)
    yield* namespaceAgrees(kind, object, options.namespace)
    const json = yield* send(verb === "create" ? "Client.create" : "Client.replace", {
      resource: kind,
      method: verb === "create" ? "POST" : "PUT",
      namespace: options.namespace,
      object,
      ...(verb === "replace" ? { name: yield* ApiRequest.nameOf(object) } : {}),
      write: options,
      body: yield* encode(object)
    })
    return yield* decodeAs(kind)(json)
  })

const createWith = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  input: Resource.Input<A>,
  options: WriteOptions
): Effect.Effect<A, ClientError, Requirements> =>
  Effect.gen(function* () {
    const body = yield* encodeWith(resource, Resource.complete(resource, input))
    const json = yield* send("Client.create", {
      resource,
      method: "POST",
      namespace: options.namespace,
      object: Resource.addressOf(resource, input),
      write: options,
      body
    })
    return yield* decodeAs(resource)(json)
  })

/**
 * Replaces an object (PUT): optimistic concurrency through `metadata.resourceVersion` (a stale one
 * is an `ApiError` of reason `Conflict`; see {@link retryOnConflict}). Given alone, the object
 * names its kind (see {@link create}).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const bump = Effect.flatMap(Client.get(ConfigMap, "settings"), (cm) =>
 *   Client.replace(ConfigMap, { ...cm, data: { ...cm.data, mode: "slow" } })
 * )
 * ```
 *
 * @since 0.1.0
 * @category writing
 */
export function replace<O extends Resource.KubeObject>(
  object: LoneObject<O>,
  options?: WriteOptions & ObjectOptions
): Effect.Effect<Resource.GenericObject, ObjectError, Requirements>
export function replace<A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  object: Resource.Input<A>,
  options?: WriteOptions
): Effect.Effect<A, ClientError, Requirements>
export function replace<A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  first: Resource.Resource<A, N, S, I> | LoneObject<Resource.KubeObject>,
  second?: Resource.Input<A> | (WriteOptions & ObjectOptions),
  third?: WriteOptions
): Effect.Effect<A | Resource.GenericObject, ObjectError, Requirements> {
  return byKindOrObject<
    A,
    N,
    S,
    I,
    Resource.Input<A>,
    WriteOptions & ObjectOptions,
    Effect.Effect<A | Resource.GenericObject, ObjectError, Requirements>
  >(
    first,
    second,
    third,
    (resource, input, options) => replaceAt(resource, input, options ?? {}, undefined),
    (object, options = {}) => writeObject("replace", object, options)
  )
}

const replaceAt = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  input: Resource.Input<A>,
  options: WriteOptions,
  subresource: string | undefined
): Effect.Effect<A, ClientError, Requirements> =>
  Effect.gen(function* () {
    const object = Resource.addressOf(resource, input)
    const name = yield* ApiRequest.nameOf(object)
    const body = yield* encodeWith(resource, Resource.complete(resource, input))
    const json = yield* send(subresource === "status" ? "Client.replaceStatus" : "Client.replace", {
      resource,
      method: "PUT",
      namespace: options.namespace,
      object,
      name,
      subresource,
      write: options,
      body
    })
    return yield* decodeAs(resource)(json)
  })

/**
 * Patch types: strategic merge (built-in kinds only), JSON merge, JSON patch, server-side apply.
 *
 * @since 0.1.0
 * @category models
 */
export type PatchType = "strategic" | "merge" | "json" | "apply"

const CONTENT_TYPES: Record<PatchType, string> = {
  strategic: "application/strategic-merge-patch+json",
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml"
}

/**
 * Options of {@link patch}.
 *
 * @since 0.1.0
 * @category models
 */
export interface PatchOptions extends WriteOptions {
  /** Default: `strategic` for built-in kinds, `merge` for custom ones (which have no strategy). */
  readonly patchType?: PatchType | undefined
  /** Server-side apply only: take over fields other managers own. */
  readonly force?: boolean | undefined
}

const patchAt = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  name: string,
  patchBody: unknown,
  options: PatchOptions,
  subresource: string | undefined
): Effect.Effect<A, ClientError, Requirements> =>
  Effect.gen(function* () {
    const patchType = options.patchType ?? (isBuiltinGroup(resource.group) ? "strategic" : "merge")
    if (
      patchType === "apply" &&
      !(yield* ApiRequest.writeQuery(options)).some(([k]) => k === "fieldManager")
    ) {
      return yield* new InvalidRequest({
        detail: "server-side apply needs a fieldManager (option or client default)"
      })
    }
    const json = yield* send(
      `Client.${patchType === "apply" ? "apply" : "patch"}${subresource === "status" ? "Status" : ""}`,
      {
        resource,
        method: "PATCH",
        namespace: options.namespace,
        name,
        subresource,
        write: options,
        query: [["force", patchType === "apply" && options.force === true ? "true" : undefined]],
        body: patchBody,
        contentType: CONTENT_TYPES[patchType]
      }
    )
    return yield* decodeAs(resource)(json)
  })

const isBuiltinGroup = (group: string) => group === "" || !group.includes(".") || group.endsWith(".k8s.io")

/**
 * Patches an object: strategic merge (default for built-in kinds), JSON merge (default for custom
 * kinds), JSON patch (an array of operations) or server-side apply.
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { Deployment } from "effect-kube/models/apps/v1"
 *
 * const scaled = Client.patch(Deployment, "web", { spec: { replicas: 3 } }, { namespace: "apps" })
 * const viaJsonPatch = Client.patch(Deployment, "web", [{ op: "replace", path: "/spec/replicas", value: 2 }], {
 *   patchType: "json"
 * })
 * ```
 *
 * @since 0.1.0
 * @category writing
 */
export const patch = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  name: string,
  patchBody: unknown,
  options: PatchOptions = {}
): Effect.Effect<A, ClientError, Requirements> => patchAt(resource, name, patchBody, options, undefined)

/**
 * Options of {@link apply}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApplyOptions extends WriteOptions {
  /** Take over the fields other managers own (else their conflict is an `ApiError` 409 with `conflicts`). */
  readonly force?: boolean | undefined
}

/**
 * Server-side apply: a PATCH with `application/apply-patch+yaml`. A field manager is required (the
 * option or the client default); a conflict with other managers is an `ApiError` (409) whose
 * `conflicts` name them. Given alone, the object names its kind (see {@link create}); for many
 * objects in dependency order, see {@link applyAll}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client, Codec } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const applied = Client.apply(ConfigMap, {
 *   metadata: { name: "settings", namespace: "apps" }, data: { mode: "fast" }
 * }, { fieldManager: "my-controller", force: true })
 * // Objects read from YAML, each alone:
 * const fromYaml = Effect.flatMap(Codec.loadAll("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: n }"), (objects) =>
 *   Effect.forEach(objects, (object) => Client.apply(object, { fieldManager: "my-controller" }))
 * )
 * ```
 *
 * @since 0.1.0
 * @category writing
 */
export function apply<O extends Resource.KubeObject>(
  object: LoneObject<O>,
  options?: ApplyOptions & ObjectOptions
): Effect.Effect<Resource.GenericObject, ObjectError, Requirements>
export function apply<A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  object: Resource.Input<A> | Resource.ApplyInput<A>,
  options?: ApplyOptions
): Effect.Effect<A, ClientError, Requirements>
export function apply<A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  first: Resource.Resource<A, N, S, I> | LoneObject<Resource.KubeObject>,
  second?: Resource.Input<A> | Resource.ApplyInput<A> | (ApplyOptions & ObjectOptions),
  third?: ApplyOptions
): Effect.Effect<A | Resource.GenericObject, ObjectError, Requirements> {
  return byKindOrObject<
    A,
    N,
    S,
    I,
    Resource.Input<A> | Resource.ApplyInput<A>,
    ApplyOptions & ObjectOptions,
    Effect.Effect<A | Resource.GenericObject, ObjectError, Requirements>
  >(
    first,
    second,
    third,
    (resource, input, options) => applyAt(resource, input, options ?? {}, undefined),
    (object, options = {}) =>
      Effect.flatMap(kindOf(object, options.registry), (found) => applyFound(found, object, options))
  )
}

/** Server-side apply of an object whose kind was found. */
const applyFound = (
  found: Found,
  object: Resource.KubeObject,
  options: ApplyOptions
): Effect.Effect<Resource.GenericObject, ClientError, Requirements> =>
  Effect.flatMap(targetOf(found.kind, object, options, "PATCH"), (target) =>
    applyTo(found, object, options, target)
  )

/** Server-side apply of an object whose kind and target were found. */
const applyTo = (
  { kind, encode }: Found,
  object: Resource.KubeObject,
  options: ApplyOptions,
  { name, namespace }: Target
): Effect.Effect<Resource.GenericObject, ClientError, Requirements> =>
  Effect.flatMap(encode(object), (body) =>
    patchAt(kind, name, body, { ...options, namespace, patchType: "apply" }, undefined)
  )

/** Where an object given alone is written: its name and namespace. */
interface Target {
  readonly name: string
  readonly namespace: string | undefined
}

/** The target of an object given alone; a namespace option that is not the object's is refused. */
const targetOf = (
  kind: Resource.ResourceInfo,
  object: Resource.KubeObject,
  options: NamespaceOption,
  method: ApiRequest.Method
): Effect.Effect<Target, InvalidRequest, KubeConfig> =>
  Effect.gen(function* () {
    yield* namespaceAgrees(kind, object, options.namespace)
    const name = yield* ApiRequest.nameOf(object)
    const namespace = yield* ApiRequest.namespaceOf({
      resource: kind,
      method,
      namespace: options.namespace,
      object
    })
    return { name, namespace }
  })

const applyAt = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  input: Resource.Input<A> | Resource.ApplyInput<A>,
  options: ApplyOptions,
  subresource: string | undefined
): Effect.Effect<A, ClientError, Requirements> =>
  Effect.gen(function* () {
    const apiVersion = input.apiVersion ?? resource.apiVersion
    const kind = input.kind ?? resource.kind
    // What addresses the object: its name and namespace (the rest may be any part of it).
    const meta: { readonly [key: string]: unknown } =
      isRecord(input) && isRecord(input.metadata) ? input.metadata : {}
    const object: Resource.KubeObject = {
      apiVersion,
      kind,
      metadata: {
        ...(typeof meta.name === "string" ? { name: meta.name } : {}),
        ...(typeof meta.namespace === "string" ? { namespace: meta.namespace } : {})
      }
    }
    const name = yield* ApiRequest.nameOf(object)
    // A part of an object, each field given checked by the kind's Schema (every field optional).
    const given = yield* Schema.encodeUnknown(Resource.applySchema(resource))({ ...input, apiVersion, kind })
    const namespace = yield* ApiRequest.namespaceOf({
      resource,
      method: "PATCH",
      namespace: options.namespace,
      object
    })
    // The status alone to the status sub-resource: the other fields of the object would be
    // recorded as owned by this manager too (servers before 1.22), and conflict later with the
    // spec's owners.
    // A kind read in another form (metadataOnly) is applied as itself: the apiserver refuses an
    // apply body of another kind.
    const of = resource.representation?.of
    const encoded =
      of !== undefined && isRecord(given) ? { ...given, apiVersion: of.apiVersion, kind: of.kind } : given
    const body =
      subresource === "status"
        ? {
            apiVersion: resource.apiVersion,
            kind: resource.kind,
            metadata: { name, ...(namespace !== undefined ? { namespace } : {}) },
            ...(isRecord(encoded) && encoded.status !== undefined ? { status: encoded.status } : {})
          }
        : encoded
    return yield* patchAt(resource, name, body, { ...options, namespace, patchType: "apply" }, subresource)
  })

/**
 * Sets labels and annotations with a JSON merge patch; a `null` value removes the key.
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { Deployment } from "effect-kube/models/apps/v1"
 *
 * const marked = Client.set(Deployment, "web", { labels: { tier: "front", old: null }, annotations: { note: "x" } })
 * ```
 *
 * @since 0.1.0
 * @category writing
 */
export const set = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  name: string,
  changes: {
    readonly labels?: { readonly [key: string]: string | null } | undefined
    readonly annotations?: { readonly [key: string]: string | null } | undefined
  },
  options: WriteOptions = {}
): Effect.Effect<A, ClientError, Requirements> =>
  patchAt(
    resource,
    name,
    {
      metadata: {
        ...(changes.labels !== undefined ? { labels: changes.labels } : {}),
        ...(changes.annotations !== undefined ? { annotations: changes.annotations } : {})
      }
    },
    { ...options, patchType: "merge" },
    undefined
  )

/**
 * Options of deletes.
 *
 * @since 0.1.0
 * @category models
 */
export interface DeleteOptions extends NamespaceOption {
  /** Seconds before the object is killed; 0 deletes at once. */
  readonly gracePeriod?: number | undefined
  /**
   * What happens to dependents (`propagationPolicy`): `Background` (default of most kinds),
   * `Foreground` or `Orphan`.
   */
  readonly cascade?: "Background" | "Foreground" | "Orphan" | undefined
  readonly dryRun?: boolean | undefined
  /**
   * Delete only if the object is still this one (`uid`: not deleted and created again meanwhile)
   * and at this version (`resourceVersion`: unchanged since read); else `ApiError` 409 Conflict.
   */
  readonly preconditions?:
    | { readonly uid?: string | undefined; readonly resourceVersion?: string | undefined }
    | undefined
}

/** The `DeleteOptions` body of a delete with preconditions (the query cannot carry them). */
const deleteBody = (options: DeleteOptions): unknown => {
  const p = options.preconditions
  if (p === undefined || (p.uid === undefined && p.resourceVersion === undefined)) return undefined
  return {
    apiVersion: "v1",
    kind: "DeleteOptions",
    preconditions: {
      ...(p.uid !== undefined ? { uid: p.uid } : {}),
      ...(p.resourceVersion !== undefined ? { resourceVersion: p.resourceVersion } : {})
    }
  }
}

const deleteQuery = (options: DeleteOptions) =>
  Effect.map(
    ApiRequest.dryRunOf(options.dryRun),
    (dryRun): ReadonlyArray<readonly [string, string | undefined]> => [
      ["gracePeriodSeconds", options.gracePeriod !== undefined ? String(options.gracePeriod) : undefined],
      ["propagationPolicy", options.cascade],
      ["dryRun", dryRun ? "All" : undefined]
    ]
  )

/**
 * Deletes an object.
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { Deployment } from "effect-kube/models/apps/v1"
 *
 * const gone = Client.delete(Deployment, "web", { namespace: "apps", cascade: "Foreground" })
 * ```
 *
 * @since 0.1.0
 * @category writing
 */
export function del<O extends Resource.KubeObject>(
  object: LoneObject<O>,
  options?: DeleteOptions & ObjectOptions
): Effect.Effect<void, ObjectError, Requirements>
export function del<A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  name: string,
  options?: DeleteOptions
): Effect.Effect<void, ClientError, Requirements>
export function del<A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  first: Resource.Resource<A, N, S, I> | LoneObject<Resource.KubeObject>,
  second?: string | (DeleteOptions & ObjectOptions),
  third?: DeleteOptions
): Effect.Effect<void, ObjectError, Requirements> {
  return byKindOrObject<
    A,
    N,
    S,
    I,
    string,
    DeleteOptions & ObjectOptions,
    Effect.Effect<void, ObjectError, Requirements>
  >(
    first,
    second,
    third,
    (resource, name, options) => deleteNamed(resource, name, options ?? {}),
    (object, options = {}) =>
      Effect.flatMap(kindOf(object, options.registry), ({ kind }) => deleteFound(kind, object, options))
  )
}

/**
 * Deletes an object given alone: by its name and namespace; one read from the cluster (it has a
 * `uid`) only if it is still that one (a `uid` precondition, unless `preconditions` are given).
 */
const deleteFound = (
  kind: Resource.Resource<Resource.GenericObject, boolean, string>,
  object: Resource.KubeObject,
  options: DeleteOptions
): Effect.Effect<void, ClientError, Requirements> =>
  Effect.flatMap(targetOf(kind, object, options, "DELETE"), (target) =>
    deleteAt(kind, object, options, target)
  )

/** Deletes an object given alone at its target. */
const deleteAt = (
  kind: Resource.Resource<Resource.GenericObject, boolean, string>,
  object: Resource.KubeObject,
  options: DeleteOptions,
  { name, namespace }: Target
): Effect.Effect<void, ClientError, Requirements> =>
  Effect.gen(function* () {
    const uid = object.metadata?.uid
    const body = deleteBody(
      options.preconditions === undefined && uid !== undefined && uid !== ""
        ? { ...options, preconditions: { uid } }
        : options
    )
    yield* send("Client.delete", {
      resource: kind,
      method: "DELETE",
      namespace,
      object,
      name,
      query: yield* deleteQuery(options),
      ...(body !== undefined ? { body } : {})
    })
  })

const deleteNamed = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  name: string,
  options: DeleteOptions
): Effect.Effect<void, ClientError, Requirements> =>
  Effect.gen(function* () {
    // A name that is missing (an untyped caller) would address the collection: a deletecollection.
    yield* checkSegment("name", name)
    const body = deleteBody(options)
    yield* send("Client.delete", {
      resource,
      method: "DELETE",
      namespace: options.namespace,
      name,
      query: yield* deleteQuery(options),
      ...(body !== undefined ? { body } : {})
    })
  })

export {
  /**
   * Deletes an object (`delete` is a reserved word: the function is `del`, exported as `delete`).
   *
   * @example
   * ```ts
   * import { Client } from "effect-kube"
   * import { ConfigMap } from "effect-kube/models/core/v1"
   *
   * const gone = Client.delete(ConfigMap, "settings")
   * ```
   *
   * @since 0.1.0
   * @category writing
   */
  del as delete
}

// --- many objects -----------------------------------------------------------------------

/**
 * What {@link applyAll} or {@link deleteAll} did to one object: kubectl's `configmap/settings
 * created` as data.
 *
 * @example
 * ```ts
 * import type { Client } from "effect-kube"
 *
 * const line = (c: Client.Change) => `${c.kind.toLowerCase()}/${c.name} ${c.action}`
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export interface Change {
  readonly apiVersion: string
  readonly kind: string
  /** The namespace written to (`undefined` for a cluster-scoped kind). */
  readonly namespace: string | undefined
  readonly name: string
  /**
   * `created`, `configured` (changed) or `unchanged` by an apply; `deleted` or `absent` (there was
   * nothing to delete, or the kind is not served) by a delete.
   */
  readonly action: "created" | "configured" | "unchanged" | "deleted" | "absent"
  /** The object as the server answered the apply (not for deletes, nor in a `BatchError`'s `done`). */
  readonly object?: Resource.GenericObject | undefined
}

/**
 * {@link applyAll} or {@link deleteAll} stopped at an object that failed: which, why (`cause`),
 * and what was done before it (`done`, without the objects: an error may be logged).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client } from "effect-kube"
 *
 * const report = (objects: ReadonlyArray<{ apiVersion: string; kind: string }>) =>
 *   Client.applyAll(objects, { fieldManager: "deployer" }).pipe(
 *     Effect.catchTag("BatchError", (e) => Effect.logError(e.message, e.done))
 *   )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class BatchError extends Data.TaggedError("BatchError")<{
  readonly verb: "apply" | "delete"
  readonly failed: {
    readonly apiVersion: string
    readonly kind: string
    readonly namespace: string | undefined
    readonly name: string
  }
  readonly cause: ObjectError
  readonly done: ReadonlyArray<Change>
}> {
  override get message(): string {
    const { kind, namespace, name } = this.failed
    const what = `${kind} ${namespace !== undefined ? `${namespace}/` : ""}${name === "" ? "(no name)" : name}`
    return `${this.verb} of ${what} failed after ${this.done.length} done: ${this.cause.message}`
  }
}

/**
 * Options of {@link applyAll}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApplyAllOptions extends ApplyOptions, ObjectOptions {
  /**
   * How long the custom resources of a CustomResourceDefinition applied in the same batch wait for
   * the cluster to serve their kind (it answers 404 until the definition is established). Default:
   * 30 seconds.
   */
  readonly crdTimeout?: Duration.DurationInput | undefined
}

const keyOfKind = (apiVersion: string, kind: string) => `${apiVersion}|${kind}`

/**
 * Server-side applies objects given alone (e.g. everything `Codec.loadAll` read) in dependency
 * order (`Codec.sortObjects`: namespaces and CRDs first, webhooks last), each found its kind as
 * {@link apply} does — the kinds of CustomResourceDefinitions of the batch included, whose objects
 * wait (`crdTimeout`) until the cluster serves them — and says what each did (`created`,
 * `configured`, `unchanged`: kubectl apply's output as data). Stops at the first failure with a
 * {@link BatchError} naming the object and what was done before it.
 *
 * @example
 * ```ts
 * import { Console, Effect } from "effect"
 * import { Client, Codec } from "effect-kube"
 *
 * const deploy = (manifest: string) =>
 *   Effect.gen(function* () {
 *     const objects = yield* Codec.loadAll(manifest)
 *     const changes = yield* Client.applyAll(objects, { fieldManager: "deployer", force: true })
 *     for (const c of changes) yield* Console.log(`${c.kind}/${c.name} ${c.action}`)
 *   })
 * ```
 *
 * @since 0.1.0
 * @category writing
 */
export const applyAll = (
  objects: Iterable<Resource.KubeObject>,
  options: ApplyAllOptions = {}
): Effect.Effect<ReadonlyArray<Change>, BatchError, Requirements> => {
  // Read once, when called: a one-shot iterable (a generator) serves every run of the Effect.
  const all = [...objects]
  return Effect.gen(function* () {
    const sorted = Order.sortObjects(all)
    const cache: DiscoveryCache = new Map()
    const dryRun = yield* ApiRequest.dryRunOf(options.dryRun)
    const crdTimeout = Duration.decode(options.crdTimeout ?? Duration.seconds(30))
    let registry = options.registry ?? Registry.empty
    const definedHere = new Set<string>()
    const done: Array<Change> = []
    for (const object of sorted) {
      const waits = definedHere.has(keyOfKind(object.apiVersion, object.kind))
      const change = yield* applyOne(
        object,
        registry,
        cache,
        options,
        dryRun,
        waits ? crdTimeout : undefined
      ).pipe(
        Effect.mapError(
          (cause) =>
            new BatchError({
              verb: "apply",
              failed: describe(object, options),
              cause,
              done: done.map(withoutObject)
            })
        )
      )
      done.push(change)
      // A dry run defines nothing: the custom resources of its CRDs are of kinds not served.
      const defined = dryRun ? [] : crdKinds(object).map(Registry.entry)
      if (defined.length > 0) {
        registry = Registry.add(registry, defined)
        for (const entry of defined) definedHere.add(keyOfKind(entry.info.apiVersion, entry.info.kind))
      }
    }
    return done
  }).pipe(Effect.withSpan("Client.applyAll", { attributes: { "k8s.batch.size": all.length } }))
}

/** A change as a failure carries it: without the object (an error may be logged; a Secret's data must not). */
const withoutObject = ({ object: _object, ...change }: Change): Change => change

/** An object as a failure names it (before its namespace was resolved: as given). */
const describe = (object: Resource.KubeObject, options: NamespaceOption): BatchError["failed"] => ({
  apiVersion: object.apiVersion,
  kind: object.kind,
  namespace: options.namespace ?? object.metadata?.namespace,
  name: object.metadata?.name ?? ""
})

const applyOne = (
  object: Resource.KubeObject,
  registry: Registry.Registry,
  cache: DiscoveryCache,
  options: ApplyOptions,
  dryRun: boolean,
  /** Set for the objects of a kind a CRD of the batch defines: how long a 404 is retried. */
  servedWithin: Duration.Duration | undefined
): Effect.Effect<Change, ObjectError, Requirements> =>
  Effect.gen(function* () {
    const found = yield* kindOf(object, registry, cache)
    // Checked before anything is sent (the read below included).
    const target = yield* targetOf(found.kind, object, options, "PATCH")
    const { name, namespace } = target
    const served = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      servedWithin === undefined
        ? effect
        : Effect.retry(effect, {
            schedule: Schedule.spaced("250 millis").pipe(Schedule.upTo(servedWithin)),
            while: (e) => e instanceof ApiError.ApiError && e.code === 404
          })
    // A kind not served yet reads as no object (404): created, once served.
    const before = yield* getOption(found.kind, name, { namespace })
    const after = yield* served(applyTo(found, object, options, target))
    const action = Option.isNone(before)
      ? "created"
      : changed(before.value, after, dryRun)
        ? "configured"
        : "unchanged"
    return {
      apiVersion: object.apiVersion,
      kind: object.kind,
      namespace: found.kind.namespaced ? namespace : undefined,
      name,
      action,
      object: after
    }
  })

/**
 * Options of {@link deleteAll}.
 *
 * @since 0.1.0
 * @category models
 */
export interface DeleteAllOptions extends DeleteOptions, ObjectOptions {}

/**
 * Deletes objects given alone in the reverse dependency order (webhooks and custom resources
 * first, CRDs and namespaces last), each found its kind as {@link delete} does, and says what each
 * did: `deleted`, or `absent` (already gone, or its kind is not served). An object read from the
 * cluster (with a `uid`) is deleted only if it is still that one. Stops at the first failure with
 * a {@link BatchError}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client, Codec } from "effect-kube"
 *
 * const undeploy = (manifest: string) =>
 *   Effect.flatMap(Codec.loadAll(manifest), (objects) => Client.deleteAll(objects, { cascade: "Foreground" }))
 * ```
 *
 * @since 0.1.0
 * @category writing
 */
export const deleteAll = (
  objects: Iterable<Resource.KubeObject>,
  options: DeleteAllOptions = {}
): Effect.Effect<ReadonlyArray<Change>, BatchError, Requirements> => {
  const all = [...objects]
  return Effect.gen(function* () {
    const sorted = Order.sortObjects(all, { reverse: true })
    const cache: DiscoveryCache = new Map()
    const done: Array<Change> = []
    for (const object of sorted) {
      const change = yield* deleteOne(object, cache, options).pipe(
        Effect.mapError(
          (cause) =>
            new BatchError({ verb: "delete", failed: describe(object, options), cause, done: [...done] })
        )
      )
      done.push(change)
    }
    return done
  }).pipe(Effect.withSpan("Client.deleteAll", { attributes: { "k8s.batch.size": all.length } }))
}

const deleteOne = (
  object: Resource.KubeObject,
  cache: DiscoveryCache,
  options: DeleteAllOptions
): Effect.Effect<Change, ObjectError, Requirements> =>
  Effect.gen(function* () {
    const name = yield* ApiRequest.nameOf(object)
    const absent = (namespace: string | undefined): Change => ({
      apiVersion: object.apiVersion,
      kind: object.kind,
      namespace,
      name,
      action: "absent"
    })
    const found = yield* Effect.either(kindOf(object, options.registry, cache))
    // A kind the cluster does not serve has no objects.
    if (Either.isLeft(found)) {
      if (found.left._tag === "UnknownKind") return absent(options.namespace ?? object.metadata?.namespace)
      return yield* found.left
    }
    const { kind } = found.right
    const target = yield* targetOf(kind, object, options, "DELETE")
    const at = kind.namespaced ? target.namespace : undefined
    return yield* deleteAt(kind, object, options, target).pipe(
      Effect.as<Change>({
        apiVersion: object.apiVersion,
        kind: object.kind,
        namespace: at,
        name,
        action: "deleted"
      }),
      Effect.catchIf(
        (e): e is ApiError.ApiError => e._tag === "ApiError" && e.code === 404,
        () => Effect.succeed(absent(at))
      )
    )
  })

/**
 * Deletes every object that matches the selectors (`deletecollection`).
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const cleaned = Client.deleteCollection(ConfigMap, { namespace: "apps", labels: { temp: "true" } })
 * ```
 *
 * @since 0.1.0
 * @category writing
 */
export const deleteCollection = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  options: DeleteCollectionOptions = {}
): Effect.Effect<void, ClientError, Requirements> =>
  Effect.gen(function* () {
    yield* send("Client.deleteCollection", {
      resource,
      method: "DELETE",
      scope: "collection",
      namespace: options.namespace,
      select: options,
      query: [
        ...(yield* deleteQuery(options)),
        ["resourceVersion", options.resourceVersion],
        [
          "resourceVersionMatch",
          options.resourceVersion !== undefined ? options.resourceVersionMatch : undefined
        ],
        ["timeoutSeconds", options.timeoutSeconds !== undefined ? String(options.timeoutSeconds) : undefined],
        ["limit", options.limit !== undefined ? String(options.limit) : undefined]
      ]
    })
  })

/**
 * Options of {@link deleteCollection}: which objects (the list options), and how (the delete
 * options; `cascade` is the `propagationPolicy` of each).
 *
 * @since 0.1.0
 * @category models
 */
export interface DeleteCollectionOptions extends SelectOptions, Omit<DeleteOptions, "preconditions"> {
  readonly resourceVersion?: string | undefined
  readonly resourceVersionMatch?: "NotOlderThan" | "Exact" | undefined
  readonly timeoutSeconds?: number | undefined
  /** At most this many objects per call (the server deletes them in one go otherwise). */
  readonly limit?: number | undefined
}

// --- sub-resources ---------------------------------------------------------------------

/**
 * Reads the `status` sub-resource (kinds without one are a type error).
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { Deployment } from "effect-kube/models/apps/v1"
 *
 * const status = Client.getStatus(Deployment, "web")
 * ```
 *
 * @since 0.1.0
 * @category sub-resources
 */
export const getStatus = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "status", I>,
  name: string,
  options: NamespaceOption = {}
): Effect.Effect<A, ClientError, Requirements> =>
  Effect.gen(function* () {
    const json = yield* send("Client.getStatus", {
      resource,
      method: "GET",
      namespace: options.namespace,
      name,
      subresource: "status"
    })
    return yield* decodeAs(resource)(json)
  })

/**
 * Replaces the `status` sub-resource (the object's status is written; its spec is ignored).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client } from "effect-kube"
 * import { Pod } from "effect-kube/models/core/v1"
 *
 * const running = Effect.flatMap(Client.get(Pod, "web"), (pod) =>
 *   Client.replaceStatus(Pod, { ...pod, status: { ...pod.status, phase: "Running" } })
 * )
 * ```
 *
 * @since 0.1.0
 * @category sub-resources
 */
export const replaceStatus = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "status", I>,
  object: Resource.Input<A>,
  options: WriteOptions = {}
): Effect.Effect<A, ClientError, Requirements> => replaceAt(resource, object, options, "status")

/**
 * Patches the `status` sub-resource.
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { Pod } from "effect-kube/models/core/v1"
 *
 * const ready = Client.patchStatus(Pod, "web", { status: { conditions: [{ type: "Ready", status: "True" }] } })
 * ```
 *
 * @since 0.1.0
 * @category sub-resources
 */
export const patchStatus = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "status", I>,
  name: string,
  patchBody: unknown,
  options: PatchOptions = {}
): Effect.Effect<A, ClientError, Requirements> =>
  options.patchType === "apply"
    ? Effect.fail(new InvalidRequest({ detail: "use applyStatus for server-side apply of the status" }))
    : patchAt(resource, name, patchBody, options, "status")

/**
 * Server-side apply of the `status` sub-resource: the object (or a part of it: {@link apply}) is
 * checked, and its `status` alone is sent (with its `apiVersion`, `kind`, name and namespace), so the field manager owns
 * the status fields and nothing else.
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { Deployment } from "effect-kube/models/apps/v1"
 *
 * declare const observed: Deployment
 * const applied = Client.applyStatus(Deployment, observed, { fieldManager: "my-controller" })
 * ```
 *
 * @since 0.1.0
 * @category sub-resources
 */
export const applyStatus = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "status", I>,
  object: Resource.Input<A> | Resource.ApplyInput<A>,
  options: ApplyOptions = {}
): Effect.Effect<A, ClientError, Requirements> => applyAt(resource, object, options, "status")

/** One call on the `scale` sub-resource of `name`, its answer read as a Scale. */
const scaleCall = (
  resource: Resource.ResourceInfo,
  name: string,
  options: WriteOptions,
  call: {
    readonly method: ApiRequest.Method
    readonly body?: unknown
    readonly contentType?: string
    readonly write: boolean
  }
): Effect.Effect<Scale, ClientError, Requirements> =>
  Effect.gen(function* () {
    const json = yield* send(
      call.method === "GET"
        ? "Client.getScale"
        : call.method === "PUT"
          ? "Client.replaceScale"
          : "Client.patchScale",
      {
        resource,
        method: call.method,
        namespace: options.namespace,
        name,
        subresource: "scale",
        write: call.write ? options : undefined,
        body: call.body,
        contentType: call.contentType
      }
    )
    return yield* toScale(json)
  })

/** The server leaves out apiVersion/kind of a Scale at times: fill them, then validate fully. */
const toScale = (json: unknown): Effect.Effect<Scale, ParseResult.ParseError> =>
  Schema.decodeUnknown(Autoscaling.Scale)(
    isRecord(json) ? { apiVersion: "autoscaling/v1", kind: "Scale", ...json } : json
  )

/**
 * Reads the `scale` sub-resource (`autoscaling/v1` `Scale`; kinds without one are a type error).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client } from "effect-kube"
 * import { Deployment } from "effect-kube/models/apps/v1"
 *
 * const replicas = Effect.map(Client.getScale(Deployment, "web"), (s) => s.spec?.replicas)
 * ```
 *
 * @since 0.1.0
 * @category sub-resources
 */
export const getScale = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "scale", I>,
  name: string,
  options: NamespaceOption = {}
): Effect.Effect<Scale, ClientError, Requirements> =>
  scaleCall(resource, name, options, { method: "GET", write: false })

/**
 * Replaces the `scale` sub-resource.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client } from "effect-kube"
 * import { Deployment } from "effect-kube/models/apps/v1"
 *
 * const three = Effect.flatMap(Client.getScale(Deployment, "web"), (s) =>
 *   Client.replaceScale(Deployment, "web", { ...s, spec: { replicas: 3 } })
 * )
 * ```
 *
 * @since 0.1.0
 * @category sub-resources
 */
export const replaceScale = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "scale", I>,
  name: string,
  scale: Scale,
  options: WriteOptions = {}
): Effect.Effect<Scale, ClientError, Requirements> =>
  scaleCall(resource, name, options, { method: "PUT", body: scale, write: true })

/**
 * Patches the `scale` sub-resource (a merge patch by default).
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { Deployment } from "effect-kube/models/apps/v1"
 *
 * const five = Client.patchScale(Deployment, "web", { spec: { replicas: 5 } })
 * ```
 *
 * @since 0.1.0
 * @category sub-resources
 */
export const patchScale = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "scale", I>,
  name: string,
  patchBody: unknown,
  options: PatchOptions = {}
): Effect.Effect<Scale, ClientError, Requirements> =>
  scaleCall(resource, name, options, {
    method: "PATCH",
    body: patchBody,
    contentType: CONTENT_TYPES[options.patchType ?? "merge"],
    write: true
  })

/**
 * Server-side apply of the `scale` sub-resource: sets `spec.replicas` as the field manager's (an
 * HPA-like controller owning the replicas while another manager owns the rest of the spec).
 * Servers before 1.21 refuse apply on sub-resources (an `ApiError`).
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { Deployment } from "effect-kube/models/apps/v1"
 *
 * const three = Client.applyScale(Deployment, "web", 3, { fieldManager: "autoscaler", force: true })
 * ```
 *
 * @since 0.1.0
 * @category sub-resources
 */
export const applyScale = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "scale", I>,
  name: string,
  replicas: number,
  options: ApplyOptions = {}
): Effect.Effect<Scale, ClientError, Requirements> =>
  Effect.gen(function* () {
    const namespace = yield* ApiRequest.namespaceOf({
      resource,
      method: "PATCH",
      namespace: options.namespace,
      name
    })
    const json = yield* send("Client.applyScale", {
      resource,
      method: "PATCH",
      namespace,
      name,
      subresource: "scale",
      write: options,
      query: options.force === true ? [["force", "true"]] : [],
      contentType: CONTENT_TYPES.apply,
      body: {
        apiVersion: "autoscaling/v1",
        kind: "Scale",
        metadata: { name, ...(namespace !== undefined ? { namespace } : {}) },
        spec: { replicas }
      }
    })
    return yield* toScale(json)
  })

/** An object's JSON, read for a sub-resource write that changes one part of it. */
const readJson = (
  resource: Resource.ResourceInfo,
  name: string,
  options: NamespaceOption
): Effect.Effect<{ readonly [key: string]: unknown }, ClientError, Requirements> =>
  Effect.flatMap(
    send("Client.get", { resource, method: "GET", namespace: options.namespace, name }),
    (json) =>
      isRecord(json)
        ? Effect.succeed(json)
        : Effect.fail(
            new ParseResult.ParseError({
              issue: new ParseResult.Type(Schema.Object.ast, json, `a ${resource.kind} is an object`)
            })
          )
  )

/**
 * Reads an object's JSON and writes it back through one of its sub-resources, changed by `change`
 * (the `resourceVersion` read is carried: a concurrent change is a 409); a change to `undefined`
 * writes nothing (the object already is as asked) and answers the object read.
 */
const rewriteThrough = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  operationName: string,
  resource: Resource.Resource<A, N, S, I>,
  name: string,
  subresource: S,
  options: WriteOptions,
  change: (current: { readonly [key: string]: unknown }) => Effect.Effect<unknown>
): Effect.Effect<A, ClientError, Requirements> =>
  Effect.gen(function* () {
    const current = yield* readJson(resource, name, options)
    const body = yield* change(current)
    if (body === undefined) return yield* decodeAs(resource)(current)
    const json = yield* send(operationName, {
      resource,
      method: "PUT",
      namespace: options.namespace,
      name,
      subresource,
      write: options,
      body
    })
    return yield* decodeAs(resource)(json)
  })

/** A part of an object's JSON (an empty object where it has none). */
const partOf = (
  json: { readonly [key: string]: unknown },
  key: string
): { readonly [key: string]: unknown } => {
  const part = json[key]
  return isRecord(part) ? part : {}
}

/**
 * Sets a namespace's `spec.finalizers` through its `finalize` sub-resource (the namespace
 * controller's last step: a Terminating namespace goes once they are empty). Returns the namespace.
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { Namespace } from "effect-kube/models/core/v1"
 *
 * // Let a namespace stuck in Terminating (its controller gone) go:
 * const released = Client.finalize(Namespace, "old", [])
 * ```
 *
 * @since 0.1.0
 * @category sub-resources
 */
export const finalize = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "finalize", I>,
  name: string,
  finalizers: ReadonlyArray<string>,
  options: WriteOptions = {}
): Effect.Effect<A, ClientError, Requirements> =>
  rewriteThrough("Client.finalize", resource, name, "finalize", options, (current) =>
    Effect.succeed({ ...current, spec: { ...partOf(current, "spec"), finalizers } })
  )

/**
 * Binds a pod to a node (its `binding` sub-resource: what a scheduler does; the pod must not be
 * bound yet, else `ApiError` 409).
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { Pod } from "effect-kube/models/core/v1"
 *
 * const scheduled = Client.bind(Pod, "web-0", "node-1", { namespace: "apps" })
 * ```
 *
 * @since 0.1.0
 * @category sub-resources
 */
export const bind = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "binding", I>,
  name: string,
  node: string,
  options: WriteOptions = {}
): Effect.Effect<void, ClientError, Requirements> =>
  Effect.gen(function* () {
    yield* checkSegment("name", node)
    const namespace = yield* ApiRequest.namespaceOf({
      resource,
      method: "POST",
      namespace: options.namespace,
      name
    })
    yield* send("Client.bind", {
      resource,
      method: "POST",
      namespace,
      name,
      subresource: "binding",
      write: options,
      body: {
        apiVersion: "v1",
        kind: "Binding",
        metadata: { name, ...(namespace !== undefined ? { namespace } : {}) },
        target: { apiVersion: "v1", kind: "Node", name: node }
      }
    })
  })

/**
 * Adds an ephemeral container to a running pod (its `ephemeralcontainers` sub-resource, as
 * `kubectl debug` does; Kubernetes 1.23+, or 1.22+ with the feature on): the pod is read and
 * written back with the container added, carrying its `resourceVersion` (a concurrent change is an
 * `ApiError` 409: see {@link retryOnConflict}). Returns the pod.
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { Pod } from "effect-kube/models/core/v1"
 *
 * const debugged = Client.addEphemeralContainer(Pod, "web-0", {
 *   name: "debugger", image: "busybox:1.36", command: ["sh"], stdin: true, tty: true, targetContainerName: "web"
 * })
 * ```
 *
 * @since 0.1.0
 * @category sub-resources
 */
export const addEphemeralContainer = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "ephemeralcontainers", I>,
  name: string,
  container: { readonly name: string; readonly image?: string | undefined; readonly [key: string]: unknown },
  options: WriteOptions = {}
): Effect.Effect<A, ClientError, Requirements> =>
  rewriteThrough(
    "Client.addEphemeralContainer",
    resource,
    name,
    "ephemeralcontainers",
    options,
    (current) => {
      const spec = partOf(current, "spec")
      const existing = Array.isArray(spec.ephemeralContainers) ? spec.ephemeralContainers : []
      return Effect.succeed({ ...current, spec: { ...spec, ephemeralContainers: [...existing, container] } })
    }
  )

/**
 * Patches a pod's container resources in place (its `resize` sub-resource, Kubernetes 1.33+; older
 * servers answer 404). A strategic merge patch by default, e.g.
 * `{ spec: { containers: [{ name: "web", resources: { limits: { cpu: "2" } } }] } }`.
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { Pod } from "effect-kube/models/core/v1"
 *
 * const bigger = Client.resize(Pod, "web-0", {
 *   spec: { containers: [{ name: "web", resources: { requests: { cpu: "500m" }, limits: { cpu: "1" } } }] }
 * })
 * ```
 *
 * @since 0.1.0
 * @category sub-resources
 */
export const resize = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "resize", I>,
  name: string,
  patchBody: unknown,
  options: PatchOptions = {}
): Effect.Effect<A, ClientError, Requirements> => patchAt(resource, name, patchBody, options, "resize")

/**
 * Options of {@link approve} and {@link deny}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApprovalOptions extends WriteOptions {
  /** The condition's reason (CamelCase). Default: `ApprovedByEffectKube` / `DeniedByEffectKube`. */
  readonly reason?: string | undefined
  readonly message?: string | undefined
}

const decide = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "approval", I>,
  name: string,
  type: "Approved" | "Denied",
  options: ApprovalOptions
): Effect.Effect<A, ClientError, Requirements> =>
  rewriteThrough(
    type === "Approved" ? "Client.approve" : "Client.deny",
    resource,
    name,
    "approval",
    options,
    (current) =>
      Effect.map(Clock.currentTimeMillis, (millis) => {
        const status = partOf(current, "status")
        const conditions = Array.isArray(status.conditions) ? status.conditions : []
        // Already decided so: nothing to write (kubectl's no-op). The opposite decision is the
        // server's to refuse (422: Approved and Denied are mutually exclusive).
        if (conditions.some((c) => isRecord(c) && c.type === type && c.status === "True")) return undefined
        const now = new Date(millis).toISOString().replace(/\.\d{3}Z$/, "Z")
        const condition = {
          type,
          status: "True",
          reason: options.reason ?? `${type}ByEffectKube`,
          message: options.message ?? `${type.toLowerCase()} with effect-kube`,
          lastUpdateTime: now,
          lastTransitionTime: now
        }
        return { ...current, status: { ...status, conditions: [...conditions, condition] } }
      })
  )

/**
 * Approves a CertificateSigningRequest (its `approval` sub-resource, as `kubectl certificate
 * approve`): an `Approved` condition added (nothing written if it is there; a denied one is an
 * `ApiError` 422); the signer then issues the certificate.
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { CertificateSigningRequest } from "effect-kube/models/certificates/v1"
 *
 * const approved = Client.approve(CertificateSigningRequest, "node-csr-abc", { reason: "NodeKnown" })
 * ```
 *
 * @since 0.1.0
 * @category sub-resources
 */
export const approve = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "approval", I>,
  name: string,
  options: ApprovalOptions = {}
): Effect.Effect<A, ClientError, Requirements> => decide(resource, name, "Approved", options)

/**
 * Denies a CertificateSigningRequest (a `Denied` condition through its `approval` sub-resource).
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { CertificateSigningRequest } from "effect-kube/models/certificates/v1"
 *
 * const denied = Client.deny(CertificateSigningRequest, "csr-unknown", { reason: "Unknown" })
 * ```
 *
 * @since 0.1.0
 * @category sub-resources
 */
export const deny = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "approval", I>,
  name: string,
  options: ApprovalOptions = {}
): Effect.Effect<A, ClientError, Requirements> => decide(resource, name, "Denied", options)

/**
 * Options of {@link createToken}.
 *
 * @since 0.1.0
 * @category models
 */
export interface TokenOptions extends NamespaceOption {
  /** Who the token is for (its `aud`). Default: the apiserver's own audiences. */
  readonly audiences?: ReadonlyArray<string> | undefined
  /** How long the token is valid, in seconds (the server may shorten it; at least 600). */
  readonly expirationSeconds?: number | undefined
  /** An object the token dies with (a Pod or a Secret of the namespace). */
  readonly boundObjectRef?:
    | { readonly apiVersion?: string; readonly kind: string; readonly name: string; readonly uid?: string }
    | undefined
}

/**
 * A token of a service account (`TokenRequest`): the token itself as a `Redacted` (it never
 * appears in logs, errors or inspection), and when it expires.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServiceAccountToken {
  readonly token: Redacted.Redacted<string>
  readonly expirationTimestamp: string
}

const TokenAnswer = Schema.Struct({
  status: Schema.Struct({ token: Schema.String, expirationTimestamp: Schema.String })
})

/**
 * Asks for a token of a service account (`serviceaccounts/token`: a `TokenRequest`, as
 * `kubectl create token`), for some audiences, valid for a while, bound to an object if given.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { Client } from "effect-kube"
 * import { ServiceAccount } from "effect-kube/models/core/v1"
 *
 * const bearer = Client.createToken(ServiceAccount, "builder", { namespace: "ci", audiences: ["vault"], expirationSeconds: 600 }).pipe(
 *   Effect.map(({ token }) => `Bearer ${Redacted.value(token)}`)
 * )
 * ```
 *
 * @since 0.1.0
 * @category sub-resources
 */
export const createToken = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "token", I>,
  name: string,
  options: TokenOptions = {}
): Effect.Effect<ServiceAccountToken, ClientError, Requirements> =>
  Effect.gen(function* () {
    const json = yield* send("Client.createToken", {
      resource,
      method: "POST",
      namespace: options.namespace,
      name,
      subresource: "token",
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: {
          audiences: options.audiences ?? [],
          ...(options.expirationSeconds !== undefined
            ? { expirationSeconds: options.expirationSeconds }
            : {}),
          ...(options.boundObjectRef !== undefined ? { boundObjectRef: options.boundObjectRef } : {})
        }
      }
    })
    // The failure names no part of the answer (it holds the token).
    const answer = yield* Schema.decodeUnknown(TokenAnswer)(json).pipe(
      Effect.mapError(
        () =>
          new ParseResult.ParseError({
            issue: new ParseResult.Type(
              TokenAnswer.ast,
              "object",
              "expected a TokenRequest with status.token"
            )
          })
      )
    )
    return {
      token: Redacted.make(answer.status.token),
      expirationTimestamp: answer.status.expirationTimestamp
    }
  })

/**
 * Evicts a pod (creates an `Eviction`), honouring PodDisruptionBudgets; a refused eviction is an
 * `ApiError` (429).
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { Pod } from "effect-kube/models/core/v1"
 *
 * const evicted = Client.evict(Pod, "web-0", { namespace: "apps", gracePeriod: 30 })
 * ```
 *
 * @since 0.1.0
 * @category sub-resources
 */
export const evict = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "eviction", I>,
  name: string,
  options: NamespaceOption & {
    readonly gracePeriod?: number | undefined
    readonly dryRun?: boolean | undefined
  } = {}
): Effect.Effect<void, ClientError, Requirements> =>
  Effect.gen(function* () {
    const namespace = yield* ApiRequest.namespaceOf({
      resource,
      method: "POST",
      namespace: options.namespace
    })
    const dryRun = yield* ApiRequest.dryRunOf(options.dryRun)
    const body = (version: string) => ({
      apiVersion: `policy/${version}`,
      kind: "Eviction",
      metadata: { name, ...(namespace !== undefined ? { namespace } : {}) },
      ...(options.gracePeriod !== undefined || dryRun === true
        ? {
            deleteOptions: {
              ...(options.gracePeriod !== undefined ? { gracePeriodSeconds: options.gracePeriod } : {}),
              ...(dryRun === true ? { dryRun: ["All"] } : {})
            }
          }
        : {})
    })
    const version = resource.subresources.eviction.version ?? "v1"
    const call = { resource, method: "POST", namespace, name, subresource: "eviction" } as const
    yield* send("Client.evict", { ...call, body: body(version) }).pipe(
      // Servers before 1.22 know only policy/v1beta1 evictions (as kubectl drain, fall back).
      Effect.catchIf(
        (e): e is ApiError.ApiError =>
          version !== "v1beta1" &&
          e._tag === "ApiError" &&
          e.code === 400 &&
          (e.status.message ?? "").includes(
            `no kind "Eviction" is registered for version "policy/${version}"`
          ),
        () => send("Client.evict", { ...call, body: body("v1beta1") })
      )
    )
  })

// --- helpers -----------------------------------------------------------------------------

/**
 * Whether a verb's failure may pass if the call is made again: the network (a connection refused,
 * reset or cut, not a TLS or configuration failure), a body cut while read, a timeout, the server
 * busy or failing (408, 429, 500, 502, 503, 504). Reads are retried so already by the transport;
 * writes are not (a write whose answer was lost may have been done: `create` then answers
 * `AlreadyExists`), so retrying one is the program's decision: {@link retryTransient}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * declare const object: ConfigMap
 * const created = Client.create(ConfigMap, object).pipe(Effect.retry({ times: 3, while: Client.isTransient }))
 * ```
 *
 * @since 0.1.0
 * @category helpers
 */
export const isTransient = (error: unknown): boolean => {
  if (error instanceof ApiError.ApiError) {
    return [408, 429, 500, 502, 503, 504].includes(error.code)
  }
  if (typeof error !== "object" || error === null || !("_tag" in error)) return false
  switch (error._tag) {
    case "RequestError":
      return (
        HttpClientError.isHttpClientError(error) &&
        error._tag === "RequestError" &&
        error.reason === "Transport" &&
        !KubeHttpClient.isConfigFailure(error) &&
        !KubeHttpClient.isTlsVerificationFailure(error)
      )
    case "ResponseError":
      return (
        HttpClientError.isHttpClientError(error) &&
        error._tag === "ResponseError" &&
        error.reason === "Decode"
      )
    case "TimeoutException":
      return true
    default:
      return false
  }
}

/**
 * Runs a call again while it fails for a transient reason ({@link isTransient}): by default 5 more
 * times, from 200 ms apart growing exponentially with jitter. For writes, make sure running one
 * twice is right (an `apply`, a `replace` with a `resourceVersion`, a `delete` with preconditions
 * are; a `create` may answer `AlreadyExists` the second time).
 *
 * @example
 * ```ts
 * import { Client } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * declare const object: ConfigMap
 * const applied = Client.retryTransient(Client.apply(ConfigMap, object, { fieldManager: "me" }))
 * ```
 *
 * @since 0.1.0
 * @category helpers
 */
export const retryTransient = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  schedule: Schedule.Schedule<unknown, unknown> = Schedule.exponential("200 millis").pipe(
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(5))
  )
): Effect.Effect<A, E, R> => Effect.retry(effect, { schedule, while: isTransient })

/**
 * Re-runs a read-modify-write while the server answers `Conflict` (409: the object changed
 * since it was read), as client-go's `retry.RetryOnConflict`. Other 409s (`AlreadyExists`, a
 * server-side apply conflict with other managers) are not retried. Default: up to 5 retries, 10 ms
 * apart growing exponentially with jitter.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const increment = Client.retryOnConflict(
 *   Effect.flatMap(Client.get(ConfigMap, "counter"), (cm) =>
 *     Client.replace(ConfigMap, { ...cm, data: { n: String(Number(cm.data?.n ?? "0") + 1) } })
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 * @category helpers
 */
export const retryOnConflict = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  schedule: Schedule.Schedule<unknown, unknown> = Schedule.exponential("10 millis").pipe(
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(5))
  )
): Effect.Effect<A, E, R> =>
  Effect.retry(effect, {
    schedule,
    while: (e) => e instanceof ApiError.ApiError && e.reason === "Conflict" && e.conflicts.length === 0
  })
