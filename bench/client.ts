/**
 * Client-bound benchmarks: no apiserver, a local scripted server (bench/client-server.ts, in a
 * process of its own) that answers at once from pre-rendered bodies, so that what is measured is
 * the client. Three contenders in the same run, interleaved rounds (order rotated): the median
 * time of each, and its ratio to bare as the median of its ratios round by round (a round's runs
 * share the machine's state of that moment):
 *   bare        the limit: node:http with a keep-alive agent + JSON.parse (split lines for watch);
 *   effect-kube Watch.watch, Watch.watcher, Client.get, Client.listAll, PodLog.log: the built
 *               package (dist/, what users run; `npm run bench:client` builds it first), imported
 *               by its name;
 *   client-node @kubernetes/client-node 1.4: Watch, CoreV1Api, Log (into a Writable that splits).
 * Then memory (a Map by name of 100,000 small objects from Watch.watcher vs the raw parsed
 * objects, each in a process of its own) and cold start (import time and first request, each in
 * a fresh process).
 *
 *   npm run bench:log    (the pod log rows only)
 *   npm run bench:client [-- --json out.json] [--rounds 7] [--scale 1] [--only watch-small,gets]
 *                                             [--no-memory] [--no-cold]
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import {
  type Benchmark,
  CONTENDERS,
  type Contender,
  getsBenchmark,
  kubeconfig,
  listBenchmark,
  logBenchmark,
  makeClients,
  measure,
  median,
  ROOT,
  relistBenchmark,
  startServer,
  watchBenchmark
} from "./client-lib.js"

const args = process.argv.slice(2)
const flag = (name: string) => args.includes(name)
const option = (name: string) => {
  const i = args.indexOf(name)
  return i === -1 ? undefined : args[i + 1]
}
const ROUNDS = Number(option("--rounds") ?? 7)
const SCALE = Number(option("--scale") ?? 1)
const ONLY = option("--only")?.split(",")
const JSON_OUT = option("--json")
const n = (count: number) => Math.max(1, Math.round(count * SCALE))
const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2))

interface Row {
  readonly name: string
  readonly label: string
  readonly bareLabel: string
  readonly unit: "ms" | "µs per get"
  readonly bare: number
  readonly effectKube: number
  readonly effectKubeRatio: number
  readonly clientNode: number
  readonly clientNodeRatio: number
}

const started = performance.now()
const load = os.loadavg()
console.log(
  `client-bound benchmarks: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, ` +
    `load average ${load.map((l) => l.toFixed(2)).join(" ")} at start; ${ROUNDS} interleaved rounds, medians (ratios: round by round)` +
    (globalThis.gc === undefined ? " (no --expose-gc: no GC between runs)" : "")
)

const server = await startServer()
const clients = await makeClients(server.url, { clientNode: true })
const rows: Array<Row> = []
let memory:
  | { readonly raw: number; readonly effectKube: number; readonly store: number; readonly count: number }
  | undefined
let coldStart:
  | {
      readonly source: string
      readonly effectKube: {
        readonly importMs: number
        readonly firstRequestMs: number
        readonly processMs: number
      }
      readonly clientNode: {
        readonly importMs: number
        readonly firstRequestMs: number
        readonly processMs: number
      }
    }
  | undefined
try {
  const latencyCount = n(200)
  const benchmarks: ReadonlyArray<Benchmark> = [
    watchBenchmark(clients, "small", n(20_000)),
    watchBenchmark(clients, "large", n(5_000)),
    relistBenchmark(clients, n(20_000)),
    getsBenchmark(clients, n(1_000), 50),
    getsBenchmark(clients, latencyCount, 1),
    listBenchmark(clients, n(5_000)),
    logBenchmark(clients, n(75_000), "plain"),
    logBenchmark(clients, n(75_000), "timestamps"),
    logBenchmark(clients, n(75_000), "resume")
  ].filter((b) => ONLY === undefined || ONLY.includes(b.name))

  for (const benchmark of benchmarks) {
    console.error(`[bench] ${benchmark.label}`)
    const t = await measure(benchmark, CONTENDERS, ROUNDS)
    const per = benchmark.name === "get-latency" ? 1000 / latencyCount : 1
    const ms = (c: Contender) => (t.ms[c] ?? Number.NaN) * per
    const ratio = (c: Contender) => t.ratio[c] ?? Number.NaN
    rows.push({
      name: benchmark.name,
      label: benchmark.label,
      bareLabel: benchmark.bareLabel,
      unit: per === 1 ? "ms" : "µs per get",
      bare: ms("bare"),
      effectKube: ms("effect-kube"),
      effectKubeRatio: ratio("effect-kube"),
      clientNode: ms("client-node"),
      clientNodeRatio: ratio("client-node")
    })
  }

  // Memory: each fold in a process of its own (a clean heap), run with --expose-gc.
  if (!flag("--no-memory") && (ONLY === undefined || ONLY.includes("memory"))) {
    console.error("[bench] memory: a Map by name of 100,000 ConfigMaps")
    const child = (mode: string, count: number) => {
      const out = spawnSync(
        process.execPath,
        [
          "--expose-gc",
          "--import",
          "tsx",
          path.join(ROOT, "bench/client-memory-child.ts"),
          server.url,
          mode,
          String(count)
        ],
        { cwd: ROOT, encoding: "utf8" }
      )
      if (out.status !== 0) throw new Error(out.stderr)
      const result: unknown = JSON.parse(out.stdout.trim().split("\n").pop() ?? "")
      if (typeof result !== "object" || result === null || !("bytesPerObject" in result))
        throw new Error(out.stdout)
      return Number(result.bytesPerObject)
    }
    const count = n(100_000)
    const raw: Array<number> = []
    const ek: Array<number> = []
    const stored: Array<number> = []
    for (let r = 0; r < 3; r++) {
      raw.push(child("raw", count))
      ek.push(child("effect-kube", count))
      stored.push(child("store", count))
    }
    memory = { raw: median(raw), effectKube: median(ek), store: median(stored), count }
  }

  // Cold start: a fresh process each, plain node, the built package.
  if (!flag("--no-cold") && (ONLY === undefined || ONLY.includes("cold"))) {
    console.error("[bench] cold start")
    const kc = JSON.stringify(kubeconfig(server.url))
    const ekCode = `const t0 = performance.now()
      const { Client, KubeConfig } = await import("effect-kube")
      const { NodeKube } = await import("effect-kube/node")
      const t1 = performance.now()
      const { ConfigMap } = await import("effect-kube/models/core/v1")
      const { Effect } = await import("effect")
      await Effect.runPromise(Effect.provide(Client.get(ConfigMap, "cm-1", { namespace: "bench" }), NodeKube.layer({ config: KubeConfig.fromObject(${kc}) })))
      console.log(JSON.stringify({ importMs: t1 - t0, firstRequestMs: performance.now() - t1 }))
      process.exit(0)`
    const cnCode = `const t0 = performance.now()
      const k8s = await import("@kubernetes/client-node")
      const t1 = performance.now()
      const kc = new k8s.KubeConfig()
      kc.loadFromClusterAndUser({ name: "bench", server: ${JSON.stringify(server.url)}, skipTLSVerify: true }, { name: "bench", token: "t" })
      await kc.makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ name: "cm-1", namespace: "bench" })
      console.log(JSON.stringify({ importMs: t1 - t0, firstRequestMs: performance.now() - t1 }))
      process.exit(0)`
    const fresh = (code: string) => {
      const t = performance.now()
      const out = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
        cwd: ROOT,
        encoding: "utf8"
      })
      const processMs = performance.now() - t
      if (out.status !== 0) throw new Error(out.stderr)
      const r: unknown = JSON.parse(out.stdout.trim().split("\n").pop() ?? "")
      if (typeof r !== "object" || r === null || !("importMs" in r) || !("firstRequestMs" in r))
        throw new Error(out.stdout)
      return { importMs: Number(r.importMs), firstRequestMs: Number(r.firstRequestMs), processMs }
    }
    const ek: Array<ReturnType<typeof fresh>> = []
    const cn: Array<ReturnType<typeof fresh>> = []
    fresh(ekCode) // warm the file system cache
    fresh(cnCode)
    for (let r = 0; r < 5; r++) {
      ek.push(fresh(ekCode))
      cn.push(fresh(cnCode))
    }
    const med = (xs: ReadonlyArray<ReturnType<typeof fresh>>) => ({
      importMs: median(xs.map((x) => x.importMs)),
      firstRequestMs: median(xs.map((x) => x.firstRequestMs)),
      processMs: median(xs.map((x) => x.processMs))
    })
    const distTime = fs.statSync(path.join(ROOT, "dist/index.js")).mtime.toISOString()
    coldStart = {
      source: `dist/ (plain node; built ${distTime})`,
      effectKube: med(ek),
      clientNode: med(cn)
    }
  }
} finally {
  await clients.dispose()
  server.stop()
}

// The table.
const unitOf = (row: Row) => (row.unit === "ms" ? "ms" : "µs")
const table: Array<ReadonlyArray<string>> = [
  ["benchmark", "bare (the limit)", "effect-kube", "client-node 1.4"],
  ...rows.map((row) => [
    row.label,
    `${fmt(row.bare)} ${unitOf(row)}  1.00x`,
    `${fmt(row.effectKube)} ${unitOf(row)}  ${row.effectKubeRatio.toFixed(2)}x`,
    `${fmt(row.clientNode)} ${unitOf(row)}  ${row.clientNodeRatio.toFixed(2)}x`
  ])
]
if (memory !== undefined) {
  table.push([
    `memory: a Map by name of ${memory.count.toLocaleString("en")} ConfigMaps, retained per object`,
    `${memory.raw.toFixed(0)} B  1.00x`,
    `${memory.effectKube.toFixed(0)} B  ${(memory.effectKube / memory.raw).toFixed(2)}x`,
    ""
  ])
  table.push([
    `memory: a Reflector store of ${memory.count.toLocaleString("en")} ConfigMaps, retained per object`,
    `${memory.raw.toFixed(0)} B  1.00x`,
    `${memory.store.toFixed(0)} B  ${(memory.store / memory.raw).toFixed(2)}x`,
    ""
  ])
}
if (coldStart !== undefined) {
  const { effectKube: ek, clientNode: cn } = coldStart
  table.push(
    [
      "cold start: import (effect-kube + effect-kube/node)",
      "",
      `${fmt(ek.importMs)} ms`,
      `${fmt(cn.importMs)} ms`
    ],
    [
      "cold start: then the first get (layer, model, request)",
      "",
      `${fmt(ek.firstRequestMs)} ms`,
      `${fmt(cn.firstRequestMs)} ms`
    ],
    [
      "cold start: whole process (node start to exit)",
      "",
      `${fmt(ek.processMs)} ms`,
      `${fmt(cn.processMs)} ms`
    ]
  )
}
const widths = [0, 1, 2, 3].map((c) => Math.max(...table.map((r) => (r[c] ?? "").length)))
const line = (r: ReadonlyArray<string>) =>
  `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join(" | ")} |`
console.log("")
console.log(line(table[0] ?? []))
console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`)
for (const r of table.slice(1)) console.log(line(r))
console.log("")
for (const row of rows) console.log(`  ${row.name}: bare = ${row.bareLabel}`)
if (memory !== undefined)
  console.log(
    "  memory: bare = the parsed list items (http.get pages + JSON.parse); effect-kube = Watch.watcher's InitApply objects"
  )
if (coldStart !== undefined)
  console.log(`  cold start: effect-kube from ${coldStart.source}; medians of 5 fresh processes`)
const seconds = (performance.now() - started) / 1000
console.log(
  `  load average at the end: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}; ${seconds.toFixed(1)} s in all`
)

if (JSON_OUT !== undefined) {
  fs.writeFileSync(
    JSON_OUT,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: {
          cores: os.cpus().length,
          cpu: os.cpus()[0]?.model,
          node: process.version,
          loadAverageAtStart: load
        },
        rounds: ROUNDS,
        scale: SCALE,
        benchmarks: rows,
        memory:
          memory === undefined
            ? undefined
            : { ...memory, unit: "bytes retained per object", ratio: memory.effectKube / memory.raw },
        coldStart,
        seconds
      },
      null,
      2
    )}\n`
  )
  console.log(`  results written to ${JSON_OUT}`)
}
