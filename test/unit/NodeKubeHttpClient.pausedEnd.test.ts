/**
 * undici 7 crashed the process (an AssertionError thrown from a socket's `end` event, nodejs/undici
 * #5360) when a server closed a connection while the body of an answer that is not kept alive was
 * paused, waiting for a slow reader. Found by the hostile-replies fuzz family. These servers close
 * the connection right after a 64 KiB body, which undici's parser pauses on (its body buffer full)
 * when nobody reads yet.
 */
import * as net from "node:net"
import { HttpClient } from "@effect/platform"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { plainTransport } from "./NodeKubeHttpClient.fixtures.js"

type Framing = "connection: close" | "HTTP/1.0" | "ends with the connection" | "cut short"

const BODY = Buffer.alloc(64 * 1024, 0x61)

const head = (framing: Framing, length: number): string => {
  switch (framing) {
    case "connection: close":
      return `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${length}\r\nconnection: close\r\n\r\n`
    case "HTTP/1.0":
      return `HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${length}\r\n\r\n`
    case "ends with the connection":
      return "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n"
    case "cut short":
      return `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${length + 10}\r\nconnection: close\r\n\r\n`
  }
}

/** A raw server answering each request with `body` under `framing`, then closing (FIN). */
const rawServer = (framing: () => Framing, body: () => Buffer) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly server: net.Server }>((resume) => {
      const server = net.createServer((socket) => {
        socket.on("error", () => {})
        socket.once("data", () => {
          const b = body()
          socket.write(head(framing(), b.length))
          socket.write(b)
          socket.end()
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, server }))
      })
    }),
    ({ server }) => Effect.sync(() => server.close())
  )

const transport = plainTransport

// An uncaught exception would also fail the run as an unhandled error; kept here to name the test.
const uncaught: Array<unknown> = []
const record = (e: unknown) => uncaught.push(e)
beforeAll(() => {
  process.on("uncaughtException", record)
})
afterAll(() => {
  process.off("uncaughtException", record)
})

describe("a connection that ends while an answer's body waits for its reader", () => {
  for (const framing of ["connection: close", "HTTP/1.0", "ends with the connection"] as const) {
    it.live(`${framing}: the body read later is whole, and the process lives`, () =>
      Effect.gen(function* () {
        const { url } = yield* rawServer(
          () => framing,
          () => BODY
        )
        const text = yield* Effect.gen(function* () {
          const http = yield* HttpClient.HttpClient
          const response = yield* http.get(`${url}/api/v1/namespaces/default/configmaps/x`)
          // The reader comes late: the parser has paused on the full body and the server has closed.
          yield* Effect.sleep("300 millis")
          return yield* response.text
        }).pipe(Effect.provide(transport(url)))
        expect(text.length).toBe(BODY.length)
        expect(uncaught).toEqual([])
      }).pipe(Effect.scoped)
    )
  }

  it.live("a body cut short still fails with a typed error, and the process lives", () =>
    Effect.gen(function* () {
      const { url } = yield* rawServer(
        () => "cut short",
        () => BODY
      )
      const result = yield* Effect.gen(function* () {
        const http = yield* HttpClient.HttpClient
        const response = yield* http.get(`${url}/api/v1/namespaces/default/configmaps/x`)
        yield* Effect.sleep("300 millis")
        return yield* response.text
      }).pipe(Effect.provide(transport(url)), Effect.either)
      expect(result._tag).toBe("Left")
      if (result._tag === "Left") expect(result.left._tag).toBe("ResponseError")
      expect(uncaught).toEqual([])
    }).pipe(Effect.scoped)
  )
})
