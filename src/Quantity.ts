/**
 * `Quantity` (`resource.Quantity`): an amount such as `"100m"`, `"1.5Gi"` or `"1e3"`. Kept as
 * written (a string, or a number where a manifest wrote one) so that it round-trips to the same
 * JSON; {@link parse} reads its value.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * A quantity as written in JSON.
 *
 * @since 0.1.0
 * @category models
 */
export type Quantity = string | number

/**
 * Schema of {@link Quantity}.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * Schema.decodeUnknownSync(Quantity.Quantity)("500Mi")
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const Quantity: Schema.Schema<Quantity> = Schema.Union(Schema.String, Schema.Number)

const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60
}

/**
 * The value of a quantity as a number of base units (cores, bytes, ...), or `undefined` when it
 * is not a valid quantity.
 *
 * @example
 * ```ts
 * import { Quantity } from "effect-kube"
 *
 * Quantity.parse("250m") // 0.25
 * Quantity.parse("1Gi") // 1073741824
 * Quantity.parse("1e3") // 1000
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const parse = (quantity: Quantity): number | undefined => {
  if (typeof quantity === "number") return Number.isFinite(quantity) ? quantity : undefined
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(
    quantity.trim()
  )
  if (match === null) return undefined
  const base = Number(match[1])
  if (match[2] !== undefined) return base * 10 ** Number(match[2].slice(1))
  const factor = SUFFIXES[match[3] ?? ""]
  return factor === undefined ? undefined : base * factor
}
