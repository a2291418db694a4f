import { Decimal as D, Ids, Incentive, TickGrid } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import type { Entry } from "../src/Journal.js"
import * as LipSample from "../src/LipSample.js"
import * as Report from "../src/Report.js"

const DAY = 86_400_000
const cent = TickGrid.uniform("0.01", "0.99", "0.01")
const program = (o: Partial<{ id: string; target: number; reward: string; end: number; paidOut: boolean }> = {}) =>
  Incentive.IncentiveProgram.make({
    venue: Ids.VenueId.make("v"),
    id: o.id ?? "p1",
    symbol: Ids.Symbol.make("M1"),
    kind: "liquidity",
    description: "",
    start: 0,
    end: o.end ?? DAY,
    periodReward: D.d(o.reward ?? "24"),
    paidOut: o.paidOut ?? false,
    targetSize: D.int(o.target ?? 100),
    discountFactor: D.d("0.5")
  })
const lv = (p: string, n: number) => [D.d(p), D.int(n)] as const
// YES bids 0.50 (20, ours 10) · 0.49 50 · 0.47 60; YES asks 0.52 (100, ours 10) = NO bids at 0.48
const snapshot: LipSample.MarketSnapshot = {
  open: true,
  grid: cent,
  bids: [lv("0.50", 20), lv("0.49", 50), lv("0.47", 60)],
  asks: [lv("0.52", 100)],
  ours: [
    { side: "buy", price: D.d("0.50"), size: D.int(10) },
    { side: "sell", price: D.d("0.52"), size: D.int(10) }
  ]
}
/** floor(n / d) at 18 digits, as the scorer rounds */
const q = (n: bigint, d: bigint) => D.fromScaled((n * 10n ** 18n) / d)
const rules = { reference: "target-fifth", depth: "whole-levels", distance: "grid-ticks" } as const

const times = (n: number, programs = [program()]) => {
  let t = LipSample.emptyTally
  for (let i = 0; i < n; i++) t = LipSample.addSnapshot(t, snapshot, programs, rules)
  return t
}

describe("LipSample: snapshots scored with the exact scorer, added up per minute", () => {
  it("a hand-computed snapshot: shares, coverage, time at best, size and spread", () => {
    const t = times(3)
    // YES: ref 0.50 (cum 20 = Target/5), weights 20 + 50·½ + 60·⅛ = 52.5, ours 10 → 4/21; NO: 10/100
    const p = t.programs[0]!.period
    assert.strictEqual(p.ours, D.mulInt(D.add(q(4n, 21n), q(1n, 10n)), 3))
    assert.strictEqual(p.all, 6)
    assert.strictEqual(p.included, 3)
    assert.deepStrictEqual(
      [t.snapshots, t.open, t.quotedBoth, t.atBestBoth, t.coveredYes, t.coveredNo, t.coveredBoth],
      [3, 3, 3, 3, 3, 3, 3]
    )
    assert.strictEqual(D.format(t.quotedSize), "60")
    assert.strictEqual(D.format(t.spreadSum), "0.06")
    assert.strictEqual(D.format(t.lastMid!), "0.51")
  })

  it("behind the reference is quoted but not covered; a market without a program counts the best price", () => {
    const behind = { ...snapshot, ours: [{ side: "buy" as const, price: D.d("0.49"), size: D.int(10) }] }
    const t = LipSample.addSnapshot(LipSample.emptyTally, behind, [program()], rules)
    assert.deepStrictEqual([t.quotedYes, t.coveredYes, t.atBestYes, t.quotedBoth], [1, 0, 0, 0])
    const none = LipSample.addSnapshot(LipSample.emptyTally, snapshot, [], rules)
    assert.deepStrictEqual([none.coveredBoth, none.atBestBoth, none.programs.length], [1, 1, 0])
  })

  it("minutes add up to the whole exactly, and survive the journal's form", () => {
    const whole = times(5)
    const parts = LipSample.combine(times(2), times(3))
    assert.deepStrictEqual(parts, whole)
    assert.deepStrictEqual(LipSample.decode(LipSample.encode(whole, 0, 60_000)), whole)
    assert.isUndefined(LipSample.decode({ bids: [], asks: [] })) // the old 5-second raw samples
  })

  it("the reward of the snapshots: pool × observed share of the period × score × included ÷ snapshots", () => {
    const t = times(3, [program({ reward: "86400" })]) // $1 per second of the period
    // ours/all × $1/s × 3 s = (4/21 + 1/10)·3/6 × 3 = 61/210 × 1.5 … the exact figure, rounded down to 18 digits
    const ours = D.mulInt(D.add(q(4n, 21n), q(1n, 10n)), 3)
    assert.strictEqual(
      LipSample.accruedReward(t.programs[0]!),
      D.fromScaled((D.toScaled(ours) * D.toScaled(D.d("86400")) * 3n) / (6n * 86_400n * 10n ** 18n))
    )
  })
})

describe("Report: incentive programs per program and market, per day", () => {
  let seq = 0
  const sample = (ts: number, symbol: string, t: LipSample.MarketTally): Entry => ({
    seq: ++seq,
    ts,
    kind: "sample",
    venue: "v",
    symbol,
    data: LipSample.encode(t, ts - 60_000, ts)
  })
  const tally = (
    p: { id: string; reward: string; end: number; paidOut?: boolean; ours: string; target?: number } | undefined
  ): LipSample.MarketTally => ({
    ...LipSample.emptyTally,
    snapshots: 3600,
    open: 3600,
    quotedYes: 3600,
    quotedNo: 3600,
    quotedBoth: 1800,
    atBestBoth: 900,
    coveredYes: 3600,
    coveredNo: 1800,
    coveredBoth: 1800,
    quotedSize: D.int(72_000),
    spreadSum: D.d("36"),
    programs:
      p === undefined
        ? []
        : [
            {
              id: p.id,
              targetSize: D.int(p.target ?? 300),
              discountFactor: D.d("0.5"),
              periodReward: D.d(p.reward),
              start: 0,
              end: p.end,
              paidOut: p.paidOut ?? false,
              period: {
                snapshots: 3600,
                included: 3600,
                ours: D.d(p.ours),
                all: 7200,
                atBestYes: 0,
                atBestNo: 0,
                atBestBoth: 900
              }
            }
          ]
  })

  it("rows per day with each market's own target, reward down to the cent, $1.00 minimum per program", () => {
    const P = { id: "program-p", reward: "200", end: 2 * DAY, ours: "1800", target: 1000 }
    const Q = { id: "program-q", reward: "100", end: DAY, ours: "100", paidOut: true }
    const r = Report.compute([
      sample(DAY / 2, "M1", tally(P)),
      sample(DAY / 2, "M2", tally(Q)),
      sample(DAY / 2, "M3", tally(undefined)),
      sample(DAY + DAY / 2, "M1", tally(P))
    ])
    const row = (day: string, symbol: string) => r.lip.find((x) => x.day === day && x.symbol === symbol)!
    const d1 = row("1970-01-01", "M1")
    // 1800 × $200 × 3600 ÷ (7200 × 172 800 s) = $1.0416… → $1.04; score 1800 ÷ 7200
    assert.strictEqual(D.format(d1.projectedReward), "1.04")
    assert.strictEqual(D.format(d1.score), "0.25")
    assert.strictEqual(D.format(d1.targetSize!), "1000")
    assert.deepStrictEqual([d1.coverage, d1.coverageYes, d1.uptime, d1.timeAtBest], [0.5, 1, 0.5, 0.25])
    assert.strictEqual(D.format(d1.avgQuotedSize!), "13.333333333333333333") // 72 000 ÷ 5 400 quoted snapshots
    assert.strictEqual(D.format(d1.avgSpread!), "0.02")
    assert.strictEqual(D.format(row("1970-01-02", "M1").projectedReward), "1.04")
    // the program over the window: $2.0833… → $2.08, payable (≥ $1.00), not paid out yet
    const p = r.lipPrograms.find((x) => x.programId === "program-p")!
    assert.deepStrictEqual(
      [D.format(p.projectedReward), D.format(p.payableReward), p.realisedReward],
      ["2.08", "2.08", undefined]
    )
    // Q: 100 × $100 × 3600 ÷ (7200 × 86 400) = $0.0578… → $0.05, below the minimum: nothing payable, paid out
    const q = r.lipPrograms.find((x) => x.programId === "program-q")!
    assert.deepStrictEqual(
      [D.format(q.projectedReward), D.format(q.payableReward), D.format(q.realisedReward!)],
      ["0.05", "0", "0"]
    )
    // a market without a program has its row (coverage against the best price)
    assert.isUndefined(row("1970-01-01", "M3").programId)
    const t = r.lipTotals
    assert.deepStrictEqual(
      [D.format(t.projectedReward), D.format(t.payableReward), D.format(t.realisedReward)],
      ["2.13", "2.08", "0"]
    )
    assert.deepStrictEqual([t.snapshots, t.coverage, t.programMarkets], [4 * 3600, 0.5, 2])
    assert.include(Report.formatTable(r), "incentive programs, per market and day")
  })
})

describe("LipSample.scoringLevels: only the levels scoring can use", () => {
  it.prop(
    "scores, coverage and time at best are the same as the whole side's",
    {
      bids: fc.uniqueArray(fc.integer({ min: 1, max: 48 }), { minLength: 1, maxLength: 30 }),
      asks: fc.uniqueArray(fc.integer({ min: 52, max: 98 }), { minLength: 1, maxLength: 30 }),
      lots: fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 60, maxLength: 60 }),
      target: fc.constantFrom(100, 300, 1000),
      ourBid: fc.nat(29),
      ourAsk: fc.nat(29)
    },
    ({ bids, asks, lots, target, ourBid, ourAsk }) => {
      const view = (cents: ReadonlyArray<number>, best: "high" | "low", from: number) => {
        const sorted = [...cents].sort((a, b) => (best === "high" ? b - a : a - b))
        return {
          levels: sorted.map((c) => cent.levelOf(D.d((c / 100).toFixed(2)))),
          lots: sorted.map((_, i) => lots[from + i]!)
        }
      }
      const b = view(bids, "high", 0)
      const a = view(asks, "low", 30)
      const mineB = b.levels[Math.min(ourBid, b.levels.length - 1)]!
      const mineA = a.levels[Math.min(ourAsk, a.levels.length - 1)]!
      const ours = [
        { side: "buy" as const, price: cent.priceAt(mineB), size: D.int(1) },
        { side: "sell" as const, price: cent.priceAt(mineA), size: D.int(1) }
      ]
      const snap = (cut: boolean): LipSample.MarketSnapshot => {
        const side = (v: typeof b, mine: number) =>
          cut
            ? LipSample.scoringLevels(v, D.ONE, cent, new Set([mine]), D.int(target))
            : v.levels.map((l, i) => [cent.priceAt(l), D.int(v.lots[i]!)] as const)
        return { open: true, grid: cent, bids: side(b, mineB), asks: side(a, mineA), ours }
      }
      const programs = [program({ target })]
      const whole = LipSample.addSnapshot(LipSample.emptyTally, snap(false), programs, rules)
      const cut = LipSample.addSnapshot(LipSample.emptyTally, snap(true), programs, rules)
      assert.deepStrictEqual(cut, whole)
    },
    { fastCheck: { numRuns: 300 } }
  )
})
