/**
 * Requests through the apiserver's proxy (`pods/proxy`, `services/proxy`): what is sent, what comes
 * back, and what is refused before anything is sent. The apiserver side is scripted here; the
 * real one forwards to a local server in apiproxy.integration.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit } from "effect"
import { ApiProxy } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { InMemoryCluster } from "../../src/testing/index.js"
import { fakeServer, layerFor } from "../harness/ScriptedServer.js"

describe("ApiProxy.request", () => {
  it.scopedLive("sends the method, path, query, headers and body; reads the whole answer", () =>
    Effect.gen(function* () {
      // What the server read, once the request's body has ended (awaited: no fixed wait).
      const seen = yield* Deferred.make<{
        method: string
        url: string
        header: string | undefined
        body: string
      }>()
      const srv = yield* fakeServer({
        handle: (url, res) => {
          // The scripted server only sees the URL; the request's details come from the socket.
          res.writeHead(201, { "content-type": "text/plain", "x-from": "pod" })
          res.end(`made ${url.pathname}`)
        }
      })
      srv.server.prependListener("request", (req) => {
        let body = ""
        req.on("data", (chunk: Buffer) => {
          body += chunk.toString("utf8")
        })
        req.on("end", () =>
          Deferred.unsafeDone(
            seen,
            Exit.succeed({
              method: req.method ?? "",
              url: req.url ?? "",
              header: req.headers["x-token-of-pod"]?.toString(),
              body
            })
          )
        )
      })
      const answer = yield* ApiProxy.request(core.Pod, "web-0", {
        method: "POST",
        scheme: "https",
        port: 8443,
        path: "/api/items/",
        query: [["dry", "1"]],
        headers: { "x-token-of-pod": "abc" },
        body: '{"name":"x"}',
        contentType: "application/json"
      }).pipe(Effect.provide(layerFor(srv.url)))
      expect(answer.status).toBe(201)
      expect(answer.headers["x-from"]).toBe("pod")
      expect(answer.text).toBe("made /api/v1/namespaces/ns/pods/https:web-0:8443/proxy/api/items/")
      expect(yield* Deferred.await(seen)).toEqual({
        method: "POST",
        url: "/api/v1/namespaces/ns/pods/https:web-0:8443/proxy/api/items/?dry=1",
        header: "abc",
        body: '{"name":"x"}'
      })
      expect(srv.requests).toHaveLength(1)
    })
  )

  it.scopedLive("a service by port name; path segments encoded; an error status is an ApiError", () =>
    Effect.gen(function* () {
      const srv = yield* fakeServer({
        handle: (url, res) => {
          if (url.pathname.endsWith("/missing")) {
            // The pod's own answer (the apiserver passes it on).
            res.writeHead(404, { "content-type": "text/plain" })
            res.end("404 page not found")
          } else {
            res.writeHead(200)
            res.end(url.pathname)
          }
        }
      })
      const layer = layerFor(srv.url)
      const ok = yield* ApiProxy.request(core.Service, "api", { port: "http", path: "a b/ü" }).pipe(
        Effect.provide(layer)
      )
      expect(ok.text).toBe("/api/v1/namespaces/ns/services/api:http/proxy/a%20b/%C3%BC")
      const failed = yield* Effect.flip(
        ApiProxy.request(core.Service, "api", { path: "/missing" }).pipe(Effect.provide(layer))
      )
      expect(failed).toMatchObject({ _tag: "ApiError", code: 404 })
      expect(failed.message).toContain("404 page not found")
    })
  )

  it.scopedLive("no path asks for the target's root (.../proxy/); a redirect is an error, not followed", () =>
    Effect.gen(function* () {
      const srv = yield* fakeServer({
        handle: (url, res) => {
          if (url.pathname.endsWith("/proxy/")) {
            res.writeHead(302, { location: "https://elsewhere.invalid/login" })
            res.end()
          } else {
            res.writeHead(301, { location: `${url.pathname}/` })
            res.end("Moved Permanently")
          }
        }
      })
      const error = yield* Effect.flip(
        ApiProxy.request(core.Pod, "web", {}).pipe(Effect.provide(layerFor(srv.url)))
      )
      expect(error).toMatchObject({ _tag: "ApiError", code: 302 })
      expect(srv.requests.map((u) => u.pathname)).toEqual(["/api/v1/namespaces/ns/pods/web/proxy/"])
    })
  )

  it.scopedLive("a path, name or port that is not a path segment is refused before anything is sent", () =>
    Effect.gen(function* () {
      const srv = yield* fakeServer({
        handle: (_url, res) => {
          res.writeHead(200)
          res.end("sent")
        }
      })
      const layer = layerFor(srv.url)
      for (const [name, options] of [
        ["web", { path: "/../../secrets" }],
        ["web", { path: "/a/%2e%2e" }],
        ["web", { path: "/a\u0000b" }],
        ["web:80", {}],
        ["..", {}],
        ["web", { port: "80:81" }],
        ["web", { port: "a/b" }]
      ] as const) {
        const error = yield* Effect.flip(
          ApiProxy.request(core.Pod, name, options).pipe(Effect.provide(layer))
        )
        expect(error._tag).toBe("InvalidRequest")
      }
      expect(srv.requests).toHaveLength(0)
    })
  )

  it.effect("the in-memory cluster runs no containers: a 400 that says so", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        ApiProxy.request(core.Pod, "p", { path: "/metrics", namespace: "default" })
      )
      expect(error).toMatchObject({ _tag: "ApiError", code: 400 })
      expect(error.message).toContain("runs no containers")
    }).pipe(Effect.provide(InMemoryCluster.layer()))
  )
})
