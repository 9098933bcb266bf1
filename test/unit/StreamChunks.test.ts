/**
 * The chunks of the line and event streams stay within `Stream.DefaultChunkSize`, as Effect's own
 * streams do: a fast body completes tens of thousands of lines at once, and `Stream.runFold`
 * (Effect's `Sink.fold` recurses once per element of a chunk) overflowed the stack on a chunk of
 * 32,768 lines.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { PodLog, Watch } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { cmObject, fakeServer, layerFor, line } from "../harness/ScriptedServer.js"

/**
 * The sizes of the chunks a stream emits, what `Stream.runFold` counts of it, and its elements. The first chunk
 * is held a moment, so that the body's pieces queue up meanwhile and come in one batch.
 */
const chunkSizes = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.gen(function* () {
    const sizes: Array<number> = []
    const items: Array<A> = []
    const count = yield* stream.pipe(
      Stream.mapChunksEffect((chunk) => {
        sizes.push(chunk.length)
        items.push(...chunk)
        return sizes.length === 1 ? Effect.as(Effect.sleep("100 millis"), chunk) : Effect.succeed(chunk)
      }),
      Stream.runFold(0, (n) => n + 1)
    )
    return { sizes, count, items }
  })

describe("chunks of at most Stream.DefaultChunkSize", () => {
  it.scopedLive("a log of 100,000 two-byte lines, written at once: runFold counts them all", () =>
    Effect.gen(function* () {
      const srv = yield* fakeServer({
        handle: (_url, res) => {
          res.writeHead(200, { "content-type": "text/plain" })
          res.end("x\n".repeat(100_000))
        }
      })
      const { sizes, count } = yield* chunkSizes(
        PodLog.log("p", { namespace: "ns" }).pipe(Stream.provideLayer(layerFor(srv.url)))
      )
      expect(count).toBe(100_000)
      expect(sizes.length).toBeGreaterThan(1)
      expect(Math.max(...sizes)).toBeLessThanOrEqual(Stream.DefaultChunkSize)
    })
  )

  it.scopedLive(
    "a log's lines come a piece of the body at a time, not a batch of pieces merged into one array",
    () =>
      Effect.gen(function* () {
        // Ten pieces of 100 lines (chunked: one piece each), in one turn: they come in one batch.
        const srv = yield* fakeServer({
          handle: (_url, res) => {
            res.writeHead(200, { "content-type": "text/plain" })
            // Corked: one socket write, so that the pieces come in one read whatever the load.
            res.cork()
            for (let p = 0; p < 10; p++)
              res.write(Array.from({ length: 100 }, (_, i) => `line ${p * 100 + i}\n`).join(""))
            // A short piece last: its 3 lines are a chunk of their own only as the body's end.
            res.end("a\nb\nc\n")
          }
        })
        const { sizes, items } = yield* chunkSizes(
          PodLog.log("p", { namespace: "ns" }).pipe(Stream.provideLayer(layerFor(srv.url)))
        )
        expect(items).toEqual([...Array.from({ length: 1000 }, (_, i) => `line ${i}`), "a", "b", "c"])
        // (Merged, the batch was one chunk of 1,003 lines.)
        expect(sizes.slice(0, 9)).toEqual(Array.from({ length: 9 }, () => 100))
        expect(sizes.slice(9).reduce((a, b) => a + b, 0)).toBe(103)
      })
  )

  it.scopedLive(
    "a piece's few lines join the next piece's, in order; pieces of few lines make one chunk",
    () =>
      Effect.gen(function* () {
        const srv = yield* fakeServer({
          handle: (url, res) => {
            res.writeHead(200, { "content-type": "text/plain" })
            // Corked: one socket write, so that the pieces come in one read whatever the load.
            res.cork()
            if (url.searchParams.get("container") === "few") {
              // Twenty pieces of three lines (60 in all, never 64): one chunk.
              for (let p = 0; p < 20; p++) res.write(`${p}a\n${p}b\n${p}c\n`)
              res.end()
              return
            }
            // Two lines, then a piece of 100: the two come first, in the bigger piece's chunk.
            res.write("first\nsecond\n")
            res.end(Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join(""))
          }
        })
        const read = (container: string) =>
          chunkSizes(
            PodLog.log("p", { namespace: "ns", container }).pipe(Stream.provideLayer(layerFor(srv.url)))
          )
        const mixed = yield* read("main")
        expect(mixed.items).toEqual([
          "first",
          "second",
          ...Array.from({ length: 100 }, (_, i) => `line ${i}`)
        ])
        expect(mixed.sizes).toEqual([102])
        const few = yield* read("few")
        expect(few.items).toEqual(Array.from({ length: 20 }, (_, p) => [`${p}a`, `${p}b`, `${p}c`]).flat())
        expect(few.sizes).toEqual([60])
      })
  )

  it.scopedLive("a watch's events come a piece of the body at a time, in order", () =>
    Effect.gen(function* () {
      // Ten pieces of 100 events (chunked: one piece each), in one turn: they come in one batch.
      const srv = yield* fakeServer({
        handle: (_url, res) => {
          res.writeHead(200, { "content-type": "application/json" })
          for (let p = 0; p < 10; p++) {
            const events: Array<string> = []
            for (let i = 0; i < 100; i++)
              events.push(line("ADDED", cmObject(`c${p * 100 + i}`, String(10 + p * 100 + i))))
            res.write(events.join(""))
          }
        }
      })
      const { sizes, items } = yield* chunkSizes(
        Watch.watch(core.ConfigMap, { resourceVersion: "5" }).pipe(
          Stream.take(1000),
          Stream.provideLayer(layerFor(srv.url))
        )
      )
      expect(
        items.map((event) => (event._tag === "Added" ? event.object.metadata?.name : event._tag))
      ).toEqual(Array.from({ length: 1000 }, (_, i) => `c${i}`))
      // A chunk per piece as the socket cut them (a piece's fewer than 64 joined to the next's: at
      // most 100 + 63). (Merged, the batch was one chunk of 1,000 events.)
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(1000)
      expect(Math.max(...sizes)).toBeLessThan(164)
    })
  )

  it.scopedLive("a watch answer of 30,000 events written at once: runFold counts them all", () =>
    Effect.gen(function* () {
      const srv = yield* fakeServer({
        handle: (_url, res) => {
          res.writeHead(200, { "content-type": "application/json" })
          const events: Array<string> = []
          for (let i = 0; i < 30_000; i++) events.push(line("ADDED", cmObject(`c${i}`, String(10 + i))))
          res.end(events.join(""))
        }
      })
      const { sizes, count } = yield* chunkSizes(
        Watch.watch(core.ConfigMap, { resourceVersion: "5" }).pipe(
          Stream.take(30_000),
          Stream.provideLayer(layerFor(srv.url))
        )
      )
      expect(count).toBe(30_000)
      expect(sizes.length).toBeGreaterThan(1)
      expect(Math.max(...sizes)).toBeLessThanOrEqual(Stream.DefaultChunkSize)
    })
  )
})
