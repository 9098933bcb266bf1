import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Redacted, Stream } from "effect"
import { inject } from "vitest"
import { Client, type ClientDefaults, Controller, Resource, Selector, Warnings } from "../../src/index.js"
import * as apps from "../../src/models/apps/v1.js"
import * as core from "../../src/models/core/v1.js"
import { configMap, deployment } from "../harness/Fixtures.js"
import { clientLayer, inFreshNamespace, unique } from "../harness/Namespace.js"

const env = inject("envtest")
/** A client whose default namespace is the given one. */
const inNamespace = (namespace: string) => clientLayer(env.kubeconfigs["admin-cert"], { namespace })

const withNamespace = <A, E>(
  body: (namespace: string) => Effect.Effect<A, E, Client.Requirements>,
  defaults: ClientDefaults.Defaults = {}
) => inFreshNamespace(env.kubeconfigs["admin-cert"], "verbs", defaults)(body)

describe("verbs against the real apiserver", () => {
  it.live(
    "a name or namespace that is not a path segment deletes nothing (regression: '' deleted the collection)",
    () =>
      withNamespace((ns) =>
        Effect.gen(function* () {
          yield* Client.create(core.ConfigMap, configMap("keep-a"))
          yield* Client.create(core.ConfigMap, configMap("keep-b"))
          for (const bad of ["", ".", "..", "a/b", "%2e%2e", "..%2f"]) {
            const byName = yield* Effect.flip(Client.delete(core.ConfigMap, bad))
            expect(byName._tag, JSON.stringify(bad)).toBe("InvalidRequest")
            const byNamespace = yield* Effect.flip(
              Client.delete(core.ConfigMap, "keep-a", { namespace: bad })
            )
            expect(byNamespace._tag).toBe("InvalidRequest")
            const collection = yield* Effect.flip(Client.deleteCollection(core.ConfigMap, { namespace: bad }))
            expect(collection._tag).toBe("InvalidRequest")
            const namespace = yield* Effect.flip(Client.delete(core.Namespace, bad))
            expect(namespace._tag).toBe("InvalidRequest")
          }
          const left = yield* Client.listAll(core.ConfigMap)
          expect(left.items.map((c) => c.metadata?.name).sort()).toEqual(["keep-a", "keep-b"])
          const namespace = yield* Client.get(core.Namespace, ns)
          expect(namespace.status?.phase).toBe("Active")
        })
      )
  )

  it.live("a namespace of '..' from the configuration never reaches a cluster-wide path", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Client.deleteCollection(core.ConfigMap))
      expect(error._tag).toBe("InvalidRequest")
      expect((yield* Effect.flip(Client.delete(core.ConfigMap, "x")))._tag).toBe("InvalidRequest")
    }).pipe(Effect.provide(inNamespace("..")))
  )

  it.live("create, get, getOption, replace, delete; namespace from the client default or the object", () =>
    withNamespace((ns) =>
      Effect.gen(function* () {
        const created = yield* Client.create(core.ConfigMap, configMap("a", { k: "1" }))
        expect(created.metadata?.namespace).toBe(ns)
        expect(created.metadata?.uid).toBeDefined()
        const got = yield* Client.get(core.ConfigMap, "a")
        expect(got.data).toEqual({ k: "1" })
        expect(got.kind).toBe("ConfigMap")
        const replaced = yield* Client.replace(core.ConfigMap, { ...got, data: { k: "2" } })
        expect(replaced.data).toEqual({ k: "2" })
        expect(Option.isNone(yield* Client.getOption(core.ConfigMap, "nope"))).toBe(true)
        // The object's own namespace wins over the client default.
        const other = unique("other")
        yield* Client.create(core.Namespace, {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: other }
        })
        const elsewhere = yield* Client.create(core.ConfigMap, {
          ...configMap("b"),
          metadata: { name: "b", namespace: other }
        })
        expect(elsewhere.metadata?.namespace).toBe(other)
        // The option wins over both.
        expect((yield* Client.get(core.ConfigMap, "b", { namespace: other })).metadata?.name).toBe("b")
        yield* Client.delete(core.ConfigMap, "a")
        const error = yield* Effect.flip(Client.get(core.ConfigMap, "a"))
        expect(error).toMatchObject({ _tag: "ApiError", reason: "NotFound", code: 404 })
      })
    )
  )

  it.live("typed API errors: AlreadyExists, Invalid with causes, Conflict on a stale version", () =>
    withNamespace(() =>
      Effect.gen(function* () {
        const first = yield* Client.create(core.ConfigMap, configMap("dup"))
        const exists = yield* Effect.flip(Client.create(core.ConfigMap, configMap("dup")))
        expect(exists).toMatchObject({ _tag: "ApiError", reason: "AlreadyExists", code: 409 })
        const invalid = yield* Effect.flip(Client.create(core.ConfigMap, configMap("Not_Valid")))
        expect(invalid).toMatchObject({ reason: "Invalid", code: 422 })
        if (invalid._tag === "ApiError")
          expect(invalid.causes.some((c) => c.field === "metadata.name")).toBe(true)
        yield* Client.replace(core.ConfigMap, { ...first, data: { v: "1" } })
        const stale = yield* Effect.flip(Client.replace(core.ConfigMap, { ...first, data: { v: "2" } }))
        expect(stale).toMatchObject({ reason: "Conflict", code: 409 })
        // retryOnConflict re-reads and succeeds.
        const bumped = yield* Client.retryOnConflict(
          Effect.flatMap(Client.get(core.ConfigMap, "dup"), (cm) =>
            Client.replace(core.ConfigMap, { ...cm, data: { v: "3" } })
          )
        )
        expect(bumped.data).toEqual({ v: "3" })
      })
    )
  )

  it.live("dryRun leaves nothing; field managers show in managedFields", () =>
    withNamespace(() =>
      Effect.gen(function* () {
        yield* Client.create(core.ConfigMap, configMap("dry"), { dryRun: true })
        expect(Option.isNone(yield* Client.getOption(core.ConfigMap, "dry"))).toBe(true)
        const made = yield* Client.create(core.ConfigMap, configMap("managed", { a: "1" }), {
          fieldManager: "tester"
        })
        expect(made.metadata?.managedFields?.map((f) => f.manager)).toContain("tester")
        yield* Client.delete(core.ConfigMap, "managed", { dryRun: true })
        expect(Option.isSome(yield* Client.getOption(core.ConfigMap, "managed"))).toBe(true)
      })
    )
  )

  it.live("client-wide dryRun and fieldManager defaults", () =>
    withNamespace(
      (ns) =>
        Effect.gen(function* () {
          yield* Client.create(core.ConfigMap, configMap("never"))
          const none = yield* Client.getOption(core.ConfigMap, "never")
          expect(Option.isNone(none)).toBe(true)
          // A write that opts out of the default dry run.
          // (An object owning no field beyond its name gets no managedFields entry: give it data.)
          const real = yield* Client.create(core.ConfigMap, configMap("real", { a: "1" }), { dryRun: false })
          expect(real.metadata?.managedFields?.map((f) => f.manager)).toContain("defaults-manager")
          expect(real.metadata?.namespace).toBe(ns)
        }),
      { dryRun: true, fieldManager: "defaults-manager" }
    )
  )

  it.live("patch: strategic merge by container name, JSON merge, JSON patch", () =>
    withNamespace(() =>
      Effect.gen(function* () {
        yield* Client.create(apps.Deployment, deployment("web"))
        const strategic = yield* Client.patch(apps.Deployment, "web", {
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
        })
        const containers = strategic.spec?.template.spec?.containers ?? []
        expect(containers.map((c) => [c.name, c.image])).toEqual([
          ["web", "nginx:2"],
          ["side", "busybox"]
        ])
        // The strategic merge kept the env of "web".
        expect(containers[0]?.env).toEqual([{ name: "A", value: "1" }])
        const merged = yield* Client.patch(
          apps.Deployment,
          "web",
          { metadata: { labels: { x: "y" } } },
          { patchType: "merge" }
        )
        expect(merged.metadata?.labels).toEqual({ x: "y" })
        const json = yield* Client.patch(
          apps.Deployment,
          "web",
          [{ op: "replace", path: "/spec/replicas", value: 4 }],
          {
            patchType: "json"
          }
        )
        expect(json.spec?.replicas).toBe(4)
      })
    )
  )

  it.live("apply: field manager required, conflicts name the managers, force takes over", () =>
    withNamespace((ns) =>
      Effect.gen(function* () {
        const noManager = yield* Effect.flip(Client.apply(core.ConfigMap, configMap("ssa", { a: "1" })))
        expect(noManager._tag).toBe("InvalidRequest")
        const first = yield* Client.apply(
          core.ConfigMap,
          { ...configMap("ssa", { a: "1" }), metadata: { name: "ssa", namespace: ns } },
          {
            fieldManager: "alice"
          }
        )
        expect(first.data).toEqual({ a: "1" })
        const conflict = yield* Effect.flip(
          Client.apply(core.ConfigMap, configMap("ssa", { a: "2" }), { fieldManager: "bob" })
        )
        expect(conflict).toMatchObject({ _tag: "ApiError", code: 409 })
        if (conflict._tag === "ApiError") expect(conflict.conflicts.map((c) => c.manager)).toEqual(["alice"])
        const forced = yield* Client.apply(core.ConfigMap, configMap("ssa", { a: "2" }), {
          fieldManager: "bob",
          force: true
        })
        expect(forced.data).toEqual({ a: "2" })
        expect(forced.metadata?.managedFields?.find((f) => f.manager === "bob")?.operation).toBe("Apply")
      })
    )
  )

  it.live("set: labels and annotations, null removes", () =>
    withNamespace(() =>
      Effect.gen(function* () {
        yield* Client.create(core.ConfigMap, configMap("lab", {}, { keep: "1", drop: "1" }))
        const after = yield* Client.set(core.ConfigMap, "lab", {
          labels: { drop: null, add: "2" },
          annotations: { note: "hi" }
        })
        expect(after.metadata?.labels).toEqual({ keep: "1", add: "2" })
        expect(after.metadata?.annotations).toEqual({ note: "hi" })
      })
    )
  )

  it.live("delete cascade options reach the server; deleteCollection by labels", () =>
    withNamespace(() =>
      Effect.gen(function* () {
        for (const name of ["fg", "orphan", "bg"]) yield* Client.create(core.ConfigMap, configMap(name))
        yield* Client.delete(core.ConfigMap, "fg", { cascade: "Foreground" })
        yield* Client.delete(core.ConfigMap, "orphan", { cascade: "Orphan" })
        yield* Client.delete(core.ConfigMap, "bg", { cascade: "Background", gracePeriod: 0 })
        // Without a garbage collector the apiserver leaves the finalizer it added for the policy.
        const fg = yield* Client.get(core.ConfigMap, "fg")
        expect(fg.metadata?.finalizers).toContain("foregroundDeletion")
        expect(fg.metadata?.deletionTimestamp).toBeDefined()
        expect((yield* Client.get(core.ConfigMap, "orphan")).metadata?.finalizers).toContain("orphan")
        expect(Option.isNone(yield* Client.getOption(core.ConfigMap, "bg"))).toBe(true)

        for (const [name, temp] of [
          ["t1", "yes"],
          ["t2", "yes"],
          ["t3", "no"]
        ] as const) {
          yield* Client.create(core.ConfigMap, configMap(name, {}, { temp }))
        }
        yield* Client.deleteCollection(core.ConfigMap, { labels: { temp: "yes" } })
        const left = yield* Client.list(core.ConfigMap, { labels: { temp: Selector.exists } }).pipe(
          Stream.runCollect
        )
        expect([...left].map((c) => c.metadata?.name)).toEqual(["t3"])
      })
    )
  )

  it.live(
    "list walks every page of 1,200 objects by chunks of 100; selectors filter exactly",
    () =>
      withNamespace((ns) =>
        Effect.gen(function* () {
          yield* Effect.forEach(
            Array.from({ length: 1200 }, (_, i) => i),
            (i) =>
              Client.create(
                core.ConfigMap,
                configMap(
                  `cm-${String(i).padStart(4, "0")}`,
                  {},
                  { mod: String(i % 3), ...(i % 10 === 0 ? { tens: "" } : {}) }
                )
              ),
            { concurrency: 20, discard: true }
          )
          let pages = 0
          const all = yield* Client.list(core.ConfigMap, { chunkSize: 100 }).pipe(
            Stream.tap(() => Effect.sync(() => pages++)),
            Stream.runCollect
          )
          const names = [...all].map((c) => c.metadata?.name).filter((n) => n?.startsWith("cm-"))
          expect(names).toHaveLength(1200)
          expect(new Set(names).size).toBe(1200)
          const listed = yield* Client.listAll(core.ConfigMap, { chunkSize: 100 })
          expect(listed.items.filter((c) => c.metadata?.name?.startsWith("cm-"))).toHaveLength(1200)
          expect(listed.resourceVersion).toMatch(/^\d+$/)

          const count = (labels: Selector.LabelSelector, fields?: Selector.FieldSelector) =>
            Client.list(core.ConfigMap, { labels, ...(fields !== undefined ? { fields } : {}) }).pipe(
              Stream.runCount
            )
          expect(yield* count({ mod: "0" })).toBe(400)
          expect(yield* count({ mod: Selector.notEqual("0") })).toBe(800)
          expect(yield* count({ mod: Selector.in(["1", "2"]) })).toBe(800)
          // No controller-manager here: no other ConfigMap (kube-root-ca.crt) in the namespace.
          expect(yield* count({ mod: Selector.notIn(["1", "2"]) })).toBe(400)
          expect(yield* count({ tens: Selector.exists })).toBe(120)
          expect(yield* count({ tens: Selector.notExists, mod: "0" })).toBe(400 - 40)
          expect(yield* count({}, { "metadata.name": "cm-0007" })).toBe(1)
          expect(yield* count({ mod: "1" }, { "metadata.name": Selector.notEqual("cm-0001") })).toBe(399)
          // Every namespace.
          const everywhere = yield* Client.list(core.ConfigMap, {
            namespace: "*",
            fields: { "metadata.namespace": ns }
          }).pipe(Stream.runCount)
          expect(everywhere).toBe(1200)
          const bad = yield* Effect.flip(
            Client.list(core.ConfigMap, { labels: { "bad key!": "x" } }).pipe(Stream.runCount)
          )
          expect(bad._tag).toBe("SelectorError")
        })
      ),
    120_000
  )

  it.live("status and scale sub-resources; eviction", () =>
    withNamespace(() =>
      Effect.gen(function* () {
        yield* Client.create(apps.Deployment, deployment("scaled", 2))
        const scale = yield* Client.getScale(apps.Deployment, "scaled")
        expect(scale).toMatchObject({ kind: "Scale", spec: { replicas: 2 } })
        const three = yield* Client.replaceScale(apps.Deployment, "scaled", {
          ...scale,
          spec: { replicas: 3 }
        })
        expect(three.spec?.replicas).toBe(3)
        const five = yield* Client.patchScale(apps.Deployment, "scaled", { spec: { replicas: 5 } })
        expect(five.spec?.replicas).toBe(5)
        expect((yield* Client.get(apps.Deployment, "scaled")).spec?.replicas).toBe(5)

        const d = yield* Client.get(apps.Deployment, "scaled")
        const withStatus = yield* Client.replaceStatus(apps.Deployment, {
          ...d,
          status: { replicas: 5, readyReplicas: 4 }
        })
        expect(withStatus.status?.readyReplicas).toBe(4)
        const patched = yield* Client.patchStatus(
          apps.Deployment,
          "scaled",
          { status: { readyReplicas: 5 } },
          { patchType: "merge" }
        )
        expect(patched.status?.readyReplicas).toBe(5)
        expect((yield* Client.getStatus(apps.Deployment, "scaled")).status?.readyReplicas).toBe(5)

        yield* Client.create(core.Pod, {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "victim" },
          spec: { containers: [{ name: "c", image: "busybox" }] }
        })
        yield* Client.evict(core.Pod, "victim")
        const after = yield* Client.getOption(core.Pod, "victim")
        expect(Option.isNone(after) || after.value.metadata?.deletionTimestamp !== undefined).toBe(true)
      })
    )
  )

  it.live("custom kinds take the verbs too (merge patch by default)", () =>
    Effect.gen(function* () {
      const Widget = Resource.namespaced({
        group: "example.com",
        version: "v1",
        kind: "Gadget",
        plural: "gadgets"
      })
      // No CRD: the server says NotFound for the kind, typed.
      const error = yield* Effect.flip(Client.get(Widget, "x"))
      expect(error).toMatchObject({ _tag: "ApiError", code: 404 })
    }).pipe(Effect.provide(inNamespace("default")))
  )
})

describe("options against the real apiserver", () => {
  it.live(
    "delete preconditions (uid, resourceVersion), get and list versions, deleteCollection options, the server's warnings",
    () =>
      withNamespace(() =>
        Effect.gen(function* () {
          const a = yield* Client.create(core.ConfigMap, configMap("a"))
          const stale = yield* Effect.flip(
            Client.delete(core.ConfigMap, "a", { preconditions: { uid: "not-its-uid" } })
          )
          expect(stale).toMatchObject({ _tag: "ApiError", code: 409 })
          yield* Client.patch(core.ConfigMap, "a", { data: { changed: "yes" } }, { patchType: "merge" })
          const old = yield* Effect.flip(
            Client.delete(core.ConfigMap, "a", {
              preconditions: { resourceVersion: a.metadata?.resourceVersion }
            })
          )
          expect(old).toMatchObject({ _tag: "ApiError", code: 409 })
          yield* Client.delete(core.ConfigMap, "a", { preconditions: { uid: a.metadata?.uid } })
          expect(Option.isNone(yield* Client.getOption(core.ConfigMap, "a"))).toBe(true)

          const b = yield* Client.create(core.ConfigMap, configMap("b"))
          expect((yield* Client.get(core.ConfigMap, "b", { resourceVersion: "0" })).metadata?.uid).toBe(
            b.metadata?.uid
          )
          const listed = yield* Client.listAll(core.ConfigMap, {
            resourceVersion: b.metadata?.resourceVersion,
            resourceVersionMatch: "NotOlderThan",
            timeoutSeconds: 10
          })
          expect(listed.items.map((o) => o.metadata?.name)).toContain("b")

          yield* Client.deleteCollection(core.ConfigMap, { cascade: "Background", timeoutSeconds: 10 })
          expect(
            (yield* Client.listAll(core.ConfigMap)).items.filter((o) => o.metadata?.name === "b")
          ).toEqual([])

          // A deprecated API version: the apiserver answers with a Warning header.
          const OldIngress = Resource.namespaced({
            group: "extensions",
            version: "v1beta1",
            kind: "Ingress",
            plural: "ingresses"
          })
          const [, warnings] = yield* Warnings.collect(Client.listAll(OldIngress))
          expect(warnings.map((w) => w.text).join("\n")).toMatch(/extensions\/v1beta1 Ingress is deprecated/)
        })
      )
  )
})

describe("sub-resources against the real apiserver", () => {
  it.live(
    "createToken: a service account's token for an audience, Redacted; a missing account is a 404",
    () =>
      withNamespace((ns) =>
        Effect.gen(function* () {
          yield* Client.create(core.ServiceAccount, { metadata: { name: "builder" } })
          const issued = yield* Client.createToken(core.ServiceAccount, "builder", {
            audiences: ["vault"],
            expirationSeconds: 600
          })
          const token = Redacted.value(issued.token)
          expect(token.split(".").length).toBe(3)
          expect(String(issued.token)).not.toContain(token)
          expect(JSON.stringify(issued)).not.toContain(token)
          const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"))
          expect(payload.aud).toEqual(["vault"])
          expect(payload.sub).toBe(`system:serviceaccount:${ns}:builder`)
          expect(Date.parse(issued.expirationTimestamp)).toBeGreaterThan(Date.now())
          const missing = yield* Effect.flip(Client.createToken(core.ServiceAccount, "nobody"))
          expect(missing).toMatchObject({ _tag: "ApiError", code: 404 })
        })
      )
  )
})

describe("status apply against the real apiserver", () => {
  it.live(
    "applyStatus sends the status alone: its manager owns no spec field, so a later spec apply by another does not conflict",
    () =>
      withNamespace(() =>
        Effect.gen(function* () {
          const created = yield* Client.apply(apps.Deployment, deployment("rollout"), {
            fieldManager: "user"
          })
          const reported = yield* Controller.applyStatus(
            apps.Deployment,
            created,
            {
              observedGeneration: 1,
              conditions: [{ type: "Available", status: "False", reason: "Testing" }]
            },
            { fieldManager: "example.com/ctrl" }
          )
          expect(reported.status?.conditions?.[0]?.reason).toBe("Testing")
          const entry = reported.metadata?.managedFields?.find((f) => f.manager === "example.com/ctrl")
          expect(Object.keys(entry?.fieldsV1 ?? {})).toEqual(["f:status"])
          // The user applies another replica count: no conflict with the controller.
          const scaled = yield* Client.apply(apps.Deployment, deployment("rollout", 4), {
            fieldManager: "user"
          })
          expect(scaled.spec?.replicas).toBe(4)
        })
      )
  )
})

describe("types", () => {
  it("a wrong sub-resource pairing does not compile", () => {
    // Never run: the @ts-expect-error lines fail the typecheck if the pairing were accepted.
    const wrong = () => [
      // @ts-expect-error ConfigMap has no scale sub-resource
      Client.getScale(core.ConfigMap, "x"),
      // @ts-expect-error ConfigMap has no status sub-resource
      Client.getStatus(core.ConfigMap, "x"),
      // @ts-expect-error only pods can be evicted
      Client.evict(apps.Deployment, "x")
    ]
    expect(typeof wrong).toBe("function")
  })
})
