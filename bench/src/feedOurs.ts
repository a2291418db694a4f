/**
 * "Ours" in the feed benchmark: one raw WebSocket frame string → the Kalshi plugin's feed path → what a
 * strategy sees. This file is the single adapter to repoint when the feed's strategy-facing API changes
 * (the integer book view): `strategyView` is what a strategy receives per delta, and `makeOurs` is the only
 * thing `feed.ts` calls.
 *
 * The path is `KalshiFeed.make`'s `handle` → `onDelta` (integer fast path) → `applyDelta`, and the strategy
 * reads an integer `BookView` snapshot of the ladder (no Decimal book). Those are closures inside
 * `KalshiFeed.make` (not exported, and `make` needs a live socket), so they are restated here step for step
 * against the exported `BookLadder`, `TickGrid`, `Decimal.parseUnits` and the same `Frame` schema: frame
 * counter and activity clock, `JSON.parse`, `Schema.decodeUnknownEither(Frame)`, per-`sid` sequence check,
 * the `orderbook_delta` field checks, ticker → book, unit table → level, "removes more than it holds",
 * `addBid`/`addAsk`, sequence and timestamps, then the view. Not restated: the Effect plumbing around it (one
 * `Effect.gen` per frame, the sliding `PubSub.publish`) — so this is, if anything, an upper bound on ours.
 * Books start valid and empty (as after an empty `orderbook_snapshot`).
 */
import { Decimal as D, Ids, OrderBook, type TickGrid } from "@alpha-hunter/core"
import { KalshiFeed } from "@alpha-hunter/kalshi"
import * as Schema from "effect/Schema"

export interface FeedMarket {
  readonly ticker: string
  readonly grid: TickGrid.TickGrid
}

export interface FeedPath {
  /** One raw frame in; returns a number read from what the strategy sees (so nothing is optimised away). */
  readonly onFrame: (raw: string) => number
  /** The final integer books (lots per level), to check the three implementations agree. */
  readonly ladders: () => ReadonlyArray<{ readonly bids: ArrayLike<number>; readonly asks: ArrayLike<number> }>
  /** Books the path marked invalid (must stay 0 on a valid stream). */
  readonly invalid: () => number
}

// the plugin's own envelope schema
const decodeFrame = Schema.decodeUnknownEither(KalshiFeed.Frame)

const LOT = D.d("0.01")

interface Book {
  readonly symbol: string
  readonly grid: TickGrid.TickGrid
  readonly ladder: OrderBook.BookLadder
  valid: boolean
  lastUpdate: number
}

/**
 * What a strategy sees after a delta: the integer `BookView` (an immutable snapshot of the ladder's levels,
 * as the Kalshi feed hands it out on pull). Taken here after every delta — with conflation at the strategy
 * edge a real strategy takes fewer, so this is the costlier case.
 */
const strategyView = (b: Book): number => {
  const view = b.ladder.snapshot(Ids.Symbol.make(b.symbol), b.grid, LOT)
  return view.version + view.bids.levels.length
}

export const makeOurs = (markets: ReadonlyArray<FeedMarket>): FeedPath => {
  const useYes = true
  const now = Date.now
  const books = new Map<string, Book>()
  for (const m of markets) {
    books.set(m.ticker, {
      symbol: m.ticker,
      grid: m.grid,
      ladder: new OrderBook.BookLadder(m.grid.size),
      valid: true,
      lastUpdate: 0
    })
  }
  const stats = { frames: 0, malformed: 0, gaps: 0 }
  let lastActivity = 0
  let invalid = 0
  const lastSeq = new Map<number, number>()
  const invalidate = (b: Book): number => {
    if (b.valid) {
      b.valid = false
      invalid++
    }
    return 0
  }
  const applyDelta = (b: Book, seq: number | undefined, yes: boolean, level: number, lots: number, ts: unknown) => {
    const current = yes ? b.ladder.bids[level]! : b.ladder.asks[level]!
    if (current + lots < 0) return invalidate(b)
    if (yes) b.ladder.addBid(level, lots)
    else b.ladder.addAsk(level, lots)
    b.ladder.sequence = seq ?? b.ladder.sequence + 1
    const t = now()
    b.ladder.timestamp = typeof ts === "number" ? ts : t
    b.lastUpdate = t
    return strategyView(b)
  }
  const onDelta = (seq: number | undefined, msg: unknown): number => {
    const m = msg as {
      market_ticker?: unknown
      price_dollars?: unknown
      delta_fp?: unknown
      side?: unknown
      ts_ms?: unknown
    } | null
    if (
      m === null ||
      typeof m !== "object" ||
      typeof m.market_ticker !== "string" ||
      typeof m.price_dollars !== "string" ||
      typeof m.delta_fp !== "string" ||
      (m.side !== "yes" && m.side !== "no") ||
      (m.ts_ms !== undefined && typeof m.ts_ms !== "number")
    ) {
      stats.malformed++
      return 0
    }
    const b = books.get(m.market_ticker)
    if (b === undefined || !b.valid) return 0
    const table = b.grid.unitIndex(4)
    const pips = D.parseUnits(m.price_dollars, 4)
    const lots = D.parseUnits(m.delta_fp, 2)
    if (table === undefined || Number.isNaN(pips) || Number.isNaN(lots)) {
      stats.malformed++
      return 0
    }
    const yes = m.side === "yes"
    const yesPips = yes || useYes ? pips : 10_000 - pips
    const level = yesPips >= 0 && yesPips < table.length ? table[yesPips]! : -1
    if (level < 0) return invalidate(b)
    return applyDelta(b, seq, yes, level, lots, m.ts_ms)
  }
  const onFrame = (raw: string): number => {
    stats.frames++
    lastActivity = now()
    let json: unknown
    try {
      json = JSON.parse(raw)
    } catch {
      stats.malformed++
      return 0
    }
    const fr = decodeFrame(json)
    if (fr._tag === "Left") {
      stats.malformed++
      return 0
    }
    const f = fr.right
    const sid = f.sid ?? undefined
    const seq = f.seq ?? undefined
    if (sid !== undefined && seq !== undefined) {
      const prev = lastSeq.get(sid)
      if (prev !== undefined && seq !== prev + 1) stats.gaps++
      lastSeq.set(sid, seq)
    }
    return f.type === "orderbook_delta" ? onDelta(seq, f.msg) + (lastActivity & 1) : 0
  }
  return {
    onFrame,
    ladders: () => [...books.values()].map((b) => ({ bids: b.ladder.bids, asks: b.ladder.asks })),
    invalid: () => invalid + stats.malformed + stats.gaps
  }
}
