/**
 * The primitive types of the Kubernetes API that the OpenAPI document leaves open, as the JSON the
 * server sends: times stay RFC 3339 strings, `IntOrString` stays a number or a string, raw objects
 * stay objects, so that a decoded object encodes back to the same JSON.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * Any JSON value.
 *
 * @since 0.1.0
 * @category models
 */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | ReadonlyArray<JsonValue>
  | { readonly [key: string]: JsonValue }

/**
 * Any JSON value, unchecked beyond being decoded JSON.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Primitives } from "effect-kube"
 *
 * Schema.decodeUnknownSync(Primitives.Json)({ any: ["json", 1] })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const Json: Schema.Schema<unknown> = Schema.Unknown

/**
 * A JSON object with any keys (`RawExtension`, `FieldsV1`, objects the spec leaves open).
 *
 * @since 0.1.0
 * @category models
 */
export type JsonObject = { readonly [key: string]: unknown }

/**
 * Schema of {@link JsonObject}.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Primitives } from "effect-kube"
 *
 * Schema.decodeUnknownSync(Primitives.JsonObject)({ f: { "f:name": {} } })
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const JsonObject: Schema.Schema<JsonObject> = Schema.Record({
  key: Schema.String,
  value: Schema.Unknown
})

/**
 * `IntOrString`: a port number or name, a count or a percentage.
 *
 * @since 0.1.0
 * @category models
 */
export type IntOrString = number | string

/**
 * Schema of {@link IntOrString}; keeps the JSON form.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Primitives } from "effect-kube"
 *
 * Schema.decodeUnknownSync(Primitives.IntOrString)("25%") // "25%"
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const IntOrString: Schema.Schema<IntOrString> = Schema.Union(Schema.Number, Schema.String)

/**
 * `Time` / `MicroTime`: an RFC 3339 timestamp as sent by the server (kept as the string, so that it
 * round-trips to the same JSON; {@link toDate} reads it). The server writes an unset time that is
 * not omitted (`creationTimestamp` of a pod template) as `null`, so `null` is part of the type.
 *
 * @since 0.1.0
 * @category models
 */
export type Time = string | null

/**
 * Schema of {@link Time}.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Primitives } from "effect-kube"
 *
 * Schema.decodeUnknownSync(Primitives.Time)("2026-01-02T03:04:05Z")
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const Time: Schema.Schema<Time> = Schema.NullOr(Schema.String)

/**
 * Reads a {@link Time} as a `Date` (`undefined` when it is not a date).
 *
 * @example
 * ```ts
 * import { Primitives } from "effect-kube"
 *
 * Primitives.toDate("2026-01-02T03:04:05Z")?.getUTCFullYear() // 2026
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const toDate = (time: Time): Date | undefined => {
  if (time === null) return undefined
  const ms = Date.parse(time)
  return Number.isNaN(ms) ? undefined : new Date(ms)
}

/**
 * The annotation of a list-map list's Schema (`x-kubernetes-list-type: map`): the keys of its
 * items, by which server-side apply merges the list item by item. A part of an object sent to
 * apply (`Resource.applySchema`) keeps these keys required where the item requires them.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Primitives } from "effect-kube"
 *
 * const Ports = Schema.Array(Schema.Struct({ name: Schema.String, port: Schema.Number })).annotations({
 *   [Primitives.ListMapKeys]: ["name"]
 * })
 * ```
 *
 * @since 0.1.0
 * @category annotations
 */
export const ListMapKeys: unique symbol = Symbol.for("effect-kube/ListMapKeys")

/**
 * A value with every field optional, at every depth (arrays of deep-partial items): a part of an
 * object, as server-side apply takes it.
 *
 * @example
 * ```ts
 * import type { Primitives } from "effect-kube"
 * import type { DeploymentSpec } from "effect-kube/models/apps/v1"
 *
 * const replicasOnly: Primitives.DeepPartial<DeploymentSpec> = { replicas: 3 }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type DeepPartial<T> =
  T extends ReadonlyArray<infer E>
    ? ReadonlyArray<DeepPartial<E>>
    : T extends object
      ? { readonly [K in keyof T]?: DeepPartial<T[K]> | undefined }
      : T

/**
 * An item of a list-map list (`x-kubernetes-list-type: map`) as server-side apply takes it: its
 * keys `K` are required, as the apiserver merges such lists item by item by their keys.
 *
 * @example
 * ```ts
 * import type { Primitives } from "effect-kube"
 * import type { ContainerApply } from "effect-kube/models/core/v1"
 *
 * const sidecar: Primitives.Keyed<ContainerApply, "name"> = { name: "proxy", image: "envoy" }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export type Keyed<T, K extends keyof T> = T & { readonly [P in K]-?: Exclude<T[P], undefined> }
