/**
 * A CI guard on the client's hot paths that is not a timed test: runs three client-bound benchmarks
 * of bench/client.ts with small N (watch: 5,000 events of ~300 B; 300 gets at concurrency 50; a
 * pod log of 20,000 lines),
 * effect-kube against the bare limit in interleaved rounds, and compares each ratio to the
 * committed baseline (bench/guard-baseline.json). Only a ratio at 2x its baseline or more fails,
 * and only if a second measurement confirms it: both contenders share the machine's load, so
 * noise moves the ratio far less than that.
 *
 *   npm run bench:guard                       (compare; exit 1 on a confirmed 2x regression)
 *   npm run bench:guard -- --write-baseline   (measure and write the baseline)
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import {
  type Benchmark,
  type Clients,
  getsBenchmark,
  logBenchmark,
  makeClients,
  measure,
  ROOT,
  startServer,
  watchBenchmark
} from "../bench/client-lib.js"

const BASELINE = path.join(ROOT, "bench/guard-baseline.json")
const ROUNDS = 5
const LIMIT = 2
const WRITE = process.argv.includes("--write-baseline")

const guards: ReadonlyArray<{ readonly name: string; readonly make: (clients: Clients) => Benchmark }> = [
  { name: "watch-small", make: (clients) => watchBenchmark(clients, "small", 5_000) },
  { name: "gets", make: (clients) => getsBenchmark(clients, 300, 50) },
  { name: "log", make: (clients) => logBenchmark(clients, 20_000, "plain") }
]

const readBaseline = (): Record<string, number> => {
  if (!fs.existsSync(BASELINE)) return {}
  const parsed: unknown = JSON.parse(fs.readFileSync(BASELINE, "utf8"))
  const ratios =
    typeof parsed === "object" && parsed !== null && "ratios" in parsed && typeof parsed.ratios === "object"
      ? parsed.ratios
      : null
  return Object.fromEntries(
    Object.entries(ratios ?? {}).filter((e): e is [string, number] => typeof e[1] === "number")
  )
}

// A hang (a watch that does not end, a request never answered) is a failure too.
const deadline = setTimeout(() => {
  console.error("bench:guard: no result after 180 s (a hang?)")
  process.exit(1)
}, 180_000)
deadline.unref()

const started = performance.now()
const server = await startServer()
const clients = await makeClients(server.url, { clientNode: false })
const ratioOf = async (benchmark: Benchmark) => {
  const t = await measure(benchmark, ["bare", "effect-kube"], ROUNDS)
  return t.ratio["effect-kube"] ?? Number.NaN
}
const baseline = readBaseline()
const ratios: Record<string, number> = {}
const failures: Array<string> = []
try {
  for (const guard of guards) {
    const benchmark = guard.make(clients)
    let ratio = await ratioOf(benchmark)
    const base = baseline[guard.name]
    if (!WRITE && base !== undefined && ratio >= LIMIT * base) {
      // Confirm before failing: the better of two measurements.
      console.log(`  ${guard.name}: ${ratio.toFixed(2)}x, at ${LIMIT}x its baseline or more: measuring again`)
      ratio = Math.min(ratio, await ratioOf(benchmark))
    }
    ratios[guard.name] = ratio
    const verdict =
      base === undefined
        ? "no baseline"
        : ratio >= LIMIT * base
          ? `REGRESSION (limit ${(LIMIT * base).toFixed(2)}x)`
          : `ok (limit ${(LIMIT * base).toFixed(2)}x)`
    console.log(
      `  ${benchmark.label.padEnd(44)} effect-kube / bare = ${ratio.toFixed(2)}x` +
        `${base === undefined ? "" : `, baseline ${base.toFixed(2)}x`}: ${verdict}`
    )
    if (!WRITE && (base === undefined || ratio >= LIMIT * base)) failures.push(`${guard.name}: ${verdict}`)
  }
} finally {
  await clients.dispose()
  server.stop()
}

const seconds = ((performance.now() - started) / 1000).toFixed(1)
if (WRITE) {
  fs.writeFileSync(
    BASELINE,
    `${JSON.stringify(
      {
        note: "effect-kube / bare ratios of scripts/bench-guard.ts; the guard fails at 2x these. Rewrite with `npm run bench:guard -- --write-baseline` after a change that moves them on purpose.",
        written: new Date().toISOString(),
        // Flat values only, so that the file is as biome formats it.
        machine: `${os.cpus().length} cores, Node ${process.version}, load average ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(" ")}`,
        ratios: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, Math.round(v * 100) / 100]))
      },
      null,
      2
    )}\n`
  )
  console.log(`bench:guard: baseline written to ${path.relative(ROOT, BASELINE)} (${seconds} s)`)
} else if (failures.length > 0) {
  console.error(`bench:guard: failed (${seconds} s): ${failures.join("; ")}`)
  if (Object.keys(baseline).length === 0)
    console.error("  (no baseline: write one with `npm run bench:guard -- --write-baseline`)")
  process.exit(1)
} else {
  console.log(`bench:guard: ok (${seconds} s)`)
}
