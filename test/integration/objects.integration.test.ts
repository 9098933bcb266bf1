/**
 * Objects given alone and many objects at once (`Client.applyAll`, `Client.deleteAll`) against
 * the real apiserver: a manifest with a CustomResourceDefinition and its custom resources in one
 * batch, applied again, changed, and deleted.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { inject } from "vitest"
import { ApiError, Client, Codec } from "../../src/index.js"
import * as apps from "../../src/models/apps/v1.js"
import * as core from "../../src/models/core/v1.js"
import { clientLayer, unique } from "../harness/Namespace.js"

const env = inject("envtest")
const layer = clientLayer(env.kubeconfigs["admin-token"])

const summary = (changes: ReadonlyArray<Client.Change>) =>
  changes.map((c) => `${c.kind} ${c.namespace ?? "-"}/${c.name} ${c.action}`)

const manifest = (namespace: string, group: string, mode: string) => `
apiVersion: ${group}/v1
kind: Widget
metadata: { name: w1, namespace: ${namespace} }
spec: { size: 3 }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: ${namespace} }
data: { mode: ${mode} }
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.${group} }
spec:
  group: ${group}
  scope: Namespaced
  names: { kind: Widget, plural: widgets, singular: widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
---
apiVersion: v1
kind: Namespace
metadata: { name: ${namespace} }
---
apiVersion: example.com/v1
kind: Placeholder
metadata: { name: never-${namespace} }
`

describe("many objects against the real apiserver", () => {
  it.live(
    "applyAll: a CRD and its resources in one batch, in order; again unchanged; a change configured; deleteAll",
    () =>
      Effect.gen(function* () {
        const namespace = unique("objects")
        const group = `${unique("t")}.example.com`
        // The last document is of a kind nobody serves: applyAll stops there (custom kinds keep
        // their order, after the built-in ones).
        const all = yield* Codec.loadAll(manifest(namespace, group, "fast"))
        const objects = all.filter((o) => o.kind !== "Placeholder")
        const failed = yield* Effect.flip(Client.applyAll(all, { fieldManager: "deployer" }))
        expect(failed._tag).toBe("BatchError")
        expect(failed.cause._tag).toBe("UnknownKind")
        expect(summary(failed.done)).toEqual([
          `Namespace -/${namespace} created`,
          `CustomResourceDefinition -/widgets.${group} created`,
          `ConfigMap ${namespace}/settings created`,
          `Widget ${namespace}/w1 created`
        ])
        const again = yield* Client.applyAll(objects, { fieldManager: "deployer" })
        expect(summary(again)).toEqual([
          // A real write on 1.20: the second apply of a Namespace created by an apply records the
          // manager's ownership of the fields its creation defaulted (spec.finalizers,
          // status.phase), so its resourceVersion moves; the next apply leaves it.
          `Namespace -/${namespace} configured`,
          `CustomResourceDefinition -/widgets.${group} unchanged`,
          `ConfigMap ${namespace}/settings unchanged`,
          `Widget ${namespace}/w1 unchanged`
        ])
        const changed = (yield* Codec.loadAll(manifest(namespace, group, "slow"))).filter(
          (o) => o.kind !== "Placeholder"
        )
        const planned = yield* Client.applyAll(changed, { fieldManager: "deployer", dryRun: true })
        expect(summary(planned)).toContain(`ConfigMap ${namespace}/settings configured`)
        expect((yield* Client.get(core.ConfigMap, "settings", { namespace })).data).toEqual({ mode: "fast" })
        const third = yield* Client.applyAll(changed, { fieldManager: "deployer" })
        expect(summary(third)).toEqual([
          `Namespace -/${namespace} unchanged`,
          `CustomResourceDefinition -/widgets.${group} unchanged`,
          `ConfigMap ${namespace}/settings configured`,
          `Widget ${namespace}/w1 unchanged`
        ])
        const removed = yield* Client.deleteAll(all)
        expect(summary(removed)).toEqual([
          `Widget ${namespace}/w1 deleted`,
          `Placeholder -/never-${namespace} absent`,
          `ConfigMap ${namespace}/settings deleted`,
          `CustomResourceDefinition -/widgets.${group} deleted`,
          `Namespace -/${namespace} deleted`
        ])
      }).pipe(Effect.provide(layer))
  )

  it.live("an object given alone: created, applied, and deleted only if it is still the one read", () =>
    Effect.gen(function* () {
      const namespace = unique("objects")
      yield* Client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } })
      const [loaded] = yield* Codec.loadAll(
        `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: n, namespace: ${namespace} }\ndata: { a: "1" }`
      )
      if (loaded === undefined) throw new Error("one object")
      const first = yield* Client.create(loaded)
      const applied = yield* Client.apply(
        { ...loaded, data: { a: "2" } },
        { fieldManager: "me", force: true }
      )
      expect(applied.data).toEqual({ a: "2" })
      yield* Client.delete(loaded)
      yield* Client.create(loaded)
      // `first` was read from the cluster (it has a uid): the object there now is another one.
      const refused = yield* Effect.flip(Client.delete(first))
      expect(refused).toBeInstanceOf(ApiError.ApiError)
      expect(refused).toMatchObject({ code: 409, reason: "Conflict" })
      expect(refused.message).toContain("the UID in the precondition")
      yield* Client.delete({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } })
    }).pipe(Effect.provide(layer))
  )

  it.live("apply of a part: a second manager owns only the replicas it applied", () =>
    Effect.gen(function* () {
      const namespace = unique("partial")
      yield* Client.create(core.Namespace, { metadata: { name: namespace } })
      yield* Client.apply(
        apps.Deployment,
        {
          metadata: { name: "web", namespace },
          spec: {
            selector: { matchLabels: { app: "web" } },
            template: {
              metadata: { labels: { app: "web" } },
              spec: { containers: [{ name: "web", image: "nginx:1.27" }] }
            }
          }
        },
        { fieldManager: "deployer" }
      )
      const scaled = yield* Client.apply(
        apps.Deployment,
        { metadata: { name: "web", namespace }, spec: { replicas: 3 } },
        { fieldManager: "autoscaler" }
      )
      expect(scaled.spec?.replicas).toBe(3)
      const autoscaler = scaled.metadata?.managedFields?.find((f) => f.manager === "autoscaler")
      expect(autoscaler?.operation).toBe("Apply")
      expect(autoscaler?.fieldsV1).toEqual({ "f:spec": { "f:replicas": {} } })
      yield* Client.delete(core.Namespace, namespace)
    }).pipe(Effect.provide(layer))
  )
})
