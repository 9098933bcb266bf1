/** The chain of an error and its causes (`cause` after `cause`), as far as a few levels down. */
export const causeChain = (error: unknown, depth = 5): Array<object> => {
  const chain: Array<object> = []
  let current: unknown = error
  for (let level = 0; level < depth && typeof current === "object" && current !== null; level++) {
    chain.push(current)
    current = "cause" in current ? current.cause : undefined
  }
  return chain
}

/** An error's own message, else the value as a string (for log lines). */
export const messageOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)
