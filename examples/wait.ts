/**
 * Wait for a condition: a pod becomes Ready (here this program sets the condition itself through
 * the status sub-resource, as a kubelet would), then wait for its deletion.
 *
 *   npx tsx examples/wait.ts
 */
import { Console, Effect, Fiber } from "effect"
import { Client, Conditions, Wait } from "../src/index.js"
import { Pod } from "../src/models/core/v1.js"
import { run } from "./Live.js"

const program = Effect.gen(function* () {
  const name = `waited-${Date.now().toString(36)}`
  yield* Client.create(Pod, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "c", image: "busybox" }] }
  })
  const ready = yield* Effect.fork(
    Wait.forCondition(Pod, name, { for: ["Ready"], raiseFor: ["Failed"], timeout: "1 minute" })
  )
  yield* Effect.sleep("300 millis")
  yield* Client.patchStatus(Pod, name, { status: { conditions: [{ type: "Ready", status: "True" }] } })
  const pod = yield* Fiber.join(ready)
  yield* Console.log(`${pod.metadata?.name} is Ready`)

  const gone = yield* Effect.fork(Wait.until(Pod, name, Conditions.deleted, { timeout: "1 minute" }))
  yield* Effect.sleep("300 millis")
  yield* Client.delete(Pod, name, { gracePeriod: 0 })
  yield* Fiber.join(gone)
  yield* Console.log(`${name} is deleted`)
})

run(program)
