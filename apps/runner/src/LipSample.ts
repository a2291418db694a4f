/**
 * One market's book snapshots, scored with the exact core `Lip` scorer against each of the market's
 * liquidity programs, and added up per market per minute (pure). The sampler (`LipSampler`) journals one
 * `sample` entry per market per minute with this aggregate; the report adds the minutes up. Every field is
 * a count or an exact Decimal sum, so the sum of minutes is the sum of snapshots: the report is exact with
 * 1/60 of the rows raw snapshots would take.
 *
 * Coverage of a side: the side qualifies and our best order on it rests at or better than the reference
 * price (for a market without a program: at the side's best price). At best: our order at the side's best.
 * Queue position: our orders are put at the back of their level (the port does not tell the position); with
 * the default whole-levels rule it does not change a share.
 */
import { Decimal as D, type Incentive, Lip, type TickGrid } from "@alpha-hunter/core"

/** One program's tally over some snapshots, with the program's parameters as they were. */
export interface ProgramTally {
  readonly id: string
  readonly targetSize: D.Decimal
  readonly discountFactor: D.Decimal
  /** the reward of the whole program period, $ */
  readonly periodReward: D.Decimal
  /** epoch ms */
  readonly start: number
  readonly end: number
  readonly paidOut: boolean
  readonly period: Lip.Period
}

/** A market's snapshots over an interval (one minute in the journal). */
export interface MarketTally {
  /** snapshots taken */
  readonly snapshots: number
  /** snapshots of an open market */
  readonly open: number
  /** snapshots with our order resting on the YES (bid) side, the NO (ask) side, both */
  readonly quotedYes: number
  readonly quotedNo: number
  readonly quotedBoth: number
  /** snapshots with our order at the side's best price */
  readonly atBestYes: number
  readonly atBestNo: number
  readonly atBestBoth: number
  /** snapshots with a qualifying order of ours at (or better than) the reference price */
  readonly coveredYes: number
  readonly coveredNo: number
  readonly coveredBoth: number
  /** Σ over snapshots of our resting contracts on both sides */
  readonly quotedSize: D.Decimal
  /** Σ over two-sided snapshots of our best ask − our best bid (YES prices) */
  readonly spreadSum: D.Decimal
  /** the book's mid at the last snapshot (marks a position in the report) */
  readonly lastMid: D.Decimal | undefined
  readonly programs: ReadonlyArray<ProgramTally>
}

export const emptyTally: MarketTally = {
  snapshots: 0,
  open: 0,
  quotedYes: 0,
  quotedNo: 0,
  quotedBoth: 0,
  atBestYes: 0,
  atBestNo: 0,
  atBestBoth: 0,
  coveredYes: 0,
  coveredNo: 0,
  coveredBoth: 0,
  quotedSize: D.ZERO,
  spreadSum: D.ZERO,
  lastMid: undefined,
  programs: []
}

/** What the sampler sees of one market at one instant. */
export interface MarketSnapshot {
  readonly open: boolean
  readonly grid: TickGrid.TickGrid
  /** [YES price, total size incl. ours], any order */
  readonly bids: ReadonlyArray<readonly [D.Decimal, D.Decimal]>
  readonly asks: ReadonlyArray<readonly [D.Decimal, D.Decimal]>
  /** our resting orders (YES terms) */
  readonly ours: ReadonlyArray<{ readonly side: "buy" | "sell"; readonly price: D.Decimal; readonly size: D.Decimal }>
}

/**
 * One side of a book view as the scorer needs it, [price, size] best first: from the best level until the
 * cumulative size reaches `need` (the largest Target Size of the market's programs — levels past it never
 * qualify and the side's depth only has to reach Target), and every level in `ours` (our orders' levels).
 * A deci-cent book can hold hundreds of levels; only these become Decimals. Scores are the same as the
 * whole side's.
 */
export const scoringLevels = (
  side: { readonly levels: ArrayLike<number>; readonly lots: ArrayLike<number> },
  lotStep: D.Decimal,
  grid: TickGrid.TickGrid,
  ours: ReadonlySet<number>,
  need: D.Decimal
): Array<readonly [D.Decimal, D.Decimal]> => {
  const out: Array<readonly [D.Decimal, D.Decimal]> = []
  let cum = D.ZERO
  let left = ours.size
  for (let i = 0; i < side.levels.length && (i === 0 || cum < need || left > 0); i++) {
    const level = side.levels[i]!
    const size = D.mulInt(lotStep, side.lots[i]!)
    if (ours.has(level)) left--
    else if (i > 0 && cum >= need) continue
    out.push([grid.priceAt(level), size])
    cum = D.add(cum, size)
  }
  return out
}

/** The liquidity programs in force at `now` with scoring parameters. */
export const scoringPrograms = (
  programs: ReadonlyArray<Incentive.IncentiveProgram>,
  now: number
): ReadonlyArray<Incentive.IncentiveProgram> =>
  programs.filter(
    (p) =>
      p.kind === "liquidity" &&
      p.targetSize !== undefined &&
      p.discountFactor !== undefined &&
      now >= p.start &&
      now < p.end
  )

const ourBestTick = (side: Lip.Side): number | undefined =>
  side.levels.find((l) => l.orders.some((o) => o.ours && o.size > 0n))?.tick

/** Adds one snapshot to a market's tally (programs: those in force, see `scoringPrograms`). */
export const addSnapshot = (
  t: MarketTally,
  s: MarketSnapshot,
  programs: ReadonlyArray<Incentive.IncentiveProgram>,
  rules: Lip.Rules
): MarketTally => {
  const ours = s.ours.map((o) => {
    // at the back of its level: everyone else's contracts there are ahead of it
    const level = (o.side === "buy" ? s.bids : s.asks).find(([p]) => p === o.price)
    return { ...o, ahead: level === undefined ? D.ZERO : D.max(D.ZERO, D.sub(level[1], o.size)) }
  })
  const snap = Lip.fromBook(s.grid, s.bids, s.asks, ours, s.open)
  const yesTick = ourBestTick(snap.yes)
  const noTick = ourBestTick(snap.no)
  const bestYes = s.open && isBest(snap.yes, yesTick)
  const bestNo = s.open && isBest(snap.no, noTick)

  // coverage against the first program's reference (or the best price without a program)
  let coverYes = bestYes
  let coverNo = bestNo
  const tallies: Array<ProgramTally> = []
  programs.forEach((p, i) => {
    const params = { targetSize: p.targetSize!, discountFactor: p.discountFactor! }
    const score = Lip.scoreSnapshot(snap, params, rules)
    if (i === 0) {
      const covered = (side: Lip.SideScore, tick: number | undefined) =>
        s.open && side.status === "qualifies" && tick !== undefined && tick >= side.referenceTick!
      coverYes = covered(score.yes, yesTick)
      coverNo = covered(score.no, noTick)
    }
    const before = t.programs.find((x) => x.id === p.id)
    tallies.push({
      id: p.id,
      targetSize: p.targetSize!,
      discountFactor: p.discountFactor!,
      periodReward: p.periodReward,
      start: p.start,
      end: p.end,
      paidOut: p.paidOut,
      period: Lip.addSnapshot(before?.period ?? Lip.emptyPeriod, score)
    })
  })
  // programs seen earlier in the interval and no longer in force keep their tally
  for (const x of t.programs) if (!tallies.some((y) => y.id === x.id)) tallies.push(x)

  const size = D.sum(s.ours.map((o) => o.size))
  const bestBid = s.ours
    .filter((o) => o.side === "buy")
    .reduce<D.Decimal | undefined>((m, o) => (m === undefined || o.price > m ? o.price : m), undefined)
  const bestAsk = s.ours
    .filter((o) => o.side === "sell")
    .reduce<D.Decimal | undefined>((m, o) => (m === undefined || o.price < m ? o.price : m), undefined)
  const bb = s.bids.reduce<D.Decimal | undefined>((m, [p]) => (m === undefined || p > m ? p : m), undefined)
  const ba = s.asks.reduce<D.Decimal | undefined>((m, [p]) => (m === undefined || p < m ? p : m), undefined)
  return {
    snapshots: t.snapshots + 1,
    open: t.open + one(s.open),
    quotedYes: t.quotedYes + one(bestBid !== undefined),
    quotedNo: t.quotedNo + one(bestAsk !== undefined),
    quotedBoth: t.quotedBoth + one(bestBid !== undefined && bestAsk !== undefined),
    atBestYes: t.atBestYes + one(bestYes),
    atBestNo: t.atBestNo + one(bestNo),
    atBestBoth: t.atBestBoth + one(bestYes && bestNo),
    coveredYes: t.coveredYes + one(coverYes),
    coveredNo: t.coveredNo + one(coverNo),
    coveredBoth: t.coveredBoth + one(coverYes && coverNo),
    quotedSize: D.add(t.quotedSize, size),
    spreadSum:
      bestBid !== undefined && bestAsk !== undefined ? D.add(t.spreadSum, D.sub(bestAsk, bestBid)) : t.spreadSum,
    lastMid: bb !== undefined && ba !== undefined ? D.div(D.add(bb, ba), D.int(2)) : t.lastMid,
    programs: tallies
  }
}

/** Adds two tallies (of the same market) up: counts and sums add, programs by id. */
export const combine = (a: MarketTally, b: MarketTally): MarketTally => {
  const programs = new Map<string, ProgramTally>(a.programs.map((p) => [p.id, p]))
  for (const p of b.programs) {
    const x = programs.get(p.id)
    programs.set(
      p.id,
      x === undefined
        ? p
        : {
            ...p, // the later parameters
            period: {
              snapshots: x.period.snapshots + p.period.snapshots,
              included: x.period.included + p.period.included,
              ours: D.add(x.period.ours, p.period.ours),
              all: x.period.all + p.period.all,
              atBestYes: x.period.atBestYes + p.period.atBestYes,
              atBestNo: x.period.atBestNo + p.period.atBestNo,
              atBestBoth: x.period.atBestBoth + p.period.atBestBoth
            }
          }
    )
  }
  return {
    snapshots: a.snapshots + b.snapshots,
    open: a.open + b.open,
    quotedYes: a.quotedYes + b.quotedYes,
    quotedNo: a.quotedNo + b.quotedNo,
    quotedBoth: a.quotedBoth + b.quotedBoth,
    atBestYes: a.atBestYes + b.atBestYes,
    atBestNo: a.atBestNo + b.atBestNo,
    atBestBoth: a.atBestBoth + b.atBestBoth,
    coveredYes: a.coveredYes + b.coveredYes,
    coveredNo: a.coveredNo + b.coveredNo,
    coveredBoth: a.coveredBoth + b.coveredBoth,
    quotedSize: D.add(a.quotedSize, b.quotedSize),
    spreadSum: D.add(a.spreadSum, b.spreadSum),
    lastMid: b.lastMid ?? a.lastMid,
    programs: [...programs.values()]
  }
}

/**
 * A program's reward for the snapshots of a tally, $ exact (not rounded): the pool of the time observed
 * (period reward × snapshots ÷ the period's seconds) × our score × included ÷ snapshots — i.e. our
 * summed share × reward × included ÷ (all × period seconds). The venue pays per period, rounded down to the
 * cent and only from $1.00 (`Lip.MINIMUM_REWARD`): the report applies those to each program's total.
 */
export const accruedReward = (p: ProgramTally): D.Decimal => {
  const periodSeconds = BigInt(Math.max(1, Math.round((p.end - p.start) / 1000)))
  const den = BigInt(p.period.all) * periodSeconds
  if (den === 0n || p.period.snapshots === 0) return D.ZERO
  // ours (scaled) × reward (scaled) × included / (all × seconds) / scale
  const num = D.toScaled(p.period.ours) * D.toScaled(p.periodReward) * BigInt(p.period.included)
  return D.fromScaled(num / (den * D.toScaled(D.ONE)))
}

// ---- the journal's form -------------------------------------------------------------------------------

const dec = (u: unknown): D.Decimal => {
  if (typeof u !== "string") return D.ZERO
  const r = D.parse(u)
  return r._tag === "Right" ? r.right : D.ZERO
}
const int = (u: unknown): number => (typeof u === "number" && Number.isFinite(u) ? u : 0)

/** The `data` of a `sample` entry (version 2: a minute's aggregate). */
export const encode = (t: MarketTally, from: number, to: number): Record<string, unknown> => ({
  v: 2,
  from,
  to,
  snapshots: t.snapshots,
  open: t.open,
  quoted: [t.quotedYes, t.quotedNo, t.quotedBoth],
  atBest: [t.atBestYes, t.atBestNo, t.atBestBoth],
  covered: [t.coveredYes, t.coveredNo, t.coveredBoth],
  quotedSize: D.format(t.quotedSize),
  spreadSum: D.format(t.spreadSum),
  ...(t.lastMid !== undefined ? { mid: D.format(t.lastMid) } : {}),
  programs: t.programs.map((p) => ({
    id: p.id,
    targetSize: D.format(p.targetSize),
    discountFactor: D.format(p.discountFactor),
    periodReward: D.format(p.periodReward),
    start: p.start,
    end: p.end,
    paidOut: p.paidOut,
    snapshots: p.period.snapshots,
    included: p.period.included,
    ours: D.format(p.period.ours),
    all: p.period.all,
    atBest: [p.period.atBestYes, p.period.atBestNo, p.period.atBestBoth]
  }))
})

/** Reads a `sample` entry's data back (undefined for the older 5-second raw samples, which are skipped). */
export const decode = (d: Record<string, unknown>): MarketTally | undefined => {
  if (d["v"] !== 2) return undefined
  const triple = (u: unknown) => (Array.isArray(u) ? [int(u[0]), int(u[1]), int(u[2])] : [0, 0, 0])
  const [quotedYes, quotedNo, quotedBoth] = triple(d["quoted"])
  const [atBestYes, atBestNo, atBestBoth] = triple(d["atBest"])
  const [coveredYes, coveredNo, coveredBoth] = triple(d["covered"])
  const programs = (Array.isArray(d["programs"]) ? d["programs"] : []).map((u): ProgramTally => {
    const p = u as Record<string, unknown>
    const [a, b, c] = triple(p["atBest"])
    return {
      id: String(p["id"]),
      targetSize: dec(p["targetSize"]),
      discountFactor: dec(p["discountFactor"]),
      periodReward: dec(p["periodReward"]),
      start: int(p["start"]),
      end: int(p["end"]),
      paidOut: p["paidOut"] === true,
      period: {
        snapshots: int(p["snapshots"]),
        included: int(p["included"]),
        ours: dec(p["ours"]),
        all: int(p["all"]),
        atBestYes: a!,
        atBestNo: b!,
        atBestBoth: c!
      }
    }
  })
  return {
    snapshots: int(d["snapshots"]),
    open: int(d["open"]),
    quotedYes: quotedYes!,
    quotedNo: quotedNo!,
    quotedBoth: quotedBoth!,
    atBestYes: atBestYes!,
    atBestNo: atBestNo!,
    atBestBoth: atBestBoth!,
    coveredYes: coveredYes!,
    coveredNo: coveredNo!,
    coveredBoth: coveredBoth!,
    quotedSize: dec(d["quotedSize"]),
    spreadSum: dec(d["spreadSum"]),
    lastMid: typeof d["mid"] === "string" ? dec(d["mid"]) : undefined,
    programs
  }
}

// (module-level helpers, not closures made per sample: the TypeScript loader names each closure it makes)
const isBest = (side: Lip.Side, tick: number | undefined): boolean =>
  tick !== undefined && side.levels[0]?.tick === tick
const one = (b: boolean): number => (b ? 1 : 0)
