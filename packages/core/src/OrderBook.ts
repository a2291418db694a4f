/**
 * Level-2 order books.
 *
 * - `OrderBook` is the immutable, schema-checked Decimal book (ccxt's shape: bids descending, asks ascending,
 *   `[price, amount]` levels). It is for the edges: `Exchange.fetchOrderBook`, `watchOrderBook`, reports and
 *   samples.
 * - `BookLadder` is the hot-path structure: sizes in integer lots held in a typed array indexed by tick-grid
 *   level, with the best bid and ask tracked incrementally. A ladder is a plain mutable value owned by a
 *   single fiber (the feed that applies deltas); it is never shared as a global, and never handed to another
 *   fiber (another fiber could keep it across a yield and read it half-way through later deltas).
 * - `BookView` is what crosses fibers to a strategy: integers on the market's grid (levels, lots), a
 *   monotonically increasing `version`, and the Decimal book only when read (`toOrderBook`). `BookSnapshot`
 *   implements it as an immutable copy of the non-empty levels (arrays of integers), taken synchronously from the
 *   ladder when the consumer pulls (`pullLatest`), so the feed never pays for a view nobody reads and a
 *   reader never sees a ladder mid-update.
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
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

/** A side of a book: `bid` (best = highest level) or `ask` (best = lowest level). */
export type BookSide = "bid" | "ask"

/** One side of a book on the grid, best first: parallel arrays of levels and lots. */
export interface SideLevels {
  readonly levels: ArrayLike<number>
  readonly lots: ArrayLike<number>
}

/**
 * A read-only integer view of one market's book, safe to keep and to share across fibers (it never changes).
 * Prices are levels of `grid`, sizes are lots of `lotStep`; `version` grows with every change the venue
 * applied to the book, so two views of one market compare by it. Decimals are built only when read.
 */
export interface BookView {
  readonly symbol: Symbol
  readonly grid: TickGrid
  /** the amount of one lot */
  readonly lotStep: D.Decimal
  /** grows (not necessarily by one) with every change applied to the book */
  readonly version: number
  /** the venue's sequence number of the last update applied, when it has one */
  readonly sequence: number | undefined
  /** epoch ms of the last update */
  readonly timestamp: number
  /** the best level of a side; -1 when the side is empty */
  bestLevel(side: BookSide): number
  /** lots at the best level of a side (0 when the side is empty) */
  bestLots(side: BookSide): number
  /** up to `n` non-empty levels of a side (default: every one the view holds), best first */
  levels(side: BookSide, n?: number): SideLevels
  /** the Decimal book (every level the view holds), built on first read */
  toOrderBook(): OrderBook
}

/**
 * One side of a snapshot: levels and lots, best first. Plain arrays of small integers (V8 keeps them unboxed):
 * allocating one is several times cheaper than a typed array, which the snapshot does four times per view.
 */
export interface SnapshotSide extends SideLevels {
  readonly levels: ReadonlyArray<number>
  readonly lots: ReadonlyArray<number>
}

const sideFromLadder = (
  lotsByLevel: Float64Array,
  from: number,
  step: 1 | -1,
  end: number,
  count: number
): SnapshotSide => {
  const levels: Array<number> = []
  const lots: Array<number> = []
  for (let l = from; l !== end && levels.length < count; l += step) {
    const q = lotsByLevel[l]!
    if (q > 0) {
      levels.push(l)
      lots.push(q)
    }
  }
  return { levels, lots }
}

/**
 * An immutable `BookView`: the non-empty levels of each side (up to a depth) as integer arrays, best first.
 * Taking one from a ladder is O(depth + empty levels skipped) and allocates four small arrays (about 0.5 µs
 * for 40 levels, against 4 µs for the Decimal book); the Decimal book is built (once) only if someone reads it.
 */
export class BookSnapshot implements BookView {
  #book: OrderBook | undefined

  constructor(
    readonly symbol: Symbol,
    readonly grid: TickGrid,
    readonly lotStep: D.Decimal,
    readonly version: number,
    readonly sequence: number | undefined,
    readonly timestamp: number,
    /** best (highest level) first */
    readonly bids: SnapshotSide,
    /** best (lowest level) first */
    readonly asks: SnapshotSide
  ) {}

  bestLevel(side: BookSide): number {
    const s = side === "bid" ? this.bids : this.asks
    return s.levels.length === 0 ? -1 : s.levels[0]!
  }

  bestLots(side: BookSide): number {
    const s = side === "bid" ? this.bids : this.asks
    return s.lots.length === 0 ? 0 : s.lots[0]!
  }

  levels(side: BookSide, n?: number): SideLevels {
    const s = side === "bid" ? this.bids : this.asks
    if (n === undefined || n >= s.levels.length) return s
    const k = Math.max(0, n)
    return { levels: s.levels.slice(0, k), lots: s.lots.slice(0, k) }
  }

  toOrderBook(): OrderBook {
    if (this.#book === undefined) {
      const side = (s: SideLevels): Array<Level> => {
        const out: Array<Level> = new Array(s.levels.length)
        for (let i = 0; i < s.levels.length; i++) {
          out[i] = [this.grid.priceAt(s.levels[i]!), D.mulInt(this.lotStep, s.lots[i]!)]
        }
        return out
      }
      this.#book = OrderBook.make(
        {
          symbol: this.symbol,
          bids: side(this.bids),
          asks: side(this.asks),
          ...(this.sequence === undefined ? {} : { sequence: this.sequence }),
          timestamp: this.timestamp
        },
        true // valid by construction
      )
    }
    return this.#book
  }

  /**
   * The view of a Decimal book (for venues that only have one): prices off `grid` and sizes that are not a
   * whole number of lots are dropped (they cannot be quoted against on this grid).
   */
  static fromOrderBook(book: OrderBook, grid: TickGrid, lotStep: D.Decimal, version: number): BookSnapshot {
    const side = (ls: ReadonlyArray<Level>): SnapshotSide => {
      const levels: Array<number> = []
      const lots: Array<number> = []
      for (const [price, amount] of ls) {
        const l = grid.levelOf(price)
        const q = D.isMultipleOf(amount, lotStep) ? Number(D.divToInt(amount, lotStep)) : 0
        if (l < 0 || q <= 0) continue
        levels.push(l)
        lots.push(q)
      }
      return { levels, lots }
    }
    return new BookSnapshot(
      book.symbol,
      grid,
      lotStep,
      version,
      book.sequence,
      book.timestamp,
      side(book.bids),
      side(book.asks)
    )
  }
}

/**
 * A price ladder over a tick grid with sizes in integer lots (amount ÷ lot step).
 * All operations are O(1) except when the best level empties, which scans to the next non-empty level.
 * It counts its non-empty levels per side (so a snapshot allocates exactly) and a `version` that grows
 * with every change.
 */
export class BookLadder {
  readonly bids: Float64Array
  readonly asks: Float64Array
  /** level of the best bid, -1 when there is none */
  bestBid = -1
  /** level of the best ask, `levels` when there is none */
  bestAsk: number
  /** non-empty bid levels */
  bidCount = 0
  /** non-empty ask levels */
  askCount = 0
  /** grows with every change (a feed that swaps in a new ladder carries it on: `next.version = old.version + 1`) */
  version = 0
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
    this.bidCount = 0
    this.askCount = 0
    this.version++
  }

  /** Sets the bid size at a level (lots ≥ 0). */
  setBid(level: number, lots: number): void {
    const prev = this.bids[level]!
    this.bids[level] = lots
    this.version++
    if (lots > 0) {
      if (prev <= 0) this.bidCount++
      if (level > this.bestBid) this.bestBid = level
    } else {
      if (prev > 0) this.bidCount--
      if (level === this.bestBid) {
        let l = level - 1
        const b = this.bids
        while (l >= 0 && b[l]! <= 0) l--
        this.bestBid = l
      }
    }
  }

  /** Sets the ask size at a level (lots ≥ 0). */
  setAsk(level: number, lots: number): void {
    const prev = this.asks[level]!
    this.asks[level] = lots
    this.version++
    if (lots > 0) {
      if (prev <= 0) this.askCount++
      if (level < this.bestAsk) this.bestAsk = level
    } else {
      if (prev > 0) this.askCount--
      if (level === this.bestAsk) {
        let l = level + 1
        const a = this.asks
        const n = this.levels
        while (l < n && a[l]! <= 0) l++
        this.bestAsk = l
      }
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

  /**
   * An immutable view of up to `depth` levels a side. Take it synchronously (inside one `Effect.sync`) on
   * whichever fiber reads: JavaScript runs one fiber at a time and a delta is applied without yielding, so the
   * copy always sees whole deltas; after that the ladder can change freely.
   */
  snapshot(symbol: Symbol, grid: TickGrid, lotStep: D.Decimal, depth = Number.POSITIVE_INFINITY): BookSnapshot {
    return new BookSnapshot(
      symbol,
      grid,
      lotStep,
      this.version,
      this.sequence,
      this.timestamp,
      sideFromLadder(this.bids, this.bestBid, -1, -1, Math.min(depth, this.bidCount)),
      sideFromLadder(this.asks, this.bestAsk, 1, this.levels, Math.min(depth, this.askCount))
    )
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

// ---- streams of views ------------------------------------------------------------------------------

/**
 * Latest wins: of the elements already waiting when the consumer pulls, only the newest is delivered. Put it
 * at the strategy edge, over a stream that queues every change (a `SubscriptionRef`'s `changes`): a consumer
 * that falls behind gets the current book, never a backlog, and no fiber or buffer is added in between.
 */
export const latest = <A, E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<A, E, R> =>
  Stream.mapChunks(self, (c) => (Chunk.size(c) <= 1 ? c : Chunk.of(Chunk.unsafeLast(c))))

/**
 * Views of a book owned by another fiber, taken when the consumer pulls: `wake` signals a change (signals
 * waiting together count once), and `read` copies the book at that moment, in one step (`Effect.sync` over a
 * ladder, or a read of an immutable state), and yields `undefined` while there is nothing to show (e.g. an
 * invalid book). The first view is read at once; a view whose version was already delivered is skipped. The
 * owner pays one signal per change; the copy is paid once per consumer pull, never for a view nobody reads.
 */
export const pullLatest = <V extends { readonly version: number }, E, R, E2, R2>(
  wake: Stream.Stream<unknown, E, R>,
  read: Effect.Effect<V | undefined, E2, R2>
): Stream.Stream<V, E | E2, R | R2> =>
  Stream.concat(Stream.succeed(undefined), wake).pipe(
    Stream.mapChunks((c) => (Chunk.size(c) <= 1 ? c : Chunk.of(undefined))),
    Stream.mapAccumEffect(-1, (last: number, _) =>
      Effect.map(read, (v): readonly [number, Option.Option<V>] =>
        v === undefined || v.version === last ? [last, Option.none()] : [v.version, Option.some(v)]
      )
    ),
    Stream.filterMap((o) => o)
  )

/** Views of a stream of Decimal books (for a venue that has no integer book of its own). */
export const viewsOf = <E, R>(
  books: Stream.Stream<OrderBook, E, R>,
  grid: TickGrid,
  lotStep: D.Decimal
): Stream.Stream<BookView, E, R> =>
  Stream.mapAccum(books, 0, (n, b) => [n + 1, BookSnapshot.fromOrderBook(b, grid, lotStep, n + 1)] as const)
