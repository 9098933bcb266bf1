/**
 * The harness finds what it is meant to find: a green fuzz family means something only if a
 * defect, a hang, a crash, an untyped failure, a failure that cannot be printed and every kind of
 * leak do make a case fail.
 */
import { Data, Effect, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { evaluate, type Secret } from "./harness.js"

const SECRET = "harnessS3cretQw8Er4Ty6Ui2Op"
const secrets: ReadonlyArray<Secret> = [{ label: "token", value: SECRET }]

class Boom extends Data.TaggedError("Boom")<{ readonly detail: string; readonly cause?: unknown }> {}

class Loud extends Data.TaggedError("Loud")<{ readonly message: string }> {}

class Unprintable extends Data.TaggedError("Unprintable")<{}> {
  override get message(): string {
    throw new RangeError("Maximum call stack size exceeded")
  }
}

const run = <A, E>(effect: Effect.Effect<A, E>, timeoutMs?: number) =>
  evaluate(effect, { secrets, label: "self-test", timeoutMs })

const kinds = (outcome: { readonly problems: ReadonlyArray<{ readonly kind: string }> }) =>
  outcome.problems.map((p) => p.kind)

describe("fuzz harness", () => {
  it("a success and a clean typed failure have no problem", async () => {
    expect(await run(Effect.succeed(1))).toMatchObject({ end: "success", problems: [] })
    expect(await run(Effect.fail(new Boom({ detail: "no secret here" })))).toMatchObject({
      end: "typed",
      tag: "Boom",
      problems: []
    })
    // Redacted at the source: not a leak.
    expect(await run(Effect.fail(new Boom({ detail: "x", cause: Redacted.make(SECRET) })))).toMatchObject({
      problems: []
    })
  })

  it("a defect, a hang and an untyped failure are problems", async () => {
    expect(kinds(await run(Effect.die(new TypeError("Invalid URL"))))).toEqual(["defect"])
    expect(kinds(await run(Effect.never, 200))).toEqual(["hang"])
    expect(kinds(await run(Effect.fail("a string")))).toEqual(["violation"])
    expect(kinds(await run(Effect.fail(new Unprintable())))).toContain("defect")
  })

  it("a secret in a message, deep in a cause, or written to the console or stderr is a leak", async () => {
    const inMessage = await run(Effect.fail(new Loud({ message: `token ${SECRET}` })))
    expect(kinds(inMessage)).toEqual(["leak"])
    expect(inMessage.problems[0]?.signature).toContain("message")
    expect(inMessage.problems[0]?.detail).not.toContain(SECRET)

    const nested = await run(
      Effect.fail(new Boom({ detail: "x", cause: { a: { b: { headers: [SECRET] } } } }))
    )
    expect(kinds(nested)).toEqual(["leak"])
    // Hidden from util.inspect and JSON.stringify (not enumerable), reachable all the same.
    const hidden = new Boom({ detail: "x" })
    Object.defineProperty(hidden, "request", { value: { headers: { authorization: `Bearer ${SECRET}` } } })
    const deep = await run(Effect.fail(hidden))
    expect(kinds(deep)).toEqual(["leak"])
    expect(deep.problems[0]?.detail).toContain("a deep inspection at .request.headers.authorization")

    expect(kinds(await run(Effect.sync(() => console.error(`oops ${SECRET}`))))).toEqual(["leak"])
    expect(kinds(await run(Effect.sync(() => process.stderr.write(`oops ${SECRET}\n`))))).toEqual(["leak"])
    expect(kinds(await run(Effect.sync(() => process.emitWarning(`line: ${SECRET}`))))).toEqual(["leak"])
    expect(kinds(await run(Effect.logError(`oops ${SECRET}`)))).toEqual(["leak"])
  })

  it("an uncaught exception while a case runs is a crash", async () => {
    const outcome = await run(
      Effect.async<void>((resume) => {
        Promise.reject(new Error("unhandled"))
        setTimeout(() => resume(Effect.void), 20)
      })
    )
    expect(kinds(outcome)).toEqual(["crash"])
  })
})
