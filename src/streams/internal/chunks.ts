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
