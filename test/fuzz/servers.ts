/**
 * Local servers of the fuzz suite, on 127.0.0.1, started once per file: a recording HTTP server
 * (every request and WebSocket upgrade, with its raw path) and a raw TCP server whose answers are
 * scripted byte by byte (truncations, resets, slow drips, broken chunking).
 */
import * as http from "node:http"
import * as net from "node:net"

/** A request as the server saw it: the raw target (path and query, undecoded). */
export interface Recorded {
  readonly method: string
  readonly target: string
  readonly upgrade: boolean
  readonly headers: http.IncomingHttpHeaders
}

/** An HTTP server that records what it receives and answers through `handler`. */
export interface RecordingServer {
  readonly url: string
  readonly requests: Array<Recorded>
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void
  readonly close: () => Promise<void>
}

const listen = (server: net.Server): Promise<number> =>
  new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      resolve(typeof address === "object" && address !== null ? address.port : 0)
    })
  })

const closeServer = (server: net.Server, sockets: Set<net.Socket>): Promise<void> =>
  new Promise((resolve) => {
    for (const s of sockets) s.destroy()
    server.close(() => resolve())
  })

/** A 404 Status, the default answer. */
export const notFound = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
  res.writeHead(404, { "content-type": "application/json" })
  res.end(
    JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code: 404, reason: "NotFound" })
  )
}

export const recordingServer = async (): Promise<RecordingServer> => {
  const requests: Array<Recorded> = []
  const sockets = new Set<net.Socket>()
  const self: { handler: RecordingServer["handler"] } = { handler: notFound }
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? "", target: req.url ?? "", upgrade: false, headers: req.headers })
    // Read the body (so that keep-alive goes on), then answer.
    req.resume()
    req.on("end", () => self.handler(req, res))
  })
  server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket) => {
    requests.push({ method: req.method ?? "", target: req.url ?? "", upgrade: true, headers: req.headers })
    socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
  })
  server.on("connection", (s) => {
    sockets.add(s)
    s.on("close", () => sockets.delete(s))
  })
  server.on("clientError", (_error, socket) => socket.destroy())
  const port = await listen(server)
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get handler() {
      return self.handler
    },
    set handler(h) {
      self.handler = h
    },
    close: () => closeServer(server, sockets)
  }
}

/** One step of a scripted answer. */
export type Step =
  | { readonly _tag: "write"; readonly bytes: Uint8Array }
  | { readonly _tag: "pause"; readonly ms: number }
  | { readonly _tag: "end" }
  | { readonly _tag: "reset" }

/** A request as the raw server parsed it. */
export interface RawRequest {
  readonly method: string
  readonly target: string
  readonly headers: string
}

/** A TCP server that answers each request with the steps `script` returns for it. */
export interface RawServer {
  readonly url: string
  readonly requests: Array<RawRequest>
  script: (request: RawRequest, n: number) => ReadonlyArray<Step>
  readonly close: () => Promise<void>
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export const rawServer = async (): Promise<RawServer> => {
  const requests: Array<RawRequest> = []
  const sockets = new Set<net.Socket>()
  const self: { script: RawServer["script"] } = { script: () => [{ _tag: "end" }] }
  const play = async (socket: net.Socket, steps: ReadonlyArray<Step>) => {
    for (const step of steps) {
      if (socket.destroyed) return
      switch (step._tag) {
        case "write":
          socket.write(step.bytes)
          break
        case "pause":
          await sleep(step.ms)
          break
        case "end":
          socket.end()
          return
        case "reset":
          socket.resetAndDestroy()
          return
      }
    }
    socket.end()
  }
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
    socket.on("error", () => {})
    let buffer = Buffer.alloc(0)
    let answered = false
    socket.on("data", (data: Buffer) => {
      if (answered) return
      buffer = Buffer.concat([buffer, data])
      const end = buffer.indexOf("\r\n\r\n")
      if (end < 0) return
      answered = true
      const head = buffer.subarray(0, end).toString("latin1")
      const [requestLine = "", ...headerLines] = head.split("\r\n")
      const [method = "", target = ""] = requestLine.split(" ")
      const request = { method, target, headers: headerLines.join("\n") }
      const n = requests.push(request)
      // Each answer closes its connection: the script decides everything about it.
      void play(socket, self.script(request, n))
    })
  })
  const port = await listen(server)
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get script() {
      return self.script
    },
    set script(s) {
      self.script = s
    },
    close: () => closeServer(server, sockets)
  }
}
