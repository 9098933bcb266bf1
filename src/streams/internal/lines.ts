/**
 * Lines of a UTF-8 byte stream, a chunk at a time: each chunk is decoded once (a streaming
 * decoder keeps a character split between chunks for the next one) and split natively at its
 * newlines; the text after the last newline waits for the next chunk as pieces, joined once when
 * its line ends (a line spread over many chunks costs its length, not its length times the
 * chunks).
 */

/** The line splitter of one body (it keeps the unfinished line between chunks). */
export class Lines {
  private readonly decoder = new TextDecoder()
  private pending: Array<string> = []

  /** Appends the lines that `bytes` completes to `into` (without their newlines). */
  push(bytes: Uint8Array, into: Array<string>): void {
    const text = this.decoder.decode(bytes, { stream: true })
    if (text.indexOf("\n") === -1) {
      if (text !== "") this.pending.push(text)
      return
    }
    let whole = text
    if (this.pending.length > 0) {
      this.pending.push(text)
      whole = this.pending.join("")
      this.pending = []
    }
    const parts = whole.split("\n")
    const last = parts.length - 1
    for (let i = 0; i < last; i++) into.push(parts[i] ?? "")
    const rest = parts[last] ?? ""
    if (rest !== "") this.pending.push(rest)
  }

  /**
   * The text after the last newline (a line not ended when the body ended); empties it. A
   * character the body ended in the middle of is left out (as a streaming decoder leaves it).
   */
  rest(): string {
    // Forget the incomplete character held back (the decoder could be used again).
    this.decoder.decode()
    const text = this.pending.join("")
    this.pending = []
    return text
  }
}
