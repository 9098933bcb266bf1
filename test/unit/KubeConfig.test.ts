import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, type Layer, Redacted } from "effect"
import type { ConfigError } from "../../src/ConfigError.js"
import { KubeConfig } from "../../src/index.js"

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "effect-kube-unit-"))
const b64 = (s: string) => Buffer.from(s).toString("base64")

const base = (user: object = { token: "secret-token" }, cluster: object = {}, context: object = {}) => ({
  clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443", ...cluster } }],
  users: [{ name: "u", user }],
  contexts: [
    { name: "ctx", context: { cluster: "c", user: "u", namespace: "team", ...context } },
    { name: "other", context: { cluster: "c", user: "u" } }
  ],
  "current-context": "ctx"
})

/** Resolves a layer with Node's platform services and the given environment variables. */
const load = (
  layer: Layer.Layer<KubeConfig.KubeConfig, ConfigError, KubeConfig.Requirements>,
  env: Record<string, string> = {}
) =>
  Effect.gen(function* () {
    return yield* KubeConfig.KubeConfig
  }).pipe(
    Effect.provide(layer),
    Effect.provide(NodeContext.layer),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
  )

const failure = (
  layer: Layer.Layer<KubeConfig.KubeConfig, ConfigError, KubeConfig.Requirements>,
  env: Record<string, string> = {}
) => Effect.flip(load(layer, env))

describe("KubeConfig.make", () => {
  it.effect("resolves current-context, its cluster, user and namespace", () =>
    Effect.gen(function* () {
      const config = yield* load(KubeConfig.fromObject(base()))
      expect(config.context).toBe("ctx")
      expect(config.cluster.server).toBe("https://127.0.0.1:6443")
      expect(config.namespace).toBe("team")
      const creds = yield* config.credentials
      expect(creds.token !== undefined && Redacted.value(creds.token)).toBe("secret-token")
    })
  )

  it.effect("a chosen context and an override namespace win; default namespace is 'default'", () =>
    Effect.gen(function* () {
      expect((yield* load(KubeConfig.fromObject(base(), { context: "other" }))).namespace).toBe("default")
      expect((yield* load(KubeConfig.fromObject(base(), { namespace: "mine" }))).namespace).toBe("mine")
    })
  )

  it.effect("client-wide defaults: from options, and laid over any layer", () =>
    Effect.gen(function* () {
      const fromOptions = yield* load(KubeConfig.fromObject(base(), { fieldManager: "op", dryRun: true }))
      expect(fromOptions).toMatchObject({ fieldManager: "op", dryRun: true, namespace: "team" })
      const laid = yield* load(
        KubeConfig.fromObject(base()).pipe(
          KubeConfig.withDefaults({ namespace: "apps", fieldManager: "ctl" })
        )
      )
      expect(laid).toMatchObject({ namespace: "apps", fieldManager: "ctl", context: "ctx" })
      const dataFirst = yield* load(KubeConfig.withDefaults(KubeConfig.fromObject(base()), { dryRun: true }))
      expect(dataFirst).toMatchObject({ namespace: "team", dryRun: true })
    })
  )

  it.effect("cluster TLS settings and data fields", () =>
    Effect.gen(function* () {
      const config = yield* load(
        KubeConfig.fromObject(
          base(
            { "client-certificate-data": b64("CERT"), "client-key-data": b64("KEY") },
            {
              "certificate-authority-data": b64("CA PEM"),
              "tls-server-name": "api.internal",
              "insecure-skip-tls-verify": false,
              "proxy-url": "http://proxy:3128",
              "disable-compression": true
            }
          )
        )
      )
      expect(config.cluster).toMatchObject({
        certificateAuthority: "CA PEM",
        tlsServerName: "api.internal",
        insecureSkipTlsVerify: false,
        proxyUrl: "http://proxy:3128",
        disableCompression: true
      })
      const creds = yield* config.credentials
      expect(creds.clientCertificate?.cert).toBe("CERT")
      expect(creds.clientCertificate && Redacted.value(creds.clientCertificate.key)).toBe("KEY")
    })
  )

  it.effect("username/password and auth-provider tokens", () =>
    Effect.gen(function* () {
      const basic = yield* (yield* load(KubeConfig.fromObject(base({ username: "jane", password: "pw" }))))
        .credentials
      expect(basic.basic?.username).toBe("jane")
      const oidc = yield* (yield* load(
        KubeConfig.fromObject(
          base({ "auth-provider": { name: "oidc", config: { "id-token": "idt", "refresh-token": "r" } } })
        )
      )).credentials
      expect(oidc.token && Redacted.value(oidc.token)).toBe("idt")
      const gcp = yield* (yield* load(
        KubeConfig.fromObject(base({ "auth-provider": { name: "gcp", config: { "access-token": "at" } } }))
      )).credentials
      expect(gcp.token && Redacted.value(gcp.token)).toBe("at")
    })
  )

  it.effect("impersonation settings", () =>
    Effect.gen(function* () {
      const config = yield* load(
        KubeConfig.fromObject(
          base({
            token: "t",
            as: "jane",
            "as-uid": "42",
            "as-groups": ["a", "b"],
            "as-user-extra": { scopes: ["x"] }
          })
        )
      )
      expect(config.impersonate).toEqual({
        user: "jane",
        uid: "42",
        groups: ["a", "b"],
        extra: { scopes: ["x"] }
      })
      expect((yield* load(KubeConfig.fromObject(base()))).impersonate).toBeUndefined()
    })
  )

  it.effect("typed errors for a missing context, cluster or user", () =>
    Effect.gen(function* () {
      const noContext = yield* failure(KubeConfig.fromObject(base(), { context: "nope" }))
      expect(noContext).toMatchObject({ _tag: "ConfigError", reason: "ContextNotFound", context: "nope" })
      expect(noContext.message).toContain('"ctx"')
      const noCurrent = yield* failure(KubeConfig.fromObject({ ...base(), "current-context": undefined }))
      expect(noCurrent).toMatchObject({ reason: "ContextNotFound" })
      const noCluster = yield* failure(KubeConfig.fromObject(base({}, {}, { cluster: "missing" })))
      expect(noCluster).toMatchObject({ reason: "ClusterNotFound", context: "ctx" })
      const noUser = yield* failure(KubeConfig.fromObject(base({}, {}, { user: "ghost" })))
      expect(noUser).toMatchObject({ reason: "UserNotFound" })
      expect(noUser.message).toContain("ghost")
    })
  )

  it.effect("typed errors for bad values; no secret in any message", () =>
    Effect.gen(function* () {
      const badB64 = yield* failure(
        KubeConfig.fromObject(
          base({ "client-certificate-data": "%%%not base64%%%", "client-key-data": b64("k") })
        )
      )
      expect(badB64).toMatchObject({ reason: "BadBase64" })
      expect(badB64.message).toContain("client-certificate-data")
      expect(badB64.message).not.toContain("%%%")
      const certOnly = yield* failure(KubeConfig.fromObject(base({ "client-certificate-data": b64("c") })))
      expect(certOnly).toMatchObject({ reason: "InvalidConfig" })
      const noServer = yield* failure(KubeConfig.fromObject(base({}, { server: "" })))
      expect(noServer).toMatchObject({ reason: "InvalidConfig" })
      const badServer = yield* failure(KubeConfig.fromObject(base({}, { server: "ftp://x" })))
      expect(badServer.message).toContain("ftp://x")
      const wrongType = yield* failure(KubeConfig.fromObject({ clusters: "nope" }))
      expect(wrongType).toMatchObject({ reason: "InvalidConfig" })
      const missingCa = yield* failure(
        KubeConfig.fromObject(base({ token: "secret-token" }, { "certificate-authority": "/no/such/ca.crt" }))
      )
      expect(missingCa).toMatchObject({ reason: "FileNotFound" })
      expect(missingCa.message).toContain("/no/such/ca.crt")
      for (const e of [badB64, certOnly, noServer, badServer, wrongType, missingCa]) {
        expect(e.message).not.toContain("secret-token")
      }
    })
  )
})

describe("KubeConfig.fromYaml / fromFile", () => {
  it.effect("parses YAML; malformed YAML and an empty document are typed", () =>
    Effect.gen(function* () {
      const config = yield* load(
        KubeConfig.fromYaml(`
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://h:6443"}
users:
- name: u
  user: {token: t}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`)
      )
      expect(config.cluster.server).toBe("https://h:6443")
      const malformed = yield* failure(KubeConfig.fromYaml("clusters: [\n  - name: {"))
      expect(malformed).toMatchObject({ _tag: "ConfigError", reason: "MalformedYaml" })
      const empty = yield* failure(KubeConfig.fromYaml(""))
      expect(empty).toMatchObject({ reason: "ContextNotFound" })
    })
  )

  it.effect("a file's relative paths resolve against its folder; errors name the file", () =>
    Effect.gen(function* () {
      const dir = tmp()
      fs.mkdirSync(path.join(dir, "pki"))
      fs.writeFileSync(path.join(dir, "pki", "ca.crt"), "CA FROM FILE")
      fs.writeFileSync(path.join(dir, "cert.pem"), "CERT")
      fs.writeFileSync(path.join(dir, "key.pem"), "KEY")
      const file = path.join(dir, "config")
      fs.writeFileSync(
        file,
        JSON.stringify(
          base(
            { "client-certificate": "cert.pem", "client-key": "key.pem" },
            { "certificate-authority": "pki/ca.crt" }
          )
        )
      )
      const config = yield* load(KubeConfig.fromFile(file))
      expect(config.source).toBe(file)
      expect(config.cluster.certificateAuthority).toBe("CA FROM FILE")
      expect((yield* config.credentials).clientCertificate?.cert).toBe("CERT")

      const missing = yield* failure(KubeConfig.fromFile(path.join(dir, "nope")))
      expect(missing).toMatchObject({ reason: "FileNotFound" })
      fs.writeFileSync(path.join(dir, "bad"), "a: [")
      const bad = yield* failure(KubeConfig.fromFile(path.join(dir, "bad")))
      expect(bad).toMatchObject({ reason: "MalformedYaml", file: path.join(dir, "bad") })
      fs.writeFileSync(
        path.join(dir, "missing-key"),
        JSON.stringify(base({ "client-certificate": "cert.pem", "client-key": "gone.pem" }))
      )
      const missingKey = yield* failure(KubeConfig.fromFile(path.join(dir, "missing-key")))
      expect(missingKey).toMatchObject({ reason: "FileNotFound" })
      expect(missingKey.message).toContain(path.join(dir, "gone.pem"))
    })
  )
})

describe("KUBECONFIG, ~/.kube/config, in-cluster and auto", () => {
  const write = (dir: string, name: string, content: object) => {
    const p = path.join(dir, name)
    fs.writeFileSync(p, JSON.stringify(content))
    return p
  }

  it.effect("KUBECONFIG with several paths merges them; missing paths are skipped", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const first = write(dir, "first", {
        clusters: [{ name: "c", cluster: { server: "https://first" } }],
        users: [{ name: "u", user: { token: "first" } }]
      })
      const second = write(dir, "second", {
        "current-context": "ctx",
        clusters: [{ name: "c", cluster: { server: "https://second" } }],
        users: [{ name: "u", user: { token: "second" } }],
        contexts: [{ name: "ctx", context: { cluster: "c", user: "u", namespace: "ns2" } }]
      })
      const config = yield* load(KubeConfig.fromKubeconfig(), {
        KUBECONFIG: [path.join(dir, "absent"), first, second].join(":")
      })
      expect(config.cluster.server).toBe("https://first")
      expect(config.namespace).toBe("ns2")
      const creds = yield* config.credentials
      expect(creds.token && Redacted.value(creds.token)).toBe("first")

      const none = yield* failure(KubeConfig.fromKubeconfig(), { KUBECONFIG: path.join(dir, "absent") })
      expect(none).toMatchObject({ reason: "NoConfiguration" })
      expect(none.message).toContain("absent")
    })
  )

  it.effect("without KUBECONFIG, ~/.kube/config under HOME", () =>
    Effect.gen(function* () {
      const home = tmp()
      fs.mkdirSync(path.join(home, ".kube"))
      write(path.join(home, ".kube"), "config", base())
      const config = yield* load(KubeConfig.fromKubeconfig(), { HOME: home })
      expect(config.source).toBe(path.join(home, ".kube", "config"))
      const none = yield* failure(KubeConfig.fromKubeconfig(), { HOME: tmp() })
      expect(none).toMatchObject({ reason: "NoConfiguration" })
    })
  )

  const serviceAccount = () => {
    const dir = tmp()
    fs.writeFileSync(path.join(dir, "token"), "sa-token-1\n")
    fs.writeFileSync(path.join(dir, "ca.crt"), "SA CA")
    fs.writeFileSync(path.join(dir, "namespace"), "pod-ns")
    return dir
  }

  it.effect("in-cluster: service host, token (re-read on change), CA and namespace", () =>
    Effect.gen(function* () {
      const sa = serviceAccount()
      const config = yield* load(KubeConfig.inCluster({ serviceAccountDir: sa }), {
        KUBERNETES_SERVICE_HOST: "10.0.0.1",
        KUBERNETES_SERVICE_PORT: "443"
      })
      expect(config.source).toBe("in-cluster")
      expect(config.cluster.server).toBe("https://10.0.0.1:443")
      expect(config.cluster.certificateAuthority).toBe("SA CA")
      expect(config.namespace).toBe("pod-ns")
      const first = yield* config.credentials
      expect(first.token && Redacted.value(first.token)).toBe("sa-token-1")
      fs.writeFileSync(path.join(sa, "token"), "sa-token-rotated\n")
      const second = yield* config.credentials
      expect(second.token && Redacted.value(second.token)).toBe("sa-token-rotated")
      expect(config.refreshable).toBe(true)

      const v6 = yield* load(KubeConfig.inCluster({ serviceAccountDir: sa }), {
        KUBERNETES_SERVICE_HOST: "fd00::1",
        KUBERNETES_SERVICE_PORT: "6443"
      })
      expect(v6.cluster.server).toBe("https://[fd00::1]:6443")
      const outside = yield* failure(KubeConfig.inCluster({ serviceAccountDir: sa }))
      expect(outside).toMatchObject({ reason: "InCluster" })
    })
  )

  it.effect("auto: in-cluster first, then KUBECONFIG, then ~/.kube/config", () =>
    Effect.gen(function* () {
      const sa = serviceAccount()
      const dir = tmp()
      const kc = write(dir, "kc", base())
      const inCluster = yield* load(KubeConfig.auto({ serviceAccountDir: sa }), {
        KUBERNETES_SERVICE_HOST: "10.0.0.1",
        KUBERNETES_SERVICE_PORT: "443",
        KUBECONFIG: kc
      })
      expect(inCluster.source).toBe("in-cluster")
      // A pod without a mounted token falls back to the kubeconfig.
      const fallback = yield* load(KubeConfig.auto({ serviceAccountDir: tmp() }), {
        KUBERNETES_SERVICE_HOST: "10.0.0.1",
        KUBERNETES_SERVICE_PORT: "443",
        KUBECONFIG: kc
      })
      expect(fallback.source).toBe(kc)
      const fromEnv = yield* load(KubeConfig.auto(), { KUBECONFIG: kc })
      expect(fromEnv.source).toBe(kc)
      const none = yield* failure(KubeConfig.auto(), { HOME: tmp() })
      expect(none).toMatchObject({ reason: "NoConfiguration" })
    })
  )

  it.effect("tokenFile errors are typed and name the file", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const config = yield* load(KubeConfig.fromObject(base({ tokenFile: path.join(dir, "missing") })))
      const error = yield* Effect.flip(config.credentials)
      expect(error).toMatchObject({ _tag: "ConfigError", reason: "FileUnreadable" })
      expect(error.message).toContain(path.join(dir, "missing"))
      fs.writeFileSync(path.join(dir, "empty"), "\n")
      const empty = yield* load(KubeConfig.fromObject(base({ tokenFile: path.join(dir, "empty") })))
      expect(yield* Effect.flip(empty.credentials)).toMatchObject({ reason: "InvalidConfig" })
    })
  )
})
