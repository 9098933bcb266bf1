/**
 * Testing your own code: a function written against the public API (scale every deployment of a
 * tier), checked against the in-memory cluster swapped in for the real one.
 *
 *   npx tsx examples/testing.ts
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Option, Stream } from "effect"
import { Client } from "../src/index.js"
import { Deployment } from "../src/models/apps/v1.js"
import { InMemoryCluster } from "../src/testing/index.js"

// The code under test: it needs only KubeConfig | HttpClient.
export const scaleTier = (namespace: string, tier: string, replicas: number) =>
  Client.list(Deployment, { namespace, labels: { tier } }).pipe(
    Stream.mapEffect((d) =>
      Client.patchScale(Deployment, d.metadata?.name ?? "", { spec: { replicas } }, { namespace })
    ),
    Stream.runCount
  )

const deployment = (name: string, tier: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: shop, labels: { tier: ${tier} } }
spec:
  replicas: 1
  selector: { matchLabels: { app: ${name} } }
  template: { metadata: { labels: { app: ${name} } }, spec: { containers: [{ name: ${name}, image: ${name} }] } }
`

// The test: seed, run, inspect.
const test = Effect.gen(function* () {
  const scaled = yield* scaleTier("shop", "front", 3)
  const cluster = yield* InMemoryCluster.InMemoryCluster
  const web = yield* cluster.get("apps/v1", "Deployment", "web", "shop")
  const api = yield* cluster.get("apps/v1", "Deployment", "api", "shop")
  const replicas = (o: typeof web) =>
    Option.map(o, (d) =>
      typeof d.spec === "object" && d.spec !== null && "replicas" in d.spec ? d.spec.replicas : undefined
    )
  if (
    scaled !== 1 ||
    Option.getOrUndefined(replicas(web)) !== 3 ||
    Option.getOrUndefined(replicas(api)) !== 1
  ) {
    return yield* Effect.fail(`unexpected: scaled ${scaled}, web ${JSON.stringify(web)}`)
  }
  yield* Console.log("ok: scaleTier scaled the front tier only")
}).pipe(
  Effect.provide(
    InMemoryCluster.layer({
      yaml: `apiVersion: v1\nkind: Namespace\nmetadata: { name: shop }\n---${deployment("web", "front")}---${deployment("api", "back")}`
    })
  )
)

test.pipe(NodeRuntime.runMain)
