/**
 * What the live dashboard shows, read from the running bot once per tick: per configured market the top of
 * the book with our quotes marked, the spread with and without us, our resting notional, position, fills and
 * P&L of this run, the LIP snapshot score (and projected reward when the market has a program); per venue
 * its stream health, desyncs, halts, reconnects and token budgets; the portfolio on top.
 *
 * Money is a Decimal formatted as a string: the page shows these strings as they are and uses numbers only
 * as chart coordinates. `diff` keeps only what changed since the last tick (one SSE payload per tick).
 */
import { Decimal as D, type Incentive, Lip } from "@alpha-hunter/core"
import type { RiskEngine } from "@alpha-hunter/risk"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
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
  readonly fills: Map<string, FillAcc>
  readonly reconnects: Map<string, number>
  readonly lip: Map<string, Lip.Period>
}

export const initialState = (): CollectorState => ({
  seq: 0,
  fills: new Map(),
  reconnects: new Map(),
  lip: new Map()
})

export interface CollectOptions {
  readonly configured: ReadonlyArray<Configured>
  /** levels shown per side */
  readonly depth: number
  /** LIP target size when the market has no program (config `run.lipTargetSize`) */
  readonly lipTargetSize: D.Decimal
  /** the market's liquidity programs, when the venue exposes them */
  readonly programs?: (venue: string, symbol: string) => Effect.Effect<ReadonlyArray<Incentive.IncentiveProgram>>
}

const dec = (u: unknown): D.Decimal | undefined => {
  if (typeof u !== "string") return undefined
  const r = D.parse(u)
  return r._tag === "Right" ? r.right : undefined
}

const money = (x: D.Decimal, places = 4) => D.format(D.round(x, places, "half-even"))
const HALF = D.d("0.5")
const LIP_LEVELS = 25

/** Reads this run's fills and reconnects from the journal since the cursor (seq > cursor: the primary key). */
const readJournal = (journal: Journal.JournalService, st: CollectorState, since: number) =>
  Effect.gen(function* () {
    const entries = yield* journal.query({ since, afterSeq: st.seq, kinds: ["fill", "health"] })
    for (const e of entries) {
      st.seq = Math.max(st.seq, e.seq)
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
    // the cursor moves past entries of other kinds too: start the next read at the journal's end
    st.seq = Math.max(st.seq, yield* journal.lastSeq)
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
      const oursAt = new Map<string, D.Decimal>()
      let resting = D.ZERO
      let ourBid: D.Decimal | undefined
      let ourAsk: D.Decimal | undefined
      for (const t of mine) {
        const k = `${t.side}:${t.price}`
        oursAt.set(k, D.add(oursAt.get(k) ?? D.ZERO, t.remaining))
        resting = D.add(resting, D.mul(t.side === "buy" ? t.price : D.sub(D.ONE, t.price), t.remaining))
        if (t.side === "buy" && (ourBid === undefined || t.price > ourBid)) ourBid = t.price
        if (t.side === "sell" && (ourAsk === undefined || t.price < ourAsk)) ourAsk = t.price
      }
      const viewOpt = yield* session.lastView(c.symbol as never)
      const view = viewOpt._tag === "Some" ? viewOpt.value : undefined
      const full = (side: "bid" | "ask", n: number): Array<readonly [D.Decimal, D.Decimal, D.Decimal]> => {
        if (view === undefined) return []
        const s = view.levels(side, n)
        return Array.from({ length: s.levels.length }, (_, i) => {
          const price = view.grid.priceAt(s.levels[i]!)
          const size = D.mulInt(view.lotStep, s.lots[i]!)
          return [price, size, oursAt.get(`${side === "bid" ? "buy" : "sell"}:${price}`) ?? D.ZERO] as const
        })
      }
      const bidsFull = full("bid", LIP_LEVELS)
      const asksFull = full("ask", LIP_LEVELS)
      const others = (ls: ReadonlyArray<readonly [D.Decimal, D.Decimal, D.Decimal]>) =>
        ls.find(([, size, ours]) => D.sub(size, ours) > 0n)?.[0]
      const bb = bidsFull[0]?.[0]
      const ba = asksFull[0]?.[0]
      const ob = others(bidsFull)
      const oa = others(asksFull)
      const grid = view?.grid
      const ticks = (lo: D.Decimal, hi: D.Decimal) =>
        grid === undefined ? undefined : grid.levelOf(hi) - grid.levelOf(lo)
      const spreadTicks = bb !== undefined && ba !== undefined ? ticks(bb, ba) : undefined
      const othersTicks = ob !== undefined && oa !== undefined ? ticks(ob, oa) : undefined
      // LIP: this snapshot (our orders at the back of their level's queue), and the period since the page opened
      let lipScore: string | undefined
      let lipPeriod: string | undefined
      let lipProjected: string | undefined
      if (grid !== undefined && market !== undefined) {
        const programs = o.programs === undefined ? [] : yield* o.programs(c.venue, c.symbol)
        const program = programs.find((p) => p.kind === "liquidity" && p.start <= now && now < p.end)
        const params: Lip.Params = {
          targetSize: program?.targetSize ?? o.lipTargetSize,
          discountFactor: program?.discountFactor ?? HALF
        }
        const ourOrders: Array<Lip.OurOrder> = mine.map((t) => {
          const level = (t.side === "buy" ? bidsFull : asksFull).find(([p]) => p === t.price)
          const ahead = level === undefined ? D.ZERO : D.max(D.ZERO, D.sub(level[1], level[2]))
          return { side: t.side, price: t.price, size: t.remaining, ahead }
        })
        const snap = Lip.fromBook(
          grid,
          bidsFull.map(([p, s]) => [p, s] as const),
          asksFull.map(([p, s]) => [p, s] as const),
          ourOrders,
          market.status === "open"
        )
        const score = Lip.scoreSnapshot(snap, params)
        const period = Lip.addSnapshot(st.lip.get(key) ?? Lip.emptyPeriod, score)
        st.lip.set(key, period)
        lipScore = score.included ? D.format(D.round(score.score, 4, "half-even")) : undefined
        const projection = Lip.project(period, program?.periodReward ?? D.ZERO)
        lipPeriod = D.format(D.round(projection.periodScore, 4, "half-even"))
        if (program !== undefined) lipProjected = D.format(projection.earned)
      }
      const f = st.fills.get(key)
      const mid = bb !== undefined && ba !== undefined ? D.div(D.add(bb, ba), D.int(2)) : undefined
      const pnl =
        f === undefined ? D.ZERO : D.sub(D.add(f.cash, mid === undefined ? D.ZERO : D.mul(f.net, mid)), f.fees)
      const position = yield* h.risk.position(c.venue, c.symbol)
      const show = (ls: ReadonlyArray<readonly [D.Decimal, D.Decimal, D.Decimal]>): ReadonlyArray<Level> =>
        ls.slice(0, o.depth).map(([p, s, m]) => [D.format(p), D.format(s), D.format(m)] as const)
      orders += mine.length
      restingAll = D.add(restingAll, resting)
      positionAll = D.add(positionAll, D.abs(position))
      fillsAll += f?.fills ?? 0
      markets.push({
        key,
        venue: c.venue,
        strategy: c.strategy,
        symbol: c.symbol,
        open: market?.status === "open",
        bids: show(bidsFull),
        asks: show(asksFull),
        ourBid: ourBid === undefined ? undefined : D.format(ourBid),
        ourAsk: ourAsk === undefined ? undefined : D.format(ourAsk),
        spread: bb !== undefined && ba !== undefined ? D.format(D.sub(ba, bb)) : undefined,
        spreadTicks,
        spreadWithoutUs: ob !== undefined && oa !== undefined ? D.format(D.sub(oa, ob)) : undefined,
        improvementTicks:
          spreadTicks !== undefined && othersTicks !== undefined ? Math.max(0, othersTicks - spreadTicks) : undefined,
        orders: mine.length,
        resting: money(resting, 2),
        position: D.format(position),
        fills: f?.fills ?? 0,
        makerContracts: D.format(f?.maker ?? D.ZERO),
        takerContracts: D.format(f?.taker ?? D.ZERO),
        pnl: money(pnl),
        lipScore,
        lipPeriod,
        lipProjected,
        state: scopeState(statuses, c.venue, c.strategy)
      })
    }
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

/** What changed from `prev` (its markets by key, as JSON) to `next`; updates `prev` in place. */
export const diff = (
  prev: { portfolio: string; venues: string; markets: Map<string, string> },
  next: Snapshot
): Delta => {
  const portfolio = JSON.stringify(next.portfolio)
  const venues = JSON.stringify(next.venues)
  const markets: Array<MarketSnap> = []
  for (const m of next.markets) {
    const s = JSON.stringify(m)
    if (prev.markets.get(m.key) !== s) {
      prev.markets.set(m.key, s)
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
