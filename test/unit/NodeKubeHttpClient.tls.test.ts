import type * as http from "node:http"
import * as https from "node:https"
import * as tls from "node:tls"
import { HttpClient, type HttpClientError } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted, Schedule } from "effect"
import type { ResolvedConfig } from "../../src/config/KubeConfig.js"
import { KubeConfig } from "../../src/index.js"
import { NodeKube, NodeKubeHttpClient } from "../../src/node/index.js"
import { certs, type Pair } from "./NodeKubeHttpClient.fixtures.js"

interface Served {
  readonly url: string
  readonly hits: Array<http.IncomingHttpHeaders>
  readonly clientCertificates: Array<boolean>
}

/** An HTTPS server on loopback with this certificate; closed with the scope. */
const httpsServer = (pair: Pair, extra: tls.TlsOptions = {}) =>
  Effect.acquireRelease(
    Effect.async<Served & { readonly server: https.Server }>((resume) => {
      const hits: Array<http.IncomingHttpHeaders> = []
      const clientCertificates: Array<boolean> = []
      const server = https.createServer({ cert: pair.cert, key: pair.key, ...extra }, (req, res) => {
        hits.push(req.headers)
        const socket = req.socket
        clientCertificates.push(
          socket instanceof tls.TLSSocket && Object.keys(socket.getPeerCertificate()).length > 0
        )
        res.setHeader("content-type", "application/json")
        res.end('{"ok":true}')
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({ url: `https://127.0.0.1:${port}`, hits, clientCertificates, server }))
      })
    }),
    ({ server }) =>
      Effect.sync(() => {
        server.closeAllConnections()
        server.close()
      })
  )

const configFor = (server: string, cluster: Partial<ResolvedConfig["cluster"]> = {}): ResolvedConfig => ({
  source: "test",
  cluster: { server, insecureSkipTlsVerify: false, disableCompression: false, ...cluster },
  namespace: "default",
  credentials: Effect.succeed({ token: Redacted.make("tok") }),
  invalidateCredentials: Effect.void,
  refreshable: false
})

const codes = (error: unknown): Array<string> => {
  const out: Array<string> = []
  let current: unknown = error
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    if ("code" in current && typeof current.code === "string") out.push(current.code)
    current = "cause" in current ? current.cause : undefined
  }
  return out
}

describe("NodeKubeHttpClient over TLS", () => {
  it.scoped(
    "the cluster's CA and client certificate are for the cluster only: another origin uses the system's CAs",
    () =>
      Effect.gen(function* () {
        const { ca, server, client } = certs()
        const cluster = yield* httpsServer(server, { ca, requestCert: true, rejectUnauthorized: true })
        // Another origin with a certificate from the cluster's CA: the cluster's agent would trust it.
        const other = yield* httpsServer(server, { ca, requestCert: true, rejectUnauthorized: false })
        const layer = NodeKube.layer({
          config: KubeConfig.layer({
            ...configFor(cluster.url, { certificateAuthority: ca }),
            credentials: Effect.succeed({
              token: Redacted.make("tok"),
              clientCertificate: { cert: Redacted.make(client.cert), key: Redacted.make(client.key) }
            })
          })
        })
        const [ok, failed] = yield* Effect.flatMap(HttpClient.HttpClient, (http) =>
          Effect.all([http.get("/api"), Effect.flip(http.get(`${other.url}/elsewhere`))])
        ).pipe(Effect.provide(layer))
        expect(ok.status).toBe(200)
        expect(cluster.clientCertificates).toEqual([true])
        expect(cluster.hits[0]?.authorization).toBe("Bearer tok")
        expect(failed._tag).toBe("RequestError")
        // Not trusted: the CA that signed it (sent along by the server) is not a system CA.
        expect(
          codes(failed.cause).some((c) => /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN/.test(c))
        ).toBe(true)
        expect(other.hits).toEqual([])
      })
  )

  describe("certificate failures say why", () => {
    const failure = (pair: Pair, cluster: Partial<ResolvedConfig["cluster"]>, extra: tls.TlsOptions = {}) =>
      Effect.gen(function* () {
        const srv = yield* httpsServer(pair, extra)
        const client = yield* NodeKubeHttpClient.make(configFor(srv.url, cluster), {
          retrySchedule: Schedule.stop
        })
        const error: HttpClientError.HttpClientError = yield* Effect.flip(client.get("/api"))
        expect(error._tag).toBe("RequestError")
        expect(srv.hits).toEqual([])
        return error.message
      })

    it.scoped("an unknown authority", () =>
      Effect.gen(function* () {
        const { server, otherCa } = certs()
        const message = yield* failure(server, { certificateAuthority: otherCa })
        expect(message).toMatch(/signed by an unknown authority/)
        expect(message).toContain("GET https://127.0.0.1:")
      })
    )

    it.scoped("a certificate for another host name", () =>
      Effect.gen(function* () {
        const { wrongName, ca } = certs()
        const message = yield* failure(wrongName, { certificateAuthority: ca })
        expect(message).toMatch(/not valid for the host name/)
        expect(message).toContain("ERR_TLS_CERT_ALTNAME_INVALID")
      })
    )

    it.scoped("an expired certificate", () =>
      Effect.gen(function* () {
        const { expired, ca } = certs()
        const message = yield* failure(expired, { certificateAuthority: ca })
        expect(message).toMatch(/certificate has expired/)
      })
    )

    it.scoped("a self-signed certificate", () =>
      Effect.gen(function* () {
        const { selfSigned } = certs()
        const message = yield* failure(selfSigned, {})
        expect(message).toMatch(/self-signed/)
      })
    )
  })
})
