/**
 * Exact decimal numbers for prices, sizes, fees and P&L.
 *
 * A `Decimal` is a branded `bigint` holding the value scaled by 10^18 (fixed point, 18 fractional digits).
 * Binary floating point never enters: values are built from decimal strings, integers or integer units,
 * and every operation that could lose digits takes an explicit rounding mode.
 * The brand makes the compiler refuse a `number` (or a plain bigint) where a Decimal is expected, and the
 * `Decimal` schema refuses JSON numbers on the wire: only decimal strings decode.
 *
 * Hot paths (order books, quoting) work in integer ticks and lots (see `TickGrid` and `BookLadder`);
 * Decimal is for the edges and for accounting.
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

export const DecimalTypeId: unique symbol = Symbol.for("@alpha-hunter/core/Decimal")

/** An exact decimal: value × 10^18 as a bigint. */
export type Decimal = bigint & { readonly [DecimalTypeId]: typeof DecimalTypeId }

/** Number of fractional digits every Decimal carries. */
export const DIGITS = 18
const SCALE = 10n ** 18n
const POW10: ReadonlyArray<bigint> = Array.from({ length: 37 }, (_, i) => 10n ** BigInt(i))

export type Rounding = "floor" | "ceil" | "down" | "up" | "half-even" | "half-up" | "exact"

const make = (scaled: bigint): Decimal => scaled as Decimal

export const ZERO: Decimal = make(0n)
export const ONE: Decimal = make(SCALE)

/** The raw scaled bigint (value × 10^18). */
export const toScaled = (d: Decimal): bigint => d
/** Builds a Decimal from a raw scaled bigint (value × 10^18). */
export const fromScaled = (scaled: bigint): Decimal => make(scaled)

export const isDecimal = (u: unknown): u is Decimal => typeof u === "bigint"

const DECIMAL_RE = /^([+-]?)(\d+)(?:\.(\d+))?$/

/**
 * The usual short string (at most 15 digits, so its digits are an exact integer in a float): read in one pass
 * without a regex or a BigInt per part. `undefined` for anything else (the general path decides).
 */
const parseShort = (s: string): Decimal | undefined => {
  const n = s.length
  if (n === 0 || n > 17) return undefined
  let i = 0
  let neg = false
  const c0 = s.charCodeAt(0)
  if (c0 === 45 || c0 === 43) {
    neg = c0 === 45
    i = 1
  }
  let units = 0
  let digits = 0
  let fracDigits = -1
  for (; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      units = units * 10 + (c - 48)
      digits++
      if (fracDigits >= 0) fracDigits++
    } else if (c === 46 && fracDigits < 0) fracDigits = 0
    else return undefined
  }
  // "5." and ".5" and "-" are not decimals; neither is a lone sign
  if (digits === 0 || fracDigits === 0 || (fracDigits > 0 && digits === fracDigits) || digits > 15) return undefined
  const scaled = BigInt(units) * POW10[DIGITS - Math.max(fracDigits, 0)]!
  return make(neg ? -scaled : scaled)
}

/** Parses a plain decimal string ("0.5600", "-12", "10.00"). No exponents, no more than 18 fractional digits. */
export const parse = (s: string): Either.Either<Decimal, string> => {
  const short = parseShort(s)
  if (short !== undefined) return Either.right(short)
  const m = DECIMAL_RE.exec(s)
  if (m === null) return Either.left(`expected a decimal string such as "0.5600", got ${JSON.stringify(s)}`)
  const frac = m[3] ?? ""
  if (frac.length > DIGITS) {
    return Either.left(`${JSON.stringify(s)} has more than ${DIGITS} fractional digits`)
  }
  const scaled = BigInt(m[2]!) * SCALE + (frac.length === 0 ? 0n : BigInt(frac) * POW10[DIGITS - frac.length]!)
  return Either.right(make(m[1] === "-" ? -scaled : scaled))
}

/**
 * Hot-path parser: a decimal string as integer units at `decimals` places ("0.5600", 4 → 5600;
 * "-12.00", 2 → -1200), without BigInt. Returns NaN when the string is malformed, has a non-zero digit
 * beyond `decimals` places, or does not fit a safe integer. Exact: no binary fractions are involved.
 */
export const parseUnits = (s: string, decimals: number): number => {
  const n = s.length
  let i = 0
  let neg = false
  if (n === 0) return Number.NaN
  const c0 = s.charCodeAt(0)
  if (c0 === 45 /* - */ || c0 === 43 /* + */) {
    neg = c0 === 45
    i = 1
    if (n === 1) return Number.NaN
  }
  let units = 0
  let digits = 0
  let frac = -1
  for (; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c === 46 /* . */) {
      if (frac >= 0 || digits === 0) return Number.NaN
      frac = 0
      continue
    }
    const v = c - 48
    if (v < 0 || v > 9) return Number.NaN
    digits++
    if (frac >= 0) {
      if (frac >= decimals) {
        if (v !== 0) return Number.NaN // more precision than asked for
        continue
      }
      frac++
    }
    units = units * 10 + v
  }
  if (digits === 0 || frac === 0) return Number.NaN
  for (let f = Math.max(frac, 0); f < decimals; f++) units *= 10
  if (!Number.isSafeInteger(units)) return Number.NaN
  return neg ? -units : units
}

/** Parses a decimal string; throws a RangeError on malformed input (use for literals in code). */
export const unsafeFromString = (s: string): Decimal => {
  const r = parse(s)
  if (Either.isLeft(r)) throw new RangeError(r.left)
  return r.right
}

/** A Decimal from a literal string: `Decimal.d("0.56")`. Throws on malformed input. */
export const d = unsafeFromString

/** A Decimal from a safe integer. Refuses fractions: a float is never silently accepted. */
export const int = (n: number | bigint): Decimal => {
  if (typeof n === "bigint") return make(n * SCALE)
  if (!Number.isSafeInteger(n)) throw new RangeError(`Decimal.int expects a safe integer, got ${n}`)
  return make(BigInt(n) * SCALE)
}

/** value = units × 10^-decimals, e.g. `fromUnits(5600, 4)` is 0.56. `units` must be an integer. */
export const fromUnits = (units: number | bigint, decimals: number): Decimal => {
  if (typeof units === "number" && !Number.isSafeInteger(units)) {
    throw new RangeError(`Decimal.fromUnits expects integer units, got ${units}`)
  }
  if (decimals < 0 || decimals > DIGITS) throw new RangeError(`decimals must be 0..${DIGITS}`)
  return make(BigInt(units) * POW10[DIGITS - decimals]!)
}

const divRound = (n: bigint, q: bigint, mode: Rounding): bigint => {
  const quo = n / q // truncates toward zero
  const rem = n % q // the remainder of that truncation (its sign is n's)
  if (rem === 0n) return quo
  const neg = n < 0n !== q < 0n
  switch (mode) {
    case "exact":
      throw new RangeError("inexact decimal operation with rounding 'exact'")
    case "down":
      return quo
    case "up":
      return neg ? quo - 1n : quo + 1n
    case "floor":
      return neg ? quo - 1n : quo
    case "ceil":
      return neg ? quo : quo + 1n
    case "half-up":
    case "half-even": {
      const twice = (rem < 0n ? -rem : rem) * 2n
      const absQ = q < 0n ? -q : q
      const away = twice > absQ || (twice === absQ && (mode === "half-up" || (quo & 1n) !== 0n))
      return away ? (neg ? quo - 1n : quo + 1n) : quo
    }
  }
}

/** Integer units at `decimals` places: `toUnits(0.56, 4)` is 5600n. Rounds with `mode` (default: exact). */
export const toUnitsBigInt = (x: Decimal, decimals: number, mode: Rounding = "exact"): bigint =>
  divRound(x, POW10[DIGITS - decimals]!, mode)

/** Like `toUnitsBigInt` but returns a number; throws if it is not a safe integer. */
export const toUnits = (x: Decimal, decimals: number, mode: Rounding = "exact"): number => {
  const u = toUnitsBigInt(x, decimals, mode)
  const n = Number(u)
  if (!Number.isSafeInteger(n)) throw new RangeError(`${format(x)} does not fit a safe integer at ${decimals} places`)
  return n
}

/** Rounds to `decimals` fractional digits. */
export const round = (x: Decimal, decimals: number, mode: Rounding = "half-even"): Decimal =>
  make(toUnitsBigInt(x, decimals, mode) * POW10[DIGITS - decimals]!)

/** Rounds to a multiple of `step` (step > 0). */
export const roundToStep = (x: Decimal, step: Decimal, mode: Rounding = "half-even"): Decimal =>
  make(divRound(x, step, mode) * step)

export const add = (a: Decimal, b: Decimal): Decimal => make(a + b)
export const sub = (a: Decimal, b: Decimal): Decimal => make(a - b)
export const neg = (a: Decimal): Decimal => make(-a)
export const abs = (a: Decimal): Decimal => (a < 0n ? make(-a) : a)
/** a × b, rounded to 18 digits with `mode` (default exact: throws if digits would be lost). */
export const mul = (a: Decimal, b: Decimal, mode: Rounding = "exact"): Decimal => make(divRound(a * b, SCALE, mode))
/** a × n for an integer n. */
export const mulInt = (a: Decimal, n: number | bigint): Decimal => make(a * BigInt(n))
/** a ÷ b rounded to 18 digits with `mode` (default half-even). Throws on division by zero. */
export const div = (a: Decimal, b: Decimal, mode: Rounding = "half-even"): Decimal => {
  if (b === 0n) throw new RangeError("division by zero")
  return make(divRound(a * SCALE, b, mode))
}
/** How many whole `step`s fit in `a` (a ÷ step as an integer, rounded with mode). */
export const divToInt = (a: Decimal, step: Decimal, mode: Rounding = "exact"): bigint => {
  if (step === 0n) throw new RangeError("division by zero")
  return divRound(a, step, mode)
}
export const isMultipleOf = (a: Decimal, step: Decimal): boolean => step !== 0n && a % step === 0n

export const cmp = (a: Decimal, b: Decimal): -1 | 0 | 1 => (a < b ? -1 : a > b ? 1 : 0)
export const eq = (a: Decimal, b: Decimal): boolean => a === b
export const lt = (a: Decimal, b: Decimal): boolean => a < b
export const lte = (a: Decimal, b: Decimal): boolean => a <= b
export const gt = (a: Decimal, b: Decimal): boolean => a > b
export const gte = (a: Decimal, b: Decimal): boolean => a >= b
export const min = (a: Decimal, b: Decimal): Decimal => (a <= b ? a : b)
export const max = (a: Decimal, b: Decimal): Decimal => (a >= b ? a : b)
export const isZero = (a: Decimal): boolean => a === 0n
export const isPositive = (a: Decimal): boolean => a > 0n
export const isNegative = (a: Decimal): boolean => a < 0n
export const sign = (a: Decimal): -1 | 0 | 1 => (a < 0n ? -1 : a > 0n ? 1 : 0)
export const sum = (xs: Iterable<Decimal>): Decimal => {
  let s = 0n
  for (const x of xs) s += x
  return make(s)
}

/**
 * Formats a Decimal. With `decimals`, prints exactly that many fractional digits (the value must be
 * representable unless a rounding mode is given); without, prints the shortest exact form ("0.56", "10").
 */
export const format = (x: Decimal, decimals?: number, mode: Rounding = "exact"): string => {
  if (decimals === undefined) {
    const neg = x < 0n
    const a = neg ? -x : x
    const whole = a / SCALE
    const f = a - whole * SCALE
    if (f === 0n) return neg ? `-${whole}` : `${whole}`
    // the fraction's digits without its trailing zeros, after the zeros that lead it to 18 places
    const digits = f.toString()
    let end = digits.length
    while (digits.charCodeAt(end - 1) === 48) end--
    return `${neg ? "-" : ""}${whole}.${"0".repeat(DIGITS - digits.length)}${digits.slice(0, end)}`
  }
  const units = toUnitsBigInt(x, decimals, mode)
  const neg = units < 0n
  const a = neg ? -units : units
  if (decimals === 0) return `${neg ? "-" : ""}${a}`
  const s = a.toString().padStart(decimals + 1, "0")
  return `${neg ? "-" : ""}${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`
}

/** Only for display and metrics (never for accounting): the nearest binary float. */
export const toNumberLossy = (x: Decimal): number => Number(format(x))

/** Schema of a Decimal value in memory (a bigint). */
export const DecimalFromSelf: Schema.Schema<Decimal> = Schema.declare((u: unknown): u is Decimal => isDecimal(u), {
  identifier: "Decimal",
  description: "an exact decimal (bigint × 10^-18)",
  pretty: () => (x: Decimal) => format(x),
  equivalence: () => (a: Decimal, b: Decimal) => a === b
})

/**
 * Schema: decimal string on the wire ⇄ Decimal in memory. A JSON number is refused (typed ParseError),
 * so a float can never slip into a price or size. Encodes to the shortest exact string.
 */
export const Decimal: Schema.Schema<Decimal, string> = Schema.transformOrFail(Schema.String, DecimalFromSelf, {
  strict: true,
  decode: (s, _, ast) =>
    Either.match(parse(s), {
      onLeft: (message) => ParseResult.fail(new ParseResult.Type(ast, s, message)),
      onRight: (x) => ParseResult.succeed(x)
    }),
  encode: (x) => ParseResult.succeed(format(x))
}).annotations({ identifier: "DecimalString", description: 'a decimal string such as "0.5600"' })

/** A decimal string encoded with a fixed number of fractional digits, e.g. Kalshi's 4-digit prices. */
export const DecimalFixed = (decimals: number): Schema.Schema<Decimal, string> =>
  Schema.transformOrFail(Schema.String, DecimalFromSelf, {
    strict: true,
    decode: (s, _, ast) =>
      Either.match(parse(s), {
        onLeft: (message) => ParseResult.fail(new ParseResult.Type(ast, s, message)),
        onRight: (x) => ParseResult.succeed(x)
      }),
    encode: (x, _, ast) => {
      try {
        return ParseResult.succeed(format(x, decimals))
      } catch {
        return ParseResult.fail(
          new ParseResult.Type(ast, x, `${format(x)} is not representable with ${decimals} digits`)
        )
      }
    }
  }).annotations({
    identifier: `Decimal${decimals}`,
    description: `a decimal string with ${decimals} fractional digits`
  })

/** A decimal string ≥ 0. */
export const NonNegative: Schema.Schema<Decimal, string> = Decimal.pipe(
  Schema.filter((x: Decimal) => x >= 0n || "expected a value ≥ 0")
)
/** A decimal string > 0. */
export const Positive: Schema.Schema<Decimal, string> = Decimal.pipe(
  Schema.filter((x: Decimal) => x > 0n || "expected a value > 0")
)
