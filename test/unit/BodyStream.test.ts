/**
 * The Node transport's body stream (flowing mode with backpressure): chunks in order, an error
 * after some data, a body destroyed before it is read, a paused body, and backpressure.
 */
import { Readable } from "node:stream"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Stream } from "effect"
import { vi } from "vitest"
import { bodyStream } from "../../src/node/internal/bodyStream.js"

const bytes = (s: string) => new TextEncoder().encode(s)
const text = (chunks: Chunk.Chunk<Uint8Array>) =>
  Chunk.toReadonlyArray(chunks)
    .map((c) => new TextDecoder().decode(c))
    .join("")
/** The stream as it is, the size of each of its chunks pushed into `sizes`. */
const sizesInto =
  (sizes: Array<number>) =>
  <A, E>(stream: Stream.Stream<A, E>): Stream.Stream<A, E> =>
    Stream.mapChunks(stream, (chunk) => {
      sizes.push(chunk.length)
      return chunk
    })
const onError = (e: unknown) => (e instanceof Error ? e.message : String(e))

describe("bodyStream", () => {
  it.live("is read while a test fakes the global setImmediate (the reader's wake-up is Node's own)", () =>
    Effect.gen(function* () {
      vi.useFakeTimers({ toFake: ["setImmediate", "clearImmediate"] })
      const parts = Array.from({ length: 20 }, (_, i) => `part ${i};`)
      const got = yield* bodyStream(Readable.from(parts.map(bytes), { objectMode: false }), onError).pipe(
        Stream.runCollect,
        Effect.ensuring(Effect.sync(() => vi.useRealTimers()))
      )
      expect(text(got)).toBe(parts.join(""))
    })
  )

  it.live("every chunk, in order, also when the consumer is slower than the body (paused, resumed)", () =>
    Effect.gen(function* () {
      const parts = Array.from({ length: 100 }, (_, i) => `part ${i};`)
      const body = Readable.from(parts.map(bytes), { objectMode: false })
      const got = yield* bodyStream(body, onError).pipe(
        // A slow consumer: the body's chunks pile up to the high-water mark meanwhile.
        Stream.tap(() => Effect.sleep("1 millis")),
        Stream.runCollect
      )
      expect(text(got)).toBe(parts.join(""))
      expect(body.destroyed).toBe(true)
    })
  )

  it.live(
    "the chunks of one turn wait for the reader's wake-up unpaused; a reader behind pauses the body",
    () =>
      Effect.gen(function* () {
        // 40 chunks in one turn of the event loop (as one poll of a fast socket brings them).
        const parts = Array.from({ length: 40 }, (_, i) => `part ${i};`)
        const oneTurn = new Readable({ read() {} })
        let pausedInTurn = 0
        oneTurn.on("pause", () => pausedInTurn++)
        setTimeout(() => {
          for (const part of parts) oneTurn.push(bytes(part))
          oneTurn.push(null)
        }, 5)
        const sizes: Array<number> = []
        const got = yield* bodyStream(oneTurn, onError).pipe(sizesInto(sizes), Stream.runCollect)
        expect(text(got)).toBe(parts.join(""))
        // Taken together at the wake-up, never paused for being more than HIGH_WATER (16).
        expect(sizes).toEqual([40])
        expect(pausedInTurn).toBe(0)

        // A reader that is behind (its consumer slow): the body is paused while 16 wait, then
        // resumed: every chunk comes all the same.
        const slow = new Readable({ read() {} })
        let paused = 0
        slow.on("pause", () => paused++)
        let pushed = 0
        const pushing = setInterval(() => {
          for (let i = 0; i < 4; i++) slow.push(bytes(String(pushed++ % 10)))
          if (pushed >= 200) {
            clearInterval(pushing)
            slow.push(null)
          }
        }, 1)
        const all = yield* bodyStream(slow, onError).pipe(
          Stream.mapChunksEffect((chunk) => Effect.as(Effect.sleep("20 millis"), chunk)),
          Stream.runCollect,
          Effect.ensuring(Effect.sync(() => clearInterval(pushing)))
        )
        expect(text(all)).toBe(Array.from({ length: 200 }, (_, i) => String(i % 10)).join(""))
        expect(paused).toBeGreaterThan(0)
      })
  )

  it.live("tens of thousands of chunks in one turn: chunks of at most Stream.DefaultChunkSize", () =>
    Effect.gen(function* () {
      // (A body of tiny HTTP chunks is one `data` event each.)
      const body = new Readable({ read() {} })
      setTimeout(() => {
        for (let i = 0; i < 40_000; i++) body.push(bytes("x\n"))
        body.push(null)
      }, 5)
      const sizes: Array<number> = []
      const count = yield* bodyStream(body, onError).pipe(
        sizesInto(sizes),
        // Effect's `Sink.fold` recurses once per element of a chunk.
        Stream.runFold(0, (n) => n + 1)
      )
      expect(count).toBe(40_000)
      expect(Math.max(...sizes)).toBeLessThanOrEqual(Stream.DefaultChunkSize)
    })
  )

  it.live("an error after some data fails the stream with it", () =>
    Effect.gen(function* () {
      const body = new Readable({ read() {} })
      body.push(bytes("a"))
      setTimeout(() => body.destroy(new Error("reset")), 10)
      const result = yield* Effect.either(Stream.runCollect(bodyStream(body, onError)))
      expect(Either.isLeft(result) ? result.left : "no failure").toBe("reset")
    })
  )

  it.live("a body destroyed by an error before it is read is a failure, not an empty body", () =>
    Effect.gen(function* () {
      const body = new Readable({ read() {} })
      // (The transport listens for a body's errors from the start.)
      body.on("error", () => {})
      body.push(bytes("data"))
      body.destroy(new Error("broken"))
      yield* Effect.sleep("5 millis")
      const result = yield* Effect.either(Stream.runCollect(bodyStream(body, onError)))
      expect(Either.isLeft(result) ? result.left : "no failure").toBe("broken")
    })
  )

  it.live("a body paused before it is read is read all the same", () =>
    Effect.gen(function* () {
      const body = new Readable({ read() {} })
      body.pause()
      body.push(bytes("x"))
      body.push(null)
      const got = yield* Stream.runCollect(bodyStream(body, onError)).pipe(Effect.timeout("2 seconds"))
      expect(text(got)).toBe("x")
    })
  )
})
