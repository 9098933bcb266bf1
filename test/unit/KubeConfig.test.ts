import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { inspect } from "node:util"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it, vi } from "@effect/vitest"
import {
  Cause,
  ConfigProvider,
  Context,
  Deferred,
  Effect,
  Exit,
  Fiber,
  Layer,
  Redacted,
  Schedule,
  Scope,
  TestClock
} from "effect"
import type { ConfigError } from "../../src/config/ConfigError.js"
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

/**
 * Builds a layer in the current scope: the configuration stays usable until the scope closes (its
 * exec-plugin runs belong to that scope).
 */
const loadScoped = (
  layer: Layer.Layer<KubeConfig.KubeConfig, ConfigError, KubeConfig.Requirements>,
  env: Record<string, string> = {}
) =>
  Layer.build(layer).pipe(
    Effect.map((context) => Context.get(context, KubeConfig.KubeConfig)),
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
        disableCompression: true
      })
      expect(config.cluster.proxyUrl && Redacted.value(config.cluster.proxyUrl)).toBe("http://proxy:3128")
      const creds = yield* config.credentials
      expect(creds.clientCertificate && Redacted.value(creds.clientCertificate.cert)).toBe("CERT")
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
      const cert = (yield* config.credentials).clientCertificate?.cert
      expect(cert && Redacted.value(cert)).toBe("CERT")

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

/** Everything a failure shows: its message, inspection, serialization and pretty cause. */
const shown = (error: unknown) => [
  error instanceof Error ? error.message : String(error),
  inspect(error, { depth: 20 }),
  JSON.stringify(error) ?? "",
  Cause.pretty(Cause.fail(error))
]

const SECRETS = [
  "planted-token-0451",
  "planted-key-0451",
  "planted-password-0451",
  "planted-proxy-0451",
  "planted-cert-0451"
]

const expectNoSecret = (error: unknown) => {
  for (const text of shown(error)) for (const secret of SECRETS) expect(text).not.toContain(secret)
}

describe("no secret in configuration errors", () => {
  it.effect("a YAML complex key holding a secret is not shown in the path of a schema error", () =>
    Effect.gen(function* () {
      const yaml = [
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:6443'}}]",
        "contexts: [{name: ctx, context: {cluster: c, user: u}}]",
        "current-context: ctx",
        "users:",
        "- name: u",
        "  user:",
        "    auth-provider:",
        "      name: oidc",
        "      config:",
        "        ? {id-token: planted-token-0451}",
        "        : 1"
      ].join("\n")
      const error = yield* failure(KubeConfig.fromYaml(yaml))
      expect(error).toMatchObject({ _tag: "ConfigError" })
      expectNoSecret(error)
    })
  )

  it.effect("a wrong type under users names the path and the expected type, never a value", () =>
    Effect.gen(function* () {
      const users = [
        {
          name: "u",
          user: {
            token: "planted-token-0451",
            "client-key-data": b64("planted-key-0451"),
            password: "planted-password-0451",
            "as-groups": "not-a-list"
          }
        }
      ]
      const error = yield* failure(KubeConfig.fromObject({ ...base(), users }))
      expect(error).toMatchObject({ _tag: "ConfigError", reason: "InvalidConfig" })
      expect(error.message).toContain("users[0].user.as-groups")
      expect(error.message).toMatch(/expected/i)
      expect(error.message).not.toContain("not-a-list")
      expectNoSecret(error)

      const notAList = yield* failure(
        KubeConfig.fromObject({ ...base(), users: { u: { token: "planted-token-0451" } } })
      )
      expect(notAList.message).toContain("users")
      expectNoSecret(notAList)

      const yamlText = `users:\n- name: u\n  user: planted-token-0451\n`
      const fromYaml = yield* failure(KubeConfig.fromYaml(yamlText))
      expect(fromYaml).toMatchObject({ reason: "InvalidConfig" })
      expect(fromYaml.message).toContain("users[0].user")
      expectNoSecret(fromYaml)
    })
  )

  it.effect("a YAML syntax error gives line and column, not the line's text; nothing on stderr", () =>
    Effect.gen(function* () {
      const emitWarning = vi.spyOn(process, "emitWarning")
      const stderr = vi.spyOn(process.stderr, "write")
      try {
        const texts = [
          `users:\n- name: u\n  user:\n\ttoken: planted-token-0451\n`,
          `users:\n- name: u\n  user: {token: "planted-token-0451\n`,
          `users:\n- name: u\n  user: {token: planted-token-0451\n`,
          `users: [\n  {name: u, user: {token: planted-token-0451}}, ]]\n`
        ]
        for (const text of texts) {
          const error = yield* failure(KubeConfig.fromYaml(text))
          expect(error).toMatchObject({ _tag: "ConfigError", reason: "MalformedYaml" })
          expect(error.message).toMatch(/line \d+, column \d+/)
          expectNoSecret(error)
        }
        // Warnings (an unknown tag, an unknown directive) are not printed.
        const warned = `%FOO planted-token-0451\n---\nusers:\n- name: u\n  user: {token: !foo planted-token-0451}\n`
        expect(yield* failure(KubeConfig.fromYaml(warned))).toMatchObject({ reason: "ContextNotFound" })
        expect(emitWarning).not.toHaveBeenCalled()
        for (const call of stderr.mock.calls) expect(String(call[0])).not.toContain("planted-token-0451")
      } finally {
        emitWarning.mockRestore()
        stderr.mockRestore()
      }
    })
  )

  it.effect("YAML alias problems are typed MalformedYaml; merge keys merge", () =>
    Effect.gen(function* () {
      let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
      for (let i = 0; i < 9; i++)
        bomb += `b${i}: &b${i} [${Array(10)
          .fill(i === 0 ? "*a" : `*b${i - 1}`)
          .join(", ")}]\n`
      for (const text of [
        bomb,
        "current-context: *nowhere\n",
        "users: &u [{name: u, user: *u}]\n",
        "users: &u\n- name: u\n  user: {<<: *u}\n"
      ]) {
        const error = yield* failure(KubeConfig.fromYaml(text))
        expect(error).toMatchObject({ _tag: "ConfigError", reason: "MalformedYaml" })
        expect(error.message).toMatch(/line \d+, column \d+/)
      }
      const merged = yield* load(
        KubeConfig.fromYaml(`
defaults: &defaults {server: "https://merged:6443", insecure-skip-tls-verify: true}
clusters:
- name: c
  cluster:
    <<: *defaults
    tls-server-name: api
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`)
      )
      expect(merged.cluster).toMatchObject({
        server: "https://merged:6443",
        insecureSkipTlsVerify: true,
        tlsServerName: "api"
      })
    })
  )

  it.effect("a server or proxy URL that does not parse is refused at load, naming the cluster", () =>
    Effect.gen(function* () {
      const badServers = [
        "https://[::1",
        "https://h:99999",
        "ftp://x",
        "",
        "   ",
        "https://",
        "unix:///var/run/kube.sock",
        "https://someone:planted-password-0451@h:6443"
      ]
      for (const server of badServers) {
        const error = yield* failure(KubeConfig.fromObject(base({ token: "planted-token-0451" }, { server })))
        expect(error, server).toMatchObject({ _tag: "ConfigError", reason: "InvalidConfig", context: "ctx" })
        expect(error.message).toContain('cluster "c"')
        expect(error.message).toContain("server")
        expectNoSecret(error)
      }
      const badProxies = [
        "http://[::1",
        "http://proxy:99999",
        "ftp://proxy:21",
        "proxy:3128",
        "http://someone:planted-proxy-0451@proxy:99999",
        "http://someone:planted-proxy-0451@[::1"
      ]
      for (const proxy of badProxies) {
        const error = yield* failure(KubeConfig.fromObject(base({}, { "proxy-url": proxy })))
        expect(error, proxy).toMatchObject({ _tag: "ConfigError", reason: "InvalidConfig" })
        expect(error.message).toContain('cluster "c"')
        expect(error.message).toContain("proxy-url")
        expectNoSecret(error)
      }
      for (const proxy of ["http://proxy:3128", "https://proxy", "socks5://127.0.0.1:1080"]) {
        const loaded = (yield* load(KubeConfig.fromObject(base({}, { "proxy-url": proxy })))).cluster.proxyUrl
        expect(loaded && Redacted.value(loaded)).toBe(proxy)
      }
      for (const server of ["https://[::1]:6443", "http://127.0.0.1:8080/", "https://h/k8s/clusters/c-1"]) {
        const config = yield* load(KubeConfig.fromObject(base({}, { server })))
        expect(config.cluster.server).toBe(server.replace(/\/$/, ""))
      }
    })
  )

  it.effect("the resolved configuration and credentials show no token, password, key or certificate", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const tokenFile = path.join(dir, "token")
      fs.writeFileSync(tokenFile, "planted-token-0451\n")
      const users = [
        {
          token: "planted-token-0451",
          "client-certificate-data": b64("planted-cert-0451"),
          "client-key-data": b64("planted-key-0451")
        },
        { username: "jane", password: "planted-password-0451" },
        { tokenFile },
        { "auth-provider": { name: "oidc", config: { "id-token": "planted-token-0451" } } }
      ]
      for (const user of users) {
        // A proxy URL can hold a password too.
        const cluster = { "proxy-url": "http://proxy-user:planted-password-0451@proxy:3128" }
        const config = yield* load(KubeConfig.fromObject(base(user, cluster)))
        const creds = yield* config.credentials
        for (const value of [config, creds]) {
          for (const text of [inspect(value, { depth: 20 }), JSON.stringify(value) ?? ""]) {
            for (const secret of SECRETS) expect(text).not.toContain(secret)
          }
        }
      }
    })
  )
})

describe("exec credential plugins through the configuration", () => {
  const PLUGIN = path.resolve(__dirname, "../fixtures/exec-plugin.mjs")
  const SLOW = 60_000
  const pluginUser = (env: Record<string, string>) => ({
    exec: {
      command: PLUGIN,
      apiVersion: "client.authentication.k8s.io/v1",
      interactiveMode: "Never",
      env: Object.entries(env).map(([name, value]) => ({ name, value }))
    }
  })
  const runs = (state: string) =>
    fs.existsSync(path.join(state, "runs.log"))
      ? fs.readFileSync(path.join(state, "runs.log"), "utf8").split("\n").filter(Boolean).length
      : 0

  it.scoped(
    "a short-lived token is used until it expires, then refreshed once",
    () =>
      Effect.gen(function* () {
        const state = tmp()
        // The test clock starts at 0; the token expires 5 s later.
        const config = yield* loadScoped(
          KubeConfig.fromObject(
            base(pluginUser({ PLUGIN_STATE: state, PLUGIN_TOKEN: "t", PLUGIN_EXPIRES_AT: "5000" }))
          )
        )
        for (let i = 0; i < 49; i++) yield* config.credentials
        expect(runs(state)).toBe(1)
        yield* TestClock.adjust("4999 millis")
        yield* config.credentials
        expect(runs(state)).toBe(1)
        yield* TestClock.adjust("2 millis")
        yield* config.credentials
        expect(runs(state)).toBe(2)
      }),
    SLOW
  )

  it.scoped(
    "concurrent callers share one run of the plugin",
    () =>
      Effect.gen(function* () {
        const state = tmp()
        // Already expired: every caller that does not share a run starts its own.
        const config = yield* loadScoped(
          KubeConfig.fromObject(
            base(
              pluginUser({
                PLUGIN_STATE: state,
                PLUGIN_TOKEN: "shared",
                PLUGIN_EXPIRES_AT: "0",
                PLUGIN_DELAY_MS: "200"
              })
            )
          )
        )
        yield* TestClock.adjust("1 second")
        const all = yield* Effect.all(
          Array.from({ length: 20 }, () => config.credentials),
          {
            concurrency: "unbounded"
          }
        )
        expect(all.map((c) => c.token && Redacted.value(c.token))).toEqual(Array(20).fill("shared"))
        expect(runs(state)).toBe(1)
      }),
    SLOW
  )

  it.scopedLive(
    "the plugin timeout comes from the options",
    () =>
      Effect.gen(function* () {
        const config = yield* loadScoped(
          KubeConfig.fromObject(base(pluginUser({ PLUGIN_MODE: "hang" })), { execTimeout: "200 millis" })
        )
        const error = yield* Effect.flip(config.credentials)
        expect(error).toMatchObject({ _tag: "ExecPluginError", reason: "Timeout", context: "ctx" })
      }),
    SLOW
  )

  it.scoped(
    "a failed run is not cached: the next caller runs the plugin again",
    () =>
      Effect.gen(function* () {
        const state = tmp()
        const config = yield* loadScoped(
          KubeConfig.fromObject(base(pluginUser({ PLUGIN_STATE: state, PLUGIN_MODE: "fail" })))
        )
        expect(yield* Effect.flip(config.credentials)).toMatchObject({ reason: "NonZeroExit" })
        expect(yield* Effect.flip(config.credentials)).toMatchObject({ reason: "NonZeroExit" })
        expect(runs(state)).toBe(2)
      }),
    SLOW
  )

  /** A plugin that writes its pid to PID_FILE, then never answers and ignores SIGTERM. */
  const hangingPlugin = (dir: string) => {
    const file = path.join(dir, "hang-plugin.mjs")
    fs.writeFileSync(
      file,
      [
        "#!/usr/bin/env node",
        'import * as fs from "node:fs"',
        "fs.writeFileSync(process.env.PID_FILE, String(process.pid))",
        'process.on("SIGTERM", () => {})',
        "setInterval(() => {}, 1000)"
      ].join("\n")
    )
    fs.chmodSync(file, 0o755)
    return file
  }
  /** A plugin as cheap as a process can be: a shell script that prints a token. */
  const quickPlugin = (dir: string) => {
    const file = path.join(dir, "quick-plugin.sh")
    const out = JSON.stringify({
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      status: { token: "quick" }
    })
    fs.writeFileSync(file, `#!/bin/sh\necho run >> "${path.join(dir, "runs.log")}"\necho '${out}'\n`)
    fs.chmodSync(file, 0o755)
    return file
  }
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
  /** Polls (live clock) until the condition holds; the bound only ends a broken test. */
  const eventually = (what: string, condition: () => boolean) =>
    Effect.suspend(() => (condition() ? Effect.void : Effect.fail(what))).pipe(
      Effect.retry(Schedule.spaced("20 millis")),
      Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => `never: ${what}` })
    )

  it.live(
    "a caller interrupted at any point does not break later callers",
    () =>
      Effect.gen(function* () {
        const dir = tmp()
        const command = quickPlugin(dir)
        const user = {
          exec: { command, apiVersion: "client.authentication.k8s.io/v1", interactiveMode: "Never" }
        }
        // The interruption lands after k turns of the scheduler: before, during and after the run.
        for (let k = 0; k < 12; k++) {
          yield* Effect.scoped(
            Effect.gen(function* () {
              const config = yield* loadScoped(KubeConfig.fromObject(base(user)))
              const caller = yield* Effect.fork(config.credentials)
              for (let i = 0; i < k; i++) yield* Effect.yieldNow()
              yield* Fiber.interrupt(caller)
              const later = yield* config.credentials.pipe(
                Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => `stuck (k=${k})` })
              )
              expect(later.token && Redacted.value(later.token)).toBe("quick")
            })
          )
        }
        expect(
          fs.readFileSync(path.join(dir, "runs.log"), "utf8").split("\n").filter(Boolean).length
        ).toBeLessThanOrEqual(24)
      }),
    SLOW
  )

  it.scopedLive(
    "an interrupted caller does not cancel the shared run: the others get its credential",
    () =>
      Effect.gen(function* () {
        const state = tmp()
        const config = yield* loadScoped(
          KubeConfig.fromObject(
            base(pluginUser({ PLUGIN_STATE: state, PLUGIN_TOKEN: "shared", PLUGIN_DELAY_MS: "300" }))
          )
        )
        const first = yield* Effect.fork(config.credentials)
        const second = yield* Effect.fork(config.credentials)
        yield* eventually("the plugin started", () => runs(state) === 1)
        yield* Fiber.interrupt(first)
        const creds = yield* Fiber.join(second)
        expect(creds.token && Redacted.value(creds.token)).toBe("shared")
        const again = yield* config.credentials
        expect(again.token && Redacted.value(again.token)).toBe("shared")
        expect(runs(state)).toBe(1)
      }),
    SLOW
  )

  it.live(
    "closing the configuration's scope ends a running plugin, and its callers get a typed failure",
    () =>
      Effect.gen(function* () {
        const dir = tmp()
        const pidFile = path.join(dir, "pid")
        const user = {
          exec: {
            command: hangingPlugin(dir),
            apiVersion: "client.authentication.k8s.io/v1",
            interactiveMode: "Never",
            env: [{ name: "PID_FILE", value: pidFile }]
          }
        }
        const pid = () => Number(fs.readFileSync(pidFile, "utf8"))
        // Should this test fail, the plugin does not outlive it.
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            if (fs.existsSync(pidFile) && alive(pid())) process.kill(pid(), "SIGKILL")
          })
        )
        const scope = yield* Scope.make()
        const config = yield* loadScoped(KubeConfig.fromObject(base(user))).pipe(Scope.extend(scope))
        const caller = yield* Effect.fork(Effect.withMaxOpsBeforeYield(config.credentials, 16))
        yield* eventually(
          "the plugin started",
          () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, "utf8") !== ""
        )
        yield* Scope.close(scope, Exit.void)
        yield* eventually("the plugin ended", () => !alive(pid()))
        const exit = yield* Fiber.await(caller).pipe(
          Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => "the caller still waits" })
        )
        expect(exit).toMatchObject({ _tag: "Failure" })
        if (Exit.isFailure(exit)) {
          expect(Cause.failureOption(exit.cause)).toMatchObject({
            _tag: "Some",
            value: { _tag: "ExecPluginError", reason: "Failed", context: "ctx" }
          })
        }
        // Used after its scope closed, the configuration fails rather than waiting.
        const after = yield* Effect.flip(config.credentials).pipe(
          Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => "a call after closing waits" })
        )
        expect(after).toMatchObject({ _tag: "ExecPluginError", reason: "Failed" })
      }).pipe(Effect.scoped),
    SLOW
  )

  it.scoped(
    "401s from requests that used the old credential, after one refresh, cause no further run",
    () =>
      Effect.gen(function* () {
        const state = tmp()
        const config = yield* loadScoped(
          KubeConfig.fromObject(base(pluginUser({ PLUGIN_STATE: state, PLUGIN_TOKEN: "t" })))
        )
        const N = 8
        // N requests, each in its own fiber as a client's are: read the credential, get a 401,
        // invalidate, read again. The 401s are handled one after the other, after the first refresh.
        const requests = yield* Effect.forEach(Array.from({ length: N }), () =>
          Effect.gen(function* () {
            const read = yield* Deferred.make<void>()
            const answered = yield* Deferred.make<void>()
            const fiber = yield* Effect.fork(
              config.credentials.pipe(
                Effect.zipRight(Deferred.succeed(read, undefined)),
                Effect.zipRight(Deferred.await(answered)),
                Effect.zipRight(config.invalidateCredentials),
                Effect.zipRight(config.credentials)
              )
            )
            return { read, answered, fiber }
          })
        )
        yield* Effect.forEach(requests, (r) => Deferred.await(r.read), { discard: true })
        expect(runs(state)).toBe(1)
        for (const r of requests) {
          yield* Deferred.succeed(r.answered, undefined)
          yield* Fiber.join(r.fiber)
        }
        expect(runs(state)).toBe(2)
        // A 401 with the fresh credential refreshes again, once.
        yield* config.invalidateCredentials
        yield* config.credentials
        expect(runs(state)).toBe(3)
      }),
    SLOW
  )

  it.scoped(
    "N concurrent 401 invalidations cause exactly one more run",
    () =>
      Effect.gen(function* () {
        const state = tmp()
        const config = yield* loadScoped(
          KubeConfig.fromObject(
            base(pluginUser({ PLUGIN_STATE: state, PLUGIN_TOKEN: "t", PLUGIN_DELAY_MS: "50" }))
          )
        )
        const N = 12
        const gate = yield* Deferred.make<void>()
        const requests = yield* Effect.forEach(Array.from({ length: N }), () =>
          Effect.gen(function* () {
            const read = yield* Deferred.make<void>()
            const fiber = yield* Effect.fork(
              config.credentials.pipe(
                Effect.zipRight(Deferred.succeed(read, undefined)),
                Effect.zipRight(Deferred.await(gate)),
                Effect.zipRight(config.invalidateCredentials),
                Effect.zipRight(config.credentials)
              )
            )
            return { read, fiber }
          })
        )
        yield* Effect.forEach(requests, (r) => Deferred.await(r.read), { discard: true })
        yield* Deferred.succeed(gate, undefined)
        const all = yield* Effect.forEach(requests, (r) => Fiber.join(r.fiber))
        expect(all.map((c) => c.token && Redacted.value(c.token))).toEqual(Array(N).fill("t"))
        expect(runs(state)).toBe(2)
      }),
    SLOW
  )
})
