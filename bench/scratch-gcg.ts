import { getsBenchmark, makeClients, startServer, listBenchmark } from "./client-lib.js"
import { PerformanceObserver } from "node:perf_hooks"
const server = await startServer()
const clients = await makeClients(server.url, { clientNode: false })
const who = (process.argv[2] ?? "effect-kube") as "bare" | "effect-kube"
const b = process.argv[3] === "list" ? listBenchmark(clients, 5000) : getsBenchmark(clients, 1000, 50)
let gcMs = 0, minor = 0, major = 0
new PerformanceObserver((l) => { for (const e of l.getEntries()) { gcMs += e.duration; const k = (e as any).detail?.kind; if (k === 1) minor++; else major++ } }).observe({ entryTypes: ["gc"] })
for (let i = 0; i < 5; i++) await b.runs[who]()
await new Promise((r) => setTimeout(r, 50))
gcMs = 0; minor = 0; major = 0
const t = performance.now()
const c = process.cpuUsage()
for (let i = 0; i < 30; i++) await b.runs[who]()
const cu = process.cpuUsage(c)
await new Promise((r) => setTimeout(r, 50))
console.log(who, process.argv[3] ?? "gets", "per run ms", ((performance.now() - t) / 30).toFixed(1), "cpu", ((cu.user + cu.system) / 30000).toFixed(1), "gc ms/run", (gcMs / 30).toFixed(1), "minor", minor, "major", major)
await clients.dispose(); server.stop(); process.exit(0)
