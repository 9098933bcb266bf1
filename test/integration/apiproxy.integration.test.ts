/**
 * Requests through the real apiserver's proxy to a local HTTP server standing in for a pod and a
 * service: the pod's `status.podIP` and a selector-less service's Endpoints point at this machine's
 * non-loopback address (the apiserver refuses to proxy to loopback addresses).
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { inject } from "vitest"
import { ApiProxy, Client } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { inFreshNamespace as freshNamespace } from "../harness/Namespace.js"

const env = inject("envtest")
const inFreshNamespace = freshNamespace(env.kubeconfigs["admin-token"], "apiproxy")

/** This machine's first non-loopback IPv4 address (a test bed without one cannot run this test). */
const hostAddress = (): string => {
  const found = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === "IPv4" && !i.internal)
  if (found === undefined) throw new Error("no non-loopback IPv4 address to stand in for a pod")
  return found.address
}

/** A local HTTP server answering what it was asked, closed with the scope. */
const echoServer = Effect.acquireRelease(
  Effect.async<http.Server>((resume) => {
    const server = http.createServer((req, res) => {
      let body = ""
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8")
      })
      req.on("end", () => {
        res.writeHead(req.url === "/missing" ? 404 : 200, { "content-type": "text/plain" })
        res.end(`${req.method} ${req.url} ${body}`)
      })
    })
    server.listen(0, "0.0.0.0", () => resume(Effect.succeed(server)))
  }),
  (server) => Effect.sync(() => server.close())
)

describe("ApiProxy against the real apiserver", () => {
  it.scopedLive("to a pod by its IP and port, and to a service through its endpoints", () =>
    Effect.gen(function* () {
      const server = yield* echoServer
      const port = (server.address() as AddressInfo).port
      const ip = hostAddress()
      yield* inFreshNamespace((namespace) =>
        Effect.gen(function* () {
          yield* Client.create(core.Pod, {
            metadata: { name: "web" },
            spec: { containers: [{ name: "web", image: "nginx:1.27", ports: [{ containerPort: port }] }] }
          })
          yield* Client.patchStatus(core.Pod, "web", {
            status: { phase: "Running", podIP: ip, podIPs: [{ ip }] }
          })
          const fromPod = yield* ApiProxy.request(core.Pod, "web", {
            port,
            path: "/metrics",
            query: [["a", "1"]]
          })
          expect(fromPod.status).toBe(200)
          expect(fromPod.text).toBe("GET /metrics?a=1 ")
          const posted = yield* ApiProxy.request(core.Pod, "web", {
            port,
            method: "POST",
            path: "/items",
            body: "x=1",
            contentType: "application/x-www-form-urlencoded"
          })
          expect(posted.text).toBe("POST /items x=1")
          const missing = yield* Effect.flip(ApiProxy.request(core.Pod, "web", { port, path: "/missing" }))
          expect(missing).toMatchObject({ _tag: "ApiError", code: 404 })

          yield* Client.create(core.Service, {
            metadata: { name: "api" },
            spec: { ports: [{ port: 80, targetPort: port, protocol: "TCP" }] }
          })
          yield* Client.create(core.Endpoints, {
            metadata: { name: "api" },
            // The apiserver proxies only to an address that is a pod's (its targetRef, with that IP).
            subsets: [
              {
                addresses: [{ ip, targetRef: { kind: "Pod", name: "web", namespace } }],
                ports: [{ port, protocol: "TCP" }]
              }
            ]
          })
          const fromService = yield* ApiProxy.request(core.Service, "api", { port: 80, path: "/health" })
          expect(fromService.text).toBe("GET /health ")
        })
      )
    })
  )
})
