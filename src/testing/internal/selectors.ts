/**
 * Parsing and matching of label and field selectors in the Kubernetes syntax (the in-memory
 * cluster's side of `Selector`).
 *
 * @internal
 */
import { isRecord } from "../../internal/json.js"
import { meta } from "./objects.js"
import { isObject, type JsonObject } from "./patch.js"

export type Requirement =
  | { readonly op: "=" | "!="; readonly key: string; readonly value: string }
  | { readonly op: "in" | "notin"; readonly key: string; readonly values: ReadonlyArray<string> }
  | { readonly op: "exists" | "!exists"; readonly key: string }

const LABEL_RULES: ReadonlyArray<{
  readonly pattern: RegExp
  readonly make: (m: RegExpExecArray) => Requirement | undefined
}> = [
  {
    pattern: /^!\s*([A-Za-z0-9_./-]+)\s*(?:,|$)/,
    make: (m) => (m[1] !== undefined ? { op: "!exists", key: m[1] } : undefined)
  },
  {
    pattern: /^([A-Za-z0-9_./-]+)\s+(in|notin)\s*\(([^)]*)\)\s*(?:,|$)/,
    make: (m) =>
      m[1] !== undefined && m[3] !== undefined
        ? {
            op: m[2] === "in" ? "in" : "notin",
            key: m[1],
            values: m[3]
              .split(",")
              .map((v) => v.trim())
              .filter((v) => v !== "")
          }
        : undefined
  },
  {
    pattern: /^([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)\s*(?:,|$)/,
    make: (m) =>
      m[1] !== undefined ? { op: m[2] === "!=" ? "!=" : "=", key: m[1], value: m[3] ?? "" } : undefined
  },
  {
    pattern: /^([A-Za-z0-9_./-]+)\s*(?:,|$)/,
    make: (m) => (m[1] !== undefined ? { op: "exists", key: m[1] } : undefined)
  }
]

/** Parses a label selector; `undefined` when it is not valid. */
export const parseLabelSelector = (text: string): ReadonlyArray<Requirement> | undefined => {
  const out: Array<Requirement> = []
  let rest = text.trim()
  while (rest !== "") {
    let matched = false
    for (const rule of LABEL_RULES) {
      const m = rule.pattern.exec(rest)
      const requirement = m === null ? undefined : rule.make(m)
      if (m === null || requirement === undefined) continue
      out.push(requirement)
      rest = rest.slice(m[0].length).trim()
      matched = true
      break
    }
    if (!matched) return undefined
  }
  return out
}

export const matchesLabels = (
  labels: { readonly [key: string]: string },
  requirements: ReadonlyArray<Requirement>
) =>
  requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key)
    const value = labels[r.key]
    switch (r.op) {
      case "=":
        return has && value === r.value
      case "!=":
        return !has || value !== r.value
      case "in":
        return has && value !== undefined && r.values.includes(value)
      case "notin":
        return !has || (value !== undefined && !r.values.includes(value))
      case "exists":
        return has
      case "!exists":
        return !has
    }
  })

export interface FieldRequirement {
  readonly key: string
  readonly op: "=" | "!="
  readonly value: string
}

/** Parses a field selector (`a.b=c,d!=e`, values with `\\`-escapes). */
export const parseFieldSelector = (text: string): ReadonlyArray<FieldRequirement> | undefined => {
  const out: Array<FieldRequirement> = []
  if (text.trim() === "") return out
  const parts: Array<string> = []
  let current = ""
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === "\\" && i + 1 < text.length) {
      current += c + text[i + 1]
      i++
    } else if (c === ",") {
      parts.push(current)
      current = ""
    } else current += c
  }
  parts.push(current)
  for (const part of parts) {
    const m = /^([A-Za-z0-9_.[\]/-]+)(==|=|!=)(.*)$/s.exec(part.trim())
    if (m === null || m[1] === undefined || m[3] === undefined) return undefined
    out.push({ key: m[1], op: m[2] === "!=" ? "!=" : "=", value: m[3].replace(/\\(.)/g, "$1") })
  }
  return out
}

const fieldValue = (object: unknown, path: string): string | undefined => {
  let current: unknown = object
  for (const segment of path.split(".")) {
    if (!isRecord(current)) return undefined
    current = current[segment]
  }
  return typeof current === "string"
    ? current
    : typeof current === "number" || typeof current === "boolean"
      ? String(current)
      : undefined
}

export const matchesFields = (object: unknown, requirements: ReadonlyArray<FieldRequirement>) =>
  requirements.every((r) => {
    const value = fieldValue(object, r.key) ?? ""
    return r.op === "=" ? value === r.value : value !== r.value
  })

/** A label selector and a field selector, both required to match. */
export interface Selection {
  readonly labels: ReadonlyArray<Requirement>
  readonly fields: ReadonlyArray<FieldRequirement>
}

const labelsOf = (o: JsonObject): { [key: string]: string } => {
  const labels = meta(o).labels
  const out: { [key: string]: string } = {}
  if (isObject(labels)) for (const [k, v] of Object.entries(labels)) if (typeof v === "string") out[k] = v
  return out
}

/** Whether an object matches both selectors. */
export const selects = (selection: Selection, object: JsonObject): boolean =>
  matchesLabels(labelsOf(object), selection.labels) && matchesFields(object, selection.fields)

/**
 * The fields a kind can be selected by (the apiserver's field label conversions): every kind's
 * `metadata.name` and `metadata.namespace`, and these; any other is a 400.
 */
const FIELD_LABELS: { readonly [groupPlural: string]: ReadonlyArray<string> } = {
  "/pods": [
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.podIPs",
    "status.nominatedNodeName"
  ],
  "/secrets": ["type"],
  "/namespaces": ["status.phase"],
  "/nodes": ["spec.unschedulable"],
  "/replicationcontrollers": ["status.replicas"],
  "/events": [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type"
  ],
  "/services": ["spec.clusterIP", "spec.type"],
  "events.k8s.io/events": [
    "regarding.kind",
    "regarding.namespace",
    "regarding.name",
    "regarding.uid",
    "regarding.apiVersion",
    "regarding.resourceVersion",
    "regarding.fieldPath",
    "reportingController",
    "reason",
    "type"
  ],
  "apps/replicasets": ["status.replicas"],
  "batch/jobs": ["status.successful"],
  "certificates.k8s.io/certificatesigningrequests": ["spec.signerName"]
}

/** The first field of a selector the kind cannot be selected by, if any. */
export const unsupportedField = (
  group: string,
  plural: string,
  fields: ReadonlyArray<FieldRequirement>
): string | undefined => {
  const extra = FIELD_LABELS[`${group}/${plural}`] ?? []
  return fields.find(
    (f) => f.key !== "metadata.name" && f.key !== "metadata.namespace" && !extra.includes(f.key)
  )?.key
}
