/**
 * What the live dashboard shows, read from the running bot once per tick: per configured market the top of
 * the book with our quotes marked, the spread with and without us, our resting notional, position, fills and
 * P&L of this run; LIP under the market's own program (no program: none): this snapshot's score, and today's
 * score and projected reward from the sampler's journaled minutes — the figures of the report's day rows;
 * per venue its stream health, desyncs, halts, reconnects and token budgets; the portfolio on top.
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
import * as LipSample from "./LipSample.js"
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
  /** the Target Size of the market's liquidity program in force; undefined: the market has no program */
  readonly lipTarget: string | undefined
  /** this snapshot's LIP score under that program, 0..2 (YES share + NO share); undefined when excluded */
  readonly lipScore: string | undefined
  /** today's (UTC) LIP score of the market's (first) program from the sampler's minutes, 0..1 */
  readonly lipToday: string | undefined
  /** today's projected reward of the market's programs, dollars: the report's day rows of the market, added up */
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

/** Today's LIP figures of a market, from the sampler's tally (recomputed when the sampler flushed a new one). */
export interface LipToday {
  readonly tally: LipSample.MarketTally | undefined
  readonly score: string | undefined
  readonly projected: string | undefined
}

const CENT = D.d("0.01")

/**
 * Today's score and projected reward of a market from the sampler's tally of the day — the report's day
 * rows: the score of the (first) program as the report shows it, the programs' rewards each rounded down to
 * the cent and added up. A market without a program today has neither.
 */
export const lipToday = (tally: LipSample.MarketTally | undefined): LipToday => {
  const first = tally?.programs[0]
  if (tally === undefined || first === undefined) return { tally, score: undefined, projected: undefined }
  return {
    tally,
    score: D.format(D.round(Lip.project(first.period, D.ZERO).periodScore, 4, "half-even")),
    projected: D.format(D.sum(tally.programs.map((p) => D.roundToStep(LipSample.accruedReward(p), CENT, "floor"))), 2)
  }
}

/** What the collector keeps between ticks: a journal cursor, this run's fills per market, today's LIP. */
export interface CollectorState {
  seq: number
  lastTs: number
  readonly fills: Map<string, FillAcc>
  readonly reconnects: Map<string, number>
  readonly lip: Map<string, LipToday>
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
    // the sampler's tallies of today, per venue\u0000symbol (a new object for a market when it flushed)
    const today = yield* h.lip.today
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
        // the program the sampler scores first (in force, with scoring parameters): its own Target and DF;
        // a market without one has no LIP score
        const program = LipSample.scoringPrograms(programs, now)[0]
        book = Book.read(
          sig,
          view,
          mine,
          open,
          o.depth,
          program === undefined
            ? undefined
            : { targetSize: program.targetSize!, discountFactor: program.discountFactor! }
        )
        st.books.set(key, book)
      }
      // today's LIP: recomputed only when the sampler flushed a new tally for this market (once a minute)
      const tally = today.get(`${c.venue}\u0000${c.symbol}`)
      let lip = st.lip.get(key)
      if (lip === undefined || lip.tally !== tally) {
        lip = lipToday(tally)
        st.lip.set(key, lip)
      }
      const previous = st.rows.get(key)
      const f = st.fills.get(key)
      const position = yield* h.risk.position(c.venue, c.symbol)
      const state = scopeState(statuses, c.venue, c.strategy)
      orders += mine.length
      restingAll = D.add(restingAll, book.restingValue)
      positionAll = D.add(positionAll, D.abs(position))
      fillsAll += f?.fills ?? 0
      // the row is rebuilt only when something in it changed (the delta then compares rows by reference)
      const rowSig = `${book.sig}|${f?.fills ?? 0}|${position}|${state}|${lip.score}|${lip.projected}`
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
        lipToday: lip.score,
        lipProjected: lip.projected,
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
