/**
 * Describes a Schema decoding failure by the paths of the bad fields and the types expected there,
 * never by the values found: the input may be a kubeconfig holding tokens and keys, or a Secret.
 * (Effect's own formatters print the actual values.)
 *
 * @internal
 */
import type { ParseResult, SchemaAST } from "effect"

/** One bad field: where, and what was expected there. */
export interface IssueSummary {
  /** e.g. `users[0].user.as-groups`; empty for the top level. */
  readonly path: string
  readonly problem: string
}

const MAX_DESCRIPTION = 80

const literal = (value: SchemaAST.LiteralValue): string =>
  typeof value === "bigint" ? `${value}n` : value === null ? "null" : JSON.stringify(value)

/** What a schema expects, in words. Schemas hold no input, so this cannot leak a value. */
const describe = (ast: SchemaAST.AST, depth = 0): string => {
  if (depth > 5) return "a valid value"
  switch (ast._tag) {
    case "StringKeyword":
      return "a string"
    case "NumberKeyword":
      return "a number"
    case "BooleanKeyword":
      return "a boolean"
    case "Literal":
      return literal(ast.literal)
    case "TupleType":
      return "a list"
    case "TypeLiteral":
      return ast.propertySignatures.length === 0 && ast.indexSignatures.length > 0 ? "a map" : "an object"
    case "Union": {
      // An optional field's `undefined` says nothing useful about what to write there.
      const members = ast.types.filter((t) => t._tag !== "UndefinedKeyword")
      return [...new Set((members.length > 0 ? members : ast.types).map((t) => describe(t, depth + 1)))].join(
        " or "
      )
    }
    case "Suspend":
      return describe(ast.f(), depth + 1)
    case "Transformation":
      return describe(ast.from, depth + 1)
    default: {
      const text = String(ast)
      return text.length > MAX_DESCRIPTION ? "a valid value" : text
    }
  }
}

/** A key as kubeconfigs and manifests name fields: letters, digits and `-_./:@`. */
const PLAIN_KEY = /^[A-Za-z0-9_./:@-]{1,253}$/

const joinPath = (segments: ReadonlyArray<PropertyKey>): string =>
  segments
    // A key that is not a plain name (a YAML complex key, e.g. `? {token: ...}`) is shown as `?`:
    // it is data, and may hold a secret.
    .map((k) =>
      typeof k === "number" ? `[${k}]` : typeof k === "string" && PLAIN_KEY.test(k) ? `.${k}` : ".?"
    )
    .join("")
    .replace(/^\./, "")

const issuesOf = (
  u: ParseResult.ParseIssue | ReadonlyArray<ParseResult.ParseIssue>
): ReadonlyArray<ParseResult.ParseIssue> => (isIssueArray(u) ? u : [u])

const isIssueArray = (
  u: ParseResult.ParseIssue | ReadonlyArray<ParseResult.ParseIssue>
): u is ReadonlyArray<ParseResult.ParseIssue> => Array.isArray(u)

const keysOf = (u: PropertyKey | ReadonlyArray<PropertyKey>): ReadonlyArray<PropertyKey> =>
  isKeyArray(u) ? u : [u]

const isKeyArray = (u: PropertyKey | ReadonlyArray<PropertyKey>): u is ReadonlyArray<PropertyKey> =>
  Array.isArray(u)

/**
 * The bad fields of a decoding failure (at most `limit`), each with the type expected there.
 */
export const summarize = (issue: ParseResult.ParseIssue, limit = 5): Array<IssueSummary> => {
  const out: Array<IssueSummary> = []
  const seen = new Set<string>()
  const push = (path: ReadonlyArray<PropertyKey>, problem: string) => {
    const summary = { path: joinPath(path), problem }
    const key = `${summary.path}\u0000${problem}`
    if (seen.has(key)) return
    seen.add(key)
    out.push(summary)
  }
  const walk = (current: ParseResult.ParseIssue, path: ReadonlyArray<PropertyKey>, depth: number): void => {
    if (out.length >= limit || depth > 200) return
    switch (current._tag) {
      case "Pointer":
        walk(current.issue, [...path, ...keysOf(current.path)], depth + 1)
        break
      case "Composite": {
        const issues = issuesOf(current.issues)
        // A value that fits no member of a union: one line naming them all, unless a member
        // matched its shape and failed deeper (then that is the useful part).
        const deeper = current.ast._tag === "Union" ? issues.filter((i) => i._tag !== "Type") : issues
        if (deeper.length === 0) push(path, `expected ${describe(current.ast)}`)
        for (const i of deeper) walk(i, path, depth + 1)
        break
      }
      case "Refinement":
        walk(current.issue, path, depth + 1)
        break
      case "Transformation":
        if (current.kind === "Transformation") push(path, `cannot be read as ${describe(current.ast.to)}`)
        else walk(current.issue, path, depth + 1)
        break
      case "Type":
        push(path, `expected ${describe(current.ast)}`)
        break
      case "Missing":
        push(path, "is missing")
        break
      case "Unexpected":
        push(path, "is not allowed")
        break
      case "Forbidden":
        push(path, "could not be checked")
        break
    }
  }
  walk(issue, [], 0)
  return out
}

/**
 * One line for a decoding failure: `path: problem; path: problem`, the top level named `top`.
 */
export const format = (issue: ParseResult.ParseIssue, top: string, limit = 5): string =>
  summarize(issue, limit)
    .map((s) => `${s.path === "" ? top : s.path}: ${s.problem}`)
    .join("; ")
