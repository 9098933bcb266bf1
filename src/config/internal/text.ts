/**
 * The text a kubeconfig points to: a file read whole, or a value given inline as base64. Failures
 * are `ConfigError`s naming the file or the field, never the value.
 *
 * @internal
 */
import type { FileSystem } from "@effect/platform"
import { Effect, Either, Encoding } from "effect"
import { configError } from "./errors.js"

export const decodeBase64 = (
  value: string,
  field: string,
  where: { file?: string | undefined; context?: string | undefined }
) =>
  Either.match(Encoding.decodeBase64String(value.replace(/\s+/g, "")), {
    onLeft: () => Effect.fail(configError("BadBase64", `${field} is not valid base64`, where)),
    onRight: Effect.succeed
  })

export const readText = (fs: FileSystem.FileSystem, file: string, what: string, context?: string) =>
  fs
    .readFileString(file)
    .pipe(
      Effect.mapError((error) =>
        configError(
          error._tag === "SystemError" && error.reason === "NotFound" ? "FileNotFound" : "FileUnreadable",
          `cannot read ${what} "${file}": ${error.message}`,
          { file, context, cause: error }
        )
      )
    )
