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
