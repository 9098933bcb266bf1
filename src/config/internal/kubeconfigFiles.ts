/**
 * The kubeconfig files kubectl would read: the paths of `KUBECONFIG` (missing files skipped, the
 * others merged, first file wins per key), else `~/.kube/config`. Environment variables are read
 * through Effect's `ConfigProvider`.
 *
 * @internal
 */
import { FileSystem, Path } from "@effect/platform"
import { Config, Effect, Option } from "effect"
import type { ConfigError } from "../ConfigError.js"
import * as KubeConfigFile from "../KubeConfigFile.js"
import { configError } from "./errors.js"
import { readFile } from "./parse.js"

const homeDir = Config.string("HOME").pipe(
  Config.orElse(() => Config.string("USERPROFILE")),
  Config.option
)

const kubeconfigPaths = Effect.gen(function* () {
  const path = yield* Path.Path
  const env = yield* Config.option(Config.string("KUBECONFIG"))
  if (Option.isSome(env) && env.value.trim() !== "") {
    const delimiter = path.sep === "\\" ? ";" : ":"
    return {
      fromEnv: true,
      paths: env.value
        .split(delimiter)
        .map((p) => p.trim())
        .filter((p) => p !== "")
    }
  }
  const home = yield* homeDir
  return {
    fromEnv: false,
    paths: Option.isSome(home) ? [path.join(home.value, ".kube", "config")] : []
  }
}).pipe(Effect.orDie)

/**
 * The merged kubeconfig and its source (the paths of the files used, joined by `:`); fails with
 * `NoConfiguration` when none of the files exists.
 */
export const load: Effect.Effect<
  { readonly file: KubeConfigFile.KubeConfigFile; readonly source: string },
  ConfigError,
  FileSystem.FileSystem | Path.Path
> = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const { fromEnv, paths } = yield* kubeconfigPaths
  const files: Array<KubeConfigFile.KubeConfigFile> = []
  const used: Array<string> = []
  for (const p of paths) {
    const exists = yield* fs.exists(p).pipe(Effect.orElseSucceed(() => false))
    if (!exists) continue
    files.push(yield* readFile(p))
    used.push(p)
  }
  if (files.length === 0) {
    return yield* Effect.fail(
      configError(
        "NoConfiguration",
        fromEnv
          ? `none of the files of KUBECONFIG exist: ${paths.join(", ")}`
          : `no kubeconfig found (KUBECONFIG is not set and ${paths[0] ?? "~/.kube/config"} does not exist)`
      )
    )
  }
  const merged = files.length === 1 && files[0] !== undefined ? files[0] : KubeConfigFile.merge(files)
  return { file: merged, source: used.length === 1 && used[0] !== undefined ? used[0] : used.join(":") }
})
