/**
 * A custom resource's structural schema (its CRD version's `openAPIV3Schema`), as the apiserver
 * applies it to every object written: unknown fields pruned (unless
 * `x-kubernetes-preserve-unknown-fields`), nulls dropped where not `nullable`, `default`s filled
 * in, then the object validated (type, required, enum, bounds, lengths, pattern, items) with the
 * apiserver's 422 causes (`FieldValueRequired`, `FieldValueNotSupported`, `FieldValueInvalid`).
 *
 * @internal
 */
import type { ResourceInfo } from "../../resource/Resource.js"
import { isObject, type Json, type JsonObject } from "./patch.js"
import { status } from "./responses.js"

/** A schema node as the CRD holds it (JSON). */
export type Structural = JsonObject

const child = (schema: Structural, key: string): Structural | undefined => {
  const properties = schema.properties
  if (isObject(properties) && Object.hasOwn(properties, key)) {
    const p = properties[key]
    if (isObject(p)) return p
  }
  const additional = schema.additionalProperties
  return isObject(additional) ? additional : undefined
}

const preserves = (schema: Structural) => schema["x-kubernetes-preserve-unknown-fields"] === true
const embedded = (schema: Structural) => schema["x-kubernetes-embedded-resource"] === true
/** The fields of an object the schema of its root does not describe (the server's own). */
const ROOT_FIELDS = new Set(["apiVersion", "kind", "metadata"])

/**
 * The value pruned and defaulted: fields the schema does not know go (at the root, `apiVersion`,
 * `kind` and `metadata` stay), nulls go unless `nullable`, and missing fields with a `default`
 * get it.
 */
export const pruneAndDefault = (schema: Structural, value: Json, root = true): Json => {
  if (Array.isArray(value)) {
    const items = schema.items
    return isObject(items) ? value.map((item) => pruneAndDefault(items, item, false)) : value
  }
  if (!isObject(value)) return value
  const out: JsonObject = {}
  // (A field named `__proto__` is a field: defined, not assigned.)
  const set = (key: string, v: Json) =>
    Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true })
  const known = isObject(schema.properties)
  const additional = isObject(schema.additionalProperties) || schema.additionalProperties === true
  for (const [key, v] of Object.entries(value)) {
    if (root && ROOT_FIELDS.has(key)) {
      set(key, v)
      continue
    }
    if (embedded(schema) && ROOT_FIELDS.has(key)) {
      set(key, v)
      continue
    }
    const sub = child(schema, key)
    if (sub === undefined) {
      if (preserves(schema) || (additional && !known)) set(key, v)
      continue
    }
    if (v === null && sub.nullable !== true) continue
    set(key, pruneAndDefault(sub, v, false))
  }
  const properties = schema.properties
  if (isObject(properties)) {
    for (const [key, sub] of Object.entries(properties)) {
      if (Object.hasOwn(out, key) || !isObject(sub) || sub.default === undefined) continue
      set(key, pruneAndDefault(sub, sub.default, false))
    }
  }
  return out
}

/**
 * The first field of an applied object its schema does not declare (`.spec.unknown`), where
 * structured-merge-diff refuses it: an apply is not pruned.
 */
export const undeclaredField = (
  schema: Structural,
  value: Json,
  path = "",
  root = true
): string | undefined => {
  if (Array.isArray(value)) {
    const items = schema.items
    if (!isObject(items)) return undefined
    for (const item of value) {
      const found = undeclaredField(items, item, path, false)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (!isObject(value) || preserves(schema)) return undefined
  for (const [key, v] of Object.entries(value)) {
    if ((root || embedded(schema)) && ROOT_FIELDS.has(key)) continue
    const sub = child(schema, key)
    if (sub === undefined) return `${path}.${key}`
    const found = undeclaredField(sub, v, `${path}.${key}`, false)
    if (found !== undefined) return found
  }
  return undefined
}

/** A validation failure, as the apiserver's causes give it. */
interface Cause {
  readonly reason: "FieldValueRequired" | "FieldValueNotSupported" | "FieldValueInvalid"
  readonly field: string
  readonly message: string
}

const show = (value: Json): string => (typeof value === "string" ? `"${value}"` : JSON.stringify(value))

const typeOf = (value: Json): string =>
  value === null
    ? "null"
    : Array.isArray(value)
      ? "array"
      : typeof value === "number"
        ? Number.isInteger(value)
          ? "integer"
          : "number"
        : typeof value

const hasType = (schema: Structural, value: Json): boolean => {
  if (value === null) return schema.nullable === true
  if (schema["x-kubernetes-int-or-string"] === true)
    return typeof value === "string" || (typeof value === "number" && Number.isInteger(value))
  const type = schema.type
  if (typeof type !== "string" || type === "") return true
  const actual = typeOf(value)
  return actual === type || (type === "number" && actual === "integer")
}

const patterns = new Map<string, RegExp | undefined>()

/** POSIX classes of Go's regular expressions, as JavaScript ranges. */
const POSIX: { readonly [name: string]: string } = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f"
}

/**
 * A Go (RE2) pattern in JavaScript's syntax: `\pL` as `\p{L}`, POSIX classes as ranges, a
 * backslash before punctuation JavaScript's unicode mode does not take dropped.
 */
const fromGo = (pattern: string): string =>
  pattern
    .replace(/\[:([a-z]+):\]/g, (whole, name: string) => POSIX[name] ?? whole)
    .replace(/\\([pP])([A-Za-z])/g, "\\$1{$2}")
    .replace(/\\([^A-Za-z0-9\\^$.|?*+()[\]{}/-])/g, "$1")

/**
 * A schema's `pattern` as a RegExp (a pattern JavaScript cannot read even translated is not
 * checked rather than a crash). JavaScript's engine backtracks where Go's does not: a pattern with
 * nested repetition can be slow on long values (README).
 */
const compiled = (pattern: string): RegExp | undefined => {
  if (!patterns.has(pattern)) {
    let regexp: RegExp | undefined
    for (const source of [pattern, fromGo(pattern)]) {
      try {
        regexp = new RegExp(source, "u")
        break
      } catch {
        regexp = undefined
      }
    }
    patterns.set(pattern, regexp)
  }
  return patterns.get(pattern)
}

const validate = (schema: Structural, value: Json, path: string, out: Array<Cause>) => {
  const name = path === "" ? "." : path
  const invalid = (detail: string) =>
    out.push({
      reason: "FieldValueInvalid",
      field: path,
      message: `Invalid value: ${show(value)}: ${detail}`
    })
  if (!hasType(schema, value)) {
    const expected = schema["x-kubernetes-int-or-string"] === true ? "integer,string" : String(schema.type)
    invalid(`${name} in body must be of type ${expected}: "${typeOf(value)}"`)
    return
  }
  if (value === null) return
  if (
    Array.isArray(schema.enum) &&
    !schema.enum.some((e: Json) => JSON.stringify(e) === JSON.stringify(value))
  ) {
    out.push({
      reason: "FieldValueNotSupported",
      field: path,
      message: `Unsupported value: ${show(value)}: supported values: ${schema.enum.map(show).join(", ")}`
    })
  }
  if (typeof value === "number") {
    const { minimum, maximum } = schema
    if (
      typeof minimum === "number" &&
      (schema.exclusiveMinimum === true ? value <= minimum : value < minimum)
    )
      invalid(
        `${name} in body should be greater than ${schema.exclusiveMinimum === true ? "" : "or equal to "}${minimum}`
      )
    if (
      typeof maximum === "number" &&
      (schema.exclusiveMaximum === true ? value >= maximum : value > maximum)
    )
      invalid(
        `${name} in body should be less than ${schema.exclusiveMaximum === true ? "" : "or equal to "}${maximum}`
      )
    // (go-openapi allows a float's rounding: 0.3 is a multiple of 0.1.)
    const quotient = typeof schema.multipleOf === "number" ? value / schema.multipleOf : 0
    if (typeof schema.multipleOf === "number" && Math.abs(quotient - Math.round(quotient)) > 1e-9)
      invalid(`${name} in body should be a multiple of ${schema.multipleOf}`)
  }
  if (typeof value === "string") {
    const length = [...value].length
    if (typeof schema.maxLength === "number" && length > schema.maxLength)
      invalid(`${name} in body should be at most ${schema.maxLength} chars long`)
    if (typeof schema.minLength === "number" && length < schema.minLength)
      invalid(`${name} in body should be at least ${schema.minLength} chars long`)
    const pattern = typeof schema.pattern === "string" ? compiled(schema.pattern) : undefined
    if (pattern !== undefined && !pattern.test(value))
      invalid(`${name} in body should match '${schema.pattern}'`)
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems)
      invalid(`${name} in body should have at most ${schema.maxItems} items`)
    if (typeof schema.minItems === "number" && value.length < schema.minItems)
      invalid(`${name} in body should have at least ${schema.minItems} items`)
    const items = schema.items
    if (isObject(items)) value.forEach((item, i) => validate(items, item, `${path}[${i}]`, out))
  }
  if (isObject(value)) {
    const at = (key: string) => (path === "" ? key : `${path}.${key}`)
    if (Array.isArray(schema.required))
      for (const key of schema.required)
        if (typeof key === "string" && !Object.hasOwn(value, key))
          out.push({ reason: "FieldValueRequired", field: at(key), message: "Required value" })
    for (const [key, v] of Object.entries(value)) {
      if (path === "" && ROOT_FIELDS.has(key)) continue
      const sub = child(schema, key)
      if (sub !== undefined) validate(sub, v, at(key), out)
    }
  }
}

/** The 422 of an object its schema does not allow, or `undefined`. */
export const validateStructural = (
  schema: Structural,
  info: ResourceInfo,
  object: JsonObject
): Response | undefined => {
  const causes: Array<Cause> = []
  validate(schema, object, "", causes)
  if (causes.length === 0) return undefined
  const name =
    isObject(object.metadata) && typeof object.metadata.name === "string" ? object.metadata.name : ""
  const listed = causes.map((c) => `${c.field}: ${c.message}`)
  return status(
    422,
    "Invalid",
    `${info.kind}.${info.group} "${name}" is invalid: ${listed.length === 1 ? listed[0] : `[${listed.join(", ")}]`}`,
    { name, group: info.group, kind: info.kind, causes }
  )
}

/** The schemas of a CustomResourceDefinition's served versions, by version. */
export const crdSchemas = (crd: JsonObject): ReadonlyArray<readonly [string, Structural]> => {
  const spec = crd.spec
  if (!isObject(spec) || !Array.isArray(spec.versions)) return []
  const out: Array<readonly [string, Structural]> = []
  for (const v of spec.versions) {
    if (!isObject(v) || typeof v.name !== "string" || !isObject(v.schema)) continue
    const schema = v.schema.openAPIV3Schema
    if (isObject(schema)) out.push([v.name, schema])
  }
  return out
}
