/**
 * What the server checks of an object before it stores it: its name, and for the built-in kinds
 * the fields their models require (missing, or a required list or map left empty), as the
 * apiserver words the 422 Invalid answers. The kinds' own rules (a Deployment's selector matching
 * its template, ...) are not checked.
 *
 * @internal
 */
import { type SchemaAST as AST, Either, type ParseResult } from "effect"
import { patchMetadata } from "../../models/all.js"
import type { ResourceInfo } from "../../resource/Resource.js"
import type { Kinds } from "./kinds.js"
import { definitionOf, isObject, type Json, type JsonObject } from "./patch.js"
import { status } from "./responses.js"
import { validateStructural } from "./structural.js"
import { Schema, type Shape } from "./structured.js"

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

/** The 422 of an object without name nor generateName. */
export const nameRequired = (info: ResourceInfo) =>
  status(
    422,
    "Invalid",
    `${info.kind} "" is invalid: metadata.name: Required value: name or generateName is required`
  )

/** The 422 of an invalid name (not an RFC 1123 subdomain), or `undefined` when it is valid. */
export const validateName = (info: ResourceInfo, name: string): Response | undefined => {
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

const schema = new Schema(patchMetadata)

/** The path of a field as the apiserver writes causes: `spec.template.spec.containers[0].name`. */
const fieldPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (out, element) =>
      typeof element === "number"
        ? `${out}[${element}]`
        : out === ""
          ? String(element)
          : `${out}.${String(element)}`,
    ""
  )

/** A pod spec's `containers` left empty (its validation requires one; other required lists may be empty). */
const emptyContainers = (value: Json, shape: Shape, path: ReadonlyArray<PropertyKey>, out: Array<string>) => {
  if (!isObject(value) || shape._tag !== "struct") return
  for (const [key, child] of Object.entries(value)) {
    const childPath = [...path, key]
    if (
      key === "containers" &&
      shape.definition === "io.k8s.api.core.v1.PodSpec" &&
      Array.isArray(child) &&
      child.length === 0
    )
      out.push(fieldPath(childPath))
    const childShape = schema.field(shape, key)
    if (!Array.isArray(child)) emptyContainers(child, childShape, childPath, out)
  }
}

/** Whether a missing field's type is a number or a boolean: Go's zero value, present for the apiserver. */
const isScalar = (ast: AST.AST): boolean => {
  switch (ast._tag) {
    case "NumberKeyword":
    case "BooleanKeyword":
      return true
    case "Refinement":
      return isScalar(ast.from)
    case "Suspend":
      return isScalar(ast.f())
    default:
      return false
  }
}

/** The missing fields of a failed decode: their paths, without Go zero values and the status. */
const missingFields = (
  issue: ParseResult.ParseIssue,
  path: ReadonlyArray<PropertyKey>,
  out: Array<string>
) => {
  switch (issue._tag) {
    case "Missing":
      if (!isScalar(issue.ast.type) && path[0] !== "status") out.push(fieldPath(path))
      return
    case "Pointer":
      return missingFields(
        issue.issue,
        [...path, ...(Array.isArray(issue.path) ? issue.path : [issue.path])],
        out
      )
    case "Composite":
      for (const inner of Array.isArray(issue.issues) ? issue.issues : [issue.issues])
        missingFields(inner, path, out)
      return
    case "Refinement":
    case "Transformation":
      return missingFields(issue.issue, path, out)
    default:
      return
  }
}

/** The Go zero of a required scalar (`0`, `false`), or `undefined` for another type. */
const zeroOf = (ast: AST.AST): Json | undefined => {
  switch (ast._tag) {
    case "NumberKeyword":
      return 0
    case "BooleanKeyword":
      return false
    case "Refinement":
      return zeroOf(ast.from)
    case "Suspend":
      return zeroOf(ast.f())
    default:
      return undefined
  }
}

/** The required scalars of a failed decode directly under `status`, with their Go zeros. */
const statusZeros = (
  issue: ParseResult.ParseIssue,
  path: ReadonlyArray<PropertyKey>,
  out: { [field: string]: Json }
) => {
  switch (issue._tag) {
    case "Missing": {
      const zero = zeroOf(issue.ast.type)
      if (path.length === 2 && path[0] === "status" && zero !== undefined) out[String(path[1])] = zero
      return
    }
    case "Pointer":
      return statusZeros(
        issue.issue,
        [...path, ...(Array.isArray(issue.path) ? issue.path : [issue.path])],
        out
      )
    case "Composite":
      for (const inner of Array.isArray(issue.issues) ? issue.issues : [issue.issues])
        statusZeros(inner, path, out)
      return
    case "Refinement":
    case "Transformation":
      return statusZeros(issue.issue, path, out)
    default:
      return
  }
}

/**
 * The status a built-in kind's object is created with: Go's zero struct, whose required scalars
 * are there as zeros (a ReplicaSet's `{ replicas: 0 }`, a Deployment's `{}`).
 */
export const zeroStatus = (kinds: Kinds, info: ResourceInfo): JsonObject => {
  // A struct that is not a pointer is never left out (Go's omitempty does not apply to structs).
  if (info.group === "" && info.kind === "Service") return { loadBalancer: {} }
  const decode = kinds.decoder(info)
  if (decode === undefined) return {}
  const decoded = decode({
    apiVersion: info.apiVersion,
    kind: info.kind,
    metadata: { name: "x" },
    status: {}
  })
  const out: { [field: string]: Json } = {}
  if (Either.isLeft(decoded)) statusZeros(decoded.left.issue, [], out)
  return out
}

/** The required fields an object lacks (built-in kinds). */
const missingOf = (kinds: Kinds, info: ResourceInfo, object: JsonObject): Array<string> => {
  const definition = definitionOf(info, patchMetadata)
  const decode = kinds.decoder(info)
  if (definition === undefined || decode === undefined) return []
  const missing: Array<string> = []
  const decoded = decode(object)
  if (Either.isLeft(decoded)) missingFields(decoded.left.issue, [], missing)
  emptyContainers(object, { _tag: "struct", definition }, [], missing)
  return [...new Set(missing)].sort()
}

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/
const NAME_PART_MESSAGE =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

/** The problems of a qualified name (`prefix/name`), as apimachinery's IsQualifiedName words them. */
const qualifiedNameProblems = (value: string): Array<string> => {
  const parts = value.split("/")
  const out: Array<string> = []
  let name = value
  if (parts.length === 2) {
    const [prefix = "", rest = ""] = parts
    name = rest
    if (prefix === "") out.push("prefix part must be non-empty")
    else if (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))
      out.push(
        "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
      )
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    ]
  }
  if (name === "") out.push("name part must be non-empty")
  else if (name.length > 63) out.push("name part must be no more than 63 characters")
  if (name !== "" && !NAME_PART.test(name)) out.push(NAME_PART_MESSAGE)
  return out
}

/** The finalizers that need no domain (apimachinery's standard finalizer names). */
const STANDARD_FINALIZERS = new Set(["kubernetes", "orphan", "foregroundDeletion"])

interface MetaCause {
  readonly field: string
  readonly value: string
  readonly detail: string
}

/**
 * The 422 of an object whose metadata the apiserver refuses (ValidateObjectMeta): label keys and
 * values, annotation keys, finalizer names (on create also whether they are qualified);
 * `undefined` when they are valid.
 */
export const validateMetadata = (
  info: ResourceInfo,
  object: JsonObject,
  creating: boolean
): Response | undefined => {
  const m = isObject(object.metadata) ? object.metadata : {}
  const causes: Array<MetaCause> = []
  if (isObject(m.labels)) {
    for (const [key, value] of Object.entries(m.labels)) {
      for (const detail of qualifiedNameProblems(key))
        causes.push({ field: "metadata.labels", value: key, detail })
      if (typeof value !== "string") continue
      if (value.length > 63)
        causes.push({ field: "metadata.labels", value, detail: "must be no more than 63 characters" })
      if (!LABEL_VALUE.test(value))
        causes.push({ field: "metadata.labels", value, detail: LABEL_VALUE_MESSAGE })
    }
  }
  if (isObject(m.annotations))
    for (const key of Object.keys(m.annotations))
      for (const detail of qualifiedNameProblems(key.toLowerCase()))
        causes.push({ field: "metadata.annotations", value: key, detail })
  if (Array.isArray(m.finalizers))
    m.finalizers.forEach((finalizer: Json, i: number) => {
      if (typeof finalizer !== "string") return
      for (const detail of qualifiedNameProblems(finalizer))
        causes.push({ field: "metadata.finalizers", value: finalizer, detail })
      // (Checked on create only, as the 1.20 apiserver does.)
      if (creating && !finalizer.includes("/") && !STANDARD_FINALIZERS.has(finalizer))
        causes.push({
          field: `metadata.finalizers[${i}]`,
          value: finalizer,
          detail: "name is neither a standard finalizer name nor is it fully qualified"
        })
    })
  if (causes.length === 0) return undefined
  return invalid(
    info,
    typeof m.name === "string" ? m.name : "",
    causes.map((c) => ({
      reason: "FieldValueInvalid",
      message: `Invalid value: "${c.value}": ${c.detail}`,
      field: c.field
    }))
  )
}

/**
 * The 422 of a built-in kind's object that lacks required fields, or `undefined`. Against a
 * previous version, only the fields it had are required (an object seeded without them can still
 * be written to, as through its status).
 */
export const validateRequired = (
  kinds: Kinds,
  info: ResourceInfo,
  object: JsonObject,
  previous?: JsonObject
): Response | undefined => {
  const badMeta = validateMetadata(info, object, previous === undefined)
  if (badMeta !== undefined) return badMeta
  const structural = kinds.schema(info)
  if (structural !== undefined) return validateStructural(structural, info, object)
  const before = previous === undefined ? [] : missingOf(kinds, info, previous)
  const missing = missingOf(kinds, info, object).filter((field) => !before.includes(field))
  if (missing.length === 0) return undefined
  const fields = missing
  const name =
    isObject(object.metadata) && typeof object.metadata.name === "string" ? object.metadata.name : ""
  const qualified = info.group === "" ? info.kind : `${info.kind}.${info.group}`
  return status(
    422,
    "Invalid",
    `${qualified} "${name}" is invalid: ${fields.map((f) => `${f}: Required value`).join(", ")}`,
    {
      name,
      group: info.group,
      kind: info.kind,
      causes: fields.map((field) => ({ reason: "FieldValueRequired", message: "Required value", field }))
    }
  )
}

/** One reason the apiserver gives for a 422 (a `StatusCause`). */
export interface Cause {
  readonly reason:
    | "FieldValueInvalid"
    | "FieldValueRequired"
    | "FieldValueNotSupported"
    | "FieldValueDuplicate"
    | "FieldValueForbidden"
  readonly message: string
  readonly field: string
}

/** The 422 of an invalid object with its causes, worded as the apiserver's (`Kind "name" is invalid: ...`). */
export const invalid = (info: ResourceInfo, name: string, causes: ReadonlyArray<Cause>): Response => {
  const qualified = info.group === "" ? info.kind : `${info.kind}.${info.group}`
  const listed = causes.map((c) => `${c.field}: ${c.message}`)
  return status(
    422,
    "Invalid",
    `${qualified} "${name}" is invalid: ${listed.length === 1 ? listed[0] : `[${listed.join(", ")}]`}`,
    { name, ...(info.group !== "" ? { group: info.group } : {}), kind: info.kind, causes }
  )
}
