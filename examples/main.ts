/**
 * The main example: connect to the cluster of your kubeconfig (or in-cluster), print the server's
 * version and the namespaces, then create, read and delete a ConfigMap. With no cluster configured
 * it runs against the in-memory cluster.
 *
 *   npm run example
 */
import { HttpClient, type HttpClientResponse } from "@effect/platform"
import { Console, Data, Effect, Schema, Stream } from "effect"
import { Client } from "../src/index.js"
import { ConfigMap, Namespace } from "../src/models/core/v1.js"
import { run } from "./Live.js"

const Version = Schema.Struct({ gitVersion: Schema.String })

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
  const http = yield* HttpClient.HttpClient
  const version = yield* http
    .get("/version")
    .pipe(Effect.flatMap(okJson), Effect.flatMap(Schema.decodeUnknown(Version)))
  yield* Console.log(`Server version: ${version.gitVersion}`)
  const namespaces = yield* Client.list(Namespace).pipe(
    Stream.map((ns) => ns.metadata?.name ?? ""),
    Stream.runCollect
  )
  yield* Console.log(`Namespaces: ${[...namespaces].join(", ")}`)
  const name = `effect-kube-main-${Date.now().toString(36)}`
  yield* Client.create(ConfigMap, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name },
    data: { hello: "world" }
  })
  const read = yield* Client.get(ConfigMap, name)
  yield* Console.log(`Created ConfigMap ${name}: ${JSON.stringify(read.data)}`)
  yield* Client.delete(ConfigMap, name)
  yield* Console.log(`Deleted ConfigMap ${name}`)
})

run(program)
