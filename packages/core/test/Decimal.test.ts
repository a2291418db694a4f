import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as D from "../src/Decimal.js"

describe("Decimal", () => {
  it("round-trips Kalshi's fixed-point strings exactly", () => {
    for (const [s, places] of [
      ["0.0001", 4],
      ["0.5600", 4],
      ["0.9999", 4],
      ["0.01", 2],
      ["10.00", 2],
      ["0.017500", 6],
      ["123456789.123456", 6]
    ] as const) {
      assert.strictEqual(D.format(D.d(s), places), s)
    }
    assert.strictEqual(D.format(D.d("0.5600")), "0.56")
    assert.strictEqual(D.format(D.d("-0.0001")), "-0.0001")
    assert.strictEqual(D.toUnits(D.d("0.0001"), 4), 1)
    assert.strictEqual(D.toUnits(D.d("0.01"), 2), 1)
    assert.strictEqual(D.format(D.fromUnits(5600, 4), 4), "0.5600")
  })

  it("arithmetic is exact where floats are not", () => {
    // 0.07 × 0.5 × 0.5 is 0.017500000000000002 in binary floating point
    const fee = D.mul(D.mul(D.d("0.07"), D.d("0.5")), D.d("0.5"))
    assert.strictEqual(D.format(fee), "0.0175")
    assert.strictEqual(D.format(D.add(D.d("0.1"), D.d("0.2"))), "0.3")
    assert.strictEqual(D.format(D.mul(D.d("0.0001"), D.d("0.01"))), "0.000001")
    assert.strictEqual(D.format(D.div(D.d("1"), D.d("3"), "down"), 4, "down"), "0.3333")
  })

  it("rounds with an explicit mode and refuses silent loss", () => {
    assert.strictEqual(D.format(D.round(D.d("0.01745"), 4, "ceil")), "0.0175")
    assert.strictEqual(D.format(D.round(D.d("0.01745"), 4, "floor")), "0.0174")
    assert.strictEqual(D.format(D.round(D.d("0.00005"), 4, "half-even")), "0")
    assert.strictEqual(D.format(D.round(D.d("0.00015"), 4, "half-even")), "0.0002")
    assert.strictEqual(D.format(D.round(D.d("-0.01745"), 4, "floor")), "-0.0175")
    assert.throws(() => D.format(D.d("0.00005"), 4))
    assert.throws(() => D.toUnits(D.d("0.00005"), 4))
  })

  it("refuses floats: at the type level, from int(), and on the wire", () => {
    // @ts-expect-error a number is not a Decimal
    const _n: D.Decimal = 0.5
    // @ts-expect-error a plain bigint is not a Decimal either
    const _b: D.Decimal = 5n
    void _n
    void _b
    assert.throws(() => D.int(0.5))
    assert.throws(() => D.fromUnits(0.5, 2))
    const fromNumber = Schema.decodeUnknownEither(D.Decimal)(0.56)
    assert.isTrue(Either.isLeft(fromNumber))
    for (const bad of ["1e-4", "0.5.6", "", " 1", "NaN", "Infinity", "0x10", "0.1234567890123456789"]) {
      assert.isTrue(Either.isLeft(D.parse(bad)), bad)
    }
  })

  it("schema decodes strings and encodes the shortest exact form", () => {
    const x = Schema.decodeUnknownSync(D.Decimal)("0.5600")
    assert.strictEqual(x, D.d("0.56"))
    assert.strictEqual(Schema.encodeSync(D.Decimal)(x), "0.56")
    assert.strictEqual(Schema.encodeSync(D.DecimalFixed(4))(x), "0.5600")
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(D.Positive)("0")))
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(D.NonNegative)("-0.01")))
  })

  it("parseUnits: exact integer units without BigInt, NaN on anything doubtful", () => {
    assert.strictEqual(D.parseUnits("0.5600", 4), 5600)
    assert.strictEqual(D.parseUnits("0.56", 4), 5600)
    assert.strictEqual(D.parseUnits("0.0001", 4), 1)
    assert.strictEqual(D.parseUnits("12.00", 2), 1200)
    assert.strictEqual(D.parseUnits("-3.5", 2), -350)
    assert.strictEqual(D.parseUnits("7", 2), 700)
    assert.strictEqual(D.parseUnits("0.12340", 4), 1234) // trailing zero beyond the places is fine
    for (const bad of ["", "-", ".5", "5.", "1e3", "0.12345", "1.2.3", " 1", "abc", "99999999999999999"]) {
      assert.isNaN(D.parseUnits(bad, 4), bad)
    }
  })

  it.prop(
    "parseUnits agrees with the exact parser",
    [fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.integer({ min: 0, max: 6 })],
    ([units, places]) => {
      const s = D.format(D.fromUnits(units, places), places)
      return D.parseUnits(s, places) === Number(units)
    }
  )

  const decimalString = fc
    .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 18 }))
    .map(([neg, units, places]) => D.format(D.fromUnits(neg ? -units : units, places), places))

  it.prop("parse ∘ format is the identity", [decimalString], ([s]) => {
    const x = D.unsafeFromString(s)
    return D.unsafeFromString(D.format(x)) === x
  })

  it.prop(
    "parse reads short and long strings exactly (units × 10^-places, any sign, up to 30 digits)",
    [fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.integer({ min: 0, max: 12 })],
    ([neg, units, places]) => {
      const digits = units.toString().padStart(places + 1, "0")
      const s = `${neg ? "-" : ""}${places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`}`
      const expected = (neg ? -units : units) * 10n ** BigInt(18 - places)
      return D.toScaled(D.unsafeFromString(s)) === expected
    }
  )

  it("parse refuses what is not a plain decimal on the short path too", () => {
    for (const bad of ["-", "+", ".", "5.", ".5", "-.5", "1.2.3", "1,5", "--1", "1-", "0.1e1"]) {
      assert.isTrue(Either.isLeft(D.parse(bad)), bad)
    }
    assert.strictEqual(D.format(D.d("+0.50")), "0.5")
    assert.strictEqual(D.format(D.d("-0")), "0")
    assert.strictEqual(D.format(D.d("999999999999999")), "999999999999999")
    assert.strictEqual(D.format(D.d("9999999999999999")), "9999999999999999")
    // format: the fraction's leading zeros kept, its trailing zeros dropped
    assert.strictEqual(D.format(D.d("0.000000000000000001")), "0.000000000000000001")
    assert.strictEqual(D.format(D.d("-1.50")), "-1.5")
    assert.strictEqual(D.format(D.d("-7")), "-7")
    assert.strictEqual(D.format(D.d("10.0100")), "10.01")
  })

  it.prop("add and sub are inverse; mul by one is identity", [decimalString, decimalString], ([a, b]) => {
    const x = D.d(a)
    const y = D.d(b)
    return D.sub(D.add(x, y), y) === x && D.mul(x, D.ONE) === x && D.cmp(x, y) === -D.cmp(y, x)
  })
})
