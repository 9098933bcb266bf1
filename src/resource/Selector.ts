/**
 * Label and field selectors from plain objects, as lightkube's `operators`: a value is equality;
 * `Selector.notEqual`, `Selector.in`, `Selector.notIn`, `Selector.exists` and
 * `Selector.notExists` express the rest. Keys and values are checked (a bad one is a
 * `SelectorError`, before any request) and rendered to the exact Kubernetes syntax.
 *
 * @since 0.1.0
 */
import { Data, Either } from "effect"
import { hasLoneSurrogate } from "../internal/text.js"

/**
 * A selector operator.
 *
 * @since 0.1.0
 * @category models
 */
export type Operator =
  | { readonly _tag: "Equal"; readonly value: string }
  | { readonly _tag: "NotEqual"; readonly value: string }
  | { readonly _tag: "In"; readonly values: ReadonlyArray<string> }
  | { readonly _tag: "NotIn"; readonly values: ReadonlyArray<string> }
  | { readonly _tag: "Exists" }
  | { readonly _tag: "NotExists" }

/**
 * Labels to select: a string is equality, an {@link Operator} the rest.
 *
 * @since 0.1.0
 * @category models
 */
export type LabelSelector = { readonly [key: string]: string | Operator }

/**
 * Fields to select: a string is equality, `notEqual` the only other operator fields support.
 *
 * @since 0.1.0
 * @category models
 */
export type FieldSelector = {
  readonly [key: string]: string | { readonly _tag: "Equal" | "NotEqual"; readonly value: string }
}

/**
 * A selector key or value is not valid.
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { Selector } from "effect-kube"
 *
 * Selector.renderLabels({ "bad key!": "x" }) // Either.left(SelectorError)
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class SelectorError extends Data.TaggedError("SelectorError")<{
  readonly selector: "label" | "field"
  readonly key: string
  readonly detail: string
}> {
  override get message(): string {
    return `invalid ${this.selector} selector "${this.key}": ${this.detail}`
  }
}

/**
 * Not equal to a value.
 *
 * @example
 * ```ts
 * import { Selector } from "effect-kube"
 *
 * Selector.renderLabels({ env: Selector.notEqual("prod") }) // Either.right("env!=prod")
 * ```
 *
 * @since 0.1.0
 * @category operators
 */
export const notEqual = (value: string): { readonly _tag: "NotEqual"; readonly value: string } => ({
  _tag: "NotEqual",
  value
})

/**
 * Equal to a value (a plain string says the same).
 *
 * @example
 * ```ts
 * import { Selector } from "effect-kube"
 *
 * Selector.renderFields({ "metadata.name": Selector.equal("web") }) // Either.right("metadata.name=web")
 * ```
 *
 * @since 0.1.0
 * @category operators
 */
export const equal = (value: string): { readonly _tag: "Equal"; readonly value: string } => ({
  _tag: "Equal",
  value
})

const inOp = (values: ReadonlyArray<string>): Operator => ({ _tag: "In", values })

export {
  /**
   * One of the values.
   *
   * @example
   * ```ts
   * import { Selector } from "effect-kube"
   *
   * Selector.renderLabels({ env: Selector.in(["dev", "qa"]) }) // Either.right("env in (dev,qa)")
   * ```
   *
   * @since 0.1.0
   * @category operators
   */
  inOp as in
}

/**
 * None of the values (or the label is absent).
 *
 * @example
 * ```ts
 * import { Selector } from "effect-kube"
 *
 * Selector.renderLabels({ env: Selector.notIn(["prod"]) }) // Either.right("env notin (prod)")
 * ```
 *
 * @since 0.1.0
 * @category operators
 */
export const notIn = (values: ReadonlyArray<string>): Operator => ({ _tag: "NotIn", values })

/**
 * The label is present, whatever its value.
 *
 * @example
 * ```ts
 * import { Selector } from "effect-kube"
 *
 * Selector.renderLabels({ canary: Selector.exists }) // Either.right("canary")
 * ```
 *
 * @since 0.1.0
 * @category operators
 */
export const exists: Operator = { _tag: "Exists" }

/**
 * The label is absent.
 *
 * @example
 * ```ts
 * import { Selector } from "effect-kube"
 *
 * Selector.renderLabels({ canary: Selector.notExists }) // Either.right("!canary")
 * ```
 *
 * @since 0.1.0
 * @category operators
 */
export const notExists: Operator = { _tag: "NotExists" }

const NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

const checkLabelKey = (key: string): string | undefined => {
  const slash = key.indexOf("/")
  const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : [undefined, key]
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return "the prefix must be a DNS subdomain of at most 253 characters"
  }
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) {
    return "the name must be 1-63 characters: alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric"
  }
  return undefined
}

const checkLabelValue = (value: string): string | undefined =>
  value === "" || (value.length <= 63 && NAME.test(value))
    ? undefined
    : `value "${value}" must be at most 63 characters: alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`

/**
 * Renders a label selector (`app=web,env in (dev,qa),!canary`), or the first invalid key or value.
 *
 * @example
 * ```ts
 * import { Selector } from "effect-kube"
 *
 * Selector.renderLabels({ app: "web", tier: Selector.in(["front", "back"]), canary: Selector.notExists })
 * // Either.right("app=web,tier in (front,back),!canary")
 * ```
 *
 * @since 0.1.0
 * @category rendering
 */
export const renderLabels = (labels: LabelSelector): Either.Either<string, SelectorError> => {
  const parts: Array<string> = []
  for (const [key, raw] of Object.entries(labels)) {
    const fail = (detail: string) => Either.left(new SelectorError({ selector: "label", key, detail }))
    const keyProblem = checkLabelKey(key)
    if (keyProblem !== undefined) return fail(keyProblem)
    const op: Operator = typeof raw === "string" ? { _tag: "Equal", value: raw } : raw
    const values =
      op._tag === "In" || op._tag === "NotIn"
        ? op.values
        : op._tag === "Equal" || op._tag === "NotEqual"
          ? [op.value]
          : []
    for (const v of values) {
      const problem = checkLabelValue(v)
      if (problem !== undefined) return fail(problem)
    }
    switch (op._tag) {
      case "Equal":
        parts.push(`${key}=${op.value}`)
        break
      case "NotEqual":
        parts.push(`${key}!=${op.value}`)
        break
      case "In":
      case "NotIn":
        if (op.values.length === 0)
          return fail(`"${op._tag === "In" ? "in" : "notin"}" needs at least one value`)
        parts.push(`${key} ${op._tag === "In" ? "in" : "notin"} (${op.values.join(",")})`)
        break
      case "Exists":
        parts.push(key)
        break
      case "NotExists":
        parts.push(`!${key}`)
        break
    }
  }
  return Either.right(parts.join(","))
}

const FIELD_KEY = /^[A-Za-z0-9_.[\]/-]+$/
const escapeField = (value: string) => value.replace(/[\\,=]/g, (c) => `\\${c}`)

/**
 * Renders a field selector (`metadata.name=web,status.phase!=Running`), values escaped as the
 * apiserver expects, or the first invalid key.
 *
 * @example
 * ```ts
 * import { Selector } from "effect-kube"
 *
 * Selector.renderFields({ "status.phase": Selector.notEqual("Running") }) // Either.right("status.phase!=Running")
 * ```
 *
 * @since 0.1.0
 * @category rendering
 */
export const renderFields = (fields: FieldSelector): Either.Either<string, SelectorError> => {
  const parts: Array<string> = []
  for (const [key, raw] of Object.entries(fields)) {
    if (!FIELD_KEY.test(key)) {
      return Either.left(
        new SelectorError({
          selector: "field",
          key,
          detail: "a field path has letters, digits, '.', '-', '_' and '/'"
        })
      )
    }
    const op = typeof raw === "string" ? equal(raw) : raw
    if (hasLoneSurrogate(op.value)) {
      // It would be sent as U+FFFD: another value than the one given.
      return Either.left(
        new SelectorError({ selector: "field", key, detail: "the value is not a well-formed Unicode string" })
      )
    }
    parts.push(`${key}${op._tag === "Equal" ? "=" : "!="}${escapeField(op.value)}`)
  }
  return Either.right(parts.join(","))
}

/**
 * Whether labels match a label selector, as the apiserver matches them (every requirement holds;
 * `NotEqual` and `NotIn` also match objects without the label). For selecting on the client side,
 * e.g. in a reflector's store.
 *
 * @example
 * ```ts
 * import { Selector } from "effect-kube"
 *
 * Selector.matchesLabels({ app: "web", tier: Selector.in(["front", "back"]) }, { app: "web", tier: "front" }) // true
 * Selector.matchesLabels({ canary: Selector.notExists }, { canary: "yes" }) // false
 * ```
 *
 * @since 0.1.0
 * @category matching
 */
export const matchesLabels = (
  selector: LabelSelector,
  labels: { readonly [key: string]: string } | undefined
): boolean => {
  for (const key in selector) {
    const raw = selector[key]
    if (raw === undefined) continue
    const has = labels !== undefined && Object.hasOwn(labels, key)
    const value = has ? labels[key] : undefined
    if (typeof raw === "string") {
      if (value !== raw) return false
      continue
    }
    switch (raw._tag) {
      case "Equal":
        if (value !== raw.value) return false
        break
      case "NotEqual":
        if (value === raw.value) return false
        break
      case "In":
        if (value === undefined || !raw.values.includes(value)) return false
        break
      case "NotIn":
        if (value !== undefined && raw.values.includes(value)) return false
        break
      case "Exists":
        if (!has) return false
        break
      case "NotExists":
        if (has) return false
        break
    }
  }
  return true
}
