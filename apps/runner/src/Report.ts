/**
 * The qualification report, computed from the journal alone (so it works after the fact, offline and
 * without credentials): the application metrics per market (resting orders placed, liquidity provided,
 * spread improvement, maker fill rate, maker/taker ratio, 30-day volume, fees, P&L) and the incentive
 * programs per program and market, per day (score, coverage, uptime, time at best, quoted size and spread,
 * each market's own Target Size, projected and realised reward). `Report` is the one model every format
 * renders from (table, JSON, CSV here; HTML elsewhere); `legend` explains every column.
 *
 * By topic: `ReportOrders` (orders, fills, honest resting intervals), `ReportLip` (the sampler's
 * aggregates), `ReportFormat` (table/JSON/CSV and the legend).
 */
import { Decimal as D } from "@alpha-hunter/core"
import type { Entry } from "./Journal.js"
import { legend as legendOf } from "./ReportFormat.js"
import {
  type LipDayRow,
  type LipProgramReport,
  type LipSection,
  type LipTotals,
  lipFold,
  lipSection
} from "./ReportLip.js"
import { type HealthEvent, type OrdersFold, type OrdersPass, ordersFold, ordersPass } from "./ReportOrders.js"

export { formatCsv, formatJson, formatTable, legend } from "./ReportFormat.js"
export type { LipDayRow, LipProgramReport, LipTotals } from "./ReportLip.js"

export interface MarketReport {
  readonly venue: string
  readonly symbol: string
  readonly ordersPlaced: number
  readonly contractsPlaced: D.Decimal
  /** time-weighted average resting notional over the window, in dollars */
  readonly restingNotional: D.Decimal
  /** resting notional × time, in dollar-hours */
  readonly liquidityDollarHours: D.Decimal
  readonly avgImprovementTicks: number | undefined
  readonly avgImprovement: D.Decimal | undefined
  readonly makerContracts: D.Decimal
  readonly takerContracts: D.Decimal
  /** maker-filled contracts ÷ contracts placed */
  readonly makerFillRate: number | undefined
  readonly volume30d: D.Decimal
  readonly volume30dDollars: D.Decimal
  readonly fees: D.Decimal
  readonly position: D.Decimal
  readonly pnl: D.Decimal
}

export interface Totals {
  readonly ordersPlaced: number
  readonly contractsPlaced: D.Decimal
  readonly restingNotional: D.Decimal
  readonly liquidityDollarHours: D.Decimal
  readonly avgImprovementTicks: number | undefined
  readonly avgImprovement: D.Decimal | undefined
  /** maker-filled contracts ÷ contracts placed */
  readonly makerFillRate: number | undefined
  /** maker contracts ÷ taker contracts (undefined when no taker volume) */
  readonly makerTakerRatio: number | undefined
  readonly makerContracts: D.Decimal
  readonly takerContracts: D.Decimal
  readonly volume30d: D.Decimal
  readonly volume30dDollars: D.Decimal
  readonly fees: D.Decimal
  readonly pnl: D.Decimal
  readonly desyncs: number
  readonly halts: number
  /** trading resumed (by a person, or by healing after a desync) */
  readonly resumes: number
}

export interface Report {
  /** the window, epoch ms */
  readonly from: number
  readonly to: number
  /** application metrics per market */
  readonly markets: ReadonlyArray<MarketReport>
  readonly totals: Totals
  /** incentive programs: per program and market, per UTC day */
  readonly lip: ReadonlyArray<LipDayRow>
  /** incentive programs: per program and market over the window (the $1.00 minimum applies here) */
  readonly lipPrograms: ReadonlyArray<LipProgramReport>
  readonly lipTotals: LipTotals
  /** every desync, halt and resume in the window, in order, with its venue and time (epoch ms) */
  readonly health: ReadonlyArray<HealthEvent>
  /** every column of every section: what it means */
  readonly legend: Readonly<Record<string, string>>
}

export interface ReportOptions {
  /** epoch ms; the window starts here (orders resting into it count from here) */
  readonly since?: number
  /** epoch ms; end of the window (default: last entry) */
  readonly now?: number
  /**
   * the process that wrote the journal is still running (the report it prints while running or stopping):
   * its in-process venues' orders rest until `now`, not until its last journal entry
   */
  readonly live?: boolean
}

const HOUR = 3_600_000

/** The report over `entries` (every entry of the journal, oldest first; see `App.report`). */
export const compute = (entries: ReadonlyArray<Entry>, options: ReportOptions = {}): Report => {
  const first = entries[0]?.ts
  const since = options.since ?? first ?? 0
  const from = first === undefined ? since : Math.max(since, first)
  const to = options.now ?? entries[entries.length - 1]?.ts ?? from
  const pass = ordersPass(entries, from, to, options.live === true ? { live: true } : {})
  return assemble(from, to, pass, lipSection(entries, from, to))
}

/**
 * The report over a whole journal as it is written, entry by entry (oldest first) — what `compute` gives over
 * the same entries (when its starts agree on which venues run in process, as a backtest's one start does), with
 * nothing read back and no entry kept (a backtest's: its journal is fresh).
 */
export const fold = (
  options: {
    /**
     * the latest the last entry can be (a backtest's tape says): what lets the 30-day volume be counted as the
     * fills come, none kept (a later entry fails `finish`)
     */
    readonly endsBy?: number
  } = {}
): { readonly add: (e: Entry) => void; readonly finish: () => Report } => {
  let first: number | undefined
  let last = 0
  let orders: OrdersFold | undefined
  let lip: ReturnType<typeof lipFold> | undefined
  return {
    add: (e) => {
      if (first === undefined) {
        first = e.ts
        orders = ordersFold(first, undefined, options.endsBy)
        lip = lipFold(first)
      }
      last = e.ts
      orders!.add(e)
      lip!.add(e)
    },
    finish: () => (first === undefined ? compute([]) : assemble(first, last, orders!.finish(last), lip!.finish()))
  }
}

const assemble = (from: number, to: number, pass: OrdersPass, lip: LipSection): Report => {
  const windowMs = Math.max(1, to - from)
  const ratio = (x: D.Decimal, y: D.Decimal) => (y > 0n ? D.toNumberLossy(D.div(x, y)) : undefined)
  const all = [...pass.markets.values()]
  const rows: Array<MarketReport> = all
    .filter((a) => a.ordersPlaced > 0 || a.maker > 0n || a.taker > 0n || a.notionalMs > 0n)
    .map((a) => ({
      venue: a.venue,
      symbol: a.symbol,
      ordersPlaced: a.ordersPlaced,
      contractsPlaced: a.contractsPlaced,
      restingNotional: D.div(a.notionalMs, D.int(windowMs)),
      liquidityDollarHours: D.div(a.notionalMs, D.int(HOUR)),
      avgImprovementTicks: a.impTicksCount > 0 ? a.impTicksSum / a.impTicksCount : undefined,
      avgImprovement: a.impCount > 0 ? D.div(a.impSum, D.int(a.impCount)) : undefined,
      makerContracts: a.maker,
      takerContracts: a.taker,
      makerFillRate: ratio(a.maker, a.contractsPlaced),
      volume30d: a.vol30,
      volume30dDollars: a.vol30d,
      fees: a.fees,
      position: a.position,
      pnl: D.sub(D.add(a.cash, a.mark === undefined ? D.ZERO : D.mul(a.position, a.mark)), a.fees)
    }))
    .sort((x, y) => (x.venue + x.symbol < y.venue + y.symbol ? -1 : 1))
  // improvement ticks are integers (the strategy's schema): their sums are exact in any order
  const impTicksSum = all.reduce((s, a) => s + a.impTicksSum, 0)
  const impTicksCount = all.reduce((s, a) => s + a.impTicksCount, 0)
  const impCount = all.reduce((s, a) => s + a.impCount, 0)
  const maker = D.sum(rows.map((r) => r.makerContracts))
  const taker = D.sum(rows.map((r) => r.takerContracts))
  const placed = D.sum(all.map((a) => a.contractsPlaced))
  return {
    from,
    to,
    markets: rows,
    totals: {
      ordersPlaced: rows.reduce((s, r) => s + r.ordersPlaced, 0),
      contractsPlaced: placed,
      restingNotional: D.sum(rows.map((r) => r.restingNotional)),
      liquidityDollarHours: D.sum(rows.map((r) => r.liquidityDollarHours)),
      avgImprovementTicks: impTicksCount > 0 ? impTicksSum / impTicksCount : undefined,
      avgImprovement: impCount > 0 ? D.div(D.sum(all.map((a) => a.impSum)), D.int(impCount)) : undefined,
      makerFillRate: ratio(maker, placed),
      makerTakerRatio: ratio(maker, taker),
      makerContracts: maker,
      takerContracts: taker,
      volume30d: D.sum(rows.map((r) => r.volume30d)),
      volume30dDollars: D.sum(rows.map((r) => r.volume30dDollars)),
      fees: D.sum(rows.map((r) => r.fees)),
      pnl: D.sum(rows.map((r) => r.pnl)),
      desyncs: pass.desyncs,
      halts: pass.halts,
      resumes: pass.resumes
    },
    lip: lip.rows,
    lipPrograms: lip.programs,
    lipTotals: lip.totals,
    health: pass.health,
    legend: legendOf()
  }
}
