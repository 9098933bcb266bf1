/**
 * A bearer token read from a file, re-read whenever the file changes on disk (its modification time
 * or size), as projected service-account tokens rotate.
 *
 * @internal
 */
import type { FileSystem } from "@effect/platform"
import { Effect, Option, SynchronizedRef } from "effect"
import { configError } from "./errors.js"
import { readText } from "./text.js"

interface TokenFileCache {
  readonly mtime: number
  readonly size: number
  readonly token: string
}

/** `read` gives the token (cached while the file is unchanged); `reset` forgets the cached one. */
export const reader = (fs: FileSystem.FileSystem, file: string, context?: string) =>
  Effect.gen(function* () {
    const cache = yield* SynchronizedRef.make<Option.Option<TokenFileCache>>(Option.none())
    const read = SynchronizedRef.modifyEffect(cache, (cached) =>
      Effect.gen(function* () {
        const info = yield* fs.stat(file).pipe(
          Effect.mapError((error) =>
            configError("FileUnreadable", `cannot read token file "${file}": ${error.message}`, {
              file,
              context,
              cause: error
            })
          )
        )
        const mtime = Option.match(info.mtime, { onNone: () => 0, onSome: (d) => d.getTime() })
        const size = Number(info.size)
        if (Option.isSome(cached) && cached.value.mtime === mtime && cached.value.size === size) {
          return [cached.value.token, cached] as const
        }
        const token = (yield* readText(fs, file, "token file", context)).trim()
        if (token === "") {
          return yield* Effect.fail(
            configError("InvalidConfig", `token file "${file}" is empty`, { file, context })
          )
        }
        return [token, Option.some({ mtime, size, token })] as const
      })
    )
    return { read, reset: SynchronizedRef.set(cache, Option.none()) }
  })
