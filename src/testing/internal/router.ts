/**
 * Routing: from a request's method and path to the operation that answers it. Injected faults
 * first, then discovery, then resource paths (`/api/v1/...`, `/apis/<group>/<version>/...`, with
 * `namespaces/<namespace>/` for namespaced kinds) whose segments must each be a path segment, a
 * namespace that exists for anything but reads of a collection, and a JSON body.
 *
 * @internal
 */
import { isPathSegment } from "../../resource/InvalidRequest.js"
import type { ResourceInfo } from "../../resource/Resource.js"
import { deleteCollection, deleteOne, evict } from "./deletion.js"
import { discover } from "./discovery.js"
import type { Faults } from "./faults.js"
import type { Kinds } from "./kinds.js"
import { list } from "./list.js"
import { type Json, PatchError } from "./patch.js"
import { type State as PatchState, patch } from "./patchRequest.js"
import { formOf, represent } from "./representation.js"
import { json, methodNotAllowed, noSuchPath, notFound, status } from "./responses.js"
import { hasNamespace } from "./store.js"
import { scaleOf } from "./subresources.js"
import type { WatchHub } from "./watchHub.js"
import { bind, create, lookup, replace } from "./writes.js"

/** A request, as the transport hands it over. */
export interface Request {
  readonly method: string
  readonly url: URL
  readonly headers: { readonly [key: string]: string | undefined }
  readonly body: string | undefined
  readonly signal: AbortSignal
}

/** Everything the operations work on. */
export interface Server extends PatchState {
  readonly kinds: Kinds
  readonly hub: WatchHub
  readonly faults: Faults
}

/** What a resource path names: a kind, in a namespace or not, and an object and its sub-resource. */
interface Target {
  readonly info: ResourceInfo
  readonly namespace: string | undefined
  readonly name: string | undefined
  readonly sub: string | undefined
}

/**
 * The decoded segments of a path, or `undefined` when one is not a path segment (empty, `.`, `..`,
 * `/` or `%` once decoded, or a broken escape): such a path names nothing, so it can never reach a
 * collection by accident (`DELETE .../configmaps/` is not a deletecollection).
 */
const pathSegments = (rest: string): ReadonlyArray<string> | undefined => {
  const out: Array<string> = []
  for (const raw of rest.split("/")) {
    let segment: string
    try {
      segment = decodeURIComponent(raw)
    } catch {
      return undefined
    }
    if (!isPathSegment(segment)) return undefined
    out.push(segment)
  }
  return out
}

/** The target of a resource path, or the 404 of a path that names no resource or namespace. */
const resolve = (s: Server, method: string, path: string): Target | Response => {
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.+)$/.exec(path)
  if (m === null) return noSuchPath()
  const group = m[2] ?? ""
  const version = m[1] ?? m[3] ?? ""
  const segs = pathSegments(m[4] ?? "")
  if (segs === undefined) return noSuchPath()
  let namespace: string | undefined
  let rest = segs
  const plural = segs[2]
  if (segs[0] === "namespaces" && plural !== undefined && s.kinds.has(group, version, plural)) {
    namespace = segs[1]
    rest = segs.slice(2)
  }
  const info = s.kinds.get(group, version, rest[0] ?? "")
  if (info === undefined) return noSuchPath()
  if (rest.length > 3)
    return rest[2] === "proxy" && Object.hasOwn(info.subresources, "proxy")
      ? notRunning(info, "proxy")
      : noSuchPath()
  const name = rest[1]
  const sub = rest[2]
  // A sub-resource the kind does not have is no path (as the apiserver answers).
  if (sub !== undefined && !Object.hasOwn(info.subresources, sub)) return noSuchPath()
  if (info.namespaced && namespace === undefined && name !== undefined) return noSuchPath()
  if (namespace !== undefined && !hasNamespace(s.store, s.kinds, namespace)) {
    if (method !== "GET" || name !== undefined) {
      return status(404, "NotFound", `namespaces "${namespace}" not found`, {
        name: namespace,
        kind: "namespaces"
      })
    }
  }
  return { info, namespace, name, sub }
}

const get = (
  s: Server,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  sub: string | undefined
) => {
  const { stored } = lookup(s.store, info, namespace, name)
  if (stored === undefined) return notFound(info, name)
  if (sub === "scale") return json(200, scaleOf(s.kinds.current(stored.info), stored.object))
  // exec, attach, portforward: WebSocket upgrades, refused by the cluster's KubeWebSocket with a
  // typed error (their plain GET, read to explain a refusal, finds the pod).
  if (sub !== undefined && sub !== "status" && !UPGRADES.has(sub)) return notRunning(info, sub)
  return json(200, stored.object)
}

const UPGRADES = new Set(["exec", "attach", "portforward"])

/** What needs a running container (a pod's log, a proxy to it) is not served here. */
const notRunning = (info: ResourceInfo, sub: string) =>
  status(400, "BadRequest", `the in-memory cluster runs no containers: ${info.plural}/${sub} is not served`)

/** The operation of a verb on a target. */
const dispatch = (s: Server, req: Request, target: Target, body: Json): Response => {
  const { info, namespace, name, sub } = target
  const q = req.url.searchParams
  switch (req.method) {
    case "GET":
      if (name === undefined)
        return q.get("watch") === "true"
          ? s.hub.watch(info, namespace, q, req.signal)
          : list(s.store, info, namespace, q)
      return get(s, info, namespace, name, sub)
    case "POST":
      if (name !== undefined && sub === "eviction") return evict(s, info, namespace, name)
      if (name !== undefined && sub === "binding") return bind(s, info, namespace, name, body, q)
      if (name !== undefined) return methodNotAllowed()
      return create(s, info, namespace, body, q)
    case "PUT":
      if (name === undefined) return methodNotAllowed()
      return replace(s, info, namespace, name, sub, body, q)
    case "PATCH":
      if (name === undefined) return methodNotAllowed()
      return patch(s, info, namespace, name, sub, body, req.headers["content-type"] ?? "", q)
    case "DELETE":
      return name === undefined
        ? deleteCollection(s, info, namespace, q)
        : deleteOne(s, info, namespace, name, q, body)
    default:
      return methodNotAllowed()
  }
}

/** Answers a request as the apiserver would. */
export const handle = async (s: Server, req: Request): Promise<Response> => {
  const failure = await s.faults.next()
  if (failure !== undefined) return failure
  const discovery = discover(s.kinds, req.url.pathname)
  if (discovery !== undefined) return discovery
  const target = resolve(s, req.method, req.url.pathname)
  if (target instanceof Response) return target
  let body: Json = null
  if (req.body !== undefined && req.body !== "") {
    try {
      body = JSON.parse(req.body)
    } catch {
      return status(400, "BadRequest", "the request body is not JSON")
    }
  }
  s.request.userAgent = req.headers["user-agent"] ?? ""
  try {
    const response = dispatch(s, req, target, body)
    const form = req.method === "POST" || req.method === "PUT" ? undefined : formOf(req.headers.accept)
    if (form === undefined) return response
    const watch = req.url.searchParams.get("watch") === "true"
    const isList = target.name === undefined && !watch
    // As the apiserver: a list asked for as one object, or one as a list, is refused; a watch
    // asked for as a list sends no event.
    if (!watch && isList !== (form === "PartialObjectMetadataList")) {
      return status(
        406,
        "NotAcceptable",
        isList
          ? `you requested ${form}, but the requested object is a list`
          : `you requested ${form}, but the requested object is not a list`
      )
    }
    return represent(response, watch ? (form === "PartialObjectMetadata" ? "events" : "none") : "body")
  } catch (error) {
    if (error instanceof PatchError) return status(422, "Invalid", error.message)
    return status(500, "InternalError", String(error))
  }
}
