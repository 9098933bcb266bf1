/**
 * From text to a kubeconfig file: YAML (or JSON) parsed, then decoded by the `KubeConfigFile`
 * schema; a file read from disk has its relative paths resolved against its folder.
 *
 * @internal
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Either, Schema } from "effect"
import * as ParseIssues from "../../internal/parseIssues.js"
import * as Yaml from "../../internal/yaml.js"
import type { ConfigError } from "../ConfigError.js"
import * as KubeConfigFile from "../KubeConfigFile.js"
import { configError } from "./errors.js"
import { readText } from "./text.js"

/**
 * Paths and expected types only: the file's values (tokens, keys) are neither in the message nor
 * kept as the cause.
 */
export const decodeFile = (input: unknown, file?: string) =>
  Schema.decodeUnknown(KubeConfigFile.KubeConfigFile, { onExcessProperty: "preserve", errors: "all" })(
    input
  ).pipe(
    Effect.mapError((error) =>
      configError("InvalidConfig", `not a valid kubeconfig: ${ParseIssues.format(error.issue, "the file")}`, {
        file
      })
    )
  )

export const parseYaml = (
  text: string,
  file?: string
): Effect.Effect<KubeConfigFile.KubeConfigFile, ConfigError> =>
  Either.match(Yaml.parseOne(text), {
    onLeft: (problem) =>
      Effect.fail(configError("MalformedYaml", `malformed YAML: ${problem.message}`, { file })),
    onRight: (doc) =>
      Effect.forEach(doc.warnings, (w) => Effect.logDebug(`kubeconfig: YAML warning: ${w.message}`), {
        discard: true
      }).pipe(Effect.zipRight(decodeFile(doc.value ?? {}, file)))
  })

export const readFile = (
  file: string
): Effect.Effect<KubeConfigFile.KubeConfigFile, ConfigError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const absolute = path.resolve(file)
    const text = yield* readText(fs, absolute, "kubeconfig")
    const parsed = yield* parseYaml(text, absolute)
    return KubeConfigFile.resolvePaths(parsed, path.dirname(absolute))
  })
