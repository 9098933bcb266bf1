/**
 * One memory measurement of bench/api.ts, in a process of its own (run with --expose-gc): lists
 * the `list20k` namespace's ConfigMaps whole (`listAll`, one page) or streamed by pages of 500.
 * Memory retained is sampled after a forced GC while the objects are held (whole) or at each page
 * (streamed). Prints `{"peakMiB": ..., "count": ...}` (retained heap above the start, at its peak).
 */
import { Effect, Stream } from "effect"
import { Client, KubeConfig } from "../src/index.js"
import * as core from "../src/models/core/v1.js"
import { NodeKube } from "../src/node/index.js"

const [mode, kubeconfig] = process.argv.slice(2)
const gc = globalThis.gc ?? (() => {})
const layer = NodeKube.layer({ config: KubeConfig.fromFile(kubeconfig ?? "") })

// Warm up (modules, connection) so that the baseline holds them.
await Effect.runPromise(
  Client.list(core.ConfigMap, { namespace: "list20k", chunkSize: 1 }).pipe(
    Stream.take(1),
    Stream.runDrain,
    Effect.provide(layer)
  )
)
gc()
const base = process.memoryUsage().heapUsed
let peak = 0
const sample = () => {
  gc()
  peak = Math.max(peak, process.memoryUsage().heapUsed - base)
}

const count =
  mode === "whole"
    ? Effect.map(Client.listAll(core.ConfigMap, { namespace: "list20k", chunkSize: 100_000 }), (r) => {
        sample() // while the list is held
        return r.items.length
      })
    : Client.list(core.ConfigMap, { namespace: "list20k", chunkSize: 500 }).pipe(
        Stream.zipWithIndex,
        Stream.tap(([, i]) => Effect.sync(() => (i % 500 === 499 ? sample() : undefined))),
        Stream.runCount
      )

const n = await Effect.runPromise(count.pipe(Effect.provide(layer)))
console.log(JSON.stringify({ peakMiB: Math.max(0, peak) / 1024 / 1024, count: n }))
