/**
 * The contract suite: behavioural tests that run against BOTH the in-memory cluster and the real
 * apiserver of the test bed, so that the two cannot drift apart. Written only against the public
 * API. Where the in-memory cluster differs on purpose, the test says so.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, type Layer, Option, Stream } from "effect"
import { Client, Selector, Wait, Watch } from "../../src/index.js"
import * as apps from "../../src/models/apps/v1.js"
import * as core from "../../src/models/core/v1.js"
import { configMap, deployment } from "../harness/Fixtures.js"

export type Backend = Layer.Layer<Client.Requirements, unknown>

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`

const cm = configMap

export const contractSuite = (backend: string, layer: Backend) => {
  /** Each test in a fresh namespace of its own. */
  const inNamespace = <A, E>(body: (ns: string) => Effect.Effect<A, E, Client.Requirements>) => {
    const ns = unique("contract")
    return Client.create(core.Namespace, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns }
    }).pipe(Effect.zipRight(body(ns)), Effect.provide(layer))
  }

  describe(`contract (${backend})`, () => {
    it.live("create, get, replace, delete; NotFound, AlreadyExists, Invalid with causes, Conflict", () =>
      inNamespace((namespace) =>
        Effect.gen(function* () {
          const created = yield* Client.create(core.ConfigMap, cm("a", { k: "1" }), { namespace })
          expect(created.metadata).toMatchObject({ name: "a", namespace })
          expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/)
          expect(created.metadata?.resourceVersion).toMatch(/^\d+$/)
          expect(created.metadata?.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
          const got = yield* Client.get(core.ConfigMap, "a", { namespace })
          expect(got.data).toEqual({ k: "1" })
          const replaced = yield* Client.replace(core.ConfigMap, { ...got, data: { k: "2" } })
          expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(
            Number(got.metadata?.resourceVersion)
          )
          const stale = yield* Effect.flip(Client.replace(core.ConfigMap, { ...got, data: { k: "3" } }))
          expect(stale).toMatchObject({ _tag: "ApiError", code: 409, reason: "Conflict" })
          const exists = yield* Effect.flip(Client.create(core.ConfigMap, cm("a"), { namespace }))
          expect(exists).toMatchObject({ code: 409, reason: "AlreadyExists" })
          expect(exists.message).toContain('configmaps "a" already exists')
          const invalid = yield* Effect.flip(Client.create(core.ConfigMap, cm("Not_Valid"), { namespace }))
          expect(invalid).toMatchObject({ code: 422, reason: "Invalid" })
          if (invalid._tag === "ApiError")
            expect(invalid.causes.map((c) => c.field)).toContain("metadata.name")
          yield* Client.delete(core.ConfigMap, "a", { namespace })
          const missing = yield* Effect.flip(Client.get(core.ConfigMap, "a", { namespace }))
          expect(missing).toMatchObject({ code: 404, reason: "NotFound" })
          expect(missing.message).toContain('configmaps "a" not found')
          const noNamespace = yield* Effect.flip(
            Client.create(core.ConfigMap, cm("x"), { namespace: unique("absent") })
          )
          expect(noNamespace).toMatchObject({ code: 404, reason: "NotFound" })
        })
      )
    )

    it.live("generateName; dryRun leaves nothing; field managers in managedFields", () =>
      inNamespace((namespace) =>
        Effect.gen(function* () {
          const generated = yield* Client.create(
            core.ConfigMap,
            { apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: "gen-" }, data: { a: "1" } },
            { namespace }
          )
          expect(generated.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/)
          yield* Client.create(core.ConfigMap, cm("dry", { a: "1" }), { namespace, dryRun: true })
          expect(Option.isNone(yield* Client.getOption(core.ConfigMap, "dry", { namespace }))).toBe(true)
          const managed = yield* Client.create(core.ConfigMap, cm("m", { a: "1" }), {
            namespace,
            fieldManager: "tester"
          })
          expect(managed.metadata?.managedFields?.map((f) => f.manager)).toContain("tester")
        })
      )
    )

    it.live("a write that changes nothing keeps the resourceVersion and sends no watch event", () =>
      inNamespace((namespace) =>
        Effect.gen(function* () {
          const applied = yield* Client.apply(
            core.ConfigMap,
            { ...cm("same", { a: "1" }), metadata: { name: "same", namespace } },
            { fieldManager: "tester" }
          )
          const version = applied.metadata?.resourceVersion
          const events = yield* Watch.watch(core.ConfigMap, { namespace, resourceVersion: version }).pipe(
            Stream.filter((e) => e._tag !== "Bookmark"),
            Stream.take(1),
            Stream.runCollect,
            Effect.fork
          )
          const again = yield* Client.apply(
            core.ConfigMap,
            { ...cm("same", { a: "1" }), metadata: { name: "same", namespace } },
            { fieldManager: "tester" }
          )
          expect(again.metadata?.resourceVersion).toBe(version)
          const patched = yield* Client.patch(core.ConfigMap, "same", { data: { a: "1" } }, { namespace })
          expect(patched.metadata?.resourceVersion).toBe(version)
          // The next real change is the first event the watch sees.
          yield* Client.patch(core.ConfigMap, "same", { data: { a: "2" } }, { namespace })
          const seen = Chunk.toReadonlyArray(yield* Fiber.join(events))
          expect(seen.map((e) => e.object.data?.a)).toEqual(["2"])
        })
      )
    )

    it.live("list: selectors filter exactly; pages of 3 walk all", () =>
      inNamespace((namespace) =>
        Effect.gen(function* () {
          for (let i = 0; i < 10; i++) {
            yield* Client.create(
              core.ConfigMap,
              cm(`c${i}`, {}, { mod: String(i % 3), ...(i < 2 ? { low: "" } : {}) }),
              { namespace }
            )
          }
          const names = (labels: Selector.LabelSelector, fields?: Selector.FieldSelector) =>
            Client.list(core.ConfigMap, {
              namespace,
              labels,
              ...(fields !== undefined ? { fields } : {})
            }).pipe(
              Stream.map((c) => c.metadata?.name ?? ""),
              Stream.runCollect,
              Effect.map((c) => [...c].sort())
            )
          expect(yield* names({ mod: "0" })).toEqual(["c0", "c3", "c6", "c9"])
          expect(yield* names({ mod: Selector.in(["1", "2"]) })).toHaveLength(6)
          expect(yield* names({ mod: Selector.notIn(["1", "2"]) })).toEqual(["c0", "c3", "c6", "c9"])
          expect(yield* names({ mod: Selector.notEqual("0") })).toHaveLength(6)
          expect(yield* names({ low: Selector.exists })).toEqual(["c0", "c1"])
          expect(yield* names({ low: Selector.notExists, mod: "1" })).toEqual(["c4", "c7"])
          expect(yield* names({}, { "metadata.name": "c5" })).toEqual(["c5"])
          expect(yield* names({ mod: "1" }, { "metadata.name": Selector.notEqual("c1") })).toEqual([
            "c4",
            "c7"
          ])
          const pages = yield* Client.listPages(core.ConfigMap, { namespace, chunkSize: 3 }).pipe(
            Stream.runCollect
          )
          expect(Chunk.toReadonlyArray(pages).map((p) => p.items.length)).toEqual([3, 3, 3, 1])
          const all = yield* Client.listAll(core.ConfigMap, { namespace, chunkSize: 3 })
          expect(all.items).toHaveLength(10)
          expect(all.resourceVersion).toMatch(/^\d+$/)
        })
      )
    )

    it.live("patch: strategic merge by container name, JSON merge, JSON patch; set", () =>
      inNamespace((namespace) =>
        Effect.gen(function* () {
          yield* Client.create(apps.Deployment, deployment("web"), { namespace })
          const strategic = yield* Client.patch(
            apps.Deployment,
            "web",
            {
              spec: {
                template: {
                  spec: {
                    containers: [
                      { name: "web", image: "nginx:2" },
                      { name: "side", image: "busybox" }
                    ]
                  }
                }
              }
            },
            { namespace }
          )
          const containers = strategic.spec?.template.spec?.containers ?? []
          expect(containers.map((c) => [c.name, c.image])).toEqual([
            ["web", "nginx:2"],
            ["side", "busybox"]
          ])
          expect(containers[0]?.env).toEqual([{ name: "A", value: "1" }])
          expect(strategic.metadata?.generation).toBe(2)
          const merged = yield* Client.patch(
            apps.Deployment,
            "web",
            { metadata: { labels: { x: "y" } } },
            { namespace, patchType: "merge" }
          )
          expect(merged.metadata?.labels).toEqual({ x: "y" })
          const json = yield* Client.patch(
            apps.Deployment,
            "web",
            [{ op: "replace", path: "/spec/replicas", value: 4 }],
            { namespace, patchType: "json" }
          )
          expect(json.spec?.replicas).toBe(4)
          const set = yield* Client.set(
            apps.Deployment,
            "web",
            { labels: { x: null, z: "1" } },
            { namespace }
          )
          expect(set.metadata?.labels).toEqual({ z: "1" })
          const badJsonPatch = yield* Effect.flip(
            Client.patch(apps.Deployment, "web", [{ op: "remove", path: "/spec/nope" }], {
              namespace,
              patchType: "json"
            })
          )
          expect(badJsonPatch).toMatchObject({ _tag: "ApiError" })
        })
      )
    )

    it.live("server-side apply: conflicts name the managers; force takes over", () =>
      inNamespace((namespace) =>
        Effect.gen(function* () {
          const first = yield* Client.apply(
            core.ConfigMap,
            { ...cm("ssa", { a: "1" }), metadata: { name: "ssa", namespace } },
            { fieldManager: "alice" }
          )
          expect(first.data).toEqual({ a: "1" })
          const again = yield* Client.apply(
            core.ConfigMap,
            { ...cm("ssa", { a: "1", b: "2" }), metadata: { name: "ssa", namespace } },
            { fieldManager: "alice" }
          )
          expect(again.data).toEqual({ a: "1", b: "2" })
          const conflict = yield* Effect.flip(
            Client.apply(
              core.ConfigMap,
              { ...cm("ssa", { a: "9" }), metadata: { name: "ssa", namespace } },
              { fieldManager: "bob" }
            )
          )
          expect(conflict).toMatchObject({ _tag: "ApiError", code: 409 })
          if (conflict._tag === "ApiError")
            expect(conflict.conflicts.map((c) => c.manager)).toEqual(["alice"])
          // The same value is no conflict.
          yield* Client.apply(
            core.ConfigMap,
            { ...cm("ssa", { b: "2" }), metadata: { name: "ssa", namespace } },
            { fieldManager: "bob" }
          )
          const forced = yield* Client.apply(
            core.ConfigMap,
            { ...cm("ssa", { a: "9" }), metadata: { name: "ssa", namespace } },
            { fieldManager: "bob", force: true }
          )
          expect(forced.data?.a).toBe("9")
        })
      )
    )

    it.live(
      "delete: finalizers keep the object until removed; Foreground adds its finalizer; deleteCollection",
      () =>
        inNamespace((namespace) =>
          Effect.gen(function* () {
            yield* Client.create(
              core.ConfigMap,
              { ...cm("fin"), metadata: { name: "fin", finalizers: ["example.com/hold"] } },
              { namespace }
            )
            yield* Client.delete(core.ConfigMap, "fin", { namespace })
            const held = yield* Client.get(core.ConfigMap, "fin", { namespace })
            expect(held.metadata?.deletionTimestamp).toBeDefined()
            yield* Client.patch(
              core.ConfigMap,
              "fin",
              { metadata: { finalizers: null } },
              { namespace, patchType: "merge" }
            )
            expect(Option.isNone(yield* Client.getOption(core.ConfigMap, "fin", { namespace }))).toBe(true)

            yield* Client.create(core.ConfigMap, cm("fg"), { namespace })
            yield* Client.delete(core.ConfigMap, "fg", { namespace, cascade: "Foreground" })
            expect((yield* Client.get(core.ConfigMap, "fg", { namespace })).metadata?.finalizers).toContain(
              "foregroundDeletion"
            )

            for (const [name, temp] of [
              ["t1", "yes"],
              ["t2", "yes"],
              ["t3", "no"]
            ] as const) {
              yield* Client.create(core.ConfigMap, cm(name, {}, { temp }), { namespace })
            }
            yield* Client.deleteCollection(core.ConfigMap, { namespace, labels: { temp: "yes" } })
            const left = yield* Client.list(core.ConfigMap, {
              namespace,
              labels: { temp: Selector.exists }
            }).pipe(Stream.runCollect)
            expect([...left].map((c) => c.metadata?.name)).toEqual(["t3"])
          })
        )
    )

    it.live("status and scale sub-resources: the main resource ignores status", () =>
      inNamespace((namespace) =>
        Effect.gen(function* () {
          const d = yield* Client.create(apps.Deployment, deployment("s", 2), { namespace })
          const ignored = yield* Client.replace(apps.Deployment, { ...d, status: { replicas: 9 } })
          expect(ignored.status?.replicas).toBeUndefined()
          const withStatus = yield* Client.replaceStatus(apps.Deployment, {
            ...ignored,
            status: { replicas: 2, readyReplicas: 1 }
          })
          expect(withStatus.status?.readyReplicas).toBe(1)
          expect((yield* Client.getScale(apps.Deployment, "s", { namespace })).spec?.replicas).toBe(2)
          expect(
            (yield* Client.patchScale(apps.Deployment, "s", { spec: { replicas: 5 } }, { namespace })).spec
              ?.replicas
          ).toBe(5)
          expect((yield* Client.get(apps.Deployment, "s", { namespace })).spec?.replicas).toBe(5)
        })
      )
    )

    it.live("watch: events in order from a list's version; watcher; wait", () =>
      inNamespace((namespace) =>
        Effect.gen(function* () {
          const { resourceVersion } = yield* Client.listAll(core.ConfigMap, { namespace })
          const fiber = yield* Watch.watch(core.ConfigMap, { namespace, resourceVersion }).pipe(
            Stream.filter((e) => e._tag !== "Bookmark"),
            Stream.take(3),
            Stream.runCollect,
            Effect.fork
          )
          yield* Client.create(core.ConfigMap, cm("w", { v: "1" }), { namespace })
          yield* Client.patch(core.ConfigMap, "w", { data: { v: "2" } }, { namespace })
          yield* Client.delete(core.ConfigMap, "w", { namespace })
          const events = Chunk.toReadonlyArray(yield* Fiber.join(fiber)).map(
            (e) => `${e._tag} ${JSON.stringify(e.object.data)}`
          )
          expect(events).toEqual(['Added {"v":"1"}', 'Modified {"v":"2"}', 'Deleted {"v":"2"}'])

          yield* Client.create(
            core.Pod,
            {
              apiVersion: "v1",
              kind: "Pod",
              metadata: { name: "p" },
              spec: { containers: [{ name: "c", image: "busybox" }] }
            },
            { namespace }
          )
          const ready = yield* Effect.fork(
            Wait.forCondition(core.Pod, "p", { namespace, for: ["Ready"], timeout: "20 seconds" })
          )
          yield* Effect.sleep("200 millis")
          yield* Client.patchStatus(
            core.Pod,
            "p",
            { status: { conditions: [{ type: "Ready", status: "True" }] } },
            { namespace }
          )
          expect((yield* Fiber.join(ready)).metadata?.name).toBe("p")
        })
      )
    )
  })
}
