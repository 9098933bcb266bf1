/**
 * A tiny stand-in cluster for the examples when no cluster is configured: an `HttpClient` layer
 * that answers `/version` and `/api/v1/namespaces` from memory, plus a matching `KubeConfig`.
 * (The full in-memory cluster, speaking the whole REST protocol, replaces it.)
 */
import { HttpClient, HttpClientResponse } from "@effect/platform"
import { Effect, Layer } from "effect"
import { KubeConfig, KubeHttpClient } from "../src/index.js"

const answers: Record<string, unknown> = {
  "/version": { major: "1", minor: "35", gitVersion: "v1.35.0-demo", platform: "in-memory" },
  "/api/v1/namespaces": {
    kind: "NamespaceList",
    apiVersion: "v1",
    metadata: { resourceVersion: "1" },
    items: ["default", "kube-system", "kube-public"].map((name) => ({ metadata: { name } }))
  }
}

const http = HttpClient.make((request, url) =>
  Effect.succeed(
    HttpClientResponse.fromWeb(
      request,
      url.pathname in answers
        ? Response.json(answers[url.pathname])
        : Response.json({ kind: "Status", status: "Failure", reason: "NotFound", code: 404 }, { status: 404 })
    )
  )
)

const config = KubeConfig.layer({
  source: "demo",
  cluster: { server: "http://demo.invalid", insecureSkipTlsVerify: false, disableCompression: false },
  namespace: "default",
  credentials: Effect.succeed({}),
  invalidateCredentials: Effect.void,
  refreshable: false
})

/** The demo cluster: `KubeConfig` + `HttpClient` (the real request pipeline over a fake transport). */
export const layer = KubeHttpClient.layer().pipe(
  Layer.provide(Layer.succeed(HttpClient.HttpClient, http)),
  Layer.provideMerge(config)
)
