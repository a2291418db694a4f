/**
 * Benchmark 1 — feed path. One seeded stream of Kalshi `orderbook_delta` WebSocket frames (`use_yes_price`:
 * `yes` deltas are YES bids, `no` deltas are YES asks at YES prices) over 50 markets on the three Kalshi tick
 * structures, pre-generated once as the raw frame strings the simulator sends, and fed, the same strings, to:
 *
 * - ours: frame → the Kalshi plugin's feed path → what a strategy sees (`feedOurs.ts`, the one adapter to
 *   repoint when the feed's strategy-facing API changes);
 * - ccxt: frame → `JSON.parse` → ccxt pro's incremental `OrderBook` (`exchange.orderBook()`); it stores
 *   absolute sizes, so each relative delta is turned into the level's new size (ccxt's own bisect on the
 *   side's price index), then `store(price, size)`, then `bids[0]` / `asks[0]` (ccxt has no Kalshi WebSocket
 *   client, so the frame handling around its book is the minimum any client needs);
 * - floor: frame → `JSON.parse` → a bare `Int32Array` ladder per market (ticker → index map, price string →
 *   $0.0001 units → level table, size string → lots, best bid/ask kept).
 *
 * Sizes are whole contracts (`"37.00"`) so ccxt's float sums stay exact and every implementation ends each
 * round with the same books (checked).
 */
import { Decimal as D, TickGrid } from "@alpha-hunter/core"
import ccxt from "ccxt"
import { makeOurs } from "./feedOurs.js"
import { median, nowNs, p99, prng, sig } from "./stats.js"

/** A decoded `orderbook_delta` message (JSON parsed; fixed-point fields are the wire's strings). */
export interface BookDelta {
  readonly market_ticker: string
  readonly price_dollars: string
  readonly delta_fp: string
  readonly side: "yes" | "no"
  readonly ts_ms: number
}

/** The stream decoded (turned into frames by `toFrames`) and as integers (to check the generator). */
export interface Stream {
  readonly n: number
  readonly tickers: ReadonlyArray<string>
  readonly grids: ReadonlyArray<TickGrid.TickGrid>
  readonly decoded: ReadonlyArray<BookDelta>
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
  }
  const decoded: Array<BookDelta> = new Array(n)
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
    iMarket[i] = m
    iLevel[i] = l
    iLots[i] = delta * LOTS_PER_CONTRACT
    iSide[i] = yes ? 0 : 1
  }
  return { n, tickers, grids, decoded, iMarket, iLevel, iLots, iSide }
}

/** The stream as the raw frames the simulator writes (`{"type":"orderbook_delta","sid":1,"seq":n,"msg":…}`). */
export const toFrames = (s: Stream): Array<string> => {
  const ids = new Map(s.tickers.map((t, m) => [t, `00000000-0000-4000-8000-${String(m).padStart(12, "0")}`]))
  return s.decoded.map((d, i) =>
    JSON.stringify({
      type: "orderbook_delta",
      sid: 1,
      seq: i + 1,
      msg: {
        market_ticker: d.market_ticker,
        market_id: ids.get(d.market_ticker),
        price_dollars: d.price_dollars,
        delta_fp: d.delta_fp,
        side: d.side,
        ts: new Date(d.ts_ms).toISOString(),
        ts_ms: d.ts_ms
      }
    })
  )
}

/** An implementation: `setup` makes fresh empty books; `apply(from, to)` feeds a slice of the frames. */
export interface Impl {
  readonly name: "ours" | "ccxt" | "floor"
  readonly setup: (
    s: Stream,
    frames: ReadonlyArray<string>
  ) => {
    readonly apply: (from: number, to: number) => number
    readonly digest: () => string
  }
}

export const ladderDigest = (
  ladders: ReadonlyArray<{ readonly bids: ArrayLike<number>; readonly asks: ArrayLike<number> }>
): string => {
  let h = 0
  for (const l of ladders) {
    for (let i = 0; i < l.bids.length; i++) h = (Math.imul(h, 31) + (l.bids[i]! | 0) * (i + 1)) | 0
    for (let i = 0; i < l.asks.length; i++) h = (Math.imul(h, 37) + (l.asks[i]! | 0) * (i + 1)) | 0
  }
  return String(h >>> 0)
}

// ---- ours: the adapter in feedOurs.ts ------------------------------------------------------------

const oursImpl: Impl = {
  name: "ours",
  setup: (s, frames) => {
    const path = makeOurs(s.tickers.map((ticker, m) => ({ ticker, grid: s.grids[m]! })))
    const apply = (from: number, to: number): number => {
      let sink = 0
      for (let i = from; i < to; i++) sink += path.onFrame(frames[i]!)
      return sink
    }
    return { apply, digest: () => (path.invalid() > 0 ? `invalid (${path.invalid()})` : ladderDigest(path.ladders())) }
  }
}

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

interface DeltaFrame {
  readonly type: string
  readonly sid?: number
  readonly seq?: number
  readonly msg: {
    readonly market_ticker: string
    readonly price_dollars: string
    readonly delta_fp: string
    readonly side: "yes" | "no"
  }
}

const ccxtImpl: Impl = {
  name: "ccxt",
  setup: (s, frames) => {
    const exchange = new ccxt.prediction.kalshi()
    const books: Record<string, CcxtBook> = {}
    for (const t of s.tickers) books[t] = exchange.orderBook({}) as unknown as CcxtBook
    const apply = (from: number, to: number): number => {
      let sink = 0
      for (let i = from; i < to; i++) {
        const f = JSON.parse(frames[i]!) as DeltaFrame
        if (f.type !== "orderbook_delta") continue
        const d = f.msg
        const book = books[d.market_ticker]
        if (book === undefined) continue
        const side = d.side === "yes" ? book.bids : book.asks
        // ccxt's safeNumber: Number(string)
        const price = Number(d.price_dollars)
        const size = sizeAt(side, price) + Number(d.delta_fp)
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

// ---- the floor: JSON.parse and a bare Int32Array ladder -------------------------------------------

const floorImpl: Impl = {
  name: "floor",
  setup: (s, frames) => {
    const index = new Map(s.tickers.map((t, m) => [t, m]))
    const units = s.grids.map((g) => g.unitIndex(4)!)
    const bids = s.grids.map((g) => new Int32Array(g.size))
    const asks = s.grids.map((g) => new Int32Array(g.size))
    const size = Int32Array.from(s.grids, (g) => g.size)
    const bestBid = new Int32Array(s.grids.length).fill(-1)
    const bestAsk = Int32Array.from(size)
    const apply = (from: number, to: number): number => {
      let sink = 0
      for (let i = from; i < to; i++) {
        const f = JSON.parse(frames[i]!) as DeltaFrame
        if (f.type !== "orderbook_delta") continue
        const d = f.msg
        const m = index.get(d.market_ticker)
        if (m === undefined) continue
        const l = units[m]![Math.round(Number(d.price_dollars) * 10_000)]!
        const lots = Math.round(Number(d.delta_fp) * LOTS_PER_CONTRACT)
        if (d.side === "yes") {
          const lad = bids[m]!
          const v = lad[l]! + lots
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
          const v = lad[l]! + lots
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

export interface FeedOptions {
  readonly frames: number
  readonly markets: number
  readonly rounds: number
  readonly seed: number
  readonly log: (line: string) => void
}

export interface ImplResult {
  frames_per_s: number
  median_ns_per_frame: number
  p99_ns_per_frame: number
  rounds_frames_per_s: Array<number>
}

const CHUNK = 10_000

const runRound = (impl: Impl, s: Stream, frames: ReadonlyArray<string>, count: number) => {
  const inst = impl.setup(s, frames)
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
  return { framesPerS: (count / totalNs) * 1e9, chunkNs, sink, digest: inst.digest }
}

export const run = (o: FeedOptions) => {
  const t0 = Date.now()
  const s = makeStream(o.frames, o.markets, o.seed)
  const frames = toFrames(s)
  const bytes = frames.reduce((a, f) => a + f.length, 0)
  o.log(
    `feed: ${o.frames.toLocaleString()} frames (${Math.round(bytes / o.frames)} bytes each) over ${o.markets} markets built in ${Date.now() - t0} ms`
  )
  const impls = [oursImpl, ccxtImpl, floorImpl]
  // warm-up (JIT) on a prefix, fresh books each time
  for (const impl of impls) runRound(impl, s, frames, Math.min(o.frames, 50_000))
  const samples = new Map<string, { rounds: Array<number>; chunks: Array<number> }>()
  const digests = new Map<string, string>()
  for (let r = 0; r < o.rounds; r++) {
    // rotate the order every round so no implementation always runs first
    const order = impls.map((_, i) => impls[(i + r) % impls.length]!)
    for (const impl of order) {
      const res = runRound(impl, s, frames, o.frames)
      const e = samples.get(impl.name) ?? { rounds: [], chunks: [] }
      e.rounds.push(res.framesPerS)
      e.chunks.push(...res.chunkNs)
      samples.set(impl.name, e)
      if (r === 0) digests.set(impl.name, res.digest())
    }
    o.log(
      `feed: round ${r + 1}/${o.rounds}: ${impls.map((i) => `${i.name} ${sig(samples.get(i.name)!.rounds[r]! / 1e3, 3)} k/s`).join(", ")}`
    )
  }
  const summarize = (name: string): ImplResult => {
    const { rounds, chunks } = samples.get(name)!
    return {
      frames_per_s: Math.round(median(rounds)),
      median_ns_per_frame: sig(median(chunks)),
      p99_ns_per_frame: sig(p99(chunks)),
      rounds_frames_per_s: rounds.map((x) => Math.round(x))
    }
  }
  const ours = summarize("ours")
  const cc = summarize("ccxt")
  const floor = summarize("floor")
  return {
    frames: o.frames,
    markets: o.markets,
    rounds: o.rounds,
    seed: o.seed,
    frame_bytes_avg: Math.round(bytes / o.frames),
    ours_frames_per_s: ours.frames_per_s,
    ccxt_frames_per_s: cc.frames_per_s,
    floor_frames_per_s: floor.frames_per_s,
    ours_vs_ccxt: sig(ours.frames_per_s / cc.frames_per_s, 3),
    ours_vs_floor: sig(ours.frames_per_s / floor.frames_per_s, 3),
    final_books_identical: new Set(digests.values()).size === 1,
    digests: Object.fromEntries(digests),
    detail: { ours, ccxt: cc, floor }
  }
}

export type FeedResult = ReturnType<typeof run>
