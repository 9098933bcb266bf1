/**
 * The one place where a call becomes a request: (kind, method, namespace, name, sub-resource,
 * options) → a checked `HttpClientRequest`. Every verb, watch, log, exec and discovery call is built
 * here, so the namespace rule, the path checks, the selectors and the write defaults are written
 * once. Nothing unchecked reaches a URL: a bad segment or query value is an `InvalidRequest`, a bad
 * selector a `SelectorError`, before anything is sent.
 *
 * @since 0.1.0
 */
import { HttpClientRequest } from "@effect/platform"
import { Effect, Either } from "effect"
import { KubeConfig } from "../config/KubeConfig.js"
import { checkQueryValue, checkSegment, InvalidRequest } from "../resource/InvalidRequest.js"
import * as Resource from "../resource/Resource.js"
import * as Selector from "../resource/Selector.js"
import { ClientDefaults } from "./ClientDefaults.js"

/**
 * HTTP methods of the Kubernetes API.
 *
 * @since 0.1.0
 * @category models
 */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/**
 * A call, before it is checked.
 *
 * @since 0.1.0
 * @category models
 */
export interface Call {
  readonly resource: Resource.ResourceInfo
  readonly method: Method
  /**
   * `"collection"` (list, watch, deleteCollection): the namespace is the option (`"*"`: every
   * namespace), else the default. `"object"` (the default: one object, or create): the option, else
   * the object's, else the default; `"*"` is refused (a destructive verb never runs on a guess).
   */
  readonly scope?: "object" | "collection" | undefined
  /** The explicit namespace option. */
  readonly namespace?: string | undefined
  /** The object written, whose `metadata.namespace` comes after the option. */
  readonly object?: Resource.KubeObject | undefined
  readonly name?: string | undefined
  readonly subresource?: string | undefined
  /** Label and field selectors (rendered and checked). */
  readonly select?:
    | {
        readonly labels?: Selector.LabelSelector | undefined
        readonly fields?: Selector.FieldSelector | undefined
      }
    | undefined
  /** Write options: `fieldManager` and `dryRun`, each defaulting to the client-wide default. */
  readonly write?:
    | {
        readonly fieldManager?: string | undefined
        readonly dryRun?: boolean | undefined
        readonly fieldValidation?: "Strict" | "Warn" | "Ignore" | undefined
      }
    | undefined
  /** Further query parameters (undefined values are left out; repeated names keep their order). */
  readonly query?: Iterable<readonly [string, string | undefined]> | undefined
  /** A JSON body. */
  readonly body?: unknown
  readonly contentType?: string | undefined
  readonly accept?: string | undefined
}

/**
 * A checked call: the path and the query, each part checked; what a WebSocket connects to, and
 * what {@link toHttp} makes a request of.
 *
 * @since 0.1.0
 * @category models
 */
export interface Target {
  readonly method: Method
  readonly path: string
  readonly query: ReadonlyArray<readonly [string, string]>
  /** The namespace the call addresses (undefined: cluster-scoped, or every namespace). */
  readonly namespace: string | undefined
  readonly body?: unknown
  readonly contentType?: string | undefined
  readonly accept?: string | undefined
}

/**
 * What can make a call unsendable.
 *
 * @since 0.1.0
 * @category errors
 */
export type BuildError = InvalidRequest | Selector.SelectorError

const fromEither = <A, E>(either: Either.Either<A, E>): Effect.Effect<A, E> =>
  Either.isRight(either) ? Effect.succeed(either.right) : Effect.fail(either.left)

/**
 * The namespace a call addresses, lightkube's rule (see {@link Call.scope}): for one object the
 * option, else the object's, else the client-wide default, else the `KubeConfig`'s; for a collection
 * the option (`"*"`: every namespace, `undefined`), else the defaults.
 *
 * @example
 * ```ts
 * import { ApiRequest } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const ns = ApiRequest.namespaceOf({ resource: ConfigMap, method: "GET", name: "settings" })
 * ```
 *
 * @since 0.1.0
 * @category namespaces
 */
export const namespaceOf = (call: Call): Effect.Effect<string | undefined, never, KubeConfig> => {
  // Plain values when the call decides (most calls): no Effect to run on the request path.
  const decided = decidedNamespace(call)
  if (decided !== DEFAULT_NAMESPACE) return Effect.succeed(decided)
  return defaultNamespace
}

/** The namespace of a call when the call itself decides it, else `DEFAULT_NAMESPACE`. */
const decidedNamespace = (call: Call): string | undefined | typeof DEFAULT_NAMESPACE => {
  if (!call.resource.namespaced) return undefined
  if (call.scope === "collection" && call.namespace === "*") return undefined
  const explicit =
    call.namespace ?? (call.scope === "collection" ? undefined : call.object?.metadata?.namespace)
  return explicit ?? DEFAULT_NAMESPACE
}

const DEFAULT_NAMESPACE: unique symbol = Symbol("effect-kube/DefaultNamespace")

/** The client-wide default namespace, else the configuration's. */
const defaultNamespace: Effect.Effect<string, never, KubeConfig> = Effect.flatMap(
  ClientDefaults,
  (defaults) =>
    defaults.namespace !== undefined
      ? Effect.succeed(defaults.namespace)
      : Effect.map(KubeConfig, (config) => config.namespace)
)

/**
 * The write parameters of a call: the options, else the client-wide defaults.
 *
 * @example
 * ```ts
 * import { ApiRequest } from "effect-kube"
 *
 * const query = ApiRequest.writeQuery({ dryRun: true }) // [["fieldManager", <default>], ["dryRun", "All"]]
 * ```
 *
 * @since 0.1.0
 * @category queries
 */
export const writeQuery = (
  write: NonNullable<Call["write"]>
): Effect.Effect<ReadonlyArray<readonly [string, string]>> =>
  Effect.gen(function* () {
    const defaults = yield* ClientDefaults
    const fieldManager = write.fieldManager ?? defaults.fieldManager
    const dryRun = write.dryRun ?? defaults.dryRun
    const out: Array<readonly [string, string]> = []
    if (fieldManager !== undefined) out.push(["fieldManager", fieldManager])
    if (dryRun === true) out.push(["dryRun", "All"])
    if (write.fieldValidation !== undefined) out.push(["fieldValidation", write.fieldValidation])
    return out
  })

/**
 * Whether dry runs are on for this call (the option, else the client-wide default).
 *
 * @example
 * ```ts
 * import { ApiRequest } from "effect-kube"
 *
 * const dry = ApiRequest.dryRunOf(undefined)
 * ```
 *
 * @since 0.1.0
 * @category queries
 */
export const dryRunOf = (explicit: boolean | undefined): Effect.Effect<boolean> =>
  Effect.gen(function* () {
    if (explicit !== undefined) return explicit
    return (yield* ClientDefaults).dryRun ?? false
  })

/**
 * The `labelSelector` and `fieldSelector` parameters of a selection (empty ones left out).
 *
 * @example
 * ```ts
 * import { ApiRequest } from "effect-kube"
 *
 * const query = ApiRequest.selectQuery({ labels: { app: "web" } }) // [["labelSelector", "app=web"]]
 * ```
 *
 * @since 0.1.0
 * @category queries
 */
export const selectQuery = (
  select: NonNullable<Call["select"]>
): Effect.Effect<ReadonlyArray<readonly [string, string]>, Selector.SelectorError> =>
  Effect.gen(function* () {
    const out: Array<readonly [string, string]> = []
    if (select.labels !== undefined) {
      const rendered = yield* fromEither(Selector.renderLabels(select.labels))
      if (rendered !== "") out.push(["labelSelector", rendered])
    }
    if (select.fields !== undefined) {
      const rendered = yield* fromEither(Selector.renderFields(select.fields))
      if (rendered !== "") out.push(["fieldSelector", rendered])
    }
    return out
  })

/**
 * The Kubernetes verb of a call (as the apiserver's audit log names it): `get`, `list`, `create`,
 * `update`, `patch`, `delete`, `deletecollection`.
 *
 * @example
 * ```ts
 * import { ApiRequest } from "effect-kube"
 * import { Pod } from "effect-kube/models/core/v1"
 *
 * ApiRequest.verbOf({ resource: Pod, method: "GET", scope: "collection" }) // "list"
 * ```
 *
 * @since 0.1.0
 * @category queries
 */
export const verbOf = (call: Call): string => {
  switch (call.method) {
    case "GET":
      return call.scope === "collection" ? "list" : "get"
    case "POST":
      return "create"
    case "PUT":
      return "update"
    case "PATCH":
      return "patch"
    case "DELETE":
      return call.scope === "collection" ? "deletecollection" : "delete"
  }
}

/**
 * Checks query parameters (each value well-formed Unicode); undefined values are left out.
 *
 * @example
 * ```ts
 * import { ApiRequest } from "effect-kube"
 *
 * const query = ApiRequest.checkQuery([["container", "web"], ["previous", undefined]]) // [["container", "web"]]
 * ```
 *
 * @since 0.1.0
 * @category queries
 */
export const checkQuery = (
  query: Iterable<readonly [string, string | undefined]>
): Effect.Effect<ReadonlyArray<readonly [string, string]>, InvalidRequest> => {
  const out: Array<readonly [string, string]> = []
  for (const [k, v] of query) {
    if (v === undefined) continue
    const checked = checkQueryValue(k, v)
    if (Either.isLeft(checked)) return Effect.fail(checked.left)
    out.push([k, checked.right])
  }
  return Effect.succeed(out)
}

/**
 * Checks a call: its path (`Resource.path`: every segment), its selectors and every query value.
 *
 * @example
 * ```ts
 * import { ApiRequest } from "effect-kube"
 * import { Pod } from "effect-kube/models/core/v1"
 *
 * const target = ApiRequest.target({ resource: Pod, method: "GET", name: "web-0", subresource: "log", namespace: "apps" })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const target = (call: Call): Effect.Effect<Target, BuildError, KubeConfig> => {
  // The namespace decided by the call (most calls): one step less on the request path.
  const decided = decidedNamespace(call)
  return decided === DEFAULT_NAMESPACE
    ? Effect.flatMap(defaultNamespace, targetIn(call))
    : targetIn(call)(decided)
}

/** The target of a call in `namespace`. */
const targetIn =
  (call: Call) =>
  (namespace: string | undefined): Effect.Effect<Target, BuildError> => {
    const path = Resource.path(call.resource, {
      namespace,
      ...(call.name !== undefined ? { name: call.name } : {}),
      ...(call.subresource !== undefined ? { subresource: call.subresource } : {})
    })
    if (Either.isLeft(path)) return Effect.fail(path.left)
    const made = (query: ReadonlyArray<readonly [string, string]>): Target => ({
      method: call.method,
      path: path.right,
      query,
      namespace,
      ...(call.body !== undefined ? { body: call.body } : {}),
      ...(call.contentType !== undefined ? { contentType: call.contentType } : {}),
      ...(call.accept !== undefined
        ? { accept: call.accept }
        : call.resource.representation !== undefined
          ? { accept: representationAccept(call, call.resource.representation) }
          : {})
    })
    // A call without selectors, write options or query (a get): nothing more to check.
    if (call.select === undefined && call.write === undefined && call.query === undefined) {
      return Effect.succeed(made([]))
    }
    return Effect.gen(function* () {
      const query = yield* checkQuery([
        ...(call.select !== undefined ? yield* selectQuery(call.select) : []),
        ...(call.write !== undefined ? yield* writeQuery(call.write) : []),
        ...(call.query ?? [])
      ])
      return made(query)
    })
  }

/**
 * The `Accept` of a call of a kind asked for in another form: a list's for a collection (a list, or
 * a deleteCollection, which answers with the list deleted), an object's otherwise (watch events too).
 */
const representationAccept = (call: Call, representation: Resource.Representation): string => {
  if (call.scope !== "collection") return representation.accept.object
  for (const [name, value] of call.query ?? []) {
    if (name === "watch" && value === "true") return representation.accept.object
  }
  return representation.accept.list
}

/**
 * The HTTP request of a checked call (a JSON body, `application/json` unless told).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ApiRequest } from "effect-kube"
 * import { Namespace } from "effect-kube/models/core/v1"
 *
 * const request = Effect.map(ApiRequest.target({ resource: Namespace, method: "GET", name: "apps" }), ApiRequest.toHttp)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const toHttp = (target: Target): HttpClientRequest.HttpClientRequest => {
  let request = HttpClientRequest.make(target.method)(target.path)
  if (target.query.length > 0) request = HttpClientRequest.appendUrlParams(request, target.query)
  if (target.accept !== undefined) request = HttpClientRequest.accept(request, target.accept)
  if (target.body !== undefined)
    request = HttpClientRequest.bodyText(
      request,
      JSON.stringify(target.body),
      target.contentType ?? "application/json"
    )
  return request
}

/**
 * A call as a checked HTTP request ({@link target}, then {@link toHttp}).
 *
 * @example
 * ```ts
 * import { ApiRequest } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const request = ApiRequest.make({ resource: ConfigMap, method: "GET", scope: "collection", namespace: "*" })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  call: Call
): Effect.Effect<HttpClientRequest.HttpClientRequest, BuildError, KubeConfig> =>
  Effect.map(target(call), toHttp)

/**
 * The discovery path of a group version: `/api/v1` for the core group, `/apis/<group>/<version>`
 * otherwise, each part checked as a path segment.
 *
 * @example
 * ```ts
 * import { ApiRequest } from "effect-kube"
 *
 * ApiRequest.groupVersionPath("apps/v1") // Either.right("/apis/apps/v1")
 * ApiRequest.groupVersionPath("../v1") // Either.left(InvalidRequest)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const groupVersionPath = (groupVersion: string): Either.Either<string, InvalidRequest> => {
  if (groupVersion === "v1") return Either.right("/api/v1")
  const parts = groupVersion.split("/")
  if (parts.length !== 2)
    return Either.left(new InvalidRequest({ detail: "a group version is <group>/<version>, or v1" }))
  const [group = "", version = ""] = parts
  return Either.all([checkSegment("group", group), checkSegment("version", version)]).pipe(
    Either.map(([g, v]) => `/apis/${encodeURIComponent(g)}/${encodeURIComponent(v)}`)
  )
}

/**
 * The `metadata.name` of an object to write, refused when missing.
 *
 * @example
 * ```ts
 * import { ApiRequest } from "effect-kube"
 *
 * const name = ApiRequest.nameOf({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" } })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const nameOf = (object: Resource.KubeObject): Effect.Effect<string, InvalidRequest> =>
  object.metadata?.name !== undefined && object.metadata.name !== ""
    ? Effect.succeed(object.metadata.name)
    : Effect.fail(new InvalidRequest({ detail: `the ${object.kind} has no metadata.name` }))
