/**
 * Names, namespaces, kinds' plurals/groups/versions, selectors, label values, containers and
 * commands through every verb's path and query building, against a local recording server over
 * the Node transport. Property: either a typed failure with no request sent, or every request's
 * path is exactly the intended segments (decoded) and its query exactly the intended parameters;
 * a segment that is empty, `.`, `..`, holds `/` or `%`, or cannot be encoded must be refused.
 */
import { Context, Effect, Either, Exit, Layer, ManagedRuntime, Redacted, Schedule, Stream } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, it } from "vitest"
import type { ResolvedConfig } from "../../src/config/KubeConfig.js"
import { ApiProxy, Client, KubeConfig, PodExec, PodLog, Resource, Selector, Watch } from "../../src/index.js"
import * as apps from "../../src/models/apps/v1.js"
import * as core from "../../src/models/core/v1.js"
import { NodeKubeHttpClient } from "../../src/node/index.js"
import {
  assertClean,
  type CaseOutcome,
  evaluate,
  fuzz,
  type Problem,
  printSummary,
  type Secret
} from "./harness.js"
import { decodedSegments, dnsLabel, queryOf, sameSegments, segment, segmentProblem } from "./segments.js"
import { type RecordingServer, recordingServer } from "./servers.js"

const FILE = "test/fuzz/paths.fuzz.test.ts"
const TOKEN = "fuzzTok3n-Zq7xW2pLm9RsK4vB8nJd"
const secrets: ReadonlyArray<Secret> = [{ label: "bearer token", value: TOKEN }]

// --- inputs ------------------------------------------------------------------------------------

interface CustomKind {
  readonly group: string
  readonly version: string
  readonly plural: string
}

type KindChoice =
  | { readonly _tag: "ConfigMap" }
  | { readonly _tag: "Namespace" }
  | { readonly _tag: "Deployment" }
  | { readonly _tag: "Custom"; readonly namespaced: boolean; readonly def: CustomKind }

type Labels = { readonly [key: string]: string | Selector.Operator }
type Fields = {
  readonly [key: string]: string | { readonly _tag: "Equal" | "NotEqual"; readonly value: string }
}

type VerbCase =
  | {
      readonly verb: ObjectVerb
      readonly kind: KindChoice
      readonly name: string
      readonly namespace: string | undefined
    }
  | {
      readonly verb: StatusVerb
      readonly kind: KindChoice
      readonly name: string
      readonly namespace: string | undefined
    }
  | { readonly verb: "evict"; readonly name: string; readonly namespace: string | undefined }
  | {
      readonly verb: WriteVerb
      readonly kind: KindChoice
      readonly objectName: string | undefined
      readonly objectNamespace: string | undefined
      readonly namespace: string | undefined
    }
  | {
      readonly verb: SelectVerb
      readonly kind: KindChoice
      readonly namespace: string | undefined
      readonly labels: Labels | undefined
      readonly fields: Fields | undefined
      readonly watchName: string | undefined
    }
  | {
      readonly verb: "log" | "exec" | "attach"
      readonly name: string
      readonly namespace: string | undefined
      readonly container: string | undefined
      readonly command: ReadonlyArray<string>
    }
  | {
      readonly verb: "proxy"
      readonly target: "pods" | "services"
      readonly name: string
      readonly namespace: string | undefined
      readonly port: number | string | undefined
      readonly https: boolean
      readonly path: ReadonlyArray<string>
    }
  | {
      readonly verb: "bind"
      readonly name: string
      readonly node: string
      readonly namespace: string | undefined
    }
  | { readonly verb: "finalize"; readonly name: string }
  | {
      readonly verb: "deleteObject"
      readonly kind: BuiltinKind
      readonly objectName: string | undefined
      readonly objectNamespace: string | undefined
      readonly namespace: string | undefined
    }

type BuiltinKind = Exclude<KindChoice, { readonly _tag: "Custom" }>

interface Case {
  readonly configNamespace: string
  readonly call: VerbCase
}

const maybe = <A>(arb: fc.Arbitrary<A>) => fc.option(arb, { nil: undefined, freq: 3 })

const groupOrVersion = (usual: string) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: segment })

const kindChoice: fc.Arbitrary<KindChoice> = fc.oneof(
  fc.constant({ _tag: "ConfigMap" as const }),
  fc.constant({ _tag: "Namespace" as const }),
  fc.constant({ _tag: "Deployment" as const }),
  fc.record({
    _tag: fc.constant("Custom" as const),
    namespaced: fc.boolean(),
    def: fc.record({
      group: fc.oneof(groupOrVersion("example.com"), fc.constant("")),
      version: groupOrVersion("v1"),
      plural: groupOrVersion("widgets")
    })
  })
)

const statusKind: fc.Arbitrary<KindChoice> = kindChoice.map((k) =>
  k._tag === "ConfigMap" || k._tag === "Namespace" ? { _tag: "Deployment" } : k
)

const labelKey = fc.oneof(
  dnsLabel,
  fc.tuple(dnsLabel, dnsLabel).map(([p, n]) => `${p}.io/${n}`),
  fc.constantFrom(
    "a,b",
    "a=b",
    "!a",
    "a b",
    "a)",
    "(a",
    "a&b=c",
    "",
    "/",
    "a/",
    "/a",
    "x".repeat(64),
    "__proto__"
  ),
  fc.string({ maxLength: 8 })
)
const labelValue = fc.oneof(
  dnsLabel,
  fc.constantFrom("", "a,b", "a=b", "a)", "x".repeat(64), "a b", "a&labelSelector=x", "%2C"),
  fc.string({ maxLength: 8 })
)
const labelOperator: fc.Arbitrary<string | Selector.Operator> = fc.oneof(
  labelValue,
  labelValue.map(Selector.notEqual),
  fc.array(labelValue, { maxLength: 3 }).map(Selector.in),
  fc.array(labelValue, { maxLength: 3 }).map(Selector.notIn),
  fc.constant(Selector.exists),
  fc.constant(Selector.notExists)
)
const labels: fc.Arbitrary<Labels> = fc.dictionary(labelKey, labelOperator, { maxKeys: 3 })

const fieldKey = fc.oneof(
  fc.constantFrom("metadata.name", "metadata.namespace", "status.phase", "spec.nodeName"),
  fc.constantFrom("a,b", "a=b", "", "a b", "a&b"),
  fc.string({ maxLength: 8 })
)
const fieldValue = fc.oneof(
  dnsLabel,
  fc.constantFrom("", ",", "=", "\\", "a,b=c", "a&fieldSelector=x", "%2C", "!=x"),
  fc.string({ maxLength: 10 })
)
const fields: fc.Arbitrary<Fields> = fc.dictionary(
  fieldKey,
  fc.oneof(
    fieldValue,
    fieldValue.map((value) => ({ _tag: "Equal" as const, value })),
    fieldValue.map((value) => ({ _tag: "NotEqual" as const, value }))
  ),
  { maxKeys: 2 }
)

const namespaceOption = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant("*") },
  { weight: 3, arbitrary: segment }
)

const verbCase: fc.Arbitrary<VerbCase> = fc.oneof(
  fc.record({
    verb: fc.constantFrom(
      "get" as const,
      "getOption" as const,
      "delete" as const,
      "patch" as const,
      "set" as const
    ),
    kind: kindChoice,
    name: segment,
    namespace: namespaceOption
  }),
  fc.record({
    verb: fc.constantFrom(
      "getStatus" as const,
      "patchStatus" as const,
      "getScale" as const,
      "patchScale" as const,
      "replaceScale" as const
    ),
    kind: statusKind,
    name: segment,
    namespace: namespaceOption
  }),
  fc.record({ verb: fc.constant("evict" as const), name: segment, namespace: namespaceOption }),
  fc.record({
    verb: fc.constantFrom(
      "create" as const,
      "replace" as const,
      "apply" as const,
      "replaceStatus" as const,
      "applyStatus" as const
    ),
    kind: kindChoice,
    objectName: maybe(segment),
    objectNamespace: maybe(segment),
    namespace: namespaceOption
  }),
  fc.record({
    verb: fc.constantFrom(
      "list" as const,
      "listAll" as const,
      "deleteCollection" as const,
      "watch" as const,
      "watcher" as const
    ),
    kind: kindChoice,
    namespace: namespaceOption,
    labels: maybe(labels),
    fields: maybe(fields),
    watchName: maybe(segment)
  }),
  fc.record({
    verb: fc.constantFrom("log" as const, "exec" as const, "attach" as const),
    name: segment,
    namespace: namespaceOption,
    container: maybe(fc.oneof(dnsLabel, segment)),
    command: fc.array(fc.oneof(dnsLabel, fc.string({ maxLength: 6 }), fc.constantFrom("&", "?", "%", "=")), {
      minLength: 1,
      maxLength: 3
    })
  })
)

/** The calls added with the sub-resources, the proxy and objects given alone. */
const moreCases: fc.Arbitrary<VerbCase> = fc.oneof(
  fc.record({
    verb: fc.constant("proxy" as const),
    target: fc.constantFrom("pods" as const, "services" as const),
    name: segment,
    namespace: namespaceOption,
    port: maybe(fc.oneof(fc.integer({ min: 1, max: 65535 }), dnsLabel, segment)),
    https: fc.boolean(),
    path: fc.array(segment, { maxLength: 3 })
  }),
  fc.record({ verb: fc.constant("bind" as const), name: segment, node: segment, namespace: namespaceOption }),
  fc.record({ verb: fc.constant("finalize" as const), name: segment }),
  fc.record({
    verb: fc.constant("deleteObject" as const),
    kind: fc.constantFrom<BuiltinKind>({ _tag: "ConfigMap" }, { _tag: "Namespace" }, { _tag: "Deployment" }),
    objectName: maybe(segment),
    objectNamespace: maybe(segment),
    namespace: namespaceOption
  })
)

const cases: fc.Arbitrary<Case> = fc.record({
  configNamespace: fc.oneof(
    { weight: 3, arbitrary: fc.constant("fuzz-ns") },
    { weight: 1, arbitrary: segment }
  ),
  call: fc.oneof({ weight: 5, arbitrary: verbCase }, { weight: 1, arbitrary: moreCases })
})

// --- the calls -----------------------------------------------------------------------------------

const customResource = (namespaced: boolean, def: CustomKind) => {
  const kind = { group: def.group, version: def.version, kind: "Widget", plural: def.plural }
  return namespaced ? Resource.namespaced(kind) : Resource.global(kind)
}

const meta = (name: string | undefined, namespace: string | undefined) => ({
  ...(name !== undefined ? { name } : {}),
  ...(namespace !== undefined ? { namespace } : {})
})

const fastRetry = Schedule.spaced("1 millis").pipe(Schedule.intersect(Schedule.recurs(2)))

type Requirements = Client.Requirements | PodExec.Requirements

type ObjectVerb = "get" | "getOption" | "delete" | "patch" | "set"
type StatusVerb = "getStatus" | "patchStatus" | "getScale" | "patchScale" | "replaceScale"
type WriteVerb = "create" | "replace" | "apply" | "replaceStatus" | "applyStatus"
type SelectVerb = "list" | "listAll" | "deleteCollection" | "watch" | "watcher"

const objectVerb = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  verb: ObjectVerb,
  name: string,
  namespace: string | undefined
): Effect.Effect<unknown, unknown, Requirements> => {
  switch (verb) {
    case "get":
      return Client.get(resource, name, { namespace })
    case "getOption":
      return Client.getOption(resource, name, { namespace })
    case "delete":
      return Client.delete(resource, name, { namespace })
    case "patch":
      return Client.patch(
        resource,
        name,
        { metadata: { labels: { a: "b" } } },
        { namespace, patchType: "merge" }
      )
    case "set":
      return Client.set(resource, name, { labels: { a: "b" } }, { namespace })
  }
}

const subresourceVerb = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "status" | "scale", I>,
  verb: StatusVerb,
  name: string,
  namespace: string | undefined
): Effect.Effect<unknown, unknown, Requirements> => {
  switch (verb) {
    case "getStatus":
      return Client.getStatus(resource, name, { namespace })
    case "patchStatus":
      return Client.patchStatus(resource, name, { status: {} }, { namespace, patchType: "merge" })
    case "getScale":
      return Client.getScale(resource, name, { namespace })
    case "patchScale":
      return Client.patchScale(resource, name, { spec: { replicas: 1 } }, { namespace })
    case "replaceScale":
      return Client.replaceScale(
        resource,
        name,
        { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name }, spec: { replicas: 1 } },
        { namespace }
      )
  }
}

const writeVerb = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  verb: Exclude<WriteVerb, "replaceStatus" | "applyStatus">,
  object: A,
  namespace: string | undefined
): Effect.Effect<unknown, unknown, Requirements> => {
  const options = { namespace, fieldManager: "fuzz" }
  switch (verb) {
    case "create":
      return Client.create(resource, object, options)
    case "replace":
      return Client.replace(resource, object, options)
    case "apply":
      return Client.apply(resource, object, options)
  }
}

const statusWrite = <A extends Resource.KubeObject, N extends boolean, I>(
  resource: Resource.Resource<A, N, "status", I>,
  verb: "replaceStatus" | "applyStatus",
  object: A,
  namespace: string | undefined
): Effect.Effect<unknown, unknown, Requirements> => {
  const options = { namespace, fieldManager: "fuzz" }
  return verb === "replaceStatus"
    ? Client.replaceStatus(resource, object, options)
    : Client.applyStatus(resource, object, options)
}

const selectVerb = <A extends Resource.KubeObject, N extends boolean, S extends string, I>(
  resource: Resource.Resource<A, N, S, I>,
  verb: SelectVerb,
  select: Client.SelectOptions,
  watchName: string | undefined
): Effect.Effect<unknown, unknown, Requirements> => {
  switch (verb) {
    case "list":
      return Stream.runDrain(Client.list(resource, select))
    case "listAll":
      return Client.listAll(resource, select)
    case "deleteCollection":
      return Client.deleteCollection(resource, select)
    // The server answers 404: the streams fail at their first request (the watcher emits its Init first).
    case "watch":
      return Stream.runDrain(Watch.watch(resource, { ...select, name: watchName, retrySchedule: fastRetry }))
    case "watcher":
      return Stream.runDrain(
        Watch.watcher(resource, { ...select, name: watchName, retrySchedule: fastRetry })
      )
  }
}

/** The call a case makes, as a user would write it. */
const callOf = (c: VerbCase): Effect.Effect<unknown, unknown, Requirements> => {
  switch (c.verb) {
    case "get":
    case "getOption":
    case "delete":
    case "patch":
    case "set": {
      const k = c.kind
      switch (k._tag) {
        case "ConfigMap":
          return objectVerb(core.ConfigMap, c.verb, c.name, c.namespace)
        case "Namespace":
          return objectVerb(core.Namespace, c.verb, c.name, c.namespace)
        case "Deployment":
          return objectVerb(apps.Deployment, c.verb, c.name, c.namespace)
        case "Custom":
          return objectVerb(customResource(k.namespaced, k.def), c.verb, c.name, c.namespace)
      }
      break
    }
    case "getStatus":
    case "patchStatus":
    case "getScale":
    case "patchScale":
    case "replaceScale":
      return c.kind._tag === "Custom"
        ? subresourceVerb(customResource(true, c.kind.def), c.verb, c.name, c.namespace)
        : subresourceVerb(apps.Deployment, c.verb, c.name, c.namespace)
    case "evict":
      return Client.evict(core.Pod, c.name, { namespace: c.namespace })
    case "create":
    case "replace":
    case "apply":
    case "replaceStatus":
    case "applyStatus": {
      const k = c.kind
      const metadata = meta(c.objectName, c.objectNamespace)
      if (c.verb === "replaceStatus" || c.verb === "applyStatus") {
        if (k._tag === "Custom") {
          const resource = customResource(k.namespaced, k.def)
          return statusWrite(
            resource,
            c.verb,
            { apiVersion: resource.apiVersion, kind: "Widget", metadata, spec: {} },
            c.namespace
          )
        }
        return statusWrite(
          apps.Deployment,
          c.verb,
          { apiVersion: "apps/v1", kind: "Deployment", metadata },
          c.namespace
        )
      }
      switch (k._tag) {
        case "ConfigMap":
          return writeVerb(
            core.ConfigMap,
            c.verb,
            { apiVersion: "v1", kind: "ConfigMap", metadata },
            c.namespace
          )
        case "Namespace":
          return writeVerb(
            core.Namespace,
            c.verb,
            { apiVersion: "v1", kind: "Namespace", metadata },
            c.namespace
          )
        case "Deployment":
          return writeVerb(
            apps.Deployment,
            c.verb,
            { apiVersion: "apps/v1", kind: "Deployment", metadata },
            c.namespace
          )
        case "Custom": {
          const resource = customResource(k.namespaced, k.def)
          return writeVerb(
            resource,
            c.verb,
            { apiVersion: resource.apiVersion, kind: "Widget", metadata },
            c.namespace
          )
        }
      }
      break
    }
    case "list":
    case "listAll":
    case "deleteCollection":
    case "watch":
    case "watcher": {
      const k = c.kind
      const select = { namespace: c.namespace, labels: c.labels, fields: c.fields }
      switch (k._tag) {
        case "ConfigMap":
          return selectVerb(core.ConfigMap, c.verb, select, c.watchName)
        case "Namespace":
          return selectVerb(core.Namespace, c.verb, select, c.watchName)
        case "Deployment":
          return selectVerb(apps.Deployment, c.verb, select, c.watchName)
        case "Custom":
          return selectVerb(customResource(k.namespaced, k.def), c.verb, select, c.watchName)
      }
      break
    }
    case "log":
      return Stream.runDrain(PodLog.log(c.name, { namespace: c.namespace, container: c.container }))
    case "exec":
      return PodExec.exec(c.name, { namespace: c.namespace, container: c.container, command: c.command })
    case "attach":
      return Effect.scoped(PodExec.attach(c.name, { namespace: c.namespace, container: c.container }))
    case "proxy": {
      const options: ApiProxy.Options = {
        namespace: c.namespace,
        port: c.port,
        scheme: c.https ? "https" : "http",
        path: `/${c.path.join("/")}`
      }
      return c.target === "pods"
        ? ApiProxy.request(core.Pod, c.name, options)
        : ApiProxy.request(core.Service, c.name, options)
    }
    case "bind":
      return Client.bind(core.Pod, c.name, c.node, { namespace: c.namespace })
    case "finalize":
      return Client.finalize(core.Namespace, c.name, [])
    case "deleteObject": {
      const metadata = meta(c.objectName, c.objectNamespace)
      const object =
        c.kind._tag === "ConfigMap"
          ? { apiVersion: "v1", kind: "ConfigMap", metadata }
          : c.kind._tag === "Namespace"
            ? { apiVersion: "v1", kind: "Namespace", metadata }
            : { apiVersion: "apps/v1", kind: "Deployment", metadata }
      return Client.delete(object, { namespace: c.namespace })
    }
  }
}

// --- what each call may send ---------------------------------------------------------------------

interface Part {
  /** What the segment is, for messages (`name`, `namespace`, ...). */
  readonly role: string
  readonly value: string
}

interface Expected {
  /** The acceptable paths, as parts; a value of a part that is not a valid segment refuses the call. */
  readonly paths: ReadonlyArray<ReadonlyArray<Part>>
  /** A reason to refuse that does not come from a path (an invalid selector, a bad watch name). */
  readonly refuse: string | undefined
  /** Checks a request's query; returns what is wrong. */
  readonly query: (params: URLSearchParams) => string | undefined
}

const fixed = (value: string): Part => ({ role: "fixed", value })

const prefix = (group: string, version: string, custom: boolean): ReadonlyArray<Part> => {
  const g = { role: custom ? "group" : "fixed", value: group }
  const v = { role: custom ? "version" : "fixed", value: version }
  return group === "" ? [fixed("api"), v] : [fixed("apis"), g, v]
}

interface KindInfo {
  readonly parts: ReadonlyArray<Part>
  readonly plural: Part
  readonly namespaced: boolean
}

const kindInfo = (k: KindChoice, forceNamespaced = false): KindInfo => {
  switch (k._tag) {
    case "ConfigMap":
      return { parts: prefix("", "v1", false), plural: fixed("configmaps"), namespaced: true }
    case "Namespace":
      return { parts: prefix("", "v1", false), plural: fixed("namespaces"), namespaced: false }
    case "Deployment":
      return { parts: prefix("apps", "v1", false), plural: fixed("deployments"), namespaced: true }
    case "Custom":
      return {
        parts: prefix(k.def.group, k.def.version, true),
        plural: { role: "plural", value: k.def.plural },
        namespaced: forceNamespaced || k.namespaced
      }
  }
}

/** The namespace parts a call may use: `*` (every namespace) may also be taken literally. */
const namespaceParts = (namespaced: boolean, namespace: string): ReadonlyArray<ReadonlyArray<Part>> =>
  !namespaced
    ? [[]]
    : namespace === "*"
      ? [[], [fixed("namespaces"), fixed("*")]]
      : [[fixed("namespaces"), { role: "namespace", value: namespace }]]

const noQueryBeyond =
  (allowed: ReadonlyArray<string>, also?: (params: URLSearchParams) => string | undefined) =>
  (params: URLSearchParams): string | undefined => {
    const extra = [...new Set(params.keys())].filter((k) => !allowed.includes(k))
    if (extra.length > 0) return `unexpected query parameters ${JSON.stringify(extra)}`
    return also?.(params)
  }

const WRITE_QUERY = ["fieldManager", "dryRun", "force"]
const DELETE_QUERY = ["gracePeriodSeconds", "propagationPolicy", "dryRun"]
const LIST_QUERY = ["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion"]
const WATCH_QUERY = [...LIST_QUERY, "watch", "timeoutSeconds", "allowWatchBookmarks"]

const param = (params: URLSearchParams, key: string, expected: string | undefined): string | undefined => {
  const got = params.getAll(key)
  const want = expected === undefined || expected === "" ? [] : [expected]
  return got.length === want.length && got.every((g, i) => g === want[i])
    ? undefined
    : `${key} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`
}

const expectedOf = (c: Case): Expected => {
  const call = c.call
  const effectiveNs = (explicit: string | undefined, fromObject?: string) =>
    explicit ?? fromObject ?? c.configNamespace
  switch (call.verb) {
    case "proxy":
    case "bind":
    case "finalize":
    case "deleteObject":
      return expectedOfMore(call, effectiveNs)
    case "get":
    case "getOption":
    case "delete":
    case "patch":
    case "set":
    case "getStatus":
    case "patchStatus":
    case "getScale":
    case "patchScale":
    case "replaceScale":
    case "evict": {
      const sub =
        call.verb === "getStatus" || call.verb === "patchStatus"
          ? [fixed("status")]
          : call.verb === "getScale" || call.verb === "patchScale" || call.verb === "replaceScale"
            ? [fixed("scale")]
            : call.verb === "evict"
              ? [fixed("eviction")]
              : []
      const info: KindInfo =
        call.verb === "evict"
          ? { parts: prefix("", "v1", false), plural: fixed("pods"), namespaced: true }
          : sub.length === 0
            ? kindInfo(call.kind)
            : call.kind._tag === "Custom"
              ? kindInfo(call.kind, true)
              : kindInfo({ _tag: "Deployment" })
      const name = { role: "name", value: call.name }
      const allowed = call.verb === "delete" ? DELETE_QUERY : WRITE_QUERY
      return {
        paths: namespaceParts(info.namespaced, effectiveNs(call.namespace)).map((n) => [
          ...info.parts,
          ...n,
          info.plural,
          name,
          ...sub
        ]),
        refuse: undefined,
        query: noQueryBeyond(allowed)
      }
    }
    case "create":
    case "replace":
    case "apply":
    case "replaceStatus":
    case "applyStatus": {
      const status = call.verb === "replaceStatus" || call.verb === "applyStatus"
      const kind: KindChoice = status && call.kind._tag !== "Custom" ? { _tag: "Deployment" } : call.kind
      const info = kindInfo(kind)
      const named = call.verb !== "create"
      const nameless = named && (call.objectName === undefined || call.objectName === "")
      return {
        paths: namespaceParts(info.namespaced, effectiveNs(call.namespace, call.objectNamespace)).map((n) => [
          ...info.parts,
          ...n,
          info.plural,
          ...(named ? [{ role: "metadata.name", value: call.objectName ?? "" }] : []),
          ...(status ? [fixed("status")] : [])
        ]),
        refuse: nameless ? "an object without a name" : undefined,
        query: noQueryBeyond(WRITE_QUERY)
      }
    }
    case "list":
    case "listAll":
    case "deleteCollection":
    case "watch":
    case "watcher": {
      const info = kindInfo(call.kind)
      const watching = call.verb === "watch" || call.verb === "watcher"
      const labelText = call.labels === undefined ? Either.right("") : Selector.renderLabels(call.labels)
      const fieldSelector =
        watching && call.watchName !== undefined
          ? { ...call.fields, "metadata.name": call.watchName }
          : call.fields
      const fieldText = fieldSelector === undefined ? Either.right("") : Selector.renderFields(fieldSelector)
      const watchNameProblem =
        watching && call.watchName !== undefined ? segmentProblem(call.watchName) : undefined
      const refuse = Either.isLeft(labelText)
        ? "an invalid label selector"
        : Either.isLeft(fieldText)
          ? "an invalid field selector"
          : watchNameProblem !== undefined
            ? `a watch name that is ${watchNameProblem}`
            : undefined
      const ns = call.namespace === "*" ? "*" : effectiveNs(call.namespace)
      const allowed =
        call.verb === "deleteCollection"
          ? [...LIST_QUERY, ...DELETE_QUERY]
          : call.verb === "watch"
            ? WATCH_QUERY
            : call.verb === "watcher"
              ? WATCH_QUERY
              : LIST_QUERY
      return {
        paths: (call.namespace === "*" ? [[]] : namespaceParts(info.namespaced, ns)).map((n) => [
          ...info.parts,
          ...n,
          info.plural
        ]),
        refuse,
        query: noQueryBeyond(allowed, (params) =>
          Either.isRight(labelText) && Either.isRight(fieldText)
            ? (param(params, "labelSelector", labelText.right) ??
              param(params, "fieldSelector", fieldText.right))
            : undefined
        )
      }
    }
    case "log":
    case "exec":
    case "attach": {
      const sub = call.verb
      const allowed =
        call.verb === "log"
          ? [
              "container",
              "follow",
              "sinceTime",
              "sinceSeconds",
              "tailLines",
              "timestamps",
              "previous",
              "limitBytes"
            ]
          : ["command", "container", "stdin", "stdout", "stderr", "tty"]
      const command = call.verb === "exec" ? call.command : []
      return {
        paths: namespaceParts(true, effectiveNs(call.namespace)).map((n) => [
          ...prefix("", "v1", false),
          ...n,
          fixed("pods"),
          { role: "name", value: call.name },
          fixed(sub)
        ]),
        refuse: undefined,
        query: noQueryBeyond(allowed, (params) => {
          const container = param(params, "container", call.container)
          if (container !== undefined) return container
          if (call.verb === "log") return undefined
          const got = params.getAll("command")
          return got.length === command.length && got.every((g, i) => g === command[i])
            ? undefined
            : `command is ${JSON.stringify(got)}, expected ${JSON.stringify(command)}`
        })
      }
    }
  }
}

/** What the calls added with the sub-resources, the proxy and objects given alone may send. */
const expectedOfMore = (
  call: Extract<VerbCase, { readonly verb: "proxy" | "bind" | "finalize" | "deleteObject" }>,
  effectiveNs: (explicit: string | undefined, fromObject?: string) => string
): Expected => {
  switch (call.verb) {
    case "proxy": {
      const port = call.port === undefined ? undefined : String(call.port)
      const parts: Array<readonly [string, string]> = [["name", call.name]]
      if (port !== undefined) parts.push(["port", port])
      // `[scheme:]name[:port]`: each part a path segment without ':'.
      const badPart = parts
        .map(([role, value]) => {
          const problem = segmentProblem(value) ?? (value.includes(":") ? "holding ':'" : undefined)
          return problem === undefined ? undefined : `a ${role} that is ${problem}`
        })
        .find((p) => p !== undefined)
      // The path option is one string: its segments are what lies between its slashes (a leading
      // and a trailing one aside).
      const text = `/${call.path.join("/")}`
      const segments = text === "/" ? [] : text.slice(1, text.endsWith("/") ? -1 : undefined).split("/")
      const badPath = segments
        .map((segment) => segmentProblem(segment))
        .find((problem) => problem !== undefined)
      const address = `${call.https ? "https:" : ""}${call.name}${port !== undefined ? `:${port}` : ""}`
      return {
        paths: namespaceParts(true, effectiveNs(call.namespace)).map((n) => [
          ...prefix("", "v1", false),
          ...n,
          fixed(call.target),
          { role: "fixed", value: address },
          fixed("proxy"),
          ...segments.map((value) => ({ role: "path", value })),
          // A trailing slash is kept (it can matter to the server behind the proxy).
          // (The root of the target too: `.../proxy/`.)
          ...(text.endsWith("/") ? [{ role: "trailing slash", value: "" }] : [])
        ]),
        refuse: badPart ?? (badPath !== undefined ? `a path segment that is ${badPath}` : undefined),
        query: noQueryBeyond([])
      }
    }
    case "bind": {
      const nodeProblem = segmentProblem(call.node)
      return {
        paths: namespaceParts(true, effectiveNs(call.namespace)).map((n) => [
          ...prefix("", "v1", false),
          ...n,
          fixed("pods"),
          { role: "name", value: call.name },
          fixed("binding")
        ]),
        refuse: nodeProblem !== undefined ? `a node that is ${nodeProblem}` : undefined,
        query: noQueryBeyond(WRITE_QUERY)
      }
    }
    case "finalize": {
      // The namespace is read, then written through its finalize sub-resource.
      const name = { role: "name", value: call.name }
      return {
        paths: [
          [...prefix("", "v1", false), fixed("namespaces"), name],
          [...prefix("", "v1", false), fixed("namespaces"), name, fixed("finalize")]
        ],
        refuse: undefined,
        query: noQueryBeyond(WRITE_QUERY)
      }
    }
    case "deleteObject": {
      const info = kindInfo(call.kind)
      const nameless = call.objectName === undefined || call.objectName === ""
      return {
        paths: namespaceParts(info.namespaced, effectiveNs(call.namespace, call.objectNamespace)).map((n) => [
          ...info.parts,
          ...n,
          info.plural,
          { role: "metadata.name", value: call.objectName ?? "" }
        ]),
        refuse: nameless ? "an object without a name" : undefined,
        query: noQueryBeyond(DELETE_QUERY)
      }
    }
  }
}

const firstBadPart = (parts: ReadonlyArray<Part>): { part: Part; problem: string } | undefined => {
  for (const part of parts) {
    if (part.role === "trailing slash") continue
    const problem = segmentProblem(part.value)
    if (problem !== undefined) return { part, problem }
  }
  return undefined
}

/** The property: a refusal sends nothing; anything sent has exactly an intended path and query. */
const checkRequests = (
  c: Case,
  sent: ReadonlyArray<{ method: string; target: string }>
): ReadonlyArray<Problem> => {
  const expected = expectedOf(c)
  const verb = c.call.verb
  const validPaths = expected.paths.filter((p) => firstBadPart(p) === undefined)
  const bad = expected.paths.map(firstBadPart).find((b) => b !== undefined)
  const refuse =
    expected.refuse ??
    (validPaths.length === 0 && bad !== undefined ? `a ${bad.part.role} that is ${bad.problem}` : undefined)
  // One signature per role (name, namespace, plural, ...): the verbs share one path builder.
  const refuseKind = (refuse ?? "").replace(/ that is .*/, " that is not a path segment")
  const first = sent[0]
  if (refuse !== undefined) {
    return first === undefined
      ? []
      : [
          {
            kind: "violation",
            signature: `sent a request for ${refuseKind}`,
            detail: `${verb} with ${refuse} sent ${first.method} ${first.target} (expected a typed failure and no request)`
          }
        ]
  }
  const problems: Array<Problem> = []
  for (const request of sent) {
    const segments = decodedSegments(request.target)
    const matches =
      segments !== undefined &&
      validPaths.some((p) =>
        sameSegments(
          segments,
          p.map((part) => part.value)
        )
      )
    if (!matches) {
      problems.push({
        kind: "violation",
        signature: "the path is not the intended segments",
        detail: `${verb} sent ${request.method} ${request.target}; intended one of ${JSON.stringify(
          validPaths.map((p) => p.map((part) => part.value))
        )}`
      })
      break
    }
    const queryProblem = expected.query(queryOf(request.target))
    if (queryProblem !== undefined) {
      problems.push({
        kind: "violation",
        signature: "the query is not the intended parameters",
        detail: `${verb} sent ${request.method} ${request.target}: ${queryProblem}`
      })
      break
    }
  }
  return problems
}

// --- the suite -----------------------------------------------------------------------------------

const baseConfig = (server: string): ResolvedConfig => ({
  source: "fuzz",
  cluster: { server, insecureSkipTlsVerify: false, disableCompression: true },
  namespace: "fuzz-ns",
  credentials: Effect.succeed({ token: Redacted.make(TOKEN) }),
  invalidateCredentials: Effect.void,
  refreshable: false
})

let server: RecordingServer
let runtime: ManagedRuntime.ManagedRuntime<Requirements, unknown>
let context: Context.Context<Requirements>

beforeAll(async () => {
  server = await recordingServer()
  const config = baseConfig(server.url)
  runtime = ManagedRuntime.make(
    NodeKubeHttpClient.layer({ retrySchedule: Schedule.recurs(1), timeout: "5 seconds" }).pipe(
      Layer.provideMerge(KubeConfig.layer(config))
    )
  )
  context = await runtime.runPromise(Effect.context<Requirements>())
})

afterAll(async () => {
  printSummary()
  await runtime.dispose()
  await server.close()
})

const runCase = async (c: Case): Promise<CaseOutcome> => {
  server.requests.length = 0
  const config = { ...baseConfig(server.url), namespace: c.configNamespace }
  const effect = callOf(c.call).pipe(
    Effect.provide(Context.add(context, KubeConfig.KubeConfig, config)),
    Effect.timeout("6 seconds")
  )
  return evaluate(effect, {
    secrets,
    label: c.call.verb,
    check: (exit) => {
      const sent = [...server.requests]
      const problems = [...checkRequests(c, sent)]
      if (exit !== undefined && Exit.isSuccess(exit) && expectedOf(c).refuse !== undefined) {
        problems.push({
          kind: "violation",
          signature: "succeeded although it must be refused",
          detail: `${c.call.verb} succeeded with ${expectedOf(c).refuse}`
        })
      }
      return problems
    }
  })
}

describe("fuzz: names, namespaces and selectors through every verb's path and query", () => {
  it("refuses what is not a path segment and sends nothing else than the intended path and query", async () => {
    const report = await fuzz("paths", FILE, cases, runCase, { runs: 3000 })
    assertClean(report)
  }, 1_800_000)
})
