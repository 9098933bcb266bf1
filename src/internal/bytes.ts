/**
 * Byte helpers shared by the modules.
 *
 * @internal
 */
import { Chunk } from "effect"

/** The chunks one after the other, in one array. */
export const concatBytes = (chunks: Chunk.Chunk<Uint8Array>): Uint8Array => {
  const parts = Chunk.toReadonlyArray(chunks)
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}
