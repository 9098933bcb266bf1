import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { HttpBody, HttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Fiber, type Layer, Schedule, Stream, TestClock } from "effect"
import { inject } from "vitest"
import type { ConfigError } from "../../src/config/ConfigError.js"
import { Client, KubeConfig, Watch } from "../../src/index.js"
import * as core from "../../src/models/core/v1.js"
import { NodeKube } from "../../src/node/index.js"
import { unique } from "../harness/Namespace.js"
import { tcpProxy } from "../unit/NodeKubeHttpClient.fixtures.js"

const env = inject("envtest")
const PLUGIN = path.resolve(__dirname, "../fixtures/exec-plugin.mjs")

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "effect-kube-test-"))

/** A kubeconfig for the test apiserver with the given cluster and user fields. */
const kubeconfig = (user: object, cluster: object = {}) => ({
  apiVersion: "v1",
  kind: "Config",
  clusters: [
    { name: "envtest", cluster: { server: env.server, "certificate-authority": env.caFile, ...cluster } }
  ],
  users: [{ name: "u", user }],
  contexts: [{ name: "ctx", context: { cluster: "envtest", user: "u", namespace: "default" } }],
  "current-context": "ctx"
})

const layerFor = (config: Layer.Layer<KubeConfig.KubeConfig, ConfigError, KubeConfig.Requirements>) =>
  NodeKube.layer({ config })

const get = (url: string) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient
    const response = yield* http.get(url)
    const body: unknown = yield* response.json
    return { status: response.status, body }
  })

const namespaces = "/api/v1/namespaces/default"

describe("transport against the real apiserver", () => {
  it.live("admin client certificate from the kubeconfig file", () =>
    get(namespaces).pipe(
      Effect.map((r) => expect(r.status).toBe(200)),
      Effect.provide(layerFor(KubeConfig.fromFile(env.kubeconfigs["admin-cert"])))
    )
  )

  it.live("admin bearer token", () =>
    get(namespaces).pipe(
      Effect.map((r) => expect(r.status).toBe(200)),
      Effect.provide(layerFor(KubeConfig.fromFile(env.kubeconfigs["admin-token"])))
    )
  )

  it.live("client certificate and key as -data fields", () =>
    get(namespaces).pipe(
      Effect.map((r) => expect(r.status).toBe(200)),
      Effect.provide(
        layerFor(
          KubeConfig.fromObject(
            kubeconfig(
              {
                "client-certificate-data": Buffer.from(fs.readFileSync(env.adminCertFile)).toString("base64"),
                "client-key-data": Buffer.from(fs.readFileSync(env.adminKeyFile)).toString("base64")
              },
              {
                "certificate-authority": undefined,
                "certificate-authority-data": Buffer.from(env.caData).toString("base64")
              }
            )
          )
        )
      )
    )
  )

  it.live("HTTP/2 when asked for", () =>
    get(namespaces).pipe(
      Effect.map((r) => expect(r.status).toBe(200)),
      Effect.provide(
        NodeKube.layer({ config: KubeConfig.fromFile(env.kubeconfigs["admin-cert"]), http2: true })
      )
    )
  )

  it.live("a large answer arrives gzip-compressed and is decoded", () =>
    Effect.gen(function* () {
      // The apiserver compresses answers over 128 KiB when the client accepts gzip; its OpenAPI
      // document is several MB.
      const compressed = yield* get("/openapi/v2").pipe(
        Effect.provide(
          NodeKube.layer({ config: KubeConfig.fromFile(env.kubeconfigs["admin-token"]), compression: true })
        )
      )
      expect(compressed.status).toBe(200)
      expect(compressed.body).toHaveProperty("swagger", "2.0")
      const plain = yield* get("/openapi/v2").pipe(
        Effect.provide(
          layerFor(
            KubeConfig.fromObject(kubeconfig({ token: env.adminToken }, { "disable-compression": true }))
          )
        )
      )
      expect(plain.body).toEqual(compressed.body)
    })
  )

  it.live("a user with no rights gets 403 with the server's Status", () =>
    get(namespaces).pipe(
      Effect.map((r) => {
        expect(r.status).toBe(403)
        expect(r.body).toMatchObject({ kind: "Status", reason: "Forbidden", code: 403 })
        expect(JSON.stringify(r.body)).toContain("envtest-nobody")
      }),
      Effect.provide(layerFor(KubeConfig.fromFile(env.kubeconfigs["nobody-cert"])))
    )
  )

  it.live("the limited token gets 403", () =>
    get(namespaces).pipe(
      Effect.map((r) => expect(r.status).toBe(403)),
      Effect.provide(layerFor(KubeConfig.fromFile(env.kubeconfigs["limited-token"])))
    )
  )

  it.live("a wrong CA fails the TLS handshake with a typed transport error", () =>
    get(namespaces).pipe(
      Effect.flip,
      Effect.map((error) => {
        expect(error._tag).toBe("RequestError")
        if (error._tag === "RequestError") expect(error.reason).toBe("Transport")
        expect(String(error.cause)).toMatch(/certificate/i)
        expect(error.message).toMatch(/TLS: the server's certificate is signed by an unknown authority/)
      }),
      Effect.provide(
        layerFor(
          KubeConfig.fromObject(
            kubeconfig({ token: env.adminToken }, { "certificate-authority": env.wrongCaFile })
          )
        )
      )
    )
  )

  it.live("insecure-skip-tls-verify accepts the server despite a wrong CA", () =>
    get(namespaces).pipe(
      Effect.map((r) => expect(r.status).toBe(200)),
      Effect.provide(
        layerFor(
          KubeConfig.fromObject(
            kubeconfig(
              { token: env.adminToken },
              { "certificate-authority": undefined, "insecure-skip-tls-verify": true }
            )
          )
        )
      )
    )
  )

  it.live("tls-server-name is used to verify the certificate", () =>
    Effect.gen(function* () {
      const ok = yield* get(namespaces).pipe(
        Effect.provide(
          layerFor(
            KubeConfig.fromObject(
              kubeconfig({ token: env.adminToken }, { "tls-server-name": "envtest.local" })
            )
          )
        )
      )
      expect(ok.status).toBe(200)
      const error = yield* get(namespaces).pipe(
        Effect.flip,
        Effect.provide(
          layerFor(
            KubeConfig.fromObject(
              kubeconfig({ token: env.adminToken }, { "tls-server-name": "not-this.example" })
            )
          )
        )
      )
      expect(String(error.cause)).toMatch(/not-this\.example|altnames|ERR_TLS_CERT_ALTNAME_INVALID/i)
      expect(error.message).toMatch(/not valid for the host name/)
    })
  )

  it.live("tokenFile with a relative path, re-read when the file changes", () =>
    Effect.gen(function* () {
      const dir = tmp()
      fs.writeFileSync(path.join(dir, "token"), `${env.limitedToken}\n`)
      const file = path.join(dir, "config")
      fs.writeFileSync(file, JSON.stringify(kubeconfig({ tokenFile: "token" })))
      yield* Effect.gen(function* () {
        expect((yield* get(namespaces)).status).toBe(403)
        fs.writeFileSync(path.join(dir, "token"), `${env.adminToken}\n`)
        // A different size makes the change visible even within the same mtime tick.
        expect((yield* get(namespaces)).status).toBe(200)
      }).pipe(Effect.provide(layerFor(KubeConfig.fromFile(file))))
    })
  )

  const pluginConfig = (state: string, envVars: Record<string, string>, extra: object = {}) =>
    kubeconfig({
      exec: {
        apiVersion: "client.authentication.k8s.io/v1",
        command: PLUGIN,
        interactiveMode: "Never",
        provideClusterInfo: true,
        env: Object.entries({ PLUGIN_STATE: state, ...envVars }).map(([name, value]) => ({ name, value })),
        ...extra
      }
    })

  const runs = (state: string) =>
    fs.existsSync(path.join(state, "runs.log"))
      ? fs.readFileSync(path.join(state, "runs.log"), "utf8").split("\n").filter(Boolean).length
      : 0

  it.live("exec plugin token, run once and cached, with cluster info", () =>
    Effect.gen(function* () {
      const state = tmp()
      yield* Effect.gen(function* () {
        expect((yield* get(namespaces)).status).toBe(200)
        expect((yield* get(namespaces)).status).toBe(200)
      }).pipe(
        Effect.provide(layerFor(KubeConfig.fromObject(pluginConfig(state, { PLUGIN_TOKEN: env.adminToken }))))
      )
      expect(runs(state)).toBe(1)
      const info = JSON.parse(fs.readFileSync(path.join(state, "info.json"), "utf8"))
      expect(info).toMatchObject({
        apiVersion: "client.authentication.k8s.io/v1",
        kind: "ExecCredential",
        spec: { interactive: false, cluster: { server: env.server } }
      })
      expect(Buffer.from(info.spec.cluster["certificate-authority-data"], "base64").toString()).toBe(
        env.caData
      )
    })
  )

  it.effect("exec plugin token is refreshed after its expirationTimestamp", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.now())
      const state = tmp()
      yield* Effect.gen(function* () {
        expect((yield* get(namespaces)).status).toBe(200)
        expect((yield* get(namespaces)).status).toBe(200)
        expect(runs(state)).toBe(1)
        // The first credential expires one hour after the plugin ran (a moment after the test clock
        // was set), the second lasts two hours from the real now: the test clock goes past the
        // first expiry (credentials are kept until they expire, with no margin) but not the second.
        yield* TestClock.adjust("61 minutes")
        expect((yield* get(namespaces)).status).toBe(200)
        expect(runs(state)).toBe(2)
      }).pipe(
        Effect.provide(
          layerFor(
            KubeConfig.fromObject(pluginConfig(state, { PLUGIN_TOKEN: env.adminToken, PLUGIN_TTL: "3600" }))
          )
        )
      )
    })
  )

  it.live("exec plugin token is refreshed after a 401", () =>
    Effect.gen(function* () {
      const state = tmp()
      const r = yield* get(namespaces).pipe(
        Effect.provide(
          layerFor(
            KubeConfig.fromObject(
              pluginConfig(state, { PLUGIN_TOKEN: env.adminToken, PLUGIN_MODE: "badfirst" })
            )
          )
        )
      )
      expect(r.status).toBe(200)
      expect(runs(state)).toBe(2)
    })
  )

  it.live("exec plugin client certificate", () =>
    Effect.gen(function* () {
      const state = tmp()
      const r = yield* get(namespaces).pipe(
        Effect.provide(
          layerFor(
            KubeConfig.fromObject(
              pluginConfig(state, {
                PLUGIN_MODE: "cert",
                PLUGIN_CERT: env.adminCertFile,
                PLUGIN_KEY: env.adminKeyFile
              })
            )
          )
        )
      )
      expect(r.status).toBe(200)
    })
  )

  it.live("exec plugin failure is a typed error with the plugin's stderr", () =>
    Effect.gen(function* () {
      const state = tmp()
      const error = yield* get(namespaces).pipe(
        Effect.flip,
        Effect.provide(layerFor(KubeConfig.fromObject(pluginConfig(state, { PLUGIN_MODE: "fail" }))))
      )
      expect(error._tag).toBe("RequestError")
      const cause = error.cause
      expect(cause).toMatchObject({ _tag: "ExecPluginError", reason: "NonZeroExit", exitCode: 3 })
      expect(String(error.message)).toContain("you are not logged in")
    })
  )

  it.live("impersonation sends each group as its own header", () =>
    Effect.gen(function* () {
      const admin = layerFor(KubeConfig.fromFile(env.kubeconfigs["admin-token"]))
      const post = (url: string, body: unknown) =>
        Effect.gen(function* () {
          const http = yield* HttpClient.HttpClient
          const response = yield* http.post(url, { body: HttpBody.unsafeJson(body) })
          return response.status
        })
      const name = `imp-${Math.random().toString(36).slice(2, 8)}`
      yield* Effect.gen(function* () {
        expect(
          yield* post("/apis/rbac.authorization.k8s.io/v1/clusterroles", {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name },
            rules: [{ apiGroups: [""], resources: ["namespaces"], verbs: ["get"] }]
          })
        ).toBe(201)
        expect(
          yield* post("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
            subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: `${name}-g2` }]
          })
        ).toBe(201)
      }).pipe(Effect.provide(admin))

      const as = (groups: Array<string>) =>
        layerFor(
          KubeConfig.fromObject(
            kubeconfig({
              token: env.adminToken,
              as: "someone",
              "as-groups": groups,
              "as-user-extra": { "team/x": ["a", "b"] }
            })
          )
        )
      const allowed = yield* get(namespaces).pipe(Effect.provide(as([`${name}-g1`, `${name}-g2`])))
      expect(allowed.status).toBe(200)
      const denied = yield* get(namespaces).pipe(Effect.provide(as([`${name}-g1`])))
      expect(denied.status).toBe(403)
      expect(JSON.stringify(denied.body)).toContain("someone")
    })
  )

  it.live("the cluster's token goes to the cluster's origin only, never to another host", () =>
    Effect.gen(function* () {
      const seen: Array<http.IncomingHttpHeaders> = []
      const other = yield* Effect.acquireRelease(
        Effect.async<http.Server>((resume) => {
          const server = http.createServer((req, res) => {
            seen.push(req.headers)
            res.end("{}")
          })
          server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
        }),
        (server) => Effect.sync(() => server.close())
      )
      const address = other.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const [absolute, elsewhere] = yield* Effect.all([
        get(`${env.server}${namespaces}`),
        get(`http://127.0.0.1:${port}/x`)
      ]).pipe(Effect.provide(layerFor(KubeConfig.fromFile(env.kubeconfigs["admin-token"]))))
      expect(absolute.status).toBe(200)
      expect(elsewhere.status).toBe(200)
      expect(seen).toHaveLength(1)
      expect(seen[0]?.authorization).toBeUndefined()
    }).pipe(Effect.scoped)
  )

  it.live("HTTP/2: a watch whose connection goes silent (a black hole) resumes on a new connection", () =>
    Effect.gen(function* () {
      const namespace = unique("h2-blackhole")
      const admin = layerFor(KubeConfig.fromFile(env.kubeconfigs["admin-token"]))
      const cm = (name: string): core.ConfigMap => ({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name, namespace }
      })
      yield* Client.create(core.Namespace, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: namespace }
      }).pipe(Effect.provide(admin))
      const proxy = yield* tcpProxy(env.port)
      const viaProxy = NodeKube.layer({
        config: KubeConfig.fromObject(kubeconfig({ token: env.adminToken }, { server: proxy.url })),
        http2: true,
        http2PingInterval: "250 millis",
        http2PingTimeout: "500 millis"
      })
      const silenced = yield* Deferred.make<void>()
      const fiber = yield* Watch.watch(core.ConfigMap, {
        namespace,
        retrySchedule: Schedule.spaced("100 millis")
      }).pipe(
        Stream.filter((e) => e._tag === "Added"),
        Stream.map((e) => (e._tag === "Added" ? e.object.metadata?.name : undefined)),
        Stream.tap((name) =>
          name === "a"
            ? Effect.sync(proxy.blackHole).pipe(Effect.zipRight(Deferred.succeed(silenced, undefined)))
            : Effect.void
        ),
        Stream.take(2),
        Stream.runCollect,
        Effect.provide(viaProxy),
        Effect.fork
      )
      yield* Client.create(core.ConfigMap, cm("a")).pipe(Effect.provide(admin))
      yield* Deferred.await(silenced)
      yield* Client.create(core.ConfigMap, cm("b")).pipe(Effect.provide(admin))
      expect(Chunk.toArray(yield* Fiber.join(fiber))).toEqual(["a", "b"])
      expect(proxy.connections()).toBeGreaterThanOrEqual(2)
    }).pipe(Effect.scoped)
  )
})
