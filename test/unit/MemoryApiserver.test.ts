/**
 * The in-memory cluster where differential testing against the real apiserver found it differed
 * (issue 14): server-side apply as structured-merge-diff, the strategies' effects, validation of
 * required fields, field selectors per kind, delete answers. Each expectation here is what the
 * 1.20 apiserver answered in test/integration/differential.integration.test.ts.
 */

import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { ApiError, Client, Registry, Watch } from "../../src/index.js"
import * as apiextensions from "../../src/models/apiextensions/v1.js"
import * as apps from "../../src/models/apps/v1.js"
import * as batch from "../../src/models/batch/v1.js"
import * as core from "../../src/models/core/v1.js"
import * as networking from "../../src/models/networking/v1.js"
import { InMemoryCluster } from "../../src/testing/index.js"

const cluster = InMemoryCluster.layer()

/** A custom kind with a structural schema and a scale sub-resource at its own paths. */
const WIDGETS: apiextensions.CustomResourceDefinition = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.diff.example.com" },
  spec: {
    group: "diff.example.com",
    scope: "Namespaced",
    names: { plural: "widgets", kind: "Widget" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: {
          status: {},
          scale: {
            specReplicasPath: ".spec.count",
            statusReplicasPath: ".status.count",
            labelSelectorPath: ".status.selector"
          }
        },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                required: ["size"],
                properties: {
                  size: { type: "string", enum: ["S", "M", "L"] },
                  count: { type: "integer", minimum: 0, maximum: 5, default: 1 },
                  note: { type: "string", pattern: "^[a-z]*$" },
                  extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true }
                }
              },
              status: {
                type: "object",
                properties: { count: { type: "integer" }, selector: { type: "string" } }
              }
            }
          }
        }
      }
    ]
  }
}
/** A Deployment seeded without its required selector and template. */
const seeded = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "seeded", namespace: "default" },
  spec: { replicas: 2 }
}
const fieldsOf = (
  object: { readonly metadata?: core.ConfigMap["metadata"] },
  manager: string,
  operation: string
) => object.metadata?.managedFields?.find((e) => e.manager === manager && e.operation === operation)?.fieldsV1

describe("the in-memory cluster as the apiserver", () => {
  it.effect("a created object's status is Go's zero struct: required scalars as zeros", () =>
    Effect.gen(function* () {
      const template = {
        metadata: { labels: { app: "z" } },
        spec: { containers: [{ name: "c", image: "x" }] }
      }
      const rs = yield* Client.create(apps.ReplicaSet, {
        metadata: { name: "z" },
        spec: { selector: { matchLabels: { app: "z" } }, template },
        status: { replicas: 7 }
      })
      expect(rs.status).toEqual({ replicas: 0 })
      const deployment = yield* Client.create(apps.Deployment, {
        metadata: { name: "z" },
        spec: { selector: { matchLabels: { app: "z" } }, template }
      })
      expect(deployment.status).toEqual({})
    }).pipe(Effect.provide(cluster))
  )

  it.effect(
    "a continue token holds while the history has every change after it; managedFields [] on create",
    () =>
      Effect.gen(function* () {
        for (const name of ["c1", "c2", "c3", "c4"])
          yield* Client.create(core.ConfigMap, { metadata: { name } })
        const pages = yield* Client.listPages(core.ConfigMap, { chunkSize: 2 }).pipe(
          Stream.tap((page) =>
            page.items[0]?.metadata?.name === "c1"
              ? Effect.forEach(["c1", "c2", "c3"], (name) =>
                  Client.patch(core.ConfigMap, name, { data: { k: "1" } })
                )
              : Effect.void
          ),
          Stream.map((page) => page.items.map((o) => o.metadata?.name)),
          Stream.runCollect
        )
        expect([...pages]).toEqual([
          ["c1", "c2"],
          ["c3", "c4"]
        ])
        // Without selectors, a page says how many objects are left (at the version of the first).
        const remaining = (query: ReadonlyArray<readonly [string, string]>) =>
          Effect.gen(function* () {
            const http = yield* HttpClient.HttpClient
            const response = yield* http.execute(
              HttpClientRequest.get("/api/v1/namespaces/default/configmaps").pipe(
                HttpClientRequest.setUrlParams(query)
              )
            )
            const body: unknown = yield* response.json
            const metadata =
              typeof body === "object" &&
              body !== null &&
              "metadata" in body &&
              typeof body.metadata === "object"
                ? body.metadata
                : null
            return metadata !== null && "remainingItemCount" in metadata
              ? metadata.remainingItemCount
              : undefined
          })
        expect(yield* remaining([["limit", "1"]])).toBe(3)
        expect(
          yield* remaining([
            ["limit", "1"],
            ["labelSelector", "x!=y"]
          ])
        ).toBeUndefined()
        // An empty list sent on create is no reset: the creator is recorded.
        const created = yield* Client.create(core.ConfigMap, {
          metadata: { name: "c5", managedFields: [] },
          data: { k: "1" }
        })
        expect(created.metadata?.managedFields?.map((e) => e.manager)).toEqual(["effect-kube"])
      }).pipe(Effect.provide(InMemoryCluster.layer({ historyWindow: 3 })))
  )

  it.effect("metadata validated as the apiserver does, before the store is asked (422 before 409)", () =>
    Effect.gen(function* () {
      yield* Client.create(core.ConfigMap, { metadata: { name: "m" } })
      const refused = (metadata: core.ConfigMap["metadata"]) =>
        Effect.flip(Client.create(core.ConfigMap, { metadata: { name: "m", ...metadata } }))
      const badKey = yield* refused({ labels: { "bad key": "x" } })
      expect(badKey).toMatchObject({ code: 422, reason: "Invalid" })
      expect(badKey.message).toContain('metadata.labels: Invalid value: "bad key": name part must consist of')
      expect(badKey._tag === "ApiError" ? badKey.status.details?.causes?.map((c) => c.field) : []).toEqual([
        "metadata.labels"
      ])
      expect((yield* refused({ labels: { app: "x".repeat(64) } })).message).toContain(
        "must be no more than 63 characters"
      )
      expect((yield* refused({ labels: { app: "bad value!" } })).message).toContain("a valid label must be")
      expect((yield* refused({ annotations: { "-bad": "x" } })).message).toContain("metadata.annotations")
      expect((yield* refused({ labels: { "Bad_Prefix.com/app": "x" } })).message).toContain("prefix part")
      const finalizer = yield* refused({ finalizers: ["keep"] })
      expect(finalizer.message).toContain(
        'metadata.finalizers[0]: Invalid value: "keep": name is neither a standard finalizer name nor is it fully qualified'
      )
      // Valid metadata of an existing name: the 409.
      expect(
        yield* refused({ labels: { "example.com/app": "x" }, finalizers: ["kubernetes"] })
      ).toMatchObject({
        code: 409
      })
    }).pipe(Effect.provide(cluster))
  )

  it.effect(
    "a CRD's structural schema prunes, defaults and validates its objects; its scale paths are served",
    () =>
      Effect.gen(function* () {
        yield* Client.create(apiextensions.CustomResourceDefinition, WIDGETS)
        const entry = Registry.fromCustomResourceDefinition(WIDGETS)[0]
        if (entry === undefined) return yield* Effect.dieMessage("no kind in the CRD")
        expect(entry.info.subresources.scale?.paths).toEqual({
          specReplicasPath: ".spec.count",
          statusReplicasPath: ".status.count",
          labelSelectorPath: ".status.selector"
        })
        const Widget = entry.generic
        const made = yield* Client.create(Widget, {
          apiVersion: "diff.example.com/v1",
          kind: "Widget",
          metadata: { name: "w", labels: {} },
          spec: { size: "M", unknown: "x", extra: { kept: 1 } },
          status: { count: 9 }
        })
        // Unknown fields pruned (not under a field that keeps them), the default filled in, the
        // status dropped on create, empty labels left out, a generation from the start.
        expect(made.spec).toEqual({ size: "M", count: 1, extra: { kept: 1 } })
        expect(made.status).toBeUndefined()
        expect(made.metadata?.labels).toBeUndefined()
        expect(made.metadata?.generation).toBe(1)
        const invalid = yield* Effect.flip(
          Client.patch(Widget, "w", { spec: { size: "XL", count: 9, note: "Bad" } })
        )
        expect(invalid).toMatchObject({ code: 422, reason: "Invalid" })
        expect(
          invalid._tag === "ApiError" ? invalid.status.details?.causes?.map((c) => [c.reason, c.field]) : []
        ).toEqual([
          ["FieldValueNotSupported", "spec.size"],
          ["FieldValueInvalid", "spec.count"],
          ["FieldValueInvalid", "spec.note"]
        ])
        const missing = yield* Effect.flip(Client.patch(Widget, "w", { spec: { size: null } }))
        expect(missing).toMatchObject({ code: 422 })
        expect(missing.message).toContain("spec.size: Required value")
        // The scale sub-resource reads and writes where the CRD says.
        yield* Client.patchStatus(Widget, "w", { status: { count: 2, selector: "app=w" } })
        const scale = yield* Client.getScale(Widget, "w")
        expect([scale.spec?.replicas, scale.status?.replicas, scale.status?.selector]).toEqual([
          1,
          2,
          "app=w"
        ])
        yield* Client.replaceScale(Widget, "w", { ...scale, spec: { replicas: 3 } })
        const scaledUp = yield* Client.get(Widget, "w")
        expect(scaledUp.spec).toEqual({ size: "M", count: 3, extra: { kept: 1 } })
        expect(scaledUp.metadata?.generation).toBe(2)
        // Metadata fields ObjectMeta does not have are dropped.
        const http = yield* HttpClient.HttpClient
        const raw = yield* http.execute(
          HttpClientRequest.post("/apis/diff.example.com/v1/namespaces/default/widgets").pipe(
            HttpClientRequest.bodyText(
              JSON.stringify({
                apiVersion: "diff.example.com/v1",
                kind: "Widget",
                metadata: { name: "odd", foo: "bar" },
                spec: { size: "S" }
              }),
              "application/json"
            )
          )
        )
        expect(raw.status).toBe(201)
        expect((yield* Client.get(Widget, "odd")).metadata).not.toHaveProperty("foo")
        // An apply of the Scale is not checked against the custom kind's own schema.
        const applied = yield* Client.applyScale(Widget, "w", 4, { fieldManager: "autoscaler" })
        expect(applied.spec?.replicas).toBe(4)
        // A custom object is not replaced without a resourceVersion.
        const { resourceVersion: _rv, ...metadata } = scaledUp.metadata ?? {}
        expect(yield* Effect.flip(Client.replace(Widget, { ...scaledUp, metadata }))).toMatchObject({
          code: 422
        })
        // Its CRD deleted, the kind's objects go and it is no longer served.
        yield* Client.delete(apiextensions.CustomResourceDefinition, "widgets.diff.example.com")
        expect(yield* Effect.flip(Client.get(Widget, "w"))).toMatchObject({ code: 404 })
        const memory = yield* InMemoryCluster.InMemoryCluster
        expect((yield* memory.objects).filter((o) => o.kind === "Widget")).toEqual([])
      }).pipe(Effect.provide(cluster))
  )

  it.effect(
    "managedFields [] or [{}] sent clears them; an apply to an unmanaged object meets 'before-first-apply'",
    () =>
      Effect.gen(function* () {
        yield* Client.create(core.ConfigMap, { metadata: { name: "r" }, data: { k: "1" } })
        yield* Client.apply(
          core.ConfigMap,
          { metadata: { name: "r" }, data: { j: "1" } },
          { fieldManager: "m1" }
        )
        // Even the fields this write changes are not recorded: the object has no managed fields.
        const reset = yield* Client.patch(core.ConfigMap, "r", {
          metadata: { managedFields: [], labels: { l: "1" } }
        })
        expect(reset.metadata?.managedFields).toBeUndefined()
        expect(reset.metadata?.labels).toEqual({ l: "1" })
        yield* Client.patch(core.ConfigMap, "r", { metadata: { managedFields: [{}] } })
        // Every field now belongs to "before-first-apply": a differing apply conflicts with it.
        const conflict = yield* Effect.flip(
          Client.apply(core.ConfigMap, { metadata: { name: "r" }, data: { k: "2" } }, { fieldManager: "m2" })
        )
        expect(conflict).toMatchObject({ code: 409 })
        expect(conflict.message).toContain("before-first-apply")
        const forced = yield* Client.apply(
          core.ConfigMap,
          { metadata: { name: "r" }, data: { k: "2" } },
          { fieldManager: "m2", force: true }
        )
        expect(forced.metadata?.managedFields?.map((e) => [e.manager, e.operation])).toEqual([
          ["m2", "Apply"],
          ["before-first-apply", "Update"]
        ])
      }).pipe(Effect.provide(cluster))
  )

  it.effect(
    "applies refused as the apiserver refuses them: managed fields sent, another version or kind",
    () =>
      Effect.gen(function* () {
        const refusal = (body: unknown, fieldManager = "m") =>
          Effect.gen(function* () {
            const http = yield* HttpClient.HttpClient
            const response = yield* http.execute(
              HttpClientRequest.patch("/api/v1/namespaces/default/configmaps/o").pipe(
                HttpClientRequest.setUrlParams([["fieldManager", fieldManager]]),
                HttpClientRequest.bodyText(JSON.stringify(body), "application/apply-patch+yaml")
              )
            )
            const answer: unknown = yield* response.json
            return { code: response.status, ...(typeof answer === "object" && answer !== null ? answer : {}) }
          })
        const base = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "o" } }
        expect(yield* refusal(base, "")).toMatchObject({ code: 422, reason: "Invalid" })
        expect(yield* refusal({ ...base, metadata: { name: "o", managedFields: [] } })).toMatchObject({
          code: 400,
          message: expect.stringContaining("metadata.managedFields must be nil")
        })
        expect(yield* refusal({ ...base, apiVersion: "v2" })).toMatchObject({
          code: 400,
          message: expect.stringContaining("Specified patch version: v2, expected: v1")
        })
        expect(yield* refusal({ ...base, kind: "Other" })).toMatchObject({ code: 500 })
        expect(yield* refusal({ ...base, metadata: { name: "other" } })).toMatchObject({
          code: 400,
          message: expect.stringContaining("does not match the name on the URL")
        })
        // An update with an empty fieldManager is recorded under the user agent's name.
        yield* Client.create(core.ConfigMap, { metadata: { name: "u" }, data: { a: "1" } })
        const unnamed = yield* Client.patch(core.ConfigMap, "u", { data: { k: "1" } }, { fieldManager: "" })
        expect(unnamed.metadata?.managedFields?.map((e) => e.manager)).toEqual(["effect-kube"])
        // An object nobody manages (created with no field of its own) is not tracked by updates.
        yield* Client.create(core.ConfigMap, { metadata: { name: "bare" } })
        const untracked = yield* Client.patch(core.ConfigMap, "bare", { data: { k: "1" } })
        expect(untracked.metadata?.managedFields).toBeUndefined()
      }).pipe(Effect.provide(cluster))
  )

  it.effect("a list's later pages are read at the version of its first (a snapshot), as from etcd", () =>
    Effect.gen(function* () {
      for (const name of ["p-a", "p-b", "p-c", "p-d"])
        yield* Client.create(core.ConfigMap, {
          metadata: { name, labels: { page: "yes" } },
          data: { v: "1" }
        })
      const pages = yield* Client.listPages(core.ConfigMap, { chunkSize: 2, labels: { page: "yes" } }).pipe(
        Stream.tap((page) =>
          // Changes between the pages: not seen by the second.
          page.items[0]?.metadata?.name === "p-a"
            ? Effect.all([
                Client.delete(core.ConfigMap, "p-c"),
                Client.create(core.ConfigMap, { metadata: { name: "p-bb", labels: { page: "yes" } } }),
                Client.patch(core.ConfigMap, "p-d", { data: { v: "2" } })
              ])
            : Effect.void
        ),
        Stream.runCollect
      )
      const [first, second] = [...pages]
      expect(first?.items.map((o) => o.metadata?.name)).toEqual(["p-a", "p-b"])
      expect(second?.items.map((o) => [o.metadata?.name, o.data?.v])).toEqual([
        ["p-c", "1"],
        ["p-d", "1"]
      ])
      expect(second?.resourceVersion).toBe(first?.resourceVersion)
      const now = yield* Client.listAll(core.ConfigMap, { labels: { page: "yes" } })
      expect(now.items.map((o) => [o.metadata?.name, o.data?.v])).toEqual([
        ["p-a", "1"],
        ["p-b", "1"],
        ["p-bb", undefined],
        ["p-d", "2"]
      ])
    }).pipe(Effect.provide(cluster))
  )

  it.effect(
    "a full page has a continue token when any object follows, matching or not; metadata.name= reads one",
    () =>
      Effect.gen(function* () {
        yield* Client.create(core.ConfigMap, { metadata: { name: "q-a", labels: { q: "x" } } })
        yield* Client.create(core.ConfigMap, { metadata: { name: "q-b" } })
        const pages = yield* Client.listPages(core.ConfigMap, { chunkSize: 1, labels: { q: "x" } }).pipe(
          Stream.map((page) => page.items.map((o) => o.metadata?.name)),
          Stream.runCollect
        )
        expect([...pages]).toEqual([["q-a"], []])
        const named = yield* Client.listPages(core.ConfigMap, {
          chunkSize: 1,
          fields: { "metadata.name": "q-a" }
        }).pipe(
          Stream.map((page) => page.items.map((o) => o.metadata?.name)),
          Stream.runCollect
        )
        expect([...named]).toEqual([["q-a"]])
      }).pipe(Effect.provide(cluster))
  )

  it.effect(
    "a watch with a label selector: DELETED when an object stops matching, ADDED when it starts again",
    () =>
      Effect.gen(function* () {
        const { resourceVersion } = yield* Client.listAll(core.ConfigMap)
        yield* Client.create(core.ConfigMap, { metadata: { name: "w", labels: { app: "x" } } })
        const left = yield* Client.patch(core.ConfigMap, "w", { metadata: { labels: { app: "y" } } })
        yield* Client.patch(core.ConfigMap, "w", { data: { unseen: "1" } })
        yield* Client.patch(core.ConfigMap, "w", { metadata: { labels: { app: "x" } } })
        yield* Client.create(core.ConfigMap, {
          metadata: { name: "v", labels: { app: "x" }, finalizers: ["example.com/keep"] }
        })
        yield* Client.delete(core.ConfigMap, "v")
        const last = yield* Client.patch(core.ConfigMap, "v", { metadata: { finalizers: null } })
        const events = yield* Watch.watch(core.ConfigMap, { resourceVersion, labels: { app: "x" } }).pipe(
          Stream.take(6),
          Stream.runCollect
        )
        const seen = [...events].map((e) =>
          e._tag === "Bookmark"
            ? ["Bookmark"]
            : [
                e._tag,
                e.object.metadata?.name,
                e.object.metadata?.labels?.app,
                e.object.metadata?.resourceVersion
              ]
        )
        expect(seen.map(([tag, name, app]) => [tag, name, app])).toEqual([
          ["Added", "w", "x"],
          // The last state that matched, at the version of the change that made it leave.
          ["Deleted", "w", "x"],
          ["Added", "w", "x"],
          ["Added", "v", "x"],
          ["Modified", "v", "x"],
          ["Deleted", "v", "x"]
        ])
        expect(seen[1]?.[3]).toBe(left.metadata?.resourceVersion)
        // The last finalizer removed: the answer keeps the version it had, the watch's DELETED
        // carries the stored object (finalizer still listed) at the version of the delete.
        const deleted = [...events][5]
        expect(deleted?._tag === "Deleted" ? deleted.object.metadata?.finalizers : undefined).toEqual([
          "example.com/keep"
        ])
        expect(Number(seen[5]?.[3])).toBeGreaterThan(Number(last.metadata?.resourceVersion))
      }).pipe(Effect.provide(cluster))
  )

  it.effect("updates record their fields under the user agent's name (fieldsV1, '.' for maps added)", () =>
    Effect.gen(function* () {
      const created = yield* Client.create(core.ConfigMap, {
        metadata: { name: "a", labels: { app: "x" } },
        data: { k: "1" }
      })
      expect(fieldsOf(created, "effect-kube", "Update")).toEqual({
        "f:data": { ".": {}, "f:k": {} },
        "f:metadata": { "f:labels": { ".": {}, "f:app": {} } }
      })
      const named = yield* Client.patch(core.ConfigMap, "a", { data: { j: "2" } }, { fieldManager: "editor" })
      expect(fieldsOf(named, "editor", "Update")).toEqual({ "f:data": { "f:j": {} } })
    }).pipe(Effect.provide(cluster))
  )

  it.effect(
    "apply: equal values co-owned, a differing one conflicts naming the owner, dropped fields go",
    () =>
      Effect.gen(function* () {
        yield* Client.apply(
          core.ConfigMap,
          { metadata: { name: "s" }, data: { k: "1", j: "1" } },
          { fieldManager: "m1" }
        )
        // The same value: no conflict, both own it.
        const shared = yield* Client.apply(
          core.ConfigMap,
          { metadata: { name: "s" }, data: { k: "1" } },
          { fieldManager: "m2" }
        )
        expect(fieldsOf(shared, "m1", "Apply")).toEqual({ "f:data": { "f:j": {}, "f:k": {} } })
        expect(fieldsOf(shared, "m2", "Apply")).toEqual({ "f:data": { "f:k": {} } })
        const conflict = yield* Effect.flip(
          Client.apply(core.ConfigMap, { metadata: { name: "s" }, data: { k: "2" } }, { fieldManager: "m2" })
        )
        expect(conflict).toMatchObject({ _tag: "ApiError", code: 409, reason: "Conflict" })
        expect(conflict.message).toContain('conflict with "m1"')
        expect(conflict._tag === "ApiError" ? conflict.causes.map((c) => c.field) : []).toEqual([".data.k"])
        // m1 stops applying j (nobody else owns it: removed) and k (m2 still owns it: kept).
        const released = yield* Client.apply(
          core.ConfigMap,
          { metadata: { name: "s" } },
          { fieldManager: "m1" }
        )
        expect(released.data).toEqual({ k: "1" })
      }).pipe(Effect.provide(cluster))
  )

  it.effect("list-map items are owned by their keys; a manager's container survives another's apply", () =>
    Effect.gen(function* () {
      const base = {
        metadata: { name: "d" },
        spec: {
          selector: { matchLabels: { app: "d" } },
          template: {
            metadata: { labels: { app: "d" } },
            spec: { containers: [{ name: "web", image: "nginx:1" }] }
          }
        }
      }
      yield* Client.apply(apps.Deployment, base, { fieldManager: "owner" })
      const sidecar = yield* Client.apply(
        apps.Deployment,
        {
          metadata: { name: "d" },
          spec: { template: { spec: { containers: [{ name: "side", image: "envoy" }] } } }
        },
        { fieldManager: "mesh" }
      )
      expect(sidecar.spec?.template.spec?.containers.map((c) => c.name)).toEqual(["web", "side"])
      expect(fieldsOf(sidecar, "mesh", "Apply")).toEqual({
        "f:spec": {
          "f:template": {
            "f:spec": { "f:containers": { 'k:{"name":"side"}': { ".": {}, "f:image": {}, "f:name": {} } } }
          }
        }
      })
      // The owner applies again without the sidecar: it was never the owner's, it stays.
      const again = yield* Client.apply(apps.Deployment, base, { fieldManager: "owner" })
      expect(again.spec?.template.spec?.containers.map((c) => c.name)).toEqual(["web", "side"])
    }).pipe(Effect.provide(cluster))
  )

  it.effect(
    "strategies: defaults, status reset on create, stringData into data, empty lists and maps left out",
    () =>
      Effect.gen(function* () {
        const deployment = yield* Client.create(apps.Deployment, {
          metadata: { name: "web", labels: {} },
          spec: {
            selector: { matchLabels: { app: "web" } },
            template: {
              metadata: { labels: { app: "web" } },
              spec: { containers: [{ name: "web", image: "nginx" }] }
            }
          },
          status: { replicas: 5 }
        })
        expect(deployment.metadata?.labels).toBeUndefined()
        expect(deployment.spec?.replicas).toBe(1)
        expect(deployment.spec?.strategy?.type).toBe("RollingUpdate")
        expect(deployment.spec?.template.spec?.containers[0]?.imagePullPolicy).toBe("Always")
        expect(deployment.status).toEqual({})
        const secret = yield* Client.create(core.Secret, {
          metadata: { name: "s" },
          stringData: { password: "p" }
        })
        expect(secret).toMatchObject({ type: "Opaque", data: { password: "cA==" } })
        expect(secret.stringData).toBeUndefined()
      }).pipe(Effect.provide(cluster))
  )

  it.effect("a missing required field is a 422 naming it; an unsupported field selector a 400", () =>
    Effect.gen(function* () {
      const invalid = yield* Effect.flip(
        Client.apply(
          apps.Deployment,
          { metadata: { name: "bad" }, spec: { replicas: 2 } },
          { fieldManager: "m" }
        )
      )
      expect(invalid).toMatchObject({ _tag: "ApiError", code: 422, reason: "Invalid" })
      expect(invalid._tag === "ApiError" ? invalid.causes.map((c) => c.field) : []).toContain("spec.selector")
      const unsupported = yield* Effect.flip(Client.listAll(core.ConfigMap, { fields: { type: "Opaque" } }))
      expect(unsupported).toMatchObject({ _tag: "ApiError", code: 400 })
      expect(unsupported.message).toContain("field label not supported: type")
      yield* Client.create(core.Secret, { metadata: { name: "t" } })
      const opaque = yield* Client.listAll(core.Secret, { fields: { type: "Opaque" } })
      expect(opaque.items.map((s) => s.metadata?.name)).toEqual(["t"])
    }).pipe(Effect.provide(cluster))
  )

  it.effect(
    "after review: kinds with required status scalars are created; jobs go when deleted; seeds stay writable",
    () =>
      Effect.gen(function* () {
        const template = {
          metadata: { labels: { app: "r" } },
          spec: { containers: [{ name: "c", image: "x" }] }
        }
        const rs = yield* Client.create(apps.ReplicaSet, {
          metadata: { name: "r" },
          spec: { selector: { matchLabels: { app: "r" } }, template }
        })
        expect(rs.spec?.replicas).toBe(1)
        yield* Client.create(apps.DaemonSet, {
          metadata: { name: "d" },
          spec: { selector: { matchLabels: { app: "r" } }, template }
        })
        yield* Client.create(batch.Job, {
          metadata: { name: "j" },
          spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "x" }] } } }
        })
        // A replace of an object being deleted keeps its deletion marks (found by the differential).
        yield* Client.create(core.ConfigMap, { metadata: { name: "held", finalizers: ["example.com/keep"] } })
        yield* Client.delete(core.ConfigMap, "held")
        const held = yield* Client.get(core.ConfigMap, "held")
        const replaced = yield* Client.replace(core.ConfigMap, {
          metadata: {
            name: "held",
            resourceVersion: held.metadata?.resourceVersion,
            finalizers: ["example.com/keep"]
          }
        })
        expect(replaced.metadata?.deletionTimestamp).toBe(held.metadata?.deletionTimestamp)
        expect(replaced.metadata?.resourceVersion).toBe(held.metadata?.resourceVersion)
        yield* Client.delete(batch.Job, "j")
        expect(yield* Client.getOption(batch.Job, "j")).toMatchObject({ _tag: "None" })
        // An empty selector is a selector (not dropped); a null replicas gets the default.
        const policy = yield* Client.create(networking.NetworkPolicy, {
          metadata: { name: "all" },
          spec: { podSelector: {} }
        })
        expect(policy.spec?.podSelector).toEqual({})
      }).pipe(
        Effect.provide(
          InMemoryCluster.layer({
            objects: [seeded]
          })
        )
      )
  )

  it.effect(
    "after review: a seed without required fields takes a label; an apply's status neither conflicts nor is owned",
    () =>
      Effect.gen(function* () {
        const labelled = yield* Client.patch(apps.Deployment, "seeded", { metadata: { labels: { a: "b" } } })
        expect(labelled.metadata?.labels).toEqual({ a: "b" })
        yield* Client.applyStatus(
          apps.Deployment,
          { metadata: { name: "seeded" }, status: { replicas: 2 } },
          { fieldManager: "ctrl" }
        )
        const applied = yield* Client.apply(
          apps.Deployment,
          { metadata: { name: "seeded", labels: { c: "d" } }, status: { replicas: 7 } },
          { fieldManager: "a" }
        )
        expect(applied.status?.replicas).toBe(2)
      }).pipe(
        Effect.provide(
          InMemoryCluster.layer({
            objects: [seeded]
          })
        )
      )
  )

  it.effect(
    "after review: a pruned list item goes whole even when another manager changed a field of it",
    () =>
      Effect.gen(function* () {
        const spec = (containers: ReadonlyArray<{ readonly name: string; readonly image: string }>) => ({
          metadata: { name: "p" },
          spec: {
            selector: { matchLabels: { app: "p" } },
            template: { metadata: { labels: { app: "p" } }, spec: { containers } }
          }
        })
        yield* Client.apply(
          apps.Deployment,
          spec([
            { name: "web", image: "a" },
            { name: "side", image: "a" }
          ]),
          { fieldManager: "a" }
        )
        yield* Client.patch(
          apps.Deployment,
          "p",
          { spec: { template: { spec: { containers: [{ name: "web", image: "b" }] } } } },
          { patchType: "strategic", fieldManager: "upd" }
        )
        const pruned = yield* Client.apply(apps.Deployment, spec([{ name: "side", image: "a" }]), {
          fieldManager: "a"
        })
        expect(pruned.spec?.template.spec?.containers.map((c) => c.name)).toEqual(["side"])
      }).pipe(Effect.provide(cluster))
  )

  describe("Services: allocation, defaults and validation as the apiserver's Service registry", () => {
    const service = (name: string, spec: core.Service["spec"]): core.Service => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name },
      ...(spec !== undefined ? { spec } : {})
    })
    const causes = (error: unknown) =>
      error instanceof ApiError.ApiError ? error.causes.map((c) => `${c.reason} ${c.field}`) : []

    it.effect(
      "a cluster IP from the range (its first address the kubernetes Service's), defaults, zero status",
      () =>
        Effect.gen(function* () {
          const kubernetes = yield* Client.get(core.Service, "kubernetes", { namespace: "default" })
          expect(kubernetes.spec?.clusterIP).toBe("10.96.0.1")
          const made = yield* Client.create(
            core.Service,
            service("web", { ports: [{ port: 80 }], selector: { app: "web" } })
          )
          expect(made.spec).toMatchObject({
            type: "ClusterIP",
            sessionAffinity: "None",
            internalTrafficPolicy: "Cluster",
            ipFamilyPolicy: "SingleStack",
            ipFamilies: ["IPv4"],
            ports: [{ port: 80, protocol: "TCP", targetPort: 80 }]
          })
          const ip = made.spec?.clusterIP ?? ""
          expect(ip).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\.[0-9]+\.[0-9]+$/)
          expect(ip).not.toBe("10.96.0.1")
          expect(made.spec?.clusterIPs).toEqual([ip])
          expect(made.status).toEqual({ loadBalancer: {} })
          // A Service's strategy keeps no generation.
          expect(made.metadata?.generation).toBeUndefined()
          // The allocated address is the server's: not owned by the creator.
          expect(JSON.stringify(fieldsOf(made, "effect-kube", "Update"))).not.toContain("clusterIP")
          const headless = yield* Client.create(core.Service, service("h", { clusterIP: "None" }))
          expect(headless.spec).toMatchObject({
            clusterIPs: ["None"],
            ipFamilyPolicy: "RequireDualStack",
            ipFamilies: ["IPv4", "IPv6"]
          })
        }).pipe(Effect.provide(cluster))
    )

    it.effect("a given cluster IP must be in the range and free; a deleted Service's is free again", () =>
      Effect.gen(function* () {
        yield* Client.create(core.Service, service("a", { clusterIP: "10.0.0.50", ports: [{ port: 80 }] }))
        const taken = yield* Effect.flip(
          Client.create(core.Service, service("b", { clusterIP: "10.0.0.50", ports: [{ port: 80 }] }))
        )
        expect(taken).toMatchObject({ code: 422, reason: "Invalid" })
        expect(taken.message).toContain("provided IP is already allocated")
        expect(causes(taken)).toEqual(["FieldValueInvalid spec.clusterIPs"])
        const outside = yield* Effect.flip(
          Client.create(core.Service, service("c", { clusterIP: "10.9.0.50", ports: [{ port: 80 }] }))
        )
        expect(outside.message).toContain("The range of valid IPs is 10.0.0.0/24")
        // A dry run holds nothing.
        yield* Client.create(core.Service, service("d", { clusterIP: "10.0.0.51", ports: [{ port: 80 }] }), {
          dryRun: true
        })
        yield* Client.create(core.Service, service("e", { clusterIP: "10.0.0.51", ports: [{ port: 80 }] }))
        yield* Client.del(core.Service, "a")
        const again = yield* Client.create(
          core.Service,
          service("b", { clusterIP: "10.0.0.50", ports: [{ port: 80 }] })
        )
        expect(again.spec?.clusterIPs).toEqual(["10.0.0.50"])
      }).pipe(Effect.provide(InMemoryCluster.layer({ serviceClusterIPRange: "10.0.0.0/24" })))
    )

    it.effect("a replace without the cluster IP keeps it (1.22+); a changed one is refused", () =>
      Effect.gen(function* () {
        const made = yield* Client.create(core.Service, service("web", { ports: [{ port: 80 }] }))
        const replaced = yield* Client.replace(core.Service, service("web", { ports: [{ port: 81 }] }))
        expect(replaced.spec?.clusterIP).toBe(made.spec?.clusterIP)
        expect(replaced.spec?.ports).toEqual([{ port: 81, protocol: "TCP", targetPort: 81 }])
        const moved = yield* Effect.flip(
          Client.patch(core.Service, "web", { spec: { clusterIP: "10.96.9.9" } }, { patchType: "merge" })
        )
        expect(moved).toMatchObject({ code: 422 })
        expect(moved.message).toContain("spec.clusterIPs[0]")
        expect(moved.message).toContain("may not change once set")
      }).pipe(Effect.provide(cluster))
    )

    it.effect("node ports from their range; a taken one refused; dropped with the NodePort type", () =>
      Effect.gen(function* () {
        const first = yield* Client.create(
          core.Service,
          service("n1", { type: "NodePort", ports: [{ port: 80 }] })
        )
        const port = first.spec?.ports?.[0]?.nodePort ?? 0
        expect(port).toBeGreaterThanOrEqual(30000)
        expect(port).toBeLessThanOrEqual(32767)
        expect(first.spec?.externalTrafficPolicy).toBe("Cluster")
        const taken = yield* Effect.flip(
          Client.create(
            core.Service,
            service("n2", { type: "NodePort", ports: [{ port: 80, nodePort: port }] })
          )
        )
        expect(causes(taken)).toEqual(["FieldValueInvalid spec.ports[0].nodePort"])
        // The same node port kept by an update that leaves it out.
        const kept = yield* Client.patch(
          core.Service,
          "n1",
          { spec: { sessionAffinity: "ClientIP" } },
          { patchType: "merge" }
        )
        expect(kept.spec?.ports?.[0]?.nodePort).toBe(port)
        expect(kept.spec?.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } })
        const plain = yield* Client.patch(
          core.Service,
          "n1",
          { spec: { type: "ClusterIP" } },
          { patchType: "merge" }
        )
        expect(plain.spec?.ports?.[0]?.nodePort).toBeUndefined()
        expect(plain.spec?.externalTrafficPolicy).toBeUndefined()
        // Released: another Service may have it now.
        const reused = yield* Client.create(
          core.Service,
          service("n3", { type: "NodePort", ports: [{ port: 80, nodePort: port }] })
        )
        expect(reused.spec?.ports?.[0]?.nodePort).toBe(port)
      }).pipe(Effect.provide(cluster))
    )

    it.effect(
      "ports, their names and an ExternalName's name validated (422 with the apiserver's causes)",
      () =>
        Effect.gen(function* () {
          const refused = (name: string, spec: core.Service["spec"]) =>
            Effect.flip(Client.create(core.Service, service(name, spec))).pipe(Effect.map(causes))
          expect(yield* refused("none", {})).toEqual(["FieldValueRequired spec.ports"])
          expect(yield* refused("two", { ports: [{ port: 80 }, { port: 81 }] })).toEqual([
            "FieldValueRequired spec.ports[0].name",
            "FieldValueRequired spec.ports[1].name"
          ])
          expect(
            yield* refused("bad", {
              ports: [
                { name: "x", port: 80 },
                { name: "y", port: 80 },
                { name: "z", port: 0, protocol: "FOO" }
              ]
            })
          ).toEqual([
            "FieldValueInvalid spec.ports[2].port",
            "FieldValueNotSupported spec.ports[2].protocol",
            "FieldValueInvalid spec.ports[2].targetPort",
            "FieldValueDuplicate spec.ports[1]"
          ])
          expect(yield* refused("ext", { type: "ExternalName" })).toEqual([
            "FieldValueRequired spec.externalName"
          ])
          const external = yield* Client.create(
            core.Service,
            service("ext", { type: "ExternalName", externalName: "example.com" })
          )
          expect(external.spec?.clusterIP).toBeUndefined()
          expect(external.spec?.internalTrafficPolicy).toBeUndefined()
        }).pipe(Effect.provide(cluster))
    )

    it.effect("after review: node ports kept, shared and checked as the registry does", () =>
      Effect.gen(function* () {
        const made = yield* Client.create(
          core.Service,
          service("np", { type: "NodePort", ports: [{ name: "a", port: 80 }] })
        )
        const a = made.spec?.ports?.[0]?.nodePort ?? 0
        // A port added before the existing one: the kept node port is not taken by the new one.
        const grown = yield* Client.replace(
          core.Service,
          service("np", {
            type: "NodePort",
            clusterIP: made.spec?.clusterIP,
            ports: [
              { name: "b", port: 81 },
              { name: "a", port: 80 }
            ]
          })
        )
        expect(grown.spec?.ports?.find((p) => p.name === "a")?.nodePort).toBe(a)
        expect(grown.spec?.ports?.find((p) => p.name === "b")?.nodePort).not.toBe(a)
        // TCP and UDP on one number share a node port; a given one may be named by both.
        const dns = yield* Client.create(
          core.Service,
          service("dns", {
            type: "NodePort",
            ports: [
              { name: "tcp", port: 53, protocol: "TCP" },
              { name: "udp", port: 53, protocol: "UDP" }
            ]
          })
        )
        const [tcp, udp] = dns.spec?.ports ?? []
        expect(tcp?.nodePort).toBe(udp?.nodePort)
        const both = yield* Client.create(
          core.Service,
          service("both", {
            type: "NodePort",
            ports: [
              { name: "tcp", port: 54, protocol: "TCP", nodePort: 32001 },
              { name: "udp", port: 54, protocol: "UDP", nodePort: 32001 }
            ]
          })
        )
        expect(both.spec?.ports?.map((p) => p.nodePort)).toEqual([32001, 32001])
        // A LoadBalancer without node port allocation keeps the ones it names.
        const lb = yield* Client.create(
          core.Service,
          service("lb", {
            type: "LoadBalancer",
            allocateLoadBalancerNodePorts: false,
            ports: [
              { name: "x", port: 80, nodePort: 32002 },
              { name: "y", port: 81 }
            ]
          })
        )
        expect(lb.spec?.ports?.map((p) => p.nodePort)).toEqual([32002, undefined])
      }).pipe(Effect.provide(cluster))
    )

    it.effect(
      "after review: a seeded address outside the range stays writable; status writes skip the spec rules",
      () =>
        Effect.gen(function* () {
          const seeded: core.Service = {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "dns", namespace: "kube-system" },
            spec: { clusterIP: "10.0.0.10", ports: [{ name: "dns", port: 53, protocol: "UDP" }] }
          }
          const other: core.Service = {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "bare", namespace: "default" },
            spec: {}
          }
          const cluster = yield* InMemoryCluster.InMemoryCluster
          yield* cluster.seed([seeded, other])
          const labelled = yield* Client.patch(
            core.Service,
            "dns",
            { metadata: { labels: { app: "dns" } } },
            { patchType: "merge", namespace: "kube-system" }
          )
          expect(labelled.spec?.clusterIP).toBe("10.0.0.10")
          const status = yield* Client.patchStatus(
            core.Service,
            "bare",
            { status: { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } } },
            { namespace: "default" }
          )
          expect(status.status?.loadBalancer?.ingress?.[0]?.ip).toBe("1.2.3.4")
          // An ExternalName holds no address.
          const refused = yield* Effect.flip(
            Client.create(
              core.Service,
              service("ext", { type: "ExternalName", externalName: "x.example", clusterIP: "10.96.0.9" })
            )
          )
          expect(causes(refused)).toEqual(["FieldValueForbidden spec.clusterIPs"])
          // A single-stack cluster: dual stack demanded is a 422 (a headless one without a selector aside).
          const dual = yield* Effect.flip(
            Client.create(
              core.Service,
              service("dual", { ipFamilyPolicy: "RequireDualStack", ports: [{ port: 80 }] })
            )
          )
          expect(causes(dual)).toEqual(["FieldValueInvalid spec.ipFamilyPolicy"])
          const single = yield* Client.create(
            core.Service,
            service("single", { clusterIP: "None", ipFamilyPolicy: "SingleStack" })
          )
          expect(single.spec?.ipFamilies).toEqual(["IPv4"])
        }).pipe(Effect.provide(cluster))
    )

    it.effect("a bad range is a ConfigError of the layer", () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          Client.get(core.Service, "kubernetes", { namespace: "default" }).pipe(
            Effect.provide(InMemoryCluster.layer({ serviceClusterIPRange: "10.0.0.0" }))
          )
        )
        expect(error).toMatchObject({ _tag: "ConfigError", reason: "InvalidConfig" })
        expect(error.message).toContain("serviceClusterIPRange")
      })
    )
  })
})
