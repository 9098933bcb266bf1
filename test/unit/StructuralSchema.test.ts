/**
 * The in-memory cluster's reading of CRD structural schemas (src/testing/internal/structural.ts):
 * Go (RE2) patterns, nullable int-or-string, float multiples, inherited property names.
 */
import { describe, expect, it } from "vitest"
import type { ResourceInfo } from "../../src/resource/Resource.js"
import { pruneAndDefault, validateStructural } from "../../src/testing/internal/structural.js"

const info: ResourceInfo = {
  group: "g",
  version: "v1",
  apiVersion: "g/v1",
  kind: "K",
  listKind: "KList",
  plural: "ks",
  namespaced: true,
  verbs: [],
  subresources: {}
}
const matches = (pattern: string, value: string) =>
  validateStructural({ type: "object", properties: { v: { type: "string", pattern } } }, info, {
    v: value
  }) === undefined

describe("structural schemas", () => {
  it("patterns are read as Go reads them (RE2 escapes, \\pL, POSIX classes); one unreadable is not checked", () => {
    expect(matches("^[a-z\\_]+$", "ABC")).toBe(false)
    expect(matches("^[a-z\\_]+$", "a_b")).toBe(true)
    expect(matches("^\\pL+$", "123")).toBe(false)
    expect(matches("^\\pL+$", "abc")).toBe(true)
    expect(matches("^[[:alpha:]]+$", "abc")).toBe(true)
    expect(matches("^[[:alpha:]]+$", "ab1")).toBe(false)
    expect(matches("^a\\:b$", "a:b")).toBe(true)
    expect(matches("(", "x")).toBe(true)
  })

  it("nullable int-or-string, float multiples, required and field names the prototype has", () => {
    const intOrString = { "x-kubernetes-int-or-string": true, nullable: true }
    expect(
      validateStructural({ type: "object", properties: { v: intOrString } }, info, { v: null })
    ).toBeUndefined()
    const float = validateStructural(
      { type: "object", properties: { v: { "x-kubernetes-int-or-string": true } } },
      info,
      { v: 3.5 }
    )
    expect(float === undefined ? "" : float.status).toBe(422)
    const multiple = { type: "object", properties: { v: { type: "number", multipleOf: 0.1 } } }
    expect(validateStructural(multiple, info, { v: 0.3 })).toBeUndefined()
    expect(
      validateStructural({ type: "object", required: ["constructor"], properties: {} }, info, {})
    ).toBeDefined()
    const proto = JSON.parse('{"__proto__": {"x": 1}, "kept": 1}')
    const pruned = pruneAndDefault(
      { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      proto,
      false
    )
    expect(Object.keys(pruned ?? {})).toEqual(["__proto__", "kept"])
  })
})
