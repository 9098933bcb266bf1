/**
 * Apply manifests from YAML with server-side apply, in dependency order, then delete them in reverse.
 *
 *   npx tsx examples/apply-yaml.ts
 */
import { Console, Effect, Option } from "effect"
import { Builtin, Client, Codec, Registry } from "../src/index.js"
import { run } from "./Live.js"

const suffix = Date.now().toString(36)
const manifests = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: example-${suffix} }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx }] }
---
apiVersion: v1
kind: Namespace
metadata: { name: example-${suffix} }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: web-settings, namespace: example-${suffix} }
data: { mode: fast }
`

const program = Effect.gen(function* () {
  const registry = yield* Builtin.registry
  const objects = Codec.sortObjects(yield* Codec.loadAll(manifests, { registry }))
  for (const object of objects) {
    const entry = Registry.get(registry, object.apiVersion, object.kind)
    if (Option.isNone(entry)) continue
    // The generic form of a known kind serves any object of it.
    const applied = yield* Client.apply(entry.value.generic, { ...object }, { force: true })
    yield* Console.log(`applied ${applied.kind} ${applied.metadata?.name}`)
  }
  for (const object of Codec.sortObjects(objects, { reverse: true })) {
    const entry = Registry.get(registry, object.apiVersion, object.kind)
    if (Option.isNone(entry) || object.kind === "Namespace") continue
    yield* Client.delete(entry.value.generic, object.metadata?.name ?? "", {
      namespace: object.metadata?.namespace
    })
    yield* Console.log(`deleted ${object.kind} ${object.metadata?.name}`)
  }
})

run(program)
