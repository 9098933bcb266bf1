import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { Selector } from "../../src/index.js"
import { matchesLabels, parseLabelSelector } from "../../src/testing/internal/selectors.js"

describe("Selector", () => {
  it("renders label selectors in the exact Kubernetes syntax", () => {
    expect(
      Selector.renderLabels({
        app: "web",
        "example.com/tier": Selector.in(["front", "back"]),
        env: Selector.notIn(["prod"]),
        version: Selector.notEqual("v1"),
        canary: Selector.exists,
        legacy: Selector.notExists,
        empty: ""
      })
    ).toEqual(
      Either.right(
        "app=web,example.com/tier in (front,back),env notin (prod),version!=v1,canary,!legacy,empty="
      )
    )
    expect(Selector.renderLabels({})).toEqual(Either.right(""))
  })

  it("rejects bad label keys and values before any request", () => {
    for (const bad of [
      { "bad key": "x" },
      { "-start": "x" },
      { "UPPER.example.com/x": "y" },
      { [`${"a".repeat(64)}`]: "x" },
      { ok: "not valid!" },
      { ok: "a".repeat(64) },
      { ok: Selector.in([]) },
      { ok: Selector.in(["fine", "not fine"]) }
    ]) {
      const result = Selector.renderLabels(bad)
      expect(Either.isLeft(result), JSON.stringify(bad)).toBe(true)
      if (Either.isLeft(result)) expect(result.left._tag).toBe("SelectorError")
    }
  })

  it("renders field selectors, escaping values", () => {
    expect(
      Selector.renderFields({ "metadata.name": "web", "status.phase": Selector.notEqual("Running") })
    ).toEqual(Either.right("metadata.name=web,status.phase!=Running"))
    expect(Selector.renderFields({ "metadata.name": "a,b=c\\d" })).toEqual(
      Either.right("metadata.name=a\\,b\\=c\\\\d")
    )
    expect(Either.isLeft(Selector.renderFields({ "bad key": "x" }))).toBe(true)
  })
})

describe("Selector.matchesLabels", () => {
  it("matches as the apiserver does: NotEqual and NotIn also match objects without the label", () => {
    const labels = { app: "web", tier: "front" }
    expect(Selector.matchesLabels({}, undefined)).toBe(true)
    expect(Selector.matchesLabels({ app: "web" }, labels)).toBe(true)
    expect(Selector.matchesLabels({ app: "db" }, labels)).toBe(false)
    expect(Selector.matchesLabels({ app: "web" }, undefined)).toBe(false)
    expect(Selector.matchesLabels({ env: Selector.notEqual("prod") }, labels)).toBe(true)
    expect(Selector.matchesLabels({ tier: Selector.notEqual("front") }, labels)).toBe(false)
    expect(Selector.matchesLabels({ tier: Selector.in(["front", "back"]) }, labels)).toBe(true)
    expect(Selector.matchesLabels({ env: Selector.in(["dev"]) }, labels)).toBe(false)
    expect(Selector.matchesLabels({ env: Selector.notIn(["prod"]) }, labels)).toBe(true)
    expect(Selector.matchesLabels({ tier: Selector.notIn(["front"]) }, labels)).toBe(false)
    expect(Selector.matchesLabels({ app: Selector.exists, env: Selector.notExists }, labels)).toBe(true)
    expect(Selector.matchesLabels({ env: Selector.exists }, labels)).toBe(false)
    expect(Selector.matchesLabels({ app: Selector.notExists }, labels)).toBe(false)
  })

  it("agrees with the rendered selector as the in-memory cluster parses and matches it (property)", () => {
    const key = fc.constantFrom("app", "tier", "example.com/env")
    const value = fc.constantFrom("a", "b", "c")
    const operator: fc.Arbitrary<string | Selector.Operator> = fc.oneof(
      value,
      value.map(Selector.notEqual),
      fc.array(value, { minLength: 1, maxLength: 3 }).map((vs) => Selector.in(vs)),
      fc.array(value, { minLength: 1, maxLength: 3 }).map(Selector.notIn),
      fc.constant(Selector.exists),
      fc.constant(Selector.notExists)
    )
    fc.assert(
      fc.property(fc.dictionary(key, operator), fc.dictionary(key, value), (selector, labels) => {
        const rendered = Either.getOrThrow(Selector.renderLabels(selector))
        const requirements = parseLabelSelector(rendered)
        expect(requirements).toBeDefined()
        expect(Selector.matchesLabels(selector, labels)).toBe(matchesLabels(labels, requirements ?? []))
      })
    )
  })
})
