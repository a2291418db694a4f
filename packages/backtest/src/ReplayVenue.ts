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
  Fee,
  Ids,
  Incentive,
  Lip,
  Market,
  Order,
  OrderBook,
  TickGrid,
  Venue,
  WriteOutcome
} from "@alpha-hunter/core"
import type { Tape, TapeReader } from "@alpha-hunter/tape"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Analytics } from "./Analytics.js"
import { prng, type ReplayConfig } from "./FillModel.js"
import * as B from "./internal/book.js"
import * as F from "./internal/frames.js"

/** What a tape starts with: its definitions, read before the replay starts. */
export interface Head {
  readonly markets: ReadonlyArray<Market.Market>
  readonly programs: ReadonlyArray<Incentive.IncentiveProgram>
  readonly startMs: number
  /** the records from the first one that is not a definition on */
  readonly rest: Iterator<Tape.TapeRecord, void>
}

const decodeMarket = Schema.decodeUnknownSync(Market.Market)
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

export interface LipResult {
  readonly program: Incentive.IncentiveProgram
  readonly snapshots: number
  readonly periodScore: D.Decimal
  /** the period's reward if the whole period looked like the replay (`Lip.project`) */
  readonly projectedPeriod: D.Decimal
  /** the part of it the replayed span earns: projected × sampled time ÷ the program's length */
  readonly earned: D.Decimal
}

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
    const fm = config.fill
    const draw = prng(fm.seed)
    const latency = fm.feedLatencyMs > 0
    const books = new Map<string, B.MarketBook>()
    for (const m of head.markets) {
      const g = TickGrid.make(m.tickGrid)
      if (Either.isLeft(g)) continue
      books.set(m.symbol, B.make(m, g.right, latency))
    }
    const analytics = new Analytics()
    const lastMid = new Map<string, D.Decimal>()
    const orders = new Map<string, B.Ours>()
    const byCid = new Map<string, string>()
    const fills: Array<Order.Fill> = []
    let cash = config.balance
    const positions = new Map<string, D.Decimal>()
    let nextOrder = 0
    let nextFill = 0
    const stats = { records: 0, frames: 0, gaps: 0, malformed: 0, fills: 0, lastMs: head.startMs }
    const lastSeq = new Map<number, number>()

    // LIP: one period per liquidity program of a replayed market, a snapshot every lipSampleMs
    const lipEvery = config.lipSampleMs
    const lipPrograms = head.programs.filter(
      (p) => p.kind === "liquidity" && p.targetSize !== undefined && books.has(p.symbol) && lipEvery > 0
    )
    const periods = new Map<string, Lip.Period>(lipPrograms.map((p) => [p.id, Lip.emptyPeriod]))
    const sampleLip = (t: number) => {
      for (const p of lipPrograms) {
        if (Incentive.statusAt(p, t) !== "active") continue
        const b = books.get(p.symbol)!
        if (!b.valid) continue
        const side = (arr: Float64Array, buy: boolean) => {
          const out: Array<readonly [D.Decimal, D.Decimal]> = []
          for (let l = 0; l < arr.length; l++) {
            let lots = arr[l]!
            for (const o of b.orders)
              if (o.status === "open" && o.level === l && (o.side === "buy") === buy)
                lots += o.amountLots - o.filledLots
            if (lots > 0) out.push([b.grid.priceAt(l), D.mulInt(b.lotStep, lots)])
          }
          return out
        }
        const ours = b.orders
          .filter((o) => o.status === "open")
          .map((o) => ({
            side: o.side,
            price: o.price,
            size: D.mulInt(b.lotStep, o.amountLots - o.filledLots),
            ahead: D.mulInt(b.lotStep, o.ahead)
          }))
        const snap = Lip.fromBook(b.grid, side(b.bids, true), side(b.asks, false), ours, b.market.status === "open")
        const score = Lip.scoreSnapshot(snap, {
          targetSize: p.targetSize!,
          discountFactor: p.discountFactor ?? D.d("0.5")
        })
        periods.set(p.id, Lip.addSnapshot(periods.get(p.id)!, score))
      }
    }
    let nextLip = lipPrograms.length > 0 ? head.startMs + lipEvery : Number.POSITIVE_INFINITY

    const ordersHub = yield* PubSub.unbounded<Order.Order>()
    const fillsHub = yield* PubSub.unbounded<Order.Fill>()
    const wakers = new Map<string, Set<Queue.Queue<void>>>()
    const now = Clock.currentTimeMillis

    const toOrder = (o: B.Ours, b: B.MarketBook): Order.Order => {
      const filled = D.mulInt(b.lotStep, o.filledLots)
      return new Order.Order(
        {
          id: Ids.OrderId.make(o.id),
          ...(o.clientOrderId !== undefined ? { clientOrderId: Ids.ClientOrderId.make(o.clientOrderId) } : {}),
          symbol: Ids.Symbol.make(o.symbol),
          side: o.side,
          type: "limit",
          price: o.price,
          amount: D.mulInt(b.lotStep, o.amountLots),
          filled,
          remaining: D.mulInt(b.lotStep, Math.max(0, o.amountLots - o.filledLots)),
          ...(o.filledLots > 0 ? { average: D.div(o.cost, filled) } : {}),
          cost: o.cost,
          status: o.status,
          timeInForce: o.timeInForce,
          postOnly: o.postOnly,
          reduceOnly: false,
          fee: new Order.FeePaid({ cost: o.fee, currency: b.market.currency }, true),
          timestamp: o.timestamp,
          lastUpdateTimestamp: o.updated
        },
        true
      )
    }

    /** Books fills (position, cash, fee, analytics) and returns what to publish. */
    const book = (b: B.MarketBook, fs: ReadonlyArray<B.OurFill>, t: number) => {
      const updates: Array<Order.Order> = []
      const out: Array<Order.Fill> = []
      for (const f of fs) {
        const amount = D.mulInt(b.lotStep, f.lots)
        const fee = Fee.compute(b.market.fees, f.price, amount, f.role)
        B.applyFill(b, f, fee, t)
        const signed = f.order.side === "buy" ? amount : D.neg(amount)
        positions.set(b.market.symbol, D.add(positions.get(b.market.symbol) ?? D.ZERO, signed))
        cash = D.sub(D.sub(cash, D.mul(signed, f.price)), fee)
        analytics.fill(t, b.market.symbol, f.order.side, f.price, amount, fee, f.role, B.mid(b))
        const fill = Order.fillFromDecoded({
          id: Ids.TradeId.make(`bt-f${++nextFill}`),
          orderId: Ids.OrderId.make(f.order.id),
          ...(f.order.clientOrderId !== undefined
            ? { clientOrderId: Ids.ClientOrderId.make(f.order.clientOrderId) }
            : {}),
          symbol: b.market.symbol,
          side: f.order.side,
          price: f.price,
          amount,
          cost: D.mul(f.price, amount),
          fee: new Order.FeePaid({ cost: fee, currency: b.market.currency }, true),
          takerOrMaker: f.role,
          timestamp: t
        })
        fills.push(fill)
        if (fills.length > 10_000) fills.splice(0, 5_000)
        out.push(fill)
        stats.fills++
      }
      for (const o of new Set(fs.map((f) => f.order))) updates.push(toOrder(o, b))
      return { updates, fills: out }
    }

    const publish = (updates: ReadonlyArray<Order.Order>, fs: ReadonlyArray<Order.Fill>) =>
      Effect.zipRight(
        updates.length > 0 ? PubSub.publishAll(ordersHub, updates) : Effect.void,
        fs.length > 0 ? PubSub.publishAll(fillsHub, fs) : Effect.void
      )
    const touch = (symbols: Iterable<string>) =>
      Effect.forEach(symbols, (s) => Effect.forEach(wakers.get(s) ?? [], (q) => Queue.offer(q, undefined)), {
        discard: true
      })

    const marketOf = (symbol: string): Either.Either<B.MarketBook, E.ExchangeError> => {
      const b = books.get(symbol)
      return b === undefined
        ? Either.left(new E.BadSymbol({ venue, symbol, message: `unknown market ${symbol}` }))
        : Either.right(b)
    }

    // ---- writes (they reach the book orderLatencyMs after they are sent) ----
    const create = (r: Venue.CreateItem, t: number) => {
      const b = marketOf(r.symbol)
      if (Either.isLeft(b)) return { outcome: WriteOutcome.fromError(b.left), updates: [], fills: [] }
      const m = b.right
      if (m.market.status !== "open") {
        const error = new E.MarketClosed({ venue, symbol: r.symbol, message: `${r.symbol} is ${m.market.status}` })
        return { outcome: WriteOutcome.fromError(error), updates: [], fills: [] }
      }
      if (byCid.has(r.clientOrderId)) {
        const error = new E.DuplicateClientOrderId({
          venue,
          message: "duplicate client order id",
          clientOrderId: r.clientOrderId
        })
        return { outcome: { _tag: "Refused", error } as WriteOutcome.WriteOutcome, updates: [], fills: [] }
      }
      const level = m.grid.levelOf(r.price)
      const lots = B.lotsOf(m, r.amount)
      if (level < 0 || lots <= 0) {
        const error = new E.InvalidOrder({ venue, message: `price ${D.format(r.price)} or amount off the grid` })
        return { outcome: WriteOutcome.fromError(error), updates: [], fills: [] }
      }
      const o: B.Ours = {
        id: `bt-${++nextOrder}`,
        clientOrderId: r.clientOrderId,
        symbol: r.symbol,
        side: r.side,
        level,
        price: m.grid.priceAt(level),
        amountLots: lots,
        timeInForce: r.timeInForce,
        postOnly: r.postOnly,
        timestamp: t,
        filledLots: 0,
        ahead: 0,
        status: "open",
        cost: D.ZERO,
        fee: D.ZERO,
        updated: t
      }
      const placed = B.place(m, o)
      if (placed.crossed && r.postOnly) {
        const error = new E.PostOnlyWouldCross({ venue, message: "post-only order would cross" })
        return { outcome: WriteOutcome.fromError(error), updates: [], fills: [] }
      }
      orders.set(o.id, o)
      byCid.set(r.clientOrderId, o.id)
      const booked = book(m, placed.fills, t)
      if (o.status === "open" && r.timeInForce !== "GTC") o.status = "canceled"
      B.prune(m)
      const order = toOrder(o, m)
      return { outcome: WriteOutcome.done(order), updates: [...booked.updates, order], fills: booked.fills }
    }

    const cancelOne = (c: Venue.CancelItem, t: number) => {
      const o = orders.get(c.id)
      const m = o === undefined ? undefined : books.get(o.symbol)
      if (o === undefined || m === undefined || o.status !== "open") {
        const error = new E.OrderNotFound({ venue, message: `order ${c.id} is not open`, orderId: c.id })
        return { outcome: WriteOutcome.fromError(error), updates: [] as Array<Order.Order> }
      }
      o.status = "canceled"
      o.updated = t
      B.prune(m)
      const order = toOrder(o, m)
      return { outcome: WriteOutcome.done(order), updates: [order] }
    }

    const arrive = Effect.sleep(fm.orderLatencyMs)

    // ---- the tape ----
    const settle = (b: B.MarketBook, value: D.Decimal, t: number) => {
      const updates: Array<Order.Order> = []
      for (const o of b.orders) {
        if (o.status !== "open") continue
        o.status = "canceled"
        o.updated = t
        updates.push(toOrder(o, b))
      }
      B.prune(b)
      const pos = positions.get(b.market.symbol) ?? D.ZERO
      cash = D.add(cash, D.mul(pos, value))
      positions.set(b.market.symbol, D.ZERO)
      b.settlement = value
      b.market = Market.Market.make({ ...b.market, status: "settled" })
      return updates
    }

    const invalidate = (symbols: Iterable<string>) => {
      for (const s of symbols) {
        const b = books.get(s)
        if (b !== undefined) b.valid = false
      }
    }

    /** One record at its time: returns the markets whose shown book changed and what to publish. */
    const apply = (rec: Tape.TapeRecord, t: number) => {
      const touched = new Set<string>()
      const updates: Array<Order.Order> = []
      const out: Array<Order.Fill> = []
      stats.records++
      stats.lastMs = t
      if (rec.k === "gap") {
        stats.gaps++
        invalidate(rec.symbols ?? books.keys())
        for (const s of rec.symbols ?? books.keys()) touched.add(s)
        return { touched, updates, fills: out }
      }
      if (rec.k === "market") {
        const m = decodeMarket(rec.market)
        const b = books.get(m.symbol)
        if (b !== undefined && b.market.status !== "settled") {
          b.market = Market.Market.make({ ...m, venue: Ids.VenueId.make(venue) })
        }
        return { touched, updates, fills: out }
      }
      if (rec.k !== "frame") return { touched, updates, fills: out }
      stats.frames++
      let ev: F.Event | undefined
      try {
        ev = F.parse(rec.raw)
      } catch {
        stats.malformed++
        return { touched, updates, fills: out }
      }
      if (ev === undefined) return { touched, updates, fills: out }
      const b = books.get(ev.symbol)
      if (b === undefined) return { touched, updates, fills: out }
      if (ev._tag !== "Trade") B.settlePending(b, fm.kind, draw)
      switch (ev._tag) {
        case "Snapshot": {
          if (ev.sid !== undefined && ev.seq !== undefined) lastSeq.set(ev.sid, ev.seq)
          B.snapshot(b, ev.bids, ev.asks)
          b.sequence = ev.seq
          break
        }
        case "Delta": {
          if (ev.sid !== undefined && ev.seq !== undefined) {
            const prev = lastSeq.get(ev.sid)
            lastSeq.set(ev.sid, ev.seq)
            if (prev !== undefined && ev.seq !== prev + 1) {
              // a seq gap: every book of the subscription is unknown until its next snapshot
              stats.gaps++
              invalidate(books.keys())
              for (const s of books.keys()) touched.add(s)
              return { touched, updates, fills: out }
            }
          }
          if (!b.valid) return { touched, updates, fills: out }
          const level = b.grid.levelOf(ev.price)
          if (level < 0) break
          B.delta(b, ev.side, level, Number(D.divToInt(ev.delta, b.lotStep, "down")))
          b.sequence = ev.seq
          break
        }
        case "Trade": {
          if (!b.valid) break
          const level = b.grid.levelOf(ev.price)
          if (level < 0) break
          const fs = B.trade(b, ev.taker, level, B.lotsOf(b, ev.size), fm.kind)
          if (fs.length > 0) {
            const booked = book(b, fs, t)
            updates.push(...booked.updates)
            out.push(...booked.fills)
            B.prune(b)
          }
          break
        }
        case "Lifecycle": {
          const value = ev.settlementValue ?? (ev.result === "yes" ? D.ONE : ev.result === "no" ? D.ZERO : undefined)
          if (
            (ev.event === "settled" || ev.event === "determined") &&
            value !== undefined &&
            b.settlement === undefined
          ) {
            updates.push(...settle(b, value, t))
          } else if (ev.event === "deactivated" || ev.deactivated === true) {
            b.market = Market.Market.make({ ...b.market, status: "paused" })
          } else if (ev.event === "activated" || ev.deactivated === false) {
            if (b.market.status === "paused") b.market = Market.Market.make({ ...b.market, status: "open" })
          }
          break
        }
      }
      b.version++
      b.timestamp = t
      const m = B.mid(b)
      if (m !== undefined) lastMid.set(b.market.symbol, m)
      touched.add(b.market.symbol)
      return { touched, updates, fills: out }
    }

    // the shown book lags the truth by feedLatencyMs: copies of changed markets wait in order
    const shown: Array<{
      readonly at: number
      readonly symbol: string
      readonly bids: Float64Array
      readonly asks: Float64Array
      readonly valid: boolean
    }> = []
    const showDue = (t: number) =>
      Effect.suspend(() => {
        const done = new Set<string>()
        while (shown.length > 0 && shown[0]!.at <= t) {
          const s = shown.shift()!
          const b = books.get(s.symbol)!
          b.vbids = s.bids
          b.vasks = s.asks
          b.vvalid = s.valid
          b.version++
          done.add(s.symbol)
        }
        return touch(done)
      })

    const feed = Effect.gen(function* () {
      for (let r = head.rest.next(); !r.done; r = head.rest.next()) {
        const rec = r.value
        const t0 = yield* now
        if (latency) {
          while (shown.length > 0 && shown[0]!.at <= rec.t) {
            const at = shown[0]!.at
            if (at > t0) yield* Effect.sleep(at - (yield* now))
            yield* showDue(at)
          }
        }
        while (nextLip <= rec.t) {
          const tn = yield* now
          if (nextLip > tn) yield* Effect.sleep(nextLip - tn)
          sampleLip(nextLip)
          nextLip += lipEvery
        }
        const t1 = yield* now
        if (rec.t > t1) {
          // with a batch window, the records of one window are applied together at its end (one socket batch)
          const at = fm.batchMs > 0 ? Math.ceil(rec.t / fm.batchMs) * fm.batchMs : rec.t
          analytics.measure(at, (s) => B.mid(books.get(s)!))
          yield* Effect.sleep(at - t1)
        }
        const t = Math.max(rec.t, t1)
        const r2 = apply(rec, t)
        if (latency) {
          for (const s of r2.touched) {
            const b = books.get(s)!
            shown.push({
              at: t + fm.feedLatencyMs,
              symbol: s,
              bids: b.bids.slice(),
              asks: b.asks.slice(),
              valid: b.valid
            })
          }
        } else yield* touch(r2.touched)
        yield* publish(r2.updates, r2.fills)
      }
      if (latency) {
        while (shown.length > 0) {
          const at = shown[0]!.at
          const t = yield* now
          if (at > t) yield* Effect.sleep(at - t)
          yield* showDue(at)
        }
      }
      analytics.measure(Number.MAX_SAFE_INTEGER, () => undefined)
    })

    // ---- views ----
    const view = (b: B.MarketBook): OrderBook.BookView | undefined => {
      if (!(latency ? b.vvalid : b.valid)) return undefined
      const mine = new Map<string, number>()
      for (const o of b.orders) {
        if (o.status !== "open") continue
        const k = `${o.side}:${o.level}`
        mine.set(k, (mine.get(k) ?? 0) + o.amountLots - o.filledLots)
      }
      const side = (arr: Float64Array, buy: boolean): OrderBook.SnapshotSide => {
        const levels: Array<number> = []
        const lots: Array<number> = []
        const n = arr.length
        for (let i = 0; i < n; i++) {
          const l = buy ? n - 1 - i : i
          const q = arr[l]! + (mine.get(`${buy ? "buy" : "sell"}:${l}`) ?? 0)
          if (q > 0) {
            levels.push(l)
            lots.push(q)
          }
        }
        return { levels, lots }
      }
      return new OrderBook.BookSnapshot(
        b.market.symbol,
        b.grid,
        b.lotStep,
        b.version,
        b.sequence,
        b.timestamp,
        side(b.vbids, true),
        side(b.vasks, false)
      )
    }

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
          const v = view(b)
          return v === undefined
            ? Effect.fail(
                new E.BadVenueData({ venue, message: `the book of ${symbol} is not known at this point of the tape` })
              )
            : Effect.succeed(v.toOrderBook())
        }),
      watchOrderBook: (symbol) => Stream.map(primitives.watchBook(symbol), (v) => v.toOrderBook()),
      watchBook: (symbol) =>
        Stream.unwrapScoped(
          Effect.gen(function* () {
            const b = marketOf(symbol)
            if (Either.isLeft(b)) return Stream.fail(b.left)
            const q = yield* Effect.acquireRelease(Queue.sliding<void>(1), (q) =>
              Effect.sync(() => wakers.get(symbol)?.delete(q))
            )
            const set = wakers.get(symbol) ?? new Set()
            set.add(q)
            wakers.set(symbol, set)
            return OrderBook.pullLatest(
              Stream.fromQueue(q),
              Effect.sync(() => view(b.right))
            )
          })
        ),
      submit: (items) =>
        Effect.gen(function* () {
          yield* arrive
          const t = yield* now
          const rs = items.map((r) => create(r, t))
          yield* publish(
            rs.flatMap((r) => r.updates),
            rs.flatMap((r) => r.fills)
          )
          yield* touch(new Set(items.map((r) => r.symbol as string)))
          return rs.map((r) => r.outcome)
        }),
      cancel: (items) =>
        Effect.gen(function* () {
          yield* arrive
          const t = yield* now
          const rs = items.map((c) => cancelOne(c, t))
          yield* publish(
            rs.flatMap((r) => r.updates),
            []
          )
          yield* touch(new Set(items.map((c) => c.symbol as string)))
          return rs.map((r) => r.outcome)
        }),
      lookup: (key) =>
        Effect.sync(() => {
          const id = key._tag === "ByOrderId" ? key.id : byCid.get(key.clientOrderId)
          const o = id === undefined ? undefined : orders.get(id)
          return o === undefined ? Option.none() : Option.some(toOrder(o, books.get(o.symbol)!))
        }),
      openOrders: (options = {}) =>
        Effect.sync(() =>
          [...books.values()]
            .flatMap((b) => b.orders.filter((o) => o.status === "open").map((o) => toOrder(o, b)))
            .filter((o) => options.symbol === undefined || o.symbol === options.symbol)
        ),
      fills: (options = {}) =>
        Effect.sync(() =>
          fills.filter(
            (f) =>
              (options.symbol === undefined || f.symbol === options.symbol) &&
              (options.since === undefined || f.timestamp >= options.since)
          )
        ),
      balance: () =>
        Effect.sync(() => [Order.Balance.make({ currency: config.currency, free: cash, used: D.ZERO, total: cash })]),
      positions: () =>
        Effect.flatMap(now, (t) =>
          Effect.sync(() =>
            [...positions]
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
      privateEvents: Effect.map(Effect.all([PubSub.subscribe(ordersHub), PubSub.subscribe(fillsHub)]), ([os, fs]) =>
        Stream.merge(
          Stream.map(Stream.fromQueue(os), (order): Venue.PrivateEvent => ({ _tag: "OrderUpdate", order })),
          Stream.map(Stream.fromQueue(fs), (fill): Venue.PrivateEvent => ({ _tag: "OrderFill", fill }))
        )
      ),
      health: Stream.empty
    }
    const { exchange } = yield* Venue.make(primitives, { clientIdPrefix: "bt" })
    return {
      exchange,
      feed,
      analytics,
      stats: () => ({ ...stats }),
      finalValue: (symbol) => books.get(symbol)?.settlement ?? lastMid.get(symbol),
      settled: (symbol) => books.get(symbol)?.settlement !== undefined,
      lip: () =>
        lipPrograms.map((program) => {
          const period = periods.get(program.id)!
          const projection = Lip.project(period, program.periodReward, D.ZERO)
          const length = Math.max(1, program.end - program.start)
          return {
            program,
            snapshots: period.snapshots,
            periodScore: projection.periodScore,
            projectedPeriod: projection.earned,
            earned: D.div(D.mulInt(projection.earned, period.snapshots * lipEvery), D.int(length), "floor")
          }
        }),
      programs: head.programs
    } satisfies ReplayVenue
  })
