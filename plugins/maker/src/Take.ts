/**
 * The taker path (execution mode): plan an IOC against the visible book within a price cap, estimate its
 * cost per contract (slippage against the mid plus the venue's taker fee, e.g. Kalshi's
 * 0.07 × C × P × (1 − P) rounded up per fill) and refuse it when the estimate exceeds a cap.
 * Exact Decimal arithmetic: this runs only on the fallback, not on every book update.
 */
import { Decimal as D, Fee, type OrderBook } from "@alpha-hunter/core"
import * as Either from "effect/Either"

export interface TakePlan {
  readonly side: "buy" | "sell"
  /** what the visible book can fill within the cap */
  readonly amount: D.Decimal
  /** IOC limit: the worst level the walk touched */
  readonly limitPrice: D.Decimal
  readonly averagePrice: D.Decimal
  /** taker fee, rounded per level like per-fill fees */
  readonly fee: D.Decimal
  /** (average − mid for a buy, mid − average for a sell) + fee / amount */
  readonly costPerContract: D.Decimal
}

export interface TakeInput {
  readonly book: OrderBook.OrderBook
  readonly side: "buy" | "sell"
  readonly amount: D.Decimal
  /** buy: highest price; sell: lowest price */
  readonly cap: D.Decimal | undefined
  readonly fees: Fee.FeeModel
  readonly maxCostPerContract: D.Decimal
}

export const plan = (input: TakeInput): Either.Either<TakePlan, string> => {
  const { book, side, cap } = input
  const levels = side === "buy" ? book.asks : book.bids
  let remaining = input.amount
  let filled = D.ZERO
  let notional = D.ZERO
  let fee = D.ZERO
  let limitPrice: D.Decimal | undefined
  for (const [price, size] of levels) {
    if (D.isZero(remaining)) break
    if (cap !== undefined && (side === "buy" ? price > cap : price < cap)) break
    const q = D.min(size, remaining)
    filled = D.add(filled, q)
    notional = D.add(notional, D.mul(price, q, "ceil"))
    fee = D.add(fee, Fee.compute(input.fees, price, q, "taker"))
    remaining = D.sub(remaining, q)
    limitPrice = price
  }
  if (limitPrice === undefined || D.isZero(filled)) return Either.left("nothing to take within the price cap")
  const bb = book.bids[0]?.[0]
  const ba = book.asks[0]?.[0]
  const mid = bb !== undefined && ba !== undefined ? D.div(D.add(bb, ba), D.int(2)) : (side === "buy" ? ba : bb)!
  const averagePrice = D.div(notional, filled, "ceil")
  const slip = side === "buy" ? D.sub(averagePrice, mid) : D.sub(mid, averagePrice)
  const costPerContract = D.add(slip, D.div(fee, filled, "ceil"))
  if (costPerContract > input.maxCostPerContract) {
    return Either.left(
      `estimated cost ${D.format(costPerContract)} per contract exceeds ${D.format(input.maxCostPerContract)}`
    )
  }
  return Either.right({ side, amount: filled, limitPrice, averagePrice, fee, costPerContract })
}

/** FNV-1a 32-bit with a murmur3 finaliser: a stable hash for the seeded rollout split. */
const fnv1a = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  // murmur3 finaliser: spreads nearby keys over the whole range
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Which path works a target: the maker path for a `fraction` share of targets, reproducibly per seed. */
export const rolloutPath = (seed: number, key: string, fraction: number): "maker" | "taker" =>
  fraction >= 1
    ? "maker"
    : fraction <= 0
      ? "taker"
      : fnv1a(`${seed}|${key}`) / 0x1_0000_0000 < fraction
        ? "maker"
        : "taker"
