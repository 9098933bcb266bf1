/**
 * Mutations shared by the document families (kubeconfigs, manifests): structural operations on a
 * JSON value (delete a key, set a wrong type, duplicate an entry) and text operations on its
 * serialization (truncation, insertions, duplicate lines, random bytes, appended YAML tricks:
 * alias bombs, bad anchors, deep nesting, tags, directives).
 */
import fc from "fast-check"

/** A JSON value. */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/** The path of a node in a JSON value. */
export type Path = ReadonlyArray<string | number>

export const pathsOf = (value: Json, at: Path = []): Array<Path> => {
  const here = at.length > 0 ? [at] : []
  if (Array.isArray(value)) return [...here, ...value.flatMap((v: Json, i: number) => pathsOf(v, [...at, i]))]
  if (typeof value === "object" && value !== null)
    return [...here, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...at, k]))]
  return here
}

/** Values of the wrong type for any field. */
export const wrongType: fc.Arbitrary<Json> = fc.constantFrom<Json>(
  null,
  0,
  -1,
  1.5,
  1e308,
  true,
  false,
  [],
  {},
  [1, "a", null],
  { a: { b: [1] } },
  "",
  "yes",
  "~"
)

export const hugeString: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom("x", "é", "\u0000", "a: b", "\n"),
    // A megabyte now and then: it costs a few hundred milliseconds a case.
    fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(1_000, 10_000, 100_000) },
      { weight: 1, arbitrary: fc.constant(1_000_000) }
    )
  )
  .map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length)))

/** A structural mutation. */
export type Op =
  | { readonly _tag: "delete"; readonly path: Path }
  | { readonly _tag: "set"; readonly path: Path; readonly value: Json }
  | { readonly _tag: "duplicate"; readonly path: Path }

/** Structural mutations on the given paths. */
export const structuralOp = (paths: ReadonlyArray<Path>): fc.Arbitrary<Op> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({ _tag: fc.constant("delete" as const), path: fc.constantFrom(...paths) })
    },
    {
      weight: 3,
      arbitrary: fc.record({
        _tag: fc.constant("set" as const),
        path: fc.constantFrom(...paths),
        value: wrongType
      })
    },
    {
      weight: 1,
      arbitrary: fc.record({
        _tag: fc.constant("set" as const),
        path: fc.constantFrom(...paths),
        value: hugeString
      })
    },
    {
      weight: 1,
      arbitrary: fc.record({
        _tag: fc.constant("duplicate" as const),
        path: fc.constantFrom(...paths.filter((p) => typeof p[p.length - 1] === "number"))
      })
    }
  )

/** A text mutation. */
export type TextOp =
  | { readonly _tag: "truncate"; readonly at: number }
  | { readonly _tag: "insert"; readonly at: number; readonly text: string }
  | { readonly _tag: "duplicateLine"; readonly at: number }
  | { readonly _tag: "randomBytes"; readonly bytes: Uint8Array }
  | { readonly _tag: "append"; readonly text: string }

/** Alias bombs, bad anchors, deep nesting and other YAML to append at the top level. */
export const yamlTrick: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 2, max: 10 }))
      .map(([width, depth]) => {
        const lines = [`x-bomb:`, `  l0: &l0 [${Array.from({ length: width }, () => '"lol"').join(", ")}]`]
        for (let d = 1; d < depth; d++)
          lines.push(`  l${d}: &l${d} [${Array.from({ length: width }, () => `*l${d - 1}`).join(", ")}]`)
        return `${lines.join("\n")}\n`
      })
  },
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      "x-undefined: *nowhere\n",
      "x-self: &self [*self]\n",
      "x-self-map: &m {a: *m}\n",
      "x-merge:\n  <<: *nowhere\n",
      "x-anchor: &a {token: x}\nx-merge:\n  <<: *a\n",
      "x-tag: !!binary not-base64\n",
      "x-set: !!set {a, b}\n",
      "x-custom: !fuzz {a: 1}\n",
      "x-timestamp: !!timestamp nope\n",
      "x-int: !!int 0x\n",
      "x-key: {? [a, b] : c}\n",
      "%YAML 1.1\n---\n",
      "---\nsecond: document\n",
      "...\n",
      "x-dup: 1\nx-dup: 2\n",
      "users: null\n",
      "current-context: ctx-oidc\n"
    )
  },
  // Deep nesting; kept under 10 000 levels, as the parse time grows with the square of the depth.
  {
    weight: 1,
    arbitrary: fc.integer({ min: 100, max: 10_000 }).map((n) => `x-deep: ${"[".repeat(n)}${"]".repeat(n)}\n`)
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 100, max: 10_000 })
      .map((n) => `x-deep-map: ${"{a: ".repeat(n)}1${"}".repeat(n)}\n`)
  }
)

const fraction = fc.integer({ min: 0, max: 10_000 }).map((n) => n / 10_000)

export const textOp: fc.Arbitrary<TextOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ _tag: fc.constant("truncate" as const), at: fraction }) },
  {
    weight: 3,
    arbitrary: fc.record({
      _tag: fc.constant("insert" as const),
      at: fraction,
      text: fc.oneof(
        fc.constantFrom(
          "\t",
          ":",
          ": ",
          "- ",
          "&",
          "*",
          "!",
          "{",
          "[",
          "]",
          "}",
          "|",
          ">",
          "%",
          "@",
          "`",
          "'",
          '"',
          "#",
          "\n",
          "\r",
          "\u0000",
          "\ufeff",
          "\u2028",
          "? ",
          ",",
          "\\"
        ),
        fc.string({ unit: "binary", maxLength: 6 })
      )
    })
  },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("duplicateLine" as const), at: fraction }) },
  {
    weight: 1,
    arbitrary: fc.record({
      _tag: fc.constant("randomBytes" as const),
      bytes: fc.uint8Array({ maxLength: 200 })
    })
  },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("append" as const), text: yamlTrick }) }
)

const clone = (value: Json): Json =>
  value === null || typeof value !== "object" ? value : structuredClone(value)

/** Applies an operation to a copy of the value (a path that no longer exists is left alone). */
export const applyOp = (root: Json, o: Op): Json => {
  const copy = clone(root)
  if (o.path.length === 0) return copy
  let parent: unknown = copy
  for (const key of o.path.slice(0, -1)) {
    if (typeof parent !== "object" || parent === null) return copy
    parent = Reflect.get(parent, key)
  }
  const last = o.path[o.path.length - 1]
  if (typeof parent !== "object" || parent === null || last === undefined) return copy
  switch (o._tag) {
    case "delete":
      if (Array.isArray(parent) && typeof last === "number") parent.splice(last, 1)
      else Reflect.deleteProperty(parent, last)
      break
    case "set":
      Reflect.set(parent, last, clone(o.value))
      break
    case "duplicate":
      if (Array.isArray(parent) && typeof last === "number" && last < parent.length)
        parent.push(structuredClone(parent[last]))
      break
  }
  return copy
}

export const applyTextOp = (text: string, o: TextOp): string => {
  const at = (f: number) => Math.floor(f * text.length)
  switch (o._tag) {
    case "truncate":
      return text.slice(0, at(o.at))
    case "insert":
      return text.slice(0, at(o.at)) + o.text + text.slice(at(o.at))
    case "duplicateLine": {
      const lines = text.split("\n")
      const i = Math.min(lines.length - 1, Math.floor(o.at * lines.length))
      lines.splice(i, 0, lines[i] ?? "")
      return lines.join("\n")
    }
    case "randomBytes":
      return Buffer.from(o.bytes).toString("utf8")
    case "append":
      return text.endsWith("\n") ? text + o.text : `${text}\n${o.text}`
  }
}
