/**
 * The scripted Kubernetes-like server of the client-bound benchmarks (bench/client.ts,
 * scripts/bench-guard.ts): plain HTTP/1.1 on 127.0.0.1, keep-alive, everything pre-rendered so
 * that the server costs next to nothing and the clients are what is measured. Runs in a process of
 * its own (the clients keep their core); prints `{"port": ...}` on stdout once listening.
 *
 * The scenario is chosen by the request's `labelSelector` (`size=small|large,count=N`):
 *   GET /api/v1/namespaces/bench/configmaps?watch=true   N watch events (`ADDED`, ~300 B or ~5 KB
 *       each, one per line), written in writes of ~1 MiB as fast as the socket takes them, then
 *       the response ends;
 *   GET /api/v1/namespaces/bench/configmaps              a ConfigMapList of N items, in pages
 *       (`limit`, `continue`: the offset of the next page), items without apiVersion and kind as
 *       the apiserver serves them;
 *   GET /api/v1/namespaces/bench/configmaps/<name>       one ConfigMap.
 *   GET /api/v1/namespaces/bench/pods/log-<N>/log        as a kubelet's log stream: N lines of
 *       ~75 B (`timestamps=true`: each after its RFC 3339 timestamp, 100 lines a second;
 *       `sinceTime`: from that second on), in writes of 64 KiB;
 *   GET /api/v1/namespaces/bench/pods/log-<N>            that pod, its container terminated.
 *
 *   node --import tsx bench/client-server.ts
 */
import * as http from "node:http"

type Size = "small" | "large"

const pad = (n: number) => "x".repeat(Math.max(0, n))

/** A ConfigMap as the apiserver serves it; `target` is the approximate size of its watch event. */
const configMap = (i: number, size: Size, typed: boolean): Record<string, unknown> => {
  const name = `cm-${i}`
  const metadata: Record<string, unknown> = {
    name,
    namespace: "bench",
    uid: `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`,
    resourceVersion: String(1000 + i),
    creationTimestamp: "2026-01-01T00:00:00Z",
    labels: { app: "bench", index: String(i % 10) }
  }
  const base = typed ? { apiVersion: "v1", kind: "ConfigMap" } : {}
  if (size === "small") {
    const object = { ...base, metadata, data: { key: `value-${i}`, more: "" } }
    const event = JSON.stringify({ type: "ADDED", object })
    return { ...object, data: { key: `value-${i}`, more: pad(300 - event.length) } }
  }
  // ~5 KB: annotations, managed fields, a dozen data keys (the shape of a real, busy object).
  const large = (more: string) => ({
    ...base,
    metadata: {
      ...metadata,
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name, namespace: "bench", labels: { app: "bench" } },
          data: { key: `value-${i}` }
        }),
        "bench.example.com/owner": "team-a"
      },
      managedFields: [
        {
          manager: "kubectl-client-side-apply",
          operation: "Update",
          apiVersion: "v1",
          time: "2026-01-01T00:00:00Z",
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:data": Object.fromEntries(Array.from({ length: 12 }, (_, k) => [`f:key-${k}`, {}])),
            "f:metadata": {
              "f:annotations": { ".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {} },
              "f:labels": { ".": {}, "f:app": {}, "f:index": {} }
            }
          }
        }
      ]
    },
    data: {
      ...Object.fromEntries(
        Array.from({ length: 12 }, (_, k) => [`key-${k}`, `value-${i}-${k}-${pad(250)}`])
      ),
      more
    }
  })
  const event = JSON.stringify({ type: "ADDED", object: large("") })
  return large(pad(5000 - event.length))
}

const selector = (query: URLSearchParams) => {
  const labels = new Map<string, string>()
  for (const term of (query.get("labelSelector") ?? "").split(",")) {
    const [k, v] = term.split("=")
    if (k !== undefined && v !== undefined) labels.set(k.trim(), v.trim())
  }
  const size: Size = labels.get("size") === "large" ? "large" : "small"
  const count = Number(labels.get("count") ?? "1000")
  return { size, count: Number.isFinite(count) && count > 0 ? count : 1000 }
}

const cache = new Map<string, ReadonlyArray<Buffer>>()
const cached = (key: string, render: () => ReadonlyArray<Buffer>) => {
  let hit = cache.get(key)
  if (hit === undefined) {
    hit = render()
    cache.set(key, hit)
  }
  return hit
}

/** The events joined into writes of about 1 MiB. */
const watchBody = (size: Size, count: number) =>
  cached(`watch:${size}:${count}`, () => {
    const writes: Array<Buffer> = []
    let lines: Array<string> = []
    let length = 0
    for (let i = 0; i < count; i++) {
      const line = `${JSON.stringify({ type: "ADDED", object: configMap(i, size, true) })}\n`
      lines.push(line)
      length += line.length
      if (length >= 1 << 20) {
        writes.push(Buffer.from(lines.join("")))
        lines = []
        length = 0
      }
    }
    if (lines.length > 0) writes.push(Buffer.from(lines.join("")))
    return writes
  })

const listPage = (size: Size, count: number, offset: number, limit: number) =>
  cached(`list:${size}:${count}:${offset}:${limit}`, () => {
    const end = limit > 0 ? Math.min(count, offset + limit) : count
    const items = Array.from({ length: end - offset }, (_, k) => configMap(offset + k, size, false))
    const metadata =
      end < count
        ? { resourceVersion: "5000", continue: String(end), remainingItemCount: count - end }
        : { resourceVersion: "5000" }
    return [Buffer.from(JSON.stringify({ kind: "ConfigMapList", apiVersion: "v1", metadata, items }))]
  })

const getBody = (name: string) =>
  cached(`get:${name}`, () => {
    const i = Number(/^cm-(\d+)$/.exec(name)?.[1] ?? "0")
    return [Buffer.from(JSON.stringify(configMap(i, "small", true)))]
  })

/** Log lines of a pod: line i at i * 10 ms from the start (and where each one starts, in bytes). */
const LOG_START = Date.parse("2026-01-01T00:00:00Z")
const logLines = (count: number, timestamps: boolean) =>
  cached(`log:${count}:${timestamps}`, () => {
    const lines: Array<string> = []
    for (let i = 0; i < count; i++) {
      const text = `level=info msg="request served" path=/api/items/${i} status=200 µs=${i % 997}\n`
      const time = `${new Date(LOG_START + i * 10).toISOString().slice(0, 19)}.${String(i).padStart(9, "0")}Z`
      lines.push(timestamps ? `${time} ${text}` : text)
    }
    return lines.map((line) => Buffer.from(line))
  })

/** The log from `sinceTime` on (cut to the second, as the apiserver passes it on), in 64 KiB writes. */
const logBody = (count: number, query: URLSearchParams) =>
  cached(`log-body:${count}:${query.get("timestamps")}:${query.get("sinceTime")}`, () => {
    const since = query.get("sinceTime")
    const from = since === null ? 0 : Math.max(0, Math.floor((Date.parse(since) - LOG_START) / 1000) * 100)
    const all = Buffer.concat(logLines(count, query.get("timestamps") === "true").slice(from))
    const writes: Array<Buffer> = []
    for (let i = 0; i < all.length; i += 65536) writes.push(all.subarray(i, i + 65536))
    return writes
  })

const logPod = (name: string) =>
  cached(`pod:${name}`, () => [
    Buffer.from(
      JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: "bench" },
        spec: { containers: [{ name: "main", image: "bench" }] },
        status: {
          phase: "Succeeded",
          containerStatuses: [
            {
              name: "main",
              ready: false,
              restartCount: 0,
              image: "bench",
              imageID: "bench",
              state: { terminated: { exitCode: 0 } }
            }
          ]
        }
      })
    )
  ])

const notFound = Buffer.from(
  JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 })
)

const COLLECTION = "/api/v1/namespaces/bench/configmaps"

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://127.0.0.1")
  const send = (status: number, body: ReadonlyArray<Buffer>, chunked = false, type = "application/json") => {
    res.writeHead(status, {
      "content-type": type,
      ...(chunked ? {} : { "content-length": String(body.reduce((n, b) => n + b.length, 0)) })
    })
    // One write for a body of one piece (headers and body go out together).
    if (body.length === 1) return void res.end(body[0])
    for (const b of body) res.write(b)
    res.end()
  }
  if (url.pathname === COLLECTION) {
    const { size, count } = selector(url.searchParams)
    if (url.searchParams.get("watch") === "true") return send(200, watchBody(size, count), true)
    const offset = Number(url.searchParams.get("continue") ?? "0")
    const limit = Number(url.searchParams.get("limit") ?? "0")
    return send(200, listPage(size, count, Number.isFinite(offset) ? offset : 0, limit))
  }
  const pod = /^\/api\/v1\/namespaces\/bench\/pods\/(log-(\d+))(\/log)?$/.exec(url.pathname)
  if (pod !== null) {
    const [, name = "", count = "0", log] = pod
    return log === undefined
      ? send(200, logPod(name))
      : send(200, logBody(Number(count), url.searchParams), true, "text/plain")
  }
  if (url.pathname.startsWith(`${COLLECTION}/`))
    return send(200, getBody(url.pathname.slice(COLLECTION.length + 1)))
  send(404, [notFound])
})
server.keepAliveTimeout = 60_000
server.headersTimeout = 65_000
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === "object" && address !== null ? address.port : 0 })}\n`
  )
})
// The parent ends the server by closing its stdin (or killing it).
process.stdin.on("end", () => process.exit(0))
process.stdin.resume()
