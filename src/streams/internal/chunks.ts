/**
 * Elements written downstream in chunks of at most `Stream.DefaultChunkSize` (4096), as Effect's
 * own constructors make them: a fast body can complete tens of thousands of lines or events at
 * once, and some of Effect's sinks recurse once per element of a chunk (`Sink.fold`, so
 * `Stream.runFold`: a chunk of ~10,000 elements overflowed the stack).
 *
 * @internal
 */
import { Channel, Chunk, Stream } from "effect"

/** `items` written as chunks of at most `Stream.DefaultChunkSize`, in order (the array is not copied when it fits in one). */
export const writeBounded = <A>(items: Array<A>): Channel.Channel<Chunk.Chunk<A>> => {
  const size = Stream.DefaultChunkSize
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
export const JOIN_BELOW = 64

/**
 * The items of `first`, then those of `second`, in one of the two arrays (a short `first`'s items
 * put before `second`'s in its array when it is the longer; else `second`'s appended to `first`);
 * `second` alone when there is no `first`.
 */
export const joined = <A>(first: Array<A> | undefined, second: Array<A>): Array<A> => {
  if (first === undefined || first.length === 0) return second
  // (Spread as arguments: only a short one.)
  if (first.length < JOIN_BELOW && first.length < second.length) {
    second.unshift(...first)
    return second
  }
  for (const item of second) first.push(item)
  return first
}
