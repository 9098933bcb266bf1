/**
 * The watch body's line splitter: bytes cut anywhere (inside a multi-byte character, at a newline,
 * in the middle of a line) give back exactly the lines of the text, and the unfinished last line.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { Lines } from "../../src/streams/internal/lines.js"

const split = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Array<Uint8Array> => {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Array<Uint8Array> = []
  let from = 0
  for (const p of points) {
    chunks.push(bytes.subarray(from, p))
    from = p
  }
  chunks.push(bytes.subarray(from))
  return chunks
}

describe("watch body lines", () => {
  it("gives the text's lines however the bytes are cut", () => {
    const line = fc.string({ unit: fc.constantFrom("a", "{", '"', "é", "€", "😀", " ", "\r") })
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 20 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 30 }),
        (lines, endsWithNewline, cuts) => {
          const text = lines.join("\n") + (endsWithNewline ? "\n" : "")
          const bytes = new TextEncoder().encode(text)
          const splitter = new Lines()
          const got: Array<string> = []
          for (const chunk of split(bytes, cuts)) got.push(...(splitter.next(chunk) ?? []))
          const expected = text.split("\n")
          const last = expected.pop() ?? ""
          expect(got).toEqual(expected)
          expect(splitter.rest()).toBe(last)
          expect(splitter.rest()).toBe("")
        }
      ),
      { numRuns: 500 }
    )
  })

  it("keeps a copy of an unfinished line, not the chunk it came in", () => {
    const chunk = new TextEncoder().encode('{"a":1}\n{"b"')
    const splitter = new Lines()
    const got: Array<string> = []
    got.push(...(splitter.next(chunk) ?? []))
    chunk.fill(0)
    got.push(...(splitter.next(new TextEncoder().encode(":2}\n")) ?? []))
    expect(got).toEqual(['{"a":1}', '{"b":2}'])
  })
})
