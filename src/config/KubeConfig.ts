/**
 * The `KubeConfig` service: the resolved cluster, credentials and namespace every operation uses,
 * with a layer for each source (a kubeconfig file, YAML, an object, `KUBECONFIG`, in-cluster) and
 * auto-detection in lightkube's order.
 *
 * @since 0.1.0
 */
import { CommandExecutor, FileSystem, Path } from "@effect/platform"
import { Context, type Duration, Effect, Layer, Redacted, type Scope } from "effect"
import type { ConfigError, KubeConfigError } from "./ConfigError.js"
import * as Certificates from "./internal/certificates.js"
import * as Contexts from "./internal/contexts.js"
import * as CredentialSource from "./internal/credentials.js"
import * as InCluster from "./internal/inCluster.js"
import * as KubeconfigFiles from "./internal/kubeconfigFiles.js"
import * as Parse from "./internal/parse.js"
import type * as KubeConfigFile from "./KubeConfigFile.js"

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
export type Credentials = CredentialSource.Credentials

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
}

/**
 * What building a configuration needs from the platform.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirements = FileSystem.FileSystem | Path.Path | CommandExecutor.CommandExecutor

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
): Effect.Effect<KubeConfigFile.KubeConfigFile, ConfigError> => Parse.parseYaml(text, file)

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
  Parse.readFile(file)

/** The user's impersonation settings, if it has any. */
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
    const selection = yield* Contexts.select(file, options.context, source)
    const certificates = yield* Certificates.load(fs, selection)
    const { cluster, context, user } = selection
    const clusterInfo: ClusterInfo = {
      name: context.cluster,
      server: selection.server,
      certificateAuthority: certificates.certificateAuthority,
      insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
      tlsServerName: cluster["tls-server-name"],
      proxyUrl: cluster["proxy-url"] !== undefined ? Redacted.make(cluster["proxy-url"]) : undefined,
      disableCompression: cluster["disable-compression"] === true
    }
    const credentials = yield* CredentialSource.make(
      { fs, executor, scope },
      selection,
      certificates,
      options
    )
    return {
      source,
      context: selection.contextName,
      userName: context.user,
      cluster: clusterInfo,
      namespace:
        options.namespace ??
        (context.namespace !== undefined && context.namespace !== "" ? context.namespace : "default"),
      impersonate: impersonationOf(user),
      credentials: credentials.credentials,
      invalidateCredentials: credentials.invalidate,
      refreshable: credentials.refreshable
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
    Parse.decodeFile(input).pipe(Effect.flatMap((file) => make(file, { ...options, source: "object" })))
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
  Effect.flatMap(KubeconfigFiles.load, ({ file, source }) => make(file, { ...options, source }))

/**
 * Options of the in-cluster configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface InClusterOptions {
  readonly namespace?: string | undefined
  /** Where the service account is mounted. Default: `/var/run/secrets/kubernetes.io/serviceaccount`. */
  readonly serviceAccountDir?: string | undefined
}

const loadInCluster = (options: InClusterOptions) =>
  Effect.flatMap(InCluster.file(options), (file) => make(file, { ...options, source: "in-cluster" }))

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
      if ((yield* InCluster.inPod) && options.context === undefined) {
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
