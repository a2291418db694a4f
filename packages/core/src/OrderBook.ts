/**
 * Level-2 order books.
 *
 * `OrderBook` is the immutable, schema-checked view (ccxt's shape: bids descending, asks ascending,
 * `[price, amount]` levels). `BookLadder` is the hot-path structure behind it: sizes in integer lots held in
 * a typed array indexed by tick-grid level, with the best bid and ask tracked incrementally. A ladder is a
 * plain mutable value owned by a single fiber (the feed that applies deltas); it is never shared as a global.
 */
import * as Schema from "effect/Schema"
import * as D from "./Decimal.js"
import { Symbol } from "./Ids.js"
import type { TickGrid } from "./TickGrid.js"

export const Level = Schema.Tuple(D.Decimal, D.Decimal)
export type Level = typeof Level.Type

export class OrderBook extends Schema.Class<OrderBook>("OrderBook")({
  symbol: Symbol,
  /** best first: strictly descending prices */
  bids: Schema.Array(Level),
  /** best first: strictly ascending prices */
  asks: Schema.Array(Level),
  /** the venue's sequence number of the last update applied, when it has one */
  sequence: Schema.optional(Schema.Int),
  /** epoch ms of the last update */
  timestamp: Schema.Int
}) {}

export const bestBid = (b: OrderBook): Level | undefined => b.bids[0]
export const bestAsk = (b: OrderBook): Level | undefined => b.asks[0]

/** Structural problems of a book: returns a list of messages (empty when sound). */
export const validate = (b: OrderBook, grid?: TickGrid): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const check = (levels: ReadonlyArray<Level>, side: "bids" | "asks") => {
    for (let i = 0; i < levels.length; i++) {
      const [p, a] = levels[i]!
      if (a <= 0n) problems.push(`${side}[${i}]: amount ${D.format(a)} is not positive`)
      if (grid !== undefined && !grid.isOnGrid(p)) problems.push(`${side}[${i}]: price ${D.format(p)} is off the grid`)
      if (i > 0) {
        const prev = levels[i - 1]![0]
        if (side === "bids" ? p >= prev : p <= prev) {
          problems.push(`${side}[${i}]: prices are not strictly ${side === "bids" ? "descending" : "ascending"}`)
        }
      }
    }
  }
  check(b.bids, "bids")
  check(b.asks, "asks")
  const bb = b.bids[0]
  const ba = b.asks[0]
  if (bb !== undefined && ba !== undefined && bb[0] >= ba[0]) {
    problems.push(`crossed book: best bid ${D.format(bb[0])} ≥ best ask ${D.format(ba[0])}`)
  }
  return problems
}

/**
 * A price ladder over a tick grid with sizes in integer lots (amount ÷ lot step).
 * All operations are O(1) except when the best level empties, which scans to the next non-empty level.
 */
export class BookLadder {
  readonly bids: Float64Array
  readonly asks: Float64Array
  /** level of the best bid, -1 when there is none */
  bestBid = -1
  /** level of the best ask, `levels` when there is none */
  bestAsk: number
  sequence = 0
  timestamp = 0

  constructor(readonly levels: number) {
    this.bids = new Float64Array(levels)
    this.asks = new Float64Array(levels)
    this.bestAsk = levels
  }

  clear(): void {
    this.bids.fill(0)
    this.asks.fill(0)
    this.bestBid = -1
    this.bestAsk = this.levels
  }

  /** Sets the bid size at a level (lots ≥ 0). */
  setBid(level: number, lots: number): void {
    this.bids[level] = lots
    if (lots > 0) {
      if (level > this.bestBid) this.bestBid = level
    } else if (level === this.bestBid) {
      let l = level - 1
      const b = this.bids
      while (l >= 0 && b[l]! <= 0) l--
      this.bestBid = l
    }
  }

  /** Sets the ask size at a level (lots ≥ 0). */
  setAsk(level: number, lots: number): void {
    this.asks[level] = lots
    if (lots > 0) {
      if (level < this.bestAsk) this.bestAsk = level
    } else if (level === this.bestAsk) {
      let l = level + 1
      const a = this.asks
      const n = this.levels
      while (l < n && a[l]! <= 0) l++
      this.bestAsk = l
    }
  }

  /** Adds a (signed) change in lots to a bid level; returns the new size (never below 0). */
  addBid(level: number, deltaLots: number): number {
    const next = Math.max(0, this.bids[level]! + deltaLots)
    this.setBid(level, next)
    return next
  }

  addAsk(level: number, deltaLots: number): number {
    const next = Math.max(0, this.asks[level]! + deltaLots)
    this.setAsk(level, next)
    return next
  }

  hasBid(): boolean {
    return this.bestBid >= 0
  }

  hasAsk(): boolean {
    return this.bestAsk < this.levels
  }

  /** Spread in levels, or undefined when a side is empty. */
  spreadLevels(): number | undefined {
    return this.bestBid >= 0 && this.bestAsk < this.levels ? this.bestAsk - this.bestBid : undefined
  }

  /** Immutable view with prices from the grid and amounts as lots × lotStep, up to `depth` levels a side. */
  toOrderBook(symbol: Symbol, grid: TickGrid, lotStep: D.Decimal, depth = Number.POSITIVE_INFINITY): OrderBook {
    const bids: Array<Level> = []
    for (let l = this.bestBid; l >= 0 && bids.length < depth; l--) {
      const lots = this.bids[l]!
      if (lots > 0) bids.push([grid.priceAt(l), D.mulInt(lotStep, lots)])
    }
    const asks: Array<Level> = []
    for (let l = this.bestAsk; l < this.levels && asks.length < depth; l++) {
      const lots = this.asks[l]!
      if (lots > 0) asks.push([grid.priceAt(l), D.mulInt(lotStep, lots)])
    }
    // valid by construction: skip schema validation on this hot path
    return OrderBook.make({ symbol, bids, asks, sequence: this.sequence, timestamp: this.timestamp }, true)
  }
}
