/**
 * The replay venue's state: the replayed books, our orders and fills, cash and positions, and the bookkeeping
 * of a fill. Plain synchronous state with one writer (the simulated runtime runs one fiber at a time, and
 * every change happens in one synchronous step); the topic modules beside it (tape, writes, shown, views, lip)
 * read and change it.
 */
import {
  Decimal as D,
  ExchangeError as E,
  Fee,
  Ids,
  type Incentive,
  type Market,
  Order,
  TickGrid
} from "@alpha-hunter/core"
import * as Either from "effect/Either"
import { Analytics } from "../Analytics.js"
import { type FillModel, prng, type ReplayConfig } from "../FillModel.js"
import * as B from "./book.js"

/** What a tape starts with: the markets and programs defined before its first frame, and its start time. */
export interface Start {
  readonly markets: ReadonlyArray<Market.Market>
  readonly programs: ReadonlyArray<Incentive.IncentiveProgram>
  readonly startMs: number
}

export interface Stats {
  records: number
  frames: number
  gaps: number
  malformed: number
  fills: number
  lastMs: number
}

export interface State {
  readonly venue: string
  readonly config: ReplayConfig
  readonly fm: FillModel
  /** the probabilistic fill model's seeded draws */
  readonly draw: () => number
  /** whether the shown book lags the truth (feedLatencyMs > 0) */
  readonly latency: boolean
  readonly books: Map<string, B.MarketBook>
  readonly analytics: Analytics
  /** the last truth mid of each market (for attribution) */
  readonly lastMid: Map<string, D.Decimal>
  readonly orders: Map<string, B.Ours>
  readonly byCid: Map<string, string>
  /** our recent fills (the newest 2 000 at most: what a resync after a private-stream loss reads again) */
  readonly fills: Array<Order.Fill>
  readonly positions: Map<string, D.Decimal>
  readonly stats: Stats
  /** the last sequence number of each subscription (seq gaps) */
  readonly lastSeq: Map<number, number>
  /** ids of finished orders, oldest first (see `retire`) */
  readonly finished: Array<string>
  cash: D.Decimal
  nextOrder: number
  nextFill: number
}

export const make = (start: Start, config: ReplayConfig, venue: string): State => {
  const fm = config.fill
  const latency = fm.feedLatencyMs > 0
  const books = new Map<string, B.MarketBook>()
  for (const m of start.markets) {
    const g = TickGrid.make(m.tickGrid)
    if (Either.isLeft(g)) continue
    books.set(m.symbol, B.make(m, g.right, latency))
  }
  return {
    venue,
    config,
    fm,
    draw: prng(fm.seed),
    latency,
    books,
    analytics: new Analytics(),
    lastMid: new Map(),
    orders: new Map(),
    byCid: new Map(),
    fills: [],
    positions: new Map(),
    stats: { records: 0, frames: 0, gaps: 0, malformed: 0, fills: 0, lastMs: start.startMs },
    lastSeq: new Map(),
    finished: [],
    cash: config.balance,
    nextOrder: 0,
    nextFill: 0
  }
}

/** Finished orders still answered by a lookup: the newest ones (an order's memory has a lifecycle). */
export const FINISHED_KEPT = 5_000

/**
 * Drops a market's finished orders from its resting list (`B.prune`) and remembers them for lookups; past
 * `FINISHED_KEPT` the oldest are forgotten.
 */
export const retire = (st: State, b: B.MarketBook): void => {
  for (const o of b.orders) if (o.status !== "open") st.finished.push(o.id)
  B.prune(b)
  if (st.finished.length > FINISHED_KEPT) {
    for (const id of st.finished.splice(0, FINISHED_KEPT / 2)) {
      const o = st.orders.get(id)
      st.orders.delete(id)
      if (o?.clientOrderId !== undefined) st.byCid.delete(o.clientOrderId)
    }
  }
}

export const marketOf = (st: State, symbol: string): Either.Either<B.MarketBook, E.ExchangeError> => {
  const b = st.books.get(symbol)
  return b === undefined
    ? Either.left(new E.BadSymbol({ venue: st.venue, symbol, message: `unknown market ${symbol}` }))
    : Either.right(b)
}

/** Our order as the venue port reports it. */
export const toOrder = (o: B.Ours, b: B.MarketBook): Order.Order => {
  const filled = D.mulInt(b.lotStep, o.filledLots)
  // the optional fields are set after (a conditional spread inside the literal is V8's slow path, ~1–2 µs)
  const fields: Draft<ConstructorParameters<typeof Order.Order>[0]> = {
    id: o.id,
    symbol: o.symbol,
    side: o.side,
    type: "limit",
    price: o.price,
    amount: D.mulInt(b.lotStep, o.amountLots),
    filled,
    remaining: D.mulInt(b.lotStep, Math.max(0, o.amountLots - o.filledLots)),
    cost: o.cost,
    status: o.status,
    timeInForce: o.timeInForce,
    postOnly: o.postOnly,
    reduceOnly: false,
    fee: Order.feePaid(o.fee, b.market.currency),
    timestamp: o.timestamp,
    lastUpdateTimestamp: o.updated
  }
  if (o.clientOrderId !== undefined) fields.clientOrderId = o.clientOrderId
  if (o.filledLots > 0) fields.average = D.div(o.cost, filled)
  return Order.fromDecoded(fields)
}

type Draft<T> = { -readonly [K in keyof T]: T[K] }

/** What a change publishes on the private streams. */
export interface Published {
  readonly updates: Array<Order.Order>
  readonly fills: Array<Order.Fill>
}

/** Books fills (position, cash, fee, analytics) and returns what to publish. */
export const bookFills = (st: State, b: B.MarketBook, fs: ReadonlyArray<B.OurFill>, t: number): Published => {
  const updates: Array<Order.Order> = []
  const out: Array<Order.Fill> = []
  for (const f of fs) {
    const amount = D.mulInt(b.lotStep, f.lots)
    const fee = Fee.compute(b.market.fees, f.price, amount, f.role)
    B.applyFill(b, f, fee, t)
    const signed = f.order.side === "buy" ? amount : D.neg(amount)
    st.positions.set(b.market.symbol, D.add(st.positions.get(b.market.symbol) ?? D.ZERO, signed))
    st.cash = D.sub(D.sub(st.cash, D.mul(signed, f.price)), fee)
    st.analytics.fill(t, b.market.symbol, f.order.side, f.price, amount, fee, f.role, B.mid(b))
    const fields: Draft<ConstructorParameters<typeof Order.Fill>[0]> = {
      // a non-empty id of our own making: branded without the schema's check (once per fill, hot)
      id: Ids.TradeId.make(`bt-f${++st.nextFill}`, { disableValidation: true }),
      orderId: f.order.id,
      symbol: b.market.symbol,
      side: f.order.side,
      price: f.price,
      amount,
      cost: D.mul(f.price, amount),
      fee: Order.feePaid(fee, b.market.currency),
      takerOrMaker: f.role,
      timestamp: t
    }
    if (f.order.clientOrderId !== undefined) fields.clientOrderId = f.order.clientOrderId
    const fill = Order.fillFromDecoded(fields)
    st.fills.push(fill)
    if (st.fills.length > 2_000) st.fills.splice(0, 1_000)
    out.push(fill)
    st.stats.fills++
  }
  for (const o of new Set(fs.map((f) => f.order))) updates.push(toOrder(o, b))
  return { updates, fills: out }
}
