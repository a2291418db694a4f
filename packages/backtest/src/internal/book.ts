/**
 * One replayed market: the recorded book (integer lots per grid level, what other participants rest), our
 * resting orders with their queue positions, and the bookkeeping that tells trades from cancels. Plain
 * synchronous state owned by the replay venue (one writer: every change happens in one synchronous step).
 */
import { Decimal as D, type Ids, type Market, type TickGrid } from "@alpha-hunter/core"
import { canceledAhead, type Kind, tradeAtLevel } from "../FillModel.js"
import type { BookSide } from "./frames.js"

/** One of our orders resting in the simulated book (its ids branded once, when it is placed). */
export interface Ours {
  readonly id: Ids.OrderId
  readonly clientOrderId: Ids.ClientOrderId | undefined
  readonly symbol: Ids.Symbol
  readonly side: "buy" | "sell"
  readonly level: number
  readonly price: D.Decimal
  readonly amountLots: number
  readonly timeInForce: "GTC" | "IOC" | "FOK"
  readonly postOnly: boolean
  readonly timestamp: number
  filledLots: number
  /** recorded lots in front of us at our level */
  ahead: number
  status: "open" | "closed" | "canceled"
  cost: D.Decimal
  fee: D.Decimal
  updated: number
}

/** A fill of ours, before it is published. */
export interface OurFill {
  readonly order: Ours
  readonly lots: number
  readonly price: D.Decimal
  readonly role: "maker" | "taker"
}

export interface MarketBook {
  market: Market.Market
  readonly grid: TickGrid.TickGrid
  readonly lotStep: D.Decimal
  /** recorded lots per level: what the exchange holds (truth) */
  readonly bids: Float64Array
  readonly asks: Float64Array
  /** what the strategy has been shown (the truth `feedLatencyMs` ago); the same arrays without latency */
  vbids: Float64Array
  vasks: Float64Array
  /** liquidity we took as a taker, by `side:level`, until the recorded level drops below it */
  readonly taken: Map<string, number>
  /** traded lots not yet matched by the level's decrease (trade frame first), by `side:level` */
  readonly traded: Map<string, number>
  /** decreases not yet matched by a trade (delta frame first): cancels unless a trade claims them */
  pending: Array<{ side: BookSide; level: number; lots: number; size: number }>
  orders: Array<Ours>
  valid: boolean
  /** whether the shown book is valid (lags `valid` by the feed latency) */
  vvalid: boolean
  version: number
  sequence: number | undefined
  timestamp: number
  settlement: D.Decimal | undefined
}

export const make = (market: Market.Market, grid: TickGrid.TickGrid, latency: boolean): MarketBook => {
  const bids = new Float64Array(grid.size)
  const asks = new Float64Array(grid.size)
  return {
    market,
    grid,
    lotStep: market.amountStep,
    bids,
    asks,
    vbids: latency ? new Float64Array(grid.size) : bids,
    vasks: latency ? new Float64Array(grid.size) : asks,
    taken: new Map(),
    traded: new Map(),
    pending: [],
    orders: [],
    valid: false,
    vvalid: false,
    version: 0,
    sequence: undefined,
    timestamp: 0,
    settlement: undefined
  }
}

export const lotsOf = (b: MarketBook, size: D.Decimal): number => Number(D.divToInt(size, b.lotStep, "floor"))
export const levelOf = (b: MarketBook, price: D.Decimal): number => b.grid.levelOf(price)

export const bestBid = (side: Float64Array): number => {
  for (let l = side.length - 1; l >= 0; l--) if (side[l]! > 0) return l
  return -1
}
export const bestAsk = (side: Float64Array): number => {
  for (let l = 0; l < side.length; l++) if (side[l]! > 0) return l
  return -1
}

/** The truth mid (undefined while a side is empty or the book invalid). */
export const mid = (b: MarketBook): D.Decimal | undefined => {
  if (!b.valid) return undefined
  const bb = bestBid(b.bids)
  const ba = bestAsk(b.asks)
  if (bb < 0 || ba < 0) return undefined
  return D.div(D.add(b.grid.priceAt(bb), b.grid.priceAt(ba)), D.int(2))
}

const arr = (b: MarketBook, side: BookSide) => (side === "bid" ? b.bids : b.asks)

/** A snapshot replaces the recorded book; our queue positions are capped by the new sizes. */
export const snapshot = (
  b: MarketBook,
  bids: ReadonlyArray<readonly [D.Decimal, D.Decimal]>,
  asks: ReadonlyArray<readonly [D.Decimal, D.Decimal]>
): void => {
  b.bids.fill(0)
  b.asks.fill(0)
  for (const [p, s] of bids) {
    const l = levelOf(b, p)
    if (l >= 0) b.bids[l] = lotsOf(b, s)
  }
  for (const [p, s] of asks) {
    const l = levelOf(b, p)
    if (l >= 0) b.asks[l] = lotsOf(b, s)
  }
  b.taken.clear()
  b.traded.clear()
  b.pending = []
  for (const o of b.orders) {
    const size = (o.side === "buy" ? b.bids : b.asks)[o.level]!
    o.ahead = Math.min(o.ahead, size)
  }
  b.valid = true
}

/**
 * A change of a recorded level. An increase joins behind us. A decrease first settles trades already seen
 * at the level; the rest waits (`pending`) for a trade that may explain it, and is a cancel otherwise.
 */
export const delta = (b: MarketBook, side: BookSide, level: number, lots: number): void => {
  const a = arr(b, side)
  const before = a[level]!
  a[level] = Math.max(0, before + lots)
  const key = `${side}:${level}`
  if (lots >= 0) return
  let dec = -lots
  const t = b.traded.get(key) ?? 0
  if (t > 0) {
    const used = Math.min(t, dec)
    dec -= used
    if (t - used > 0) b.traded.set(key, t - used)
    else b.traded.delete(key)
  }
  const took = b.taken.get(key)
  if (took !== undefined && a[level]! < took) {
    if (a[level]! > 0) b.taken.set(key, a[level]!)
    else b.taken.delete(key)
  }
  if (dec > 0) b.pending.push({ side, level, lots: dec, size: before })
}

/** Decreases no trade claimed are cancels: they move our orders up as the model says. */
export const settlePending = (b: MarketBook, kind: Kind, draw: () => number): void => {
  if (b.pending.length === 0) return
  for (const p of b.pending) {
    for (const o of b.orders) {
      if (o.status !== "open" || o.level !== p.level || (o.side === "buy") !== (p.side === "bid")) continue
      o.ahead -= canceledAhead(kind, o.ahead, p.size, p.lots, draw)
    }
  }
  b.pending = []
}

/**
 * A recorded trade: `taker` = `bid` when a buyer took asks at or below `level`, `ask` when a seller took bids
 * at or above it. Returns our fills (maker).
 */
export const trade = (b: MarketBook, taker: BookSide, level: number, lots: number, kind: Kind): Array<OurFill> => {
  const hit: BookSide = taker === "bid" ? "ask" : "bid"
  const key = `${hit}:${level}`
  // a decrease already seen at the level is this trade, not a cancel
  let unexplained = lots
  for (const p of b.pending) {
    if (unexplained === 0) break
    if (p.side !== hit || p.level !== level) continue
    const used = Math.min(p.lots, unexplained)
    p.lots -= used
    unexplained -= used
  }
  b.pending = b.pending.filter((p) => p.lots > 0)
  if (unexplained > 0) b.traded.set(key, (b.traded.get(key) ?? 0) + unexplained)

  const fills: Array<OurFill> = []
  // our orders the aggressor reached: through our price first (better for them), then at it
  const ours = b.orders
    .filter(
      (o) =>
        o.status === "open" &&
        (hit === "bid" ? o.side === "buy" && o.level >= level : o.side === "sell" && o.level <= level)
    )
    .sort((x, y) => (hit === "bid" ? y.level - x.level : x.level - y.level) || x.timestamp - y.timestamp)
  let left = lots
  for (const o of ours) {
    const remaining = o.amountLots - o.filledLots
    if (o.level !== level) {
      // traded through our price: we were passed, so we fill
      const n = Math.min(remaining, left)
      if (n > 0) fills.push({ order: o, lots: n, price: o.price, role: "maker" })
      left -= n
      continue
    }
    const r = tradeAtLevel(kind, o.ahead, left, remaining)
    o.ahead = r.ahead
    if (r.fill > 0) fills.push({ order: o, lots: r.fill, price: o.price, role: "maker" })
  }
  return fills
}

/** Lots of the recorded book a taker of ours can still take at a level. */
export const available = (b: MarketBook, side: BookSide, level: number): number =>
  Math.max(0, arr(b, side)[level]! - (b.taken.get(`${side}:${level}`) ?? 0))

/** Our order arriving: takes what it crosses (unless post-only), returns its taker fills; rests the rest. */
export const place = (b: MarketBook, o: Ours): { readonly fills: Array<OurFill>; readonly crossed: boolean } => {
  const fills: Array<OurFill> = []
  const buy = o.side === "buy"
  const opp: BookSide = buy ? "ask" : "bid"
  const best = buy ? bestAsk(b.asks) : bestBid(b.bids)
  const crosses = best >= 0 && (buy ? best <= o.level : best >= o.level)
  if (crosses && o.postOnly) return { fills, crossed: true }
  if (crosses) {
    let remaining = o.amountLots
    for (let l = best; remaining > 0 && (buy ? l <= o.level : l >= o.level); l += buy ? 1 : -1) {
      const n = Math.min(remaining, available(b, opp, l))
      if (n <= 0) continue
      const key = `${opp}:${l}`
      b.taken.set(key, (b.taken.get(key) ?? 0) + n)
      fills.push({ order: o, lots: n, price: b.grid.priceAt(l), role: "taker" })
      remaining -= n
    }
  }
  o.ahead = (buy ? b.bids : b.asks)[o.level]!
  b.orders.push(o)
  return { fills, crossed: crosses }
}

/** Applies a fill to the order; returns the contracts and cash it moved. */
export const applyFill = (b: MarketBook, f: OurFill, fee: D.Decimal, now: number): D.Decimal => {
  const o = f.order
  o.filledLots += f.lots
  const amount = D.mulInt(b.lotStep, f.lots)
  o.cost = D.add(o.cost, D.mul(f.price, amount))
  o.fee = D.add(o.fee, fee)
  o.updated = now
  if (o.filledLots >= o.amountLots) o.status = "closed"
  return amount
}

/** Drops terminal orders from the market's resting list. */
export const prune = (b: MarketBook): void => {
  if (b.orders.some((o) => o.status !== "open")) b.orders = b.orders.filter((o) => o.status === "open")
}
