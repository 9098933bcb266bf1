/**
 * Sub-resources against the real apiserver (1.20): namespaces/finalize, pods/binding,
 * certificatesigningrequests/approval, apply of a scale; `ephemeralcontainers` and `resize` are not
 * served by 1.20 (404: "where served" — their protocol is tested on the in-memory cluster in
 * test/unit/Subresources.test.ts).
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { inject } from "vitest"
import { Client } from "../../src/index.js"
import * as apps from "../../src/models/apps/v1.js"
import * as certificates from "../../src/models/certificates/v1.js"
import * as core from "../../src/models/core/v1.js"
import { clientLayer, inFreshNamespace as freshNamespace, unique } from "../harness/Namespace.js"

const env = inject("envtest")
const inFreshNamespace = freshNamespace(env.kubeconfigs["admin-token"], "subresources")

const pod = (name: string): core.Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name },
  spec: { containers: [{ name: "c", image: "nginx:1.27", resources: { limits: { cpu: "1" } } }] }
})

/** A PEM certificate request (openssl), base64 as a CSR's spec.request wants it. */
const certificateRequest = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "csr-"))
  execFileSync(
    "openssl",
    [
      "req",
      "-new",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "k.pem",
      "-out",
      "c.pem",
      "-subj",
      "/CN=alice"
    ],
    { cwd: dir, stdio: "ignore" }
  )
  const request = fs.readFileSync(path.join(dir, "c.pem")).toString("base64")
  fs.rmSync(dir, { recursive: true, force: true })
  return request
}

describe("sub-resources against the real apiserver", () => {
  it.live("bind: the pod is assigned the node; again is a 409", () =>
    inFreshNamespace(() =>
      Effect.gen(function* () {
        yield* Client.create(core.Pod, pod("p"))
        yield* Client.bind(core.Pod, "p", "node-1")
        expect((yield* Client.get(core.Pod, "p")).spec?.nodeName).toBe("node-1")
        const again = yield* Effect.flip(Client.bind(core.Pod, "p", "node-2"))
        expect(again).toMatchObject({ _tag: "ApiError", code: 409 })
      })
    )
  )

  it.live("finalize: a Terminating namespace (no controller here to clear it) goes once finalized", () =>
    Effect.gen(function* () {
      const name = unique("finalize")
      yield* Client.create(core.Namespace, { metadata: { name } })
      yield* Client.delete(core.Namespace, name)
      const terminating = yield* Client.get(core.Namespace, name)
      expect(terminating.status?.phase).toBe("Terminating")
      expect(terminating.spec?.finalizers).toEqual(["kubernetes"])
      yield* Client.finalize(core.Namespace, name, [])
      expect(yield* Client.getOption(core.Namespace, name)).toMatchObject({ _tag: "None" })
    }).pipe(Effect.provide(clientLayer(env.kubeconfigs["admin-token"])))
  )

  it.live("approve and deny a CertificateSigningRequest", () =>
    Effect.gen(function* () {
      const create = (name: string) =>
        Client.create(certificates.CertificateSigningRequest, {
          metadata: { name },
          spec: {
            request: certificateRequest(),
            signerName: "kubernetes.io/kube-apiserver-client",
            usages: ["client auth"]
          }
        })
      const a = unique("csr")
      const b = unique("csr")
      yield* create(a)
      yield* create(b)
      const approved = yield* Client.approve(certificates.CertificateSigningRequest, a, { reason: "Known" })
      expect(approved.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
        ["Approved", "True", "Known"]
      ])
      const denied = yield* Client.deny(certificates.CertificateSigningRequest, b, {
        message: "unknown user"
      })
      expect(denied.status?.conditions?.map((c) => [c.type, c.message])).toEqual([["Denied", "unknown user"]])
      yield* Client.delete(certificates.CertificateSigningRequest, a)
      yield* Client.delete(certificates.CertificateSigningRequest, b)
    }).pipe(Effect.provide(clientLayer(env.kubeconfigs["admin-token"])))
  )

  it.live("applyScale: the replicas applied (forced: 1.20 names the creator 'before-first-apply')", () =>
    inFreshNamespace(() =>
      Effect.gen(function* () {
        yield* Client.create(apps.Deployment, {
          metadata: { name: "d" },
          spec: {
            replicas: 1,
            selector: { matchLabels: { a: "b" } },
            template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "x" }] } }
          }
        })
        const conflict = yield* Effect.flip(
          Client.applyScale(apps.Deployment, "d", 4, { fieldManager: "hpa" })
        )
        expect(conflict).toMatchObject({ _tag: "ApiError", code: 409 })
        const scale = yield* Client.applyScale(apps.Deployment, "d", 4, { fieldManager: "hpa", force: true })
        expect(scale.spec?.replicas).toBe(4)
        expect((yield* Client.get(apps.Deployment, "d")).spec?.replicas).toBe(4)
      })
    )
  )

  it.live("ephemeralcontainers and resize are not served by 1.20: a 404, nothing changed", () =>
    inFreshNamespace(() =>
      Effect.gen(function* () {
        yield* Client.create(core.Pod, pod("p"))
        const ephemeral = yield* Effect.flip(
          Client.addEphemeralContainer(core.Pod, "p", { name: "dbg", image: "busybox:1.36" })
        )
        expect(ephemeral).toMatchObject({ _tag: "ApiError", code: 404 })
        const resized = yield* Effect.flip(
          Client.resize(core.Pod, "p", {
            spec: { containers: [{ name: "c", resources: { limits: { cpu: "2" } } }] }
          })
        )
        expect(resized).toMatchObject({ _tag: "ApiError", code: 404 })
        // (The apiserver defaulted the requests to the limits.)
        expect((yield* Client.get(core.Pod, "p")).spec?.containers[0]?.resources?.limits).toEqual({
          cpu: "1"
        })
      })
    )
  )
})
