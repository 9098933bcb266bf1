/**
 * The controller's queue of keys (client-go's workqueue semantics): a key waits at most once (adding
 * a waiting key again changes nothing: changes coalesce), a key being processed is never handed out
 * again before it is done (added meanwhile, it waits until then), and a delayed add keeps the
 * earliest time asked.
 *
 * @internal
 */
import { Clock, Duration, Effect, Fiber, Queue, type Scope } from "effect"

export interface WorkQueue {
  /** Adds a key now. */
  readonly add: (key: string) => void
  /** Adds a key after `delay` (the earliest of the times asked wins). */
  readonly addAfter: (key: string, delay: Duration.Duration) => Effect.Effect<void>
  /** The next key to process (waits for one); it is processing until `done`. */
  readonly take: Effect.Effect<string>
  /** The key's processing ended: if it was added meanwhile, it waits again. */
  readonly done: (key: string) => void
  /** Keys waiting to be processed (those added again while processing included; not the delayed ones). */
  readonly depth: () => number
  /** No more keys are handed out: takers end (interrupted), adds are ignored. */
  readonly shutdown: Effect.Effect<void>
}

export const make: Effect.Effect<WorkQueue, never, Scope.Scope> = Effect.gen(function* () {
  const queue = yield* Queue.unbounded<string>()
  const scope = yield* Effect.scope
  const waiting = new Set<string>()
  const processing = new Set<string>()
  const delayed = new Map<string, { readonly at: number; readonly fiber: Fiber.RuntimeFiber<void> }>()
  let closed = false

  const add = (key: string): void => {
    if (closed || waiting.has(key)) return
    waiting.add(key)
    // A key being processed goes back to the queue when it is done.
    if (!processing.has(key)) queue.unsafeOffer(key)
  }

  const addAfter = (key: string, delay: Duration.Duration): Effect.Effect<void> =>
    Effect.gen(function* () {
      if (closed) return
      const millis = Duration.toMillis(delay)
      if (millis <= 0) return add(key)
      const now = yield* Clock.currentTimeMillis
      const at = now + millis
      const pending = delayed.get(key)
      if (pending !== undefined) {
        if (pending.at <= at) return
        yield* Fiber.interrupt(pending.fiber)
      }
      const fiber = yield* Effect.sleep(delay).pipe(
        Effect.zipRight(
          Effect.sync(() => {
            delayed.delete(key)
            add(key)
          })
        ),
        Effect.forkIn(scope)
      )
      delayed.set(key, { at, fiber })
    })

  const take = Effect.map(Queue.take(queue), (key) => {
    waiting.delete(key)
    processing.add(key)
    return key
  })

  const done = (key: string): void => {
    processing.delete(key)
    if (waiting.has(key) && !closed) queue.unsafeOffer(key)
  }

  const shutdown = Effect.suspend(() => {
    closed = true
    return Queue.shutdown(queue)
  })

  return { add, addAfter, take, done, depth: () => waiting.size, shutdown }
})
