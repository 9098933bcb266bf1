/**
 * One layer for a Node program: the `KubeConfig` (auto-detected unless given) and the cluster's
 * `HttpClient` (scoped to the cluster's origin: other origins get plain requests), with Node's
 * file system and process runner provided.
 *
 * @since 0.1.0
 */
import type { HttpClient } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { Layer } from "effect"
import * as ClientDefaults from "../client/ClientDefaults.js"
import type { ConfigError } from "../config/ConfigError.js"
import * as KubeConfig from "../config/KubeConfig.js"
import type * as KubeWebSocket from "../http/KubeWebSocket.js"
import * as NodeKubeHttpClient from "./NodeKubeHttpClient.js"

/**
 * Options: the transport's, the configuration's, an optional configuration layer to use instead of
 * auto-detection, and client-wide defaults of writes (`fieldManager`, `dryRun`: the layer then also
 * provides `ClientDefaults`; `namespace` is the configuration's).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends NodeKubeHttpClient.Options, KubeConfig.Options, KubeConfig.InClusterOptions {
  readonly config?: Layer.Layer<KubeConfig.KubeConfig, ConfigError, KubeConfig.Requirements> | undefined
  /** Client-wide default field manager of writes. */
  readonly fieldManager?: string | undefined
  /** Client-wide default: writes are dry runs. */
  readonly dryRun?: boolean | undefined
}

/**
 * `KubeConfig` + `HttpClient` (+ `KubeWebSocket` for exec) for a Node program.
 *
 * The `HttpClient` is the cluster's for paths (`/api/v1/...`) and for absolute URLs on the
 * origin of the cluster's server: base URL, credentials, impersonation, timeout, retries, rate
 * limit, the cluster's CA and client certificate, its `proxy-url`. Any other absolute URL goes
 * out plain through a separate agent (the system's CAs, no credentials, no retries), so the same
 * `HttpClient` can serve a program's other calls without leaking the cluster's token.
 *
 * @example
 * ```ts
 * import { HttpClient } from "@effect/platform"
 * import { NodeRuntime } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { NodeKube } from "effect-kube/node"
 *
 * const program = Effect.gen(function* () {
 *   const http = yield* HttpClient.HttpClient
 *   const response = yield* http.get("/version")
 *   console.log(yield* response.json)
 * })
 *
 * program.pipe(Effect.scoped, Effect.provide(NodeKube.layer()), NodeRuntime.runMain)
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<KubeConfig.KubeConfig | HttpClient.HttpClient | KubeWebSocket.KubeWebSocket, ConfigError> => {
  const config =
    options.config ??
    KubeConfig.auto({ ...options, interactive: options.interactive ?? process.stdin.isTTY === true })
  const cluster = NodeKubeHttpClient.layer(options).pipe(
    Layer.provideMerge(config),
    Layer.provide(NodeContext.layer)
  )
  // Client defaults only when asked for: otherwise the layer leaves the ones in effect alone.
  return options.fieldManager === undefined && options.dryRun === undefined
    ? cluster
    : Layer.merge(
        cluster,
        ClientDefaults.layer({ fieldManager: options.fieldManager, dryRun: options.dryRun })
      )
}
