import { inspect } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import { BigDecimal, Either, Equal, Hash, HashSet, pipe, Schema } from "effect"
import fc from "fast-check"
import { Quantity } from "../../src/index.js"

/** A valid quantity (the test fails loudly otherwise). */
const q = (input: Quantity.Quantity): Quantity.Amount => Either.getOrThrow(Quantity.parse(input))
const canonical = (input: Quantity.Quantity): string => Quantity.format(q(input))
const decimal = (text: string): BigDecimal.BigDecimal => BigDecimal.unsafeFromString(text)

/** Seeded, so that a failure is reproducible: `QUANTITY_SEED=… npx vitest run …`. */
const seed = Number(process.env.QUANTITY_SEED ?? 20240519)
const runs = Number(process.env.QUANTITY_RUNS ?? 500)

describe("Quantity: exact values (issue 9)", () => {
  it("100m + 200m is exactly 300m, not 0.30000000000000004", () => {
    const sum = Quantity.add(q("100m"), q("200m"))
    expect(Quantity.format(sum)).toBe("300m")
    expect(Quantity.equals(sum, q("300m"))).toBe(true)
    expect(Quantity.equals(sum, q("0.3"))).toBe(true)
    expect(BigDecimal.equals(Quantity.toBigDecimal(sum), decimal("0.3"))).toBe(true)
    // The pipeable form.
    expect(pipe(q("100m"), Quantity.add(q("200m")), Quantity.format)).toBe("300m")
  })

  it("large values keep every digit", () => {
    for (const big of [
      "9223372036854775807",
      "9223372036854775808",
      "-9223372036854775809",
      "99999999999999999999999999",
      "123456789012345678901234567890"
    ]) {
      expect(canonical(big)).toBe(big)
    }
    expect(canonical("9999999999999999999.1")).toBe("9999999999999999999100m")
    expect(canonical("123456789012345678.000000001")).toBe("123456789012345678000000001n")
    const sum = Quantity.add(q("9007199254740993"), q("1"))
    expect(Quantity.format(sum)).toBe("9007199254740994")
    expect(Quantity.greaterThan(q("9007199254740993"), q("9007199254740992"))).toBe(true)
  })
})

describe("Quantity.parse", () => {
  // From apimachinery's TestQuantityParse: input, exact value, format.
  const table: ReadonlyArray<readonly [string, string, Quantity.Format]> = [
    ["0", "0", "DecimalSI"],
    ["0n", "0", "DecimalSI"],
    ["0u", "0", "DecimalSI"],
    ["0m", "0", "DecimalSI"],
    ["0Ki", "0", "BinarySI"],
    ["0k", "0", "DecimalSI"],
    ["0Mi", "0", "BinarySI"],
    ["0M", "0", "DecimalSI"],
    ["0Gi", "0", "BinarySI"],
    ["0G", "0", "DecimalSI"],
    ["0Ti", "0", "BinarySI"],
    ["0T", "0", "DecimalSI"],
    ["1", "1", "DecimalSI"],
    ["1Ki", "1024", "BinarySI"],
    ["8Ki", "8192", "BinarySI"],
    ["7Mi", `${7 * 1024 ** 2}`, "BinarySI"],
    ["6Gi", `${6 * 1024 ** 3}`, "BinarySI"],
    ["5Ti", `${5 * 1024 ** 4}`, "BinarySI"],
    ["4Pi", `${4n * 1024n ** 5n}`, "BinarySI"],
    ["3Ei", `${3n * 1024n ** 6n}`, "BinarySI"],
    ["10Ti", `${10 * 1024 ** 4}`, "BinarySI"],
    ["100Ti", `${100 * 1024 ** 4}`, "BinarySI"],
    ["5n", "0.000000005", "DecimalSI"],
    ["4u", "0.000004", "DecimalSI"],
    ["3m", "0.003", "DecimalSI"],
    ["9", "9", "DecimalSI"],
    ["8k", "8000", "DecimalSI"],
    ["50k", "50000", "DecimalSI"],
    ["7M", "7000000", "DecimalSI"],
    ["6G", "6000000000", "DecimalSI"],
    ["5T", "5000000000000", "DecimalSI"],
    ["40T", "40000000000000", "DecimalSI"],
    ["300T", "300000000000000", "DecimalSI"],
    ["2P", "2000000000000000", "DecimalSI"],
    ["1E", "1000000000000000000", "DecimalSI"],
    ["1E-3", "0.001", "DecimalExponent"],
    ["1e3", "1000", "DecimalExponent"],
    ["1E6", "1000000", "DecimalExponent"],
    ["1e9", "1000000000", "DecimalExponent"],
    ["1E12", "1000000000000", "DecimalExponent"],
    ["1e15", "1000000000000000", "DecimalExponent"],
    ["1E18", "1000000000000000000", "DecimalExponent"],
    ["1e14", "100000000000000", "DecimalExponent"],
    ["1e13", "10000000000000", "DecimalExponent"],
    ["100.035k", "100035", "DecimalSI"],
    ["0.001", "0.001", "DecimalSI"],
    ["0.0005k", "0.5", "DecimalSI"],
    ["0.005", "0.005", "DecimalSI"],
    ["0.05", "0.05", "DecimalSI"],
    ["0.5", "0.5", "DecimalSI"],
    ["0.00050k", "0.5", "DecimalSI"],
    ["0.00500", "0.005", "DecimalSI"],
    ["0.05000", "0.05", "DecimalSI"],
    ["0.50000", "0.5", "DecimalSI"],
    ["0.5e0", "0.5", "DecimalExponent"],
    ["0.5e-1", "0.05", "DecimalExponent"],
    ["0.5e-2", "0.005", "DecimalExponent"],
    ["10.035M", "10035000", "DecimalSI"],
    ["1.2e3", "1200", "DecimalExponent"],
    ["1.3E+6", "1300000", "DecimalExponent"],
    ["1.40e9", "1400000000", "DecimalExponent"],
    ["1.53E12", "1530000000000", "DecimalExponent"],
    ["1.6e15", "1600000000000000", "DecimalExponent"],
    ["1.7E18", "1700000000000000000", "DecimalExponent"],
    ["9.01", "9.01", "DecimalSI"],
    ["8.1k", "8100", "DecimalSI"],
    ["7.123456M", "7123456", "DecimalSI"],
    ["6.987654321G", "6987654321", "DecimalSI"],
    ["5.444T", "5444000000000", "DecimalSI"],
    ["40.1T", "40100000000000", "DecimalSI"],
    ["300.2T", "300200000000000", "DecimalSI"],
    ["2.5P", "2500000000000000", "DecimalSI"],
    ["1.01E", "1010000000000000000", "DecimalSI"],
    // Rounded up to a whole number of nano-units, as the apiserver does.
    ["3.001n", "0.000000004", "DecimalSI"],
    ["1.1E-9", "0.000000002", "DecimalExponent"],
    ["0.0000000001", "0.000000001", "DecimalSI"],
    ["0.0000000005", "0.000000001", "DecimalSI"],
    ["0.00000000050", "0.000000001", "DecimalSI"],
    ["0.5e-9", "0.000000001", "DecimalExponent"],
    ["0.9n", "0.000000001", "DecimalSI"],
    ["0.00000012345", "0.000000124", "DecimalSI"],
    ["0.00000012354", "0.000000124", "DecimalSI"],
    // A binary quantity is capped at 2^63-1, as the apiserver does.
    ["9Ei", "9223372036854775807", "BinarySI"],
    ["9223372036854775807Ki", "9223372036854775807", "BinarySI"],
    ["12E", "12000000000000000000", "DecimalSI"],
    ["100.035Ki", "102435.84", "BinarySI"],
    ["0.5Mi", "524288", "BinarySI"],
    ["0.05Gi", "53687091.2", "BinarySI"],
    ["0.025Ti", "27487790694.4", "BinarySI"],
    // Below one, a binary quantity becomes decimal.
    ["0.000000000001Ki", "0.000000002", "DecimalSI"],
    [".001", "0.001", "DecimalSI"],
    [".0001k", "0.1", "DecimalSI"],
    ["1.", "1", "DecimalSI"],
    ["1.G", "1000000000", "DecimalSI"]
  ]

  it("reads every suffix and exponent form as the apiserver does (apimachinery's table)", () => {
    for (const [input, value, format] of table) {
      const amount = q(input)
      expect(BigDecimal.format(Quantity.toBigDecimal(amount)), input).toBe(
        BigDecimal.format(BigDecimal.normalize(decimal(value)))
      )
      expect(amount.format, input).toBe(format)
      // With an explicit sign.
      expect(Quantity.equals(q(`+${input}`), amount), `+${input}`).toBe(true)
      expect(q(`+${input}`).format).toBe(format)
      expect(Quantity.equals(q(`-${input}`), Quantity.negate(amount)), `-${input}`).toBe(true)
      expect(q(`-${input}`).format).toBe(format)
    }
  })

  it("reads JSON numbers, and surrounding whitespace as the apiserver's JSON decoding does", () => {
    expect(canonical(3)).toBe("3")
    expect(canonical(0.25)).toBe("250m")
    expect(canonical(-1.5)).toBe("-1500m")
    expect(canonical(1e21)).toBe("1e21")
    expect(canonical(268435456)).toBe("268435456")
    expect(canonical(" 1Gi ")).toBe("1Gi")
  })

  it("refuses what is not a quantity with a typed error (never a throw, NaN or undefined)", () => {
    const invalid: ReadonlyArray<readonly [Quantity.Quantity, Quantity.QuantityError["reason"]]> = [
      ["", "Format"],
      ["   ", "Format"],
      ["1.1.M", "Suffix"],
      ["1+1.0M", "Suffix"],
      ["0.1mi", "Suffix"],
      ["0.1am", "Suffix"],
      ["aoeu", "Format"],
      [".5i", "Suffix"],
      ["1i", "Suffix"],
      ["-3.01i", "Suffix"],
      ["-3.01e-", "Suffix"],
      ["12x", "Suffix"],
      ["1K", "Suffix"],
      ["1e", "Suffix"],
      ["1E+", "Suffix"],
      ["1e3.5", "Suffix"],
      ["1Ki2", "Suffix"],
      ["--1", "Format"],
      ["0x10", "Suffix"],
      [".", "Format"],
      ["+", "Format"],
      ["-", "Format"],
      ["-.", "Format"],
      ["Infinity", "Format"],
      ["NaN", "Format"],
      ["1 000", "Suffix"],
      ["１", "Format"],
      [Number.NaN, "Format"],
      [Number.POSITIVE_INFINITY, "Format"],
      [Number.NEGATIVE_INFINITY, "Format"],
      // Bounded, so that no input can make a huge number: at most 1000 characters, |exponent| ≤ 1000.
      ["1e1001", "Range"],
      ["1e-1001", "Range"],
      ["1e99999999999999999999999", "Range"],
      [`1${"0".repeat(1000)}`, "Range"]
    ]
    for (const [input, reason] of invalid) {
      const result = Quantity.parse(input)
      expect(Either.isLeft(result), String(input)).toBe(true)
      if (Either.isLeft(result)) {
        expect(result.left._tag).toBe("QuantityError")
        expect(result.left.reason, String(input)).toBe(reason)
        expect(result.left.name).toBe("QuantityError")
        expect(result.left.message).toContain("quantity")
      }
    }
  })

  it("a value of another type (untyped JSON) is a typed error too", () => {
    // Straight through parse, as a caller with an unchecked cast would.
    const untyped: ReadonlyArray<unknown> = [null, undefined, true, {}, Object.create(null), 1n]
    for (const value of untyped) {
      const result: unknown = Reflect.apply(Quantity.parse, undefined, [value])
      expect(Either.isEither(result) && Either.isLeft(result)).toBe(true)
    }
  })

  it("the error names the input, shortened when long", () => {
    const error = Either.getLeft(Quantity.parse("12x")).pipe((o) => (o._tag === "Some" ? o.value : undefined))
    expect(error?.message).toBe('Invalid quantity "12x": unknown suffix "x"')
    expect(String(error)).toBe('QuantityError: Invalid quantity "12x": unknown suffix "x"')
    const long = Quantity.parse(`${"9".repeat(5000)}x`)
    expect(Either.isLeft(long)).toBe(true)
    if (Either.isLeft(long)) expect(long.left.message.length).toBeLessThan(200)
  })

  it("the largest and smallest exponents allowed", () => {
    expect(canonical("1e1000")).toBe("10e999")
    expect(canonical("1e-1000")).toBe("1e-9")
    expect(canonical("-1e-1000")).toBe("-1e-9")
    expect(canonical("0e1000")).toBe("0")
    expect(canonical(`0.${"0".repeat(990)}1`)).toBe("1n")
  })
})

describe("Quantity.format: the apiserver's canonical form", () => {
  // From apimachinery's TestQuantityString, TestQuantityParseEmit and TestParseQuantity: an input
  // and its canonical form.
  const table: ReadonlyArray<readonly [string, string]> = [
    ["1Gi", "1Gi"],
    ["1024Mi", "1Gi"],
    ["300Mi", "300Mi"],
    ["307200Ki", "300Mi"],
    ["6Ki", "6Ki"],
    ["1001Gi", "1001Gi"],
    ["1025024Mi", "1001Gi"],
    ["1Ti", "1Ti"],
    ["1024Gi", "1Ti"],
    ["1.5Gi", "1536Mi"],
    ["1.5", "1500m"],
    ["1500m", "1500m"],
    ["0.5", "500m"],
    ["1G", "1G"],
    ["1000M", "1G"],
    ["0.001T", "1G"],
    ["1000000000", "1G"],
    ["1m", "1m"],
    ["1000u", "1m"],
    ["80m", "80m"],
    ["1080m", "1080m"],
    ["1.08", "1080m"],
    ["1080000000n", "1080m"],
    ["300M", "300M"],
    ["1T", "1T"],
    ["1234567M", "1234567M"],
    ["3k", "3k"],
    ["1025", "1025"],
    ["0", "0"],
    ["00", "0"],
    ["0Gi", "0"],
    ["0e3", "0"],
    ["1e9", "1e9"],
    [".001e12", "1e9"],
    ["1e-3", "1e-3"],
    ["0.001e0", "1e-3"],
    ["1e-9", "1e-9"],
    ["1000e-12", "1e-9"],
    ["80e-3", "80e-3"],
    ["300e6", "300e6"],
    ["1e12", "1e12"],
    ["1e3", "1e3"],
    ["3e3", "3e3"],
    ["1e0", "1"],
    ["1n", "1n"],
    ["80n", "80n"],
    ["1080n", "1080n"],
    ["1u", "1u"],
    ["80u", "80u"],
    ["1080u", "1080u"],
    ["1Ki", "1Ki"],
    ["1Mi", "1Mi"],
    [".001Ki", "1024m"],
    [".000001Ki", "1024u"],
    [".000000001Ki", "1024n"],
    [".000000000001Ki", "2n"],
    // Below 1024 or with a fraction, a binary quantity is written in decimal.
    ["0.5Ki", "512"],
    ["1.5Ki", "1536"],
    ["1023", "1023"],
    ["1.1Ki", "1126400m"],
    ["-999999999999999999", "-999999999999999999"],
    ["999999999999999999.1", "999999999999999999100m"],
    ["1000000000000000000", "1E"],
    ["1.0E", "1E"],
    ["9999999999999999999000m", "9999999999999999999"],
    ["1.0000000000000000001E", "1000000000000000000100m"],
    ["1.000000000000000001E", "1000000000000000001"],
    ["10E", "10E"],
    ["10000000000000000000", "10E"],
    ["10000000000000000000000m", "10E"],
    ["-10.0000000000000000001E", "-10000000000000000000100m"],
    ["9223372036854775807.1", "9223372036854775807100m"],
    ["9Ei", "9223372036854775807"],
    // Beyond the largest suffix (where apimachinery prints a bare "1", changing the value; checked
    // against a real apiserver, as were the other rows).
    ["1000E", "1000E"],
    ["1e21", "1e21"],
    ["1Ei", "1Ei"],
    ["7Ei", "7Ei"]
  ]

  it("writes the canonical form", () => {
    for (const [input, expected] of table) {
      expect(canonical(input), input).toBe(expected)
      if (expected !== "0" && !input.startsWith("-"))
        expect(canonical(`-${input}`), `-${input}`).toBe(`-${expected}`)
      // The canonical form is read back as the same value, and written the same way.
      expect(Quantity.equals(q(expected), q(input)), expected).toBe(true)
      expect(canonical(expected), expected).toBe(expected)
    }
  })

  it("a binary sum beyond the largest suffix stays binary; reading it back caps it at 2^63-1 (as apimachinery)", () => {
    const sum = Quantity.add(q("7Ei"), q("7Ei"))
    expect(Quantity.format(sum)).toBe("14Ei")
    expect(Quantity.format(Quantity.add(sum, sum))).toBe("28Ei")
    expect(canonical("14Ei")).toBe("9223372036854775807")
    expect(canonical("-14Ei")).toBe("-9223372036854775807")
    expect(canonical("14E")).toBe("14E")
  })

  it("toString and JSON give the canonical form; inspection names the type", () => {
    const amount = q("1.5Gi")
    expect(String(amount)).toBe("1536Mi")
    expect(`${amount}`).toBe("1536Mi")
    expect(JSON.stringify({ memory: amount })).toBe('{"memory":"1536Mi"}')
    expect(inspect(amount)).toBe("Quantity.Amount(1536Mi)")
  })
})

describe("Quantity arithmetic and comparison", () => {
  it("add and subtract, data-first and data-last", () => {
    expect(Quantity.format(Quantity.add(q("1Gi"), q("512Mi")))).toBe("1536Mi")
    expect(Quantity.format(Quantity.subtract(q("1"), q("1m")))).toBe("999m")
    expect(pipe(q("1"), Quantity.subtract(q("1m")), Quantity.format)).toBe("999m")
    expect(Quantity.format(Quantity.subtract(q("100m"), q("300m")))).toBe("-200m")
    expect(Quantity.format(Quantity.negate(q("2Ki")))).toBe("-2Ki")
    expect(Quantity.format(Quantity.negate(q("0")))).toBe("0")
  })

  it("the result keeps the format of the left side, or of the right when the left is zero (as apimachinery)", () => {
    expect(Quantity.add(q("10"), q("1Ki")).format).toBe("DecimalSI")
    expect(Quantity.add(q("1Ki"), q("10")).format).toBe("BinarySI")
    expect(Quantity.format(Quantity.add(q("0"), q("100m")))).toBe("100m")
    expect(Quantity.format(Quantity.add(q("0"), q("1Gi")))).toBe("1Gi")
    expect(Quantity.format(Quantity.add(q("1Gi"), q("0")))).toBe("1Gi")
    expect(Quantity.format(Quantity.subtract(q("0"), q("1Gi")))).toBe("-1Gi")
    expect(Quantity.format(Quantity.subtract(q("100m"), q("0")))).toBe("100m")
    expect(Quantity.format(Quantity.add(Quantity.zero, q("1e3")))).toBe("1e3")
  })

  it("Order, equals, and the comparison helpers", () => {
    expect(Quantity.Order(q("100m"), q("50m"))).toBe(1)
    expect(Quantity.Order(q("50m"), q("100m"))).toBe(-1)
    expect(Quantity.Order(q("0"), q("0"))).toBe(0)
    expect(Quantity.Order(q("10000T"), q("100Gi"))).toBe(1)
    expect(Quantity.Order(q("1Ki"), q("1024"))).toBe(0)
    expect(Quantity.equals(q("1Ki"), q("1024"))).toBe(true)
    expect(pipe(q("1Ki"), Quantity.equals(q("1.024k")))).toBe(true)
    expect(Quantity.equals(q("100m"), q("200m"))).toBe(false)
    expect(Quantity.lessThan(q("1Gi"), q("1.1G"))).toBe(true)
    expect(pipe(q("1Gi"), Quantity.lessThan(q("1G")))).toBe(false)
    expect(Quantity.lessThanOrEqualTo(q("1k"), q("1000"))).toBe(true)
    expect(Quantity.greaterThan(q("1"), q("999m"))).toBe(true)
    expect(Quantity.greaterThanOrEqualTo(q("1"), q("1000m"))).toBe(true)
    expect(Quantity.format(Quantity.min(q("1Gi"), q("1G")))).toBe("1G")
    expect(Quantity.format(Quantity.max(q("1Gi"), q("1G")))).toBe("1Gi")
    expect(Quantity.isZero(q("0Mi"))).toBe(true)
    expect(Quantity.isZero(q("1n"))).toBe(false)
  })

  it("Equal and Hash: equal values are equal whatever their format (in a HashSet too)", () => {
    expect(Equal.equals(q("1Ki"), q("1024"))).toBe(true)
    expect(Hash.hash(q("1Ki"))).toBe(Hash.hash(q("1024")))
    expect(Equal.equals(q("1Ki"), q("1025"))).toBe(false)
    expect(Equal.equals(q("1"), 1)).toBe(false)
    expect(HashSet.size(HashSet.make(q("1Ki"), q("1024"), q("1.024k"), q("1")))).toBe(2)
  })

  it("Quantity.isAmount tells an Amount from anything else", () => {
    expect(Quantity.isAmount(q("1"))).toBe(true)
    expect(Quantity.isAmount("1")).toBe(false)
    expect(Quantity.isAmount({ nanos: 1n, format: "DecimalSI" })).toBe(false)
  })
})

describe("Quantity conversions", () => {
  it("toNumber is lossy (the nearest double), and says so", () => {
    expect(Quantity.toNumber(q("250m"))).toBe(0.25)
    expect(Quantity.toNumber(q("1Gi"))).toBe(2 ** 30)
    expect(Quantity.toNumber(q("1e3"))).toBe(1000)
    expect(Quantity.toNumber(q("-1.5"))).toBe(-1.5)
    expect(Quantity.toNumber(q("0.1"))).toBe(0.1)
    expect(Quantity.toNumber(q("9007199254740993"))).toBe(9007199254740992)
    expect(Quantity.toNumber(q("1e400"))).toBe(Number.POSITIVE_INFINITY)
  })

  it("value and milliValue round up, away from zero (as apimachinery's Value and MilliValue)", () => {
    expect(Quantity.value(q("9.01"))).toBe(10n)
    expect(Quantity.value(q("-9.01"))).toBe(-10n)
    expect(Quantity.value(q("1Gi"))).toBe(1073741824n)
    expect(Quantity.value(q("1n"))).toBe(1n)
    expect(Quantity.value(q("0"))).toBe(0n)
    expect(Quantity.milliValue(q("1n"))).toBe(1n)
    expect(Quantity.milliValue(q("1"))).toBe(1000n)
    expect(Quantity.milliValue(q("250m"))).toBe(250n)
    expect(Quantity.milliValue(q("-1.0001"))).toBe(-1001n)
    expect(Quantity.value(q("99999999999999999999999"))).toBe(99999999999999999999999n)
  })

  it("make builds an amount of whole units", () => {
    expect(Quantity.format(Quantity.make(1536n * 1024n * 1024n, "BinarySI"))).toBe("1536Mi")
    expect(Quantity.format(Quantity.make(1500n))).toBe("1500")
    expect(Quantity.format(Quantity.make(-2000n))).toBe("-2k")
  })

  it("fromBigDecimal builds an amount from an exact decimal, rounded up to nano-units", () => {
    const from = (value: BigDecimal.BigDecimal, format?: Quantity.Format) =>
      Quantity.format(Either.getOrThrow(Quantity.fromBigDecimal(value, format)))
    expect(from(decimal("1.5"))).toBe("1500m")
    expect(from(decimal("1.0000000001"))).toBe("1000000001n")
    expect(from(decimal("-1.0000000001"))).toBe("-1000000001n")
    expect(from(decimal("1e3"), "DecimalExponent")).toBe("1e3")
    expect(from(BigDecimal.make(15n, -20))).toBe("1500E")
    expect(from(BigDecimal.make(1n, 1_000_000_000))).toBe("1n")
    expect(from(BigDecimal.make(0n, -5000))).toBe("0")
    expect(from(BigDecimal.multiply(Quantity.toBigDecimal(q("1Gi")), decimal("1.5")), "BinarySI")).toBe(
      "1536Mi"
    )
    const huge = Quantity.fromBigDecimal(BigDecimal.make(1n, -1001))
    expect(Either.isLeft(huge) && huge.left.reason).toBe("Range")
  })
})

describe("Quantity schemas", () => {
  it("Quantity keeps the JSON form; AmountFromQuantity decodes to an Amount and encodes the canonical form", () => {
    expect(Schema.decodeUnknownSync(Quantity.Quantity)("500Mi")).toBe("500Mi")
    const decoded = Schema.decodeUnknownSync(Quantity.AmountFromQuantity)("1.5Gi")
    expect(Quantity.format(decoded)).toBe("1536Mi")
    expect(Schema.encodeSync(Quantity.AmountFromQuantity)(decoded)).toBe("1536Mi")
    expect(Either.isLeft(Schema.decodeUnknownEither(Quantity.AmountFromQuantity)("12x"))).toBe(true)
    expect(() => Schema.decodeUnknownSync(Quantity.AmountFromQuantity)("12x")).toThrow(/unknown suffix/)
  })
})

describe("Quantity properties (seeded)", () => {
  const formats: ReadonlyArray<Quantity.Format> = ["DecimalSI", "BinarySI", "DecimalExponent"]
  const amount = fc
    .tuple(
      fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
      fc.constantFrom(...formats),
      fc.nat({ max: 30 })
    )
    .map(([n, format, shift]) =>
      Either.getOrThrow(Quantity.fromBigDecimal(BigDecimal.make(n, shift), format))
    )
  const smallBinary = fc
    .tuple(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), fc.nat({ max: 6 }))
    .map(([n, power]) => Quantity.make((n * 1024n ** BigInt(power)) / 1024n ** 6n, "BinarySI"))
  const options = { seed, numRuns: runs }

  it("the canonical form reads back as the same value, and is a fixed point", () => {
    const cap = BigDecimal.fromBigInt(2n ** 63n - 1n)
    fc.assert(
      fc.property(fc.oneof(amount, smallBinary), (a) => {
        // Reading a binary quantity caps it at 2^63-1 (tested above).
        fc.pre(
          a.format !== "BinarySI" ||
            BigDecimal.lessThanOrEqualTo(BigDecimal.abs(Quantity.toBigDecimal(a)), cap)
        )
        const text = Quantity.format(a)
        const back = Either.getOrThrow(Quantity.parse(text))
        return Quantity.equals(back, a) && Quantity.format(back) === text
      }),
      options
    )
  })

  it("add and subtract are exact: (a + b) - b = a, a + b = b + a, a - a = 0", () => {
    fc.assert(
      fc.property(amount, amount, (a, b) => {
        const sum = Quantity.add(a, b)
        return (
          Quantity.equals(Quantity.subtract(sum, b), a) &&
          Quantity.equals(sum, Quantity.add(b, a)) &&
          Quantity.isZero(Quantity.subtract(a, a))
        )
      }),
      options
    )
  })

  it("Order agrees with the exact decimal order", () => {
    fc.assert(
      fc.property(amount, amount, (a, b) => {
        const expected = BigDecimal.Order(Quantity.toBigDecimal(a), Quantity.toBigDecimal(b))
        return Quantity.Order(a, b) === expected && Quantity.equals(a, b) === (expected === 0)
      }),
      options
    )
  })

  it("any string is a typed result: never a throw", () => {
    const alphabet = fc.constantFrom(..."0123456789.+-eEinumkKMGTP ".split(""))
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(alphabet, { maxLength: 12 }).map((c) => c.join(""))
        ),
        (s) => {
          const result = Quantity.parse(s)
          return Either.isLeft(result)
            ? result.left._tag === "QuantityError"
            : Quantity.equals(Either.getOrThrow(Quantity.parse(Quantity.format(result.right))), result.right)
        }
      ),
      { seed, numRuns: runs * 4 }
    )
  })
})
