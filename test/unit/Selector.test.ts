import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { Selector } from "../../src/index.js"

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
