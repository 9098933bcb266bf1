/**
 * Lines of a UTF-8 byte stream, a chunk at a time: each chunk is split at its newline bytes and
 * decoded once (a newline byte is never part of a multi-byte character, so the text up to the last
 * newline always decodes whole); only the bytes after the last newline wait for the next chunk.
 */

const NEWLINE = 10

/** The line splitter of one body (it keeps the unfinished line between chunks). */
export class Lines {
  private readonly decoder = new TextDecoder()
  private pending: Array<Uint8Array> = []

  /** Appends the lines that `bytes` completes to `into` (without their newlines). */
  push(bytes: Uint8Array, into: Array<string>): void {
    const first = bytes.indexOf(NEWLINE)
    if (first === -1) {
      if (bytes.length > 0) this.pending.push(bytes.slice())
      return
    }
    let start = 0
    if (this.pending.length > 0) {
      this.pending.push(bytes.subarray(0, first))
      into.push(this.decoder.decode(concat(this.pending)))
      this.pending = []
      start = first + 1
    }
    const last = bytes.lastIndexOf(NEWLINE)
    if (start <= last) {
      const text = this.decoder.decode(bytes.subarray(start, last))
      let from = 0
      let end = text.indexOf("\n")
      while (end !== -1) {
        into.push(text.slice(from, end))
        from = end + 1
        end = text.indexOf("\n", from)
      }
      into.push(from === 0 ? text : text.slice(from))
    }
    // A copy: the rest of a line must not keep the whole chunk alive while it waits.
    if (last + 1 < bytes.length) this.pending.push(bytes.slice(last + 1))
  }

  /**
   * The text after the last newline (a line not ended when the body ended); empties it. A
   * character the body ended in the middle of is left out (as a streaming decoder leaves it).
   */
  rest(): string {
    if (this.pending.length === 0) return ""
    const text = this.decoder.decode(concat(this.pending), { stream: true })
    // Forget the incomplete character held back (the decoder is reused by `push`).
    this.decoder.decode()
    this.pending = []
    return text
  }
}

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0]
  let length = 0
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}
