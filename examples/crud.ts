/**
 * CRUD: create, get, list with selectors, patch, set labels, replace with retry on conflict, delete.
 *
 *   npx tsx examples/crud.ts
 */
import { Console, Effect, Option, Stream } from "effect"
import { Client, Selector } from "../src/index.js"
import { ConfigMap } from "../src/models/core/v1.js"
import { run } from "./Live.js"

const program = Effect.gen(function* () {
  const name = `example-${Date.now().toString(36)}`
  yield* Client.create(ConfigMap, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, labels: { example: "crud", step: "created" } },
    data: { counter: "0" }
  })
  const got = yield* Client.get(ConfigMap, name)
  yield* Console.log(`created ${got.metadata?.name} (uid ${got.metadata?.uid})`)

  const labelled = yield* Client.list(ConfigMap, {
    labels: { example: "crud", step: Selector.in(["created", "patched"]) }
  }).pipe(
    Stream.map((cm) => cm.metadata?.name),
    Stream.runCollect
  )
  yield* Console.log(`selected: ${[...labelled].join(", ")}`)

  yield* Client.patch(ConfigMap, name, { data: { patched: "yes" } })
  yield* Client.set(ConfigMap, name, {
    labels: { step: "patched" },
    annotations: { note: "set by the example" }
  })
  const incremented = yield* Client.retryOnConflict(
    Effect.flatMap(Client.get(ConfigMap, name), (cm) =>
      Client.replace(ConfigMap, {
        ...cm,
        data: { ...cm.data, counter: String(Number(cm.data?.counter ?? "0") + 1) }
      })
    )
  )
  yield* Console.log(`data now: ${JSON.stringify(incremented.data)}`)

  yield* Client.delete(ConfigMap, name)
  const after = yield* Client.getOption(ConfigMap, name)
  yield* Console.log(`deleted: ${Option.isNone(after)}`)
})

run(program)
