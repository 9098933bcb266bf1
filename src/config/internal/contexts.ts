/**
 * Which context, cluster and user of a kubeconfig a configuration uses: the asked-for context (else
 * `current-context`), the cluster and user it names, checked before any file or credential is read.
 *
 * @internal
 */
import { Effect, Either } from "effect"
import { parseUrl, proxyUrlProblem } from "../../internal/urls.js"
import type * as KubeConfigFile from "../KubeConfigFile.js"
import { configError, type Where, whereIn } from "./errors.js"

/** The chosen context with its cluster and user. */
export interface Selection {
  readonly contextName: string
  readonly context: KubeConfigFile.Context
  readonly cluster: KubeConfigFile.Cluster
  /** The context's user, or no settings when it names none. */
  readonly user: KubeConfigFile.AuthInfo
  /** The cluster's server as requests will use it (checked, without trailing slashes). */
  readonly server: string
  /** Where errors about the context point (its file, when loaded from one, and its name). */
  readonly where: Where
}

/**
 * The cluster's server as requests will use it (without trailing slashes), or why it cannot be:
 * checked at load, so that a bad URL is a `ConfigError` naming the cluster rather than a failure
 * of every request. Problems name the scheme and host at most, never credentials in the URL.
 */
const serverUrl = (value: string | undefined): Either.Either<string, string> => {
  if (value === undefined || value.trim() === "") return Either.left("is not set")
  const url = parseUrl(value)
  if (url === undefined) return Either.left("is not a valid URL")
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return Either.left(
      `must be an https or http URL, not "${url.protocol}${url.host === "" ? "" : `//${url.host}`}"`
    )
  }
  if (url.hostname === "") return Either.left("has no host")
  if (url.username !== "" || url.password !== "") {
    return Either.left("must not hold credentials (give them in the user)")
  }
  if (url.search !== "" || url.hash !== "") return Either.left("must not have a query or a fragment")
  return Either.right(value.replace(/\/+$/, ""))
}

/**
 * Chooses the context (`contextOption`, else the file's `current-context`), its cluster (with a valid
 * server and proxy URL) and its user. `source` is where the file came from, for the errors.
 */
export const select = (
  file: KubeConfigFile.KubeConfigFile,
  contextOption: string | undefined,
  source: string
) =>
  Effect.gen(function* () {
    const contextName = contextOption ?? file["current-context"]
    if (contextName === undefined || contextName === "") {
      return yield* Effect.fail(
        configError(
          "ContextNotFound",
          "no context chosen: the kubeconfig has no current-context and none was given",
          whereIn(source)
        )
      )
    }
    const where = whereIn(source, contextName)
    const context = file.contexts?.find((c) => c.name === contextName)?.context
    if (context === undefined) {
      const known = (file.contexts ?? []).map((c) => `"${c.name}"`).join(", ")
      return yield* Effect.fail(
        configError(
          "ContextNotFound",
          `context "${contextName}" is not defined${known === "" ? "" : ` (known: ${known})`}`,
          where
        )
      )
    }
    const cluster = file.clusters?.find((c) => c.name === context.cluster)?.cluster
    if (cluster === undefined) {
      return yield* Effect.fail(
        configError("ClusterNotFound", `cluster "${context.cluster}" is not defined`, where)
      )
    }
    const server = yield* Either.match(serverUrl(cluster.server), {
      onLeft: (problem) =>
        Effect.fail(configError("InvalidConfig", `cluster "${context.cluster}": server ${problem}`, where)),
      onRight: Effect.succeed
    })
    const proxyProblem = proxyUrlProblem(cluster["proxy-url"])
    if (proxyProblem !== undefined) {
      return yield* Effect.fail(
        configError("InvalidConfig", `cluster "${context.cluster}": proxy-url ${proxyProblem}`, where)
      )
    }
    let user: KubeConfigFile.AuthInfo = {}
    if (context.user !== undefined && context.user !== "") {
      const found = file.users?.find((u) => u.name === context.user)?.user
      if (found === undefined) {
        return yield* Effect.fail(configError("UserNotFound", `user "${context.user}" is not defined`, where))
      }
      user = found
    }
    const selection: Selection = { contextName, context, cluster, user, server, where }
    return selection
  })
