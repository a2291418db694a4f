/**
 * The fill model of a backtest: how our resting orders fill against recorded market activity.
 *
 * Every model keeps a price-time queue position for each of our resting orders: it joins the back of its
 * level (the recorded size there is ahead of it); recorded size added later is behind it. What moves it up:
 * - a trade at its price: the traded volume is taken from the front (ahead of us first);
 * - a cancel at its price (a decrease of the level that no trade explains): how much of it was ahead of us
 *   depends on the model (below).
 * A trade printed *through* our price (a seller below our bid, a buyer above our ask) fills us in every
 * model: the aggressor had to pass our order.
 *
 * - `pessimistic`: cancels come from behind us first; a trade at our price moves us up but never fills us —
 *   we fill only when the market trades through our price (never on a touch).
 * - `queue` (default): cancels come from behind us first; a trade at our price fills us with whatever volume
 *   exceeds the size still ahead of us.
 * - `probabilistic`: as `queue`, but each canceled contract was ahead of us with probability
 *   ahead ÷ (ahead + behind), drawn from a seeded generator (same seed, same fills).
 *
 * Orders that cross the recorded book on arrival take its liquidity as a taker (what we took stays taken
 * until the level's recorded size drops below it). Latencies: the strategy sees the tape `feedLatencyMs`
 * after it happened; our creates and cancels reach the book `orderLatencyMs` after they are sent;
 * `batchMs` groups records into windows applied together (see below).
 */
import { Decimal as D } from "@alpha-hunter/core"
import * as Schema from "effect/Schema"

export const Kind = Schema.Literal("pessimistic", "queue", "probabilistic")
export type Kind = typeof Kind.Type

export class FillModel extends Schema.Class<FillModel>("FillModel")({
  kind: Schema.optionalWith(Kind, { default: () => "queue" as const }),
  seed: Schema.optionalWith(Schema.Int, { default: () => 1 }),
  feedLatencyMs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 0 }),
  orderLatencyMs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 50 }),
  /**
   * 0 (default): every record at its own time. N > 0: the records of each N ms window are applied together at
   * its end, as one socket batch is: a strategy sees at most one book per market per window (faster
   * backtests; up to N ms of extra feed latency)
   */
  batchMs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 0 })
}) {}

export class ReplayConfig extends Schema.Class<ReplayConfig>("ReplayConfig")({
  fill: Schema.optionalWith(FillModel, { default: () => FillModel.make({}) }),
  /** starting cash */
  balance: Schema.optionalWith(D.NonNegative, { default: () => D.int(10_000) }),
  currency: Schema.optionalWith(Schema.String, { default: () => "USD" }),
  /** how often liquidity programs on the tape are scored (Kalshi samples every second; 0 = never) */
  lipSampleMs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 1000 })
}) {}

/** A small seeded generator (mulberry32): deterministic draws in [0, 1). */
export const prng = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * How much of a cancel of `canceled` lots at a level holding `size` recorded lots (before the cancel) was
 * ahead of an order with `ahead` lots in front of it.
 */
export const canceledAhead = (
  kind: Kind,
  ahead: number,
  size: number,
  canceled: number,
  draw: () => number
): number => {
  if (ahead <= 0 || canceled <= 0) return 0
  const behind = Math.max(0, size - ahead)
  if (kind !== "probabilistic") return Math.min(ahead, Math.max(0, canceled - behind))
  const expected = (canceled * ahead) / Math.max(1, ahead + behind)
  const whole = Math.floor(expected)
  const n = whole + (draw() < expected - whole ? 1 : 0)
  return Math.min(ahead, n)
}

/**
 * A trade of `traded` lots at our price with `ahead` recorded lots in front of us: the lots left ahead and
 * the lots we fill (at most `remaining`).
 */
export const tradeAtLevel = (
  kind: Kind,
  ahead: number,
  traded: number,
  remaining: number
): { readonly ahead: number; readonly fill: number } => {
  const used = Math.min(ahead, traded)
  const excess = traded - used
  return { ahead: ahead - used, fill: kind === "pessimistic" ? 0 : Math.min(remaining, excess) }
}
