/**
 * Exec credential plugins (`users[].user.exec` in a kubeconfig), as kubectl runs them: the command
 * is run without a shell, with the configured args and env plus `KUBERNETES_EXEC_INFO`; its stdout
 * is an `ExecCredential` (`client.authentication.k8s.io/v1`, `v1beta1` or `v1alpha1`) holding a
 * token or a client certificate, optionally with an `expirationTimestamp`. Unless it runs
 * interactively its stdin is empty (a plugin that reads it sees its end at once), and a run is
 * bounded by a timeout after which the plugin (and what it started) is killed.
 *
 * @since 0.1.0
 */
import { Command, type CommandExecutor, type Error as PlatformError } from "@effect/platform"
import { Chunk, Duration, Effect, Exit, Redacted, Schema, Stream } from "effect"
import { concatBytes } from "../internal/bytes.js"
import { ExecPluginError } from "./ConfigError.js"
import type { ExecConfig } from "./KubeConfigFile.js"

/**
 * The API versions of `ExecCredential` this client speaks.
 *
 * @example
 * ```ts
 * import { ExecCredential } from "effect-kube"
 *
 * const supported = ExecCredential.apiVersions.includes("client.authentication.k8s.io/v1")
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const apiVersions = [
  "client.authentication.k8s.io/v1",
  "client.authentication.k8s.io/v1beta1",
  "client.authentication.k8s.io/v1alpha1"
] as const

/**
 * The `ExecCredential` a plugin prints.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { ExecCredential } from "effect-kube"
 *
 * const out = Schema.decodeUnknownSync(ExecCredential.ExecCredentialOutput)({
 *   apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token: "t" }
 * })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const ExecCredentialOutput = Schema.Struct({
  apiVersion: Schema.String,
  kind: Schema.Literal("ExecCredential"),
  status: Schema.optionalWith(
    Schema.Struct({
      token: Schema.optionalWith(Schema.String, { nullable: true }),
      clientCertificateData: Schema.optionalWith(Schema.String, { nullable: true }),
      clientKeyData: Schema.optionalWith(Schema.String, { nullable: true }),
      expirationTimestamp: Schema.optionalWith(Schema.String, { nullable: true })
    }),
    { nullable: true }
  )
})

/**
 * What a plugin gave: a token and/or a client certificate, and when it expires.
 *
 * @since 0.1.0
 * @category models
 */
export interface ExecCredential {
  readonly token?: Redacted.Redacted<string>
  readonly clientCertificate?: {
    readonly cert: Redacted.Redacted<string>
    readonly key: Redacted.Redacted<string>
  }
  /** Epoch milliseconds; absent means "valid until the server says 401". */
  readonly expiresAt?: number
}

/**
 * The cluster a plugin is told about when `provideClusterInfo` is set.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClusterInfoForPlugin {
  readonly server: string
  readonly "tls-server-name"?: string
  readonly "insecure-skip-tls-verify"?: boolean
  readonly "certificate-authority-data"?: string
  readonly "proxy-url"?: string
  readonly "disable-compression"?: boolean
  readonly config?: unknown
}

/**
 * Options for {@link run}.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunOptions {
  readonly context?: string | undefined
  readonly cluster?: ClusterInfoForPlugin | undefined
  /** Whether a terminal is attached that an interactive plugin may use (stdin is a TTY). */
  readonly interactive?: boolean | undefined
  /**
   * How long a run may take before the plugin is killed and the run fails with `Timeout`.
   * Default: {@link defaultTimeout}, or {@link defaultInteractiveTimeout} when it runs interactively.
   */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * How long a plugin that is not interactive may take: one minute. kubectl waits forever; a
 * program that runs unattended must not, and a plugin that fetches a token over the network
 * answers in seconds.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { ExecCredential } from "effect-kube"
 *
 * console.log(Duration.format(ExecCredential.defaultTimeout)) // "1m"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const defaultTimeout: Duration.Duration = Duration.minutes(1)

/**
 * How long an interactive plugin may take (a person logs in, in a terminal or a browser): five
 * minutes.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { ExecCredential } from "effect-kube"
 *
 * console.log(Duration.format(ExecCredential.defaultInteractiveTimeout)) // "5m"
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const defaultInteractiveTimeout: Duration.Duration = Duration.minutes(5)

const MAX_STDERR = 4096
/** An ExecCredential is a few KiB (a token, or a certificate and its key). */
const MAX_STDOUT = 1024 * 1024

/** The first `limit` bytes of `stream` as text (one decoder: a character split between chunks stays whole). */
const collect = <E>(stream: Stream.Stream<Uint8Array, E>, limit: number) =>
  Effect.suspend(() => {
    const decoder = new TextDecoder()
    return Stream.runFold(stream, { text: "", bytes: 0 }, (acc, chunk) => {
      if (acc.bytes >= limit) return acc
      return {
        text: acc.text + decoder.decode(chunk.subarray(0, limit - acc.bytes), { stream: true }),
        bytes: acc.bytes + chunk.length
      }
    }).pipe(Effect.map((acc) => acc.text + decoder.decode()))
  })

class OutputTooLarge {
  readonly _tag = "OutputTooLarge"
}

const collectAll = <E>(stream: Stream.Stream<Uint8Array, E>, limit: number) =>
  Stream.runFoldEffect(
    stream,
    { chunks: Chunk.empty<Uint8Array>(), bytes: 0 },
    (acc, chunk): Effect.Effect<{ chunks: Chunk.Chunk<Uint8Array>; bytes: number }, OutputTooLarge> =>
      acc.bytes + chunk.length > limit
        ? Effect.fail(new OutputTooLarge())
        : Effect.succeed({ chunks: Chunk.append(acc.chunks, chunk), bytes: acc.bytes + chunk.length })
  ).pipe(Effect.map((acc) => new TextDecoder().decode(concatBytes(acc.chunks))))

/** What went wrong starting or talking to the process, without its arguments (a secret may be one). */
const platformDetail = (error: PlatformError.PlatformError): string =>
  error._tag === "SystemError"
    ? error.method === "exitCode"
      ? "it was ended by a signal"
      : `cannot ${error.method === "spawn" ? "start it" : "talk to it"} (${error.reason})`
    : `cannot ${error.method === "spawn" ? "start it" : "talk to it"}`

/**
 * Runs an exec credential plugin once and decodes what it prints.
 *
 * @example
 * ```ts
 * import { ExecCredential } from "effect-kube"
 *
 * const credential = ExecCredential.run(
 *   { command: "aws", args: ["eks", "get-token", "--cluster-name", "prod"],
 *     apiVersion: "client.authentication.k8s.io/v1beta1" },
 *   { context: "prod" }
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const run = (
  exec: ExecConfig,
  options: RunOptions = {}
): Effect.Effect<ExecCredential, ExecPluginError, CommandExecutor.CommandExecutor> =>
  Effect.gen(function* () {
    const fail = (
      reason: ExecPluginError["reason"],
      detail: string,
      extra: { exitCode?: number; stderr?: string; cause?: unknown } = {}
    ) =>
      new ExecPluginError({
        reason,
        command: exec.command,
        detail,
        context: options.context,
        installHint: exec.installHint,
        ...extra
      })

    const apiVersion = exec.apiVersion ?? "client.authentication.k8s.io/v1beta1"
    if (!apiVersions.some((v) => v === apiVersion)) {
      return yield* fail("BadOutput", `unsupported exec apiVersion "${apiVersion}"`)
    }
    const mode = exec.interactiveMode ?? "IfAvailable"
    const interactive = mode !== "Never" && options.interactive === true
    if (mode === "Always" && !interactive) {
      return yield* fail(
        "Interactive",
        "the plugin needs an interactive terminal (interactiveMode: Always) and none is attached"
      )
    }
    const info = {
      apiVersion,
      kind: "ExecCredential",
      spec: {
        interactive,
        ...(exec.provideClusterInfo === true && options.cluster !== undefined
          ? { cluster: options.cluster }
          : {})
      }
    }
    const env: Record<string, string> = { KUBERNETES_EXEC_INFO: JSON.stringify(info) }
    for (const { name, value } of exec.env ?? []) env[name] = value

    const command = Command.make(exec.command, ...(exec.args ?? [])).pipe(
      Command.env(env),
      // Not interactive: an empty stdin (as client-go's /dev/null), so a plugin that reads it does not wait.
      Command.stdin(interactive ? "inherit" : Stream.empty),
      Command.stderr(interactive ? "inherit" : "pipe")
    )
    const timeout = Duration.decode(
      options.timeout ?? (interactive ? defaultInteractiveTimeout : defaultTimeout)
    )
    const result = yield* Effect.scoped(
      Effect.gen(function* () {
        // A command the system refuses to even try (a name too long, arguments too big) throws
        // from spawn: a typed failure, not a defect.
        const proc = yield* Command.start(command).pipe(
          Effect.catchAllDefect(() => fail("Failed", "cannot start it (the system refused the command)"))
        )
        // Runs before the executor's own release (SIGTERM, then wait): a plugin that ignores
        // SIGTERM, or what it started, must not outlive a timeout or a failure.
        yield* Effect.addFinalizer((exit) =>
          Exit.isSuccess(exit) ? Effect.void : Effect.ignore(proc.kill("SIGKILL"))
        )
        const [stdout, stderr, code] = yield* Effect.all(
          [
            collectAll(proc.stdout, MAX_STDOUT),
            interactive ? Effect.succeed("") : collect(proc.stderr, MAX_STDERR),
            proc.exitCode
          ],
          { concurrency: "unbounded" }
        )
        return { stdout, stderr, code }
      })
    ).pipe(
      Effect.mapError((error) =>
        error._tag === "ExecPluginError"
          ? error
          : error._tag === "OutputTooLarge"
            ? fail("BadOutput", `it printed more than ${MAX_STDOUT} bytes`)
            : error._tag === "SystemError" && error.reason === "NotFound" && error.method === "spawn"
              ? fail("NotFound", "command not found")
              : fail("Failed", platformDetail(error))
      ),
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () =>
          fail("Timeout", `no answer within ${Duration.format(timeout)}; the plugin was killed`)
      })
    )
    if (result.code !== 0) {
      return yield* fail("NonZeroExit", `exited with code ${result.code}`, {
        exitCode: result.code,
        stderr: result.stderr
      })
    }
    const decoded = yield* Schema.decodeUnknown(Schema.parseJson(ExecCredentialOutput))(result.stdout).pipe(
      Effect.mapError(() =>
        fail("BadOutput", "stdout is not an ExecCredential JSON object", { stderr: result.stderr })
      )
    )
    if (decoded.apiVersion !== apiVersion) {
      return yield* fail(
        "BadOutput",
        `the plugin answered apiVersion "${decoded.apiVersion}" where "${apiVersion}" was asked for`
      )
    }
    const status = decoded.status ?? {}
    let expiresAt: number | undefined
    if (status.expirationTimestamp !== undefined) {
      const t = Date.parse(status.expirationTimestamp)
      if (Number.isNaN(t)) {
        return yield* fail("BadOutput", `expirationTimestamp "${status.expirationTimestamp}" is not a date`)
      }
      expiresAt = t
    }
    const hasCert = status.clientCertificateData !== undefined || status.clientKeyData !== undefined
    if (hasCert && (status.clientCertificateData === undefined || status.clientKeyData === undefined)) {
      return yield* fail("BadOutput", "clientCertificateData and clientKeyData must be given together")
    }
    if (status.token === undefined && !hasCert) {
      return yield* fail(
        "BadOutput",
        "the ExecCredential status holds neither a token nor a client certificate"
      )
    }
    return {
      ...(status.token !== undefined ? { token: Redacted.make(status.token) } : {}),
      ...(status.clientCertificateData !== undefined && status.clientKeyData !== undefined
        ? {
            clientCertificate: {
              cert: Redacted.make(status.clientCertificateData),
              key: Redacted.make(status.clientKeyData)
            }
          }
        : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {})
    }
  })
