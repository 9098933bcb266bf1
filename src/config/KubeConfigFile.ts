/**
 * The kubeconfig file format (`apiVersion: v1`, `kind: Config`) as an Effect Schema, with kubectl's
 * merge rules. Field names are the file's own (kebab-case). Unknown fields and `extensions` are kept,
 * so a file read and written back loses nothing.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const opt = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { nullable: true })

const Extensions = Schema.Array(Schema.Unknown)

/** Unknown keys of an object are kept through decode and encode. */
const Rest = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/**
 * `clusters[].cluster`.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { KubeConfigFile } from "effect-kube"
 *
 * const cluster = Schema.decodeUnknownSync(KubeConfigFile.Cluster)({ server: "https://h:6443", "tls-server-name": "api" })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const Cluster = Schema.Struct(
  {
    server: opt(Schema.String),
    "tls-server-name": opt(Schema.String),
    "insecure-skip-tls-verify": opt(Schema.Boolean),
    "certificate-authority": opt(Schema.String),
    "certificate-authority-data": opt(Schema.String),
    "proxy-url": opt(Schema.String),
    "disable-compression": opt(Schema.Boolean),
    extensions: opt(Extensions)
  },
  Rest
)

/** @since 0.1.0 @category models */
export type Cluster = typeof Cluster.Type

/**
 * `users[].user.exec`: an exec credential plugin.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { KubeConfigFile } from "effect-kube"
 *
 * const exec = Schema.decodeUnknownSync(KubeConfigFile.ExecConfig)({
 *   command: "aws", args: ["eks", "get-token"], apiVersion: "client.authentication.k8s.io/v1beta1"
 * })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const ExecConfig = Schema.Struct(
  {
    command: Schema.String,
    args: opt(Schema.Array(Schema.String)),
    env: opt(Schema.Array(Schema.Struct({ name: Schema.String, value: Schema.String }))),
    apiVersion: opt(Schema.String),
    installHint: opt(Schema.String),
    provideClusterInfo: opt(Schema.Boolean),
    interactiveMode: opt(Schema.Literal("Never", "IfAvailable", "Always"))
  },
  Rest
)

/** @since 0.1.0 @category models */
export type ExecConfig = typeof ExecConfig.Type

/**
 * `users[].user.auth-provider`.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { KubeConfigFile } from "effect-kube"
 *
 * const provider = Schema.decodeUnknownSync(KubeConfigFile.AuthProvider)({ name: "oidc", config: { "id-token": "t" } })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const AuthProvider = Schema.Struct({
  name: Schema.String,
  config: opt(Schema.Record({ key: Schema.String, value: Schema.String }))
})

/**
 * `users[].user`: how to authenticate.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { KubeConfigFile } from "effect-kube"
 *
 * const user = Schema.decodeUnknownSync(KubeConfigFile.AuthInfo)({ token: "t", as: "jane", "as-groups": ["dev"] })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const AuthInfo = Schema.Struct(
  {
    "client-certificate": opt(Schema.String),
    "client-certificate-data": opt(Schema.String),
    "client-key": opt(Schema.String),
    "client-key-data": opt(Schema.String),
    token: opt(Schema.String),
    tokenFile: opt(Schema.String),
    as: opt(Schema.String),
    "as-uid": opt(Schema.String),
    "as-groups": opt(Schema.Array(Schema.String)),
    "as-user-extra": opt(Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) })),
    username: opt(Schema.String),
    password: opt(Schema.String),
    "auth-provider": opt(AuthProvider),
    exec: opt(ExecConfig),
    extensions: opt(Extensions)
  },
  Rest
)

/** @since 0.1.0 @category models */
export type AuthInfo = typeof AuthInfo.Type

/**
 * `contexts[].context`.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { KubeConfigFile } from "effect-kube"
 *
 * const context = Schema.decodeUnknownSync(KubeConfigFile.Context)({ cluster: "c", user: "u", namespace: "apps" })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const Context = Schema.Struct(
  {
    cluster: Schema.String,
    user: opt(Schema.String),
    namespace: opt(Schema.String),
    extensions: opt(Extensions)
  },
  Rest
)

/** @since 0.1.0 @category models */
export type Context = typeof Context.Type

/**
 * A whole kubeconfig file.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { KubeConfigFile } from "effect-kube"
 *
 * const file = Schema.decodeUnknownSync(KubeConfigFile.KubeConfigFile)({
 *   clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443" } }]
 * })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const KubeConfigFile = Schema.Struct(
  {
    apiVersion: opt(Schema.String),
    kind: opt(Schema.String),
    preferences: opt(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
    clusters: opt(Schema.Array(Schema.Struct({ name: Schema.String, cluster: Cluster }))),
    users: opt(Schema.Array(Schema.Struct({ name: Schema.String, user: AuthInfo }))),
    contexts: opt(Schema.Array(Schema.Struct({ name: Schema.String, context: Context }))),
    "current-context": opt(Schema.String),
    extensions: opt(Extensions)
  },
  Rest
)

/** @since 0.1.0 @category models */
export type KubeConfigFile = typeof KubeConfigFile.Type

const mergeNamed = <A extends { readonly name: string }>(
  lists: ReadonlyArray<ReadonlyArray<A> | undefined>
): Array<A> => {
  const seen = new Set<string>()
  const out: Array<A> = []
  for (const list of lists) {
    for (const item of list ?? []) {
      if (seen.has(item.name)) continue
      seen.add(item.name)
      out.push(item)
    }
  }
  return out
}

/**
 * Merges several kubeconfig files the way kubectl merges the paths of `KUBECONFIG`: for each named
 * cluster, user and context the first file that defines it wins; `current-context` comes from the
 * first file that sets it; preferences from the first file that has them.
 *
 * @example
 * ```ts
 * import { KubeConfigFile } from "effect-kube"
 *
 * const merged = KubeConfigFile.merge([
 *   { "current-context": "a" },
 *   { "current-context": "b", contexts: [{ name: "b", context: { cluster: "b" } }] }
 * ])
 * // merged["current-context"] === "a"
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const merge = (files: ReadonlyArray<KubeConfigFile>): KubeConfigFile => {
  const first = <K extends keyof KubeConfigFile>(key: K): KubeConfigFile[K] | undefined => {
    for (const file of files) {
      const value = file[key]
      if (value !== undefined && value !== "") return value
    }
    return undefined
  }
  const currentContext = first("current-context")
  const preferences = first("preferences")
  return {
    apiVersion: "v1",
    kind: "Config",
    ...(preferences !== undefined ? { preferences } : {}),
    clusters: mergeNamed(files.map((f) => f.clusters)),
    users: mergeNamed(files.map((f) => f.users)),
    contexts: mergeNamed(files.map((f) => f.contexts)),
    ...(currentContext !== undefined ? { "current-context": currentContext } : {})
  }
}

const isAbsolute = (p: string) => p.startsWith("/") || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith("\\\\")

const normalize = (p: string): string => {
  if (!p.startsWith("/")) return p
  const out: Array<string> = []
  for (const segment of p.split("/")) {
    if (segment === "" || segment === ".") continue
    if (segment === "..") out.pop()
    else out.push(segment)
  }
  return `/${out.join("/")}`
}

const resolveAgainst = (dir: string, p: string | undefined): string | undefined =>
  p === undefined || p === "" || isAbsolute(p) ? p : normalize(`${dir.replace(/[\\/]+$/, "")}/${p}`)

const withPath = <A extends object, K extends keyof A & string>(obj: A, key: K, dir: string): A => {
  const value = obj[key]
  if (typeof value !== "string") return obj
  return { ...obj, [key]: resolveAgainst(dir, value) }
}

/**
 * Makes the relative paths of a file absolute against the folder `dir` that holds it, as kubectl
 * does: `certificate-authority`, `client-certificate`, `client-key`, `tokenFile`, and an exec
 * `command` that names a path (contains a slash).
 *
 * @example
 * ```ts
 * import { KubeConfigFile } from "effect-kube"
 *
 * const file = KubeConfigFile.resolvePaths({ users: [{ name: "u", user: { tokenFile: "token" } }] }, "/home/me/.kube")
 * // file.users[0].user.tokenFile === "/home/me/.kube/token"
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const resolvePaths = (file: KubeConfigFile, dir: string): KubeConfigFile => ({
  ...file,
  ...(file.clusters !== undefined
    ? {
        clusters: file.clusters.map((c) => ({
          ...c,
          cluster: withPath(c.cluster, "certificate-authority", dir)
        }))
      }
    : {}),
  ...(file.users !== undefined
    ? {
        users: file.users.map((u) => {
          let user = withPath(u.user, "client-certificate", dir)
          user = withPath(user, "client-key", dir)
          user = withPath(user, "tokenFile", dir)
          const exec = user.exec
          if (exec !== undefined && /[\\/]/.test(exec.command)) {
            user = { ...user, exec: withPath(exec, "command", dir) }
          }
          return { ...u, user }
        })
      }
    : {})
})
