/**
 * What the apiserver's strategies do to an object of some kinds before it is stored, beyond the
 * generic writes: a Secret's `stringData` is merged into its `data` (base64) and not stored; the
 * empty lists and maps of a built-in kind's optional fields are left out (Go's `omitempty`).
 *
 * @internal
 */
import { patchMetadata } from "../../models/all.js"
import type { ResourceInfo } from "../../resource/Resource.js"
import type { Kinds } from "./kinds.js"
import { definitionOf, isObject, type Json, type JsonObject, OBJECT_META } from "./patch.js"
import { pruneAndDefault } from "./structural.js"
import { omitEmpty, Schema } from "./structured.js"

const schema = new Schema(patchMetadata)

/**
 * The object as the kind's strategy stores it; a custom kind's as its structural schema (from
 * `kinds`) prunes and defaults it.
 */
export const prepared = (info: ResourceInfo, object: JsonObject, kinds?: Kinds): JsonObject => {
  const definition = definitionOf(info, patchMetadata)
  if (definition === undefined) {
    const structural = kinds?.schema(info)
    const pruned = structural === undefined ? object : pruneAndDefault(structural, object)
    return isObject(pruned) ? customMetadata(pruned) : object
  }
  const withData = defaulted(info, secretData(info, object))
  const stored = omitEmpty(schema, withData, { _tag: "struct", definition })
  if (!isObject(stored)) return withData
  // Managed fields as sent: an empty list is the field manager's reset, not an empty field.
  const sent = isObject(object.metadata) ? object.metadata.managedFields : undefined
  return sent !== undefined && isObject(stored.metadata)
    ? { ...stored, metadata: { ...stored.metadata, managedFields: sent } }
    : stored
}

const OBJECT_META_FIELDS = new Set([
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "clusterName",
  "managedFields"
])

/**
 * A custom object's metadata as the apiserver stores it (read through Go's ObjectMeta: empty
 * labels, annotations and lists left out); its managed fields as sent (see above).
 */
const customMetadata = (object: JsonObject): JsonObject => {
  const given = object.metadata
  if (!isObject(given) || !Object.hasOwn(patchMetadata, OBJECT_META)) return object
  // Only ObjectMeta's fields (the apiserver drops the others of a custom object's metadata).
  const m: JsonObject = {}
  for (const [key, value] of Object.entries(given)) if (OBJECT_META_FIELDS.has(key)) m[key] = value
  const stored = omitEmpty(schema, m, { _tag: "struct", definition: OBJECT_META })
  if (!isObject(stored)) return object
  return {
    ...object,
    metadata: m.managedFields !== undefined ? { ...stored, managedFields: m.managedFields } : stored
  }
}

const secretData = (info: ResourceInfo, object: JsonObject): JsonObject => {
  if (info.group === "" && info.kind === "Secret" && object.stringData !== undefined) {
    const { stringData, ...rest } = object
    const data: JsonObject = isObject(rest.data) ? { ...rest.data } : {}
    if (isObject(stringData)) {
      for (const [key, value] of Object.entries(stringData))
        if (typeof value === "string") data[key] = Buffer.from(value, "utf8").toString("base64")
    }
    return { ...rest, data }
  }
  return object
}

/**
 * The defaults the apiserver gives the fields left out (its `SetDefaults_*`), for the kinds the
 * in-memory cluster knows them of: Secrets, Services, Deployments, ReplicaSets, and the pod specs of Pods
 * and of those kinds', ReplicationControllers' and Jobs' templates. Other kinds get none (README).
 */
const defaulted = (info: ResourceInfo, object: JsonObject): JsonObject => {
  const spec = isObject(object.spec) ? withoutNulls(object.spec) : undefined
  if (info.group === "" && info.kind === "Secret") return { type: "Opaque", ...object }
  if (info.group === "" && info.kind === "Service") return { ...object, spec: serviceSpec(spec ?? {}) }
  if (info.group === "" && info.kind === "Pod" && spec !== undefined)
    return { ...object, spec: podSpec(spec) }
  if (spec === undefined) return object
  const templated = (extra: JsonObject): JsonObject => ({
    ...object,
    spec: { ...extra, ...spec, ...template(spec) }
  })
  if (info.group === "apps" && info.kind === "Deployment")
    return templated({
      replicas: 1,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600
    })
  if (info.group === "apps" && info.kind === "ReplicaSet") return templated({ replicas: 1 })
  if (info.group === "" && info.kind === "ReplicationController") return templated({ replicas: 1 })
  if (info.group === "batch" && info.kind === "Job") return templated({})
  return object
}

/**
 * A Service's defaults (`SetDefaults_Service`, as 1.22+ servers): type ClusterIP, no session
 * affinity (ClientIP's timeout three hours), each port TCP to the same target port, the traffic
 * policies `Cluster`.
 */
const serviceSpec = (given: JsonObject): JsonObject => {
  const type = typeof given.type === "string" && given.type !== "" ? given.type : "ClusterIP"
  const affinity =
    typeof given.sessionAffinity === "string" && given.sessionAffinity !== "" ? given.sessionAffinity : "None"
  const config = isObject(given.sessionAffinityConfig) ? given.sessionAffinityConfig : {}
  const clientIP = isObject(config.clientIP) ? config.clientIP : {}
  return {
    ...given,
    type,
    sessionAffinity: affinity,
    ...(affinity === "ClientIP"
      ? { sessionAffinityConfig: { ...config, clientIP: { timeoutSeconds: 10800, ...clientIP } } }
      : {}),
    ...(Array.isArray(given.ports) ? { ports: given.ports.map(servicePort) } : {}),
    ...(type === "NodePort" || type === "LoadBalancer"
      ? { externalTrafficPolicy: given.externalTrafficPolicy ?? "Cluster" }
      : {}),
    ...(type === "LoadBalancer"
      ? { allocateLoadBalancerNodePorts: given.allocateLoadBalancerNodePorts ?? true }
      : {}),
    ...(type !== "ExternalName" ? { internalTrafficPolicy: given.internalTrafficPolicy ?? "Cluster" } : {})
  }
}

const servicePort = (given: Json): Json => {
  if (!isObject(given)) return given
  const target = given.targetPort
  const unset = target === undefined || target === null || target === 0 || target === ""
  return {
    ...given,
    protocol: typeof given.protocol === "string" && given.protocol !== "" ? given.protocol : "TCP",
    ...(unset && given.port !== undefined ? { targetPort: given.port } : {})
  }
}

/** A spec's `template` with its pod spec defaulted (and Go's null creation time in its metadata). */
const template = (spec: JsonObject): JsonObject => {
  const t = spec.template
  if (!isObject(t)) return {}
  const metadata = isObject(t.metadata) ? t.metadata : {}
  return {
    template: {
      ...t,
      metadata: { creationTimestamp: null, ...metadata },
      ...(isObject(t.spec) ? { spec: podSpec(t.spec) } : {})
    }
  }
}

/** An object's fields that are not null (null is Go's zero: the default applies). */
const withoutNulls = (object: JsonObject): JsonObject =>
  Object.fromEntries(Object.entries(object).filter(([, value]) => value !== null))

const podSpec = (given: JsonObject): JsonObject => {
  const spec = withoutNulls(given)
  return {
    restartPolicy: "Always",
    terminationGracePeriodSeconds: 30,
    dnsPolicy: "ClusterFirst",
    securityContext: {},
    schedulerName: "default-scheduler",
    ...spec,
    ...(Array.isArray(spec.containers) ? { containers: spec.containers.map(container) } : {}),
    ...(Array.isArray(spec.initContainers) ? { initContainers: spec.initContainers.map(container) } : {})
  }
}

const container = (given: Json): Json => {
  if (!isObject(given)) return given
  const c = withoutNulls(given)
  const image = typeof c.image === "string" ? c.image : ""
  // The tag: after the last `/`, after a `:`; a digest (`@`) pins it.
  const tag = image.includes("@") ? "digest" : (image.split("/").pop() ?? "").split(":")[1]
  return {
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    imagePullPolicy: tag === undefined || tag === "latest" ? "Always" : "IfNotPresent",
    resources: {},
    ...c,
    ...(Array.isArray(c.ports)
      ? { ports: c.ports.map((p: Json) => (isObject(p) ? { protocol: "TCP", ...p } : p)) }
      : {})
  }
}
