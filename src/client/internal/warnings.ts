/**
 * The apiserver's `Warning` headers on the request path: parsed, logged, and added to the
 * collector of `Warnings.collect`.
 */
import { Effect, FiberRef } from "effect"

export interface Warning {
  readonly code: number
  readonly agent: string
  readonly text: string
  readonly method: string
  readonly url: string
}

// `299 - "text"` (RFC 7234): code, agent, quoted text with backslash escapes, an optional date.
const WARNING = /(\d{3})\s+(\S+)\s+"((?:[^"\\]|\\.)*)"(?:\s+"[^"]*")?/g

/** The warnings of a `Warning` header's value (several may be joined by commas). */
export const parseHeader = (
  header: string
): ReadonlyArray<{ readonly code: number; readonly agent: string; readonly text: string }> => {
  const out: Array<{ code: number; agent: string; text: string }> = []
  for (const match of header.matchAll(WARNING)) {
    const [, code, agent, text] = match
    if (code === undefined || agent === undefined || text === undefined) continue
    out.push({ code: Number(code), agent, text: text.replace(/\\(.)/g, "$1") })
  }
  return out
}

/** The collector of the current `Warnings.collect`, if any (shared with the fibers forked inside). */
export const collector: FiberRef.FiberRef<Array<Warning> | undefined> = FiberRef.unsafeMake<
  Array<Warning> | undefined
>(undefined, { fork: (parent) => parent, join: (parent) => parent })

/**
 * Reports the warnings of an answer: logs each, adds it to the current collector. `undefined`
 * when the answer has none (nothing to run: this is on every request).
 */
export const report = (
  headers: { readonly [key: string]: string | undefined },
  method: string,
  url: string
): Effect.Effect<void> | undefined => {
  const header = headers.warning
  if (header === undefined || header === "") return undefined
  const found = parseHeader(header).map((w) => ({ ...w, method, url }))
  if (found.length === 0) return undefined
  return Effect.flatMap(FiberRef.get(collector), (sink) =>
    Effect.forEach(
      found,
      (w) => {
        sink?.push(w)
        return Effect.logWarning(`the server warns (${method} ${url}): ${w.text}`)
      },
      { discard: true }
    )
  )
}
