/**
 * Making the `ConfigError`s of loading a configuration, with where they point: the file and the
 * context (and the cause, when it holds no secret).
 *
 * @internal
 */
import { ConfigError } from "../ConfigError.js"

/** What a `ConfigError` points at. */
export interface Where {
  readonly file?: string | undefined
  readonly context?: string | undefined
  readonly cause?: unknown
}

export const configError = (reason: ConfigError["reason"], detail: string, where: Where = {}) =>
  new ConfigError({ reason, detail, ...where })

/**
 * Where the errors about a context of a configuration point: its file when it was loaded from one
 * (the source is an absolute path), and the context.
 */
export const whereIn = (source: string, context?: string) => ({
  file: source.startsWith("/") ? source : undefined,
  context
})
