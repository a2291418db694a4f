/**
 * The report's incentive-program section from the sampler's minute aggregates (`sample` entries, see
 * `LipSample`): per program and market, per UTC day — score, coverage, uptime, time at best, average quoted
 * size and spread, the program's own Target Size, projected reward and, for programs the venue marks paid
 * out, the realised reward — and per program over the window (the $1.00 minimum applies to a program's
 * reward, not to a day's). Markets without a program get rows too (program "—"): coverage against the best
 * price, uptime, time at best, quoted size and spread.
 *
 * A program is paid out when its own samples say so (the venue listed it paid out while we scored it) or when
 * the sampler journaled the status the venue listed after its end (`sample` entries `{ program, status }`, at
 * any time: a program is usually paid out after the window). Kalshi publishes no per-account figure, so the
 * realised reward is the payable reward as we scored it.
 */
import { Decimal as D, type Incentive, Lip } from "@alpha-hunter/core"
import type { Entry } from "./Journal.js"
import * as LipSample from "./LipSample.js"

/** One program (or none) on one market on one UTC day. */
export interface LipDayRow {
  /** UTC day, YYYY-MM-DD */
  readonly day: string
  readonly venue: string
  readonly symbol: string
  /** the program's id (undefined: the market had no liquidity program) */
  readonly programId: string | undefined
  /** the program's Target Size, contracts per side */
  readonly targetSize: D.Decimal | undefined
  readonly discountFactor: D.Decimal | undefined
  /** snapshots taken (1 per second while sampled) */
  readonly snapshots: number
  /** snapshots the program counts (market open, both sides of the book at Target) */
  readonly includedSnapshots: number
  /** our share of the day's scores, 0..1 (our summed snapshot scores ÷ everyone's) */
  readonly score: D.Decimal
  /** share of snapshots with our qualifying order at (or better than) the reference price on both sides */
  readonly coverage: number
  readonly coverageYes: number
  readonly coverageNo: number
  /** share of snapshots with our orders resting on both sides */
  readonly uptime: number
  /** share of snapshots with our orders at the best price on both sides */
  readonly timeAtBest: number
  /** our resting contracts (both sides) per quoted snapshot */
  readonly avgQuotedSize: D.Decimal | undefined
  /** our ask − our bid (YES prices) per two-sided snapshot */
  readonly avgSpread: D.Decimal | undefined
  /** the reward of the day's snapshots, $, rounded down to the cent (before the program's $1.00 minimum) */
  readonly projectedReward: D.Decimal
}

/** One program on one market over the window. */
export interface LipProgramReport {
  readonly venue: string
  readonly symbol: string
  readonly programId: string
  readonly targetSize: D.Decimal
  readonly discountFactor: D.Decimal
  /** the program period's reward, $ */
  readonly periodReward: D.Decimal
  /** epoch ms */
  readonly start: number
  readonly end: number
  readonly snapshots: number
  readonly includedSnapshots: number
  readonly score: D.Decimal
  /** the window's snapshots' reward, $, rounded down to the cent */
  readonly projectedReward: D.Decimal
  /** what the venue would pay of it: 0 below the $1.00 minimum */
  readonly payableReward: D.Decimal
  readonly paidOut: boolean
  /** paid-out programs: the reward as scored (the venue reports no per-account figure); otherwise undefined */
  readonly realisedReward: D.Decimal | undefined
}

export interface LipTotals {
  readonly snapshots: number
  readonly projectedReward: D.Decimal
  readonly payableReward: D.Decimal
  readonly realisedReward: D.Decimal
  /** snapshot-weighted over the rows */
  readonly coverage: number | undefined
  readonly uptime: number | undefined
  readonly timeAtBest: number | undefined
  /** markets with at least one liquidity program */
  readonly programMarkets: number
}

export interface LipSection {
  readonly rows: ReadonlyArray<LipDayRow>
  readonly programs: ReadonlyArray<LipProgramReport>
  readonly totals: LipTotals
}

/** The `data` of a `sample` entry that records a followed program's status (closed, paid out). */
export const encodeStatus = (programId: string, status: Incentive.ProgramStatus): Record<string, unknown> => ({
  program: programId,
  status
})

/** A program-status entry's program id and status, or undefined (a minute's aggregate or anything else). */
export const decodeStatus = (
  d: Record<string, unknown>
): { readonly programId: string; readonly status: string } | undefined =>
  typeof d["program"] === "string" && typeof d["status"] === "string"
    ? { programId: d["program"], status: d["status"] }
    : undefined

const DAY = 86_400_000
const CENT = D.d("0.01")
const floorCent = (x: D.Decimal) => D.roundToStep(x, CENT, "floor")
const ratio = (n: number, d: number) => (d === 0 ? 0 : n / d)
const dayOf = (ms: number) => new Date(ms - (ms % DAY)).toISOString().slice(0, 10)
const scoreOf = (p: Lip.Period) => Lip.project(p, D.ZERO).periodScore

export const lipSection = (entries: ReadonlyArray<Entry>, from: number, to: number): LipSection => {
  const fold = lipFold(from, to)
  for (const e of entries) fold.add(e)
  return fold.finish()
}

/**
 * The section as a fold, entry by entry (oldest first): the report built while the journal is written keeps
 * one tally per market-day, not the entries. Samples count inside [from, to]; program statuses at any time.
 */
export const lipFold = (from: number, to = Number.POSITIVE_INFINITY) => {
  // per venue/market/day: the day's tally (minute aggregates added up, exactly)
  const days = new Map<string, { venue: string; symbol: string; day: string; tally: LipSample.MarketTally }>()
  // programs the venue listed paid out after we scored them (journaled at any time)
  const paidOut = new Set<string>()
  const add = (e: Entry): void => {
    if (e.kind !== "sample") return
    const s = decodeStatus(e.data)
    if (s?.status === "paid_out") paidOut.add(`${e.venue}\u0000${s.programId}`)
    if (e.symbol === undefined || e.ts < from || e.ts > to) return
    const t = LipSample.decode(e.data)
    if (t === undefined) return
    const start = typeof e.data["from"] === "number" ? e.data["from"] : e.ts
    const day = dayOf(start)
    const k = `${e.venue}\u0000${e.symbol}\u0000${day}`
    const x = days.get(k)
    days.set(k, {
      venue: e.venue,
      symbol: e.symbol,
      day,
      tally: LipSample.combine(x?.tally ?? LipSample.emptyTally, t)
    })
  }
  return { add, finish: (): LipSection => sectionOf(days, paidOut) }
}

const sectionOf = (
  days: ReadonlyMap<string, { venue: string; symbol: string; day: string; tally: LipSample.MarketTally }>,
  paidOut: ReadonlySet<string>
): LipSection => {
  const rows: Array<LipDayRow> = []
  const programs = new Map<string, { p: LipSample.ProgramTally; venue: string; symbol: string; exact: D.Decimal }>()
  for (const { venue, symbol, day, tally: t } of days.values()) {
    const common = {
      day,
      venue,
      symbol,
      coverage: ratio(t.coveredBoth, t.snapshots),
      coverageYes: ratio(t.coveredYes, t.snapshots),
      coverageNo: ratio(t.coveredNo, t.snapshots),
      uptime: ratio(t.quotedBoth, t.snapshots),
      timeAtBest: ratio(t.atBestBoth, t.snapshots),
      avgQuotedSize:
        Math.max(t.quotedYes, t.quotedNo) === 0
          ? undefined
          : D.div(t.quotedSize, D.int(t.quotedYes + t.quotedNo - t.quotedBoth)),
      avgSpread: t.quotedBoth === 0 ? undefined : D.div(t.spreadSum, D.int(t.quotedBoth))
    }
    if (t.programs.length === 0) {
      rows.push({
        ...common,
        programId: undefined,
        targetSize: undefined,
        discountFactor: undefined,
        snapshots: t.snapshots,
        includedSnapshots: 0,
        score: D.ZERO,
        projectedReward: D.ZERO
      })
    }
    for (const p of t.programs) {
      const exact = LipSample.accruedReward(p)
      rows.push({
        ...common,
        programId: p.id,
        targetSize: p.targetSize,
        discountFactor: p.discountFactor,
        snapshots: p.period.snapshots,
        includedSnapshots: p.period.included,
        score: scoreOf(p.period),
        projectedReward: floorCent(exact)
      })
      const k = `${venue}\u0000${symbol}\u0000${p.id}`
      const x = programs.get(k)
      programs.set(k, {
        venue,
        symbol,
        p:
          x === undefined
            ? p
            : LipSample.combine(
                { ...LipSample.emptyTally, programs: [x.p] },
                {
                  ...LipSample.emptyTally,
                  programs: [p]
                }
              ).programs[0]!,
        exact: D.add(x?.exact ?? D.ZERO, exact)
      })
    }
  }
  rows.sort((a, b) =>
    a.day !== b.day ? (a.day < b.day ? -1 : 1) : `${a.venue} ${a.symbol}` < `${b.venue} ${b.symbol}` ? -1 : 1
  )
  const programReports: Array<LipProgramReport> = [...programs.values()]
    .map(({ venue, symbol, p, exact }) => {
      const projected = floorCent(exact)
      const payable = projected >= Lip.MINIMUM_REWARD ? projected : D.ZERO
      const paid = p.paidOut || paidOut.has(`${venue}\u0000${p.id}`)
      return {
        venue,
        symbol,
        programId: p.id,
        targetSize: p.targetSize,
        discountFactor: p.discountFactor,
        periodReward: p.periodReward,
        start: p.start,
        end: p.end,
        snapshots: p.period.snapshots,
        includedSnapshots: p.period.included,
        score: scoreOf(p.period),
        projectedReward: projected,
        payableReward: payable,
        paidOut: paid,
        realisedReward: paid ? payable : undefined
      }
    })
    .sort((a, b) => (`${a.venue} ${a.symbol} ${a.programId}` < `${b.venue} ${b.symbol} ${b.programId}` ? -1 : 1))
  // coverage, uptime and time at best once per market-day (a market with two programs has two rows)
  const marketDays = [...days.values()].map((x) => x.tally)
  const snaps = marketDays.reduce((s, t) => s + t.snapshots, 0)
  const weighted = (f: (t: LipSample.MarketTally) => number) =>
    snaps === 0 ? undefined : marketDays.reduce((s, t) => s + f(t), 0) / snaps
  return {
    rows,
    programs: programReports,
    totals: {
      snapshots: snaps,
      projectedReward: D.sum(programReports.map((p) => p.projectedReward)),
      payableReward: D.sum(programReports.map((p) => p.payableReward)),
      realisedReward: D.sum(programReports.map((p) => p.realisedReward ?? D.ZERO)),
      coverage: weighted((t) => t.coveredBoth),
      uptime: weighted((t) => t.quotedBoth),
      timeAtBest: weighted((t) => t.atBestBoth),
      programMarkets: new Set(programReports.map((p) => `${p.venue}\u0000${p.symbol}`)).size
    }
  }
}
