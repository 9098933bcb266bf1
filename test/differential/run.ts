/**
 * Runs a sequence of operations (model.ts) against one backend as raw requests, and writes down
 * what each answered, normalized so that two servers' transcripts compare: no uids, times or
 * resource versions (a version is kept only as "the object changed or not"), managed fields
 * without their times, errors as code, reason and the fields of their causes.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Duration, Effect, Schedule, Stream } from "effect"
import type { Client } from "../../src/index.js"
import { type Kind, MATCHING, type Name, type Op } from "./model.js"

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }
type JsonObject = { readonly [key: string]: Json }

const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** One line of a transcript: the operation and what the server answered. */
export interface Entry {
  readonly op: Op
  readonly answer: Json
}

const PATHS: { readonly [K in Kind]: (ns: string) => string } = {
  cm: (ns) => `/api/v1/namespaces/${ns}/configmaps`,
  secret: (ns) => `/api/v1/namespaces/${ns}/secrets`,
  deploy: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`,
  rs: (ns) => `/apis/apps/v1/namespaces/${ns}/replicasets`,
  svc: (ns) => `/api/v1/namespaces/${ns}/services`,
  widget: (ns) => `/apis/diff.example.com/v1/namespaces/${ns}/widgets`
}
const TYPE: { readonly [K in Kind]: { readonly apiVersion: string; readonly kind: string } } = {
  cm: { apiVersion: "v1", kind: "ConfigMap" },
  secret: { apiVersion: "v1", kind: "Secret" },
  deploy: { apiVersion: "apps/v1", kind: "Deployment" },
  rs: { apiVersion: "apps/v1", kind: "ReplicaSet" },
  svc: { apiVersion: "v1", kind: "Service" },
  widget: { apiVersion: "diff.example.com/v1", kind: "Widget" }
}
const KINDS: ReadonlyArray<Kind> = ["cm", "secret", "deploy", "rs", "svc", "widget"]

/**
 * The custom kind: a structural schema with a required enum, a defaulted bounded integer, a
 * pattern, a bounded list, a field that keeps unknown fields, and status and scale sub-resources.
 */
export const WIDGET_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.diff.example.com" },
  spec: {
    group: "diff.example.com",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: {
          status: {},
          scale: {
            specReplicasPath: ".spec.replicas",
            statusReplicasPath: ".status.replicas",
            labelSelectorPath: ".status.selector"
          }
        },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                required: ["size"],
                properties: {
                  size: { type: "string", enum: ["S", "M", "L"] },
                  replicas: { type: "integer", minimum: 0, maximum: 5, default: 1 },
                  note: { type: "string", maxLength: 8, pattern: "^[a-z]*$" },
                  tags: { type: "array", maxItems: 2, items: { type: "string" } },
                  extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true }
                }
              },
              status: {
                type: "object",
                properties: { replicas: { type: "integer" }, selector: { type: "string" } }
              }
            }
          }
        }
      }
    ]
  }
} as const
const FINALIZER = "example.com/keep"
const WRONG_UID = "00000000-0000-0000-0000-000000000000"

const base64 = (text: string) => Buffer.from(text).toString("base64")

/** The content of an object of `kind` (what create and replace send beside the metadata). */
const content = (kind: Kind, variant: number): JsonObject => {
  switch (kind) {
    case "cm":
      return { data: { k: `v${variant}`, [`k${variant}`]: "x" } }
    case "secret":
      return variant % 2 === 0 ? { data: { k: base64(`v${variant}`) } } : { stringData: { k: `s${variant}` } }
    case "deploy":
    case "rs":
      return {
        spec: {
          replicas: variant,
          selector: { matchLabels: { app: "d" } },
          template: {
            metadata: { labels: { app: "d" } },
            spec: { containers: [{ name: "web", image: `nginx:${variant}` }] }
          }
        }
      }
    case "svc":
      // Cluster IPs allocated, never given (the test server's are random: one given here could be
      // taken); a headless one; a NodePort one; two named ports, one by name.
      return (
        [
          { spec: { ports: [{ port: 80 }], selector: { app: "x" } } },
          {
            spec: {
              ports: [
                { name: "http", port: 80, targetPort: "web" },
                { name: "dns", port: 53, protocol: "UDP" }
              ]
            }
          },
          { spec: { clusterIP: "None", selector: { app: "x" }, ports: [{ port: 80 }] } },
          { spec: { type: "NodePort", ports: [{ port: 80 }] } }
        ][variant] ?? {}
      )
    case "widget":
      // Valid with a default; valid with a field to prune; a value out of the enum; three rules broken.
      return (
        [
          { spec: { size: "S" } },
          { spec: { size: "M", replicas: 3, note: "ok", unknown: "x", extra: { kept: 1 } } },
          { spec: { size: "XL" } },
          { spec: { size: "L", replicas: 9, note: "Bad1", tags: ["a", "b", "c"] } }
        ][variant] ?? {}
      )
  }
}

/** What a manager applies, by variant (fields given and fields left out between variants). */
const applied = (kind: Kind, variant: number): JsonObject => {
  switch (kind) {
    case "cm":
      // The last variant applies no data (only a label): an apply that sets no field at all is a
      // 1.20 oddity (a later update drops every managed field there), not generated.
      return (
        [
          { data: { k: "1" } },
          { data: { k: "2", j: "1" } },
          { data: { j: "2" } },
          { metadata: { labels: { tier: "x" } } }
        ][variant] ?? {}
      )
    case "secret":
      return (
        [
          { data: { k: base64("1") } },
          { data: { j: base64("2") } },
          { stringData: { s: "3" } },
          { metadata: { labels: { tier: "x" } } }
        ][variant] ?? {}
      )
    case "deploy":
    case "rs": {
      const selector = { matchLabels: { app: "d" } }
      const template = (containers: ReadonlyArray<JsonObject>) => ({
        metadata: { labels: { app: "d" } },
        spec: { containers }
      })
      return (
        [
          { spec: { replicas: 1, selector, template: template([{ name: "web", image: "nginx:1" }]) } },
          { spec: { replicas: 2 } },
          {
            spec: {
              selector,
              template: template([
                { name: "web", image: "nginx:2" },
                { name: "side", image: "busybox" }
              ])
            }
          },
          { metadata: { labels: { app: "x" } } }
        ][variant] ?? {}
      )
    }
    case "svc":
      // Ports with their protocol (the 1.20 test server's apply needs it: a key of the list).
      return (
        [
          { spec: { ports: [{ port: 80, protocol: "TCP" }], selector: { app: "x" } } },
          {
            spec: {
              ports: [
                { name: "http", port: 80, protocol: "TCP" },
                { name: "dns", port: 53, protocol: "UDP" }
              ]
            }
          },
          { spec: { selector: { app: "y" } } },
          { metadata: { labels: { tier: "x" } } }
        ][variant] ?? {}
      )
    case "widget":
      return (
        [
          { spec: { size: "S" } },
          { spec: { size: "M", replicas: 2 } },
          { spec: { tags: ["a"] } },
          { metadata: { labels: { tier: "x" } } }
        ][variant] ?? {}
      )
  }
}

interface Answer {
  readonly code: number
  readonly body: Json
}

/**
 * Fields one server sets and the other does not, left out of both transcripts: a Service's IP
 * families and internal traffic policy, which 1.21+ servers set (the in-memory cluster does, as
 * they do; the 1.20 test server does not know them).
 */
const DEFAULTED: { readonly [K in Kind]: ReadonlyArray<ReadonlyArray<string>> } = {
  cm: [],
  secret: [],
  deploy: [],
  rs: [],
  svc: [
    ["spec", "ipFamilies"],
    ["spec", "ipFamilyPolicy"],
    ["spec", "internalTrafficPolicy"]
  ],
  widget: []
}

const IPV4 = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/

/**
 * A Service as compared: its allocated cluster IPs and node ports as `allocated` (the servers
 * allocate from different ranges, the test server at random); its selector's ownership as one
 * field (atomic in 1.22+ servers' schema, which the in-memory cluster follows; per key in 1.20).
 */
const allocatedAway = (value: JsonObject): JsonObject => {
  const spec = isObject(value.spec) ? value.spec : undefined
  if (spec === undefined) return value
  const ip = (v: Json): Json => (typeof v === "string" && IPV4.test(v) ? "allocated" : v)
  return {
    ...value,
    spec: {
      ...spec,
      ...(spec.clusterIP !== undefined ? { clusterIP: ip(spec.clusterIP) } : {}),
      ...(Array.isArray(spec.clusterIPs) ? { clusterIPs: spec.clusterIPs.map(ip) } : {}),
      ...(Array.isArray(spec.ports)
        ? {
            ports: spec.ports.map((p: Json) =>
              isObject(p) && typeof p.nodePort === "number" ? { ...p, nodePort: "allocated" } : p
            )
          }
        : {})
    }
  }
}

/** A conflict's field, a Service's selector as one field (see `allocatedAway`). */
const selectorField = (kind: Kind, field: string): string =>
  kind === "svc" && field.startsWith(".spec.selector.") ? ".spec.selector" : field

/** A Service's managed fields with `f:selector` as one field (see `allocatedAway`). */
const atomicSelector = (fields: Json): Json => {
  if (!isObject(fields) || !isObject(fields["f:spec"])) return fields
  const spec = fields["f:spec"]
  return "f:selector" in spec ? { ...fields, "f:spec": { ...spec, "f:selector": {} } } : fields
}

const without = (value: Json, path: ReadonlyArray<string>): Json => {
  const [head, ...rest] = path
  if (head === undefined) return value
  if (head === "*") return Array.isArray(value) ? value.map((item: Json) => without(item, rest)) : value
  if (!isObject(value) || !(head in value)) return value
  if (rest.length === 0) {
    const { [head]: _, ...others } = value
    return others
  }
  return { ...value, [head]: without(value[head] ?? null, rest) }
}

/** A managed fields set without the defaulted fields (`f:spec`, `k:{"name":"web"}` keys). */
const withoutFields = (fields: Json, path: ReadonlyArray<string>): Json => {
  const [head, ...rest] = path
  if (head === undefined || !isObject(fields)) return fields
  const keys = head === "*" ? Object.keys(fields).filter((k) => k.startsWith("k:")) : [`f:${head}`]
  let out: JsonObject = fields
  for (const k of keys) {
    if (!(k in out)) continue
    if (rest.length === 0) {
      const { [k]: _, ...others } = out
      out = others
    } else {
      const inner = withoutFields(out[k] ?? null, rest)
      out = { ...out, [k]: inner }
    }
  }
  return out
}

/**
 * A difference known and being worked on (issue 14), left out unless DIFF_STRICT=1: the causes of
 * a 422 (the in-memory cluster finds missing required fields, not the kinds' own rules).
 */
const STRICT = process.env.DIFF_STRICT === "1"

export class Transcriber {
  private readonly versions = new Map<string, string>()
  /** The version of each object before its last write (for stale replaces). */
  readonly previous = new Map<string, string>()
  constructor(private readonly namespace: string) {}

  /** An object as compared: the volatile fields out, the version as "changed since last seen". */
  object(kind: Kind, value: Json): Json {
    if (!isObject(value)) return value
    let out: Json = kind === "svc" ? allocatedAway(value) : value
    for (const path of DEFAULTED[kind]) out = without(out, path)
    if (!isObject(out)) return out
    const metadata = isObject(out.metadata) ? out.metadata : {}
    const name = typeof metadata.name === "string" ? metadata.name : ""
    const version = typeof metadata.resourceVersion === "string" ? metadata.resourceVersion : ""
    const key = `${kind}/${name}`
    const last = this.versions.get(key)
    if (last !== undefined && last !== version) this.previous.set(key, last)
    this.versions.set(key, version)
    const {
      uid: _uid,
      resourceVersion: _rv,
      creationTimestamp: _created,
      selfLink: _selfLink,
      deletionTimestamp,
      managedFields,
      namespace,
      ...rest
    } = metadata
    const managed = Array.isArray(managedFields)
      ? managedFields
          .filter(isObject)
          .map((entry): readonly [string, JsonObject] => {
            let fields: Json = entry.fieldsV1 ?? null
            for (const path of DEFAULTED[kind]) fields = withoutFields(fields, path)
            // The 1.20 test server gives a manager the status fields it sent to the main resource
            // (reset by the strategy after the field manager ran; newer servers ignore them: the
            // in-memory cluster does as they do). Status ownership is not compared.
            fields = withoutFields(fields, ["status"])
            if (kind === "svc") fields = atomicSelector(fields)
            const { time: _time, fieldsV1: _fields, ...others } = entry
            return [`${String(entry.manager)}/${String(entry.operation)}`, { ...others, fieldsV1: fields }]
          })
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([, entry]) => entry)
      : undefined
    const compared = managed
    const body = out
    const kept = rest
    return {
      ...(isObject(body) ? body : { value: body }),
      metadata: {
        ...(isObject(kept) ? kept : {}),
        ...(namespace !== undefined ? { namespace: namespace === this.namespace ? "NS" : namespace } : {}),
        ...(deletionTimestamp !== undefined ? { deletionTimestamp: "set" } : {}),
        ...(compared !== undefined ? { managedFields: compared } : {}),
        changed: last === undefined ? "new" : last !== version
      }
    }
  }

  /** An answer as compared: an error as code, reason and its causes' fields; a success by kind. */
  answer(answer: Answer, read: (body: JsonObject) => Json, kind: Kind): Json {
    const body = answer.body
    if (answer.code >= 400 || (isObject(body) && body.kind === "Status" && body.status === "Failure")) {
      const details = isObject(body) && isObject(body.details) ? body.details : {}
      const causes = Array.isArray(details.causes)
        ? details.causes
            .filter(isObject)
            .map((c) => `${String(c.reason)} ${selectorField(kind, String(c.field))}`)
            // A set: the 1.20 apiserver repeats a metadata cause on updates (3 or 4 times by kind).
            .filter((c, i, all) => all.indexOf(c) === i)
            .sort()
        : []
      // The causes of a 422: only in DIFF_STRICT (the kinds' own rules are not the in-memory
      // cluster's: it finds the missing required fields only).
      return {
        code: answer.code,
        reason: isObject(body) ? (body.reason ?? null) : null,
        ...(answer.code !== 422 || STRICT ? { causes } : {})
      }
    }
    if (isObject(body) && body.kind === "Status" && isObject(body.details)) {
      const { uid: _uid, ...details } = body.details
      return { code: answer.code, body: { ...body, details } }
    }
    return { code: answer.code, body: isObject(body) ? read(body) : body }
  }

  forget(kind: Kind, name: Name) {
    this.versions.delete(`${kind}/${name}`)
  }
}

/** Sends one request; the answer's status and JSON body. */
const send = (
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  body?: { readonly json: Json; readonly contentType: string },
  query: ReadonlyArray<readonly [string, string]> = []
) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    let request = HttpClientRequest.make(method)(path).pipe(HttpClientRequest.setUrlParams(query))
    if (body !== undefined) {
      request = HttpClientRequest.bodyText(request, JSON.stringify(body.json), body.contentType)
    }
    const response = yield* http.execute(request)
    const text = yield* response.text
    let parsed: Json = text
    try {
      parsed = JSON.parse(text)
    } catch {
      // kept as text
    }
    return { code: response.status, body: parsed }
  }).pipe(Effect.orDie)

const json = (value: Json) => ({ json: value, contentType: "application/json" })

/** An open watch: where its entry is, and the events read so far. */
interface OpenWatch {
  readonly entry: number
  readonly kind: Kind
  readonly labelSelector: string
  /** How many events are the objects there when it opened (in no defined order: 1.20 sends them as its cache's map holds them). */
  readonly initial: number
  readonly events: Array<JsonObject>
}

/**
 * Opens a watch and reads its events into `events` until the scope closes.
 */
const openWatch = (
  path: string,
  query: ReadonlyArray<readonly [string, string]>,
  events: Array<JsonObject>
) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const response = yield* http.execute(
      HttpClientRequest.get(path).pipe(HttpClientRequest.setUrlParams([...query, ["watch", "true"]]))
    )
    if (response.status !== 200) {
      return { code: response.status, body: yield* response.text }
    }
    yield* response.stream.pipe(
      Stream.decodeText(),
      Stream.splitLines,
      Stream.runForEach((line) =>
        Effect.sync(() => {
          const event: Json = JSON.parse(line)
          if (isObject(event)) events.push(event)
        })
      ),
      Effect.forkScoped
    )
    return { code: 200, body: null }
  }).pipe(Effect.orDie)

/**
 * Deletes the sequence's Services (their finalizers first): their cluster IPs are the test
 * server's to reuse (a namespace left behind keeps them, there being no namespace controller).
 */
const releaseServices = (namespace: string) =>
  Effect.gen(function* () {
    const listed = yield* send("GET", PATHS.svc(namespace))
    const items = isObject(listed.body) && Array.isArray(listed.body.items) ? listed.body.items : []
    for (const item of items) {
      const name = isObject(item) && isObject(item.metadata) ? item.metadata.name : undefined
      if (typeof name !== "string") continue
      const at = `${PATHS.svc(namespace)}/${name}`
      yield* send("PATCH", at, {
        json: { metadata: { finalizers: null } },
        contentType: "application/merge-patch+json"
      })
      yield* send("DELETE", at)
    }
  })

/** The name of the object that marks the end of watch `i`'s events (left out of every transcript). */
const SENTINEL = "zz-end-"

/**
 * Ends a watch: writes an object that it matches and waits for its event (the apiserver sends a
 * watch's events in order, so every event of the sequence came before), then gives the events as
 * compared (each object normalized as in a transcript, its version compared with its previous event).
 */
const closeWatch = (namespace: string, w: OpenWatch) =>
  Effect.gen(function* () {
    const name = `${SENTINEL}${w.entry}-${w.kind}`
    const created = yield* send(
      "POST",
      PATHS[w.kind](namespace),
      json({
        ...TYPE[w.kind],
        metadata: { name, labels: MATCHING[w.labelSelector] ?? {} },
        ...content(w.kind, 0)
      })
    )
    if (created.code !== 201)
      return yield* Effect.dieMessage(`sentinel not created: ${JSON.stringify(created)}`)
    const seen = () =>
      w.events.some(
        (e) => isObject(e.object) && isObject(e.object.metadata) && e.object.metadata.name === name
      )
    yield* Effect.sync(seen).pipe(
      Effect.repeat({ schedule: Schedule.spaced(Duration.millis(10)), until: (done) => done }),
      Effect.timeoutFail({
        duration: Duration.seconds(30),
        onTimeout: () => new Error(`watch ${w.entry} never saw ${name}: ${JSON.stringify(w.events)}`)
      }),
      Effect.orDie
    )
    const t = new Transcriber(namespace)
    const events: Array<Json> = []
    const nameOf = (e: JsonObject) =>
      isObject(e.object) && isObject(e.object.metadata) ? String(e.object.metadata.name) : ""
    const ordered = [
      ...w.events.slice(0, w.initial).sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : 1)),
      ...w.events.slice(w.initial)
    ]
    for (const e of ordered) {
      const object = isObject(e.object) ? e.object : {}
      const metadata = isObject(object.metadata) ? object.metadata : {}
      const objectName = typeof metadata.name === "string" ? metadata.name : ""
      if (objectName.startsWith(SENTINEL)) continue
      events.push({ type: e.type ?? null, object: t.object(w.kind, object) })
      if (e.type === "DELETED" && (objectName === "a" || objectName === "b")) t.forget(w.kind, objectName)
    }
    return events
  })

/**
 * Makes sure the custom kind is served: creates its CRD (once: a 409 says it is there) and waits
 * until its objects can be listed (the real apiserver serves a new CRD after a moment).
 */
export const ensureWidgets = (namespace: string) =>
  Effect.gen(function* () {
    const created = yield* send(
      "POST",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      json(JSON.parse(JSON.stringify(WIDGET_CRD)))
    )
    if (created.code !== 201 && created.code !== 409)
      return yield* Effect.dieMessage(`CRD not created: ${JSON.stringify(created)}`)
    yield* send("GET", PATHS.widget(namespace)).pipe(
      Effect.repeat({
        schedule: Schedule.spaced(Duration.millis(50)),
        until: (listed) => listed.code === 200
      }),
      Effect.timeoutFail({
        duration: Duration.seconds(30),
        onTimeout: () => new Error("widgets never served")
      }),
      Effect.orDie
    )
  })

/** Runs the operations in `namespace` (already made) and writes down every answer. */
export const run = (
  namespace: string,
  ops: ReadonlyArray<Op>
): Effect.Effect<ReadonlyArray<Entry>, never, Client.Requirements> =>
  Effect.gen(function* () {
    const t = new Transcriber(namespace)
    const entries: Array<Entry> = []
    const watches: Array<OpenWatch> = []
    const objectOf = (kind: Kind) => (body: JsonObject) => t.object(kind, body)
    const current = (kind: Kind, name: Name) => send("GET", `${PATHS[kind](namespace)}/${name}`)
    for (const op of ops) {
      const kind: Kind = "kind" in op ? op.kind : "deploy"
      const collection = PATHS[kind](namespace)
      const at = `${collection}/${"name" in op ? op.name : ""}`
      const answer: Answer = yield* Effect.gen(function* () {
        switch (op.op) {
          case "create":
            return yield* send(
              "POST",
              collection,
              json({
                ...TYPE[kind],
                metadata: {
                  name: op.name,
                  labels: op.labels,
                  ...(op.finalizer ? { finalizers: [FINALIZER] } : {})
                },
                ...content(kind, op.variant),
                ...(op.withStatus && (kind === "deploy" || kind === "rs")
                  ? { status: { replicas: 5, observedGeneration: 3 } }
                  : op.withStatus && kind === "widget"
                    ? { status: { replicas: 5 } }
                    : {})
              })
            )
          case "replace": {
            const now = yield* current(kind, op.name)
            // A Service is replaced as read (its allocated cluster IP sent back, with a version):
            // 1.20 refuses one without either, 1.22+ servers keep the stored ones (README).
            const readFirst = kind === "svc" && op.version === "none" ? "current" : op.version
            const version =
              readFirst === "current" && isObject(now.body) && isObject(now.body.metadata)
                ? now.body.metadata.resourceVersion
                : readFirst === "stale"
                  ? (t.previous.get(`${kind}/${op.name}`) ?? "1")
                  : undefined
            const spec = isObject(now.body) && isObject(now.body.spec) ? now.body.spec : {}
            const body = content(kind, op.variant)
            const sent =
              kind === "svc" &&
              isObject(body.spec) &&
              body.spec.clusterIP === undefined &&
              spec.clusterIP !== undefined
                ? { ...body, spec: { ...body.spec, clusterIP: spec.clusterIP } }
                : body
            const finalizers =
              isObject(now.body) && isObject(now.body.metadata) ? now.body.metadata.finalizers : undefined
            return yield* send(
              "PUT",
              at,
              json({
                ...TYPE[kind],
                metadata: {
                  name: op.name,
                  labels: op.labels,
                  ...(version !== undefined ? { resourceVersion: version } : {}),
                  ...(finalizers !== undefined ? { finalizers } : {})
                },
                ...sent
              })
            )
          }
          case "get":
            return yield* current(kind, op.name)
          case "merge": {
            const part: JsonObject =
              kind === "cm"
                ? { data: { k: `m${op.variant}` } }
                : kind === "secret"
                  ? { stringData: { k: `m${op.variant}` } }
                  : kind === "svc"
                    ? ([
                        { spec: { selector: { app: "y" } } },
                        { spec: { sessionAffinity: "ClientIP" } },
                        { spec: { type: "NodePort" } },
                        { spec: { type: "ClusterIP" } }
                      ][op.variant] ?? {})
                    : kind === "widget"
                      ? ([
                          { spec: { replicas: 0 } },
                          { spec: { replicas: 7 } },
                          { spec: { size: null } },
                          { spec: { note: null, extra: { a: 1 } } }
                        ][op.variant] ?? {})
                      : { spec: { replicas: op.variant } }
            return yield* send("PATCH", at, {
              json: { metadata: { labels: op.labels }, ...part },
              contentType: "application/merge-patch+json"
            })
          }
          case "strategic":
            return yield* send("PATCH", at, {
              json: {
                spec: {
                  template: {
                    spec: { containers: op.containers.map((c) => ({ name: c.name, image: c.image })) }
                  }
                }
              },
              contentType: "application/strategic-merge-patch+json"
            })
          case "apply":
            // Not generated: an apply that would create an invalid Deployment (the 422's causes
            // differ: the in-memory cluster checks required fields, not a Deployment's own rules).
            if ((kind === "deploy" || kind === "rs") && op.variant !== 0 && op.variant !== 2) {
              const now = yield* current(kind, op.name)
              if (now.code === 404) return now
            }
            return yield* send(
              "PATCH",
              at,
              {
                json: (() => {
                  const { metadata, ...rest } = applied(kind, op.variant)
                  return {
                    ...TYPE[kind],
                    metadata: { ...(isObject(metadata) ? metadata : {}), name: op.name },
                    ...rest
                  }
                })(),
                contentType: "application/apply-patch+yaml"
              },
              [["fieldManager", op.manager], ...(op.force ? [["force", "true"] as const] : [])]
            )
          case "delete": {
            let uid: Json | undefined
            if (op.precondition === "uid-current") {
              const now = yield* current(kind, op.name)
              uid = isObject(now.body) && isObject(now.body.metadata) ? (now.body.metadata.uid ?? null) : null
            } else if (op.precondition === "uid-wrong") uid = WRONG_UID
            return yield* send(
              "DELETE",
              at,
              json({
                kind: "DeleteOptions",
                apiVersion: "v1",
                ...(uid !== undefined ? { preconditions: { uid } } : {})
              })
            )
          }
          case "finalizer": {
            const now = yield* current(kind, op.name)
            if (now.code !== 200 || !isObject(now.body) || !isObject(now.body.metadata)) return now
            const had = Array.isArray(now.body.metadata.finalizers)
              ? now.body.metadata.finalizers.filter((f: Json) => f !== FINALIZER)
              : []
            return yield* send("PATCH", at, {
              json: { metadata: { finalizers: op.add ? [...had, FINALIZER] : had } },
              contentType: "application/merge-patch+json"
            })
          }
          case "status":
            return yield* send("PATCH", `${at}/status`, {
              json: {
                status: {
                  replicas: op.replicas,
                  ...(kind === "widget" ? { selector: `app=w${op.replicas}` } : {})
                }
              },
              contentType: "application/merge-patch+json"
            })
          case "scale": {
            const now = yield* send("GET", `${at}/scale`)
            const version =
              op.version && isObject(now.body) && isObject(now.body.metadata)
                ? now.body.metadata.resourceVersion
                : undefined
            return yield* send(
              "PUT",
              `${at}/scale`,
              json({
                apiVersion: "autoscaling/v1",
                kind: "Scale",
                metadata: {
                  name: op.name,
                  namespace,
                  ...(version !== undefined ? { resourceVersion: version } : {})
                },
                spec: { replicas: op.replicas }
              })
            )
          }
          case "list": {
            const pages: Array<Json> = []
            let token = ""
            for (let page = 0; page < 10; page++) {
              const query: Array<readonly [string, string]> = []
              if (op.labelSelector !== "") query.push(["labelSelector", op.labelSelector])
              if (op.fieldSelector !== "") query.push(["fieldSelector", op.fieldSelector])
              if (op.limit > 0) query.push(["limit", String(op.limit)])
              if (token !== "") query.push(["continue", token])
              const got = yield* send("GET", collection, undefined, query)
              if (got.code !== 200 || !isObject(got.body)) return got
              const items = Array.isArray(got.body.items) ? got.body.items : []
              const metadata = isObject(got.body.metadata) ? got.body.metadata : {}
              const names = items.map((item: Json) =>
                isObject(item) && isObject(item.metadata) ? (item.metadata.name ?? null) : null
              )
              pages.push(
                metadata.remainingItemCount !== undefined
                  ? { names, remaining: metadata.remainingItemCount }
                  : names
              )
              token = typeof metadata.continue === "string" ? metadata.continue : ""
              if (token === "") break
            }
            return { code: 200, body: { pages } }
          }
          case "reset":
            return yield* send("PATCH", at, {
              json: {
                metadata: {
                  managedFields: op.value === "empty" ? [] : [{}],
                  ...(op.label ? { labels: { reset: "yes" } } : {})
                }
              },
              contentType: "application/merge-patch+json"
            })
          case "badMeta": {
            const bad: JsonObject =
              op.what === "label-key"
                ? { labels: { "bad key": "x" } }
                : op.what === "label-value"
                  ? { labels: { app: "bad value!" } }
                  : op.what === "label-long"
                    ? { labels: { app: "x".repeat(64) } }
                    : op.what === "annotation-key"
                      ? { annotations: { "-bad": "x" } }
                      : op.what === "finalizer"
                        ? { finalizers: ["bad finalizer!"] }
                        : { labels: { "Bad_Prefix.com/app": "x" } }
            return op.create
              ? yield* send(
                  "POST",
                  collection,
                  json({ ...TYPE[kind], metadata: { name: op.name, ...bad }, ...content(kind, 0) })
                )
              : yield* send("PATCH", at, {
                  json: { metadata: bad },
                  contentType: "application/merge-patch+json"
                })
          }
          case "unnamed":
            return yield* send(
              "PATCH",
              at,
              {
                json: { metadata: { labels: { unnamed: "yes" } } },
                contentType: "application/merge-patch+json"
              },
              [["fieldManager", ""]]
            )
          case "oddApply": {
            const { metadata, ...rest } = applied(kind, 0)
            const body: JsonObject = {
              ...TYPE[kind],
              ...(op.oddity === "other-kind" ? { kind: "Other" } : {}),
              metadata: {
                ...(isObject(metadata) ? metadata : {}),
                name: op.oddity === "other-name" ? "other" : op.name,
                ...(op.oddity === "managedFields"
                  ? {
                      managedFields: [
                        {
                          manager: "m1",
                          operation: "Apply",
                          apiVersion: TYPE[kind].apiVersion,
                          fieldsType: "FieldsV1",
                          fieldsV1: {}
                        }
                      ]
                    }
                  : {})
              },
              ...rest,
              // A field the custom kind's schema does not declare (built-in kinds: not generated).
              ...(op.oddity === "undeclared" && kind === "widget" ? { spec: { size: "S", unknown: 1 } } : {})
            }
            return yield* send(
              "PATCH",
              at,
              { json: body, contentType: "application/apply-patch+yaml" },
              op.oddity === "no-manager" ? [] : [["fieldManager", "m1"]]
            )
          }
          case "watch": {
            for (const watched of KINDS) {
              const query: Array<readonly [string, string]> = []
              if (op.labelSelector !== "") query.push(["labelSelector", op.labelSelector])
              // What the watch starts from: the objects it will send first (from the start) or the
              // version after which it sends changes (now).
              const listed = yield* send("GET", PATHS[watched](namespace), undefined, query)
              if (!isObject(listed.body) || !isObject(listed.body.metadata)) return listed
              const version = listed.body.metadata.resourceVersion
              if (op.from === "now" && typeof version === "string") query.push(["resourceVersion", version])
              const initial =
                op.from === "start" && Array.isArray(listed.body.items) ? listed.body.items.length : 0
              const events: Array<JsonObject> = []
              const opened = yield* openWatch(PATHS[watched](namespace), query, events)
              if (opened.code !== 200) return opened
              watches.push({
                entry: entries.length,
                kind: watched,
                labelSelector: op.labelSelector,
                initial,
                events
              })
            }
            return { code: 200, body: {} }
          }
        }
      })
      const read =
        op.op === "list" || op.op === "watch"
          ? (body: JsonObject): Json => body
          : op.op === "scale"
            ? (body: JsonObject): Json => ({ spec: body.spec ?? null, status: body.status ?? null })
            : objectOf(kind)
      // A Service's delete answers a Status on 1.20 and the Service on 1.22+ servers (as the
      // in-memory cluster): compared by its code; what it did shows in the reads that follow.
      const serviceDelete = op.op === "delete" && kind === "svc" && answer.code === 200
      entries.push({
        op,
        answer: serviceDelete ? { code: 200, body: "deleted or marked" } : t.answer(answer, read, kind)
      })
      if (op.op === "delete" && answer.code === 200) {
        const body = answer.body
        if (serviceDelete || (isObject(body) && body.kind === "Status")) t.forget(kind, op.name)
      }
    }
    // Each watch's events, by kind, as the answer of the operation that opened them.
    const answers = new Map<number, { [kind: string]: Json }>()
    for (const w of watches) {
      const answer = answers.get(w.entry) ?? {}
      answer[w.kind] = yield* closeWatch(namespace, w)
      answers.set(w.entry, answer)
    }
    for (const [index, answer] of answers) {
      const entry = entries[index]
      if (entry !== undefined) entries[index] = { op: entry.op, answer }
    }
    yield* releaseServices(namespace)
    return entries
  }).pipe(Effect.scoped)
