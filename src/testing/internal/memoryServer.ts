/**
 * The REST server behind the in-memory cluster: objects, versions, selectors, paging, patches,
 * server-side apply, finalizers, sub-resources and watches, answering as the apiserver does
 * (Status bodies with the same codes and reasons).
 *
 * @internal
 */

import type * as Registry from "../../kinds/Registry.js"
import { isPathSegment } from "../../resource/InvalidRequest.js"
import type { ResourceInfo } from "../../resource/Resource.js"
import {
  isObject,
  type Json,
  jsonPatch,
  mergePatch,
  PatchError,
  type PatchMeta,
  strategicMergePatch,
  toJson
} from "./patch.js"
import {
  type FieldRequirement,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type Requirement
} from "./selectors.js"

type JsonObject = { [key: string]: Json }

interface Stored {
  readonly info: ResourceInfo
  object: JsonObject
}

interface Event {
  readonly rv: number
  readonly resource: string
  readonly type: "ADDED" | "MODIFIED" | "DELETED"
  readonly object: JsonObject
}

interface Watcher {
  readonly resource: string
  readonly namespace: string | undefined
  readonly labels: ReadonlyArray<Requirement>
  readonly fields: ReadonlyArray<FieldRequirement>
  readonly send: (line: string) => void
  readonly fail: (error: Error) => void
  readonly end: () => void
}

export interface ServerOptions {
  readonly entries: ReadonlyArray<Registry.Entry>
  readonly patchMetadata: PatchMeta
  readonly historyWindow: number
}

export interface Request {
  readonly method: string
  readonly url: URL
  readonly headers: { readonly [key: string]: string | undefined }
  readonly body: string | undefined
  readonly signal: AbortSignal
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

const now = () => `${new Date().toISOString().slice(0, 19)}Z`

const json = (code: number, body: unknown) =>
  new Response(JSON.stringify(body), { status: code, headers: { "content-type": "application/json" } })

const status = (
  code: number,
  reason: string,
  message: string,
  details?: {
    readonly name?: string
    readonly group?: string
    readonly kind?: string
    readonly causes?: ReadonlyArray<unknown>
  }
) =>
  json(code, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details !== undefined ? { details } : {}),
    code
  })

const meta = (o: JsonObject): JsonObject => (isObject(o.metadata) ? o.metadata : {})
const str = (j: Json | undefined): string | undefined => (typeof j === "string" ? j : undefined)
const labelsOf = (o: JsonObject): { [key: string]: string } => {
  const labels = meta(o).labels
  const out: { [key: string]: string } = {}
  if (isObject(labels)) for (const [k, v] of Object.entries(labels)) if (typeof v === "string") out[k] = v
  return out
}

/** Leaf paths of an object (what server-side apply tracks ownership of). */
const leaves = (value: Json, prefix: string, out: Map<string, string>) => {
  if (isObject(value)) {
    const entries = Object.entries(value)
    if (entries.length === 0) out.set(prefix, "{}")
    for (const [k, v] of entries) leaves(v, `${prefix}.${k}`, out)
  } else out.set(prefix, JSON.stringify(value))
}

const ownedPaths = (object: JsonObject): Map<string, string> => {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(object)) {
    if (k === "apiVersion" || k === "kind" || k === "status") continue
    if (k === "metadata" && isObject(v)) {
      for (const mk of ["labels", "annotations", "finalizers"])
        if (v[mk] !== undefined) leaves(v[mk] ?? null, `metadata.${mk}`, out)
      continue
    }
    leaves(v, k, out)
  }
  return out
}

const valueAt = (object: Json, path: string): string | undefined => {
  let current: Json | undefined = object
  for (const segment of path.split(".")) {
    if (!isObject(current)) return undefined
    current = current[segment]
  }
  return current === undefined
    ? undefined
    : isObject(current) && Object.keys(current).length === 0
      ? "{}"
      : JSON.stringify(current)
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

export class MemoryServer {
  private readonly kinds = new Map<string, ResourceInfo>()
  private readonly store = new Map<string, Stored>()
  private readonly events: Array<Event> = []
  private readonly watchers = new Set<Watcher>()
  /** object key → field path → manager */
  private readonly owners = new Map<string, Map<string, string>>()
  private rv = 1000
  private compactedBelow = 0
  private failures: Array<{ readonly code: number; readonly reason: string }> = []
  latencyMs = 0

  constructor(private readonly options: ServerOptions) {
    this.register(options.entries)
    for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
      this.put(
        this.kindOf("", "v1", "namespaces"),
        {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name },
          spec: { finalizers: ["kubernetes"] },
          status: { phase: "Active" }
        },
        undefined
      )
    }
  }

  register(entries: ReadonlyArray<Registry.Entry>) {
    for (const e of entries) this.kinds.set(`${e.info.group}/${e.info.version}/${e.info.plural}`, e.info)
  }

  private kindOf(group: string, version: string, plural: string): ResourceInfo {
    const info = this.kinds.get(`${group}/${version}/${plural}`)
    if (info === undefined) throw new Error(`unknown kind ${group}/${version}/${plural}`)
    return info
  }

  private resourceKey(info: ResourceInfo) {
    return `${info.group}/${info.plural}`
  }

  private objectKey(info: ResourceInfo, namespace: string | undefined, name: string) {
    return `${this.resourceKey(info)}/${namespace ?? ""}/${name}`
  }

  /** Stores an object as a write would, without the checks (seeding). */
  put(info: ResourceInfo, object: JsonObject, namespace: string | undefined): JsonObject {
    const m = meta(object)
    const name = str(m.name) ?? ""
    const key = this.objectKey(
      info,
      info.namespaced ? (namespace ?? str(m.namespace) ?? "default") : undefined,
      name
    )
    const existing = this.store.get(key)
    const stamped = this.stamp(info, object, existing?.object, namespace)
    this.store.set(key, { info, object: stamped })
    this.record(existing === undefined ? "ADDED" : "MODIFIED", info, stamped)
    return stamped
  }

  private stamp(
    info: ResourceInfo,
    object: JsonObject,
    previous: JsonObject | undefined,
    namespace: string | undefined
  ): JsonObject {
    const m = { ...meta(object) }
    const pm = previous !== undefined ? meta(previous) : undefined
    if (info.namespaced) m.namespace = namespace ?? str(m.namespace) ?? "default"
    else delete m.namespace
    m.uid = pm?.uid ?? crypto.randomUUID()
    m.creationTimestamp = pm?.creationTimestamp ?? now()
    m.resourceVersion = String(++this.rv)
    if (object.spec !== undefined) {
      const gen = typeof pm?.generation === "number" ? pm.generation : 0
      m.generation =
        previous === undefined
          ? 1
          : JSON.stringify(previous.spec) !== JSON.stringify(object.spec)
            ? gen + 1
            : gen
    }
    return { ...object, apiVersion: info.apiVersion, kind: info.kind, metadata: m }
  }

  private record(type: Event["type"], info: ResourceInfo, object: JsonObject) {
    const event: Event = { rv: this.rv, resource: this.resourceKey(info), type, object }
    this.events.push(event)
    while (this.events.length > this.options.historyWindow) {
      const dropped = this.events.shift()
      if (dropped !== undefined) this.compactedBelow = dropped.rv + 1
    }
    for (const w of this.watchers) this.deliver(w, event)
  }

  private deliver(w: Watcher, event: Event) {
    if (w.resource !== event.resource) return
    const m = meta(event.object)
    if (w.namespace !== undefined && m.namespace !== w.namespace) return
    if (!matchesLabels(labelsOf(event.object), w.labels) || !matchesFields(event.object, w.fields)) return
    w.send(`${JSON.stringify({ type: event.type, object: event.object })}\n`)
  }

  // --- hooks for tests -----------------------------------------------------------------

  objects(): ReadonlyArray<JsonObject> {
    return [...this.store.values()].map((s) => s.object)
  }

  resourceVersion(): string {
    return String(this.rv)
  }

  compact() {
    this.compactedBelow = this.rv + 1
    this.events.length = 0
  }

  dropWatches() {
    for (const w of [...this.watchers]) w.fail(new Error("connection dropped (in-memory cluster fault)"))
    this.watchers.clear()
  }

  failNext(count: number, code: number, reason: string) {
    for (let i = 0; i < count; i++) this.failures.push({ code, reason })
  }

  hasNamespace(name: string): boolean {
    return this.store.has(this.objectKey(this.kindOf("", "v1", "namespaces"), undefined, name))
  }

  findKind(apiVersion: string, kind: string): ResourceInfo | undefined {
    for (const info of this.kinds.values())
      if (info.apiVersion === apiVersion && info.kind === kind) return info
    return undefined
  }

  // --- HTTP ----------------------------------------------------------------------------

  async handle(req: Request): Promise<Response> {
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs))
    const failure = this.failures.shift()
    if (failure !== undefined)
      return status(failure.code, failure.reason, `injected ${failure.reason} (in-memory cluster fault)`)
    const path = req.url.pathname
    if (path === "/version")
      return json(200, {
        major: "1",
        minor: "35",
        gitVersion: "v1.35.0-effect-kube-in-memory",
        platform: "in-memory"
      })
    if (path === "/api") return json(200, { kind: "APIVersions", versions: ["v1"] })
    if (path === "/apis") return json(200, this.groups())
    const discovery = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/?$/.exec(path)
    if (discovery !== null)
      return json(200, this.resourceList(discovery[2] ?? "", discovery[1] ?? discovery[3] ?? ""))
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.+)$/.exec(path)
    if (m === null) return status(404, "NotFound", "the server could not find the requested resource")
    const group = m[2] ?? ""
    const version = m[1] ?? m[3] ?? ""
    const segs = pathSegments(m[4] ?? "")
    if (segs === undefined) return status(404, "NotFound", "the server could not find the requested resource")
    let namespace: string | undefined
    let rest = segs
    if (segs[0] === "namespaces" && segs.length >= 3 && this.kinds.has(`${group}/${version}/${segs[2]}`)) {
      namespace = segs[1]
      rest = segs.slice(2)
    }
    const info = this.kinds.get(`${group}/${version}/${rest[0]}`)
    if (info === undefined || rest.length > 3)
      return status(404, "NotFound", "the server could not find the requested resource")
    const name = rest[1]
    const sub = rest[2]
    if (info.namespaced && namespace === undefined && name !== undefined) {
      return status(404, "NotFound", "the server could not find the requested resource")
    }
    if (namespace !== undefined && !this.hasNamespace(namespace)) {
      if (req.method !== "GET" || name !== undefined) {
        return status(404, "NotFound", `namespaces "${namespace}" not found`, {
          name: namespace,
          kind: "namespaces"
        })
      }
    }
    let body: Json = null
    if (req.body !== undefined && req.body !== "") {
      try {
        body = JSON.parse(req.body)
      } catch {
        return status(400, "BadRequest", "the request body is not JSON")
      }
    }
    const q = req.url.searchParams
    try {
      switch (req.method) {
        case "GET":
          if (name === undefined)
            return q.get("watch") === "true"
              ? this.watch(info, namespace, q, req.signal)
              : this.list(info, namespace, q)
          return this.get(info, namespace, name, sub)
        case "POST":
          if (name !== undefined && sub === "eviction") return this.evict(info, namespace, name)
          if (name !== undefined)
            return status(
              405,
              "MethodNotAllowed",
              "the server does not allow this method on the requested resource"
            )
          return this.create(info, namespace, body, q)
        case "PUT":
          if (name === undefined)
            return status(
              405,
              "MethodNotAllowed",
              "the server does not allow this method on the requested resource"
            )
          return this.replace(info, namespace, name, sub, body, q)
        case "PATCH":
          if (name === undefined)
            return status(
              405,
              "MethodNotAllowed",
              "the server does not allow this method on the requested resource"
            )
          return this.patch(info, namespace, name, sub, body, req.headers["content-type"] ?? "", q)
        case "DELETE":
          return name === undefined
            ? this.deleteCollection(info, namespace, q)
            : this.delete(info, namespace, name, q)
        default:
          return status(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource"
          )
      }
    } catch (error) {
      if (error instanceof PatchError) return status(422, "Invalid", error.message)
      return status(500, "InternalError", String(error))
    }
  }

  private groups() {
    const byGroup = new Map<string, Set<string>>()
    for (const info of this.kinds.values()) {
      if (info.group === "") continue
      const versions = byGroup.get(info.group) ?? new Set<string>()
      versions.add(info.version)
      byGroup.set(info.group, versions)
    }
    return {
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: [...byGroup].map(([name, versions]) => ({
        name,
        versions: [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${name}/${[...versions][0]}`, version: [...versions][0] }
      }))
    }
  }

  private resourceList(group: string, version: string) {
    const resources: Array<unknown> = []
    for (const info of this.kinds.values()) {
      if (info.group !== group || info.version !== version) continue
      resources.push({ name: info.plural, namespaced: info.namespaced, kind: info.kind, verbs: info.verbs })
      for (const sub of Object.keys(info.subresources)) {
        resources.push({
          name: `${info.plural}/${sub}`,
          namespaced: info.namespaced,
          kind: info.kind,
          verbs: ["get", "patch", "update"]
        })
      }
    }
    return {
      kind: "APIResourceList",
      apiVersion: "v1",
      groupVersion: group === "" ? version : `${group}/${version}`,
      resources
    }
  }

  private notFound(info: ResourceInfo, name: string) {
    return status(
      404,
      "NotFound",
      `${info.plural}${info.group !== "" ? `.${info.group}` : ""} "${name}" not found`,
      {
        name,
        group: info.group,
        kind: info.plural
      }
    )
  }

  private find(info: ResourceInfo, namespace: string | undefined, name: string): Stored | undefined {
    return this.store.get(this.objectKey(info, info.namespaced ? namespace : undefined, name))
  }

  private get(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    sub: string | undefined
  ): Response {
    const stored = this.find(info, namespace, name)
    if (stored === undefined) return this.notFound(info, name)
    if (sub === "scale") return json(200, this.scaleOf(stored.object))
    return json(200, stored.object)
  }

  private scaleOf(object: JsonObject) {
    const m = meta(object)
    const spec = isObject(object.spec) ? object.spec : {}
    const st = isObject(object.status) ? object.status : {}
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name: m.name,
        namespace: m.namespace,
        uid: m.uid,
        resourceVersion: m.resourceVersion,
        creationTimestamp: m.creationTimestamp
      },
      spec: { replicas: typeof spec.replicas === "number" ? spec.replicas : 1 },
      status: { replicas: typeof st.replicas === "number" ? st.replicas : 0 }
    }
  }

  private selection(
    q: URLSearchParams
  ): { labels: ReadonlyArray<Requirement>; fields: ReadonlyArray<FieldRequirement> } | Response {
    const labels = parseLabelSelector(q.get("labelSelector") ?? "")
    if (labels === undefined)
      return status(400, "BadRequest", `unable to parse requirement: ${q.get("labelSelector")}`)
    const fields = parseFieldSelector(q.get("fieldSelector") ?? "")
    if (fields === undefined)
      return status(400, "BadRequest", `invalid field selector: ${q.get("fieldSelector")}`)
    return { labels, fields }
  }

  private matching(
    info: ResourceInfo,
    namespace: string | undefined,
    labels: ReadonlyArray<Requirement>,
    fields: ReadonlyArray<FieldRequirement>
  ) {
    const prefix = `${this.resourceKey(info)}/`
    return [...this.store.entries()]
      .filter(
        ([key, s]) =>
          key.startsWith(prefix) && (namespace === undefined || meta(s.object).namespace === namespace)
      )
      .filter(([, s]) => matchesLabels(labelsOf(s.object), labels) && matchesFields(s.object, fields))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  }

  private list(info: ResourceInfo, namespace: string | undefined, q: URLSearchParams): Response {
    const sel = this.selection(q)
    if (sel instanceof Response) return sel
    let items = this.matching(info, namespace, sel.labels, sel.fields)
    let listRv = this.rv
    const token = q.get("continue")
    if (token !== null && token !== "") {
      let parsed: { rv: number; after: string }
      try {
        parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"))
      } catch {
        return status(400, "BadRequest", "invalid continue token")
      }
      if (parsed.rv < this.compactedBelow) {
        return status(
          410,
          "Expired",
          "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter."
        )
      }
      listRv = parsed.rv
      items = items.filter(([key]) => key > parsed.after)
    }
    const limit = Number(q.get("limit") ?? "0")
    let next: string | undefined
    if (limit > 0 && items.length > limit) {
      items = items.slice(0, limit)
      const last = items[items.length - 1]?.[0] ?? ""
      next = Buffer.from(JSON.stringify({ rv: listRv, after: last })).toString("base64url")
    }
    return json(200, {
      kind: info.listKind,
      apiVersion: info.apiVersion,
      metadata: { resourceVersion: String(listRv), ...(next !== undefined ? { continue: next } : {}) },
      items: items.map(([, s]) => s.object)
    })
  }

  private watch(
    info: ResourceInfo,
    namespace: string | undefined,
    q: URLSearchParams,
    signal: AbortSignal
  ): Response {
    const sel = this.selection(q)
    if (sel instanceof Response) return sel
    const from = q.get("resourceVersion")
    const timeout = Number(q.get("timeoutSeconds") ?? "0")
    const bookmarks = q.get("allowWatchBookmarks") === "true"
    const encoder = new TextEncoder()
    let watcher: Watcher | undefined
    let timer: ReturnType<typeof setTimeout> | undefined
    const cleanup = () => {
      if (watcher !== undefined) this.watchers.delete(watcher)
      if (timer !== undefined) clearTimeout(timer)
    }
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        let open = true
        const send = (line: string) => {
          if (open) controller.enqueue(encoder.encode(line))
        }
        const end = () => {
          if (!open) return
          open = false
          cleanup()
          controller.close()
        }
        watcher = {
          resource: this.resourceKey(info),
          namespace,
          labels: sel.labels,
          fields: sel.fields,
          send,
          end,
          fail: (error) => {
            if (!open) return
            open = false
            cleanup()
            controller.error(error)
          }
        }
        if (from !== null && from !== "" && from !== "0") {
          const since = Number(from)
          if (since < this.compactedBelow - 1) {
            send(
              `${JSON.stringify({ type: "ERROR", object: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `too old resource version: ${from} (${this.compactedBelow})`, reason: "Expired", code: 410 } })}\n`
            )
            end()
            return
          }
          for (const event of this.events) if (event.rv > since) this.deliver(watcher, event)
        } else {
          for (const [, s] of this.matching(info, namespace, sel.labels, sel.fields)) {
            send(`${JSON.stringify({ type: "ADDED", object: s.object })}\n`)
          }
        }
        this.watchers.add(watcher)
        if (timeout > 0) {
          timer = setTimeout(() => {
            if (bookmarks) {
              send(
                `${JSON.stringify({ type: "BOOKMARK", object: { kind: info.kind, apiVersion: info.apiVersion, metadata: { resourceVersion: String(this.rv) } } })}\n`
              )
            }
            end()
          }, timeout * 1000)
        }
        signal.addEventListener("abort", () => {
          open = false
          cleanup()
        })
      },
      cancel: () => cleanup()
    })
    return new Response(body, { status: 200, headers: { "content-type": "application/json" } })
  }

  private validateName(info: ResourceInfo, name: string): Response | undefined {
    if (name === "" || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
      const message = `${info.kind} "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`
      return status(422, "Invalid", message, {
        name,
        group: info.group,
        kind: info.kind,
        causes: [{ reason: "FieldValueInvalid", message: `Invalid value: "${name}"`, field: "metadata.name" }]
      })
    }
    return undefined
  }

  private withManager(
    object: JsonObject,
    manager: string | undefined,
    operation: "Update" | "Apply"
  ): JsonObject {
    if (manager === undefined) return object
    const m = { ...meta(object) }
    const entries = Array.isArray(m.managedFields)
      ? m.managedFields.filter((e) => !(isObject(e) && e.manager === manager && e.operation === operation))
      : []
    entries.push({
      manager,
      operation,
      apiVersion: str(object.apiVersion) ?? "v1",
      time: now(),
      fieldsType: "FieldsV1",
      fieldsV1: {}
    })
    m.managedFields = entries
    return { ...object, metadata: m }
  }

  private own(key: string, object: JsonObject, manager: string | undefined, force: boolean) {
    if (manager === undefined) return
    const owners = this.owners.get(key) ?? new Map<string, string>()
    for (const path of ownedPaths(object).keys())
      if (force || !owners.has(path) || owners.get(path) === manager) owners.set(path, manager)
    this.owners.set(key, owners)
  }

  private create(
    info: ResourceInfo,
    namespace: string | undefined,
    body: Json,
    q: URLSearchParams,
    manager?: string,
    operation: "Update" | "Apply" = "Update"
  ): Response {
    if (!isObject(body)) return status(400, "BadRequest", "the body of a create must be an object")
    if (body.kind !== undefined && body.kind !== info.kind)
      return status(400, "BadRequest", `the body's kind ${String(body.kind)} does not match ${info.kind}`)
    const m = { ...meta(body) }
    if (
      info.namespaced &&
      namespace !== undefined &&
      m.namespace !== undefined &&
      m.namespace !== namespace
    ) {
      return status(
        400,
        "BadRequest",
        "the namespace of the provided object does not match the namespace sent on the request"
      )
    }
    let name = str(m.name)
    if ((name === undefined || name === "") && typeof m.generateName === "string") {
      name = `${m.generateName}${Math.random().toString(36).slice(2, 7)}`
    }
    if (name === undefined)
      return status(
        422,
        "Invalid",
        `${info.kind} "" is invalid: metadata.name: Required value: name or generateName is required`
      )
    const invalid = this.validateName(info, name)
    if (invalid !== undefined) return invalid
    const ns = info.namespaced ? (namespace ?? str(m.namespace) ?? "default") : undefined
    const key = this.objectKey(info, ns, name)
    if (this.store.has(key)) {
      return status(
        409,
        "AlreadyExists",
        `${info.plural}${info.group !== "" ? `.${info.group}` : ""} "${name}" already exists`,
        {
          name,
          group: info.group,
          kind: info.plural
        }
      )
    }
    const managerName = manager ?? q.get("fieldManager") ?? undefined
    const draft = this.withManager({ ...body, metadata: { ...m, name } }, managerName, operation)
    const stamped = this.stamp(info, draft, undefined, ns)
    if (q.get("dryRun") === "All") return json(201, stamped)
    this.store.set(key, { info, object: stamped })
    this.own(key, body, managerName, true)
    this.record("ADDED", info, stamped)
    return json(201, stamped)
  }

  /** Writes a new version of a stored object (finalizers and status rules applied). */
  private write(stored: Stored, key: string, next: JsonObject, q: URLSearchParams, code = 200): Response {
    const m = meta(next)
    const finalizers = Array.isArray(m.finalizers) ? m.finalizers : []
    const deleting = meta(stored.object).deletionTimestamp !== undefined
    const stamped = this.stamp(stored.info, next, stored.object, str(meta(stored.object).namespace))
    if (q.get("dryRun") === "All") return json(code, stamped)
    if (deleting && finalizers.length === 0) {
      this.store.delete(key)
      this.owners.delete(key)
      this.record("DELETED", stored.info, stamped)
      return json(code, stamped)
    }
    stored.object = stamped
    this.record("MODIFIED", stored.info, stamped)
    return json(code, stamped)
  }

  private hasStatus(info: ResourceInfo) {
    return Object.hasOwn(info.subresources, "status")
  }

  private replace(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    sub: string | undefined,
    body: Json,
    q: URLSearchParams
  ): Response {
    const key = this.objectKey(info, info.namespaced ? namespace : undefined, name)
    const stored = this.store.get(key)
    if (stored === undefined) return this.notFound(info, name)
    if (!isObject(body)) return status(400, "BadRequest", "the body of a replace must be an object")
    if (sub === "scale") {
      const spec = isObject(body.spec) ? body.spec : {}
      const next: JsonObject = {
        ...stored.object,
        spec: { ...(isObject(stored.object.spec) ? stored.object.spec : {}), replicas: spec.replicas ?? 1 }
      }
      const answer = this.write(stored, key, next, q)
      return answer.ok ? json(200, this.scaleOf(stored.object)) : answer
    }
    const rv = str(meta(body).resourceVersion)
    if (rv !== undefined && rv !== "" && rv !== str(meta(stored.object).resourceVersion)) {
      return status(
        409,
        "Conflict",
        `Operation cannot be fulfilled on ${info.plural}${info.group !== "" ? `.${info.group}` : ""} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        {
          name,
          group: info.group,
          kind: info.plural
        }
      )
    }
    let next: JsonObject
    if (sub === "status") next = { ...stored.object, status: body.status ?? null }
    else if (this.hasStatus(info)) next = { ...body, status: stored.object.status ?? null }
    else next = body
    if (next.status === null) delete next.status
    const manager = q.get("fieldManager") ?? undefined
    this.own(key, body, manager, true)
    return this.write(stored, key, this.withManager(next, manager, "Update"), q)
  }

  private patch(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    sub: string | undefined,
    body: Json,
    contentType: string,
    q: URLSearchParams
  ): Response {
    const key = this.objectKey(info, info.namespaced ? namespace : undefined, name)
    const stored = this.store.get(key)
    const manager = q.get("fieldManager") ?? undefined
    if (contentType.startsWith("application/apply-patch")) {
      if (manager === undefined)
        return status(
          400,
          "BadRequest",
          "PATCH, application/apply-patch+yaml requires fieldManager to be set"
        )
      if (!isObject(body)) return status(400, "BadRequest", "an apply patch must be an object")
      if (stored === undefined) return this.create(info, namespace, body, q, manager, "Apply")
      return this.apply(stored, key, body, manager, q.get("force") === "true", q, sub)
    }
    if (stored === undefined) return this.notFound(info, name)
    if (sub === "scale") {
      const current = toJson(this.scaleOf(stored.object))
      const patched = contentType.includes("json-patch")
        ? jsonPatch(current, body)
        : mergePatch(current, body)
      const spec = isObject(patched) && isObject(patched.spec) ? patched.spec : {}
      const next: JsonObject = {
        ...stored.object,
        spec: { ...(isObject(stored.object.spec) ? stored.object.spec : {}), replicas: spec.replicas ?? 1 }
      }
      const answer = this.write(stored, key, next, q)
      return answer.ok ? json(200, this.scaleOf(stored.object)) : answer
    }
    const current = toJson(stored.object)
    let patched: Json
    if (contentType.includes("json-patch")) patched = jsonPatch(current, body)
    else if (contentType.includes("strategic-merge-patch")) {
      const definition = this.definitionOf(info)
      if (definition === undefined)
        return status(
          415,
          "UnsupportedMediaType",
          "strategic merge patch is not supported for custom resources"
        )
      patched = strategicMergePatch(current, body, this.options.patchMetadata, definition)
    } else patched = mergePatch(current, body)
    if (!isObject(patched)) return status(422, "Invalid", "the patched object is not an object")
    let next = patched
    if (sub === "status") next = { ...stored.object, status: patched.status ?? null }
    else if (this.hasStatus(info)) next = { ...patched, status: stored.object.status ?? null }
    if (next.status === null) delete next.status
    this.own(key, isObject(body) ? body : {}, manager, true)
    return this.write(stored, key, this.withManager(next, manager, "Update"), q)
  }

  private definitionOf(info: ResourceInfo): string | undefined {
    const pkg = info.group === "" ? "core" : (info.group.split(".")[0] ?? "")
    const candidates = [
      `io.k8s.api.${pkg}.${info.version}.${info.kind}`,
      `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${info.version}.${info.kind}`,
      `io.k8s.kube-aggregator.pkg.apis.apiregistration.${info.version}.${info.kind}`
    ]
    return candidates.find((c) => this.options.patchMetadata[c] !== undefined)
  }

  private apply(
    stored: Stored,
    key: string,
    body: JsonObject,
    manager: string,
    force: boolean,
    q: URLSearchParams,
    sub: string | undefined
  ): Response {
    const owners = this.owners.get(key) ?? new Map<string, string>()
    const applied = ownedPaths(sub === "status" ? { status: body.status ?? null } : body)
    const conflicts: Array<{ field: string; manager: string }> = []
    for (const [path, value] of applied) {
      const owner = owners.get(path)
      if (owner !== undefined && owner !== manager && valueAt(stored.object, path) !== value)
        conflicts.push({ field: path, manager: owner })
    }
    if (conflicts.length > 0 && !force) {
      return status(
        409,
        "Conflict",
        `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? "s" : ""}: ${conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`).join(", ")}`,
        {
          causes: conflicts.map((c) => ({
            reason: "FieldManagerConflict",
            message: `conflict with "${c.manager}"`,
            field: c.field
          }))
        }
      )
    }
    const definition = this.definitionOf(stored.info)
    const merged =
      definition !== undefined
        ? strategicMergePatch(toJson(stored.object), toJson(body), this.options.patchMetadata, definition)
        : mergePatch(toJson(stored.object), toJson(body))
    if (!isObject(merged)) return status(422, "Invalid", "the applied object is not an object")
    for (const path of applied.keys()) owners.set(path, manager)
    this.owners.set(key, owners)
    let next = merged
    if (sub !== "status" && this.hasStatus(stored.info))
      next = { ...merged, status: stored.object.status ?? null }
    if (next.status === null) delete next.status
    return this.write(stored, key, this.withManager(next, manager, "Apply"), q)
  }

  private delete(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    q: URLSearchParams
  ): Response {
    const key = this.objectKey(info, info.namespaced ? namespace : undefined, name)
    const stored = this.store.get(key)
    if (stored === undefined) return this.notFound(info, name)
    return this.remove(stored, key, q)
  }

  private remove(stored: Stored, key: string, q: URLSearchParams): Response {
    const m = { ...meta(stored.object) }
    const finalizers: Array<Json> = Array.isArray(m.finalizers) ? [...m.finalizers] : []
    const policy = q.get("propagationPolicy")
    // As the apiserver without a garbage collector: the policy's finalizer stays.
    if (policy === "Foreground" && !finalizers.includes("foregroundDeletion"))
      finalizers.push("foregroundDeletion")
    if (policy === "Orphan" && !finalizers.includes("orphan")) finalizers.push("orphan")
    const isNamespace = stored.info.group === "" && stored.info.plural === "namespaces"
    const scheduledPod =
      stored.info.group === "" &&
      stored.info.plural === "pods" &&
      isObject(stored.object.spec) &&
      typeof stored.object.spec.nodeName === "string" &&
      q.get("gracePeriodSeconds") !== "0"
    if (finalizers.length === 0 && !isNamespace && !scheduledPod) {
      if (q.get("dryRun") === "All") return json(200, stored.object)
      this.store.delete(key)
      this.owners.delete(key)
      this.rv++
      const gone = { ...stored.object, metadata: { ...m, resourceVersion: String(this.rv) } }
      this.record("DELETED", stored.info, gone)
      return json(200, gone)
    }
    if (q.get("dryRun") === "All") return json(200, stored.object)
    m.finalizers = finalizers
    if (m.deletionTimestamp === undefined) m.deletionTimestamp = now()
    if (finalizers.length === 0) delete m.finalizers
    const next: JsonObject = { ...stored.object, metadata: m }
    if (isNamespace) next.status = { phase: "Terminating" }
    stored.object = this.stamp(stored.info, next, stored.object, str(m.namespace))
    this.record("MODIFIED", stored.info, stored.object)
    return json(200, stored.object)
  }

  private deleteCollection(info: ResourceInfo, namespace: string | undefined, q: URLSearchParams): Response {
    const sel = this.selection(q)
    if (sel instanceof Response) return sel
    const items = this.matching(info, namespace, sel.labels, sel.fields)
    for (const [key, stored] of items) this.remove(stored, key, q)
    return json(200, {
      kind: info.listKind,
      apiVersion: info.apiVersion,
      metadata: {},
      items: items.map(([, s]) => s.object)
    })
  }

  private evict(info: ResourceInfo, namespace: string | undefined, name: string): Response {
    const key = this.objectKey(info, namespace, name)
    const stored = this.store.get(key)
    if (stored === undefined) return this.notFound(info, name)
    this.remove(stored, key, new URLSearchParams({ gracePeriodSeconds: "0" }))
    return json(201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 })
  }
}
