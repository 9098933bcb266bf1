/**
 * A fake kubelet for the test bed: an HTTPS server the real apiserver forwards pod logs to
 * (`/containerLogs/...`), registered as a Node so that pods with its `nodeName` reach it. Plain
 * Node, run inside the test file that needs it. See ../shared/reference/fake-kubelet.md.
 */
import * as fs from "node:fs"
import type * as http from "node:http"
import * as https from "node:https"
import * as path from "node:path"
import { Effect } from "effect"
import { Client } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import type { EnvtestInfo } from "./Envtest.js"

export interface LogLine {
  readonly time: Date
  readonly text: string
}

export interface ContainerLog {
  readonly lines: Array<LogLine>
  readonly previous?: Array<LogLine>
  /** With follow: a new line every this many ms, until the client goes away. */
  readonly trickleMs?: number
  /** Write the answer in chunks of this many bytes (to split lines and UTF-8 characters). */
  readonly chunkBytes?: number
  /** The last line has no newline. */
  readonly noFinalNewline?: boolean
  /** With follow: the first connection is cut (socket destroyed) after this many ms. */
  readonly dropFirstFollowAfterMs?: number
}

export interface FakeKubelet {
  readonly port: number
  readonly nodeName: string
  /** Logs by `namespace/pod/container`. */
  readonly logs: Map<string, ContainerLog>
  /** Every log request received (path + query). */
  readonly requests: Array<URL>
  /** Follow connections currently open. */
  readonly openFollows: () => number
  readonly close: () => Promise<void>
}

const rfc3339Nano = (d: Date, extraNanos = 0) =>
  `${d.toISOString().slice(0, 19)}.${String(d.getUTCMilliseconds() * 1_000_000 + extraNanos).padStart(9, "0")}Z`

export const start = async (env: EnvtestInfo, nodeName: string): Promise<FakeKubelet> => {
  const logs = new Map<string, ContainerLog>()
  const requests: Array<URL> = []
  const follows = new Set<http.ServerResponse>()
  const followCounts = new Map<string, number>()
  const sockets = new Set<{ destroy: () => void }>()
  const dir = path.dirname(env.caFile)
  const server = https.createServer(
    {
      cert: fs.readFileSync(path.join(dir, "apiserver.crt")),
      key: fs.readFileSync(path.join(dir, "apiserver.key"))
    },
    (req, res) => {
      const url = new URL(req.url ?? "/", "https://kubelet")
      requests.push(url)
      const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname)
      if (m === null) {
        res.writeHead(404)
        res.end("not found")
        return
      }
      const log = logs.get(`${m[1]}/${m[2]}/${m[3]}`)
      if (log === undefined) {
        res.writeHead(404)
        res.end(`no container ${m[3]}`)
        return
      }
      const q = url.searchParams
      let lines = q.get("previous") === "true" ? (log.previous ?? []) : log.lines
      const sinceTime = q.get("sinceTime")
      const sinceSeconds = q.get("sinceSeconds")
      if (sinceTime !== null)
        lines = lines.filter(
          (l) =>
            rfc3339Nano(l.time) >= sinceTime.replace(/Z$/, "").padEnd(29, "0") + "Z" ||
            l.time.getTime() >= Date.parse(sinceTime)
        )
      else if (sinceSeconds !== null)
        lines = lines.filter((l) => l.time.getTime() >= Date.now() - Number(sinceSeconds) * 1000)
      const tail = q.get("tailLines")
      if (tail !== null) lines = lines.slice(Math.max(0, lines.length - Number(tail)))
      const stamp = q.get("timestamps") === "true"
      const format = (l: LogLine) => `${stamp ? `${rfc3339Nano(l.time)} ` : ""}${l.text}`
      let text = lines.map((l) => `${format(l)}\n`).join("")
      if (log.noFinalNewline === true) text = text.replace(/\n$/, "")
      let body = Buffer.from(text)
      const limit = q.get("limitBytes")
      if (limit !== null) body = body.subarray(0, Number(limit))
      res.writeHead(200, { "content-type": "text/plain" })
      const chunk = log.chunkBytes ?? body.length
      for (let i = 0; i < body.length; i += Math.max(1, chunk))
        res.write(body.subarray(i, i + Math.max(1, chunk)))
      if (q.get("follow") !== "true") {
        res.end()
        return
      }
      follows.add(res)
      const key = url.pathname
      followCounts.set(key, (followCounts.get(key) ?? 0) + 1)
      if (followCounts.get(key) === 1 && log.dropFirstFollowAfterMs !== undefined) {
        setTimeout(() => res.socket?.destroy(), log.dropFirstFollowAfterMs)
      }
      let n = log.lines.filter((l) => l.text.startsWith("tick ")).length
      const timer = setInterval(() => {
        const line: LogLine = { time: new Date(), text: `tick ${++n}` }
        log.lines.push(line)
        res.write(`${format(line)}\n`)
      }, log.trickleMs ?? 50)
      res.on("close", () => {
        clearInterval(timer)
        follows.delete(res)
      })
    }
  )
  server.on("connection", (s) => sockets.add(s))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return {
    port,
    nodeName,
    logs,
    requests,
    openFollows: () => follows.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}

/** Registers the kubelet as a Node whose status points the apiserver at it. */
export const registerNode = (kubelet: FakeKubelet) =>
  Effect.gen(function* () {
    const node = yield* Client.create(core.Node, {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: kubelet.nodeName }
    })
    yield* Client.replaceStatus(core.Node, {
      ...node,
      status: {
        addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
        daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } }
      }
    })
  })
