import { HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Option, Schedule, Stream } from "effect"
import { Client, Controller, Informers, Owner, Reflector, Resource, Store, Watch } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import * as events from "../../src/models/events/v1.js"
import { Eventually, InMemoryCluster } from "../../src/testing/index.js"

const ns = (name: string): core.Namespace => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })
const secret = (name: string): core.Secret => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { namespace: "apps", name, labels: { app: name } },
  data: { password: "c2VjcmV0" }
})
const cluster = () => InMemoryCluster.layer({ objects: [ns("apps"), secret("a"), secret("b")] })
const fast = Schedule.spaced("10 millis")

const SecretMeta = Resource.metadataOnly(core.Secret)

describe("Resource.metadataOnly", () => {
  it("is the kind's path with meta.k8s.io/v1 PartialObjectMetadata objects, and no create or update", () => {
    expect(SecretMeta).toMatchObject({
      group: "",
      version: "v1",
      plural: "secrets",
      namespaced: true,
      apiVersion: "meta.k8s.io/v1",
      kind: "PartialObjectMetadata",
      listKind: "PartialObjectMetadataList",
      representation: { of: { apiVersion: "v1", kind: "Secret" } }
    })
    expect(SecretMeta.verbs).not.toContain("create")
    expect(Resource.path(SecretMeta, { namespace: "apps", name: "a" })).toEqual(
      Resource.path(core.Secret, { namespace: "apps", name: "a" })
    )
  })

  it.effect(
    "get and list ask for the metadata alone (Accept as=PartialObjectMetadata[List]) and get it",
    () =>
      Effect.gen(function* () {
        const accepts: Array<string> = []
        const http = (yield* HttpClient.HttpClient).pipe(
          HttpClient.mapRequest((request) => {
            accepts.push(request.headers.accept ?? "")
            return request
          })
        )
        const read = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
          Effect.provideService(effect, HttpClient.HttpClient, http)
        const one = yield* read(Client.get(SecretMeta, "a", { namespace: "apps" }))
        expect(one).toEqual({
          apiVersion: "meta.k8s.io/v1",
          kind: "PartialObjectMetadata",
          metadata: expect.objectContaining({ name: "a", namespace: "apps", labels: { app: "a" } })
        })
        const all = yield* read(Client.listAll(SecretMeta, { namespace: "apps" }))
        expect(all.items.map((o) => [o.kind, o.metadata?.name, "data" in o])).toEqual([
          ["PartialObjectMetadata", "a", false],
          ["PartialObjectMetadata", "b", false]
        ])
        expect(accepts).toEqual([
          "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json",
          "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
        ])
        // The full kind is untouched.
        expect((yield* Client.get(core.Secret, "a", { namespace: "apps" })).data).toEqual({
          password: "c2VjcmV0"
        })
      }).pipe(Effect.provide(cluster()))
  )

  it.effect("as the apiserver, the in-memory cluster refuses a list asked for as one object (406)", () =>
    Effect.gen(function* () {
      const http = (yield* HttpClient.HttpClient).pipe(
        HttpClient.mapRequest(
          HttpClientRequest.setHeader(
            "accept",
            "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
          )
        )
      )
      const error = yield* Effect.flip(
        Client.listAll(SecretMeta, { namespace: "apps" }).pipe(
          Effect.provideService(HttpClient.HttpClient, http)
        )
      )
      expect(error).toMatchObject({ _tag: "ApiError", reason: "NotAcceptable" })
    }).pipe(Effect.provide(cluster()))
  )

  it.effect("a server that sends full objects anyway is followed: their metadata is kept", () =>
    Effect.gen(function* () {
      // The accept header dropped: the server answers with full Secrets.
      const http = (yield* HttpClient.HttpClient).pipe(
        HttpClient.mapRequest(HttpClientRequest.setHeader("accept", "application/json"))
      )
      const one = yield* Client.get(SecretMeta, "a", { namespace: "apps" }).pipe(
        Effect.provideService(HttpClient.HttpClient, http)
      )
      expect(one).toEqual({
        apiVersion: "meta.k8s.io/v1",
        kind: "PartialObjectMetadata",
        metadata: expect.objectContaining({ name: "a" })
      })
      // Another kind is still refused.
      const wrong = yield* Effect.flip(
        Client.get(Resource.metadataOnly(core.ConfigMap), "a", { namespace: "apps" }).pipe(
          Effect.provideService(
            HttpClient.HttpClient,
            (yield* HttpClient.HttpClient).pipe(
              HttpClient.mapRequest((r) =>
                HttpClientRequest.setHeader(
                  HttpClientRequest.setUrl(r, r.url.replace("configmaps", "secrets")),
                  "accept",
                  "application/json"
                )
              )
            )
          )
        )
      )
      expect(wrong._tag).toBe("ParseError")
    }).pipe(Effect.provide(cluster()))
  )

  it.scopedLive("a watch and a store of metadata: changes seen, no data kept", () =>
    Effect.gen(function* () {
      const store = yield* Reflector.make(SecretMeta, { namespace: "apps", retrySchedule: fast })
      yield* store.ready
      expect((yield* store.list()).map(Store.keyOf).sort()).toEqual(["apps/a", "apps/b"])
      const seen = yield* Watch.watch(SecretMeta, { namespace: "apps", retrySchedule: fast }).pipe(
        Stream.filter((e) => e._tag !== "Bookmark" && e.object.metadata?.name === "c"),
        Stream.take(1),
        Stream.runCollect,
        Effect.fork
      )
      yield* Client.create(core.Secret, secret("c"))
      const [event] = Chunk.toReadonlyArray(yield* seen.await.pipe(Effect.flatten))
      expect(event).toMatchObject({
        _tag: "Added",
        object: { kind: "PartialObjectMetadata", metadata: { name: "c" } }
      })
      yield* Eventually.eventually(
        Effect.gen(function* () {
          const c = yield* store.get({ namespace: "apps", name: "c" })
          expect(Option.map(c, (o) => [o.kind, "data" in o])).toEqual(
            Option.some(["PartialObjectMetadata", false])
          )
        })
      )
    }).pipe(Effect.provide(cluster()))
  )

  it.scopedLive(
    "shared informers keep a metadata store apart from the full one, and kinds of the same plural apart",
    () =>
      Effect.gen(function* () {
        const informers = yield* Informers.make()
        const full = yield* informers.store(core.Secret, { namespace: "apps" })
        const meta = yield* informers.store(SecretMeta, { namespace: "apps" })
        const coreEvents = yield* informers.store(Resource.metadataOnly(core.Event), { namespace: "apps" })
        const newEvents = yield* informers.store(Resource.metadataOnly(events.Event), { namespace: "apps" })
        expect(full).not.toBe(meta)
        expect(coreEvents).not.toBe(newEvents)
        yield* meta.ready
        yield* full.ready
        const a = Option.getOrUndefined(yield* meta.get({ namespace: "apps", name: "a" }))
        expect(a?.kind).toBe("PartialObjectMetadata")
        expect(Option.getOrUndefined(yield* full.get({ namespace: "apps", name: "a" }))?.data).toEqual({
          password: "c2VjcmV0"
        })
      }).pipe(Effect.provide(cluster()))
  )
})

describe("Resource.metadataOnly with writes and controllers", () => {
  it.effect(
    "apply sends the kind itself; deleteCollection asks for a list; a list's items keep their metadata alone",
    () =>
      Effect.gen(function* () {
        const applied = yield* Client.apply(
          SecretMeta,
          {
            apiVersion: "meta.k8s.io/v1",
            kind: "PartialObjectMetadata",
            metadata: { name: "a", labels: { tier: "db" } }
          },
          { namespace: "apps", fieldManager: "labeller" }
        )
        expect(applied.kind).toBe("PartialObjectMetadata")
        const full = yield* Client.get(core.Secret, "a", { namespace: "apps" })
        expect(full.metadata?.labels?.tier).toBe("db")
        expect(full.metadata?.managedFields?.find((f) => f.manager === "labeller")?.apiVersion).toBe("v1")

        yield* Client.deleteCollection(SecretMeta, { namespace: "apps", labels: { app: "b" } })
        expect(
          (yield* Client.listAll(core.Secret, { namespace: "apps" })).items.map((o) => o.metadata?.name)
        ).toEqual(["a"])

        // A server that ignores the form: list items without apiVersion/kind, with data.
        const plain = (yield* HttpClient.HttpClient).pipe(
          HttpClient.transform((_, request) =>
            Effect.succeed(
              HttpClientResponse.fromWeb(
                request,
                new Response(
                  JSON.stringify({
                    apiVersion: "v1",
                    kind: "SecretList",
                    metadata: { resourceVersion: "1" },
                    items: [{ metadata: { name: "x" }, data: { password: "c2VjcmV0" } }]
                  })
                )
              )
            )
          )
        )
        const listed = yield* Client.listAll(SecretMeta, { namespace: "apps" }).pipe(
          Effect.provideService(HttpClient.HttpClient, plain)
        )
        expect(listed.items).toEqual([
          { apiVersion: "meta.k8s.io/v1", kind: "PartialObjectMetadata", metadata: { name: "x" } }
        ])
      }).pipe(Effect.provide(cluster()))
  )

  it.scopedLive("a controller of a metadata-only kind is triggered by what its kind owns", () =>
    Effect.gen(function* () {
      const owner = yield* Client.get(core.Secret, "a", { namespace: "apps" })
      yield* Client.create(core.ConfigMap, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "child", namespace: "apps", ownerReferences: [Owner.reference(owner)] }
      })
      const children = yield* Reflector.make(core.ConfigMap, { namespace: "apps", retrySchedule: fast })
      const seen: Array<string> = []
      yield* Controller.run(SecretMeta, {
        namespace: "apps",
        retrySchedule: fast,
        owns: [Controller.owns(children)],
        reconcile: (_, { key }) => Effect.sync(() => seen.push(key)).pipe(Effect.as(Controller.done))
      }).pipe(Effect.forkScoped)
      yield* Eventually.eventually(Effect.sync(() => expect(seen).toContain("apps/a")))
      const before = seen.filter((k) => k === "apps/a").length
      yield* Client.patch(core.ConfigMap, "child", { data: { k: "v" } }, { namespace: "apps" })
      yield* Eventually.eventually(
        Effect.sync(() => expect(seen.filter((k) => k === "apps/a").length).toBeGreaterThan(before))
      )
    }).pipe(Effect.provide(cluster()))
  )
})

describe("Reflector.project", () => {
  it.scopedLive("keeps a projection of each object; indexes and label queries on it", () =>
    Effect.gen(function* () {
      const store = yield* Reflector.project(
        core.Secret,
        (s) => ({
          apiVersion: s.apiVersion,
          kind: s.kind,
          metadata: {
            ...(s.metadata?.name !== undefined ? { name: s.metadata.name } : {}),
            namespace: "apps",
            labels: s.metadata?.labels ?? {}
          },
          keys: Object.keys(s.data ?? {})
        }),
        { namespace: "apps", retrySchedule: fast, indexes: { key: (p) => p.keys } }
      )
      yield* store.ready
      const a = Option.getOrUndefined(yield* store.get({ namespace: "apps", name: "a" }))
      expect(a).toEqual({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "a", namespace: "apps", labels: { app: "a" } },
        keys: ["password"]
      })
      expect((yield* store.byIndex("key", "password")).length).toBe(2)
      expect((yield* store.list({ labels: { app: "b" } })).map(Store.keyOf)).toEqual(["apps/b"])
      yield* Client.delete(core.Secret, "a", { namespace: "apps" })
      yield* Eventually.eventually(
        Effect.map(store.list(), (all) => expect(all.map(Store.keyOf)).toEqual(["apps/b"]))
      )
    }).pipe(Effect.provide(cluster()))
  )
})
