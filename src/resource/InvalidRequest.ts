/**
 * `InvalidRequest`: a call that cannot be made as asked. It is raised before anything is sent:
 * a name, namespace, plural or sub-resource that is not a path segment, an object without a name,
 * server-side apply without a field manager, ...
 *
 * @since 0.1.0
 */
import { Data, Either } from "effect"
import { hasLoneSurrogate } from "../internal/text.js"

/**
 * A call that cannot be made as asked; nothing was sent.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client } from "effect-kube"
 * import { ConfigMap } from "effect-kube/models/core/v1"
 *
 * const program = Client.delete(ConfigMap, "..").pipe(
 *   Effect.catchTag("InvalidRequest", (e) => Effect.logError(e.message)) // nothing was deleted
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequest extends Data.TaggedError("InvalidRequest")<{ readonly detail: string }> {
  override get message(): string {
    return this.detail
  }
}

/**
 * What a path segment holds: the name of an object, a namespace, a kind's plural, a group, a
 * version or a sub-resource.
 *
 * @since 0.1.0
 * @category models
 */
export type SegmentRole =
  | "name"
  | "namespace"
  | "plural"
  | "group"
  | "version"
  | "subresource"
  | "path"
  | "port"

/**
 * Checks that a value can stand alone as one segment of a URL path, as client-go's
 * `IsValidPathSegmentName` does: not empty, not `.` or `..`, no `/` or `%`; and no control
 * characters. The value is quoted in the error as JSON (so it shows what
 * was given, escapes and all) and shortened when long.
 *
 * @example
 * ```ts
 * import { InvalidRequest } from "effect-kube"
 *
 * InvalidRequest.checkSegment("name", "web") // Either.right("web")
 * InvalidRequest.checkSegment("name", "..") // Either.left(InvalidRequest)
 * ```
 *
 * @since 0.1.0
 * @category validation
 */
export const checkSegment = (role: SegmentRole, value: string): Either.Either<string, InvalidRequest> => {
  const problem = segmentProblem(value)
  if (problem === undefined) return Either.right(value)
  // An untyped caller may pass anything: shown as JSON (a non-string as its type).
  const shown =
    typeof value !== "string"
      ? `(${value === null ? "null" : typeof value})`
      : value.length > 64
        ? `${JSON.stringify(value.slice(0, 64))}...`
        : JSON.stringify(value)
  return Either.left(new InvalidRequest({ detail: `invalid ${role} ${shown}: ${problem}` }))
}

/**
 * Whether a value can stand alone as one segment of a URL path ({@link checkSegment}'s rule).
 *
 * @example
 * ```ts
 * import { InvalidRequest } from "effect-kube"
 *
 * InvalidRequest.isPathSegment("web") // true
 * InvalidRequest.isPathSegment("a/b") // false
 * ```
 *
 * @since 0.1.0
 * @category validation
 */
export const isPathSegment = (value: string): boolean => segmentProblem(value) === undefined

/**
 * Checks that a value can be sent as a query parameter as it is: well-formed Unicode (a lone
 * surrogate would be sent as U+FFFD, another value than the one given).
 *
 * @example
 * ```ts
 * import { InvalidRequest } from "effect-kube"
 *
 * InvalidRequest.checkQueryValue("container", "web") // Either.right("web")
 * InvalidRequest.checkQueryValue("container", "\ud800") // Either.left(InvalidRequest)
 * ```
 *
 * @since 0.1.0
 * @category validation
 */
export const checkQueryValue = (parameter: string, value: string): Either.Either<string, InvalidRequest> =>
  typeof value === "string" && !hasLoneSurrogate(value)
    ? Either.right(value)
    : Either.left(new InvalidRequest({ detail: `invalid ${parameter}: not a well-formed Unicode string` }))

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f]/

const segmentProblem = (value: string): string | undefined => {
  if (typeof value !== "string") return "not a string"
  if (value === "") return "it is empty"
  if (value === "." || value === "..") return "'.' and '..' are not names"
  if (value.includes("/")) return "it contains '/'"
  if (value.includes("%")) return "it contains '%'"
  if (CONTROL.test(value)) return "it contains a control character"
  if (hasLoneSurrogate(value)) return "it is not well-formed Unicode (a lone surrogate)"
  return undefined
}
