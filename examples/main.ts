/**
 * The main example: connect to the cluster of your kubeconfig (or in-cluster), print the server's
 * version and the namespaces. With no cluster configured it runs against the embedded demo cluster.
 *
 *   npm run example
 */

import type { HttpClientResponse } from "@effect/platform"
import { HttpClient } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Data, Effect, Schema } from "effect"
import { KubeConfig } from "../src/index.js"
import { NodeKube } from "../src/node/index.js"
import * as DemoCluster from "./DemoCluster.js"

const Version = Schema.Struct({ gitVersion: Schema.String })
const NamespaceList = Schema.Struct({
  items: Schema.Array(Schema.Struct({ metadata: Schema.Struct({ name: Schema.String }) }))
})

class UnexpectedStatus extends Data.TaggedError("UnexpectedStatus")<{
  readonly status: number
  readonly body: unknown
}> {}

/** The JSON body of a 200 answer, else the server's Status as a typed error. */
const okJson = (response: HttpClientResponse.HttpClientResponse) =>
  Effect.flatMap(response.json, (body) =>
    response.status === 200
      ? Effect.succeed(body)
      : Effect.fail(new UnexpectedStatus({ status: response.status, body }))
  )

const program = Effect.gen(function* () {
  const config = yield* KubeConfig.KubeConfig
  yield* Console.log(
    config.source === "demo"
      ? "No cluster configured: using the embedded demo cluster."
      : `Using cluster ${config.cluster.server} (context ${config.context ?? "-"}, from ${config.source}).`
  )
  const http = yield* HttpClient.HttpClient
  const version = yield* http
    .get("/version")
    .pipe(Effect.flatMap(okJson), Effect.flatMap(Schema.decodeUnknown(Version)))
  yield* Console.log(`Server version: ${version.gitVersion}`)
  const namespaces = yield* http
    .get("/api/v1/namespaces")
    .pipe(Effect.flatMap(okJson), Effect.flatMap(Schema.decodeUnknown(NamespaceList)))
  yield* Console.log(`Namespaces: ${namespaces.items.map((n) => n.metadata.name).join(", ")}`)
})

program.pipe(
  Effect.provide(NodeKube.layer()),
  Effect.catchIf(
    (error) => error._tag === "ConfigError" && error.reason === "NoConfiguration",
    () => Effect.provide(program, DemoCluster.layer)
  ),
  NodeRuntime.runMain
)
