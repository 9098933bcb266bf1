/**
 * The sub-resources beyond status and scale, on the in-memory cluster (which follows the
 * documented protocol of each: `ephemeralcontainers` and `resize` are not served by the 1.20 test
 * apiserver, so this is where their newer-server behaviour is shown; the others are also tested
 * against the real apiserver in subresources.integration.test.ts).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Client } from "../../src/index.js"
import * as apps from "../../src/models/apps/v1.js"
import * as certificates from "../../src/models/certificates/v1.js"
import * as core from "../../src/models/core/v1.js"
import { InMemoryCluster } from "../../src/testing/index.js"

const pod: core.Pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default" },
  spec: { containers: [{ name: "c", image: "nginx:1.27", resources: { limits: { cpu: "1" } } }] }
}

describe("sub-resources on the in-memory cluster", () => {
  it.effect("finalize: a Terminating namespace goes once its spec's finalizers are cleared", () =>
    Effect.gen(function* () {
      yield* Client.create(core.Namespace, {
        metadata: { name: "old" },
        spec: { finalizers: ["kubernetes"] }
      })
      yield* Client.delete(core.Namespace, "old")
      const terminating = yield* Client.get(core.Namespace, "old")
      expect(terminating.status?.phase).toBe("Terminating")
      // Another finalizer kept: still there.
      const kept = yield* Client.finalize(core.Namespace, "old", ["example.com/cleanup"])
      expect(kept.spec?.finalizers).toEqual(["example.com/cleanup"])
      yield* Client.finalize(core.Namespace, "old", [])
      expect(yield* Client.getOption(core.Namespace, "old")).toMatchObject({ _tag: "None" })
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect("bind: a pod is assigned a node once; binding it again is a 409", () =>
    Effect.gen(function* () {
      yield* Client.create(core.Pod, pod)
      yield* Client.bind(core.Pod, "p", "node-1")
      expect((yield* Client.get(core.Pod, "p")).spec?.nodeName).toBe("node-1")
      const again = yield* Effect.flip(Client.bind(core.Pod, "p", "node-2"))
      expect(again).toMatchObject({ _tag: "ApiError", code: 409 })
      const bad = yield* Effect.flip(Client.bind(core.Pod, "p", "../x"))
      expect(bad._tag).toBe("InvalidRequest")
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect("addEphemeralContainer: the container added, nothing else of the pod changed", () =>
    Effect.gen(function* () {
      // As created (with the server's defaults): the containers must stay so.
      const created = yield* Client.create(core.Pod, pod)
      const debugged = yield* Client.addEphemeralContainer(core.Pod, "p", {
        name: "debugger",
        image: "busybox:1.36",
        targetContainerName: "c"
      })
      expect(debugged.spec?.ephemeralContainers?.map((c) => c.name)).toEqual(["debugger"])
      const twice = yield* Client.addEphemeralContainer(core.Pod, "p", {
        name: "second",
        image: "busybox:1.36"
      })
      expect(twice.spec?.ephemeralContainers?.map((c) => c.name)).toEqual(["debugger", "second"])
      expect(twice.spec?.containers).toEqual(created.spec?.containers)
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect("resize: the containers' resources change, nothing else (an image in the patch is ignored)", () =>
    Effect.gen(function* () {
      yield* Client.create(core.Pod, pod)
      const resized = yield* Client.resize(core.Pod, "p", {
        spec: { containers: [{ name: "c", image: "other", resources: { limits: { cpu: "2" } } }] }
      })
      expect(resized.spec?.containers[0]?.resources).toEqual({ limits: { cpu: "2" } })
      expect(resized.spec?.containers[0]?.image).toBe("nginx:1.27")
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect("approve and deny: the condition added through the approval sub-resource", () =>
    Effect.gen(function* () {
      const csr = (name: string): Client.LoneObject<certificates.CertificateSigningRequest> => ({
        apiVersion: "certificates.k8s.io/v1",
        kind: "CertificateSigningRequest",
        metadata: { name },
        spec: {
          request: "cmVxdWVzdA==",
          signerName: "kubernetes.io/kube-apiserver-client",
          usages: ["client auth"]
        }
      })
      yield* Client.create(certificates.CertificateSigningRequest, csr("a"))
      yield* Client.create(certificates.CertificateSigningRequest, csr("b"))
      const approved = yield* Client.approve(certificates.CertificateSigningRequest, "a", { reason: "Known" })
      expect(approved.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
        ["Approved", "True", "Known"]
      ])
      const denied = yield* Client.deny(certificates.CertificateSigningRequest, "b")
      expect(denied.status?.conditions?.map((c) => [c.type, c.reason])).toEqual([
        ["Denied", "DeniedByEffectKube"]
      ])
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )

  it.effect("applyScale: the replicas applied through the scale sub-resource", () =>
    Effect.gen(function* () {
      yield* Client.create(apps.Deployment, {
        metadata: { name: "d", namespace: "default" },
        spec: {
          replicas: 1,
          selector: { matchLabels: { a: "b" } },
          template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "x" }] } }
        }
      })
      const scale = yield* Client.applyScale(apps.Deployment, "d", 4, {
        fieldManager: "autoscaler",
        force: true
      })
      expect(scale.spec?.replicas).toBe(4)
      expect((yield* Client.get(apps.Deployment, "d")).spec?.replicas).toBe(4)
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )
})
