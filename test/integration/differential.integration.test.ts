/**
 * Differential testing of the in-memory cluster against the real apiserver: random sequences of
 * operations (test/differential/model.ts), each run in a fresh namespace on both, their normalized
 * transcripts compared; a difference is shrunk by fast-check to a minimal sequence. Seeded and
 * reproducible: DIFF_SEED (default 21; `random` to explore), DIFF_RUNS (default 300), DIFF_FAMILIES (comma-separated; default all),
 * DIFF_LENGTH (default 8), DIFF_STRICT=1 (also what run.ts leaves out), DIFF_REPLAY=<file> (one
 * JSON sequence, both transcripts printed).
 */
import * as fs from "node:fs"
import { Effect, type Layer } from "effect"
import fc from "fast-check"
import { expect, inject, it } from "vitest"
import { Client } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { InMemoryCluster } from "../../src/testing/index.js"
import { type Family, sequences } from "../differential/model.js"
import { ensureWidgets, run } from "../differential/run.js"
import { clientLayer, unique } from "../harness/Namespace.js"

const DEFAULT_FAMILIES: ReadonlyArray<Family> = [
  "crud",
  "patch",
  "apply",
  "delete",
  "status",
  "scale",
  "list",
  "watch",
  "managed",
  "validation"
]
const families = new Set(
  (process.env.DIFF_FAMILIES?.split(",").filter((f) => f !== "") ?? DEFAULT_FAMILIES).map((f): Family => {
    const known: ReadonlyArray<Family> = DEFAULT_FAMILIES
    const family = known.find((k) => k === f)
    if (family === undefined) throw new Error(`unknown DIFF_FAMILIES entry ${f}`)
    return family
  })
)
const runs = Number(process.env.DIFF_RUNS ?? 300)
// A fixed seed by default (the CI run is reproducible and lands only what it has seen agree);
// DIFF_SEED=random explores, DIFF_SEED=<n> reproduces.
const seed =
  process.env.DIFF_SEED === "random"
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.DIFF_SEED ?? 21)
const length = Number(process.env.DIFF_LENGTH ?? 8)

const real = clientLayer(inject("envtest").kubeconfigs["admin-cert"])
const memory = InMemoryCluster.layer()

const transcript = (
  layer: Layer.Layer<Client.Requirements, unknown>,
  namespace: string,
  ops: Parameters<typeof run>[1]
) =>
  Effect.runPromise(
    Client.create(core.Namespace, { metadata: { name: namespace } }).pipe(
      Effect.zipRight(ensureWidgets(namespace)),
      Effect.zipRight(run(namespace, ops)),
      Effect.provide(layer)
    )
  )

// DIFF_REPLAY=<file with a JSON sequence>: runs that one sequence and prints both transcripts.
const replay = process.env.DIFF_REPLAY
if (replay !== undefined) {
  it("replays one sequence", async () => {
    const ops = JSON.parse(fs.readFileSync(replay, "utf8"))
    const namespace = unique("diff")
    const expected = await transcript(real, namespace, ops)
    const actual = await transcript(memory, namespace, ops)
    console.log(JSON.stringify({ real: expected, memory: actual }, null, 1))
    expect(actual).toEqual(expected)
  })
}

it(`the in-memory cluster answers as the real apiserver (${[...families].join(",")}; seed ${seed})`, async () => {
  console.log(`[differential] families ${[...families].join(",")}, ${runs} sequences, seed ${seed}`)
  await fc.assert(
    fc.asyncProperty(sequences(families, length), async (ops) => {
      const namespace = unique("diff")
      const expected = await transcript(real, namespace, ops)
      const actual = await transcript(memory, namespace, ops)
      expect(actual).toEqual(expected)
    }),
    { numRuns: runs, seed, endOnFailure: process.env.DIFF_SHRINK === "false" }
  )
}, 1_500_000)
