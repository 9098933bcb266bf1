/**
 * A module (or what is made from it) loaded on first use and kept: the load's promise is kept,
 * not an Effect's result (`Effect.cached` would keep an interruption of the first caller, a
 * `timeout` while the module loads, as every later caller's result). A caller interrupted here only
 * stops waiting; a failed load is tried again by the next caller.
 *
 * @internal
 */
import { Effect } from "effect"

export const loadOnce = <A>(load: () => Promise<A>): Effect.Effect<A> => {
  let loading: Promise<A> | undefined
  return Effect.promise(() => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined
      throw error
    })
    return loading
  })
}
