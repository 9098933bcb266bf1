/**
 * Building the layers: auto-detection in one line, or each part chosen (the README's example).
 *
 *   npx tsx examples/layers.ts
 */
import { HttpClient } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Layer } from "effect"
import { ClientDefaults, KubeConfig } from "../src/index.js"
import { NodeKube } from "../src/node/index.js"

const program = Effect.gen(function* () {
  const config = yield* KubeConfig.KubeConfig
  const defaults = yield* ClientDefaults.ClientDefaults
  const http = yield* HttpClient.HttpClient // already pointed at the cluster, authenticated
  const response = yield* http.get("/version")
  yield* Console.log(config.cluster.server, config.namespace, defaults.fieldManager, yield* response.json)
})

// Each part chosen: the kubeconfig of KUBECONFIG / ~/.kube/config, client-wide defaults, transport options.
const Live = Layer.merge(
  NodeKube.layer({
    config: KubeConfig.fromKubeconfig({ namespace: "apps" }),
    timeout: "5 seconds", // until the response headers; watch/follow streams are not cut by it
    rateLimit: { qps: 20, burst: 40 }, // client-go's token bucket
    http2: true
  }),
  // Client-wide defaults (a scope can override them: ClientDefaults.locally).
  ClientDefaults.layer({ fieldManager: "my-controller" })
)

program.pipe(Effect.provide(Live), NodeRuntime.runMain)
