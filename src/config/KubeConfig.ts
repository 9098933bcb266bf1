/**
 * The `KubeConfig` service: the resolved cluster, credentials and namespace every operation uses,
 * with a layer for each source (a kubeconfig file, YAML, an object, `KUBECONFIG`, in-cluster) and
 * auto-detection in lightkube's order.
 *
 * @since 0.1.0
 */
import { CommandExecutor, FileSystem, Path } from "@effect/platform"
import {
  Cause,
  Clock,
  Config,
  Context,
  Deferred,
  type Duration,
  Effect,
  Either,
  Encoding,
  Exit,
  FiberRef,
  Layer,
  Option,
  Redacted,
  Ref,
  Schema,
  type Scope,
  SynchronizedRef
} from "effect"
import { dual } from "effect/Function"
import * as ParseIssues from "../internal/parseIssues.js"
import { parseUrl, proxyUrlProblem } from "../internal/urls.js"
import * as Yaml from "../internal/yaml.js"
import { ConfigError, ExecPluginError, type KubeConfigError } from "./ConfigError.js"
import * as ExecCredential from "./ExecCredential.js"
import * as KubeConfigFile from "./KubeConfigFile.js"

/**
 * The cluster to talk to and how to trust it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClusterInfo {
  readonly name?: string | undefined
  /** Base URL of the apiserver, e.g. `https://127.0.0.1:6443`. */
  readonly server: string
  /** PEM of the certificate authority (from `certificate-authority` or `-data`). */
  readonly certificateAuthority?: string | undefined
  readonly insecureSkipTlsVerify: boolean
  readonly tlsServerName?: string | undefined
  /** `proxy-url` (http, https or socks5); redacted: it can hold a password. */
  readonly proxyUrl?: Redacted.Redacted<string> | undefined
  readonly disableCompression: boolean
}

/**
 * Credentials to present, as resolved at the time of a request.
 *
 * @since 0.1.0
 * @category models
 */
export interface Credentials {
  readonly token?: Redacted.Redacted<string> | undefined
  readonly basic?: { readonly username: string; readonly password: Redacted.Redacted<string> } | undefined
  /** PEM of the client certificate and its key, both redacted (never shown in logs or errors). */
  readonly clientCertificate?:
    | { readonly cert: Redacted.Redacted<string>; readonly key: Redacted.Redacted<string> }
    | undefined
}

/**
 * Impersonation (`as`, `as-uid`, `as-groups`, `as-user-extra`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Impersonation {
  readonly user?: string | undefined
  readonly uid?: string | undefined
  readonly groups: ReadonlyArray<string>
  readonly extra: Readonly<Record<string, ReadonlyArray<string>>>
}

/**
 * The resolved configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolvedConfig {
  /** Where it came from: a file path, `"in-cluster"`, `"yaml"` or `"object"`. */
  readonly source: string
  readonly context?: string | undefined
  readonly userName?: string | undefined
  readonly cluster: ClusterInfo
  /** The default namespace of operations (the override, else the context's, else `default`). */
  readonly namespace: string
  readonly impersonate?: Impersonation | undefined
  /**
   * The credentials to use now: cached, re-read (token files) or re-run (exec plugins) as needed.
   * An exec plugin runs once for concurrent callers, within the scope of the configuration's layer.
   */
  readonly credentials: Effect.Effect<Credentials, KubeConfigError>
  /**
   * Forgets cached credentials, after the server answered 401. For an exec plugin, only if they are
   * the ones this fiber last read: the 401 of a request sent with older credentials keeps newer ones.
   */
  readonly invalidateCredentials: Effect.Effect<void>
  /** Whether {@link ResolvedConfig.invalidateCredentials} can yield different credentials. */
  readonly refreshable: boolean
  /** Client-wide default field manager of writes (create, replace, patch, apply). */
  readonly fieldManager?: string | undefined
  /** Client-wide default: send writes as dry runs (`dryRun=All`). */
  readonly dryRun?: boolean | undefined
}

/**
 * The `KubeConfig` service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { KubeConfig } from "effect-kube"
 *
 * const program = Effect.gen(function* () {
 *   const config = yield* KubeConfig.KubeConfig
 *   console.log(config.cluster.server, config.namespace)
 * })
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class KubeConfig extends Context.Tag("effect-kube/KubeConfig")<KubeConfig, ResolvedConfig>() {}

/**
 * Options shared by the kubeconfig-based sources.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Use this context instead of `current-context`. */
  readonly context?: string | undefined
  /** Override the namespace of the context. */
  readonly namespace?: string | undefined
  /** Whether an exec plugin may talk to the user (stdin is a terminal). Default: false. */
  readonly interactive?: boolean | undefined
  /**
   * How long an exec credential plugin may run before it is killed (a `Timeout` error). Default:
   * `ExecCredential.defaultTimeout` (one minute; five when interactive).
   */
  readonly execTimeout?: Duration.DurationInput | undefined
  /** Client-wide default field manager of writes. */
  readonly fieldManager?: string | undefined
  /** Client-wide default: writes are dry runs. */
  readonly dryRun?: boolean | undefined
}

/**
 * What building a configuration needs from the platform.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements = FileSystem.FileSystem | Path.Path | CommandExecutor.CommandExecutor

const configError = (
  reason: ConfigError["reason"],
  detail: string,
  where: {
    readonly file?: string | undefined
    readonly context?: string | undefined
    readonly cause?: unknown
  } = {}
) => new ConfigError({ reason, detail, ...where })

const decodeBase64 = (
  value: string,
  field: string,
  where: { file?: string | undefined; context?: string | undefined }
) =>
  Either.match(Encoding.decodeBase64String(value.replace(/\s+/g, "")), {
    onLeft: () => Effect.fail(configError("BadBase64", `${field} is not valid base64`, where)),
    onRight: Effect.succeed
  })

const readText = (fs: FileSystem.FileSystem, file: string, what: string, context?: string) =>
  fs
    .readFileString(file)
    .pipe(
      Effect.mapError((error) =>
        configError(
          error._tag === "SystemError" && error.reason === "NotFound" ? "FileNotFound" : "FileUnreadable",
          `cannot read ${what} "${file}": ${error.message}`,
          { file, context, cause: error }
        )
      )
    )

/**
 * Paths and expected types only: the file's values (tokens, keys) are neither in the message nor
 * kept as the cause.
 */
const decodeFile = (input: unknown, file?: string) =>
  Schema.decodeUnknown(KubeConfigFile.KubeConfigFile, { onExcessProperty: "preserve", errors: "all" })(
    input
  ).pipe(
    Effect.mapError((error) =>
      configError("InvalidConfig", `not a valid kubeconfig: ${ParseIssues.format(error.issue, "the file")}`, {
        file
      })
    )
  )

/**
 * Parses and decodes the text of a kubeconfig (YAML or JSON). An empty document is an empty config.
 * `<<` merge keys merge; a syntax or alias problem is a `MalformedYaml` error with its line and
 * column (never the line itself, which may hold a token); nothing is printed.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "effect-kube"
 *
 * const file = KubeConfig.parseYaml("apiVersion: v1\nkind: Config\n")
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseYaml = (
  text: string,
  file?: string
): Effect.Effect<KubeConfigFile.KubeConfigFile, ConfigError> =>
  Either.match(Yaml.parseOne(text), {
    onLeft: (problem) =>
      Effect.fail(configError("MalformedYaml", `malformed YAML: ${problem.message}`, { file })),
    onRight: (doc) =>
      Effect.forEach(doc.warnings, (w) => Effect.logDebug(`kubeconfig: YAML warning: ${w.message}`), {
        discard: true
      }).pipe(Effect.zipRight(decodeFile(doc.value ?? {}, file)))
  })

/**
 * Reads, parses and decodes a kubeconfig file, resolving its relative paths against its folder.
 *
 * @example
 * ```ts
 * import { NodeContext } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { KubeConfig } from "effect-kube"
 *
 * const file = KubeConfig.readFile("/home/me/.kube/config").pipe(Effect.provide(NodeContext.layer))
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const readFile = (
  file: string
): Effect.Effect<KubeConfigFile.KubeConfigFile, ConfigError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const absolute = path.resolve(file)
    const text = yield* readText(fs, absolute, "kubeconfig")
    const parsed = yield* parseYaml(text, absolute)
    return KubeConfigFile.resolvePaths(parsed, path.dirname(absolute))
  })

interface TokenFileCache {
  readonly mtime: number
  readonly size: number
  readonly token: string
}

/** A token file re-read whenever it changes on disk (projected service-account tokens rotate). */
const tokenFileReader = (fs: FileSystem.FileSystem, file: string, context?: string) =>
  Effect.gen(function* () {
    const cache = yield* SynchronizedRef.make<Option.Option<TokenFileCache>>(Option.none())
    const read = SynchronizedRef.modifyEffect(cache, (cached) =>
      Effect.gen(function* () {
        const info = yield* fs.stat(file).pipe(
          Effect.mapError((error) =>
            configError("FileUnreadable", `cannot read token file "${file}": ${error.message}`, {
              file,
              context,
              cause: error
            })
          )
        )
        const mtime = Option.match(info.mtime, { onNone: () => 0, onSome: (d) => d.getTime() })
        const size = Number(info.size)
        if (Option.isSome(cached) && cached.value.mtime === mtime && cached.value.size === size) {
          return [cached.value.token, cached] as const
        }
        const token = (yield* readText(fs, file, "token file", context)).trim()
        if (token === "") {
          return yield* Effect.fail(
            configError("InvalidConfig", `token file "${file}" is empty`, { file, context })
          )
        }
        return [token, Option.some({ mtime, size, token })] as const
      })
    )
    return { read, reset: SynchronizedRef.set(cache, Option.none()) }
  })

/** A credential of the plugin with the number of the run that produced it. */
interface ExecResult {
  readonly credential: ExecCredential.ExecCredential
  readonly generation: number
}

interface ExecState {
  readonly cached: Option.Option<ExecResult>
  /** How many runs succeeded: the generation of the next credential is one more. */
  readonly generation: number
  /** The run in progress, which callers that arrive meanwhile share. */
  readonly running: Option.Option<Deferred.Deferred<ExecResult, ExecPluginError>>
}

type ExecStep =
  | { readonly _tag: "Cached"; readonly result: ExecResult }
  | { readonly _tag: "Join"; readonly run: Deferred.Deferred<ExecResult, ExecPluginError> }
  | { readonly _tag: "Lead"; readonly run: Deferred.Deferred<ExecResult, ExecPluginError> }

const freshResult = (state: ExecState, now: number): Option.Option<ExecResult> =>
  Option.filter(state.cached, (c) => c.credential.expiresAt === undefined || now < c.credential.expiresAt)

/**
 * The credential of an exec plugin: cached until its expiry (as client-go: no margin, so a token
 * that lives a few seconds is still used for those seconds), else one run of the plugin shared by
 * every caller that arrives while it runs.
 *
 * - The run is registered and started in one uninterruptible step, so an interrupted caller can
 *   never leave a registered run that nobody starts; callers wait interruptibly, and an
 *   interrupted caller does not cancel the run for the others.
 * - The run is a fiber of `scope` (the layer's): closing the layer interrupts it, which kills the
 *   plugin, and its callers get an `ExecPluginError` ("Failed").
 * - `reset` (after a 401) forgets the credential only if it is the one the calling fiber used (as
 *   client-go passes the failed credential to its refresh): the 401s of requests that used an
 *   older credential do not throw away a fresh one and run the plugin again.
 */
const execCredentials = (
  executor: CommandExecutor.CommandExecutor,
  exec: KubeConfigFile.ExecConfig,
  options: ExecCredential.RunOptions,
  scope: Scope.Scope
) =>
  Effect.gen(function* () {
    const state = yield* Ref.make<ExecState>({ cached: Option.none(), generation: 0, running: Option.none() })
    // The generation of the credential the current fiber got last (a request reads the credential
    // and, after a 401, resets it in the same fiber).
    const seen = yield* Effect.sync(() => FiberRef.unsafeMake<number | undefined>(undefined))
    const closed = () =>
      new ExecPluginError({
        reason: "Failed",
        command: exec.command,
        detail: "the configuration was closed (the scope of its layer ended) before it answered",
        context: options.context
      })
    const run = (deferred: Deferred.Deferred<ExecResult, ExecPluginError>) =>
      ExecCredential.run(exec, options).pipe(
        Effect.provideService(CommandExecutor.CommandExecutor, executor),
        Effect.interruptible,
        Effect.exit,
        Effect.flatMap((exit) =>
          Ref.modify(state, (s): readonly [Exit.Exit<ExecResult, ExecPluginError>, ExecState] => {
            if (Exit.isSuccess(exit)) {
              const result = { credential: exit.value, generation: s.generation + 1 }
              return [
                Exit.succeed(result),
                { cached: Option.some(result), generation: result.generation, running: Option.none() }
              ]
            }
            const outcome = Cause.isInterruptedOnly(exit.cause)
              ? Exit.fail(closed())
              : Exit.failCause(exit.cause)
            return [outcome, { ...s, cached: Option.none(), running: Option.none() }]
          })
        ),
        Effect.flatMap((outcome) => Deferred.done(deferred, outcome))
      )
    const obtain = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      // The hot path: a fresh credential, read without allocating anything.
      const cached = freshResult(yield* Ref.get(state), now)
      if (Option.isSome(cached)) return cached.value
      return yield* Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const mine = yield* Deferred.make<ExecResult, ExecPluginError>()
          const step = yield* Ref.modify(state, (s): readonly [ExecStep, ExecState] => {
            const fresh = freshResult(s, now)
            if (Option.isSome(fresh)) return [{ _tag: "Cached", result: fresh.value }, s]
            if (Option.isSome(s.running)) return [{ _tag: "Join", run: s.running.value }, s]
            return [
              { _tag: "Lead", run: mine },
              { ...s, running: Option.some(mine) }
            ]
          })
          switch (step._tag) {
            case "Cached":
              return step.result
            case "Join":
              return yield* restore(Deferred.await(step.run))
            case "Lead":
              // Started while still uninterruptible: it completes the deferred whatever happens.
              yield* Effect.forkIn(run(step.run), scope)
              return yield* restore(Deferred.await(step.run))
          }
        })
      )
    })
    const get = obtain.pipe(
      Effect.tap((result) => FiberRef.set(seen, result.generation)),
      Effect.map((result) => result.credential)
    )
    const reset = Effect.flatMap(FiberRef.get(seen), (used) =>
      Ref.update(state, (s) =>
        Option.isSome(s.cached) && (used === undefined || s.cached.value.generation <= used)
          ? { ...s, cached: Option.none() }
          : s
      )
    )
    return { get, reset }
  })

const impersonationOf = (user: KubeConfigFile.AuthInfo): Impersonation | undefined => {
  const groups = user["as-groups"] ?? []
  const extra = user["as-user-extra"] ?? {}
  if (
    user.as === undefined &&
    user["as-uid"] === undefined &&
    groups.length === 0 &&
    Object.keys(extra).length === 0
  ) {
    return undefined
  }
  return { user: user.as, uid: user["as-uid"], groups, extra }
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
 * Resolves a decoded kubeconfig into the service: picks the context, its cluster and user, reads
 * the certificate files, and sets up the credentials (token files re-read, exec plugins cached
 * until expiry). Exec-plugin runs are fibers of the scope: closing it ends a running plugin.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "effect-kube"
 *
 * const resolved = KubeConfig.make(
 *   {
 *     clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443" } }],
 *     users: [{ name: "u", user: { token: "t" } }],
 *     contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
 *     "current-context": "x"
 *   },
 *   { namespace: "apps" }
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  file: KubeConfigFile.KubeConfigFile,
  options: Options & { readonly source?: string | undefined } = {}
): Effect.Effect<ResolvedConfig, ConfigError, Requirements | Scope.Scope> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const executor = yield* CommandExecutor.CommandExecutor
    const scope = yield* Effect.scope
    const source = options.source ?? "object"
    const where = (context?: string) => ({ file: source.startsWith("/") ? source : undefined, context })

    const contextName = options.context ?? file["current-context"]
    if (contextName === undefined || contextName === "") {
      return yield* Effect.fail(
        configError(
          "ContextNotFound",
          "no context chosen: the kubeconfig has no current-context and none was given",
          where()
        )
      )
    }
    const context = file.contexts?.find((c) => c.name === contextName)?.context
    if (context === undefined) {
      const known = (file.contexts ?? []).map((c) => `"${c.name}"`).join(", ")
      return yield* Effect.fail(
        configError(
          "ContextNotFound",
          `context "${contextName}" is not defined${known === "" ? "" : ` (known: ${known})`}`,
          where(contextName)
        )
      )
    }
    const cluster = file.clusters?.find((c) => c.name === context.cluster)?.cluster
    if (cluster === undefined) {
      return yield* Effect.fail(
        configError("ClusterNotFound", `cluster "${context.cluster}" is not defined`, where(contextName))
      )
    }
    const server = yield* Either.match(serverUrl(cluster.server), {
      onLeft: (problem) =>
        Effect.fail(
          configError("InvalidConfig", `cluster "${context.cluster}": server ${problem}`, where(contextName))
        ),
      onRight: Effect.succeed
    })
    const proxyProblem = proxyUrlProblem(cluster["proxy-url"])
    if (proxyProblem !== undefined) {
      return yield* Effect.fail(
        configError(
          "InvalidConfig",
          `cluster "${context.cluster}": proxy-url ${proxyProblem}`,
          where(contextName)
        )
      )
    }
    let user: KubeConfigFile.AuthInfo = {}
    if (context.user !== undefined && context.user !== "") {
      const found = file.users?.find((u) => u.name === context.user)?.user
      if (found === undefined) {
        return yield* Effect.fail(
          configError("UserNotFound", `user "${context.user}" is not defined`, where(contextName))
        )
      }
      user = found
    }

    const w = where(contextName)
    let certificateAuthority: string | undefined
    if (cluster["certificate-authority-data"] !== undefined && cluster["certificate-authority-data"] !== "") {
      certificateAuthority = yield* decodeBase64(
        cluster["certificate-authority-data"],
        "certificate-authority-data",
        w
      )
    } else if (cluster["certificate-authority"] !== undefined && cluster["certificate-authority"] !== "") {
      certificateAuthority = yield* readText(
        fs,
        cluster["certificate-authority"],
        "certificate-authority",
        contextName
      )
    }

    let clientCert: string | undefined
    if (user["client-certificate-data"] !== undefined && user["client-certificate-data"] !== "") {
      clientCert = yield* decodeBase64(user["client-certificate-data"], "client-certificate-data", w)
    } else if (user["client-certificate"] !== undefined && user["client-certificate"] !== "") {
      clientCert = yield* readText(fs, user["client-certificate"], "client-certificate", contextName)
    }
    let clientKey: string | undefined
    if (user["client-key-data"] !== undefined && user["client-key-data"] !== "") {
      clientKey = yield* decodeBase64(user["client-key-data"], "client-key-data", w)
    } else if (user["client-key"] !== undefined && user["client-key"] !== "") {
      clientKey = yield* readText(fs, user["client-key"], "client-key", contextName)
    }
    if ((clientCert === undefined) !== (clientKey === undefined)) {
      return yield* Effect.fail(
        configError(
          "InvalidConfig",
          `user "${context.user}" has a client ${clientCert === undefined ? "key" : "certificate"} without the matching ${clientCert === undefined ? "certificate" : "key"}`,
          w
        )
      )
    }

    const clusterInfo: ClusterInfo = {
      name: context.cluster,
      server,
      certificateAuthority,
      insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
      tlsServerName: cluster["tls-server-name"],
      proxyUrl: cluster["proxy-url"] !== undefined ? Redacted.make(cluster["proxy-url"]) : undefined,
      disableCompression: cluster["disable-compression"] === true
    }

    const staticCreds: Credentials = {
      ...(clientCert !== undefined && clientKey !== undefined
        ? { clientCertificate: { cert: Redacted.make(clientCert), key: Redacted.make(clientKey) } }
        : {}),
      ...(user.username !== undefined && user.password !== undefined
        ? { basic: { username: user.username, password: Redacted.make(user.password) } }
        : {})
    }
    const providerToken = (() => {
      const provider = user["auth-provider"]
      if (provider === undefined) return undefined
      const cfg = provider.config ?? {}
      return provider.name === "oidc"
        ? (cfg["id-token"] ?? cfg["access-token"])
        : (cfg["access-token"] ?? cfg["id-token"])
    })()

    let credentials: Effect.Effect<Credentials, KubeConfigError>
    let invalidate: Effect.Effect<void> = Effect.void
    let refreshable = false
    if (user.exec !== undefined) {
      const plugin = yield* execCredentials(
        executor,
        user.exec,
        {
          context: contextName,
          interactive: options.interactive,
          timeout: options.execTimeout,
          cluster: {
            server,
            ...(cluster["tls-server-name"] !== undefined
              ? { "tls-server-name": cluster["tls-server-name"] }
              : {}),
            ...(cluster["insecure-skip-tls-verify"] !== undefined
              ? { "insecure-skip-tls-verify": cluster["insecure-skip-tls-verify"] }
              : {}),
            ...(certificateAuthority !== undefined
              ? { "certificate-authority-data": Encoding.encodeBase64(certificateAuthority) }
              : {}),
            ...(cluster["proxy-url"] !== undefined ? { "proxy-url": cluster["proxy-url"] } : {}),
            ...(cluster["disable-compression"] !== undefined
              ? { "disable-compression": cluster["disable-compression"] }
              : {}),
            config: cluster.extensions?.find(
              (e): e is { name: string; extension: unknown } =>
                typeof e === "object" &&
                e !== null &&
                "name" in e &&
                e.name === "client.authentication.k8s.io/exec"
            )?.extension
          }
        },
        scope
      )
      const fallbackToken = user.token
      credentials = plugin.get.pipe(
        Effect.map(
          (cred): Credentials => ({
            ...staticCreds,
            ...(cred.clientCertificate !== undefined ? { clientCertificate: cred.clientCertificate } : {}),
            token:
              cred.token ??
              (fallbackToken !== undefined && fallbackToken !== "" ? Redacted.make(fallbackToken) : undefined)
          })
        )
      )
      invalidate = plugin.reset
      refreshable = true
    } else if (user.token !== undefined && user.token !== "") {
      const token = Redacted.make(user.token)
      credentials = Effect.succeed({ ...staticCreds, token })
    } else if (user.tokenFile !== undefined && user.tokenFile !== "") {
      const reader = yield* tokenFileReader(fs, user.tokenFile, contextName)
      credentials = reader.read.pipe(
        Effect.map((t): Credentials => ({ ...staticCreds, token: Redacted.make(t) }))
      )
      invalidate = reader.reset
      refreshable = true
    } else if (providerToken !== undefined && providerToken !== "") {
      credentials = Effect.succeed({ ...staticCreds, token: Redacted.make(providerToken) })
    } else {
      credentials = Effect.succeed(staticCreds)
    }

    return {
      source,
      context: contextName,
      userName: context.user,
      cluster: clusterInfo,
      namespace:
        options.namespace ??
        (context.namespace !== undefined && context.namespace !== "" ? context.namespace : "default"),
      impersonate: impersonationOf(user),
      credentials,
      invalidateCredentials: invalidate,
      refreshable,
      fieldManager: options.fieldManager,
      dryRun: options.dryRun
    }
  })

/**
 * A configuration from a kubeconfig object (as parsed from YAML or JSON).
 *
 * @example
 * ```ts
 * import { KubeConfig } from "effect-kube"
 *
 * const layer = KubeConfig.fromObject({
 *   clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443" } }],
 *   users: [{ name: "u", user: { token: "t" } }],
 *   contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
 *   "current-context": "x"
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const fromObject = (
  input: unknown,
  options: Options = {}
): Layer.Layer<KubeConfig, ConfigError, Requirements> =>
  Layer.scoped(
    KubeConfig,
    decodeFile(input).pipe(Effect.flatMap((file) => make(file, { ...options, source: "object" })))
  )

/**
 * A configuration from the text of a kubeconfig.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "effect-kube"
 *
 * declare const text: string
 * const layer = KubeConfig.fromYaml(text, { context: "staging" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const fromYaml = (
  text: string,
  options: Options = {}
): Layer.Layer<KubeConfig, ConfigError, Requirements> =>
  Layer.scoped(
    KubeConfig,
    parseYaml(text).pipe(Effect.flatMap((file) => make(file, { ...options, source: "yaml" })))
  )

/**
 * A configuration from a kubeconfig file; relative paths in it resolve against its folder.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "effect-kube"
 *
 * const layer = KubeConfig.fromFile("/home/me/.kube/config", { namespace: "apps" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const fromFile = (
  file: string,
  options: Options = {}
): Layer.Layer<KubeConfig, ConfigError, Requirements> => Layer.scoped(KubeConfig, loadFile(file, options))

const loadFile = (file: string, options: Options) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const parsed = yield* readFile(file)
    return yield* make(parsed, { ...options, source: path.resolve(file) })
  })

const homeDir = Config.string("HOME").pipe(
  Config.orElse(() => Config.string("USERPROFILE")),
  Config.option
)

const kubeconfigPaths = Effect.gen(function* () {
  const path = yield* Path.Path
  const env = yield* Config.option(Config.string("KUBECONFIG"))
  if (Option.isSome(env) && env.value.trim() !== "") {
    const delimiter = path.sep === "\\" ? ";" : ":"
    return {
      fromEnv: true,
      paths: env.value
        .split(delimiter)
        .map((p) => p.trim())
        .filter((p) => p !== "")
    }
  }
  const home = yield* homeDir
  return {
    fromEnv: false,
    paths: Option.isSome(home) ? [path.join(home.value, ".kube", "config")] : []
  }
}).pipe(Effect.orDie)

/**
 * Loads the kubeconfig the way kubectl does: the files of `KUBECONFIG` (several paths merged, first
 * file wins per key, missing files skipped), else `~/.kube/config`. Environment variables are read
 * through Effect's `ConfigProvider`, so tests can set them without touching `process.env`.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "effect-kube"
 *
 * const layer = KubeConfig.fromKubeconfig({ context: "kind-dev" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const fromKubeconfig = (options: Options = {}): Layer.Layer<KubeConfig, ConfigError, Requirements> =>
  Layer.scoped(KubeConfig, loadKubeconfig(options))

const loadKubeconfig = (options: Options) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const { fromEnv, paths } = yield* kubeconfigPaths
    const files: Array<KubeConfigFile.KubeConfigFile> = []
    const used: Array<string> = []
    for (const p of paths) {
      const exists = yield* fs.exists(p).pipe(Effect.orElseSucceed(() => false))
      if (!exists) continue
      files.push(yield* readFile(p))
      used.push(p)
    }
    if (files.length === 0) {
      return yield* Effect.fail(
        configError(
          "NoConfiguration",
          fromEnv
            ? `none of the files of KUBECONFIG exist: ${paths.join(", ")}`
            : `no kubeconfig found (KUBECONFIG is not set and ${paths[0] ?? "~/.kube/config"} does not exist)`
        )
      )
    }
    const merged = files.length === 1 && files[0] !== undefined ? files[0] : KubeConfigFile.merge(files)
    return yield* make(merged, {
      ...options,
      source: used.length === 1 && used[0] !== undefined ? used[0] : used.join(":")
    })
  })

/**
 * Options of the in-cluster configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface InClusterOptions {
  readonly namespace?: string | undefined
  readonly fieldManager?: string | undefined
  readonly dryRun?: boolean | undefined
  /** Where the service account is mounted. Default: `/var/run/secrets/kubernetes.io/serviceaccount`. */
  readonly serviceAccountDir?: string | undefined
}

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"

const loadInCluster = (options: InClusterOptions) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const host = yield* Config.option(Config.string("KUBERNETES_SERVICE_HOST")).pipe(Effect.orDie)
    const port = yield* Config.option(Config.string("KUBERNETES_SERVICE_PORT")).pipe(Effect.orDie)
    if (Option.isNone(host) || Option.isNone(port) || host.value === "" || port.value === "") {
      return yield* Effect.fail(
        configError(
          "InCluster",
          "not running in a cluster: KUBERNETES_SERVICE_HOST or KUBERNETES_SERVICE_PORT is not set"
        )
      )
    }
    const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR
    const tokenFile = path.join(dir, "token")
    const caFile = path.join(dir, "ca.crt")
    const hasToken = yield* fs.exists(tokenFile).pipe(Effect.orElseSucceed(() => false))
    if (!hasToken) {
      return yield* Effect.fail(
        configError("InCluster", `no service-account token at ${tokenFile}`, { file: tokenFile })
      )
    }
    const namespace =
      options.namespace ??
      (yield* fs.readFileString(path.join(dir, "namespace")).pipe(
        Effect.map((s) => s.trim()),
        Effect.orElseSucceed(() => "")
      ))
    const hostPart = host.value.includes(":") ? `[${host.value}]` : host.value
    const file: KubeConfigFile.KubeConfigFile = {
      clusters: [
        {
          name: "in-cluster",
          cluster: { server: `https://${hostPart}:${port.value}`, "certificate-authority": caFile }
        }
      ],
      users: [{ name: "in-cluster", user: { tokenFile } }],
      contexts: [
        {
          name: "in-cluster",
          context: { cluster: "in-cluster", user: "in-cluster", ...(namespace !== "" ? { namespace } : {}) }
        }
      ],
      "current-context": "in-cluster"
    }
    return yield* make(file, { ...options, source: "in-cluster" })
  })

/**
 * The in-cluster configuration of a pod: `KUBERNETES_SERVICE_HOST`/`PORT`, the service account's
 * token (re-read when the file changes, as projected tokens rotate), `ca.crt` and `namespace`.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "effect-kube"
 *
 * const layer = KubeConfig.inCluster()
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const inCluster = (
  options: InClusterOptions = {}
): Layer.Layer<KubeConfig, ConfigError, Requirements> => Layer.scoped(KubeConfig, loadInCluster(options))

/**
 * Auto-detection in lightkube's order: in-cluster when `KUBERNETES_SERVICE_HOST` is set and a
 * service-account token is mounted (and no `context` was asked for), else `KUBECONFIG`, else
 * `~/.kube/config`. Fails with `NoConfiguration` when none applies.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "effect-kube"
 *
 * const layer = KubeConfig.auto({ namespace: "apps" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const auto = (
  options: Options & InClusterOptions = {}
): Layer.Layer<KubeConfig, ConfigError, Requirements> =>
  Layer.scoped(
    KubeConfig,
    Effect.gen(function* () {
      const host = yield* Config.option(Config.string("KUBERNETES_SERVICE_HOST")).pipe(Effect.orDie)
      if (Option.isSome(host) && host.value !== "" && options.context === undefined) {
        // As lightkube: a pod without a mounted token falls back to the kubeconfig files.
        return yield* loadInCluster(options).pipe(
          Effect.catchIf(
            (error) => error.reason === "InCluster",
            () => loadKubeconfig(options)
          )
        )
      }
      return yield* loadKubeconfig(options)
    })
  )

/**
 * The resolved configuration as a plain value, for a test or a custom source.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { KubeConfig } from "effect-kube"
 *
 * const layer = KubeConfig.layer({
 *   source: "test",
 *   cluster: { server: "http://127.0.0.1:8080", insecureSkipTlsVerify: false, disableCompression: false },
 *   namespace: "default",
 *   credentials: Effect.succeed({}),
 *   invalidateCredentials: Effect.void,
 *   refreshable: false
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (config: ResolvedConfig): Layer.Layer<KubeConfig> => Layer.succeed(KubeConfig, config)

/**
 * Client-wide defaults of operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface Defaults {
  readonly namespace?: string | undefined
  readonly fieldManager?: string | undefined
  readonly dryRun?: boolean | undefined
}

/**
 * Client-wide defaults laid over a configuration: namespace, field manager, dry run.
 *
 * @example
 * ```ts
 * import { KubeConfig } from "effect-kube"
 *
 * const layer = KubeConfig.auto().pipe(KubeConfig.withDefaults({ namespace: "apps", fieldManager: "my-operator" }))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const withDefaults: {
  (defaults: Defaults): <E, R>(self: Layer.Layer<KubeConfig, E, R>) => Layer.Layer<KubeConfig, E, R>
  <E, R>(self: Layer.Layer<KubeConfig, E, R>, defaults: Defaults): Layer.Layer<KubeConfig, E, R>
} = dual(
  2,
  <E, R>(self: Layer.Layer<KubeConfig, E, R>, defaults: Defaults): Layer.Layer<KubeConfig, E, R> =>
    Layer.map(self, (context) => {
      const config = Context.get(context, KubeConfig)
      return Context.make(KubeConfig, {
        ...config,
        ...(defaults.namespace !== undefined ? { namespace: defaults.namespace } : {}),
        ...(defaults.fieldManager !== undefined ? { fieldManager: defaults.fieldManager } : {}),
        ...(defaults.dryRun !== undefined ? { dryRun: defaults.dryRun } : {})
      })
    })
)
