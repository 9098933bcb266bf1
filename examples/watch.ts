/**
 * A watch pipeline: the initial state of the ConfigMaps of the namespace, then each change, while
 * this program makes a few; stops after the last one.
 *
 *   npx tsx examples/watch.ts
 */
import { Console, Effect, Fiber, Stream } from "effect"
import { Client, Watch } from "../src/index.js"
import { ConfigMap } from "../src/models/core/v1.js"
import { run } from "./Live.js"

const program = Effect.gen(function* () {
  const name = `watched-${Date.now().toString(36)}`
  const printer = yield* Watch.watcher(ConfigMap, { labels: { example: "watch" } }).pipe(
    Stream.tap((event) =>
      Console.log(
        event._tag === "Init" || event._tag === "InitDone"
          ? event._tag
          : `${event._tag} ${event.object.metadata?.name} ${JSON.stringify(event.object.data ?? {})}`
      )
    ),
    Stream.takeUntil((event) => event._tag === "Delete" && event.object.metadata?.name === name),
    Stream.runDrain,
    Effect.fork
  )
  yield* Effect.sleep("500 millis")
  yield* Client.create(ConfigMap, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, labels: { example: "watch" } }
  })
  yield* Client.patch(ConfigMap, name, { data: { step: "2" } })
  yield* Client.delete(ConfigMap, name)
  yield* Fiber.join(printer)
})

run(program)
