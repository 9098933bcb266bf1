/**
 * How the examples run: against the cluster of your kubeconfig (or in-cluster); with none
 * configured they say so and stop (the in-memory cluster will take that place).
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import type { Client, KubeWebSocket } from "../src/index.js"
import { KubeConfig } from "../src/index.js"
import { NodeKube } from "../src/node/index.js"

export const run = <A, E>(
  program: Effect.Effect<A, E, Client.Requirements | KubeWebSocket.KubeWebSocket>
): void =>
  Effect.gen(function* () {
    const config = yield* KubeConfig.KubeConfig
    yield* Console.log(
      `Using cluster ${config.cluster.server} (context ${config.context ?? "-"}), namespace ${config.namespace}.`
    )
    return yield* program
  }).pipe(
    Effect.provide(NodeKube.layer({ fieldManager: "effect-kube-examples" })),
    Effect.catchIf(
      (error) =>
        typeof error === "object" &&
        error !== null &&
        "_tag" in error &&
        error._tag === "ConfigError" &&
        "reason" in error &&
        error.reason === "NoConfiguration",
      () => Console.log("No cluster configured: this example needs one (set KUBECONFIG).")
    ),
    NodeRuntime.runMain
  )
