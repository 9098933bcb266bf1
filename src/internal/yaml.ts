/**
 * The one YAML reader of the library (kubeconfigs and manifests). It never echoes the source: a
 * problem is a fixed description with a line and column (a kubeconfig line can hold a token),
 * warnings are returned instead of printed, `<<` merge keys merge (as kubectl), and aliases are
 * checked before anything walks the value: an undefined anchor, an anchor of an earlier document
 * or an alias inside its own anchor (a cycle) is a problem, and so is an expansion that would make
 * the document much larger than its text (an alias bomb).
 *
 * @internal
 */
import { Either } from "effect"
import {
  type Document,
  type ErrorCode,
  isAlias,
  isCollection,
  LineCounter,
  type Node,
  parseAllDocuments,
  parseDocument,
  visit,
  type YAMLError
} from "yaml"

/** What is wrong with a YAML text, where: never any of its content. */
export interface YamlProblem {
  readonly code: ErrorCode | "UNDEFINED_ALIAS" | "ALIAS_CYCLE" | "TOO_MANY_ALIASES" | "UNREADABLE"
  /** A fixed description of the problem, with the position when known. */
  readonly message: string
  readonly line?: number | undefined
  readonly column?: number | undefined
}

/** One parsed document: its plain value (objects, arrays, scalars) and the warnings it had. */
export interface YamlDocument {
  readonly value: unknown
  readonly warnings: ReadonlyArray<YamlProblem>
}

const DESCRIPTIONS: Record<YamlProblem["code"], string> = {
  ALIAS_PROPS: "an alias cannot have an anchor or a tag",
  BAD_ALIAS: "malformed alias",
  BAD_DIRECTIVE: "malformed or unknown directive",
  BAD_DQ_ESCAPE: "invalid escape in a double-quoted string",
  BAD_INDENT: "bad indentation (or an unclosed bracket)",
  BAD_PROP_ORDER: "anchor and tag in the wrong order",
  BAD_SCALAR_START: "a plain value cannot start with this character",
  BLOCK_AS_IMPLICIT_KEY: "a block collection cannot be an implicit key",
  BLOCK_IN_FLOW: "a block value inside a flow collection",
  DUPLICATE_KEY: "duplicate key",
  IMPOSSIBLE: "unreadable YAML",
  KEY_OVER_1024_CHARS: "an implicit key longer than 1024 characters",
  MISSING_CHAR: "a closing quote or bracket is missing",
  MULTILINE_IMPLICIT_KEY: "an implicit key spans several lines",
  MULTIPLE_ANCHORS: "several anchors on one node",
  MULTIPLE_DOCS: "several documents where one was expected",
  MULTIPLE_TAGS: "several tags on one node",
  NON_STRING_KEY: "a key that is not a string",
  RESOURCE_EXHAUSTION: "nested too deeply",
  TAB_AS_INDENT: "tabs used as indentation",
  TAG_RESOLVE_FAILED: "unknown tag",
  UNEXPECTED_TOKEN: "unexpected character",
  BAD_COLLECTION_TYPE: "wrong collection type for its tag",
  UNDEFINED_ALIAS: "alias to an anchor that is not defined earlier in this document",
  ALIAS_CYCLE: "alias inside the node of its own anchor (a cycle)",
  TOO_MANY_ALIASES: "aliases expand the document too much",
  UNREADABLE: "unreadable YAML"
}

/** yaml's own bound on alias resolutions (its default of 100 refuses ordinary documents). */
const MAX_ALIAS_COUNT = 10_000
/** Values a document may expand to through aliases: this many, or twice the values written. */
const MIN_EXPANSION_BUDGET = 400_000

const problem = (code: YamlProblem["code"], lines: LineCounter, offset: number | undefined): YamlProblem => {
  if (offset === undefined) return { code, message: DESCRIPTIONS[code] }
  const { line, col } = lines.linePos(offset)
  return { code, message: `${DESCRIPTIONS[code]} at line ${line}, column ${col}`, line, column: col }
}

const fromYamlError = (error: YAMLError, lines: LineCounter): YamlProblem =>
  problem(error.code, lines, error.pos[0])

interface AliasCheck {
  readonly problem?: YamlProblem | undefined
  /** Nodes written in the text. */
  readonly nodes: number
  readonly aliases: number
}

/** Resolves every alias as yaml does (the last anchor of that name before it) and finds cycles. */
const checkAliases = (doc: Document.Parsed, lines: LineCounter): AliasCheck => {
  const anchors = new Map<string, Node>()
  let nodes = 0
  let aliases = 0
  let found: YamlProblem | undefined
  visit(doc, {
    Node: (_key, node, path) => {
      nodes++
      if (isAlias(node)) {
        aliases++
        const target = anchors.get(node.source)
        const offset = node.range?.[0]
        if (target === undefined) found = problem("UNDEFINED_ALIAS", lines, offset)
        else if (path.includes(target)) found = problem("ALIAS_CYCLE", lines, offset)
        return found === undefined ? undefined : visit.BREAK
      }
      if (node.anchor !== undefined) anchors.set(node.anchor, node)
      return undefined
    }
  })
  return { problem: found, nodes, aliases }
}

/**
 * The number of values `value` stands for once every shared (aliased) part is written out, or
 * `undefined` when it passes `budget`. Shared parts are counted once each (memoized), so this is
 * linear in the distinct values even for an alias bomb.
 */
const expandedSize = (value: unknown, budget: number): number | undefined => {
  const memo = new Map<object, number>()
  const size = (v: unknown): number => {
    if (typeof v !== "object" || v === null) return 1
    const known = memo.get(v)
    if (known !== undefined) return known
    // A value seen again while being counted: a cycle (the alias check should have found it).
    memo.set(v, Number.POSITIVE_INFINITY)
    let total = 1
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      total += size(child)
      if (total > budget) break
    }
    memo.set(v, total)
    return total
  }
  const total = size(value)
  return total > budget ? undefined : total
}

const toValue = (doc: Document.Parsed, lines: LineCounter): Either.Either<YamlDocument, YamlProblem> => {
  const warnings = doc.warnings.map((w) => fromYamlError(w, lines))
  const error = doc.errors[0]
  if (error !== undefined) return Either.left(fromYamlError(error, lines))
  const check = checkAliases(doc, lines)
  if (check.problem !== undefined) return Either.left(check.problem)
  const start = isCollection(doc.contents) ? doc.contents.range?.[0] : undefined
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch {
    // yaml throws a ReferenceError for an excessive alias count.
    return Either.left(problem("TOO_MANY_ALIASES", lines, start))
  }
  if (check.aliases > 0) {
    const budget = Math.max(MIN_EXPANSION_BUDGET, 2 * check.nodes)
    if (expandedSize(value, budget) === undefined) {
      return Either.left(problem("TOO_MANY_ALIASES", lines, start))
    }
  }
  return Either.right({ value, warnings })
}

const OPTIONS = {
  // Messages without the offending source line; positions come from our own line counter.
  prettyErrors: false,
  // Warnings are collected in `doc.warnings`, never printed ("silent" would also hide errors).
  logLevel: "error",
  // As kubectl (sigs.k8s.io/yaml): `<<` merges, a repeated key keeps the last value.
  merge: true,
  uniqueKeys: false
} as const

/** The parser reports its own failures as errors; this catches the unforeseen (a stack overflow). */
const guard = <A>(
  lines: LineCounter,
  f: () => Either.Either<A, YamlProblem>
): Either.Either<A, YamlProblem> => {
  try {
    return f()
  } catch {
    return Either.left(problem("UNREADABLE", lines, undefined))
  }
}

/**
 * Parses a text that holds one document (a kubeconfig). An empty text is `null`.
 */
export const parseOne = (text: string): Either.Either<YamlDocument, YamlProblem> => {
  const lines = new LineCounter()
  return guard(lines, () => toValue(parseDocument(text, { ...OPTIONS, lineCounter: lines }), lines))
}

/**
 * Parses every document of a text (manifests): one result per document, in order, so that a
 * caller can name the document that failed.
 */
export const parseAll = (
  text: string
): Either.Either<ReadonlyArray<Either.Either<YamlDocument, YamlProblem>>, YamlProblem> => {
  const lines = new LineCounter()
  return guard(lines, () =>
    Either.right(
      parseAllDocuments(text, { ...OPTIONS, lineCounter: lines }).map((doc) =>
        guard(lines, () => toValue(doc, lines))
      )
    )
  )
}
