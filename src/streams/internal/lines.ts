/**
 * Lines of a UTF-8 byte stream, a chunk at a time: each chunk is decoded once (a streaming
 * decoder keeps a character split between chunks for the next one) and split natively at its
 * newlines; the text after the last newline waits for the next chunk as pieces, joined once when
 * its line ends (a line spread over many chunks costs its length, not its length times the
 * chunks).
 *
 * The lines of a chunk come in the array `String.prototype.split` made, not copied into one of
 * ours: V8 may start allocating the arrays of a literal `[]` whose arrays tend to outlive a young
 * generation GC straight into the old generation ("pretenuring"); an old array of young strings
 * then keeps them alive through every young GC until the next full one, which copies and promotes
 * them all. Measured on a 5.5 MB log: two thirds of the time went to GC that way.
 */

/** The line splitter of one body (it keeps the unfinished line between chunks). */
export class Lines {
  private readonly decoder = new TextDecoder()
  private pending: Array<string> = []

  /**
   * The lines that `bytes` completes (without their newlines), in an array of their own that the
   * caller may keep or change; undefined when it completes none.
   */
  next(bytes: Uint8Array): Array<string> | undefined {
    const text = this.decoder.decode(bytes, { stream: true })
    if (text.indexOf("\n") === -1) {
      if (text !== "") this.pending.push(text)
      return undefined
    }
    let whole = text
    if (this.pending.length > 0) {
      this.pending.push(text)
      whole = this.pending.join("")
      this.pending = []
    }
    const lines = whole.split("\n")
    const rest = lines.pop() ?? ""
    if (rest !== "") this.pending.push(rest)
    return lines
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
