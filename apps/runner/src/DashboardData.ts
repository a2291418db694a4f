/**
 * What the live dashboard shows, read from the running bot once per tick: per configured market a row — best
 * bid and ask, our quotes, the spread and our improvement, our resting notional, position, fills and P&L of
 * this run, its trading state; LIP under the market's own program (no program: none): this snapshot's score,
 * and today's score and projected reward from the sampler's journaled minutes (the report's day rows); for the
 * market a page has selected, its detail (the book's best levels with ours marked); per venue its stream
 * health, desyncs, halts, reconnects and token budgets; the portfolio on top.
 *
 * Light at 1,000 markets: our orders are read once per engine, a market's row is rebuilt only when something in
 * it moved (`diff` sends only those), prices of grid levels are formatted once, the book's levels are formatted
 * only for the selected market, and a market's LIP score is re-scored at most every few seconds.
 *
 * Money is a Decimal formatted as a string: the page shows these strings as they are and uses numbers only
 * as chart coordinates.
 */
import { Decimal as D, Ids, type Incentive, type Lip, type OrderBook } from "@alpha-hunter/core"
import type { OrderTracker } from "@alpha-hunter/execution"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Book from "./DashboardBook.js"
import { type FillAcc, type LipToday, lipToday, readJournal, stateOf } from "./DashboardSources.js"
import type { Configured, Detail, MarketRow, Portfolio, Snapshot, VenueSnap } from "./DashboardTypes.js"
import * as LipSample from "./LipSample.js"
import type { RunHandle } from "./Run.js"
import type { VenueSession } from "./Venues.js"

export { diff } from "./DashboardDiff.js"
export type * from "./DashboardTypes.js"
export { lipToday, stateOf }

/** What the collector keeps of one market between ticks: what it read last, and what it built from it. */
interface MarketState {
  readonly c: Configured
  readonly key: string
  /** the sampler's key of the market */
  readonly todayKey: string
  readonly symbol: Ids.Symbol
  readonly session: VenueSession
  view: OrderBook.BookView | undefined
  open: boolean
  ours: Book.Ours
  top: Book.Top
  /** the LIP score as last computed, from what, and when */
  lip: {
    readonly at: number
    readonly view: OrderBook.BookView | undefined
    readonly ours: Book.Ours | undefined
    readonly open: boolean
    readonly target: string | undefined
    readonly score: string | undefined
  }
  /** the scoring parameters of the market's program, as last looked up, and when */
  params: Lip.Params | undefined
  programsAt: number | undefined
  position: D.Decimal
  /** the market's fills when the position was read */
  positionFills: number
  today: LipToday
  pnl: { readonly fills: number; readonly mid: D.Decimal | undefined; readonly text: string }
  /** the position the row shows */
  built: D.Decimal
  row: MarketRow | undefined
  detail:
    | {
        readonly view: OrderBook.BookView | undefined
        readonly ours: Book.Ours
        readonly fills: number
        readonly detail: Detail
      }
    | undefined
}

/** What the collector keeps between ticks: a journal cursor, this run's fills per market, each market's state. */
export interface CollectorState {
  seq: number
  lastTs: number
  readonly fills: Map<string, FillAcc>
  readonly reconnects: Map<string, number>
  /** one per configured market, in the configured order (undefined: its venue is not in the run) */
  list: ReadonlyArray<MarketState | undefined>
  readonly prices: Book.PriceTexts
  ticks: number
}

/** Lets go of what the collector read of the markets (no page is connected); the journal cursor stays. */
export const release = (st: CollectorState): void => {
  st.list = []
}

export const initialState = (): CollectorState => ({
  seq: 0,
  lastTs: 0,
  fills: new Map(),
  reconnects: new Map(),
  list: [],
  prices: new WeakMap(),
  ticks: 0
})

export interface CollectOptions {
  readonly configured: ReadonlyArray<Configured>
  /** levels shown per side */
  readonly depth: number
  /** the market's liquidity programs, when the venue exposes them */
  readonly programs?: (venue: string, symbol: string) => Effect.Effect<ReadonlyArray<Incentive.IncentiveProgram>>
  /**
   * a market's LIP score is re-scored at most this often once its book or our orders changed (default 5 s; the
   * selected market's at every change); its programs are looked up once a minute
   */
  readonly lipEveryMs?: number
  /** each market's position is re-read when it has a new fill, and every this many ticks (default 10) */
  readonly positionEveryTicks?: number
}

const money = (x: D.Decimal, places = 4) => D.format(D.round(x, places, "half-even"))

const sameOrders = (a: ReadonlyArray<OrderTracker.Tracked>, b: ReadonlyArray<OrderTracker.Tracked>) => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const noOrders: ReadonlyArray<OrderTracker.Tracked> = []

const newMarket = (c: Configured, session: VenueSession): MarketState => {
  const ours = Book.ours("", [])
  const lip = {
    at: Number.NEGATIVE_INFINITY,
    view: undefined,
    ours: undefined,
    open: false,
    target: undefined,
    score: undefined
  }
  const today = lipToday(undefined)
  return {
    c,
    key: `${c.venue}:${c.symbol}`,
    todayKey: `${c.venue}\u0000${c.symbol}`,
    symbol: Ids.Symbol.make(c.symbol),
    session,
    view: undefined,
    open: false,
    ours,
    top: Book.noTop,
    lip,
    params: undefined,
    programsAt: undefined,
    position: D.ZERO,
    positionFills: -1,
    today,
    pnl: { fills: 0, mid: undefined, text: "0.0000" },
    built: D.ZERO,
    row: undefined,
    detail: undefined
  }
}

/**
 * One tick: every configured market's row, every venue and the portfolio, as the page shows them; and the
 * detail of the markets in `focus` (the ones the open pages have selected). Only what moved is rebuilt: a
 * market whose book view, orders, fills, state and LIP figures are the ones of the last tick keeps its row
 * object (the delta compares rows by reference).
 */
export const collect = (h: RunHandle, st: CollectorState, o: CollectOptions, focus: ReadonlySet<string> = new Set()) =>
  Effect.gen(function* () {
    const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
    yield* readJournal(h.journal, st, h.startedAt).pipe(Effect.ignore)
    const statuses = yield* h.risk.statuses
    // the sampler's tallies of today, per venue\u0000symbol (a new object for a market when it flushed)
    const today = yield* h.lip.today
    const lipEvery = o.lipEveryMs ?? 5000
    const positionEvery = o.positionEveryTicks ?? 10
    // our open orders per venue and market: one read of each engine
    const open = new Map<string, Map<string, Array<OrderTracker.Tracked>>>()
    for (const s of h.sessions) {
      const bySymbol = new Map<string, Array<OrderTracker.Tracked>>()
      for (const t of yield* s.engine.live) {
        if (t.status !== "open") continue
        const a = bySymbol.get(t.symbol)
        if (a === undefined) bySymbol.set(t.symbol, [t])
        else a.push(t)
      }
      open.set(s.name, bySymbol)
    }
    const markets: Array<MarketRow> = []
    const details = new Map<string, Detail>()
    let orders = 0
    let restingAll = D.ZERO
    let positionAll = D.ZERO
    let fillsAll = 0
    if (st.list.length !== o.configured.length) {
      st.list = o.configured.map((c) => {
        const session = h.sessions.find((s) => s.name === c.venue)
        return session === undefined ? undefined : newMarket(c, session)
      })
    }
    for (let i = 0; i < st.list.length; i++) {
      const m = st.list[i]
      if (m === undefined) continue
      const { c, key, session } = m
      const mine = open.get(c.venue)?.get(c.symbol) ?? noOrders
      // tracked orders are immutable: the same objects, the same orders
      const ours = m.ours
      if (!sameOrders(mine, ours.orders)) {
        const sig = Book.oursSig(mine)
        m.ours = sig === ours.sig ? { ...ours, orders: mine } : Book.ours(sig, mine)
      }
      const view = Option.getOrUndefined(yield* session.lastView(m.symbol))
      if (view !== m.view || m.ours.sig !== ours.sig) m.top = Book.top(st.prices, view, m.ours, m.top)
      m.view = view
      m.open = session.markets.get(c.symbol)?.status === "open"
      const focused = focus.has(key)
      // the program the sampler scores first (in force, with scoring parameters): its own Target and DF; a
      // market without one has no LIP score. Looked up once a minute per market (the markets spread over it).
      let rescore = false
      if (m.programsAt === undefined || now - m.programsAt >= 60_000) {
        const programs = o.programs === undefined ? [] : yield* o.programs(c.venue, c.symbol)
        const program = LipSample.scoringPrograms(programs, now)[0]
        m.params =
          program === undefined
            ? undefined
            : { targetSize: program.targetSize!, discountFactor: program.discountFactor! }
        m.programsAt = m.programsAt === undefined ? now - ((i * 1009) % 60_000) : now
        rescore = true
      }
      // LIP now: re-scored when the book or our orders moved, at most every `lipEvery` (the selected market at
      // every change), and when the program was looked up again
      const moved = m.lip.view !== m.view || m.lip.ours !== m.ours || m.lip.open !== m.open
      if (rescore || (moved && (focused || now - m.lip.at >= lipEvery))) {
        const params = m.params
        m.lip = {
          // the first scores spread over `lipEvery`, so later ones do not all fall in the same tick
          at: m.lip.at === Number.NEGATIVE_INFINITY ? now - ((i * 1009) % lipEvery) : now,
          view: m.view,
          ours: m.ours,
          open: m.open,
          target: params === undefined ? undefined : D.format(params.targetSize),
          score: params === undefined ? undefined : Book.lipNow(m.view, m.ours, m.open, params)
        }
      }
      // today's LIP: recomputed only when the sampler flushed a new tally for this market (once a minute)
      const tally = today.get(m.todayKey)
      if (m.today.tally !== tally) m.today = lipToday(tally)
      const f = st.fills.get(key)
      const fills = f?.fills ?? 0
      // the position moves with fills: re-read after one, and every few ticks a share of the markets
      if (m.positionFills !== fills || (i + st.ticks) % positionEvery === 0) {
        m.position = yield* h.risk.position(c.venue, c.symbol)
        m.positionFills = fills
      }
      const state = stateOf(statuses, c.venue, c.strategy, c.symbol)
      orders += mine.length
      restingAll = D.add(restingAll, m.ours.resting)
      positionAll = D.add(positionAll, D.abs(m.position))
      fillsAll += fills
      if (focused) details.set(key, detailOf(st, m, key, f, o.depth))
      // P&L: cash of this run's fills + their net position marked at the mid − fees, when either moved
      if (f !== undefined && (m.pnl.fills !== fills || m.pnl.mid !== m.top.mid)) {
        const marked = m.top.mid === undefined ? D.ZERO : D.mul(f.net, m.top.mid)
        m.pnl = { fills, mid: m.top.mid, text: money(D.sub(D.add(f.cash, marked), f.fees)) }
      }
      // the row is rebuilt only when something in it changed
      const r = m.row
      if (
        r !== undefined &&
        r.bid === m.top.bid &&
        r.ask === m.top.ask &&
        r.spread === m.top.spread &&
        r.spreadTicks === m.top.spreadTicks &&
        r.improvementTicks === m.top.improvementTicks &&
        r.ourBid === m.ours.bidText &&
        r.ourAsk === m.ours.askText &&
        r.resting === m.ours.restingText &&
        r.orders === mine.length &&
        r.lipTarget === m.lip.target &&
        r.lipScore === m.lip.score &&
        r.lipToday === m.today.score &&
        r.lipProjected === m.today.projected &&
        m.built === m.position &&
        r.open === m.open &&
        r.fills === fills &&
        r.pnl === m.pnl.text &&
        r.state === state.state &&
        r.paused === state.paused &&
        r.own === state.own
      ) {
        markets.push(r)
        continue
      }
      const row: MarketRow = {
        key,
        venue: c.venue,
        strategy: c.strategy,
        symbol: c.symbol,
        open: m.open,
        bid: m.top.bid,
        ask: m.top.ask,
        ourBid: m.ours.bidText,
        ourAsk: m.ours.askText,
        spread: m.top.spread,
        spreadTicks: m.top.spreadTicks,
        improvementTicks: m.top.improvementTicks,
        orders: mine.length,
        resting: m.ours.restingText,
        position: D.format(m.position),
        fills,
        pnl: m.pnl.text,
        lipTarget: m.lip.target,
        lipScore: m.lip.score,
        lipToday: m.today.score,
        lipProjected: m.today.projected,
        ...state
      }
      m.built = m.position
      m.row = row
      markets.push(row)
    }
    st.ticks++
    const venues: Array<VenueSnap> = []
    for (const s of h.sessions) {
      const health = yield* Ref.get(s.health)
      const counters = yield* s.diagnostics.counters
      venues.push({
        venue: s.name,
        stream: health.connected ? "up" : "down",
        state: stateOf(statuses, s.name, undefined, undefined).state,
        desyncs: health.desyncs,
        halts: health.halts,
        resumes: health.resumes,
        reconnects: st.reconnects.get(s.name) ?? 0,
        rateLimited: counters.rateLimited,
        bookResyncs: counters.bookResyncs,
        messageAgeMs: Math.round(counters.messageAgeMs),
        last: health.last,
        budgets: (yield* s.diagnostics.budgets).map((b) => ({
          name: b.name,
          available: Math.floor(b.available),
          capacity: b.capacity
        }))
      })
    }
    const summary = yield* h.risk.summary()
    const global = statuses.find((s) => s.scope === undefined)
    const portfolio: Portfolio = {
      state: global?.state ?? (statuses.length === 0 ? "ACTIVE" : "PARTIAL"),
      reasons: statuses.map(
        (s) =>
          `${s.scope === undefined ? "global" : `${s.scope.venue}${s.scope.strategy ? `/${s.scope.strategy}` : ""}${s.scope.symbol ? `:${s.scope.symbol}` : ""}`} ${s.state}: ${s.reason}`
      ),
      markets: markets.length,
      orders,
      resting: money(restingAll, 2),
      position: D.format(positionAll),
      fills: fillsAll,
      pnl: money(summary.pnl),
      exposure: money(summary.grossExposure, 2),
      startedAt: h.startedAt
    }
    return { snapshot: { t: now, portfolio, venues, markets } satisfies Snapshot, details }
  })

/** The selected market's detail; the same object while its book view, our orders and its fills are unchanged. */
const detailOf = (st: CollectorState, m: MarketState, key: string, f: FillAcc | undefined, depth: number): Detail => {
  const fills = f?.fills ?? 0
  if (m.detail !== undefined && m.detail.view === m.view && m.detail.ours === m.ours && m.detail.fills === fills) {
    return m.detail.detail
  }
  const detail: Detail = {
    key,
    ...Book.ladder(st.prices, m.view, m.ours, depth),
    spreadWithoutUs: m.top.spreadWithoutUs,
    makerContracts: D.format(f?.maker ?? D.ZERO),
    takerContracts: D.format(f?.taker ?? D.ZERO)
  }
  m.detail = { view: m.view, ours: m.ours, fills, detail }
  return detail
}
