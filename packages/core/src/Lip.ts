/**
 * An exact scorer for a liquidity incentive program of the Kalshi LIP kind (REFERENCE §11.2), pure and
 * venue-neutral: a snapshot of both sides of one market's book in, our share of the snapshot's score out;
 * snapshots add up to a period score, an at-best coverage and a projected reward.
 *
 * Per snapshot and side (YES bids; NO bids = YES asks seen from the NO side):
 * 1. qualifying depth: walk down from the best bid adding orders until the cumulative size reaches the
 *    program's Target Size — whole price levels (`depth: "whole-levels"`, the filings' text) or orders in time
 *    priority cut at exactly Target (`"cut-at-target"`, a peer bot's reading; our own orders sit inside their
 *    level at our queue position). A side whose whole book is short of Target, or whose best bid is at the
 *    highest price on the grid (99¢ on a cent grid), has no qualifying orders.
 * 2. reference price: the best bid (`reference: "best-price"`, Feb 2026 filing) or the first level at which
 *    the cumulative size reaches Target/5 (`"target-fifth"`, help centre and July 2026 text — the default).
 * 3. each qualifying order scores `size × DF^distance`, distance = how far below the reference it rests, in
 *    ticks of the market's own grid (`distance: "grid-ticks"`, default) or in occupied book levels
 *    (`"book-levels"`); at or above the reference the factor is 1.
 * 4. normalisation per side: our score ÷ the side's total score (0..1); snapshot score = YES + NO (0..2).
 * A snapshot is excluded when the market is not open or either side's whole book is short of Target.
 * Period score = our summed snapshot scores ÷ all participants' summed snapshot scores; reward = period
 * score × period reward × included ÷ all snapshots, rounded down to the cent, paid only when ≥ $1.00.
 *
 * Exactness: sizes, DF and rewards are Decimals; a side's share is an exact ratio of integers (DF reduced
 * to a fraction, weights on a common denominator) rounded down to 18 digits, the only rounding before the
 * final cent. What is an assumption (the disputed rules) is a setting, see `Rules`.
 */
import * as D from "./Decimal.js"
import type { TickGrid } from "./TickGrid.js"

/** Which level sets the reference price. */
export type ReferenceRule = "best-price" | "target-fifth"
/** How the last level that reaches Target Size counts. */
export type DepthRule = "whole-levels" | "cut-at-target"
/** The unit of the discount exponent. */
export type DistanceUnit = "grid-ticks" | "book-levels"

export interface Rules {
  readonly reference: ReferenceRule
  readonly depth: DepthRule
  readonly distance: DistanceUnit
}

/** REFERENCE §11.2: the July 2026 reference rule, whole levels, ticks on the market's grid. */
export const defaultRules: Rules = { reference: "target-fifth", depth: "whole-levels", distance: "grid-ticks" }

/** The scoring parameters of one program. */
export interface Params {
  /** contracts each side must have resting (100–20 000 on Kalshi) */
  readonly targetSize: D.Decimal
  /** discount factor per unit of distance, 0..1 (Kalshi: 0.5) */
  readonly discountFactor: D.Decimal
}

/** One resting order (or an aggregate of others' orders) in time priority. */
export interface QueueOrder {
  readonly size: D.Decimal
  readonly ours: boolean
}

/** One price level of a side: its tick (higher = better bid on this side) and its orders, oldest first. */
export interface Level {
  readonly tick: number
  readonly orders: ReadonlyArray<QueueOrder>
}

/** One side's bids, best first, with ticks on that side's grid; `topTick` is the highest price on the grid. */
export interface Side {
  readonly levels: ReadonlyArray<Level>
  readonly topTick: number
}

export interface Snapshot {
  /** the market is open (closed, paused or unopened markets are excluded) */
  readonly open: boolean
  readonly yes: Side
  readonly no: Side
}

export type SideStatus = "qualifies" | "short-of-target" | "top-price"

export interface SideScore {
  readonly status: SideStatus
  /** the side's whole book, all participants */
  readonly depth: D.Decimal
  /** tick of the reference price (undefined unless the side qualifies) */
  readonly referenceTick: number | undefined
  /** our share of the side's score, 0..1, rounded down to 18 digits */
  readonly share: D.Decimal
  /** our qualifying size (before discounting) */
  readonly ourQualifying: D.Decimal
  /** we rest at the side's best price */
  readonly atBest: boolean
}

export interface SnapshotScore {
  /** counted in the period (open market and both sides have Target resting) */
  readonly included: boolean
  readonly yes: SideScore
  readonly no: SideScore
  /** our snapshot score, 0..2 (0 when excluded) */
  readonly score: D.Decimal
  /** sum of every participant's score in this snapshot: one per side with qualifying orders (0 when excluded) */
  readonly all: number
}

// ---- helpers -------------------------------------------------------------------------------------

const gcd = (a: bigint, b: bigint): bigint => {
  let x = a < 0n ? -a : a
  let y = b < 0n ? -b : b
  while (y !== 0n) [x, y] = [y, x % y]
  return x
}

/** DF as a reduced fraction num/den (DF = 0.5 → 1/2). */
const fraction = (df: D.Decimal): readonly [bigint, bigint] => {
  if (df < 0n || df > D.ONE) throw new RangeError(`discount factor ${D.format(df)} is not in [0, 1]`)
  const num = D.toScaled(df)
  const den = D.toScaled(D.ONE)
  const g = gcd(num, den)
  return g === 0n ? [0n, 1n] : [num / g, den / g]
}

const SHARE_SCALE = D.toScaled(D.ONE)

/**
 * Builds a level from what a bot sees: the level's total size (everyone's, ours included) and each of our
 * orders with its queue position — `ahead` = other participants' contracts ahead of it at this price.
 */
export const levelFromQueue = (
  tick: number,
  total: D.Decimal,
  ours: ReadonlyArray<{ readonly ahead: D.Decimal; readonly size: D.Decimal }>
): Level => {
  const mine = [...ours].sort((a, b) => D.cmp(a.ahead, b.ahead))
  const others = D.max(D.ZERO, D.sub(total, D.sum(mine.map((o) => o.size))))
  const orders: Array<QueueOrder> = []
  let othersPlaced = D.ZERO
  for (const o of mine) {
    const gap = D.min(D.sub(others, othersPlaced), D.max(D.ZERO, D.sub(o.ahead, othersPlaced)))
    if (gap > 0n) orders.push({ size: gap, ours: false })
    othersPlaced = D.add(othersPlaced, gap)
    if (o.size > 0n) orders.push({ size: o.size, ours: true })
  }
  const rest = D.sub(others, othersPlaced)
  if (rest > 0n) orders.push({ size: rest, ours: false })
  return { tick, orders }
}

const levelSize = (l: Level): D.Decimal => {
  let s = D.ZERO
  for (const o of l.orders) s = D.add(s, o.size)
  return s
}

/** One of our resting orders as the book builder needs it (YES terms: `buy` rests on the YES side). */
export interface OurOrder {
  readonly side: "buy" | "sell"
  /** YES price */
  readonly price: D.Decimal
  readonly size: D.Decimal
  /** other participants' contracts ahead of it at its price */
  readonly ahead: D.Decimal
}

/**
 * A snapshot from a YES book on the market's grid: bids are YES bids, asks at YES price p are NO bids at
 * 1 − p (ticks counted from the other end of the grid, so both sides read "higher tick = better bid").
 * Levels off the grid are dropped. `bids`/`asks` are [YES price, total size incl. ours], any order.
 */
export const fromBook = (
  grid: TickGrid,
  bids: ReadonlyArray<readonly [D.Decimal, D.Decimal]>,
  asks: ReadonlyArray<readonly [D.Decimal, D.Decimal]>,
  ours: ReadonlyArray<OurOrder>,
  open = true
): Snapshot => {
  const top = grid.size - 1
  const side = (book: ReadonlyArray<readonly [D.Decimal, D.Decimal]>, s: "buy" | "sell"): Side => {
    const levels: Array<Level> = []
    for (const [price, total] of book) {
      const l = grid.levelOf(price)
      if (l < 0) continue
      const mine = ours.filter((o) => o.side === s && o.price === price)
      levels.push(levelFromQueue(s === "buy" ? l : top - l, total, mine))
    }
    levels.sort((a, b) => b.tick - a.tick)
    return { levels, topTick: top }
  }
  return { open, yes: side(bids, "buy"), no: side(asks, "sell") }
}

// ---- one side ------------------------------------------------------------------------------------

/** Scores one side of a snapshot. */
export const scoreSide = (side: Side, params: Params, rules: Rules = defaultRules): SideScore => {
  const levels = side.levels.filter((l) => levelSize(l) > 0n)
  const sizes = levels.map(levelSize)
  const depth = D.sum(sizes)
  const best = levels[0]
  const ourAtBest = best?.orders.some((o) => o.ours && o.size > 0n) === true
  const none = (status: SideStatus): SideScore => ({
    status,
    depth,
    referenceTick: undefined,
    share: D.ZERO,
    ourQualifying: D.ZERO,
    atBest: ourAtBest
  })
  const target = params.targetSize
  if (best === undefined || depth < target) return none("short-of-target")
  if (best.tick >= side.topTick) return none("top-price")

  // reference level: the best, or where the cumulative size first reaches Target/5 (cum × 5 ≥ Target)
  let refIndex = 0
  if (rules.reference === "target-fifth") {
    let cum = D.ZERO
    for (let i = 0; i < levels.length; i++) {
      cum = D.add(cum, sizes[i]!)
      if (D.mulInt(cum, 5) >= target) {
        refIndex = i
        break
      }
    }
  }
  const refTick = levels[refIndex]!.tick

  // qualifying orders with their distance below the reference
  const counted: Array<{ readonly size: D.Decimal; readonly ours: boolean; readonly distance: number }> = []
  let cum = D.ZERO
  for (let i = 0; i < levels.length && cum < target; i++) {
    const l = levels[i]!
    const distance = rules.distance === "grid-ticks" ? Math.max(0, refTick - l.tick) : Math.max(0, i - refIndex)
    for (const o of l.orders) {
      if (o.size <= 0n) continue
      const size = rules.depth === "cut-at-target" ? D.min(o.size, D.sub(target, cum)) : o.size
      if (size <= 0n) break
      counted.push({ size, ours: o.ours, distance })
      cum = D.add(cum, size)
    }
  }

  // weights on a common denominator: size × num^d × den^(maxD − d)
  const [num, den] = fraction(params.discountFactor)
  let maxD = 0
  for (const c of counted) maxD = Math.max(maxD, c.distance)
  const numPow: Array<bigint> = [1n]
  const denPow: Array<bigint> = [1n]
  for (let k = 1; k <= maxD; k++) {
    numPow.push(numPow[k - 1]! * num)
    denPow.push(denPow[k - 1]! * den)
  }
  let total = 0n
  let ours = 0n
  let ourQualifying = D.ZERO
  for (const c of counted) {
    const w = D.toScaled(c.size) * numPow[c.distance]! * denPow[maxD - c.distance]!
    total += w
    if (c.ours) {
      ours += w
      ourQualifying = D.add(ourQualifying, c.size)
    }
  }
  const share = total === 0n ? D.ZERO : D.fromScaled((ours * SHARE_SCALE) / total)
  return { status: "qualifies", depth, referenceTick: refTick, share, ourQualifying, atBest: ourAtBest }
}

/** Scores one snapshot: both sides, exclusion, our snapshot score (0..2). */
export const scoreSnapshot = (snap: Snapshot, params: Params, rules: Rules = defaultRules): SnapshotScore => {
  // at-best coverage counts every snapshot of an open market, included or not
  const closed = (s: SideScore): SideScore => (snap.open ? s : { ...s, atBest: false })
  const yes = closed(scoreSide(snap.yes, params, rules))
  const no = closed(scoreSide(snap.no, params, rules))
  const included = snap.open && D.gte(yes.depth, params.targetSize) && D.gte(no.depth, params.targetSize)
  if (!included) return { included, yes, no, score: D.ZERO, all: 0 }
  const scoring = (s: SideScore) => (s.status === "qualifies" ? 1 : 0)
  return { included, yes, no, score: D.add(yes.share, no.share), all: scoring(yes) + scoring(no) }
}

// ---- a period ------------------------------------------------------------------------------------

export interface Period {
  /** snapshots taken */
  readonly snapshots: number
  /** snapshots not excluded */
  readonly included: number
  /** our summed snapshot scores */
  readonly ours: D.Decimal
  /** all participants' summed snapshot scores */
  readonly all: number
  /** snapshots of an open market with our order at the YES / NO best bid, and at both (included or not) */
  readonly atBestYes: number
  readonly atBestNo: number
  readonly atBestBoth: number
}

export const emptyPeriod: Period = {
  snapshots: 0,
  included: 0,
  ours: D.ZERO,
  all: 0,
  atBestYes: 0,
  atBestNo: 0,
  atBestBoth: 0
}

export const addSnapshot = (p: Period, s: SnapshotScore): Period => ({
  snapshots: p.snapshots + 1,
  included: p.included + (s.included ? 1 : 0),
  ours: D.add(p.ours, s.score),
  all: p.all + s.all,
  atBestYes: p.atBestYes + (s.yes.atBest ? 1 : 0),
  atBestNo: p.atBestNo + (s.no.atBest ? 1 : 0),
  atBestBoth: p.atBestBoth + (s.yes.atBest && s.no.atBest ? 1 : 0)
})

export interface Projection {
  /** our period score, 0..1, rounded down to 18 digits */
  readonly periodScore: D.Decimal
  /** share of snapshots with us at the best bid on both sides, 0..1 (rounded down) */
  readonly coverage: D.Decimal
  /** the reward before the minimum: rounded down to the cent */
  readonly earned: D.Decimal
  /** what would be paid: `earned`, or 0 when it is below the minimum paid reward */
  readonly paid: D.Decimal
}

/** $1.00: rewards below it are not paid. */
export const MINIMUM_REWARD: D.Decimal = D.ONE
const CENT = D.d("0.01")

/**
 * The reward a period would pay, from the snapshots so far (a projection when the period is still running:
 * the snapshots taken stand for the whole period).
 */
export const project = (p: Period, periodReward: D.Decimal, minimumReward: D.Decimal = MINIMUM_REWARD): Projection => {
  const ratio = (n: bigint, d: bigint) => (d === 0n ? D.ZERO : D.fromScaled((n * SHARE_SCALE) / d))
  const periodScore = ratio(D.toScaled(p.ours), BigInt(p.all) * SHARE_SCALE)
  const coverage = ratio(BigInt(p.atBestBoth), BigInt(p.snapshots))
  // ours/all × reward × included/snapshots, exactly, then down to the cent
  const den = BigInt(p.all) * BigInt(p.snapshots) * SHARE_SCALE
  const exact = den === 0n ? D.ZERO : D.fromScaled((D.toScaled(p.ours) * periodReward * BigInt(p.included)) / den)
  const earned = D.roundToStep(exact, CENT, "floor")
  return { periodScore, coverage, earned, paid: earned >= minimumReward ? earned : D.ZERO }
}
