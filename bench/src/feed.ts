/**
 * Benchmark 1 — order book.
 *
 * One seeded stream of decoded Kalshi `orderbook_delta` messages (`use_yes_price`: `yes` deltas are YES bids,
 * `no` deltas are YES asks at YES prices) over 50 markets on the three Kalshi tick structures, applied through:
 *
 * - ours: the per-delta fast path of `KalshiFeed.onDelta` (ticker → book map, wire strings → integer price
 *   units and lots with `Decimal.parseUnits`, the grid's unit table for the level, the "removes more than it
 *   holds" check, `BookLadder`
 *   `addBid`/`addAsk`), then the best bid/ask lookup. That path is a closure inside `KalshiFeed.make` and is
 *   not exported, so it is restated here line for line against the exported `BookLadder` and `TickGrid`.
 * - ours (feed path): the same plus the immutable `toOrderBook` snapshot `KalshiFeed` publishes on every delta.
 * - ccxt: ccxt pro's incremental `OrderBook` (`exchange.orderBook()`); it stores absolute sizes, so each
 *   relative delta is turned into the level's new size (ccxt's own bisect on the side's price index), then
 *   `store(price, size)`, then `bids[0]` / `asks[0]`.
 * - floor: a bare `Int32Array` ladder per market with pre-converted integer levels and lots.
 *
 * Sizes are whole contracts (`"37.00"`) so ccxt's float sums stay exact and every implementation ends each
 * round with the same books (checked).
 */
import { Decimal as D, Ids, OrderBook, TickGrid } from "@alpha-hunter/core"
import ccxt from "ccxt"
import { median, nowNs, p99, prng, sig } from "./stats.js"

/** A decoded `orderbook_delta` message (JSON parsed; fixed-point fields are the wire's strings). */
export interface BookDelta {
  readonly market_ticker: string
  readonly price_dollars: string
  readonly delta_fp: string
  readonly side: "yes" | "no"
  readonly ts_ms: number
}

/** The same stream in three native forms: decoded (ours), floats (ccxt), integers (floor). */
export interface Stream {
  readonly n: number
  readonly tickers: ReadonlyArray<string>
  readonly grids: ReadonlyArray<TickGrid.TickGrid>
  readonly decoded: ReadonlyArray<BookDelta>
  readonly fPrice: Float64Array
  readonly fDelta: Float64Array
  readonly iMarket: Int32Array
  readonly iLevel: Int32Array
  readonly iLots: Int32Array
  /** 0 = yes (bid), 1 = no (ask) */
  readonly iSide: Uint8Array
}

const range = (start: string, end: string, step: string) =>
  TickGrid.PriceRange.make({ start: D.d(start), end: D.d(end), step: D.d(step) })

/** The three structures the simulator rotates through (price_ranges as Kalshi publishes them). */
export const structures: ReadonlyArray<readonly [string, TickGrid.TickGrid]> = [
  ["linear_cent", TickGrid.unsafeMake({ ranges: [range("0", "1", "0.01")] })],
  ["deci_cent", TickGrid.unsafeMake({ ranges: [range("0", "1", "0.001")] })],
  [
    "tapered_deci_cent",
    TickGrid.unsafeMake({
      ranges: [range("0", "0.1", "0.001"), range("0.1", "0.9", "0.01"), range("0.9", "1", "0.001")]
    })
  ]
]

const LOT = D.d("0.01")
const LOTS_PER_CONTRACT = 100

/** A valid stream from empty books: no delta removes more than its level holds. */
export const makeStream = (n: number, markets: number, seed: number): Stream => {
  const rnd = prng(seed)
  const tickers: Array<string> = []
  const grids: Array<TickGrid.TickGrid> = []
  const mids: Array<number> = []
  const halfSpread: Array<number> = []
  const shadow: Array<[Int32Array, Int32Array]> = [] // contracts per level
  const prices: Array<Array<string>> = []
  const fprices: Array<Float64Array> = []
  for (let m = 0; m < markets; m++) {
    const [, grid] = structures[m % structures.length]!
    tickers.push(`KXBENCH${String.fromCharCode(65 + (m % 26))}-26DEC31-E${Math.floor(m / 26)}-M${m}`)
    grids.push(grid)
    // a mid somewhere between 15 % and 85 %, a spread of 1..4 levels
    const lo = grid.ceilLevel(D.d("0.15"))
    const hi = grid.floorLevel(D.d("0.85"))
    mids.push(lo + Math.floor(rnd() * (hi - lo)))
    halfSpread.push(1 + Math.floor(rnd() * 2))
    shadow.push([new Int32Array(grid.size), new Int32Array(grid.size)])
    const ps = Array.from({ length: grid.size }, (_, l) => grid.priceAt(l))
    prices.push(ps.map((p) => D.format(p, 4)))
    fprices.push(Float64Array.from(ps, (p) => Number(D.format(p))))
  }
  const decoded: Array<BookDelta> = new Array(n)
  const fPrice = new Float64Array(n)
  const fDelta = new Float64Array(n)
  const iMarket = new Int32Array(n)
  const iLevel = new Int32Array(n)
  const iLots = new Int32Array(n)
  const iSide = new Uint8Array(n)
  const contractStrings = new Map<number, string>()
  const dec = (c: number): string => {
    let x = contractStrings.get(c)
    if (x === undefined) {
      x = D.format(D.int(c), 2)
      contractStrings.set(c, x)
    }
    return x
  }
  let ts = 1_790_000_000_000
  for (let i = 0; i < n; i++) {
    const m = Math.floor(rnd() * markets)
    const grid = grids[m]!
    // the mid drifts now and then, so best prices move
    if (rnd() < 0.01) {
      const step = rnd() < 0.5 ? -1 : 1
      const next = mids[m]! + step
      if (next > 20 && next < grid.size - 21) mids[m] = next
    }
    const yes = rnd() < 0.5
    // distance from the touch: mostly near the top of the book
    const dist = Math.min(Math.floor(-Math.log(1 - rnd()) * 4), 40)
    const level = yes ? mids[m]! - halfSpread[m]! - dist : mids[m]! + halfSpread[m]! + dist
    const l = Math.max(1, Math.min(grid.size - 2, level))
    const side = shadow[m]![yes ? 0 : 1]
    const cur = side[l]!
    let delta: number
    const r = rnd()
    if (cur === 0) delta = 1 + Math.floor(rnd() * 500)
    else if (r < 0.35) delta = -cur
    else if (r < 0.65) delta = -Math.max(1, Math.floor(cur * rnd()))
    else delta = 1 + Math.floor(rnd() * 300)
    side[l] = cur + delta
    ts += 1
    decoded[i] = {
      market_ticker: tickers[m]!,
      price_dollars: prices[m]![l]!,
      delta_fp: dec(delta),
      side: yes ? "yes" : "no",
      ts_ms: ts
    }
    fPrice[i] = fprices[m]![l]!
    fDelta[i] = delta
    iMarket[i] = m
    iLevel[i] = l
    iLots[i] = delta * LOTS_PER_CONTRACT
    iSide[i] = yes ? 0 : 1
  }
  return { n, tickers, grids, decoded, fPrice, fDelta, iMarket, iLevel, iLots, iSide }
}

/** An implementation: `setup` makes fresh empty books; `apply(from, to)` applies a slice; `digest` checks state. */
export interface Impl {
  readonly name: string
  readonly setup: (s: Stream) => {
    readonly apply: (from: number, to: number) => number
    readonly digest: () => string
  }
}

// ---- ours: KalshiFeed.onDelta's fast path restated -------------------------------------------------

interface OurBook {
  readonly symbol: string
  readonly grid: TickGrid.TickGrid
  /** $0.0001 price units → grid level (TickGrid.unitIndex(4)) */
  readonly levels: Int32Array
  readonly ladder: OrderBook.BookLadder
  valid: boolean
  lastUpdate: number
}

const ladderDigest = (ladders: ReadonlyArray<{ bids: ArrayLike<number>; asks: ArrayLike<number> }>): string => {
  let h = 0
  for (const l of ladders) {
    for (let i = 0; i < l.bids.length; i++) h = (Math.imul(h, 31) + (l.bids[i]! | 0) * (i + 1)) | 0
    for (let i = 0; i < l.asks.length; i++) h = (Math.imul(h, 37) + (l.asks[i]! | 0) * (i + 1)) | 0
  }
  return String(h >>> 0)
}

const oursImpl = (withSnapshot: boolean): Impl => ({
  name: withSnapshot ? "ours_feed_path" : "ours",
  setup: (s) => {
    const books = new Map<string, OurBook>()
    const order: Array<OurBook> = []
    s.tickers.forEach((t, m) => {
      const b: OurBook = {
        symbol: t,
        grid: s.grids[m]!,
        levels: s.grids[m]!.unitIndex(4)!,
        ladder: new OrderBook.BookLadder(s.grids[m]!.size),
        valid: true,
        lastUpdate: 0
      }
      books.set(t, b)
      order.push(b)
    })
    const useYes = true
    const symbols = new Map(s.tickers.map((t) => [t, Ids.Symbol.make(t)]))
    const apply = (from: number, to: number): number => {
      const ds = s.decoded
      let sink = 0
      for (let i = from; i < to; i++) {
        const d = ds[i]!
        const b = books.get(d.market_ticker)
        if (b === undefined || !b.valid) continue
        // integer arithmetic only: "0.5600" → 5600 units, "12.00" → 1200 lots, level from the unit table
        const pips = D.parseUnits(d.price_dollars, 4)
        const lots = D.parseUnits(d.delta_fp, 2)
        const yesPips = d.side === "yes" || useYes ? pips : 10_000 - pips
        const level = yesPips >= 0 && yesPips < b.levels.length ? b.levels[yesPips]! : -1
        if (level < 0 || Number.isNaN(lots)) {
          b.valid = false
          continue
        }
        const current = d.side === "yes" ? b.ladder.bids[level]! : b.ladder.asks[level]!
        if (current + lots < 0) {
          b.valid = false
          continue
        }
        if (d.side === "yes") b.ladder.addBid(level, lots)
        else b.ladder.addAsk(level, lots)
        b.ladder.sequence = b.ladder.sequence + 1
        b.ladder.timestamp = d.ts_ms
        b.lastUpdate = d.ts_ms
        // best bid / ask lookup (level and size of each touch)
        const lad = b.ladder
        sink += lad.bestBid + lad.bestAsk + (lad.bestBid >= 0 ? lad.bids[lad.bestBid]! : 0)
        if (withSnapshot) {
          const ob = lad.toOrderBook(symbols.get(b.symbol)!, b.grid, LOT)
          sink += ob.bids.length
        }
      }
      return sink
    }
    return {
      apply,
      digest: () =>
        order.some((b) => !b.valid)
          ? "invalid"
          : ladderDigest(order.map((b) => ({ bids: b.ladder.bids, asks: b.ladder.asks })))
    }
  }
})

// ---- ccxt pro's incremental OrderBook ----------------------------------------------------------

interface CcxtSide extends Array<[number, number]> {
  readonly index: Float64Array
  readonly side: boolean
  store(price: number, size: number): void
}
interface CcxtBook {
  readonly bids: CcxtSide
  readonly asks: CcxtSide
}

/** ccxt's own bisect over a side's price index (bids are indexed by −price). */
const sizeAt = (side: CcxtSide, price: number): number => {
  const key = side.side ? -price : price
  const index = side.index
  let low = 0
  let high = index.length - 1
  while (low <= high) {
    const mid = (low + high) >>> 1
    if (index[mid]! - key < 0) low = mid + 1
    else high = mid - 1
  }
  return index[low] === key ? side[low]![1] : 0
}

const ccxtImpl: Impl = {
  name: "ccxt",
  setup: (s) => {
    const exchange = new ccxt.prediction.kalshi()
    const books: Record<string, CcxtBook> = {}
    for (const t of s.tickers) books[t] = exchange.orderBook({}) as unknown as CcxtBook
    const apply = (from: number, to: number): number => {
      const ds = s.decoded
      const fp = s.fPrice
      const fd = s.fDelta
      let sink = 0
      for (let i = from; i < to; i++) {
        const d = ds[i]!
        const book = books[d.market_ticker]!
        const side = d.side === "yes" ? book.bids : book.asks
        const price = fp[i]!
        const size = sizeAt(side, price) + fd[i]!
        side.store(price, size)
        const bb = book.bids[0]
        const ba = book.asks[0]
        sink += (bb === undefined ? 0 : bb[0] + bb[1]) + (ba === undefined ? 0 : ba[0])
      }
      return sink
    }
    return {
      apply,
      digest: () =>
        ladderDigest(
          s.tickers.map((t, m) => {
            const grid = s.grids[m]!
            const bids = new Int32Array(grid.size)
            const asks = new Int32Array(grid.size)
            const fill = (side: CcxtSide, into: Int32Array) => {
              for (const [p, a] of side) into[grid.levelOf(D.d(p.toFixed(4)))] = Math.round(a * LOTS_PER_CONTRACT)
            }
            fill(books[t]!.bids, bids)
            fill(books[t]!.asks, asks)
            return { bids, asks }
          })
        )
    }
  }
}

// ---- the floor: a bare Int32Array ladder -------------------------------------------------------

const floorImpl: Impl = {
  name: "floor",
  setup: (s) => {
    const bids = s.grids.map((g) => new Int32Array(g.size))
    const asks = s.grids.map((g) => new Int32Array(g.size))
    const size = Int32Array.from(s.grids, (g) => g.size)
    const bestBid = new Int32Array(s.grids.length).fill(-1)
    const bestAsk = Int32Array.from(size)
    const apply = (from: number, to: number): number => {
      const im = s.iMarket
      const il = s.iLevel
      const ilots = s.iLots
      const is = s.iSide
      let sink = 0
      for (let i = from; i < to; i++) {
        const m = im[i]!
        const l = il[i]!
        if (is[i] === 0) {
          const lad = bids[m]!
          const v = lad[l]! + ilots[i]!
          lad[l] = v
          if (v > 0) {
            if (l > bestBid[m]!) bestBid[m] = l
          } else if (l === bestBid[m]) {
            let k = l - 1
            while (k >= 0 && lad[k]! <= 0) k--
            bestBid[m] = k
          }
        } else {
          const lad = asks[m]!
          const v = lad[l]! + ilots[i]!
          lad[l] = v
          if (v > 0) {
            if (l < bestAsk[m]!) bestAsk[m] = l
          } else if (l === bestAsk[m]) {
            const n = size[m]!
            let k = l + 1
            while (k < n && lad[k]! <= 0) k++
            bestAsk[m] = k
          }
        }
        const bb = bestBid[m]!
        sink += bb + bestAsk[m]! + (bb >= 0 ? bids[m]![bb]! : 0)
      }
      return sink
    }
    return { apply, digest: () => ladderDigest(bids.map((b, m) => ({ bids: b, asks: asks[m]! }))) }
  }
}

export interface BookOptions {
  readonly messages: number
  readonly markets: number
  readonly rounds: number
  readonly seed: number
  /** messages of the stream replayed by the slow "ours + snapshot per delta" variant */
  readonly feedPathMessages: number
  readonly log: (line: string) => void
}

export interface ImplResult {
  updates_per_s: number
  median_ns_per_update: number
  p99_ns_per_update: number
  rounds_updates_per_s: Array<number>
}

const CHUNK = 10_000

const runRound = (impl: Impl, s: Stream, count: number) => {
  const inst = impl.setup(s)
  const chunkNs: Array<number> = []
  let sink = 0
  const t0 = nowNs()
  for (let from = 0; from < count; from += CHUNK) {
    const to = Math.min(count, from + CHUNK)
    const c0 = nowNs()
    sink += inst.apply(from, to)
    chunkNs.push((nowNs() - c0) / (to - from))
  }
  const totalNs = nowNs() - t0
  return { updatesPerS: (count / totalNs) * 1e9, chunkNs, sink, digest: inst.digest }
}

export const run = (o: BookOptions) => {
  const t0 = Date.now()
  const s = makeStream(o.messages, o.markets, o.seed)
  o.log(
    `book: stream of ${o.messages.toLocaleString()} deltas over ${o.markets} markets built in ${Date.now() - t0} ms`
  )
  const impls = [oursImpl(false), ccxtImpl, floorImpl]
  // warm-up (JIT) on a prefix, fresh books each time
  for (const impl of impls) runRound(impl, s, Math.min(o.messages, 100_000))
  const samples = new Map<string, { rounds: Array<number>; chunks: Array<number> }>()
  const digests = new Map<string, string>()
  for (let r = 0; r < o.rounds; r++) {
    // rotate the order every round so no implementation always runs first
    const order = impls.map((_, i) => impls[(i + r) % impls.length]!)
    for (const impl of order) {
      const res = runRound(impl, s, o.messages)
      const e = samples.get(impl.name) ?? { rounds: [], chunks: [] }
      e.rounds.push(res.updatesPerS)
      e.chunks.push(...res.chunkNs)
      samples.set(impl.name, e)
      if (r === 0) digests.set(impl.name, res.digest())
    }
    o.log(
      `book: round ${r + 1}/${o.rounds}: ${impls.map((i) => `${i.name} ${sig(samples.get(i.name)!.rounds[r]! / 1e6, 3)} M/s`).join(", ")}`
    )
  }
  const feed = oursImpl(true)
  runRound(feed, s, Math.min(o.feedPathMessages, 20_000))
  const feedRounds: Array<number> = []
  const feedChunks: Array<number> = []
  for (let r = 0; r < o.rounds; r++) {
    const res = runRound(feed, s, o.feedPathMessages)
    feedRounds.push(res.updatesPerS)
    feedChunks.push(...res.chunkNs)
  }
  const summarize = (rounds: Array<number>, chunks: Array<number>): ImplResult => ({
    updates_per_s: Math.round(median(rounds)),
    median_ns_per_update: sig(median(chunks)),
    p99_ns_per_update: sig(p99(chunks)),
    rounds_updates_per_s: rounds.map((x) => Math.round(x))
  })
  const ours = summarize(samples.get("ours")!.rounds, samples.get("ours")!.chunks)
  const cc = summarize(samples.get("ccxt")!.rounds, samples.get("ccxt")!.chunks)
  const floor = summarize(samples.get("floor")!.rounds, samples.get("floor")!.chunks)
  const feedPath = summarize(feedRounds, feedChunks)
  const same = new Set(digests.values()).size === 1
  return {
    messages: o.messages,
    markets: o.markets,
    rounds: o.rounds,
    seed: o.seed,
    ours_updates_per_s: ours.updates_per_s,
    ccxt_updates_per_s: cc.updates_per_s,
    floor_updates_per_s: floor.updates_per_s,
    ours_feed_path_updates_per_s: feedPath.updates_per_s,
    feed_path_messages: o.feedPathMessages,
    ours_vs_ccxt: sig(ours.updates_per_s / cc.updates_per_s, 3),
    ours_vs_floor: sig(ours.updates_per_s / floor.updates_per_s, 3),
    final_books_identical: same,
    digests: Object.fromEntries(digests),
    detail: { ours, ccxt: cc, floor, ours_feed_path: feedPath }
  }
}

export type BookResult = ReturnType<typeof run>
