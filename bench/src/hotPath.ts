/**
 * Benchmark — the book hot path: a Kalshi `orderbook_delta` frame (the WebSocket string) → the book a
 * strategy sees, before and after `BookView`.
 *
 * Every frame goes through the feed's steps, restated (as in `book.ts`, since `KalshiFeed`'s handler is a
 * closure): `JSON.parse`, the envelope schema (`wire.Frame`, restated: `internal/` is not exported), the per-sid
 * seq check, `onDelta`'s integer fast path into the `BookLadder`. Then:
 *
 * - before: the feed built `toOrderBook` per delta and published it (`PubSub.sliding(1024)`); the runner set it
 *   into a `SubscriptionRef`; the strategy read `changes` through `Stream.buffer({capacity: 1, sliding})` and the
 *   maker converted both sides back to levels and lots (`grid.levelOf`, `D.divToInt` per level).
 * - after: the feed publishes one signal per delta (`PubSub.sliding(1)`); the runner's one subscription per market
 *   copies the ladder into an immutable `BookSnapshot` when it pulls (`OrderBook.pullLatest`) and sets it into
 *   the `SubscriptionRef`; the strategy edge conflates (`OrderBook.latest`) and the maker reads `levels(side)`.
 *
 * Two measurements:
 * 1. `sync`: the per-message work alone (no Effect runtime), with the strategy reading every message (no
 *    conflation): what one delta costs in each representation.
 * 2. `effect`: the real pipeline (fibers, PubSub, SubscriptionRef, streams) over 50 markets, frames offered to
 *    the feed's inbox either all at once (`burst`) or one at a time with a yield between (`paced`, every frame
 *    reaches the strategy). Messages per second until every strategy has seen its market's last sequence.
 *
 * Run: `npx tsx --conditions=@alpha-hunter/source bench/src/hotPath.ts [--messages 200000] [--rounds 3]`.
 */
import { pathToFileURL } from "node:url"
import { Decimal as D, Ids, OrderBook, type TickGrid } from "@alpha-hunter/core"
import { KalshiFeed } from "@alpha-hunter/kalshi"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { makeStream } from "./feed.js"
import { median, nowNs, sig } from "./stats.js"

const LOT = D.d("0.01")

// the plugin's own envelope schema
const decodeFrame = Schema.decodeUnknownEither(KalshiFeed.Frame)

interface FeedBook {
  readonly symbol: Ids.Symbol
  readonly grid: TickGrid.TickGrid
  readonly table: Int32Array
  ladder: OrderBook.BookLadder
  valid: boolean
}

/** The frames: one WebSocket string per delta of `book.ts`'s seeded stream (one sid, seq from 1). */
const framesOf = (n: number, markets: number, seed: number) => {
  const s = makeStream(n, markets, seed)
  const frames = s.decoded.map((d, i) => JSON.stringify({ type: "orderbook_delta", sid: 1, seq: i + 1, msg: d }))
  return { s, frames }
}

/** The feed's per-frame steps (parse, envelope, seq, onDelta fast path, ladder); returns the book touched. */
const makeFeed = (s: ReturnType<typeof makeStream>) => {
  const books = new Map<string, FeedBook>()
  const list: Array<FeedBook> = []
  s.tickers.forEach((t, m) => {
    const grid = s.grids[m]!
    const b: FeedBook = {
      symbol: Ids.Symbol.make(t),
      grid,
      table: grid.unitIndex(4)!,
      ladder: new OrderBook.BookLadder(grid.size),
      valid: true
    }
    books.set(t, b)
    list.push(b)
  })
  const lastSeq = new Map<number, number>()
  const handle = (raw: string): FeedBook | undefined => {
    const json: unknown = JSON.parse(raw)
    const fr = decodeFrame(json)
    if (fr._tag === "Left") return undefined
    const f = fr.right
    const sid = f.sid ?? undefined
    const seq = f.seq ?? undefined
    if (sid !== undefined && seq !== undefined) {
      const prev = lastSeq.get(sid)
      if (prev !== undefined && seq !== prev + 1) throw new Error("gap")
      lastSeq.set(sid, seq)
    }
    if (f.type !== "orderbook_delta") return undefined
    const m = f.msg as { market_ticker: string; price_dollars: string; delta_fp: string; side: string; ts_ms: number }
    const b = books.get(m.market_ticker)
    if (b === undefined || !b.valid) return undefined
    const pips = D.parseUnits(m.price_dollars, 4)
    const lots = D.parseUnits(m.delta_fp, 2)
    const yes = m.side === "yes"
    const level = pips >= 0 && pips < b.table.length ? b.table[pips]! : -1
    if (level < 0 || Number.isNaN(lots)) throw new Error("off grid")
    const current = yes ? b.ladder.bids[level]! : b.ladder.asks[level]!
    if (current + lots < 0) throw new Error("impossible delta")
    if (yes) b.ladder.addBid(level, lots)
    else b.ladder.addAsk(level, lots)
    b.ladder.sequence = seq ?? b.ladder.sequence + 1
    b.ladder.timestamp = m.ts_ms
    return b
  }
  return { handle, list }
}

/** The maker's old conversion (Maker.ts `sideLevels`, removed): Decimal levels → levels and lots. */
const sideLevels = (levels: ReadonlyArray<OrderBook.Level>, grid: TickGrid.TickGrid) => {
  const ls: Array<number> = []
  const qs: Array<number> = []
  for (const [price, amount] of levels) {
    const l = grid.levelOf(price)
    if (l < 0) continue
    ls.push(l)
    qs.push(Number(D.divToInt(amount, LOT, "down")))
  }
  return { levels: ls, lots: qs }
}

/** What the maker reads: best levels and the lots ahead (a stand-in for `Quoting.quote`, same for both). */
const consume = (bids: OrderBook.SideLevels, asks: OrderBook.SideLevels): number =>
  (bids.levels.length > 0 ? bids.levels[0]! + bids.lots[0]! : 0) + (asks.levels.length > 0 ? asks.levels[0]! : 0)

// ---- 1. per-message work, no runtime -------------------------------------------------------------

const syncRound = (frames: ReadonlyArray<string>, s: ReturnType<typeof makeStream>, after: boolean) => {
  const feed = makeFeed(s)
  let sink = 0
  const t0 = nowNs()
  for (const raw of frames) {
    const b = feed.handle(raw)
    if (b === undefined) continue
    if (after) {
      const v = b.ladder.snapshot(b.symbol, b.grid, LOT)
      sink += consume(v.levels("bid"), v.levels("ask"))
    } else {
      const ob = b.ladder.toOrderBook(b.symbol, b.grid, LOT)
      sink += consume(sideLevels(ob.bids, b.grid), sideLevels(ob.asks, b.grid))
    }
  }
  const ns = nowNs() - t0
  return { perSecond: (frames.length / ns) * 1e9, nsPerMessage: ns / frames.length, sink }
}

/** The parse + ladder part alone (the floor both variants share). */
const feedOnlyRound = (frames: ReadonlyArray<string>, s: ReturnType<typeof makeStream>) => {
  const feed = makeFeed(s)
  const t0 = nowNs()
  for (const raw of frames) feed.handle(raw)
  const ns = nowNs() - t0
  return { perSecond: (frames.length / ns) * 1e9, nsPerMessage: ns / frames.length }
}

// ---- 2. the Effect pipeline ------------------------------------------------------------------------

const pipeline = (
  frames: ReadonlyArray<string>,
  s: ReturnType<typeof makeStream>,
  after: boolean,
  paced: boolean
): Effect.Effect<{ perSecond: number; strategyUpdates: number }> =>
  Effect.scoped(
    Effect.gen(function* () {
      const feed = makeFeed(s)
      // the last sequence each market will carry
      const finalSeq = new Map<string, number>()
      for (let i = 0; i < frames.length; i++) finalSeq.set(s.decoded[i]!.market_ticker, i + 1)
      const inbox = yield* Queue.unbounded<string>()
      const updates = yield* Ref.make(0)
      const remaining = yield* Ref.make(finalSeq.size)
      const done = yield* Queue.unbounded<void>()
      const hubs = new Map<FeedBook, PubSub.PubSub<OrderBook.OrderBook>>()
      const signals = new Map<FeedBook, PubSub.PubSub<void>>()
      for (const b of feed.list) {
        if (after) signals.set(b, yield* PubSub.sliding<void>(1))
        else hubs.set(b, yield* PubSub.sliding<OrderBook.OrderBook>(1024))
      }
      const seen = (symbol: string, sequence: number | undefined) =>
        Effect.gen(function* () {
          yield* Ref.update(updates, (n) => n + 1)
          if (sequence === finalSeq.get(symbol)) {
            const left = yield* Ref.updateAndGet(remaining, (n) => n - 1)
            if (left === 0) yield* Queue.offer(done, undefined)
          }
        })
      // the runner (one subscription per market) and the strategy (one loop per market)
      for (const b of feed.list) {
        if (!finalSeq.has(b.symbol)) continue
        if (after) {
          const ref = yield* SubscriptionRef.make(Option.none<OrderBook.BookView>())
          const sub = yield* PubSub.subscribe(signals.get(b)!)
          yield* OrderBook.pullLatest(
            Stream.fromQueue(sub),
            Effect.sync(() => (b.valid ? b.ladder.snapshot(b.symbol, b.grid, LOT) : undefined))
          ).pipe(
            Stream.runForEach((v) => SubscriptionRef.set(ref, Option.some(v))),
            Effect.forkScoped
          )
          yield* ref.changes.pipe(
            Stream.filterMap((o) => o),
            OrderBook.latest,
            Stream.runForEach((v) => {
              consume(v.levels("bid"), v.levels("ask"))
              return seen(b.symbol, v.sequence)
            }),
            Effect.forkScoped
          )
        } else {
          const ref = yield* SubscriptionRef.make(Option.none<OrderBook.OrderBook>())
          const sub = yield* PubSub.subscribe(hubs.get(b)!)
          yield* Stream.fromQueue(sub).pipe(
            Stream.runForEach((book) => SubscriptionRef.set(ref, Option.some(book))),
            Effect.forkScoped
          )
          yield* ref.changes.pipe(
            Stream.filterMap((o) => o),
            Stream.buffer({ capacity: 1, strategy: "sliding" }),
            Stream.runForEach((book) => {
              consume(sideLevels(book.bids, b.grid), sideLevels(book.asks, b.grid))
              return seen(b.symbol, book.sequence)
            }),
            Effect.forkScoped
          )
        }
      }
      // the feed's processor
      const emit = (b: FeedBook) =>
        after
          ? PubSub.publish(signals.get(b)!, undefined)
          : PubSub.publish(hubs.get(b)!, b.ladder.toOrderBook(b.symbol, b.grid, LOT))
      yield* Queue.take(inbox).pipe(
        Effect.flatMap((raw) => {
          const b = feed.handle(raw)
          return b === undefined ? Effect.void : emit(b)
        }),
        Effect.forever,
        Effect.forkScoped
      )
      yield* Effect.yieldNow()
      const t0 = nowNs()
      if (paced) {
        for (const raw of frames) {
          yield* Queue.offer(inbox, raw)
          yield* Effect.yieldNow()
        }
      } else {
        yield* Queue.offerAll(inbox, frames)
      }
      yield* Queue.take(done)
      const ns = nowNs() - t0
      return { perSecond: (frames.length / ns) * 1e9, strategyUpdates: yield* Ref.get(updates) }
    })
  )

export interface HotPathOptions {
  readonly messages: number
  readonly markets: number
  readonly rounds: number
  readonly seed: number
  readonly log: (line: string) => void
}

export const run = (o: HotPathOptions) =>
  Effect.gen(function* () {
    const { s, frames } = framesOf(o.messages, o.markets, o.seed)
    o.log(`hot path: ${o.messages.toLocaleString()} frames over ${o.markets} markets`)
    // warm-up
    const warm = frames.slice(0, Math.min(frames.length, 50_000))
    syncRound(warm, s, false)
    syncRound(warm, s, true)
    feedOnlyRound(warm, s)
    const sync = { before: [] as Array<number>, after: [] as Array<number>, feed: [] as Array<number> }
    for (let r = 0; r < o.rounds; r++) {
      sync.feed.push(feedOnlyRound(frames, s).perSecond)
      sync.before.push(syncRound(frames, s, false).perSecond)
      sync.after.push(syncRound(frames, s, true).perSecond)
      o.log(
        `hot path sync round ${r + 1}: feed only ${sig(sync.feed[r]! / 1e6, 3)} M/s, before ${sig(sync.before[r]! / 1e6, 3)} M/s, after ${sig(sync.after[r]! / 1e6, 3)} M/s`
      )
    }
    const effect: Record<string, Array<number>> = {}
    const updates: Record<string, number> = {}
    const paced = frames.slice(0, Math.min(frames.length, 50_000))
    yield* pipeline(warm, s, false, false)
    yield* pipeline(warm, s, true, false)
    for (let r = 0; r < o.rounds; r++) {
      for (const [name, after, isPaced] of [
        ["before_burst", false, false],
        ["after_burst", true, false],
        ["before_paced", false, true],
        ["after_paced", true, true]
      ] as const) {
        const res = yield* pipeline(isPaced ? paced : frames, s, after, isPaced)
        effect[name] = [...(effect[name] ?? []), res.perSecond]
        updates[name] = res.strategyUpdates
      }
      o.log(
        `hot path effect round ${r + 1}: ${Object.entries(effect)
          .map(([k, v]) => `${k} ${sig(v[r]! / 1e3, 3)} k/s`)
          .join(", ")}`
      )
    }
    const med = (xs: Array<number>) => Math.round(median(xs))
    return {
      messages: o.messages,
      paced_messages: paced.length,
      markets: o.markets,
      rounds: o.rounds,
      sync_feed_only_msgs_per_s: med(sync.feed),
      sync_before_msgs_per_s: med(sync.before),
      sync_after_msgs_per_s: med(sync.after),
      sync_after_vs_before: sig(median(sync.after) / median(sync.before), 3),
      effect_msgs_per_s: Object.fromEntries(Object.entries(effect).map(([k, v]) => [k, med(v)])),
      effect_burst_after_vs_before: sig(median(effect["after_burst"]!) / median(effect["before_burst"]!), 3),
      effect_paced_after_vs_before: sig(median(effect["after_paced"]!) / median(effect["before_paced"]!), 3),
      strategy_updates_last_round: updates
    }
  })

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (isMain) {
  const argv = process.argv.slice(2)
  const num = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`)
    return i >= 0 ? Number(argv[i + 1]) : fallback
  }
  Effect.runPromise(
    run({
      messages: num("messages", 200_000),
      markets: num("markets", 50),
      rounds: num("rounds", 3),
      seed: num("seed", 42),
      log: (line) => console.log(line)
    })
  ).then((r) => console.log(JSON.stringify(r, null, 2)))
}
