/**
 * Elements written downstream in chunks of at most `Stream.DefaultChunkSize` (4096), as Effect's
 * own constructors make them: a fast body can complete tens of thousands of lines or events at
 * once, and some of Effect's sinks recurse once per element of a chunk (`Sink.fold`, so
 * `Stream.runFold`: a chunk of ~10,000 elements overflowed the stack).
 *
 * @internal
 */
import { Channel, Chunk, Stream } from "effect"
import { Lines } from "./lines.js"

/**
 * `items` written as chunks of at most `Stream.DefaultChunkSize`, in order (the array is not copied
 * when it fits in one); nothing when there are none (no chunk is written empty).
 */
export const writeBounded = <A>(items: Array<A> | undefined): Channel.Channel<Chunk.Chunk<A>> => {
  const size = Stream.DefaultChunkSize
  if (items === undefined || items.length === 0) return Channel.void
  if (items.length <= size) return Channel.write(Chunk.unsafeFromArray(items))
  const chunks: Array<Chunk.Chunk<A>> = []
  for (let i = 0; i < items.length; i += size) chunks.push(Chunk.unsafeFromArray(items.slice(i, i + size)))
  return Channel.writeAll(...chunks)
}

/**
 * A body's pieces give their items (lines, events) as arrays of their own; those of a piece with
 * fewer than this many join the next piece's in one chunk (each piece's in a chunk of its own
 * would cost a stage crossing for a few items).
 */
const JOIN_BELOW = 64

/**
 * The items of `first`, then those of `second`, in one of the two arrays (a short `first`'s items
 * put before `second`'s in its array when it is the longer; else `second`'s appended to `first`);
 * `second` alone when there is no `first`.
 */
const joined = <A>(first: Array<A> | undefined, second: Array<A>): Array<A> => {
  if (first === undefined || first.length === 0) return second
  // (Spread as arguments: only a short one.)
  if (first.length < JOIN_BELOW && first.length < second.length) {
    second.unshift(...first)
    return second
  }
  for (const item of second) first.push(item)
  return first
}

/** What the lines of a piece made: the items to write, and a failure that ends the stream right after them. */
export interface Made<A, E> {
  readonly items: Array<A>
  readonly error: E | undefined
}

/**
 * A stage from a body's bytes to items: each batch of pieces read a piece at a time, each piece's
 * lines (`Lines.next`) made into items (`make`), written as a chunk of their own (joined to the
 * next piece's while fewer than `JOIN_BELOW`, in chunks of at most `Stream.DefaultChunkSize`, none
 * empty), the next piece split only once they were taken. A failure that `make` gives ends the
 * stage right after the items before it; a failure of the body, at once; its end, with `onDone` of
 * the text after the last newline (`Lines.rest`).
 *
 * Only one piece's lines are alive at a time, as when a plain `data` handler splits them: the lines
 * of a whole batch (up to the ~2 MB a fast socket brings in one turn) in one array made an array in
 * V8's old generation (over ~16k elements) that kept them alive through young GCs (measured: 2.5
 * ms more on a 5.5 MB log). Each piece is decoded and split on its own (one decoded string per
 * piece: a string of more than ~128 KB is made straight in the old generation).
 */
export const linesStage = <A, E>(
  make: (lines: Array<string>) => Made<A, E>,
  onDone: (rest: string) => Channel.Channel<Chunk.Chunk<A>, unknown, E, unknown, unknown, unknown>
): Channel.Channel<Chunk.Chunk<A>, Chunk.Chunk<Uint8Array>, E, E, unknown, unknown> => {
  const lines = new Lines()
  type Stage = Channel.Channel<Chunk.Chunk<A>, Chunk.Chunk<Uint8Array>, E, E, unknown, unknown>
  const from = (pieces: ReadonlyArray<Uint8Array>, start: number): Stage => {
    let out: Array<A> | undefined
    let i = start
    while (i < pieces.length && (out === undefined || out.length < JOIN_BELOW)) {
      const piece = pieces[i++]
      const got = piece === undefined ? undefined : lines.next(piece)
      if (got === undefined) continue
      const made = make(got)
      if (made.items.length > 0) out = joined(out, made.items)
      if (made.error !== undefined) return Channel.zipRight(writeBounded(out), Channel.fail(made.error))
    }
    const next = i < pieces.length ? Channel.suspend(() => from(pieces, i)) : stage
    return out === undefined ? next : Channel.zipRight(writeBounded(out), next)
  }
  const stage: Stage = Channel.readWithCause({
    onInput: (input: Chunk.Chunk<Uint8Array>) => from(Chunk.toReadonlyArray(input), 0),
    onFailure: Channel.failCause,
    onDone: () => Channel.suspend(() => onDone(lines.rest()))
  })
  return stage
}
