/**
 * The in-memory cluster's cost of listing by pages: listing N ConfigMaps in pages of 500 against
 * one unpaged list of the same objects (the baseline, measured in the same run), at 1,000, 10,000
 * and 50,000 objects; and 1,000 gets. A page costing O(page) keeps the ratio near 1 at any N; a
 * page that scans every object makes it grow with N.
 *
 *   npm run bench:memory        (BENCH_RUNS=3 by default)
 */
import { Effect, Layer, ManagedRuntime, Stream } from "effect"
import { Client } from "../src/index.js"
import * as core from "../src/models/core/v1.js"
import { InMemoryCluster } from "../src/testing/index.js"
import { row, timeRuns } from "./timing.js"

const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const SIZES = (process.env.BENCH_SIZES ?? "1000,10000,50000").split(",").map(Number)

const perGet = (label: string, ms: number) =>
  console.log(`  ${label.padEnd(44)} ${((ms / 1000) * 1000).toFixed(0).padStart(9)} µs each`)

console.log("in-memory cluster: paged list (pages of 500) vs one unpaged list")
for (const size of SIZES) {
  // Other kinds' objects beside them (a page must not cost what the whole cluster holds).
  const objects = Array.from({ length: size }, (_, i) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `cm-${String(i).padStart(6, "0")}`, namespace: "default" },
    data: { key: `value-${i}` }
  }))
  const secrets = Array.from({ length: size }, (_, i) => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `s-${i}`, namespace: "default" },
    data: {}
  }))
  const runtime = ManagedRuntime.make(
    InMemoryCluster.layer({ objects: [...objects, ...secrets], historyWindow: 1000 }).pipe(Layer.orDie)
  )
  // chunkSize 0: no limit, every object in one answer.
  const whole = () =>
    runtime.runPromise(
      Client.listAll(core.ConfigMap, { chunkSize: 0 }).pipe(Effect.map((l) => l.items.length))
    )
  const paged = () =>
    runtime.runPromise(
      Client.listPages(core.ConfigMap, { chunkSize: 500 }).pipe(
        Stream.runFold(0, (n, page) => n + page.items.length)
      )
    )
  const gets = () =>
    runtime.runPromise(
      Effect.forEach(
        Array.from({ length: 1000 }, (_, i) => `cm-${String((i * 7919) % size).padStart(6, "0")}`),
        (name) => Client.get(core.ConfigMap, name),
        { discard: true }
      )
    )
  if ((await whole()) !== size || (await paged()) !== size) throw new Error("lists did not see every object")
  const base = await timeRuns(whole, RUNS)
  console.log(`${size} ConfigMaps (and ${size} Secrets):`)
  row("one list (baseline)", base, base, 9)
  row(`list in pages of 500 (${Math.ceil(size / 500)} pages)`, await timeRuns(paged, RUNS), base, 9)
  perGet("1,000 gets", await timeRuns(gets, RUNS))
  await runtime.dispose()
}
