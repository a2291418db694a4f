/**
 * Incentive programs (REFERENCE §11): the simulator's program list (`GET /incentive_programs`) and its own
 * Liquidity Incentive Program scorer, written from the rules (§11.2) independently of the bot's
 * `@alpha-hunter/core` `Lip` module, so tests can compare the two.
 *
 * The scorer runs on the simulator clock: once per second, at a random offset inside the second (like the
 * venue), every liquidity program in force on its market takes a snapshot of the real book — every order with
 * its owner, in time priority. Integer arithmetic only: sizes in centi-contracts, prices in pips, weights
 * `centi × DF_bps^d × 10 000^(D−d)` as bigints, per-owner shares in pico-units (10^-12, rounded down),
 * rewards in centi-cents.
 */
import type { Prng } from "./prng.js"
import type { Scheduler } from "./scheduler.js"
import type { PriceRange } from "./ticks.js"
import type { Market, Order } from "./types.js"

export type ProgramType = "liquidity" | "volume"

/** A program in the simulator's config. */
export interface ProgramSpec {
  readonly ticker: string
  readonly type?: ProgramType
  readonly description?: string
  /** ms since epoch (default: the simulator start) */
  readonly startMs?: number
  /** ms since epoch (default: start + 1 day) */
  readonly endMs?: number
  /** the Time Period Reward in centi-cents (200 000 = $20) */
  readonly periodRewardCentiCents: number
  /** contracts (liquidity programs), default 300 */
  readonly targetSize?: number
  /** default 5000 (DF 0.5) */
  readonly discountFactorBps?: number
  readonly paidOut?: boolean
  /** centi-cents, default none */
  readonly maxRewardPerAccount?: number
}

export interface Program {
  readonly id: string
  readonly marketId: string
  readonly ticker: string
  readonly type: ProgramType
  readonly description: string
  readonly startMs: number
  readonly endMs: number
  readonly periodReward: number
  readonly targetSize: number | null
  readonly discountFactorBps: number | null
  readonly maxRewardPerAccount: number | null
  paidOut: boolean
}

export type ProgramStatus = "active" | "upcoming" | "closed" | "paid_out"

export const statusOf = (p: Program, nowMs: number): ProgramStatus =>
  p.paidOut ? "paid_out" : nowMs < p.startMs ? "upcoming" : nowMs < p.endMs ? "active" : "closed"

/**
 * Realistic defaults (REFERENCE §11.1): every market gets a liquidity program in force for a day with a
 * $20…$100 pool, DF 0.5 and a Target Size of 100 or 250 — Kalshi's are 300…1,000+ on books thousands of
 * contracts deep; the synthetic participants rest 1…50 contracts an order, so the simulator's books are a
 * few hundred deep and its targets are scaled to them (a target no book reaches pays nobody); every third
 * market also a volume program, and the first market an upcoming program starting in nine hours.
 */
export const defaultSpecs = (tickers: ReadonlyArray<string>, nowMs: number, prng: Prng): ReadonlyArray<ProgramSpec> => {
  const out: Array<ProgramSpec> = []
  tickers.forEach((ticker, i) => {
    out.push({
      ticker,
      startMs: nowMs - 3_600_000,
      endMs: nowMs + 23 * 3_600_000,
      periodRewardCentiCents: prng.pick([200_000, 500_000, 1_000_000]),
      targetSize: i % 2 === 0 ? 100 : 250,
      discountFactorBps: 5000
    })
    if (i % 3 === 0) {
      out.push({ ticker, type: "volume", periodRewardCentiCents: 5_000_000, startMs: nowMs - 3_600_000 })
    }
    if (i === 0) {
      out.push({
        ticker,
        startMs: nowMs + 9 * 3_600_000,
        endMs: nowMs + 33 * 3_600_000,
        periodRewardCentiCents: 200_000,
        targetSize: 250,
        discountFactorBps: 5000
      })
    }
  })
  return out
}

export const buildProgram = (spec: ProgramSpec, market: Market, nowMs: number, prng: Prng): Program => {
  const type = spec.type ?? "liquidity"
  const startMs = spec.startMs ?? nowMs
  return {
    id: prng.uuid(),
    marketId: market.marketId,
    ticker: spec.ticker,
    type,
    description: spec.description ?? `${type === "liquidity" ? "Liquidity" : "Volume"} incentive ${spec.ticker}`,
    startMs,
    endMs: spec.endMs ?? startMs + 86_400_000,
    periodReward: spec.periodRewardCentiCents,
    targetSize: type === "liquidity" ? (spec.targetSize ?? 300) : null,
    discountFactorBps: type === "liquidity" ? (spec.discountFactorBps ?? 5000) : null,
    maxRewardPerAccount: spec.maxRewardPerAccount ?? null,
    paidOut: spec.paidOut ?? false
  }
}

// ------------------------------------------------------------------ scoring

/** The disputed rules (REFERENCE §11.2, research notes): the same choices the bot offers, defaults alike. */
export interface LipRules {
  readonly reference: "best-price" | "target-fifth"
  readonly depth: "whole-levels" | "cut-at-target"
  readonly distance: "grid-ticks" | "book-levels"
}
export const defaultLipRules: LipRules = { reference: "target-fifth", depth: "whole-levels", distance: "grid-ticks" }

const PICO = 1_000_000_000_000n

/** What one program has accumulated. */
export interface LipTally {
  snapshots: number
  included: number
  /** Σ over included snapshots of the number of sides with qualifying orders, in pico-units */
  all: bigint
  /** per user: Σ of their per-side shares, in pico-units */
  readonly users: Map<string, bigint>
  /** per user: snapshots of an open market with a resting order at the best bid on both sides */
  readonly atBest: Map<string, number>
}

export interface LipResult {
  readonly snapshots: number
  readonly included: number
  /** the user's period score, pico-units (10^12 = 1) */
  readonly scorePico: bigint
  /** the reward, centi-cents, rounded down to the cent (0 below $1.00) */
  readonly rewardCentiCents: number
  /** before the $1.00 minimum */
  readonly earnedCentiCents: number
  readonly atBestSnapshots: number
}

/** Grid index per pip: how many grid prices are ≤ p (cached per ranges array). */
const indexCache = new WeakMap<ReadonlyArray<PriceRange>, Int32Array>()
const gridIndex = (ranges: ReadonlyArray<PriceRange>): Int32Array => {
  let idx = indexCache.get(ranges)
  if (idx !== undefined) return idx
  idx = new Int32Array(10_001)
  let n = 0
  for (let p = 0; p <= 10_000; p++) {
    if (p > 0 && p < 10_000 && ranges.some((r) => p >= r.start && p <= r.end && (p - r.start) % r.step === 0)) n++
    idx[p] = n
  }
  indexCache.set(ranges, idx)
  return idx
}

interface Entry {
  /** this side's price (YES price for YES bids, NO price for NO bids), pips */
  readonly price: number
  readonly orders: ReadonlyArray<Order>
}

/** One side: per-user share of the side's score in pico-units, or undefined when nothing qualifies. */
const scoreSide = (
  entries: ReadonlyArray<Entry>,
  top: boolean,
  gridOf: (price: number) => number,
  target: number,
  dfBps: number,
  rules: LipRules
): Map<string, bigint> | undefined => {
  if (entries.length === 0 || top) return undefined
  const t = BigInt(target) * 100n // centi-contracts
  const sizeOf = (e: Entry) => e.orders.reduce((a, o) => a + BigInt(o.remaining), 0n)
  let ref = 0
  if (rules.reference === "target-fifth") {
    let cum = 0n
    for (let i = 0; i < entries.length; i++) {
      cum += sizeOf(entries[i]!)
      if (cum * 5n >= t) {
        ref = i
        break
      }
    }
  }
  const refPrice = entries[ref]!.price
  const picked: Array<{ readonly user: string; readonly centi: bigint; readonly d: number }> = []
  let cum = 0n
  for (let i = 0; i < entries.length && cum < t; i++) {
    const e = entries[i]!
    const d = e.price >= refPrice ? 0 : rules.distance === "grid-ticks" ? gridOf(refPrice) - gridOf(e.price) : i - ref
    for (const o of e.orders) {
      let c = BigInt(o.remaining)
      if (rules.depth === "cut-at-target") c = c < t - cum ? c : t - cum
      if (c <= 0n) continue
      picked.push({ user: o.userId, centi: c, d })
      cum += c
    }
  }
  const maxD = picked.reduce((a, p) => Math.max(a, p.d), 0)
  const df = BigInt(dfBps)
  const byUser = new Map<string, bigint>()
  let total = 0n
  for (const p of picked) {
    const w = p.centi * df ** BigInt(p.d) * 10_000n ** BigInt(maxD - p.d)
    total += w
    byUser.set(p.user, (byUser.get(p.user) ?? 0n) + w)
  }
  const out = new Map<string, bigint>()
  if (total === 0n) return out
  for (const [u, w] of byUser) out.set(u, (w * PICO) / total)
  return out
}

/** Scores one snapshot of a market for a program into its tally. */
export const snapshot = (m: Market, p: Program, tally: LipTally, rules: LipRules): void => {
  tally.snapshots++
  if (m.status !== "active" || p.targetSize === null) return
  const idx = gridIndex(m.ranges)
  const yesEntries: Array<Entry> = []
  for (let i = m.book.bids.prices.length - 1; i >= 0; i--) {
    const price = m.book.bids.prices[i]!
    yesEntries.push({ price, orders: m.book.bids.levels.get(price)!.orders })
  }
  const noEntries: Array<Entry> = []
  for (const price of m.book.asks.prices) {
    noEntries.push({ price: 10_000 - price, orders: m.book.asks.levels.get(price)!.orders })
  }
  const depth = (es: ReadonlyArray<Entry>) => es.reduce((a, e) => a + e.orders.reduce((b, o) => b + o.remaining, 0), 0)
  // at-best coverage counts every snapshot, included or not
  const usersAt = (e: Entry | undefined) => new Set(e?.orders.map((o) => o.userId) ?? [])
  const yesBest = usersAt(yesEntries[0])
  for (const u of usersAt(noEntries[0])) if (yesBest.has(u)) tally.atBest.set(u, (tally.atBest.get(u) ?? 0) + 1)
  const target = p.targetSize * 100
  if (depth(yesEntries) < target || depth(noEntries) < target) return
  tally.included++
  const maxGrid = idx[9_999]! // index of the highest grid price below $1
  const minGridPrice = (() => {
    for (let q = 1; q < 10_000; q++) if (idx[q]! > idx[q - 1]!) return q
    return 1
  })()
  const yes = scoreSide(
    yesEntries,
    idx[yesEntries[0]!.price]! === maxGrid,
    (price) => idx[price]!,
    p.targetSize,
    p.discountFactorBps ?? 10_000,
    rules
  )
  // NO prices: the YES grid mirrored, so a NO price's index counts from the other end
  const no = scoreSide(
    noEntries,
    10_000 - noEntries[0]!.price === minGridPrice,
    (price) => maxGrid - idx[10_000 - price]!,
    p.targetSize,
    p.discountFactorBps ?? 10_000,
    rules
  )
  for (const side of [yes, no]) {
    if (side === undefined) continue
    tally.all += PICO
    for (const [u, s] of side) tally.users.set(u, (tally.users.get(u) ?? 0n) + s)
  }
}

export const emptyTally = (): LipTally => ({ snapshots: 0, included: 0, all: 0n, users: new Map(), atBest: new Map() })

export const resultOf = (p: Program, tally: LipTally, userId: string): LipResult => {
  const mine = tally.users.get(userId) ?? 0n
  const scorePico = tally.all === 0n ? 0n : (mine * PICO) / tally.all
  const den = tally.all * BigInt(tally.snapshots)
  const exact = den === 0n ? 0n : (mine * BigInt(p.periodReward) * BigInt(tally.included)) / den
  const cents = Number((exact / 100n) * 100n)
  const capped = p.maxRewardPerAccount === null ? cents : Math.min(cents, p.maxRewardPerAccount)
  return {
    snapshots: tally.snapshots,
    included: tally.included,
    scorePico,
    earnedCentiCents: capped,
    rewardCentiCents: capped >= 10_000 ? capped : 0,
    atBestSnapshots: tally.atBest.get(userId) ?? 0
  }
}

/**
 * The per-second sampler: at a random offset inside every second, each liquidity program in force takes a
 * snapshot of its market. Started once; keeps rescheduling itself on the simulator clock.
 */
export const makeLipSampler = (o: {
  readonly scheduler: Scheduler
  readonly prng: Prng
  readonly now: () => number
  readonly programs: () => Iterable<Program>
  readonly market: (ticker: string) => Market | undefined
  readonly rules: LipRules
}) => {
  const tallies = new Map<string, LipTally>()
  let next: number | undefined
  /** snapshot times, for tests: the last few */
  const times: Array<number> = []
  const sample = (at: number) => {
    times.push(at)
    if (times.length > 16) times.shift()
    for (const p of o.programs()) {
      if (p.type !== "liquidity" || at < p.startMs || at >= p.endMs) continue
      const m = o.market(p.ticker)
      if (m === undefined) continue
      let t = tallies.get(p.id)
      if (t === undefined) {
        t = emptyTally()
        tallies.set(p.id, t)
      }
      snapshot(m, p, t, o.rules)
    }
  }
  const scheduleFrom = (nowMs: number) => {
    const second = Math.floor(nowMs / 1000) * 1000 + 1000
    const at = second + Math.floor(o.prng.next() * 1000)
    next = at
    o.scheduler.at(at, (t) => {
      sample(t)
      scheduleFrom(t - (t % 1000))
    })
  }
  return {
    start: () => scheduleFrom(o.now()),
    tally: (programId: string) => tallies.get(programId) ?? emptyTally(),
    times: () => [...times],
    /** when the next snapshot is due (undefined before `start`) */
    next: () => next
  }
}
