/**
 * `Quantity` (`resource.Quantity`): an amount such as `"100m"`, `"1.5Gi"` or `"1e3"`.
 *
 * In the models a quantity is kept as written (a string, or a number where a manifest wrote one),
 * so that it round-trips to the same JSON. {@link parse} reads it into an {@link Amount}: an exact
 * value, as apimachinery's `resource.Quantity` keeps it — an integer number of nano-units (never a
 * float), with the format its suffix implies. Amounts add, subtract and compare exactly, and
 * {@link format} writes them back in the apiserver's canonical form (`"1.5"` → `"1500m"`,
 * `"1.5Gi"` → `"1536Mi"`). Only {@link toNumber} is lossy, and says so.
 *
 * @since 0.1.0
 */
import {
  BigDecimal,
  Data,
  Either,
  Equivalence as Eq,
  Equal,
  Hash,
  Inspectable,
  Order as Ord,
  ParseResult,
  Pipeable,
  Predicate,
  Schema
} from "effect"
import { dual } from "effect/Function"

/**
 * A quantity as written in JSON.
 *
 * @since 0.1.0
 * @category models
 */
export type Quantity = string | number

/**
 * Schema of {@link Quantity}: the JSON form, kept as written. {@link AmountFromQuantity} decodes
 * to an exact {@link Amount}.
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

/**
 * How an amount is written, as apimachinery's `Format`: remembered from the suffix it was read
 * with, and used again by {@link format}.
 *
 * - `DecimalSI`: no suffix or one of `n u m k M G T P E` (`12M` is 12·10⁶);
 * - `BinarySI`: `Ki Mi Gi Ti Pi Ei` (`12Mi` is 12·2²⁰);
 * - `DecimalExponent`: `e` or `E` and an exponent (`12e6`).
 *
 * @since 0.1.0
 * @category models
 */
export type Format = "DecimalSI" | "BinarySI" | "DecimalExponent"

const TypeId: unique symbol = Symbol.for("effect-kube/Quantity/Amount")

/**
 * The unique identifier of an {@link Amount}.
 *
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * An exact quantity: `nanos`, the value in billionths of the base unit (cores, bytes, ...), and the
 * `format` it is written in. Amounts are equal (`Equal.equals`, {@link equals}) when their values
 * are, whatever their formats (`1Ki` equals `1024`). `String(amount)` and `JSON.stringify` give the
 * canonical form.
 *
 * @since 0.1.0
 * @category models
 */
export interface Amount extends Equal.Equal, Pipeable.Pipeable, Inspectable.Inspectable {
  readonly [TypeId]: TypeId
  /** The value in nano-units: `1` is `"1n"`, `1_000_000_000n` is `"1"`. */
  readonly nanos: bigint
  readonly format: Format
}

class AmountImpl extends Pipeable.Class() implements Amount {
  readonly [TypeId]: TypeId = TypeId
  constructor(
    readonly nanos: bigint,
    readonly format: Format
  ) {
    super()
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return isAmount(that) && that.nanos === this.nanos
  }
  [Hash.symbol](): number {
    return Hash.hash(this.nanos)
  }
  override toString(): string {
    return format(this)
  }
  toJSON(): string {
    return format(this)
  }
  [Inspectable.NodeInspectSymbol](): string {
    return `Quantity.Amount(${format(this)})`
  }
}

/**
 * Whether a value is an {@link Amount}.
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * Quantity.isAmount(Either.getOrThrow(Quantity.parse("1Gi"))) // true
 * Quantity.isAmount("1Gi") // false
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isAmount = (u: unknown): u is Amount => Predicate.hasProperty(u, TypeId)

/**
 * A quantity that could not be read: `reason` is `"Format"` (no number at the start),
 * `"Suffix"` (a number followed by something that is not a suffix or an exponent), or `"Range"`
 * (longer than 1000 characters, or an exponent beyond ±1000). `input` is the text, shortened to
 * 64 characters.
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * const result = Quantity.parse("12x")
 * if (Either.isLeft(result)) console.log(result.left.message) // Invalid quantity "12x": unknown suffix "x"
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class QuantityError extends Data.TaggedError("QuantityError")<{
  readonly input: string
  readonly reason: "Format" | "Suffix" | "Range"
  /** The part that is not a suffix, for `"Suffix"`. */
  readonly suffix?: string | undefined
}> {
  override get message(): string {
    const detail =
      this.reason === "Format"
        ? "expected a decimal number and an optional suffix"
        : this.reason === "Suffix"
          ? `unknown suffix ${JSON.stringify(this.suffix ?? "")}`
          : `beyond the supported range (at most ${MAX_LENGTH} characters, exponent within ±${MAX_EXPONENT})`
    return `Invalid quantity ${JSON.stringify(this.input)}: ${detail}`
  }
}

const MAX_LENGTH = 1000
const MAX_EXPONENT = 1000
const SHOWN = 64
const NANO = 1_000_000_000n
/** apimachinery caps a binary quantity at the largest int64 when it reads one. */
const MAX_BINARY_NANOS = (2n ** 63n - 1n) * NANO

const DECIMAL_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ["n", -9],
  ["u", -6],
  ["m", -3],
  ["", 0],
  ["k", 3],
  ["M", 6],
  ["G", 9],
  ["T", 12],
  ["P", 15],
  ["E", 18]
])
const DECIMAL_NAMES: ReadonlyMap<number, string> = new Map([...DECIMAL_SUFFIXES].map(([s, e]) => [e, s]))
const BINARY_SUFFIXES: ReadonlyMap<string, bigint> = new Map([
  ["Ki", 2n ** 10n],
  ["Mi", 2n ** 20n],
  ["Gi", 2n ** 30n],
  ["Ti", 2n ** 40n],
  ["Pi", 2n ** 50n],
  ["Ei", 2n ** 60n]
])
const BINARY_NAMES: ReadonlyArray<string> = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]

const shorten = (text: string): string => (text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text)

const failure = (input: string, reason: QuantityError["reason"], suffix?: string) =>
  Either.left(
    new QuantityError({
      input: shorten(input),
      reason,
      ...(suffix !== undefined ? { suffix: shorten(suffix) } : {})
    })
  )

/** `|numerator / denominator|` rounded up, for non-negative operands. */
const divideUp = (numerator: bigint, denominator: bigint): bigint =>
  numerator / denominator + (numerator % denominator === 0n ? 0n : 1n)

/** The number of nano-units of `digits · 10^exponent` (digits without sign or point), rounded up. */
const decimalNanos = (digits: string, exponent: number): bigint => {
  const shift = exponent + 9
  if (shift >= 0) return BigInt(digits) * 10n ** BigInt(shift)
  const cut = digits.length + shift
  // Below one nano-unit: rounded up to one (digits is not all zeros here).
  if (cut <= 0) return 1n
  return BigInt(digits.slice(0, cut)) + (/[1-9]/.test(digits.slice(cut)) ? 1n : 0n)
}

const NUMBER = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/s
const EXPONENT = /^[eE]([+-]?)([0-9]+)$/

/**
 * Reads a quantity exactly, as the apiserver does: a decimal number (`1`, `1.5`, `.5`, `1.`) with
 * an optional sign, then a decimal suffix (`n u m k M G T P E`), a binary one (`Ki Mi Gi Ti Pi Ei`)
 * or an exponent (`e3`, `E-6`, `e+9`). Surrounding whitespace is ignored (as the apiserver's JSON
 * decoding does). As in apimachinery, the value is rounded up (away from zero) to a whole number of
 * nano-units, and a binary quantity is capped at 2⁶³-1.
 *
 * What is not a quantity gives a {@link QuantityError}, never a throw: also `NaN` and infinite
 * numbers, and, to bound the work, text longer than 1000 characters or an exponent beyond ±1000.
 * Stricter than the apiserver in one corner: it reads `"."`, `"+"` and `"-"` as zero; these are
 * refused here.
 *
 * A JSON number is read from its shortest decimal form (`String(n)`), so `1e3` written as a JSON
 * number reads as `1000` (`DecimalSI`).
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * const cpu = Quantity.parse("250m") // Either.right(Amount 250m)
 * Quantity.parse("12x") // Either.left(QuantityError, reason "Suffix")
 * const memory = Either.getOrThrow(Quantity.parse("1.5Gi"))
 * Quantity.format(memory) // "1536Mi"
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (quantity: Quantity): Either.Either<Amount, QuantityError> => {
  if (typeof quantity === "number") {
    return Number.isFinite(quantity) ? parse(String(quantity)) : failure(String(quantity), "Format")
  }
  // Untyped JSON can hold anything; String() of it could throw.
  if (typeof quantity !== "string") return failure(`(${typeof quantity})`, "Format")
  const text = quantity.trim()
  if (text.length > MAX_LENGTH) return failure(text, "Range")
  const match = NUMBER.exec(text)
  const integer = match?.[2] ?? ""
  const fraction = match?.[3] ?? ""
  const suffix = match?.[4] ?? ""
  if (match === null || (integer === "" && fraction === "")) return failure(text, "Format")
  const negative = match[1] === "-"

  let format: Format
  let exponent = 0
  let binary = 1n
  const decimal = DECIMAL_SUFFIXES.get(suffix)
  const power = BINARY_SUFFIXES.get(suffix)
  const written = EXPONENT.exec(suffix)
  if (decimal !== undefined) {
    format = "DecimalSI"
    exponent = decimal
  } else if (power !== undefined) {
    format = "BinarySI"
    binary = power
  } else if (written !== null) {
    format = "DecimalExponent"
    const magnitude = (written[2] ?? "").replace(/^0+/, "")
    if (magnitude.length > 4 || Number(magnitude) > MAX_EXPONENT) return failure(text, "Range")
    exponent = written[1] === "-" ? -Number(magnitude) : Number(magnitude)
  } else {
    return failure(text, "Suffix", suffix)
  }

  const digits = `${integer}${fraction}`.replace(/^0+/, "")
  if (digits === "") return Either.right(new AmountImpl(0n, format))
  let nanos: bigint
  if (format === "BinarySI") {
    nanos = divideUp(BigInt(digits) * binary * NANO, 10n ** BigInt(fraction.length))
    if (nanos > MAX_BINARY_NANOS) nanos = MAX_BINARY_NANOS
    // Below one, a binary quantity is written in decimal.
    if (nanos < NANO) format = "DecimalSI"
  } else {
    nanos = decimalNanos(digits, exponent - fraction.length)
  }
  return Either.right(new AmountImpl(negative ? -nanos : nanos, format))
}

/**
 * The apiserver's canonical form of an amount (apimachinery's `String()`): no fraction, the largest
 * suffix that loses nothing, in the amount's format. A decimal exponent is a multiple of 3
 * (`"1.5"` → `"1500m"`, `"1500e-3"` stays, `"1024Mi"` → `"1Gi"`, `"0.5Ki"` → `"512"`). A binary
 * amount below 1024 or with a fraction is written in decimal. Zero is `"0"`. Beyond the largest
 * suffix (`E`, `Ei`) the number grows (`"1000E"`, `"16Ei"`).
 *
 * Checked against a real apiserver, with three differences: for a decimal amount of 10²¹ or more
 * whose exponent is a multiple of 3, apimachinery writes the bare mantissa (`"1000E"` becomes
 * `"1"`, a bug that changes the value), here `"1000E"`; apimachinery keeps a few non-canonical
 * spellings as they were written (`"1."`, `"1e0"`, `"+1"`), here `"1"`; and the apiserver's
 * defaulting rounds the standard resources of a `ResourceList` (`cpu`, `memory`, ... in requests,
 * limits and quotas) up to milli-units, which {@link parse} does not (a bare quantity such as
 * `emptyDir.sizeLimit` keeps nano-units, as here).
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * Quantity.format(Either.getOrThrow(Quantity.parse("0.5"))) // "500m"
 * Quantity.format(Either.getOrThrow(Quantity.parse("1.5Gi"))) // "1536Mi"
 * Quantity.format(Either.getOrThrow(Quantity.parse("1000M"))) // "1G"
 * ```
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (self: Amount): string => {
  if (self.nanos === 0n) return "0"
  const sign = self.nanos < 0n ? "-" : ""
  const magnitude = self.nanos < 0n ? -self.nanos : self.nanos
  if (self.format === "BinarySI" && magnitude >= 1024n * NANO && magnitude % NANO === 0n) {
    let mantissa = magnitude / NANO
    let power = 0
    while (power < 6 && mantissa % 1024n === 0n) {
      mantissa /= 1024n
      power++
    }
    return `${sign}${mantissa}${BINARY_NAMES[power] ?? ""}`
  }
  let mantissa = magnitude
  let exponent = -9
  while (mantissa % 10n === 0n) {
    mantissa /= 10n
    exponent++
  }
  while (exponent % 3 !== 0) {
    mantissa *= 10n
    exponent--
  }
  if (self.format === "DecimalExponent") return `${sign}${mantissa}${exponent === 0 ? "" : `e${exponent}`}`
  if (exponent > 18) {
    mantissa *= 10n ** BigInt(exponent - 18)
    exponent = 18
  }
  return `${sign}${mantissa}${DECIMAL_NAMES.get(exponent) ?? ""}`
}

/**
 * An amount of whole base units (cores, bytes, ...).
 *
 * @example
 * ```ts
 * import { Quantity } from "effect-kube"
 *
 * Quantity.format(Quantity.make(1536n * 1024n * 1024n, "BinarySI")) // "1536Mi"
 * Quantity.format(Quantity.make(2000n)) // "2k"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (units: bigint, format: Format = "DecimalSI"): Amount =>
  new AmountImpl(units * NANO, format)

/**
 * An amount from an exact decimal, rounded up (away from zero) to a whole number of nano-units as
 * {@link parse} does; a `"Range"` {@link QuantityError} beyond 10¹⁰⁰⁰.
 *
 * @example
 * ```ts
 * import { BigDecimal, Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * const half = Quantity.fromBigDecimal(BigDecimal.unsafeFromString("0.5")) // Either.right(Amount 500m)
 * const scaled = Quantity.fromBigDecimal(
 *   BigDecimal.multiply(Quantity.toBigDecimal(Either.getOrThrow(Quantity.parse("1Gi"))), BigDecimal.unsafeFromString("1.5")),
 *   "BinarySI"
 * ) // Either.right(Amount 1536Mi)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromBigDecimal = (
  value: BigDecimal.BigDecimal,
  format: Format = "DecimalSI"
): Either.Either<Amount, QuantityError> => {
  const normalized = BigDecimal.normalize(value)
  if (normalized.value === 0n) return Either.right(new AmountImpl(0n, format))
  if (-normalized.scale > MAX_EXPONENT) return failure(BigDecimal.format(normalized), "Range")
  const negative = normalized.value < 0n
  const digits = (negative ? -normalized.value : normalized.value).toString()
  const nanos = decimalNanos(digits, -normalized.scale)
  return Either.right(new AmountImpl(negative ? -nanos : nanos, format))
}

/**
 * Zero (`DecimalSI`): the start of a sum.
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * const requests = ["100m", "250m", "1"].map((q) => Either.getOrThrow(Quantity.parse(q)))
 * Quantity.format(requests.reduce(Quantity.add, Quantity.zero)) // "1350m"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const zero: Amount = new AmountImpl(0n, "DecimalSI")

/**
 * The exact sum. The result has the format of `self`, or of `that` when `self` is zero (as
 * apimachinery's `Add`).
 *
 * @example
 * ```ts
 * import { Either, pipe } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * const a = Either.getOrThrow(Quantity.parse("100m"))
 * const b = Either.getOrThrow(Quantity.parse("200m"))
 * Quantity.format(Quantity.add(a, b)) // "300m"
 * pipe(a, Quantity.add(b), Quantity.format) // "300m"
 * ```
 *
 * @since 0.1.0
 * @category math
 */
export const add: {
  (that: Amount): (self: Amount) => Amount
  (self: Amount, that: Amount): Amount
} = dual(
  2,
  (self: Amount, that: Amount): Amount =>
    new AmountImpl(self.nanos + that.nanos, self.nanos === 0n ? that.format : self.format)
)

/**
 * The exact difference `self - that`. The result has the format of `self`, or of `that` when
 * `self` is zero (as apimachinery's `Sub`).
 *
 * @example
 * ```ts
 * import { Either, pipe } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * const limit = Either.getOrThrow(Quantity.parse("1"))
 * const used = Either.getOrThrow(Quantity.parse("250m"))
 * Quantity.format(Quantity.subtract(limit, used)) // "750m"
 * pipe(limit, Quantity.subtract(used), Quantity.format) // "750m"
 * ```
 *
 * @since 0.1.0
 * @category math
 */
export const subtract: {
  (that: Amount): (self: Amount) => Amount
  (self: Amount, that: Amount): Amount
} = dual(
  2,
  (self: Amount, that: Amount): Amount =>
    new AmountImpl(self.nanos - that.nanos, self.nanos === 0n ? that.format : self.format)
)

/**
 * The opposite amount, in the same format.
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * Quantity.format(Quantity.negate(Either.getOrThrow(Quantity.parse("2Ki")))) // "-2Ki"
 * ```
 *
 * @since 0.1.0
 * @category math
 */
export const negate = (self: Amount): Amount => new AmountImpl(-self.nanos, self.format)

/**
 * Whether the amount is zero.
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * Quantity.isZero(Either.getOrThrow(Quantity.parse("0Mi"))) // true
 * ```
 *
 * @since 0.1.0
 * @category predicates
 */
export const isZero = (self: Amount): boolean => self.nanos === 0n

/**
 * The exact order of amounts, whatever their formats (`1Ki` and `1024` are equal): `-1`, `0` or `1`.
 *
 * @example
 * ```ts
 * import { Array, Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * const sorted = Array.sort(["1Gi", "1G", "512Mi"].map((q) => Either.getOrThrow(Quantity.parse(q))), Quantity.Order)
 * Quantity.Order(Either.getOrThrow(Quantity.parse("1Ki")), Either.getOrThrow(Quantity.parse("1024"))) // 0
 * ```
 *
 * @since 0.1.0
 * @category instances
 */
export const Order: Ord.Order<Amount> = Ord.make((self, that) =>
  self.nanos < that.nanos ? -1 : self.nanos > that.nanos ? 1 : 0
)

/**
 * Equality of values, whatever the formats (`1Ki` equals `1024`).
 *
 * @example
 * ```ts
 * import { Array, Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * const distinct = Array.dedupeWith(["1Ki", "1024", "1k"].map((q) => Either.getOrThrow(Quantity.parse(q))), Quantity.Equivalence)
 * ```
 *
 * @since 0.1.0
 * @category instances
 */
export const Equivalence: Eq.Equivalence<Amount> = Eq.make((self, that) => self.nanos === that.nanos)

/**
 * Whether two amounts have the same value, whatever their formats.
 *
 * @example
 * ```ts
 * import { Either, pipe } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * const kibi = Either.getOrThrow(Quantity.parse("1Ki"))
 * Quantity.equals(kibi, Either.getOrThrow(Quantity.parse("1024"))) // true
 * pipe(kibi, Quantity.equals(Either.getOrThrow(Quantity.parse("1k")))) // false
 * ```
 *
 * @since 0.1.0
 * @category predicates
 */
export const equals: {
  (that: Amount): (self: Amount) => boolean
  (self: Amount, that: Amount): boolean
} = dual(2, (self: Amount, that: Amount): boolean => self.nanos === that.nanos)

/**
 * Whether `self` is less than `that`.
 *
 * @example
 * ```ts
 * import { Either, pipe } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * const used = Either.getOrThrow(Quantity.parse("1Gi"))
 * Quantity.lessThan(used, Either.getOrThrow(Quantity.parse("1.1G"))) // true
 * pipe(used, Quantity.lessThan(Either.getOrThrow(Quantity.parse("1G")))) // false
 * ```
 *
 * @since 0.1.0
 * @category predicates
 */
export const lessThan: {
  (that: Amount): (self: Amount) => boolean
  (self: Amount, that: Amount): boolean
} = Ord.lessThan(Order)

/**
 * Whether `self` is less than or equal to `that`.
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * Quantity.lessThanOrEqualTo(Either.getOrThrow(Quantity.parse("1k")), Either.getOrThrow(Quantity.parse("1000"))) // true
 * ```
 *
 * @since 0.1.0
 * @category predicates
 */
export const lessThanOrEqualTo: {
  (that: Amount): (self: Amount) => boolean
  (self: Amount, that: Amount): boolean
} = Ord.lessThanOrEqualTo(Order)

/**
 * Whether `self` is greater than `that`.
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * Quantity.greaterThan(Either.getOrThrow(Quantity.parse("1")), Either.getOrThrow(Quantity.parse("999m"))) // true
 * ```
 *
 * @since 0.1.0
 * @category predicates
 */
export const greaterThan: {
  (that: Amount): (self: Amount) => boolean
  (self: Amount, that: Amount): boolean
} = Ord.greaterThan(Order)

/**
 * Whether `self` is greater than or equal to `that`.
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * Quantity.greaterThanOrEqualTo(Either.getOrThrow(Quantity.parse("1")), Either.getOrThrow(Quantity.parse("1000m"))) // true
 * ```
 *
 * @since 0.1.0
 * @category predicates
 */
export const greaterThanOrEqualTo: {
  (that: Amount): (self: Amount) => boolean
  (self: Amount, that: Amount): boolean
} = Ord.greaterThanOrEqualTo(Order)

/**
 * The smaller of two amounts.
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * Quantity.format(Quantity.min(Either.getOrThrow(Quantity.parse("1Gi")), Either.getOrThrow(Quantity.parse("1G")))) // "1G"
 * ```
 *
 * @since 0.1.0
 * @category math
 */
export const min: {
  (that: Amount): (self: Amount) => Amount
  (self: Amount, that: Amount): Amount
} = Ord.min(Order)

/**
 * The larger of two amounts.
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * Quantity.format(Quantity.max(Either.getOrThrow(Quantity.parse("1Gi")), Either.getOrThrow(Quantity.parse("1G")))) // "1Gi"
 * ```
 *
 * @since 0.1.0
 * @category math
 */
export const max: {
  (that: Amount): (self: Amount) => Amount
  (self: Amount, that: Amount): Amount
} = Ord.max(Order)

/**
 * The exact value as an Effect `BigDecimal` of base units (normalized).
 *
 * @example
 * ```ts
 * import { BigDecimal, Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * BigDecimal.format(Quantity.toBigDecimal(Either.getOrThrow(Quantity.parse("1500m")))) // "1.5"
 * ```
 *
 * @since 0.1.0
 * @category conversions
 */
export const toBigDecimal = (self: Amount): BigDecimal.BigDecimal =>
  BigDecimal.normalize(BigDecimal.make(self.nanos, 9))

/**
 * The value as a JavaScript number of base units. **Lossy**: the nearest double, so digits beyond
 * about 15-17 significant ones are lost (`9007199254740993` gives `9007199254740992`), decimals such
 * as `0.1` are approximations, and values beyond ~1.8·10³⁰⁸ give `Infinity`. Compute with
 * {@link add}, {@link subtract} and {@link Order} instead; convert at the end, for display.
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * Quantity.toNumber(Either.getOrThrow(Quantity.parse("250m"))) // 0.25
 * Quantity.toNumber(Either.getOrThrow(Quantity.parse("1Gi"))) // 1073741824
 * ```
 *
 * @since 0.1.0
 * @category conversions
 */
export const toNumber = (self: Amount): number => Number(`${self.nanos}e-9`)

const scaled = (nanos: bigint, unit: bigint): bigint =>
  nanos < 0n ? -divideUp(-nanos, unit) : divideUp(nanos, unit)

/**
 * The value in whole base units, rounded up away from zero (apimachinery's `Value()`): `"9.01"`
 * gives `10n`, `"-9.01"` gives `-10n`, `"1n"` gives `1n`.
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * Quantity.value(Either.getOrThrow(Quantity.parse("1Gi"))) // 1073741824n
 * Quantity.value(Either.getOrThrow(Quantity.parse("1500m"))) // 2n
 * ```
 *
 * @since 0.1.0
 * @category conversions
 */
export const value = (self: Amount): bigint => scaled(self.nanos, NANO)

/**
 * The value in thousandths of the base unit, rounded up away from zero (apimachinery's
 * `MilliValue()`): millicores from a CPU quantity.
 *
 * @example
 * ```ts
 * import { Either } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * Quantity.milliValue(Either.getOrThrow(Quantity.parse("1.5"))) // 1500n
 * Quantity.milliValue(Either.getOrThrow(Quantity.parse("250m"))) // 250n
 * ```
 *
 * @since 0.1.0
 * @category conversions
 */
export const milliValue = (self: Amount): bigint => scaled(self.nanos, 1_000_000n)

/**
 * Schema of an {@link Amount} as itself.
 *
 * @example
 * ```ts
 * import { Either, Schema } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * Schema.is(Quantity.AmountFromSelf)(Either.getOrThrow(Quantity.parse("1"))) // true
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const AmountFromSelf: Schema.Schema<Amount> = Schema.declare(isAmount, {
  identifier: "Quantity.Amount",
  pretty: () => format,
  equivalence: () => Equivalence
})

/**
 * Schema from the JSON form of a quantity to an exact {@link Amount}: decoding reads it with
 * {@link parse} (an invalid quantity is a parse failure with the {@link QuantityError} message),
 * encoding writes the canonical form.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Quantity } from "effect-kube"
 *
 * const memory = Schema.decodeUnknownSync(Quantity.AmountFromQuantity)("1.5Gi")
 * Schema.encodeSync(Quantity.AmountFromQuantity)(memory) // "1536Mi"
 * ```
 *
 * @since 0.1.0
 * @category schemas
 */
export const AmountFromQuantity: Schema.Schema<Amount, Quantity> = Schema.transformOrFail(
  Quantity,
  AmountFromSelf,
  {
    strict: true,
    decode: (input, _, ast) =>
      Either.mapLeft(parse(input), (error) => new ParseResult.Type(ast, input, error.message)),
    encode: (amount) => ParseResult.succeed(format(amount))
  }
)
