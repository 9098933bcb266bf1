/**
 * How the examples run: against the cluster of your kubeconfig (or in-cluster) when one is
 * configured, else against the in-memory cluster; either way they print which one they use.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Layer } from "effect"
import type { Client, KubeWebSocket } from "../src/index.js"
import { KubeConfig } from "../src/index.js"
import { NodeKube } from "../src/node/index.js"
import { InMemoryCluster } from "../src/testing/index.js"

type Requirements = Client.Requirements | KubeWebSocket.KubeWebSocket

const announce = Effect.gen(function* () {
  const config = yield* KubeConfig.KubeConfig
  yield* Console.log(
    config.source === "in-memory"
      ? "No cluster configured: using the in-memory cluster."
      : `Using cluster ${config.cluster.server} (context ${config.context ?? "-"}), namespace ${config.namespace}.`
  )
})

/** The in-memory cluster the examples fall back to. */
export const inMemory = InMemoryCluster.layer({ fieldManager: "effect-kube-examples" })

/**
 * Runs an example. `containers`: it needs running containers (logs, exec), which the in-memory
 * cluster does not have: there it only says so.
 */
export const run = <A, E>(
  program: Effect.Effect<A, E, Requirements>,
  options: { readonly containers?: boolean } = {}
): void => {
  const onConfigured = Effect.zipRight(announce, program).pipe(
    Effect.provide(NodeKube.layer({ fieldManager: "effect-kube-examples" }))
  )
  const onMemory = Effect.zipRight(
    announce,
    options.containers === true
      ? Console.log(
          "The in-memory cluster runs no containers: this example needs a real cluster (set KUBECONFIG)."
        )
      : program
  ).pipe(Effect.provide(Layer.orDie(inMemory)))
  onConfigured.pipe(
    Effect.catchIf(
      (error) =>
        typeof error === "object" &&
        error !== null &&
        "_tag" in error &&
        error._tag === "ConfigError" &&
        "reason" in error &&
        error.reason === "NoConfiguration",
      () => onMemory
    ),
    NodeRuntime.runMain
  )
}
