/**
 * Manifests: `loadAll` reads multi-document YAML (or JSON) into decoded objects through a registry
 * (generic objects for kinds it does not know), `dumpAll` writes objects back as YAML that kubectl
 * accepts, and `sortObjects` orders objects for apply (and, reversed, for delete), as lightkube's
 * `codecs` module.
 *
 * @since 0.1.0
 */
import { Data, Effect, Either, type ParseResult, Schema } from "effect"
import { stringify } from "yaml"
import { isRecord } from "../internal/json.js"
import * as ParseIssues from "../internal/parseIssues.js"
import * as Yaml from "../internal/yaml.js"
import * as Resource from "../resource/Resource.js"
import * as Builtin from "./Builtin.js"
import * as Order from "./internal/order.js"
import * as Registry from "./Registry.js"

/**
 * A manifest could not be read: the index of the document (from 0), what is wrong, and for a
 * decoding failure the path of the bad field and the type expected there. A YAML problem (syntax,
 * an undefined anchor, an alias cycle, an alias bomb) gives its line and column. Neither the
 * message nor the error holds the document's text or values (a manifest may be a Secret).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Codec } from "effect-kube"
 *
 * const objects = Codec.loadAll("kind: Pod\n").pipe(
 *   Effect.catchTag("ManifestError", (e) => Effect.die(`document ${e.document}: ${e.message}`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class ManifestError extends Data.TaggedError("ManifestError")<{
  readonly reason: "Yaml" | "NotAnObject" | "MissingKind" | "UnknownKind" | "Decode"
  readonly document: number
  readonly detail: string
  /** Path of the bad field, e.g. `spec.containers[0].name`, for `Decode`. */
  readonly path?: string | undefined
  readonly cause?: unknown
}> {
  override get message(): string {
    return `document ${this.document}: ${this.reason}: ${this.detail}${this.path !== undefined ? ` (at ${this.path})` : ""}`
  }
}

/**
 * Options of {@link loadAll}.
 *
 * @since 0.1.0
 * @category models
 */
export interface LoadOptions {
  /** Default: the built-in kinds. */
  readonly registry?: Registry.Registry | undefined
  /** What to do with a kind the registry does not know: keep it as a generic object (default) or fail. */
  readonly unknownKinds?: "generic" | "fail" | undefined
  /**
   * Drop `null` values before decoding (kubectl writes `creationTimestamp: null`; for a manifest,
   * null and absent mean the same). Default: true.
   */
  readonly dropNulls?: boolean | undefined
}

const dropNulls = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(dropNulls)
  if (!isRecord(value)) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = dropNulls(v)
  return out
}

/** The first bad field of a decoding failure: its path, and what was expected there. */
const firstIssue = (issue: ParseResult.ParseIssue): { path: string | undefined; problem: string } => {
  const [first] = ParseIssues.summarize(issue, 1)
  return {
    path: first === undefined || first.path === "" ? undefined : first.path,
    problem: first?.problem ?? "invalid"
  }
}

/**
 * Reads every document of a YAML (or JSON) text: empty documents are skipped, `List` kinds are
 * flattened into their items, each object is decoded by its kind's model (full validation, unknown
 * fields kept), and kinds the registry does not know stay generic objects (or fail, by option).
 * `<<` merge keys merge, as with kubectl; alias problems are `ManifestError`s, and aliases may
 * not blow a document up far beyond its text.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Codec } from "effect-kube"
 *
 * const objects = Codec.loadAll(`
 * apiVersion: v1
 * kind: ConfigMap
 * metadata: { name: settings }
 * data: { mode: fast }
 * ---
 * apiVersion: example.com/v1
 * kind: Widget
 * metadata: { name: w }
 * `)
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const loadAll = (
  text: string,
  options: LoadOptions = {}
): Effect.Effect<ReadonlyArray<Resource.KubeObject>, ManifestError> =>
  Effect.gen(function* () {
    const registry = options.registry ?? (yield* Builtin.registry)
    const docs = yield* Either.match(Yaml.parseAll(text), {
      onLeft: (problem) =>
        Effect.fail(new ManifestError({ reason: "Yaml", document: 0, detail: problem.message })),
      onRight: Effect.succeed
    })
    const out: Array<Resource.KubeObject> = []
    for (const [index, doc] of docs.entries()) {
      if (Either.isLeft(doc)) {
        return yield* new ManifestError({ reason: "Yaml", document: index, detail: doc.left.message })
      }
      for (const warning of doc.right.warnings) {
        yield* Effect.logDebug(`manifest document ${index}: YAML warning: ${warning.message}`)
      }
      const raw = doc.right.value
      if (raw === null || raw === undefined) continue
      const value = options.dropNulls === false ? raw : dropNulls(raw)
      if (!isRecord(value)) {
        return yield* new ManifestError({
          reason: "NotAnObject",
          document: index,
          detail: "a document must be an object"
        })
      }
      const items =
        typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items)
          ? value.items
          : [value]
      for (const item of items) {
        out.push(yield* decodeOne(registry, item, index, options.unknownKinds ?? "generic"))
      }
    }
    return out
  })

const decodeOne = (
  registry: Registry.Registry,
  item: unknown,
  document: number,
  unknownKinds: "generic" | "fail"
): Effect.Effect<Resource.KubeObject, ManifestError> => {
  if (!isRecord(item)) {
    return Effect.fail(
      new ManifestError({ reason: "NotAnObject", document, detail: "an object must be a mapping" })
    )
  }
  const apiVersion = item.apiVersion
  const kind = item.kind
  if (typeof apiVersion !== "string" || typeof kind !== "string" || apiVersion === "" || kind === "") {
    return Effect.fail(
      new ManifestError({
        reason: "MissingKind",
        document,
        detail: "every object needs a string apiVersion and kind"
      })
    )
  }
  const found = Registry.get(registry, apiVersion, kind)
  const decode =
    found._tag === "Some"
      ? found.value.decode
      : unknownKinds === "fail"
        ? undefined
        : (u: unknown) =>
            Either.map(Schema.decodeUnknownEither(Resource.GenericObject)(u), (o): Resource.KubeObject => o)
  if (decode === undefined) {
    return Effect.fail(
      new ManifestError({ reason: "UnknownKind", document, detail: `unknown kind ${apiVersion} ${kind}` })
    )
  }
  return Either.match(decode(item), {
    onRight: Effect.succeed,
    onLeft: (error) => {
      const { path, problem } = firstIssue(error.issue)
      return Effect.fail(
        new ManifestError({ reason: "Decode", document, detail: `${apiVersion} ${kind}: ${problem}`, path })
      )
    }
  })
}

/**
 * Writes objects as multi-document YAML (encoded by their kinds' models when the registry knows
 * them, so typed fields go back to their JSON form).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Codec } from "effect-kube"
 *
 * const yaml = Codec.dumpAll([{ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } }])
 * ```
 *
 * @since 0.1.0
 * @category encoding
 */
export const dumpAll = (
  objects: ReadonlyArray<Resource.KubeObject>,
  options: { readonly registry?: Registry.Registry | undefined } = {}
): Effect.Effect<string, ManifestError> =>
  Effect.gen(function* () {
    const registry = options.registry ?? (yield* Builtin.registry)
    const docs: Array<string> = []
    for (const [index, object] of objects.entries()) {
      const found = Registry.get(registry, object.apiVersion, object.kind)
      const encoded =
        found._tag === "Some"
          ? yield* Either.match(found.value.encode(object), {
              onRight: Effect.succeed,
              onLeft: (error) => {
                const { path, problem } = firstIssue(error.issue)
                return Effect.fail(
                  new ManifestError({
                    reason: "Decode",
                    document: index,
                    detail: `cannot encode ${object.apiVersion} ${object.kind}: ${problem}`,
                    path
                  })
                )
              }
            })
          : object
      docs.push(stringify(encoded, { lineWidth: 0, aliasDuplicateObjects: false }))
    }
    return docs.join("---\n")
  })

/**
 * Orders objects for apply: namespaces, CRDs, service accounts, RBAC, configuration, then
 * workloads, custom resources, webhooks last; `reverse` gives the order for deletion. Stable:
 * objects of the same kind keep their order.
 *
 * @example
 * ```ts
 * import { Codec } from "effect-kube"
 *
 * const sorted = Codec.sortObjects([
 *   { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" } },
 *   { apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } }
 * ])
 * // Namespace first
 * ```
 *
 * @since 0.1.0
 * @category ordering
 */
export const sortObjects = <A extends { readonly kind: string }>(
  objects: ReadonlyArray<A>,
  options: { readonly reverse?: boolean | undefined } = {}
): Array<A> => Order.sortObjects(objects, options)
