/**
 * What the dashboard's collector reads besides the books: this run's fills and reconnects from the journal, today's
 * LIP figures from the sampler's tallies, and the trading state in force from Risk's scopes.
 */
import { Decimal as D, Lip } from "@alpha-hunter/core"
import type { RiskEngine } from "@alpha-hunter/risk"
import * as Effect from "effect/Effect"
import type * as Journal from "./Journal.js"
import * as LipSample from "./LipSample.js"

export interface FillAcc {
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

const dec = (u: unknown): D.Decimal | undefined => {
  if (typeof u !== "string") return undefined
  const r = D.parse(u)
  return r._tag === "Right" ? r.right : undefined
}

/** The journal cursor and what was read through it. */
export interface JournalState {
  seq: number
  lastTs: number
  readonly fills: Map<string, FillAcc>
  readonly reconnects: Map<string, number>
}

/**
 * Reads this run's new fills and reconnects from the journal: after the last sequence number seen, and (so the
 * (kind, ts) index bounds the scan however long the run) from a minute before the newest time seen.
 */
export const readJournal = (journal: Journal.JournalService, st: JournalState, startedAt: number) =>
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

const rank: Record<string, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 }

/**
 * The trading state in force for (venue, strategy, symbol) as Risk decides it: the strictest of the scopes that
 * govern it (global, the venue, the strategy everywhere, the strategy on the venue, the market); `symbol`
 * undefined: the venue or strategy level only. `own`: the market's own scope is among the strictest.
 */
const allActive = { state: "ACTIVE", paused: false, own: false }

export const stateOf = (
  statuses: ReadonlyArray<RiskEngine.ScopeStatus>,
  venue: string,
  strategy: string | undefined,
  symbol: string | undefined
): { readonly state: string; readonly paused: boolean; readonly own: boolean } => {
  if (statuses.length === 0) return allActive
  let state = "ACTIVE"
  let paused = false
  let own = false
  for (const s of statuses) {
    const sc = s.scope
    const governs =
      sc === undefined ||
      (sc.symbol !== undefined
        ? sc.venue === venue && sc.symbol === symbol
        : (sc.venue === venue || sc.venue === "*") && (sc.strategy === undefined || sc.strategy === strategy))
    if (!governs || (rank[s.state] ?? 0) < (rank[state] ?? 0)) continue
    const mine = sc?.symbol !== undefined
    if ((rank[s.state] ?? 0) > (rank[state] ?? 0)) {
      state = s.state
      paused = s.paused
      own = mine
    } else if (state !== "ACTIVE") {
      paused ||= s.paused
      own ||= mine
    }
  }
  return { state, paused, own }
}
