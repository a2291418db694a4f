/**
 * What the live dashboard shows, read from the running bot once per tick: per configured market the top of
 * the book with our quotes marked, the spread with and without us, our resting notional, position, fills and
 * P&L of this run, the LIP snapshot score (and projected reward when the market has a program); per venue
 * its stream health, desyncs, halts, reconnects and token budgets; the portfolio on top.
 *
 * Money is a Decimal formatted as a string: the page shows these strings as they are and uses numbers only
 * as chart coordinates. `diff` keeps only what changed since the last tick (one SSE payload per tick).
 */
import { Decimal as D, Ids, type Incentive, Lip } from "@alpha-hunter/core"
import type { RiskEngine } from "@alpha-hunter/risk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Book from "./DashboardBook.js"
import type * as Journal from "./Journal.js"
import type { RunHandle } from "./Run.js"

/** One configured market of the run. */
export interface Configured {
  readonly venue: string
  readonly strategy: string
  readonly symbol: string
}

/** [price, size, ours] — price in dollars, size and ours in contracts. */
export type Level = readonly [string, string, string]

export interface MarketSnap {
  readonly key: string
  readonly venue: string
  readonly strategy: string
  readonly symbol: string
  readonly open: boolean
  /** best first, at most `depth` levels */
  readonly bids: ReadonlyArray<Level>
  readonly asks: ReadonlyArray<Level>
  readonly ourBid: string | undefined
  readonly ourAsk: string | undefined
  /** best ask − best bid, in dollars and in levels of the grid */
  readonly spread: string | undefined
  readonly spreadTicks: number | undefined
  /** the same without our orders (what the book would show if we left) */
  readonly spreadWithoutUs: string | undefined
  readonly improvementTicks: number | undefined
  /** our open orders here and their notional (a bid at p ties up p, an ask 1 − p per contract) */
  readonly orders: number
  readonly resting: string
  readonly position: string
  readonly fills: number
  readonly makerContracts: string
  readonly takerContracts: string
  /** cash of this run's fills + their net position marked at the mid − fees */
  readonly pnl: string
  /** this snapshot's LIP score 0..2 (YES share + NO share), undefined when not scored */
  readonly lipScore: string | undefined
  /** the period score since the dashboard opened, 0..1 */
  readonly lipPeriod: string | undefined
  /** projected reward of the market's program, dollars, when the program is known */
  readonly lipProjected: string | undefined
  readonly state: string
}

export interface VenueSnap {
  readonly venue: string
  readonly stream: "up" | "down"
  readonly state: string
  readonly desyncs: number
  readonly halts: number
  readonly resumes: number
  readonly reconnects: number
  readonly rateLimited: number
  readonly bookResyncs: number
  readonly messageAgeMs: number
  readonly last: string | undefined
  readonly budgets: ReadonlyArray<{ readonly name: string; readonly available: number; readonly capacity: number }>
}

export interface Portfolio {
  readonly state: string
  readonly reasons: ReadonlyArray<string>
  readonly markets: number
  readonly orders: number
  readonly resting: string
  readonly position: string
  readonly fills: number
  readonly pnl: string
  readonly exposure: string
  readonly startedAt: number
}

export interface Snapshot {
  readonly t: number
  readonly portfolio: Portfolio
  readonly venues: ReadonlyArray<VenueSnap>
  readonly markets: ReadonlyArray<MarketSnap>
}

/** One SSE payload: the portfolio and venues when they changed, and only the markets that changed. */
export interface Delta {
  readonly t: number
  readonly portfolio?: Portfolio
  readonly venues?: ReadonlyArray<VenueSnap>
  readonly markets: ReadonlyArray<MarketSnap>
}

interface FillAcc {
  fills: number
  maker: D.Decimal
  taker: D.Decimal
  cash: D.Decimal
  fees: D.Decimal
  net: D.Decimal
}

/** What the collector keeps between ticks: a journal cursor, this run's fills per market, LIP periods. */
export interface CollectorState {
  seq: number
  lastTs: number
  readonly fills: Map<string, FillAcc>
  readonly reconnects: Map<string, number>
  readonly lip: Map<string, Lip.Period>
  /** per market, the book's part of its row as last read, and the row as last sent (one per configured market) */
  readonly books: Map<string, Book.BookPart>
  readonly rows: Map<string, { readonly sig: string; readonly row: MarketSnap }>
  ticks: number
}

export const initialState = (): CollectorState => ({
  seq: 0,
  lastTs: 0,
  fills: new Map(),
  reconnects: new Map(),
  lip: new Map(),
  books: new Map(),
  rows: new Map(),
  ticks: 0
})

export interface CollectOptions {
  readonly configured: ReadonlyArray<Configured>
  /** levels shown per side */
  readonly depth: number
  /** the market's liquidity programs, when the venue exposes them */
  readonly programs?: (venue: string, symbol: string) => Effect.Effect<ReadonlyArray<Incentive.IncentiveProgram>>
}

const dec = (u: unknown): D.Decimal | undefined => {
  if (typeof u !== "string") return undefined
  const r = D.parse(u)
  return r._tag === "Right" ? r.right : undefined
}

const money = (x: D.Decimal, places = 4) => D.format(D.round(x, places, "half-even"))
const LIP_REFRESH = 10

/**
 * Reads this run's new fills and reconnects from the journal: after the last sequence number seen, and (so the
 * (kind, ts) index bounds the scan however long the run) from a minute before the newest time seen.
 */
const readJournal = (journal: Journal.JournalService, st: CollectorState, startedAt: number) =>
  Effect.gen(function* () {
    const since = Math.max(startedAt, st.lastTs - 60_000)
    const entries = yield* journal.query({ since, afterSeq: st.seq, kinds: ["fill", "health"] })
    for (const e of entries) {
      st.seq = Math.max(st.seq, e.seq)
      st.lastTs = Math.max(st.lastTs, e.ts)
      if (e.kind === "health") {
        if (e.data["event"] === "Reconnected") st.reconnects.set(e.venue, (st.reconnects.get(e.venue) ?? 0) + 1)
        continue
      }
      if (e.symbol === undefined) continue
      const price = dec(e.data["price"])
      const amount = dec(e.data["amount"])
      if (price === undefined || amount === undefined) continue
      const key = `${e.venue}:${e.symbol}`
      const a = st.fills.get(key) ?? { fills: 0, maker: D.ZERO, taker: D.ZERO, cash: D.ZERO, fees: D.ZERO, net: D.ZERO }
      const buy = e.data["side"] === "buy"
      a.fills++
      if (e.data["takerOrMaker"] === "taker") a.taker = D.add(a.taker, amount)
      else a.maker = D.add(a.maker, amount)
      a.fees = D.add(a.fees, dec(e.data["fee"]) ?? D.ZERO)
      a.cash = D.add(a.cash, buy ? D.neg(D.mul(price, amount)) : D.mul(price, amount))
      a.net = D.add(a.net, buy ? amount : D.neg(amount))
      st.fills.set(key, a)
    }
  })

const scopeState = (statuses: ReadonlyArray<RiskEngine.ScopeStatus>, venue: string, strategy: string) =>
  statuses.find((s) => s.scope?.venue === venue && s.scope.strategy === strategy)?.state ??
  statuses.find((s) => s.scope?.venue === venue && s.scope.strategy === undefined)?.state ??
  statuses.find((s) => s.scope === undefined)?.state ??
  "ACTIVE"

/** One tick: every configured market, every venue and the portfolio, as the page shows them. */
export const collect = (h: RunHandle, st: CollectorState, o: CollectOptions) =>
  Effect.gen(function* () {
    const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
    yield* readJournal(h.journal, st, h.startedAt).pipe(Effect.ignore)
    const statuses = yield* h.risk.statuses
    const markets: Array<MarketSnap> = []
    let orders = 0
    let restingAll = D.ZERO
    let positionAll = D.ZERO
    let fillsAll = 0
    for (const c of o.configured) {
      const session = h.sessions.find((s) => s.name === c.venue)
      if (session === undefined) continue
      const key = `${c.venue}:${c.symbol}`
      const market = session.markets.get(c.symbol)
      const mine = (yield* session.engine.liveIn(c.symbol)).filter((t) => t.status === "open")
      const view = Option.getOrUndefined(yield* session.lastView(Ids.Symbol.make(c.symbol)))
      const open = market?.status === "open"
      // the book's part (levels, spread, LIP snapshot) is recomputed only when the book or our orders changed
      const sig = `${view?.version ?? -1}|${open}|${mine.map((t) => `${t.side}${t.price}/${t.remaining}`).join(",")}`
      let book = st.books.get(key)
      if (book === undefined || book.sig !== sig) {
        const programs = o.programs === undefined ? [] : yield* o.programs(c.venue, c.symbol)
        const program = programs.find((p) => p.kind === "liquidity" && p.start <= now && now < p.end)
        // a LIP score only where a liquidity program pays: each market's own Target Size and discount
        book = Book.read(
          sig,
          view,
          mine,
          open,
          o.depth,
          program?.targetSize === undefined || program.discountFactor === undefined
            ? undefined
            : { targetSize: program.targetSize, discountFactor: program.discountFactor }
        )
        book.periodReward = program?.periodReward
        st.books.set(key, book)
      }
      // the LIP period: one snapshot per tick (the same score while nothing changed); its figures shown are
      // refreshed every LIP_REFRESH ticks (a period score moves slowly; the projection is bigint work)
      const period =
        book.lip === undefined ? st.lip.get(key) : Lip.addSnapshot(st.lip.get(key) ?? Lip.emptyPeriod, book.lip)
      if (period !== undefined) st.lip.set(key, period)
      const previous = st.rows.get(key)
      let lipPeriod = previous?.row.lipPeriod
      let lipProjected = previous?.row.lipProjected
      if (period !== undefined && (previous === undefined || st.ticks % LIP_REFRESH === 0)) {
        const projection = Lip.project(period, book.periodReward ?? D.ZERO)
        lipPeriod = D.format(D.round(projection.periodScore, 4, "half-even"))
        lipProjected = book.periodReward === undefined ? undefined : D.format(projection.earned)
      }
      const f = st.fills.get(key)
      const position = yield* h.risk.position(c.venue, c.symbol)
      const state = scopeState(statuses, c.venue, c.strategy)
      orders += mine.length
      restingAll = D.add(restingAll, book.restingValue)
      positionAll = D.add(positionAll, D.abs(position))
      fillsAll += f?.fills ?? 0
      // the row is rebuilt only when something in it changed (the delta then compares rows by reference)
      const rowSig = `${book.sig}|${f?.fills ?? 0}|${position}|${state}|${lipPeriod}|${lipProjected}`
      if (previous !== undefined && previous.sig === rowSig) {
        markets.push(previous.row)
        continue
      }
      const pnl =
        f === undefined
          ? D.ZERO
          : D.sub(D.add(f.cash, book.mid === undefined ? D.ZERO : D.mul(f.net, book.mid)), f.fees)
      const row: MarketSnap = {
        key,
        venue: c.venue,
        strategy: c.strategy,
        symbol: c.symbol,
        open,
        ...book.row,
        orders: mine.length,
        position: D.format(position),
        fills: f?.fills ?? 0,
        makerContracts: D.format(f?.maker ?? D.ZERO),
        takerContracts: D.format(f?.taker ?? D.ZERO),
        pnl: money(pnl),
        lipPeriod,
        lipProjected,
        state
      }
      st.rows.set(key, { sig: rowSig, row })
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
        state: scopeState(statuses, s.name, "\u0000"),
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
          `${s.scope === undefined ? "global" : `${s.scope.venue}${s.scope.strategy ? `/${s.scope.strategy}` : ""}`} ${s.state}: ${s.reason}`
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
    return { t: now, portfolio, venues, markets } satisfies Snapshot
  })

/**
 * What changed from `prev` to `next`; updates `prev` in place. Rows are compared by reference: the collector
 * hands back the same row object while nothing in it changed.
 */
export const diff = (
  prev: { portfolio: string; venues: string; markets: Map<string, MarketSnap> },
  next: Snapshot
): Delta => {
  const portfolio = JSON.stringify(next.portfolio)
  const venues = JSON.stringify(next.venues)
  const markets: Array<MarketSnap> = []
  for (const m of next.markets) {
    if (prev.markets.get(m.key) !== m) {
      prev.markets.set(m.key, m)
      markets.push(m)
    }
  }
  const changedPortfolio = portfolio !== prev.portfolio
  const changedVenues = venues !== prev.venues
  prev.portfolio = portfolio
  prev.venues = venues
  return {
    t: next.t,
    ...(changedPortfolio ? { portfolio: next.portfolio } : {}),
    ...(changedVenues ? { venues: next.venues } : {}),
    markets
  }
}
