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
