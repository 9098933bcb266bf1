/**
 * Typed failures of loading a kubeconfig or resolving its credentials. Messages name the file, the
 * context and what is wrong; they never contain a secret.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * What went wrong while loading or resolving a configuration.
 *
 * @since 0.1.0
 * @category errors
 */
export type ConfigErrorReason =
  | "NoConfiguration"
  | "FileNotFound"
  | "FileUnreadable"
  | "MalformedYaml"
  | "InvalidConfig"
  | "ContextNotFound"
  | "ClusterNotFound"
  | "UserNotFound"
  | "BadBase64"
  | "InCluster"

/**
 * A kubeconfig (or the in-cluster configuration) could not be loaded. Messages name the file, the
 * context, the cluster and the path of a bad field with the type expected there, never a value of
 * the file (a YAML error gives a line and column, not the line).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { KubeConfig } from "effect-kube"
 *
 * const program = KubeConfig.parseYaml("apiVersion: v1\nkind: [").pipe(
 *   Effect.catchTag("ConfigError", (e) => Effect.die(`bad config: ${e.message}`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ConfigError extends Data.TaggedError("ConfigError")<{
  readonly reason: ConfigErrorReason
  readonly detail: string
  readonly file?: string | undefined
  readonly context?: string | undefined
  readonly cause?: unknown
}> {
  override get message(): string {
    const where = [
      this.file !== undefined ? `file ${this.file}` : undefined,
      this.context !== undefined ? `context "${this.context}"` : undefined
    ].filter((s) => s !== undefined)
    return `${this.reason}: ${this.detail}${where.length > 0 ? ` (${where.join(", ")})` : ""}`
  }
}

/**
 * What went wrong while running an exec credential plugin.
 *
 * @since 0.1.0
 * @category errors
 */
export type ExecPluginErrorReason =
  | "NotFound"
  | "NonZeroExit"
  | "BadOutput"
  | "Interactive"
  | "Timeout"
  | "Failed"

/**
 * An exec credential plugin (`users[].user.exec`) failed. `stderr` holds what the plugin printed
 * (cut to 4 KiB); the plugin's output (which holds the credential) and its arguments (which may
 * hold a client secret) are never included. `Timeout`: it did not answer in time and was killed.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { ConfigError } from "effect-kube"
 *
 * declare const failure: ConfigError.ExecPluginError
 * if (failure.reason === "NotFound") console.error(failure.installHint)
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ExecPluginError extends Data.TaggedError("ExecPluginError")<{
  readonly reason: ExecPluginErrorReason
  readonly command: string
  readonly detail: string
  readonly context?: string | undefined
  readonly exitCode?: number | undefined
  readonly stderr?: string | undefined
  readonly installHint?: string | undefined
  readonly cause?: unknown
}> {
  override get message(): string {
    const parts = [`exec plugin "${this.command}" ${this.reason}: ${this.detail}`]
    if (this.context !== undefined) parts.push(`(context "${this.context}")`)
    if (this.stderr !== undefined && this.stderr.trim() !== "") parts.push(`stderr: ${this.stderr.trim()}`)
    if (this.installHint !== undefined && this.reason === "NotFound") parts.push(`\n${this.installHint}`)
    return parts.join(" ")
  }
}

/**
 * Any failure of configuration or credentials.
 *
 * @since 0.1.0
 * @category errors
 */
export type KubeConfigError = ConfigError | ExecPluginError
