/**
 * Objects given alone to the verbs (their kind found by apiVersion and kind: a registry, the
 * built-in kinds, the cluster's discovery) and many objects at once (`Client.applyAll`,
 * `Client.deleteAll`), on the in-memory cluster.
 */

import { HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Schema } from "effect"
import { kindOf } from "../../src/client/internal/kindOf.js"
import { ApiError, Client, Codec, Registry, Resource } from "../../src/index.js"
import * as all from "../../src/models/all.js"
import * as core from "../../src/models/core/v1.js"
import { InMemoryCluster } from "../../src/testing/index.js"

const manifest = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: "nginx:1.27" }] }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: shop }
data: { mode: fast }
---
apiVersion: v1
kind: Namespace
metadata: { name: shop }
`

const crd = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.example.com }
spec:
  group: example.com
  scope: Namespaced
  names: { kind: Widget, plural: widgets, singular: widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
`

const widget = `
apiVersion: example.com/v1
kind: Widget
metadata: { name: w1, namespace: shop }
spec: { size: 3 }
`

const summary = (changes: ReadonlyArray<Client.Change>) =>
  changes.map((c) => `${c.kind} ${c.namespace ?? "-"}/${c.name} ${c.action}`)

describe("verbs given an object alone", () => {
  it.effect("every built-in kind is found without its model, where its model says it is served", () =>
    Effect.gen(function* () {
      const kinds = all.mapKinds((k): Resource.ResourceInfo => k)
      expect(kinds.length).toBeGreaterThan(80)
      for (const k of kinds) {
        // No cluster is asked: a built-in kind is found in the table (a request dies here).
        const { kind } = yield* kindOf({ apiVersion: k.apiVersion, kind: k.kind }, undefined)
        expect([kind.group, kind.version, kind.plural, kind.namespaced]).toEqual([
          k.group,
          k.version,
          k.plural,
          k.namespaced
        ])
      }
    }).pipe(
      Effect.provide(
        Layer.succeed(
          HttpClient.HttpClient,
          HttpClient.make(() => Effect.die("a request"))
        )
      )
    )
  )

  it.effect("create, replace, apply and delete objects loaded from YAML, each alone", () =>
    Effect.gen(function* () {
      const [deployment, configMap, namespace] = yield* Codec.loadAll(manifest)
      if (deployment === undefined || configMap === undefined || namespace === undefined)
        throw new Error("3 objects")
      yield* Client.create(namespace)
      const created = yield* Client.create(configMap)
      expect(created.metadata?.uid).toBeDefined()
      const applied = yield* Client.apply(deployment, { fieldManager: "me" })
      expect(applied.kind).toBe("Deployment")
      // A replace of what was read back (its resourceVersion carried).
      const read = yield* Client.get(core.ConfigMap, "settings", { namespace: "shop" })
      const replaced = yield* Client.replace({ ...read, data: { mode: "slow" } })
      expect(replaced.data).toEqual({ mode: "slow" })
      yield* Client.delete(configMap)
      const gone = yield* Effect.flip(Client.get(core.ConfigMap, "settings", { namespace: "shop" }))
      expect(gone).toMatchObject({ _tag: "ApiError", code: 404 })
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it("a kind is not an object: passing one alone is a type error", () => {
    // @ts-expect-error a kind must be followed by the object
    const wrong = () => Client.apply(core.ConfigMap)
    expect(wrong).toBeTypeOf("function")
  })

  it.effect("a kind nobody knows is an UnknownKind (not built in, not registered, not served)", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Client.create({
          apiVersion: "example.com/v1",
          kind: "Gadget",
          metadata: { name: "g", namespace: "default" }
        })
      )
      expect(error).toBeInstanceOf(Registry.UnknownKind)
      expect(error.message).toBe(
        'no kind "Gadget" in "example.com/v1": not a built-in kind, not registered, not served by the cluster'
      )
      // An object without apiVersion or kind cannot name its kind.
      const nameless = yield* Effect.flip(
        Client.create({ apiVersion: "", kind: "", metadata: { name: "x" } })
      )
      expect(nameless._tag).toBe("InvalidRequest")
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect("a custom kind the cluster serves is found through its discovery document", () =>
    Effect.gen(function* () {
      const [definition] = yield* Codec.loadAll(crd)
      if (definition === undefined) throw new Error("a CRD")
      yield* Client.create(definition)
      const made = yield* Client.create({
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name: "w", namespace: "default" },
        spec: { size: 1 }
      })
      expect(made.spec).toEqual({ size: 1 })
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect("a registry given is asked first: its kind's Schema checks and encodes the object", () =>
    Effect.gen(function* () {
      const Widget = Resource.namespaced(
        { group: "example.com", version: "v1", kind: "Widget", plural: "widgets" },
        { spec: Schema.Struct({ size: Schema.Number }), status: Schema.Unknown }
      )
      const cluster = yield* InMemoryCluster.InMemoryCluster
      yield* cluster.register([Registry.entry(Widget)])
      const registry = Registry.make([Registry.entry(Widget)])
      const bad = yield* Effect.flip(
        Client.create(
          {
            apiVersion: "example.com/v1",
            kind: "Widget",
            metadata: { name: "w", namespace: "default" },
            spec: { size: "big" }
          },
          { registry }
        )
      )
      expect(bad._tag).toBe("ParseError")
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect("an object read from the cluster is deleted only if it is still that one (uid)", () =>
    Effect.gen(function* () {
      const first = yield* Client.create(core.ConfigMap, { metadata: { name: "n", namespace: "default" } })
      yield* Client.delete(core.ConfigMap, "n", { namespace: "default" })
      yield* Client.create(core.ConfigMap, { metadata: { name: "n", namespace: "default" } })
      // The first object is gone; the one there now has another uid: it stays.
      const refused = yield* Effect.flip(Client.delete(first))
      expect(refused).toBeInstanceOf(ApiError.ApiError)
      expect(refused).toMatchObject({ code: 409 })
      expect(yield* Client.get(core.ConfigMap, "n", { namespace: "default" })).toBeDefined()
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )
})

describe("objects alone: what is refused before anything is sent", () => {
  it.effect(
    "a namespace option that is not the object's is refused for every verb (a delete sends no object)",
    () =>
      Effect.gen(function* () {
        yield* Client.create(core.Namespace, { metadata: { name: "prod" } })
        yield* Client.create(core.Namespace, { metadata: { name: "staging" } })
        const inProd = {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "settings", namespace: "prod" }
        }
        yield* Client.create(inProd)
        yield* Client.create(core.ConfigMap, { metadata: { name: "settings", namespace: "staging" } })
        for (const attempt of [
          Client.delete(inProd, { namespace: "staging" }),
          Client.apply(inProd, { namespace: "staging", fieldManager: "me" }),
          Client.replace(inProd, { namespace: "staging" }),
          Client.create(inProd, { namespace: "staging" })
        ]) {
          const error = yield* Effect.flip(attempt)
          expect(error._tag).toBe("InvalidRequest")
          expect(error.message).toContain('is not the namespace asked for ("staging")')
        }
        expect(yield* Client.get(core.ConfigMap, "settings", { namespace: "staging" })).toBeDefined()
        // A name missing (an untyped caller) never becomes a delete of the whole collection.
        const untypedName: string = JSON.parse("null")
        const nameless = yield* Effect.flip(
          Client.delete(core.ConfigMap, untypedName, { namespace: "staging" })
        )
        expect(nameless._tag).toBe("InvalidRequest")
        expect(yield* Client.get(core.ConfigMap, "settings", { namespace: "staging" })).toBeDefined()
      }).pipe(Effect.provide(InMemoryCluster.layer()))
  )
})

describe("Client.applyAll and Client.deleteAll", () => {
  it.effect("applies in dependency order and says what each did: created, unchanged, configured", () =>
    Effect.gen(function* () {
      const objects = yield* Codec.loadAll(manifest)
      const first = yield* Client.applyAll(objects, { fieldManager: "deployer" })
      expect(summary(first)).toEqual([
        "Namespace -/shop created",
        "ConfigMap shop/settings created",
        "Deployment shop/web created"
      ])
      const again = yield* Client.applyAll(objects, { fieldManager: "deployer" })
      expect(summary(again)).toEqual([
        "Namespace -/shop unchanged",
        "ConfigMap shop/settings unchanged",
        "Deployment shop/web unchanged"
      ])
      const changed = objects.map((o) => (o.kind === "ConfigMap" ? { ...o, data: { mode: "slow" } } : o))
      const third = yield* Client.applyAll(changed, { fieldManager: "deployer" })
      expect(summary(third)).toEqual([
        "Namespace -/shop unchanged",
        "ConfigMap shop/settings configured",
        "Deployment shop/web unchanged"
      ])
      expect(third[1]?.object?.data).toEqual({ mode: "slow" })
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect("objects from a one-shot iterable (a generator) are all applied", () =>
    Effect.gen(function* () {
      const objects = yield* Codec.loadAll(manifest)
      function* each() {
        yield* objects
      }
      const changes = yield* Client.applyAll(each(), { fieldManager: "deployer" })
      expect(changes).toHaveLength(3)
      expect(yield* Client.get(core.ConfigMap, "settings", { namespace: "shop" })).toBeDefined()
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect("a dry run of a CRD and its resources fails at once: a dry run defines no kind", () =>
    Effect.gen(function* () {
      const objects = yield* Codec.loadAll(
        `${crd}\n---\n${widget}\n---\napiVersion: v1\nkind: Namespace\nmetadata: { name: shop }`
      )
      const error = yield* Effect.flip(Client.applyAll(objects, { fieldManager: "deployer", dryRun: true }))
      expect(error.cause._tag).toBe("UnknownKind")
      expect(summary(error.done)).toEqual([
        "Namespace -/shop created",
        "CustomResourceDefinition -/widgets.example.com created"
      ])
      // What was done is named, without the objects.
      expect(error.done.every((c) => c.object === undefined)).toBe(true)
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect("a dry run says what would change and changes nothing", () =>
    Effect.gen(function* () {
      const objects = yield* Codec.loadAll(manifest)
      yield* Client.applyAll(objects, { fieldManager: "deployer" })
      const changed = objects.map((o) => (o.kind === "ConfigMap" ? { ...o, data: { mode: "slow" } } : o))
      const planned = yield* Client.applyAll(changed, { fieldManager: "deployer", dryRun: true })
      expect(summary(planned)).toEqual([
        "Namespace -/shop unchanged",
        "ConfigMap shop/settings configured",
        "Deployment shop/web unchanged"
      ])
      const stored = yield* Client.get(core.ConfigMap, "settings", { namespace: "shop" })
      expect(stored.data).toEqual({ mode: "fast" })
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect(
    "a CRD and its custom resources in one batch: the resources come after their kind is served",
    () =>
      Effect.gen(function* () {
        const objects = yield* Codec.loadAll(
          `${widget}\n---\n${crd}\n---\napiVersion: v1\nkind: Namespace\nmetadata: { name: shop }`
        )
        const changes = yield* Client.applyAll(objects, { fieldManager: "deployer" })
        expect(summary(changes)).toEqual([
          "Namespace -/shop created",
          "CustomResourceDefinition -/widgets.example.com created",
          "Widget shop/w1 created"
        ])
        const removed = yield* Client.deleteAll(objects)
        expect(summary(removed)).toEqual([
          "Widget shop/w1 deleted",
          "CustomResourceDefinition -/widgets.example.com deleted",
          "Namespace -/shop deleted"
        ])
      }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect("stops at the first failure with a BatchError naming the object and what was done", () =>
    Effect.gen(function* () {
      const objects = yield* Codec.loadAll(manifest)
      const broken = [...objects, { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "shop" } }]
      const exit = yield* Effect.exit(Client.applyAll(broken, { fieldManager: "deployer" }))
      expect(Exit.isFailure(exit)).toBe(true)
      const error = yield* Effect.flip(Client.applyAll(broken, { fieldManager: "deployer" }))
      expect(error._tag).toBe("BatchError")
      expect(error.failed).toEqual({ apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "" })
      expect(error.cause._tag).toBe("InvalidRequest")
      // In order: the namespace and the first ConfigMap were applied before the nameless one.
      expect(summary(error.done)).toEqual(["Namespace -/shop unchanged", "ConfigMap shop/settings unchanged"])
      expect(error.message).toMatch(/^apply of ConfigMap shop\/\(no name\) failed after 2 done: /)
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect("deleteAll: reverse order; what is already gone, or of a kind not served, is absent", () =>
    Effect.gen(function* () {
      const objects = yield* Codec.loadAll(manifest)
      yield* Client.applyAll(objects, { fieldManager: "deployer" })
      yield* Client.delete(core.ConfigMap, "settings", { namespace: "shop" })
      const unknown = {
        apiVersion: "example.com/v1",
        kind: "Gadget",
        metadata: { name: "g", namespace: "shop" }
      }
      const removed = yield* Client.deleteAll([...objects, unknown])
      expect(summary(removed)).toEqual([
        "Gadget shop/g absent",
        "Deployment shop/web deleted",
        "ConfigMap shop/settings absent",
        "Namespace -/shop deleted"
      ])
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )
})
