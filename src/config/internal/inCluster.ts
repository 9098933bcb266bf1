/**
 * The configuration of a pod: the apiserver from `KUBERNETES_SERVICE_HOST`/`PORT` and the mounted
 * service account (`token`, `ca.crt`, `namespace`), as a kubeconfig file of one context.
 *
 * @internal
 */
import { FileSystem, Path } from "@effect/platform"
import { Config, Effect, Option } from "effect"
import type { ConfigError } from "../ConfigError.js"
import type * as KubeConfigFile from "../KubeConfigFile.js"
import { configError } from "./errors.js"

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"

const serviceHost = Config.option(Config.string("KUBERNETES_SERVICE_HOST")).pipe(Effect.orDie)
const servicePort = Config.option(Config.string("KUBERNETES_SERVICE_PORT")).pipe(Effect.orDie)

/** Whether `KUBERNETES_SERVICE_HOST` is set (not empty): the program may run in a pod. */
export const inPod: Effect.Effect<boolean> = Effect.map(
  serviceHost,
  (host) => Option.isSome(host) && host.value !== ""
)

/**
 * The in-cluster kubeconfig: fails with `InCluster` outside a pod or without a mounted token. The
 * token is a `tokenFile`, so it is re-read when it rotates.
 */
export const file = (options: {
  readonly namespace?: string | undefined
  readonly serviceAccountDir?: string | undefined
}): Effect.Effect<KubeConfigFile.KubeConfigFile, ConfigError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const host = yield* serviceHost
    const port = yield* servicePort
    if (Option.isNone(host) || Option.isNone(port) || host.value === "" || port.value === "") {
      return yield* Effect.fail(
        configError(
          "InCluster",
          "not running in a cluster: KUBERNETES_SERVICE_HOST or KUBERNETES_SERVICE_PORT is not set"
        )
      )
    }
    const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR
    const tokenFile = path.join(dir, "token")
    const caFile = path.join(dir, "ca.crt")
    const hasToken = yield* fs.exists(tokenFile).pipe(Effect.orElseSucceed(() => false))
    if (!hasToken) {
      return yield* Effect.fail(
        configError("InCluster", `no service-account token at ${tokenFile}`, { file: tokenFile })
      )
    }
    const namespace =
      options.namespace ??
      (yield* fs.readFileString(path.join(dir, "namespace")).pipe(
        Effect.map((s) => s.trim()),
        Effect.orElseSucceed(() => "")
      ))
    const hostPart = host.value.includes(":") ? `[${host.value}]` : host.value
    const file: KubeConfigFile.KubeConfigFile = {
      clusters: [
        {
          name: "in-cluster",
          cluster: { server: `https://${hostPart}:${port.value}`, "certificate-authority": caFile }
        }
      ],
      users: [{ name: "in-cluster", user: { tokenFile } }],
      contexts: [
        {
          name: "in-cluster",
          context: { cluster: "in-cluster", user: "in-cluster", ...(namespace !== "" ? { namespace } : {}) }
        }
      ],
      "current-context": "in-cluster"
    }
    return file
  })
