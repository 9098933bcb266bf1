import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Stream } from "effect"
import { ApiRequest, ClientDefaults, KubeConfig } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { InMemoryCluster } from "../../src/testing/index.js"

/** A configuration whose context's namespace is "team". */
const config = KubeConfig.layer({
  source: "object",
  cluster: { server: "https://127.0.0.1:6443", insecureSkipTlsVerify: false, disableCompression: false },
  namespace: "team",
  credentials: Effect.succeed({}),
  invalidateCredentials: Effect.void,
  refreshable: false
})

/** What a write of a ConfigMap addresses: its path and query. */
const write = (options: { readonly fieldManager?: string; readonly dryRun?: boolean } = {}) =>
  Effect.map(
    ApiRequest.target({
      resource: core.ConfigMap,
      method: "POST",
      object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } },
      write: options
    }),
    (t) => `${t.path}?${t.query.map(([k, v]) => `${k}=${v}`).join("&")}`
  )

describe("ClientDefaults", () => {
  it.effect("unset: the KubeConfig's namespace, no field manager, no dry run", () =>
    Effect.gen(function* () {
      expect(yield* ClientDefaults.ClientDefaults).toEqual({})
      expect(yield* write()).toBe("/api/v1/namespaces/team/configmaps?")
    }).pipe(Effect.provide(config))
  )

  it.effect("a layer sets them for a whole program; options still win", () =>
    Effect.gen(function* () {
      expect(yield* write()).toBe("/api/v1/namespaces/apps/configmaps?fieldManager=ctl&dryRun=All")
      expect(yield* write({ fieldManager: "me", dryRun: false })).toBe(
        "/api/v1/namespaces/apps/configmaps?fieldManager=me"
      )
    }).pipe(
      Effect.provide(
        Layer.merge(config, ClientDefaults.layer({ namespace: "apps", fieldManager: "ctl", dryRun: true }))
      )
    )
  )

  it.effect("locally overrides for one part of a program, field by field, and only there", () =>
    Effect.gen(function* () {
      const inner = yield* write().pipe(ClientDefaults.locally({ namespace: "staging" }))
      expect(inner).toBe("/api/v1/namespaces/staging/configmaps?fieldManager=ctl")
      const nested = yield* write().pipe(
        ClientDefaults.locally({ fieldManager: "inner" }),
        ClientDefaults.locally({ namespace: "outer" })
      )
      expect(nested).toBe("/api/v1/namespaces/outer/configmaps?fieldManager=inner")
      expect(yield* write()).toBe("/api/v1/namespaces/apps/configmaps?fieldManager=ctl")
    }).pipe(
      Effect.provide(Layer.merge(config, ClientDefaults.layer({ namespace: "apps", fieldManager: "ctl" })))
    )
  )

  it.effect("a layer laid over another keeps the outer fields it does not set", () =>
    Effect.gen(function* () {
      expect(yield* ClientDefaults.ClientDefaults).toEqual({ namespace: "apps", fieldManager: "ctl" })
    }).pipe(
      Effect.provide(ClientDefaults.layer({ fieldManager: "ctl" })),
      Effect.provide(ClientDefaults.layer({ namespace: "apps" }))
    )
  )

  it.effect(
    "a cluster layer without write defaults leaves the program's alone, in either order of a merge",
    () =>
      Effect.gen(function* () {
        const read = Effect.map(ClientDefaults.ClientDefaults, (d) => d)
        const defaults = ClientDefaults.layer({ namespace: "apps", fieldManager: "op" })
        expect(yield* Effect.provide(read, Layer.merge(defaults, InMemoryCluster.layer()))).toEqual({
          namespace: "apps",
          fieldManager: "op"
        })
        expect(yield* Effect.provide(read, Layer.merge(InMemoryCluster.layer(), defaults))).toEqual({
          namespace: "apps",
          fieldManager: "op"
        })
        // With its own, laid over what is in effect where it is built.
        const over = InMemoryCluster.layer({ fieldManager: "tests" }).pipe(Layer.provideMerge(defaults))
        expect(yield* Effect.provide(read, over)).toEqual({ namespace: "apps", fieldManager: "tests" })
      })
  )

  it.effect("locallyStream: the defaults of a whole stream, laid over the ones in effect", () =>
    Effect.gen(function* () {
      const seen = yield* Stream.fromEffect(ClientDefaults.ClientDefaults).pipe(
        ClientDefaults.locallyStream({ namespace: "staging" }),
        Stream.runHead
      )
      expect(Option.getOrThrow(seen)).toEqual({ namespace: "staging", fieldManager: "ctl" })
    }).pipe(Effect.provide(ClientDefaults.layer({ namespace: "apps", fieldManager: "ctl" })))
  )
})
