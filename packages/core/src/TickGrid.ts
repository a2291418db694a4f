/**
 * A market's price grid: one or more price ranges, each with its own step, so 1¢ grids, $0.001 grids and
 * tapered grids (fine steps near the edges, coarse in the middle) are all expressed the same way.
 *
 * Valid prices are numbered 0..size-1 ("levels", ascending). Strategies move by levels ("one tick better"),
 * and order books index their ladders by level, so hot paths never touch decimals.
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as D from "./Decimal.js"

/** One band of the grid: prices start, start+step, …, end (inclusive). */
export class PriceRange extends Schema.Class<PriceRange>("PriceRange")({
  start: D.NonNegative,
  end: D.NonNegative,
  step: D.Positive
}) {}

/** The encoded form of a grid: its ranges, and optionally the lowest/highest tradable price. */
export const TickGridSpec = Schema.Struct({
  ranges: Schema.NonEmptyArray(PriceRange),
  /** lowest tradable price (inclusive); defaults to the first range's start */
  min: Schema.optional(D.NonNegative),
  /** highest tradable price (inclusive); defaults to the last range's end */
  max: Schema.optional(D.NonNegative)
})
export type TickGridSpec = typeof TickGridSpec.Type

interface Segment {
  readonly start: D.Decimal // price of the segment's first level
  readonly step: D.Decimal
  readonly count: number // levels in the segment
  readonly first: number // index of the first level
}

export interface TickGrid {
  readonly spec: TickGridSpec
  /** number of tradable levels */
  readonly size: number
  readonly minPrice: D.Decimal
  readonly maxPrice: D.Decimal
  /** the finest step anywhere on the grid */
  readonly finestStep: D.Decimal
  /** level index of a price, or -1 if the price is off the grid or out of bounds */
  readonly levelOf: (price: D.Decimal) => number
  /** price of a level (0 ≤ level < size) */
  readonly priceAt: (level: number) => D.Decimal
  /** the step in force at a level (to the next level up) */
  readonly stepAt: (level: number) => D.Decimal
  readonly isOnGrid: (price: D.Decimal) => boolean
  /** nearest level at or below (floor) / at or above (ceil) a price; -1 / size when out of bounds */
  readonly floorLevel: (price: D.Decimal) => number
  readonly ceilLevel: (price: D.Decimal) => number
  /**
   * Hot path: a table from a price in integer units at `decimals` places (e.g. Kalshi "pips" of $0.0001
   * at 4) to its level, -1 off the grid; `undefined` when the grid is too wide for a table (over 10^7
   * units) or has prices finer than `decimals`. Built once per grid and `decimals`, then shared.
   */
  readonly unitIndex: (decimals: number) => Int32Array | undefined
}

/** A grid that cannot be built (overlapping or misaligned ranges, empty bounds). */
export class InvalidTickGrid extends Schema.TaggedError<InvalidTickGrid>()("InvalidTickGrid", {
  message: Schema.String
}) {}

/** Builds a grid. Ranges must be ascending and touch or follow each other; boundaries belong to both. */
export const make = (spec: TickGridSpec): Either.Either<TickGrid, InvalidTickGrid> => {
  const segs: Array<Segment> = []
  let index = 0
  let prevEnd: D.Decimal | undefined
  const lo = spec.min ?? spec.ranges[0].start
  const hi = spec.max ?? spec.ranges[spec.ranges.length - 1]!.end
  if (lo > hi) return Either.left(new InvalidTickGrid({ message: "min is above max" }))
  let finest: D.Decimal | undefined
  for (const [i, r] of spec.ranges.entries()) {
    if (r.end < r.start) return Either.left(new InvalidTickGrid({ message: `range ${i}: end is below start` }))
    if (!D.isMultipleOf(D.sub(r.end, r.start), r.step)) {
      return Either.left(new InvalidTickGrid({ message: `range ${i}: end - start is not a multiple of step` }))
    }
    if (prevEnd !== undefined && r.start < prevEnd) {
      return Either.left(new InvalidTickGrid({ message: `range ${i}: overlaps the previous range` }))
    }
    finest = finest === undefined || r.step < finest ? r.step : finest
    // first level of this range that is not already counted (shared boundary) and is ≥ lo
    let start = r.start
    if (prevEnd !== undefined && start === prevEnd) start = D.add(start, r.step)
    if (start < lo) {
      const k = D.divToInt(D.sub(lo, start), r.step, "ceil")
      start = D.add(start, D.mulInt(r.step, k))
    }
    const end = D.min(r.end, hi)
    if (start <= end) {
      const lastK = D.divToInt(D.sub(end, start), r.step, "floor")
      const count = Number(lastK) + 1
      segs.push({ start, step: r.step, count, first: index })
      index += count
    }
    prevEnd = r.end
  }
  if (index === 0) return Either.left(new InvalidTickGrid({ message: "the grid has no tradable price" }))
  const last = segs[segs.length - 1]!
  const minPrice = segs[0]!.start
  const maxPrice = D.add(last.start, D.mulInt(last.step, last.count - 1))
  const size = index

  const segOfPrice = (p: D.Decimal): Segment | undefined => {
    // few segments: linear scan beats binary search
    for (let i = segs.length - 1; i >= 0; i--) {
      const s = segs[i]!
      if (p >= s.start) return s
    }
    return undefined
  }
  const segOfLevel = (level: number): Segment => {
    for (let i = segs.length - 1; i >= 0; i--) {
      const s = segs[i]!
      if (level >= s.first) return s
    }
    return segs[0]!
  }
  // for grids of a sane size, every price's level in a map (built on first use)
  let levels: Map<bigint, number> | undefined
  const levelOf = (p: D.Decimal): number => {
    if (size <= 100_000) {
      if (levels === undefined) {
        levels = new Map()
        for (let l = 0; l < size; l++) levels.set(priceAt(l), l)
      }
      return levels.get(p) ?? -1
    }
    return computeLevel(p)
  }
  const computeLevel = (p: D.Decimal): number => {
    if (p < minPrice || p > maxPrice) return -1
    const s = segOfPrice(p)
    if (s === undefined) return -1
    const off = D.sub(p, s.start)
    if (!D.isMultipleOf(off, s.step)) return -1
    const k = Number(D.divToInt(off, s.step))
    return k < s.count ? s.first + k : -1
  }
  const computePrice = (level: number): D.Decimal => {
    const s = segOfLevel(level)
    return D.add(s.start, D.mulInt(s.step, level - s.first))
  }
  // prices of every level, computed on first use for grids of a sane size (Kalshi: ≤ 10,000 levels)
  let prices: Array<D.Decimal> | undefined
  const priceAt = (level: number): D.Decimal => {
    if (!Number.isInteger(level) || level < 0 || level >= size) throw new RangeError(`level ${level} is off the grid`)
    if (size > 100_000) return computePrice(level)
    if (prices === undefined) prices = Array.from({ length: size }, (_, l) => computePrice(l))
    return prices[level]!
  }
  const unitTables = new Map<number, Int32Array | undefined>()
  const unitIndex = (decimals: number): Int32Array | undefined => {
    if (unitTables.has(decimals)) return unitTables.get(decimals)
    let table: Int32Array | undefined
    const top = D.toUnitsBigInt(maxPrice, decimals, "ceil")
    const fine = segs.every(
      (s) => D.isMultipleOf(s.step, D.fromUnits(1, decimals)) && D.isMultipleOf(s.start, D.fromUnits(1, decimals))
    )
    if (top <= 10_000_000n && fine) {
      table = new Int32Array(Number(top) + 1).fill(-1)
      for (let l = 0; l < size; l++) table[D.toUnits(priceAt(l), decimals)] = l
    }
    unitTables.set(decimals, table)
    return table
  }
  const floorLevel = (p: D.Decimal): number => {
    if (p < minPrice) return -1
    if (p >= maxPrice) return size - 1
    const s = segOfPrice(p)!
    const k = Number(D.divToInt(D.sub(p, s.start), s.step, "floor"))
    return Math.min(s.first + k, s.first + s.count - 1)
  }
  const ceilLevel = (p: D.Decimal): number => {
    if (p > maxPrice) return size
    if (p <= minPrice) return 0
    const f = floorLevel(p)
    return priceAt(f) === p ? f : f + 1
  }
  const stepAt = (level: number): D.Decimal =>
    level + 1 < size ? D.sub(priceAt(level + 1), priceAt(level)) : segOfLevel(level).step
  return Either.right({
    spec,
    size,
    minPrice,
    maxPrice,
    finestStep: finest!,
    levelOf,
    priceAt,
    stepAt,
    isOnGrid: (p) => levelOf(p) >= 0,
    floorLevel,
    ceilLevel,
    unitIndex
  })
}

/** A spec as one string: equal specs (same ranges, same bounds) have the same key. */
export const specKey = (spec: TickGridSpec): string =>
  `${spec.ranges.map((r) => `${r.start}:${r.end}:${r.step}`).join(",")}|${spec.min ?? ""}|${spec.max ?? ""}`

/**
 * `make`, shared by spec: markets with the same price structure get the same grid, so its level tables
 * (price → level map, prices, unit index: ~100 KB for a 1,000-level grid once used) exist once, not once per
 * market — 1,000 markets sit on a handful of grids. Grids are immutable values, so sharing one changes
 * nothing for its users. Bounded: at most `capacity` grids are held; a new spec past that starts a fresh set
 * (a grid dropped stays valid wherever it is used). Each owner (a venue's market catalog) keeps its own.
 */
export const interner = (capacity = 64): ((spec: TickGridSpec) => Either.Either<TickGrid, InvalidTickGrid>) => {
  const grids = new Map<string, TickGrid>()
  return (spec) => {
    const key = specKey(spec)
    const known = grids.get(key)
    if (known !== undefined) return Either.right(known)
    const made = make(spec)
    if (Either.isRight(made)) {
      if (grids.size >= capacity) grids.clear()
      grids.set(key, made.right)
    }
    return made
  }
}

/** Builds a grid from a spec known to be valid (throws otherwise). */
export const unsafeMake = (spec: TickGridSpec): TickGrid => {
  const r = make(spec)
  if (Either.isLeft(r)) throw r.left
  return r.right
}

/** A single-range grid: `uniform("0.01", "0.99", "0.01")`. */
export const uniform = (start: string, end: string, step: string): TickGrid =>
  unsafeMake({ ranges: [PriceRange.make({ start: D.d(start), end: D.d(end), step: D.d(step) })] })

/** Schema: decodes a spec and builds the grid, failing with a message naming the problem. */
export const TickGridFromSpec: Schema.Schema<TickGrid, typeof TickGridSpec.Encoded> = Schema.transformOrFail(
  TickGridSpec,
  Schema.declare((u: unknown): u is TickGrid => typeof u === "object" && u !== null && "levelOf" in u, {
    identifier: "TickGrid"
  }),
  {
    strict: true,
    decode: (spec, _, ast) =>
      Either.match(make(spec), {
        onLeft: (e) => ParseResult.fail(new ParseResult.Type(ast, spec, e.message)),
        onRight: (g) => ParseResult.succeed(g)
      }),
    encode: (g) => ParseResult.succeed(g.spec)
  }
)
