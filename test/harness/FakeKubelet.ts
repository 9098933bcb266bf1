/**
 * A fake kubelet for the test bed: an HTTPS server the real apiserver forwards pod logs to
 * (`/containerLogs/...`), registered as a Node so that pods with its `nodeName` reach it. Plain
 * Node, run inside the test file that needs it. See ../shared/reference/fake-kubelet.md.
 */
import * as fs from "node:fs"
import type * as http from "node:http"
import * as https from "node:https"
import * as net from "node:net"
import * as path from "node:path"
import { Effect } from "effect"
import { WebSocketServer, type WebSocket as WsSocket } from "ws"
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
  /**
   * With follow and `dropFirstFollowAfterMs`: the first bytes of the next line (this many) are
   * written before the cut (the line is in the log: a reconnection reads it whole).
   */
  readonly cutLineAtByte?: number
}

export interface ExecRecord {
  readonly url: URL
  readonly protocol: string
  stdin: string
  stdinClosed: boolean
  closed: boolean
  readonly resizes: Array<string>
}

export interface PortForwardRecord {
  readonly url: URL
  readonly protocol: string
  /** The pod side's TCP connections opened (one per forwarded port that has a target). */
  readonly upstream: Array<net.Socket>
  closed: boolean
}

/** How a forwarded connection ends when its pod goes away (`vanish`). */
export type Vanish = "error" | "drop"

export interface FakeKubelet {
  /** Exec sessions received. */
  readonly execs: Array<ExecRecord>
  /**
   * Where the pods' ports lead, by `namespace/pod/port`: a TCP port on 127.0.0.1 (the test's own
   * server playing the container). A port without an entry is refused as the kubelet does.
   */
  readonly ports: Map<string, number>
  /** Port-forward connections received. */
  readonly portForwards: Array<PortForwardRecord>
  /**
   * The pod goes away under its open port-forwards: `error` writes the kubelet's error on each
   * error channel then closes; `drop` cuts the TCP connections without a word.
   */
  readonly vanish: (namespace: string, pod: string, how: Vanish) => void
  /** The subprotocols this kubelet accepts, by preference (default: v5 then v4). */
  protocols: ReadonlyArray<string>
  readonly port: number
  readonly nodeName: string
  /** Logs by `namespace/pod/container`. */
  readonly logs: Map<string, ContainerLog>
  /** Every log request received (path + query). */
  readonly requests: Array<URL>
  /** Follow connections currently open. */
  readonly openFollows: () => number
  /** Pods (`namespace/pod`) whose exec/attach upgrades the kubelet refuses: 404 "pod does not exist". */
  readonly refuse: Set<string>
  /** Pods whose exec/attach upgrades the kubelet never answers (the connection stays open). */
  readonly silent: Set<string>
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
      if (sinceTime !== null) lines = lines.filter((l) => l.time.getTime() >= Date.parse(sinceTime))
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
      let n = log.lines.filter((l) => l.text.startsWith("tick ")).length
      if (followCounts.get(key) === 1 && log.dropFirstFollowAfterMs !== undefined) {
        setTimeout(() => {
          if (log.cutLineAtByte !== undefined) {
            const line: LogLine = { time: new Date(), text: `tick ${++n}` }
            log.lines.push(line)
            res.write(`${format(line)}\n`.slice(0, log.cutLineAtByte))
          }
          res.socket?.destroy()
        }, log.dropFirstFollowAfterMs)
      }
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
  const execs: Array<ExecRecord> = []
  const self: { protocols: ReadonlyArray<string> } = { protocols: ["v5.channel.k8s.io", "v4.channel.k8s.io"] }
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => self.protocols.find((p) => offered.has(p)) ?? false
  })
  const ports = new Map<string, number>()
  const portForwards: Array<PortForwardRecord> = []
  const live = new Map<PortForwardRecord, { readonly pod: string; readonly ws: WsSocket }>()
  // Port-forward speaks only the channel protocols (kubelet: "", v4.channel, v4.base64.channel).
  const forwardWss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => (offered.has("v4.channel.k8s.io") ? "v4.channel.k8s.io" : false)
  })
  const refuse = new Set<string>()
  const silent = new Set<string>()
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "https://kubelet")
    if (/^\/portForward\/[^/]+\/[^/]+$/.test(url.pathname)) {
      forwardWss.handleUpgrade(req, socket, head, (ws) => {
        const record = runPortForward(ws, url, ports)
        portForwards.push(record)
        const [, , namespace, pod] = url.pathname.split("/")
        live.set(record, { pod: `${namespace}/${pod}`, ws })
        ws.on("close", () => live.delete(record))
      })
      return
    }
    if (!/^\/(exec|attach)\//.test(url.pathname)) {
      socket.destroy()
      return
    }
    const [, , namespace, pod] = url.pathname.split("/")
    if (refuse.has(`${namespace}/${pod}`)) {
      // As the kubelet for a pod it does not run.
      socket.end(
        "HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 18\r\n\r\npod does not exist"
      )
      return
    }
    if (silent.has(`${namespace}/${pod}`)) return
    wss.handleUpgrade(req, socket, head, (ws) => runExec(ws, url, execs))
  })
  return {
    refuse,
    silent,
    execs,
    ports,
    portForwards,
    vanish: (namespace, pod, how) => {
      for (const [record, conn] of live) {
        if (conn.pod !== `${namespace}/${pod}`) continue
        if (how === "drop") {
          for (const u of record.upstream) u.destroy()
          conn.ws.terminate()
        } else {
          for (const [i, port] of record.url.searchParams.getAll("port").entries()) {
            if (conn.ws.readyState === conn.ws.OPEN)
              conn.ws.send(
                frame(2 * i + 1, `error forwarding port ${port} to pod ${pod}, uid : pod not found`)
              )
          }
          for (const u of record.upstream) u.destroy()
          conn.ws.close(1000)
        }
      }
    },
    get protocols() {
      return self.protocols
    },
    set protocols(p: ReadonlyArray<string>) {
      self.protocols = p
    },
    port,
    nodeName,
    logs,
    requests,
    openFollows: () => follows.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate()
        for (const client of forwardWss.clients) client.terminate()
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}

const frame = (channel: number, data: string | Buffer) =>
  Buffer.concat([Buffer.from([channel]), Buffer.from(data)])

const status = (code: number) =>
  JSON.stringify(
    code === 0
      ? { metadata: {}, status: "Success" }
      : {
          metadata: {},
          status: "Failure",
          message: `command terminated with non-zero exit code: exit status ${code}`,
          reason: "NonZeroExitCode",
          details: { causes: [{ reason: "ExitCode", message: String(code) }] }
        }
  )

/**
 * The fake commands: `print words...`, `stderr text`, `exit code`, `cat` (echo stdin until it is
 * closed), `big bytes`, `sleep ms`, `mixed` (stdout, stderr, exit 3).
 */
const runExec = (ws: WsSocket, url: URL, execs: Array<ExecRecord>) => {
  const record: ExecRecord = {
    url,
    protocol: ws.protocol,
    stdin: "",
    stdinClosed: false,
    closed: false,
    resizes: []
  }
  execs.push(record)
  // attach: the container's main process, here an echo of stdin.
  const command = url.pathname.startsWith("/attach/") ? ["cat"] : url.searchParams.getAll("command")
  const finish = (code: number) => {
    if (ws.readyState !== ws.OPEN) return
    ws.send(frame(3, status(code)))
    ws.close(1000)
  }
  ws.on("close", () => {
    record.closed = true
  })
  ws.on("message", (data: Buffer) => {
    if (data[0] === 0) {
      record.stdin += data.subarray(1).toString("utf8")
      if (command[0] === "cat") ws.send(frame(1, data.subarray(1)))
    } else if (data[0] === 4) {
      record.resizes.push(data.subarray(1).toString("utf8"))
    } else if (data[0] === 255 && data[1] === 0) {
      record.stdinClosed = true
      if (command[0] === "cat") finish(0)
    }
  })
  switch (command[0]) {
    case "print":
      ws.send(frame(1, `${command.slice(1).join(" ")}\n`))
      finish(0)
      break
    case "stderr":
      ws.send(frame(2, `${command.slice(1).join(" ")}\n`))
      finish(0)
      break
    case "exit":
      finish(Number(command[1] ?? 0))
      break
    case "mixed":
      ws.send(frame(1, "out\n"))
      ws.send(frame(2, "err\n"))
      finish(3)
      break
    case "big": {
      const total = Number(command[1] ?? 0)
      for (let sent = 0; sent < total; sent += 65536)
        ws.send(frame(1, Buffer.alloc(Math.min(65536, total - sent), "x")))
      finish(0)
      break
    }
    case "sleep":
      setTimeout(() => finish(0), Number(command[1] ?? 0))
      break
    case "cat":
      break
    default:
      ws.send(
        frame(
          3,
          JSON.stringify({
            metadata: {},
            status: "Failure",
            message: `executable not found: ${command[0]}`,
            reason: "InternalError"
          })
        )
      )
      ws.close(1000)
  }
}

const le16 = (port: number) => Buffer.from([port & 0xff, port >> 8])

/**
 * A port-forward as the kubelet serves it over WebSocket (`handleWebSocketStreams`): for the i-th
 * `port`, channel 2i carries data both ways and channel 2i+1 the kubelet's errors; each channel
 * first gets the port as 2 bytes little-endian. The pod's port is the TCP port `ports` names; a
 * port without one is refused with the kubelet's message. Closed (1000) once every port is done.
 */
const runPortForward = (ws: WsSocket, url: URL, ports: Map<string, number>): PortForwardRecord => {
  const [, , namespace, pod] = url.pathname.split("/")
  const wanted = url.searchParams.getAll("port").map(Number)
  const record: PortForwardRecord = { url, protocol: ws.protocol, upstream: [], closed: false }
  const send = (data: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(data)
  }
  let open = wanted.length
  const done = () => {
    open -= 1
    if (open === 0 && ws.readyState === ws.OPEN) ws.close(1000)
  }
  const sockets: Array<net.Socket | undefined> = []
  wanted.forEach((port, i) => {
    send(frame(2 * i, le16(port)))
    send(frame(2 * i + 1, le16(port)))
    const target = ports.get(`${namespace}/${pod}/${port}`)
    if (target === undefined) {
      send(
        frame(
          2 * i + 1,
          `error forwarding port ${port} to pod ${pod}, uid : failed to connect to localhost:${port} inside namespace "${pod}": connection refused`
        )
      )
      sockets.push(undefined)
      done()
      return
    }
    const upstream = net.connect(target, "127.0.0.1")
    record.upstream.push(upstream)
    sockets.push(upstream)
    upstream.on("data", (data: Buffer) => send(frame(2 * i, data)))
    upstream.on("error", () => upstream.destroy())
    upstream.on("close", done)
  })
  ws.on("message", (data: Buffer) => {
    const channel = data[0] ?? -1
    if (channel % 2 === 0) sockets[channel / 2]?.write(data.subarray(1))
  })
  ws.on("close", () => {
    record.closed = true
    for (const u of record.upstream) u.destroy()
  })
  return record
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
