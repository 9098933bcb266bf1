/**
 * Server-side apply of a part of an object (`Resource.ApplyInput`): only the fields a manager
 * owns, each checked by the kind's Schema, at every depth.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Client, Resource } from "../../src/index.js"
import * as apps from "../../src/models/apps/v1.js"
import * as core from "../../src/models/core/v1.js"
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
      // Deep parts too: one container's image, by its key (another manager: the deployer applying
      // only this would give up the rest it applied before, as the apiserver does).
      const image = yield* Client.apply(
        apps.Deployment,
        {
          metadata: { name: "web", namespace: "default" },
          spec: { template: { spec: { containers: [{ name: "web", image: "nginx:1.28" }] } } }
        },
        { fieldManager: "image-updater", force: true }
      )
      expect(image.spec?.template.spec?.containers[0]?.image).toBe("nginx:1.28")
      expect(image.spec?.selector.matchLabels).toEqual({ app: "web" })
      // The deployer applying only the image: the selector it no longer applies goes, and the
      // Deployment without one is refused (422), as on the apiserver.
      const pruned = yield* Effect.flip(
        Client.apply(
          apps.Deployment,
          {
            metadata: { name: "web", namespace: "default" },
            spec: { template: { spec: { containers: [{ name: "web", image: "nginx:1.28" }] } } }
          },
          { fieldManager: "deployer", force: true }
        )
      )
      expect(pruned).toMatchObject({ _tag: "ApiError", code: 422 })
      expect(pruned.message).toContain("spec.selector: Required value")
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

  it("the items of list-map lists need the keys they require, in the types and in the Schema", () => {
    // The generated apply type of each built-in kind is what ApplyInput picks.
    expectTypeOf<Resource.ApplyInput<apps.Deployment>>().toEqualTypeOf<apps.DeploymentApply>()
    expectTypeOf<Resource.ApplyInput<core.Pod>>().toEqualTypeOf<core.PodApply>()
    const withKeys: Resource.ApplyInput<apps.Deployment> = {
      metadata: { name: "web", ownerReferences: [{ uid: "u-1", name: "owner" }] },
      spec: {
        template: {
          spec: {
            containers: [{ name: "web", ports: [{ containerPort: 80 }], env: [{ name: "A", value: "1" }] }]
          }
        }
      },
      status: { conditions: [{ type: "Available", status: "True" }] }
    }
    // @ts-expect-error a container's key is its name
    const noName: core.PodSpecApply = { containers: [{ image: "nginx" }] }
    // @ts-expect-error an env variable's key is its name
    const noEnvName: core.ContainerApply = { name: "web", env: [{ value: "1" }] }
    // @ts-expect-error a condition's key is its type
    const noType: apps.DeploymentStatusApply = { conditions: [{ status: "True" }] }
    const noUid: Resource.ApplyInput<core.ConfigMap> = {
      // @ts-expect-error an owner reference's key is its uid
      metadata: { name: "c", ownerReferences: [{ name: "o" }] }
    }
    // A kind without a generated apply type: every field optional at every depth.
    type Widget = {
      apiVersion: "example.com/v1"
      kind: "Widget"
      spec?: { items: ReadonlyArray<{ id: string }> }
    }
    const widget: Resource.ApplyInput<Widget> = { spec: { items: [{}] } }
    expect([noName, noEnvName, noType, noUid, widget].length).toBe(5)

    const check = Schema.encodeUnknownEither(Resource.applySchema(apps.Deployment))
    const part = (containers: ReadonlyArray<unknown>) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: { template: { spec: { containers } } }
    })
    expect(check({ ...withKeys, apiVersion: "apps/v1", kind: "Deployment" })._tag).toBe("Right")
    // protocol is a key of container ports the item does not require (the server defaults it).
    expect(check(part([{ name: "web", ports: [{ containerPort: 80 }] }]))._tag).toBe("Right")
    const nameless = check(part([{ image: "nginx" }]))
    expect(nameless._tag).toBe("Left")
    if (nameless._tag === "Left") {
      expect(nameless.left.message).toContain('["name"]')
      expect(nameless.left.message).toContain("is missing")
    }
    expect(check(part([{ name: "web", ports: [{ protocol: "TCP" }] }]))._tag).toBe("Left")
    // The keys are required of the items of list-map lists only: a container alone may be a part.
    const podSpec = Schema.encodeUnknownEither(Resource.applySchema(core.Pod))
    expect(podSpec({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: {} })._tag).toBe("Right")
  })

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
