/**
 * A small real controller: it mirrors the ConfigMaps of one namespace into another, repairs drift
 * in its copies, and with a finalizer deletes a copy before letting its source go. It runs on the
 * cluster of your kubeconfig, or on the in-memory cluster when none is configured.
 *
 *   npx tsx examples/controller.ts
 */
import type { Option } from "effect"
import { Console, Effect, Fiber } from "effect"
import { Client, Controller, Finalizer, Reflector, Wait } from "../src/index.js"
import { ConfigMap, Namespace } from "../src/models/core/v1.js"
import { run } from "./Live.js"

const FINALIZER = "mirror.effect-kube.dev/copy"
const suffix = Date.now().toString(36)
const source = `mirror-source-${suffix}`
const target = `mirror-target-${suffix}`

/** The copy of a source ConfigMap: the same data, in the target namespace. */
const copyOf = (object: ConfigMap): ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: object.metadata?.name ?? "", namespace: target, labels: { mirror: "yes" } },
  data: object.data ?? {}
})

/** One reconcile: the copy as the source says (server-side apply, forced: drift is taken back). */
const reconcile = (object: ConfigMap) =>
  Finalizer.finalizer(ConfigMap, FINALIZER, object, {
    apply: (o) =>
      Client.apply(ConfigMap, copyOf(o), { fieldManager: "mirror", force: true }).pipe(
        Effect.as(Controller.done)
      ),
    cleanup: (o) =>
      Client.delete(ConfigMap, o.metadata?.name ?? "", { namespace: target }).pipe(
        Effect.catchIf(
          (e) => e._tag === "ApiError" && e.code === 404,
          () => Effect.void
        ),
        Effect.as(Controller.done)
      )
  })

/** The controller: its own kind in `source`, and the copies (a change of a copy reconciles its source). */
const mirror = Effect.scoped(
  Effect.gen(function* () {
    const copies = yield* Reflector.make(ConfigMap, { namespace: target, labels: { mirror: "yes" } })
    return yield* Controller.run(ConfigMap, {
      namespace: source,
      watches: [
        Controller.watches(copies, (copy) => [{ namespace: source, name: copy.metadata?.name ?? "" }])
      ],
      reconcile
    })
  })
)

const copyHas = (name: string, value: string) =>
  Wait.until(
    ConfigMap,
    name,
    function copied(copy: Option.Option<ConfigMap>) {
      return copy._tag === "Some" && copy.value.data?.greeting === value
    },
    { namespace: target, timeout: "30 seconds" }
  )

const program = Effect.gen(function* () {
  for (const name of [source, target]) {
    yield* Client.create(Namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name } })
  }
  const controller = yield* Effect.fork(mirror)

  yield* Client.create(ConfigMap, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "hello", namespace: source },
    data: { greeting: "hello" }
  })
  yield* copyHas("hello", "hello")
  yield* Console.log(`mirrored ${source}/hello to ${target}/hello`)

  yield* Client.patch(ConfigMap, "hello", { data: { greeting: "tampered" } }, { namespace: target })
  yield* copyHas("hello", "hello")
  yield* Console.log("repaired drift in the copy")

  yield* Client.patch(ConfigMap, "hello", { data: { greeting: "bonjour" } }, { namespace: source })
  yield* copyHas("hello", "bonjour")
  yield* Console.log("followed a change of the source")

  yield* Client.delete(ConfigMap, "hello", { namespace: source })
  yield* Wait.until(
    ConfigMap,
    "hello",
    function deleted(o: Option.Option<ConfigMap>) {
      return o._tag === "None"
    },
    { namespace: source, timeout: "30 seconds" }
  )
  const copy = yield* Client.getOption(ConfigMap, "hello", { namespace: target })
  yield* Console.log(`deleted the source; its copy ${copy._tag === "None" ? "is gone" : "is still there"}`)

  yield* Fiber.interrupt(controller)
  yield* Console.log("controller stopped")
  for (const name of [source, target]) yield* Client.delete(Namespace, name)
})

run(program)
