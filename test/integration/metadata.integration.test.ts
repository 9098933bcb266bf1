import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Option, Schedule, Stream } from "effect"
import { inject } from "vitest"
import { Client, Reflector, Resource, Store, Watch } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { Eventually } from "../../src/testing/index.js"
import { inFreshNamespace } from "../harness/Namespace.js"

const env = inject("envtest")
const inNamespace = inFreshNamespace(env.kubeconfigs["admin-token"], "meta")
const fast = Schedule.spaced("100 millis")

const SecretMeta = Resource.metadataOnly(core.Secret)
const secret = (name: string): core.Secret => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, labels: { app: name } },
  stringData: { password: "hunter2" }
})

describe("metadata-only reads on a real apiserver", () => {
  it.live(
    "get, paged list, watch, patch and a store give PartialObjectMetadata: no data reaches the client",
    () =>
      inNamespace(() =>
        Effect.gen(function* () {
          for (const name of ["a", "b", "c"]) yield* Client.create(core.Secret, secret(name))
          const one = yield* Client.get(SecretMeta, "a")
          expect(one.apiVersion).toBe("meta.k8s.io/v1")
          expect(one.kind).toBe("PartialObjectMetadata")
          expect(one.metadata?.labels).toEqual({ app: "a" })
          expect(Object.keys(one).sort()).toEqual(["apiVersion", "kind", "metadata"])

          const pages = yield* Client.listPages(SecretMeta, { chunkSize: 2 }).pipe(Stream.runCollect)
          const items = Chunk.toReadonlyArray(pages).flatMap((page) => page.items)
          expect(Chunk.size(pages)).toBeGreaterThanOrEqual(2)
          expect(items.filter((o) => ["a", "b", "c"].includes(o.metadata?.name ?? "")).length).toBe(3)
          expect(items.every((o) => o.kind === "PartialObjectMetadata" && !("data" in o))).toBe(true)

          const patched = yield* Client.patch(
            SecretMeta,
            "a",
            { metadata: { labels: { tier: "db" } } },
            { patchType: "merge" }
          )
          expect(patched.kind).toBe("PartialObjectMetadata")
          expect(patched.metadata?.labels).toEqual({ app: "a", tier: "db" })

          const store = yield* Reflector.make(SecretMeta, { retrySchedule: fast })
          yield* store.ready
          const watched = yield* Watch.watch(SecretMeta, { retrySchedule: fast }).pipe(
            Stream.filter((e) => e._tag === "Added" && e.object.metadata?.name === "d"),
            Stream.take(1),
            Stream.runCollect,
            Effect.fork
          )
          yield* Effect.sleep("200 millis")
          yield* Client.create(core.Secret, secret("d"))
          const [added] = Chunk.toReadonlyArray(yield* watched.await.pipe(Effect.flatten))
          expect(added).toMatchObject({ _tag: "Added", object: { kind: "PartialObjectMetadata" } })
          yield* Eventually.eventually(
            Effect.gen(function* () {
              const d = yield* store.get({ namespace: one.metadata?.namespace ?? "", name: "d" })
              expect(Option.map(d, (o) => Object.keys(o).sort())).toEqual(
                Option.some(["apiVersion", "kind", "metadata"])
              )
            })
          )
          expect((yield* store.list({ labels: { tier: "db" } })).map(Store.keyOf)).toEqual([
            `${one.metadata?.namespace}/a`
          ])

          // Apply through the metadata form (the body names the kind itself), then deleteCollection
          // (the apiserver answers a deleteCollection with the list deleted: the list form).
          const applied = yield* Client.apply(
            SecretMeta,
            {
              apiVersion: "meta.k8s.io/v1",
              kind: "PartialObjectMetadata",
              metadata: { name: "b", labels: { owner: "me" } }
            },
            { fieldManager: "labeller" }
          )
          expect(applied.kind).toBe("PartialObjectMetadata")
          expect((yield* Client.get(core.Secret, "b")).metadata?.labels).toEqual({ app: "b", owner: "me" })
          yield* Client.deleteCollection(SecretMeta, { labels: { owner: "me" } })
          expect(Option.isNone(yield* Client.getOption(core.Secret, "b"))).toBe(true)
        }).pipe(Effect.scoped)
      )
  )
})
