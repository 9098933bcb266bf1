/**
 * A guard for undici 7's crash on a connection that ends while an answer's body is paused
 * (nodejs/undici#5360, fixed in undici 8, which needs Node 22.19).
 *
 * When a body is read more slowly than it arrives, undici's HTTP/1 parser pauses. If the server
 * then closes the connection (FIN) on an answer that is not kept alive (`connection: close`,
 * HTTP/1.0, a body that ends with the connection), undici's `end` handler asserts that the parser
 * is not paused: an `AssertionError` thrown from a socket event, which no caller can catch and
 * which ends the process. A hostile or restarting server (Go's server sends `connection: close`
 * while it shuts down) and a slow reader are enough.
 *
 * The guard does what undici 8 does there: just before undici handles the socket's `end` (or
 * `close`), it resumes a paused parser. The socket has nothing left to read at that point (`end`
 * comes after its last byte was read), so the answer's last bytes already sit in the body's buffer
 * and nothing more is buffered: the parser only gets to see that the message is complete (or cut
 * short, which stays an error). Nothing changes for a parser that is not paused, nor for HTTP/2. It
 * relies on undici 7's parser (its `parser` symbol, `paused` flag and `resume`); where it finds
 * none of them, it does nothing.
 */

import * as DiagnosticsChannel from "node:diagnostics_channel"
import type { Socket } from "node:net"

const guarded = new WeakSet<object>()

const parserOf = (socket: object): object | undefined => {
  for (const symbol of Object.getOwnPropertySymbols(socket)) {
    if (symbol.description === "parser") {
      const parser: unknown = Reflect.get(socket, symbol)
      return typeof parser === "object" && parser !== null ? parser : undefined
    }
  }
  return undefined
}

/** At most this many resumes at one `end`: each one feeds the parser what the socket still holds. */
const MAX_RESUMES = 1000

/**
 * Clears the pause of a parser with nothing left to read: llhttp resumed, and the flag undici's
 * `finish` asserts on cleared (what undici 8 does), so that `finish` completes a message that ends
 * with the connection, and reports one cut short as the error it is.
 */
const clearPause = (parser: object): void => {
  const llhttp: unknown = Reflect.get(parser, "llhttp")
  const ptr: unknown = Reflect.get(parser, "ptr")
  if (typeof llhttp !== "object" || llhttp === null || typeof ptr !== "number") return
  const resume: unknown = Reflect.get(llhttp, "llhttp_resume")
  if (typeof resume !== "function") return
  Reflect.apply(resume, llhttp, [ptr])
  Reflect.set(parser, "paused", false)
}

/**
 * Resumes undici's paused parser of the socket: undici's own resume feeds it what the socket still
 * holds (the body's buffer takes it, beyond its mark: these are the answer's last bytes, as the
 * connection has ended) and drives a message with a length to its end. A parser that pauses again
 * with nothing left to read (a body that ends with the connection) has its pause cleared. A parser
 * that is not paused, or does not look like undici 7's, is left as it is.
 */
const resumeIfPaused = (socket: object): void => {
  const parser = parserOf(socket)
  if (parser === undefined) return
  const resume: unknown = Reflect.get(parser, "resume")
  if (typeof resume !== "function") return
  try {
    for (let i = 0; i < MAX_RESUMES && Reflect.get(parser, "paused") === true; i++) {
      if (Reflect.get(socket, "destroyed") === true) {
        clearPause(parser)
        return
      }
      Reflect.apply(resume, parser, [])
      if (Reflect.get(parser, "paused") === true && Reflect.get(socket, "readableLength") === 0) {
        clearPause(parser)
        return
      }
    }
  } catch {
    // undici's own checks refused: its handler runs as it would have without the guard.
  }
}

/** Makes undici's `end` and `close` handlers of the socket find its parser resumed. */
export const guardSocket = (socket: Socket): void => {
  if (guarded.has(socket)) return
  guarded.add(socket)
  const emit = socket.emit
  Object.defineProperty(socket, "emit", {
    configurable: true,
    writable: true,
    value: function (this: Socket, event: string | symbol, ...args: Array<unknown>): boolean {
      if (event === "end" || event === "close") resumeIfPaused(this)
      return Reflect.apply(emit, this, [event, ...args])
    }
  })
}

const isSocket = (u: unknown): u is Socket =>
  typeof u === "object" && u !== null && typeof Reflect.get(u, "emit") === "function" && "destroyed" in u

let installed = false

/**
 * Guards every HTTP/1 connection undici opens in this process from now on (through
 * `undici:client:connected`, which also sees the connections through HTTP and SOCKS proxies).
 * Idempotent. The guard changes nothing but the case where undici would crash.
 */
export const installPausedEndGuard = (): void => {
  if (installed) return
  installed = true
  DiagnosticsChannel.subscribe("undici:client:connected", (message) => {
    const socket =
      typeof message === "object" && message !== null ? Reflect.get(message, "socket") : undefined
    if (isSocket(socket)) guardSocket(socket)
  })
}
