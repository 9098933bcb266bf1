/**
 * Pod log throughput: a 5 MB log of 75,000 lines served by a scripted kubelet-like server (the
 * apiserver's `pods/{name}/log` endpoint, local, HTTP: the client is the bottleneck), read by
 * `PodLog.log` vs a bare `http.get` with the same UTF-8 decoding and line splitting, measured in
 * the same run. Rows: plain lines; with timestamps kept; a resumed follow (timestamps read and
 * stripped, the position kept; the container reported ended).
 *
 *   npm run bench:log        (BENCH_RUNS=15 by default; each row alternates with its baseline)
 */
import * as http from "node:http"
import { Chunk, Effect, ManagedRuntime, Stream } from "effect"
import { PodLog } from "../src/index.js"
import { layerFor } from "../test/harness/ScriptedServer.js"
import { row, timePairs } from "./timing.js"

const RUNS = Number(process.env.BENCH_RUNS ?? 15)
const LINES = 75_000

const start = Date.parse("2026-01-01T00:00:00Z")
const entries = Array.from({ length: LINES }, (_, i) => {
  const time = `${new Date(start + i * 10).toISOString().slice(0, 19)}.${String(i % 1_000_000_000).padStart(9, "0")}Z`
  return { time, text: `level=info msg="request served" path=/api/items/${i} status=200 µs=${i % 997}` }
})
const plain = Buffer.from(entries.map((e) => `${e.text}\n`).join(""))
const stamped = Buffer.from(entries.map((e) => `${e.time} ${e.text}\n`).join(""))
/** Where each line starts (100 lines a second: line i at i * 10 ms). */
const offsets = (lines: ReadonlyArray<string>) => {
  const at: Array<number> = []
  let offset = 0
  for (const line of lines) {
    at.push(offset)
    offset += Buffer.byteLength(line) + 1
  }
  return at
}
const plainAt = offsets(entries.map((e) => e.text))
const stampedAt = offsets(entries.map((e) => `${e.time} ${e.text}`))

const pod = JSON.stringify({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "ns" },
  spec: { containers: [{ name: "main", image: "x" }] },
  status: {
    phase: "Succeeded",
    containerStatuses: [
      {
        name: "main",
        ready: false,
        restartCount: 0,
        image: "x",
        imageID: "x",
        state: { terminated: { exitCode: 0 } }
      }
    ]
  }
})

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x")
  if (url.pathname === "/api/v1/namespaces/ns/pods/p") {
    res.writeHead(200, { "content-type": "application/json" })
    res.end(pod)
    return
  }
  const all = url.searchParams.get("timestamps") === "true" ? stamped : plain
  // As the kubelet: from `sinceTime` (cut to the second by the apiserver) on.
  const since = url.searchParams.get("sinceTime")
  const from = since === null ? 0 : Math.floor((Date.parse(since) - start) / 1000) * 100
  const body =
    from <= 0
      ? all
      : all.subarray(url.searchParams.get("timestamps") === "true" ? stampedAt[from] : plainAt[from])
  res.writeHead(200, { "content-type": "text/plain" })
  // In 64 KiB writes, as a kubelet's log stream arrives.
  for (let i = 0; i < body.length; i += 65536) res.write(body.subarray(i, i + 65536))
  res.end()
})
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))
const address = server.address()
const base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
const agent = new http.Agent({ keepAlive: true })

/** The baseline: the body through a streaming UTF-8 decoder, split into lines, counted. */
const bare = (timestamps: boolean) =>
  new Promise<number>((resolve, reject) => {
    http
      .get(
        `${base}/api/v1/namespaces/ns/pods/p/log${timestamps ? "?timestamps=true" : ""}`,
        { agent },
        (res) => {
          const decoder = new TextDecoder()
          let rest = ""
          let count = 0
          let chars = 0
          res.on("data", (chunk: Buffer) => {
            const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n")
            rest = lines.pop() ?? ""
            for (const line of lines) chars += line.length
            count += lines.length
          })
          res.on("end", () => resolve(chars > 0 ? count + (rest === "" ? 0 : 1) : 0))
          res.on("error", reject)
        }
      )
      .on("error", reject)
  })

const runtime = ManagedRuntime.make(layerFor(base))
/** The client: its lines read a chunk at a time (as the baseline reads them), their lengths summed. */
const client = (options: PodLog.LogOptions) =>
  runtime.runPromise(
    Effect.suspend(() => {
      let count = 0
      let chars = 0
      return PodLog.log("p", { namespace: "ns", ...options }).pipe(
        Stream.runForEachChunk((lines) =>
          Effect.sync(() => {
            for (const line of Chunk.toReadonlyArray(lines)) chars += line.length
            count += lines.length
          })
        ),
        Effect.map(() => (chars > 0 ? count : 0))
      )
    })
  )

for (const [label, check] of [
  ["bare", await bare(false)],
  ["plain", await client({})],
  ["timestamps", await client({ timestamps: true })],
  ["resume", await client({ follow: true, resume: true })]
] as const)
  if (check !== LINES) throw new Error(`${label}: ${check} lines, not ${LINES}`)

console.log(
  `Pod log: ${LINES.toLocaleString("en")} lines, ${(plain.length / 1e6).toFixed(1)} MB (runs: ${RUNS})`
)
// Each row against its own baseline, run alternately with it.
for (const [label, options, stamped] of [
  ["PodLog.log", {}, false],
  ["PodLog.log timestamps", { timestamps: true }, true],
  ["PodLog.log follow + resume (stripped)", { follow: true, resume: true }, true]
] as const) {
  const [baseline, ms] = await timePairs(
    () => bare(stamped),
    () => client(options),
    RUNS
  )
  row(`bare${stamped ? ", timestamps" : ""}: http.get + TextDecoder + split`, baseline, baseline)
  row(label, ms, baseline)
}

await runtime.dispose()
agent.destroy()
server.close()
