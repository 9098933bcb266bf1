/**
 * A small real controller. A ConfigMirror (a custom kind: its CRD is applied first) asks for the
 * ConfigMaps of a source namespace that opt in (label `mirror.effect-kube.dev/mirrored: "true"`)
 * to be copied into the ConfigMirror's own namespace. The controller
 *
 * - keeps the copies, owned by their ConfigMirror (a change of a copy reconciles its mirror: drift
 *   is repaired), and follows the sources (a change of a source reconciles the mirrors of its
 *   namespace, found through an index of the mirrors' store);
 * - reports in the mirror's status how many ConfigMaps it copied (server-side apply of the status);
 * - records Events about the mirror (`kubectl describe configmirror` shows them);
 * - deletes the copies with a finalizer before the mirror goes;
 * - runs only while it leads a Lease (start several: one works, the others wait).
 *
 * It runs on the cluster of your kubeconfig, or on the in-memory cluster when none is configured.
 *
 *   npx tsx examples/controller.ts
 */
import { Console, Effect, Fiber, Option, Schema } from "effect"
import {
  Client,
  Conditions,
  Controller,
  EventRecorder,
  Finalizer,
  LeaderElection,
  Owner,
  Reflector,
  Registry,
  Resource,
  Store,
  Wait
} from "../src/index.js"
import { CustomResourceDefinition } from "../src/models/apiextensions/v1.js"
import { Lease } from "../src/models/coordination/v1.js"
import { ConfigMap, Namespace } from "../src/models/core/v1.js"
import * as events from "../src/models/events/v1.js"
import { InMemoryCluster } from "../src/testing/index.js"
import { run } from "./Live.js"

const GROUP = "mirror.effect-kube.dev"
/** The controller's name: its field manager, the reporter of its Events, its finalizer's prefix. */
const NAME = `${GROUP}/controller`
const FINALIZER = `${GROUP}/copies`
const MIRRORED = `${GROUP}/mirrored`
const suffix = Date.now().toString(36)
const source = `mirror-source-${suffix}`
const target = `mirror-target-${suffix}`

// --- the custom kind --------------------------------------------------------------------------

const ConfigMirror = Resource.namespaced(
  { group: GROUP, version: "v1", kind: "ConfigMirror", plural: "configmirrors", subresources: ["status"] },
  {
    spec: Schema.Struct({ source: Schema.String }),
    status: Schema.Struct({ copies: Schema.Number, observedGeneration: Schema.Number })
  }
)
type ConfigMirror = Schema.Schema.Type<typeof ConfigMirror.schema>

const crd: CustomResourceDefinition = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `configmirrors.${GROUP}` },
  spec: {
    group: GROUP,
    scope: "Namespaced",
    names: {
      kind: "ConfigMirror",
      listKind: "ConfigMirrorList",
      plural: "configmirrors",
      singular: "configmirror"
    },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", required: ["source"], properties: { source: { type: "string" } } },
              status: {
                type: "object",
                properties: { copies: { type: "integer" }, observedGeneration: { type: "integer" } }
              }
            }
          }
        }
      }
    ]
  }
}

/** The kind, served: the CRD applied and established (the in-memory cluster is told to serve it). */
const install = Effect.gen(function* () {
  yield* Client.apply(CustomResourceDefinition, crd, { force: true })
  const memory = yield* Effect.serviceOption(InMemoryCluster.InMemoryCluster)
  if (Option.isSome(memory)) return yield* memory.value.register(Registry.fromCustomResourceDefinition(crd))
  yield* Wait.until(CustomResourceDefinition, crd.metadata?.name ?? "", Conditions.crdEstablished, {
    timeout: "30 seconds"
  })
})

// --- the controller ---------------------------------------------------------------------------

const nameOf = (object: { readonly metadata?: { readonly name?: string | undefined } | undefined }) =>
  object.metadata?.name ?? ""

/** The copy of a source ConfigMap, owned by its mirror. */
const copyOf = (object: ConfigMap, mirror: ConfigMirror): ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: {
    name: nameOf(object),
    namespace: mirror.metadata?.namespace ?? "",
    ownerReferences: [Owner.reference(mirror)]
  },
  data: object.data ?? {}
})

const controller = Effect.gen(function* () {
  const recorder = yield* EventRecorder.make({ controller: NAME })
  const mirrors = yield* Reflector.make(ConfigMirror, {
    namespace: target,
    indexes: { source: (mirror: ConfigMirror) => [mirror.spec.source] }
  })
  const sources = yield* Reflector.make(ConfigMap, { namespace: "*", labels: { [MIRRORED]: "true" } })
  const copies = yield* Reflector.make(ConfigMap, {
    namespace: target,
    indexes: { owner: Store.indexers.ownerUid<ConfigMap>() }
  })

  const copiesOf = (mirror: ConfigMirror) => copies.byIndex("owner", mirror.metadata?.uid ?? "")
  const deleteCopy = (copy: ConfigMap) =>
    Client.delete(ConfigMap, nameOf(copy), { namespace: copy.metadata?.namespace ?? "" }).pipe(
      Effect.catchIf(
        (e) => e._tag === "ApiError" && e.code === 404,
        () => Effect.void
      )
    )

  /** The copies as the sources say (forced: drift is taken back), the status, an Event. */
  const sync = (mirror: ConfigMirror) =>
    Effect.gen(function* () {
      const wanted = yield* sources.list({ namespace: mirror.spec.source })
      for (const object of wanted) {
        yield* Client.apply(ConfigMap, copyOf(object, mirror), { fieldManager: NAME, force: true })
      }
      const names = new Set(wanted.map(nameOf))
      for (const copy of yield* copiesOf(mirror)) if (!names.has(nameOf(copy))) yield* deleteCopy(copy)
      yield* Controller.applyStatus(
        ConfigMirror,
        mirror,
        { copies: wanted.length, observedGeneration: mirror.metadata?.generation ?? 0 },
        { fieldManager: NAME }
      )
      yield* recorder.publish(mirror, {
        type: "Normal",
        reason: "Mirrored",
        action: "Sync",
        note: `${wanted.length} ConfigMaps from ${mirror.spec.source}`
      })
      return Controller.done
    })

  const cleanup = (mirror: ConfigMirror) =>
    Effect.gen(function* () {
      const owned = yield* copiesOf(mirror)
      for (const copy of owned) yield* deleteCopy(copy)
      yield* recorder.publish(mirror, {
        type: "Normal",
        reason: "Cleaned",
        action: "Finalize",
        note: `${owned.length} copies deleted`
      })
      return Controller.done
    })

  return yield* Controller.run(ConfigMirror, {
    store: mirrors,
    controllerName: "config-mirror",
    owns: [Controller.owns(copies, { kind: "ConfigMap" })],
    watches: [
      // A source changed: reconcile the mirrors of its namespace (a query of the mirrors' index).
      Controller.watches(
        sources,
        (object) =>
          Effect.map(mirrors.byIndex("source", object.metadata?.namespace ?? ""), (m) => m.map(Store.refOf)),
        { kind: "ConfigMap" }
      )
    ],
    reconcile: (mirror) => Finalizer.finalizer(ConfigMirror, FINALIZER, mirror, { apply: sync, cleanup })
  })
}).pipe(Effect.scoped)

/** The controller, while it leads the Lease `config-mirror` (a second copy of this program would wait). */
const leading = LeaderElection.run(controller, {
  lease: "config-mirror",
  namespace: target,
  identity: `config-mirror-${process.pid}`
})

// --- the demonstration -------------------------------------------------------------------------

const sourceMap = (name: string, greeting: string): ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: source, labels: { [MIRRORED]: "true" } },
  data: { greeting }
})

const copyHas = (name: string, greeting: string | undefined) =>
  Wait.until(
    ConfigMap,
    name,
    function copied(copy: Option.Option<ConfigMap>) {
      return greeting === undefined
        ? Option.isNone(copy)
        : Option.isSome(copy) && copy.value.data?.greeting === greeting
    },
    { namespace: target, timeout: "30 seconds" }
  )

const statusSays = (copies: number) =>
  Wait.until(
    ConfigMirror,
    "mirror",
    function reported(mirror: Option.Option<ConfigMirror>) {
      return Option.isSome(mirror) && mirror.value.status?.copies === copies
    },
    { namespace: target, timeout: "30 seconds" }
  )

const program = Effect.gen(function* () {
  for (const name of [source, target]) {
    yield* Client.create(Namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name } })
  }
  yield* install
  const running = yield* Effect.fork(leading)

  yield* Client.create(ConfigMap, sourceMap("hello", "hello"))
  // Right after the CRD is established, its objects may take a moment to be served.
  yield* Client.create(ConfigMirror, {
    apiVersion: `${GROUP}/v1`,
    kind: "ConfigMirror",
    metadata: { name: "mirror", namespace: target },
    spec: { source }
  }).pipe(Effect.retry({ times: 20, while: (e) => e._tag === "ApiError" && e.code === 404 }))
  yield* copyHas("hello", "hello")
  yield* statusSays(1)
  yield* Console.log(`mirrored ${source}/hello to ${target}/hello; the mirror's status says 1 copy`)

  yield* Client.patch(ConfigMap, "hello", { data: { greeting: "tampered" } }, { namespace: target })
  yield* copyHas("hello", "hello")
  yield* Console.log("repaired drift in the copy")

  yield* Client.patch(ConfigMap, "hello", { data: { greeting: "bonjour" } }, { namespace: source })
  yield* Client.create(ConfigMap, sourceMap("world", "world"))
  yield* copyHas("hello", "bonjour")
  yield* copyHas("world", "world")
  yield* statusSays(2)
  yield* Console.log("followed a change of the source and a new one; the status says 2 copies")

  const recorded = yield* Client.listAll(events.Event, { namespace: target })
  const mirrored = recorded.items.find((e) => e.reason === "Mirrored" && e.regarding?.name === "mirror")
  yield* Console.log(
    `Events about the mirror: ${mirrored?.reason} by ${mirrored?.reportingController} (${mirrored?.note})`
  )

  yield* Client.delete(ConfigMirror, "mirror", { namespace: target })
  yield* Wait.until(ConfigMirror, "mirror", Conditions.deleted, { namespace: target, timeout: "30 seconds" })
  yield* copyHas("hello", undefined)
  yield* copyHas("world", undefined)
  yield* Console.log("deleted the mirror; its finalizer deleted the copies first")

  yield* Fiber.interrupt(running)
  const lease = yield* Client.get(Lease, "config-mirror", { namespace: target })
  yield* Console.log(`controller stopped; the lease is released (holder: "${lease.spec?.holderIdentity}")`)
  for (const name of [source, target]) yield* Client.delete(Namespace, name)
  yield* Client.delete(CustomResourceDefinition, crd.metadata?.name ?? "")
})

run(program)
