import { HttpClient, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { Discovery, KubeHttpClient, Registry } from "../../src/index.js"
import { resolvedConfig } from "../harness/Fixtures.js"

/** A server whose discovery documents are given by path. */
const serving = (documents: Record<string, unknown>) =>
  Layer.scoped(
    HttpClient.HttpClient,
    KubeHttpClient.make(
      HttpClient.make((request, url) =>
        Effect.succeed(
          HttpClientResponse.fromWeb(request, Response.json(documents[url.pathname] ?? { resources: [] }))
        )
      ),
      resolvedConfig()
    )
  )

describe("Discovery.apiResources", () => {
  it.effect("reads what fits, entry by entry: a bad group, version or resource hides nothing else", () =>
    Effect.gen(function* () {
      const registry = Registry.make(yield* Discovery.apiResources)
      const deployment = Option.getOrThrow(Registry.get(registry, "apps/v1", "Deployment"))
      expect(deployment.info.namespaced).toBe(true)
      expect(deployment.info.verbs).toEqual(["get", "list"])
      // A sub-resource counts by its name, whatever else its entry holds.
      expect(Object.keys(deployment.info.subresources).sort()).toEqual(["scale", "status"])
      // No verbs (null): none known, the kind still listed.
      expect(Option.getOrThrow(Registry.get(registry, "apps/v1", "ReplicaSet")).info.verbs).toEqual([])
      expect(Option.isSome(Registry.get(registry, "v1", "ConfigMap"))).toBe(true)
      expect([...registry.entries.keys()].sort()).toEqual([
        "apps/v1|Deployment",
        "apps/v1|ReplicaSet",
        "v1|ConfigMap"
      ])
    }).pipe(
      Effect.provide(
        serving({
          "/apis": {
            groups: [
              { name: "broken", versions: null },
              { name: "apps", versions: [{ groupVersion: "apps/v1", version: "v1" }, { version: 3 }] }
            ]
          },
          "/api/v1": {
            resources: [{ name: "configmaps", kind: "ConfigMap", namespaced: true, verbs: ["get"] }]
          },
          "/apis/apps/v1": {
            resources: [
              { name: "deployments", kind: "Deployment", namespaced: true, verbs: ["get", "list", "bogus"] },
              { name: "deployments/status", kind: "Deployment", verbs: null },
              { name: "deployments/scale", namespaced: "yes" },
              { name: "replicasets", kind: "ReplicaSet", namespaced: true, verbs: null },
              { kind: "Nameless", namespaced: true, verbs: [] },
              "not an object"
            ]
          }
        })
      )
    )
  )
})
