/**
 * The replay venue: a venue built with `Venue.make` whose books come from a tape and whose fills come from
 * the fill model (`FillModel.ts`), so a strategy runs through the same port, execution engine and risk as
 * live. Meant to run on `SimRuntime` (simulated time): `feed` plays the tape at its recorded times.
 *
 * - books: snapshots and deltas as recorded (an invalid book — after a gap, before its snapshot — is not
 *   shown); the strategy sees the recorded book plus our own resting orders, `feedLatencyMs` late;
 * - writes reach the book `orderLatencyMs` after they are sent; fees are the market's own fee model;
 * - a market that settles on the tape (`market_lifecycle_v2` `settled`/`determined` with a value) cancels
 *   our orders and pays our position out at the settlement value.
 * Balances are not checked (a backtest assumes the account can carry the orders Risk admits).
 */
import {
  Decimal as D,
  ExchangeError as E,
  Exchange,
  Fanout,
  Ids,
  Incentive,
  Market,
  Order,
  Venue
} from "@alpha-hunter/core"
import type { Tape, TapeReader } from "@alpha-hunter/tape"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Analytics } from "./Analytics.js"
import type { ReplayConfig } from "./FillModel.js"
import * as B from "./internal/book.js"
import { type LipResult, LipScorer } from "./internal/lip.js"
import { Shown } from "./internal/shown.js"
import * as S from "./internal/state.js"
import * as T from "./internal/tape.js"
import * as V from "./internal/views.js"
import * as W from "./internal/writes.js"

/** What a tape starts with: its definitions, read before the replay starts. */
export interface Head {
  readonly markets: ReadonlyArray<Market.Market>
  readonly programs: ReadonlyArray<Incentive.IncentiveProgram>
  readonly startMs: number
  /** the records from the first one that is not a definition on */
  readonly rest: Iterator<Tape.TapeRecord, void>
}

const decodeMarket = Schema.decodeUnknownSync(Market.Market)
/** tape records decoded ahead of the replay at a time (their frames' JSON parsed in one pass) */
const DECODE_BATCH = 512
const decodeProgram = Schema.decodeUnknownSync(Incentive.IncentiveProgram)

/** Reads a tape's head: the definitions written before its first frame. Fails if it has no market. */
export const readHead = (reader: TapeReader.TapeReader, venue: string): Head => {
  const it = reader.records()
  const markets = new Map<string, Market.Market>()
  const programs: Array<Incentive.IncentiveProgram> = []
  let startMs = 0
  let first: Tape.TapeRecord | undefined
  for (let r = it.next(); !r.done; r = it.next()) {
    const rec = r.value
    // a meta record's time is when its file was opened (a generated tape's may be far from its data)
    if (rec.k === "meta") continue
    if (startMs === 0) startMs = rec.t
    if (rec.k === "market") {
      const m = decodeMarket(rec.market)
      markets.set(m.symbol, Market.Market.make({ ...m, venue: Ids.VenueId.make(venue) }))
      continue
    }
    if (rec.k === "program") {
      programs.push(decodeProgram(rec.program))
      continue
    }
    first = rec
    break
  }
  if (markets.size === 0) throw new Error(`the tape at ${reader.dir} has no market definitions`)
  let pushed = first === undefined
  const rest: Iterator<Tape.TapeRecord, void> = {
    next: () => {
      if (!pushed) {
        pushed = true
        return { done: false, value: first! }
      }
      return it.next()
    }
  }
  return { markets: [...markets.values()], programs, startMs, rest }
}

export interface ReplayStats {
  readonly records: number
  readonly frames: number
  readonly gaps: number
  readonly malformed: number
  readonly fills: number
  readonly lastMs: number
}

export interface ReplayVenue {
  readonly exchange: Exchange.ExchangeService
  /** plays the rest of the tape at its recorded times (returns at its end) */
  readonly feed: Effect.Effect<void>
  readonly analytics: Analytics
  readonly stats: () => ReplayStats
  /** the settlement value, or the last mid, of each market (for attribution) */
  readonly finalValue: (symbol: string) => D.Decimal | undefined
  /** whether the market settled on the tape */
  readonly settled: (symbol: string) => boolean
  readonly programs: ReadonlyArray<Incentive.IncentiveProgram>
  /** liquidity programs on the tape, scored once per `lipSampleMs` over the replay (Kalshi's rules, `Lip`) */
  readonly lip: () => ReadonlyArray<LipResult>
}

export type { LipResult }

const features: Exchange.Features = {
  maxBatchCreate: 20,
  maxBatchCancel: 20,
  amend: false,
  postOnly: true,
  reduceOnly: false,
  cancelAll: false,
  orderGroups: false,
  clientOrderId: true,
  timeInForce: ["GTC", "IOC"],
  expiry: false
}

export const make = (head: Head, config: ReplayConfig, venue: string): Effect.Effect<ReplayVenue, never, Scope.Scope> =>
  Effect.gen(function* () {
    const st = S.make(head, config, venue)
    const { books, fm, latency } = st
    const lip = new LipScorer(head.programs, books, config.lipSampleMs, head.startMs)
    const shown = new Shown(fm.feedLatencyMs)
    const wakers = new V.Wakers()
    // our order updates and fills, in the order they happened (one stream: no merge of two)
    const events = yield* Fanout.make<Venue.PrivateEvent>()
    const now = Clock.currentTimeMillis
    // the simulated clock the venue is made under (the writes read it in their step)
    const simClock = yield* Effect.clock

    /** hands a step's updates, then its fills, to the port (synchronous: called inside the step's Effect) */
    const publish = (updates: ReadonlyArray<Order.Order>, fs: ReadonlyArray<Order.Fill>) => {
      for (const order of updates) events.unsafePublish({ _tag: "OrderUpdate", order })
      for (const fill of fs) events.unsafePublish({ _tag: "OrderFill", fill })
    }
    const midOf = (s: string) => B.mid(books.get(s)!)

    /** Plays the rest of the tape at its recorded times: the clock is read and slept on directly (hot path). */
    const feed = Effect.gen(function* () {
      const clock = yield* Effect.clock
      const time = () => clock.unsafeCurrentTimeMillis()
      const sleep = (ms: number) => clock.sleep(Duration.millis(ms))
      // frames decoded a batch at a time ahead of their turn (see `decodeAhead`)
      const ahead = T.decodeAhead(head.rest, DECODE_BATCH)
      for (let r = ahead.next(); !r.done; r = ahead.next()) {
        const rec = r.value.rec
        if (latency) {
          for (let at = shown.nextAt; at !== undefined && at <= rec.t; at = shown.nextAt) {
            if (at > time()) yield* sleep(at - time())
            wakers.wake(shown.due(books, at))
          }
        }
        while (lip.next <= rec.t) {
          const tn = time()
          if (lip.next > tn) yield* sleep(lip.next - tn)
          lip.sample()
        }
        const t1 = time()
        if (rec.t > t1) {
          // with a batch window, the records of one window are applied together at its end (one socket batch)
          const at = fm.batchMs > 0 ? Math.ceil(rec.t / fm.batchMs) * fm.batchMs : rec.t
          st.analytics.measure(at, midOf)
          yield* sleep(at - t1)
        }
        const t = Math.max(rec.t, t1)
        const applied = T.apply(st, rec, t, r.value.ev)
        if (latency) shown.push(books, applied.touched, t)
        else wakers.wake(applied.touched)
        publish(applied.updates, applied.fills)
      }
      if (latency) {
        for (let at = shown.nextAt; at !== undefined; at = shown.nextAt) {
          if (at > time()) yield* sleep(at - time())
          wakers.wake(shown.due(books, at))
        }
      }
      st.analytics.measure(Number.MAX_SAFE_INTEGER, () => undefined)
    })

    const viewOf = (b: B.MarketBook) => V.view(b, latency)
    const arrive = Effect.sleep(fm.orderLatencyMs)
    const marketOf = (symbol: string) => S.marketOf(st, symbol)

    // what a reader of a market's book follows: its shown view now and the book's version
    const shownOf = (symbol: string) =>
      Either.map(marketOf(symbol), (b) => ({ read: () => viewOf(b), version: () => b.version }))
    const primitives: Venue.VenuePrimitives = {
      id: Ids.VenueId.make(venue),
      has: Exchange.hasAll(true, { editOrder: false, cancelAllOrders: "emulated" }),
      features,
      loadMarkets: () => Effect.succeed(new Map([...books.values()].map((b) => [b.market.symbol, b.market] as const))),
      fetchMarkets: () => Effect.succeed([...books.values()].map((b) => b.market)),
      fetchEvents: () => Effect.succeed([]),
      instrument: (symbol) => Either.map(marketOf(symbol), (b) => ({ market: b.market, grid: b.grid })),
      fetchOrderBook: (symbol) =>
        Effect.flatMap(marketOf(symbol), (b) => {
          const v = viewOf(b)
          return v === undefined
            ? Effect.fail(
                new E.BadVenueData({ venue, message: `the book of ${symbol} is not known at this point of the tape` })
              )
            : Effect.succeed(v.toOrderBook())
        }),
      watchOrderBook: (symbol) => Stream.map(primitives.watchBook(symbol), (v) => v.toOrderBook()),
      watchBook: (symbol) =>
        Either.match(shownOf(symbol), {
          onLeft: Stream.fail,
          onRight: (m) => wakers.views(symbol, m.read, m.version)
        }),
      // the same views by a loop (the strategies' hot path: no stream channel per view)
      followBook: (symbol) =>
        Either.match(shownOf(symbol), {
          onLeft: Effect.fail,
          onRight: (m) => wakers.reader(symbol, m.read, m.version)
        }),
      // writes apply in this process and always answer (after `orderLatencyMs`): sent on the caller's fiber
      inProcess: true,
      // the write reaches the book `orderLatencyMs` after it is sent, then applies at once (one clock read)
      submit: (items) =>
        Effect.zipRight(
          arrive,
          Effect.suspend(() => {
            const t = simClock.unsafeCurrentTimeMillis()
            const rs = items.map((r) => W.create(st, r, t))
            publish(
              rs.flatMap((r) => r.updates),
              rs.flatMap((r) => r.fills)
            )
            wakers.wake(new Set(items.map((r) => r.symbol as string)))
            return Effect.succeed(rs.map((r) => r.outcome))
          })
        ),
      cancel: (items) =>
        Effect.zipRight(
          arrive,
          Effect.suspend(() => {
            const t = simClock.unsafeCurrentTimeMillis()
            const rs = items.map((c) => W.cancel(st, c, t))
            publish(
              rs.flatMap((r) => r.updates),
              []
            )
            wakers.wake(new Set(items.map((c) => c.symbol as string)))
            return Effect.succeed(rs.map((r) => r.outcome))
          })
        ),
      lookup: (key) =>
        Effect.sync(() => {
          const id = key._tag === "ByOrderId" ? key.id : st.byCid.get(key.clientOrderId)
          const o = id === undefined ? undefined : st.orders.get(id)
          return o === undefined ? Option.none() : Option.some(S.toOrder(o, books.get(o.symbol)!))
        }),
      openOrders: (options = {}) =>
        Effect.sync(() =>
          [...books.values()]
            .flatMap((b) => b.orders.filter((o) => o.status === "open").map((o) => S.toOrder(o, b)))
            .filter((o) => options.symbol === undefined || o.symbol === options.symbol)
        ),
      fills: (options = {}) =>
        Effect.sync(() =>
          st.fills.filter(
            (f) =>
              (options.symbol === undefined || f.symbol === options.symbol) &&
              (options.since === undefined || f.timestamp >= options.since)
          )
        ),
      balance: () =>
        Effect.sync(() => [
          Order.Balance.make({ currency: config.currency, free: st.cash, used: D.ZERO, total: st.cash })
        ]),
      positions: () =>
        Effect.flatMap(now, (t) =>
          Effect.sync(() =>
            [...st.positions]
              .filter(([, a]) => !D.isZero(a))
              .map(([symbol, amount]) =>
                Order.Position.make({
                  symbol: Ids.Symbol.make(symbol),
                  amount,
                  cost: D.ZERO,
                  realizedPnl: D.ZERO,
                  feesPaid: D.ZERO,
                  timestamp: t
                })
              )
          )
        ),
      privateEvents: events.subscribe(),
      health: Stream.empty
    }
    const { exchange } = yield* Venue.make(primitives, { clientIdPrefix: "bt" })
    return {
      exchange,
      feed,
      analytics: st.analytics,
      stats: () => ({ ...st.stats }),
      finalValue: (symbol) => books.get(symbol)?.settlement ?? st.lastMid.get(symbol),
      settled: (symbol) => books.get(symbol)?.settlement !== undefined,
      lip: () => lip.results(),
      programs: head.programs
    } satisfies ReplayVenue
  })
