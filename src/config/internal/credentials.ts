/**
 * The credentials a configuration presents, and how they are kept: a client certificate and basic
 * auth as written, plus the first bearer token source of the user (an exec plugin, `token`,
 * `tokenFile`, an auth provider's token), re-run or re-read as needed.
 *
 * @internal
 */
import type { CommandExecutor, FileSystem } from "@effect/platform"
import { type Duration, Effect, Redacted, type Scope } from "effect"
import type { KubeConfigError } from "../ConfigError.js"
import type { Certificates } from "./certificates.js"
import type { Selection } from "./contexts.js"
import * as ExecPlugin from "./execPlugin.js"
import * as TokenFile from "./tokenFile.js"

/** The credentials of a request (`KubeConfig.Credentials`, which documents them, is this type). */
export interface Credentials {
  readonly token?: Redacted.Redacted<string> | undefined
  readonly basic?: { readonly username: string; readonly password: Redacted.Redacted<string> } | undefined
  /** PEM of the client certificate and its key, both redacted (never shown in logs or errors). */
  readonly clientCertificate?:
    | { readonly cert: Redacted.Redacted<string>; readonly key: Redacted.Redacted<string> }
    | undefined
}

/** The credentials to use now, how to forget them after a 401, and whether forgetting can help. */
export interface CredentialSource {
  readonly credentials: Effect.Effect<Credentials, KubeConfigError>
  readonly invalidate: Effect.Effect<void>
  readonly refreshable: boolean
}

/** The token of an `auth-provider` (kubectl's deprecated gcp/azure/oidc providers), if it has one. */
const providerTokenOf = (selection: Selection): string | undefined => {
  const provider = selection.user["auth-provider"]
  if (provider === undefined) return undefined
  const cfg = provider.config ?? {}
  return provider.name === "oidc"
    ? (cfg["id-token"] ?? cfg["access-token"])
    : (cfg["access-token"] ?? cfg["id-token"])
}

/** Credentials that never change: forgetting them does nothing. */
const fixed = (credentials: Credentials): CredentialSource => ({
  credentials: Effect.succeed(credentials),
  invalidate: Effect.void,
  refreshable: false
})

/**
 * Sets up the credentials of the chosen user. An exec plugin runs in `scope` (closing it ends a
 * running plugin); a token file is re-read when it changes.
 */
export const make = (
  services: {
    readonly fs: FileSystem.FileSystem
    readonly executor: CommandExecutor.CommandExecutor
    readonly scope: Scope.Scope
  },
  selection: Selection,
  certificates: Certificates,
  options: {
    readonly interactive?: boolean | undefined
    readonly execTimeout?: Duration.DurationInput | undefined
  }
): Effect.Effect<CredentialSource> =>
  Effect.gen(function* () {
    const { user, contextName } = selection
    const staticCreds: Credentials = {
      ...(certificates.clientCertificate !== undefined
        ? { clientCertificate: certificates.clientCertificate }
        : {}),
      ...(user.username !== undefined && user.password !== undefined
        ? { basic: { username: user.username, password: Redacted.make(user.password) } }
        : {})
    }
    const providerToken = providerTokenOf(selection)

    if (user.exec !== undefined) {
      const plugin = yield* ExecPlugin.credentials(
        services.executor,
        user.exec,
        {
          context: contextName,
          interactive: options.interactive,
          timeout: options.execTimeout,
          cluster: ExecPlugin.pluginCluster(
            selection.cluster,
            selection.server,
            certificates.certificateAuthority
          )
        },
        services.scope
      )
      const fallbackToken = user.token
      return {
        credentials: plugin.get.pipe(
          Effect.map(
            (cred): Credentials => ({
              ...staticCreds,
              ...(cred.clientCertificate !== undefined ? { clientCertificate: cred.clientCertificate } : {}),
              token:
                cred.token ??
                (fallbackToken !== undefined && fallbackToken !== ""
                  ? Redacted.make(fallbackToken)
                  : undefined)
            })
          )
        ),
        invalidate: plugin.reset,
        refreshable: true
      }
    }
    if (user.token !== undefined && user.token !== "") {
      const token = Redacted.make(user.token)
      return fixed({ ...staticCreds, token })
    }
    if (user.tokenFile !== undefined && user.tokenFile !== "") {
      const reader = yield* TokenFile.reader(services.fs, user.tokenFile, contextName)
      return {
        credentials: reader.read.pipe(
          Effect.map((t): Credentials => ({ ...staticCreds, token: Redacted.make(t) }))
        ),
        invalidate: reader.reset,
        refreshable: true
      }
    }
    if (providerToken !== undefined && providerToken !== "") {
      return fixed({ ...staticCreds, token: Redacted.make(providerToken) })
    }
    return fixed(staticCreds)
  })
