/**
 * Names, namespaces and other URL path segments: generators biased towards the values that can
 * change the shape of a path, and the rule a segment must follow to go into one (client-go's
 * `IsValidPathSegmentName`, plus well-formed UTF-16 so that it can be encoded at all).
 */
import fc from "fast-check"

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Why a value cannot be a path segment, or `undefined` when it can. */
export const segmentProblem = (value: string): string | undefined => {
  if (value === "") return "empty"
  if (value === ".") return '"."'
  if (value === "..") return '".."'
  if (value.includes("/")) return 'contains "/"'
  if (value.includes("%")) return 'contains "%"'
  if (LONE_SURROGATE.test(value)) return "a lone surrogate"
  return undefined
}

/** The values known to trouble path building. */
export const SPECIAL_SEGMENTS: ReadonlyArray<string> = [
  "",
  ".",
  "..",
  "/",
  "%",
  "a/b",
  "../x",
  "x/..",
  "./x",
  "..%2f",
  "..%2F..",
  "%2e%2e",
  "%2E%2E",
  ".%2e",
  "%2e.",
  "%2e",
  "%2F",
  "a%2Fb",
  "%00",
  "%zz",
  "%25",
  "%252e%252e",
  "...",
  ".a",
  "a.",
  "?",
  "#",
  "a?b=c",
  "a#b",
  "&x=y",
  "a b",
  " ",
  "\t",
  "\n",
  "\r\n",
  "\u0000",
  "\\",
  "..\\..",
  "*",
  "~",
  ";",
  "@",
  ":",
  "+",
  "ü",
  "名前",
  "\u202e",
  "\ud800",
  "\udfff",
  "a\ud800b",
  "__proto__",
  "constructor",
  "default",
  "kube-system"
]

/** A DNS-1123 label, the everyday name. */
export const dnsLabel: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"),
    fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-."), maxLength: 14 }),
    fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789")
  )
  .map(([a, b, c]) => `${a}${b}${c}`)

const pathSoup: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(".", "/", "%", "2", "e", "E", "f", "F", "a", "\\", "?", "#", "5", "c"),
  minLength: 1,
  maxLength: 8
})

const loneSurrogate: fc.Arbitrary<string> = fc
  .tuple(fc.string({ maxLength: 3 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 3 }))
  .map(([a, code, b]) => `${a}${String.fromCharCode(code)}${b}`)

/** A name or namespace: mostly troublesome, sometimes ordinary. */
export const segment: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SPECIAL_SEGMENTS) },
  { weight: 3, arbitrary: dnsLabel },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 10 }) },
  { weight: 2, arbitrary: pathSoup },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 64, maxLength: 300 }) }
)

/**
 * The path of a recorded request target as decoded segments (`undefined` when a segment does not
 * decode).
 */
export const decodedSegments = (target: string): ReadonlyArray<string> | undefined => {
  const path = target.split("?")[0] ?? ""
  try {
    return path.split("/").slice(1).map(decodeURIComponent)
  } catch {
    return undefined
  }
}

/** The query of a recorded request target. */
export const queryOf = (target: string): URLSearchParams => {
  const i = target.indexOf("?")
  return new URLSearchParams(i < 0 ? "" : target.slice(i + 1))
}

export const sameSegments = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean =>
  a.length === b.length && a.every((s, i) => s === b[i])
