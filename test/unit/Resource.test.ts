import { inspect } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Either } from "effect"
import { Resource } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"

describe("Resource.decodeTrusted", () => {
  it("a failure says what came, never its content (a Secret's data stays out of errors)", () => {
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db" },
      data: { password: "czNjcmV0" }
    }
    for (const input of [secret, { ...secret, kind: "ConfigMap", metadata: "s3cret" }, ["czNjcmV0"]]) {
      const result = Resource.decodeTrusted(core.ConfigMap, input)
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) {
        const error = result.left
        for (const shown of [
          error.message,
          String(error),
          inspect(error, { depth: 20 }),
          JSON.stringify(error),
          // A logger or a user that walks the issue finds no content either.
          JSON.stringify(error.issue),
          Cause.pretty(Cause.fail(error))
        ]) {
          expect(shown).not.toContain("czNjcmV0")
          expect(shown).not.toContain("s3cret")
        }
      }
    }
  })
})
