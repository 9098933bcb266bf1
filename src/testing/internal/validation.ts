/**
 * What the server checks of an object before it stores it: its name, and for the built-in kinds
 * the fields their models require (missing, or a required list or map left empty), as the
 * apiserver words the 422 Invalid answers. The kinds' own rules (a Deployment's selector matching
 * its template, ...) are not checked.
 *
 * @internal
 */
import { Either, ParseResult } from "effect"
import { patchMetadata } from "../../models/all.js"
import type { ResourceInfo } from "../../resource/Resource.js"
import type { Kinds } from "./kinds.js"
import { definitionOf, isObject, type Json, type JsonObject } from "./patch.js"
import { status } from "./responses.js"
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

/** The required lists and maps left empty (Go's validation takes them as missing). */
const emptyRequired = (value: Json, shape: Shape, path: ReadonlyArray<PropertyKey>, out: Array<string>) => {
  if (!isObject(value) || shape._tag !== "struct") return
  for (const [key, child] of Object.entries(value)) {
    const childPath = [...path, key]
    const empty =
      (Array.isArray(child) && child.length === 0) || (isObject(child) && Object.keys(child).length === 0)
    if (empty && schema.required(shape, key)) out.push(fieldPath(childPath))
    const childShape = schema.field(shape, key)
    if (Array.isArray(child) && childShape._tag === "list")
      child.forEach((item, i) => emptyRequired(item, childShape.item, [...childPath, i], out))
    else emptyRequired(child, childShape, childPath, out)
  }
}

/** The 422 of a built-in kind's object that lacks required fields, or `undefined`. */
export const validateRequired = (
  kinds: Kinds,
  info: ResourceInfo,
  object: JsonObject
): Response | undefined => {
  const definition = definitionOf(info, patchMetadata)
  const decode = kinds.decoder(info)
  if (definition === undefined || decode === undefined) return undefined
  const missing: Array<string> = []
  const decoded = decode(object)
  if (Either.isLeft(decoded)) {
    for (const issue of ParseResult.ArrayFormatter.formatErrorSync(decoded.left))
      if (issue._tag === "Missing") missing.push(fieldPath(issue.path))
  }
  emptyRequired(object, { _tag: "struct", definition }, [], missing)
  if (missing.length === 0) return undefined
  const fields = [...new Set(missing)].sort()
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
