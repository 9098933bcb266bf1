import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { inspect } from "node:util"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Duration, Effect, Redacted } from "effect"
import type { ExecConfig } from "../../src/config/KubeConfigFile.js"
import { ExecCredential } from "../../src/index.js"

const PLUGIN = path.resolve(__dirname, "../fixtures/exec-plugin.mjs")
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "effect-kube-exec-"))

const plugin = (env: Record<string, string>, extra: Partial<ExecConfig> = {}): ExecConfig => ({
  command: PLUGIN,
  apiVersion: "client.authentication.k8s.io/v1",
  interactiveMode: "Never",
  env: Object.entries(env).map(([name, value]) => ({ name, value })),
  ...extra
})

/** Tests that start a process get room for a slow, loaded machine; no test asserts a duration. */
const SLOW = 60_000

const run = (exec: ExecConfig, options: ExecCredential.RunOptions = {}) =>
  ExecCredential.run(exec, options).pipe(Effect.provide(NodeContext.layer))

describe("ExecCredential.run", () => {
  for (const apiVersion of ExecCredential.apiVersions) {
    it.effect(
      `speaks ${apiVersion}`,
      () =>
        Effect.gen(function* () {
          const state = tmp()
          const cred = yield* run(
            plugin({ PLUGIN_TOKEN: "tok", PLUGIN_STATE: state, PLUGIN_TTL: "60" }, { apiVersion }),
            {
              context: "ctx",
              cluster: { server: "https://h" }
            }
          )
          expect(cred.token && Redacted.value(cred.token)).toBe("tok")
          expect(cred.expiresAt).toBeGreaterThan(Date.now())
          const info = JSON.parse(fs.readFileSync(path.join(state, "info.json"), "utf8"))
          expect(info.apiVersion).toBe(apiVersion)
          // No provideClusterInfo: no cluster in the spec.
          expect(info.spec).toEqual({ interactive: false })
        }),
      SLOW
    )
  }

  it.effect(
    "passes args and cluster info when provideClusterInfo is set",
    () =>
      Effect.gen(function* () {
        const state = tmp()
        yield* run(
          plugin(
            { PLUGIN_TOKEN: "t", PLUGIN_STATE: state },
            { provideClusterInfo: true, args: ["--flag", "a b"] }
          ),
          {
            cluster: { server: "https://h", "tls-server-name": "n" }
          }
        )
        const info = JSON.parse(fs.readFileSync(path.join(state, "info.json"), "utf8"))
        expect(info.spec.cluster).toEqual({ server: "https://h", "tls-server-name": "n" })
      }),
    SLOW
  )

  it.effect(
    "a command the system refuses to start (a name too long) is a typed ExecPluginError, not a defect",
    () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          run({ apiVersion: "client.authentication.k8s.io/v1", command: "x".repeat(100_000) }, {})
        )
        expect(error).toMatchObject({ _tag: "ExecPluginError" })
      }),
    SLOW
  )

  it.effect(
    "a missing command is NotFound with the install hint",
    () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          run({
            command: "/no/such/plugin-binary",
            apiVersion: "client.authentication.k8s.io/v1",
            installHint: "brew install it"
          })
        )
        expect(error).toMatchObject({ _tag: "ExecPluginError", reason: "NotFound" })
        expect(error.message).toContain("brew install it")
      }),
    SLOW
  )

  it.effect(
    "a non-zero exit carries the code and stderr",
    () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(run(plugin({ PLUGIN_MODE: "fail" }), { context: "prod" }))
        expect(error).toMatchObject({ reason: "NonZeroExit", exitCode: 3, context: "prod" })
        expect(error.stderr).toContain("not logged in")
      }),
    SLOW
  )

  it.effect(
    "stderr is decoded as one text: a character split between two chunks stays whole",
    () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(run(plugin({ PLUGIN_MODE: "failsplit" })))
        expect(error).toMatchObject({ reason: "NonZeroExit", exitCode: 3 })
        expect(error.stderr).toContain("connexion refusée, réessayez")
      }),
    SLOW
  )

  it.effect(
    "output that is not an ExecCredential is BadOutput, without echoing it",
    () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(run(plugin({ PLUGIN_MODE: "garbage" })))
        expect(error).toMatchObject({ reason: "BadOutput" })
        expect(error.message).not.toContain("this is not json")
      }),
    SLOW
  )

  it.effect(
    "an answer in another apiVersion, or with no credential, is BadOutput",
    () =>
      Effect.gen(function* () {
        const wrong = yield* Effect.flip(
          run(plugin({ PLUGIN_TOKEN: "t", PLUGIN_API: "client.authentication.k8s.io/v1beta1" }))
        )
        expect(wrong).toMatchObject({ reason: "BadOutput" })
        const empty = yield* Effect.flip(run(plugin({})))
        expect(empty).toMatchObject({ reason: "BadOutput" })
        const unsupported = yield* Effect.flip(
          run(plugin({ PLUGIN_TOKEN: "t" }, { apiVersion: "client.authentication.k8s.io/v2" }))
        )
        expect(unsupported).toMatchObject({ reason: "BadOutput" })
      }),
    SLOW
  )

  it.effect(
    "interactiveMode Always without a terminal fails before running",
    () =>
      Effect.gen(function* () {
        const state = tmp()
        const error = yield* Effect.flip(
          run(plugin({ PLUGIN_TOKEN: "t", PLUGIN_STATE: state }, { interactiveMode: "Always" }))
        )
        expect(error).toMatchObject({ reason: "Interactive" })
        expect(fs.existsSync(path.join(state, "runs.log"))).toBe(false)
      }),
    SLOW
  )

  it.effect(
    "runs without a shell: arguments are not expanded",
    () =>
      Effect.gen(function* () {
        const dir = tmp()
        const script = path.join(dir, "echo-args.mjs")
        fs.writeFileSync(
          script,
          `#!/usr/bin/env node\nprocess.stdout.write(JSON.stringify({apiVersion:"client.authentication.k8s.io/v1",kind:"ExecCredential",status:{token:process.argv.slice(2).join("|")}}))\n`
        )
        fs.chmodSync(script, 0o755)
        const cred = yield* run({
          command: script,
          apiVersion: "client.authentication.k8s.io/v1",
          args: ["$HOME", "a;b", "*"]
        })
        expect(cred.token && Redacted.value(cred.token)).toBe("$HOME|a;b|*")
      }),
    SLOW
  )

  it.live(
    "a plugin that reads stdin gets an empty stdin when not interactive (no hang)",
    () =>
      Effect.gen(function* () {
        const cred = yield* run(plugin({ PLUGIN_MODE: "stdin", PLUGIN_TOKEN: "from-stdin-plugin" }))
        expect(cred.token && Redacted.value(cred.token)).toBe("from-stdin-plugin")
      }),
    SLOW
  )

  it.live(
    "a plugin that hangs (and ignores SIGTERM) is stopped by the timeout: a typed Timeout",
    () =>
      Effect.gen(function* () {
        const state = tmp()
        const error = yield* Effect.flip(
          run(plugin({ PLUGIN_MODE: "hang", PLUGIN_STATE: state }), { context: "ctx", timeout: "300 millis" })
        )
        expect(error).toMatchObject({ _tag: "ExecPluginError", reason: "Timeout", context: "ctx" })
        expect(error.message).toContain("300")
      }),
    SLOW
  )

  it("the default timeout is finite", () => {
    expect(Duration.toMillis(ExecCredential.defaultTimeout)).toBeGreaterThan(0)
    expect(Duration.isFinite(ExecCredential.defaultTimeout)).toBe(true)
  })

  it.effect(
    "errors carry no plugin arguments (they may hold a client secret) and no platform error",
    () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          run({
            command: "/no/such/plugin-binary",
            apiVersion: "client.authentication.k8s.io/v1",
            args: ["get-token", "--client-secret", "arg-secret-value"]
          })
        )
        expect(error).toMatchObject({ reason: "NotFound" })
        for (const shown of [
          error.message,
          inspect(error, { depth: 10 }),
          JSON.stringify(error),
          Cause.pretty(Cause.fail(error))
        ]) {
          expect(shown).not.toContain("arg-secret-value")
        }
      }),
    SLOW
  )

  it.effect(
    "the credential itself shows no token or key when inspected or serialized",
    () =>
      Effect.gen(function* () {
        const cred = yield* run(plugin({ PLUGIN_TOKEN: "plugin-secret-token" }))
        expect(inspect(cred, { depth: 10 })).not.toContain("plugin-secret-token")
        expect(JSON.stringify(cred)).not.toContain("plugin-secret-token")
      }),
    SLOW
  )
})
