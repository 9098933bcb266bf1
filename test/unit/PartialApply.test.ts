/**
 * Server-side apply of a part of an object (`Resource.ApplyInput`): only the fields a manager
 * owns, each checked by the kind's Schema, at every depth.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Client, Resource } from "../../src/index.js"
import * as apps from "../../src/models/apps/v1.js"
import { InMemoryCluster } from "../../src/testing/index.js"

const deployment = {
  metadata: { name: "web", namespace: "default" },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "web", image: "nginx:1.27" }] }
    }
  }
}

describe("apply of a part of an object", () => {
  it.effect("a manager applies only the replicas; the rest stays the other manager's", () =>
    Effect.gen(function* () {
      yield* Client.apply(apps.Deployment, deployment, { fieldManager: "deployer" })
      const scaled = yield* Client.apply(
        apps.Deployment,
        { metadata: { name: "web", namespace: "default" }, spec: { replicas: 3 } },
        { fieldManager: "autoscaler", force: true }
      )
      expect(scaled.spec?.replicas).toBe(3)
      expect(scaled.spec?.template.spec?.containers[0]?.image).toBe("nginx:1.27")
      // Deep parts too: one container's image, by its key.
      const image = yield* Client.apply(
        apps.Deployment,
        {
          metadata: { name: "web", namespace: "default" },
          spec: { template: { spec: { containers: [{ name: "web", image: "nginx:1.28" }] } } }
        },
        { fieldManager: "deployer", force: true }
      )
      expect(image.spec?.template.spec?.containers[0]?.image).toBe("nginx:1.28")
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect(
    "a field given is checked by the kind's Schema (a type error, and a ParseError when it gets through)",
    () =>
      Effect.gen(function* () {
        const wrong = yield* Effect.flip(
          Client.apply(
            apps.Deployment,
            // @ts-expect-error replicas is a number
            { metadata: { name: "web" }, spec: { replicas: "three" } },
            { fieldManager: "autoscaler" }
          )
        )
        expect(wrong._tag).toBe("ParseError")
        const nameless = yield* Effect.flip(
          Client.apply(apps.Deployment, { spec: { replicas: 3 } }, { fieldManager: "autoscaler" })
        )
        expect(nameless._tag).toBe("InvalidRequest")
      }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it("the partial Schema: every field optional at every depth, the types of those given checked", () => {
    const check = Schema.encodeUnknownEither(Resource.applySchema(apps.Deployment))
    const ok = check({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "w" },
      spec: { template: {} }
    })
    expect(ok._tag).toBe("Right")
    const bad = check({
      apiVersion: "apps/v1",
      kind: "Deployment",
      spec: { template: { spec: { containers: [{ ports: [{ containerPort: "x" }] }] } } }
    })
    expect(bad._tag).toBe("Left")
    // The full Schema refuses the part (spec.selector is required there).
    const full = Schema.encodeUnknownEither(apps.Deployment.schema)({
      apiVersion: "apps/v1",
      kind: "Deployment",
      spec: { replicas: 1 }
    })
    expect(full._tag).toBe("Left")
  })
})
