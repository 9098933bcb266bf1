/**
 * Faults a test injects: latency before every request, and error `Status` answers for the next
 * requests. (Dropped watch connections are the watch hub's.)
 *
 * @internal
 */
import { status } from "./responses.js"

export class Faults {
  /** Every request waits this long first. */
  latencyMs = 0
  private readonly failures: Array<{ readonly code: number; readonly reason: string }> = []

  /** The next `count` requests answer this error Status. */
  failNext(count: number, code: number, reason: string) {
    for (let i = 0; i < count; i++) this.failures.push({ code, reason })
  }

  /** Waits the latency, then takes the next injected failure: the answer, or `undefined` to serve the request. */
  async next(): Promise<Response | undefined> {
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs))
    const failure = this.failures.shift()
    if (failure !== undefined)
      return status(failure.code, failure.reason, `injected ${failure.reason} (in-memory cluster fault)`)
    return undefined
  }
}
