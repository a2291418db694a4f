import { Decimal as D, Ids, Incentive, TickGrid } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Data from "../src/DashboardData.js"
import type { Entry } from "../src/Journal.js"
import * as LipSample from "../src/LipSample.js"
import * as Report from "../src/Report.js"

const market = (symbol: string, resting: string): Data.MarketRow => ({
  key: `k:${symbol}`,
  venue: "k",
  strategy: "mm",
  symbol,
  open: true,
  bid: "0.40",
  ask: "0.45",
  ourBid: "0.40",
  ourAsk: undefined,
  spread: "0.05",
  spreadTicks: 5,
  improvementTicks: 1,
  orders: 1,
  resting,
  position: "0",
  fills: 0,
  pnl: "0.0000",
  lipTarget: undefined,
  lipScore: undefined,
  lipToday: undefined,
  lipProjected: undefined,
  state: "ACTIVE",
  paused: false,
  own: false
})

const portfolio = (resting: string): Data.Portfolio => ({
  state: "ACTIVE",
  reasons: [],
  markets: 2,
  orders: 2,
  resting,
  position: "0",
  fills: 0,
  pnl: "0.0000",
  exposure: "0.00",
  startedAt: 0
})

describe("DashboardData.diff", () => {
  it("the first payload has everything; later ones only the rows the collector rebuilt", () => {
    const prev = { portfolio: "", venues: "", markets: new Map<string, Data.MarketRow>() }
    const a = market("A", "0.80")
    const b = market("B", "1.20")
    const first = Data.diff(prev, { t: 1, portfolio: portfolio("2.00"), venues: [], markets: [a, b] })
    assert.deepStrictEqual(
      first.markets.map((m) => m.key),
      ["k:A", "k:B"]
    )
    assert.isDefined(first.portfolio)
    assert.isDefined(first.venues)

    const same = Data.diff(prev, { t: 2, portfolio: portfolio("2.00"), venues: [], markets: [a, b] })
    assert.deepStrictEqual(same, { t: 2, markets: [] })

    const b2 = market("B", "1.60")
    const changed = Data.diff(prev, { t: 3, portfolio: portfolio("2.40"), venues: [], markets: [a, b2] })
    assert.deepStrictEqual(
      changed.markets.map((m) => [m.key, m.resting]),
      [["k:B", "1.60"]]
    )
    assert.strictEqual(changed.portfolio?.resting, "2.40")
    assert.isUndefined(changed.venues)
  })
})

describe("DashboardData.lipToday: the report's day rows, from the sampler's tally", () => {
  const day0 = Date.UTC(2026, 11, 2)
  const program = (id: string, reward: string) =>
    Incentive.IncentiveProgram.make({
      venue: Ids.VenueId.make("k"),
      id,
      symbol: Ids.Symbol.make("M1"),
      kind: "liquidity",
      description: "",
      start: day0,
      end: day0 + 86_400_000,
      periodReward: D.d(reward),
      paidOut: false,
      targetSize: D.int(100),
      discountFactor: D.d("0.5")
    })
  const rules = { reference: "target-fifth", depth: "whole-levels", distance: "grid-ticks" } as const
  // YES bids 100 at 0.50 (ours 50), YES asks 100 at 0.52 (ours 25): ½ + ¼ per snapshot
  const snap: LipSample.MarketSnapshot = {
    open: true,
    grid: TickGrid.uniform("0.01", "0.99", "0.01"),
    bids: [[D.d("0.50"), D.int(100)]],
    asks: [[D.d("0.52"), D.int(100)]],
    ours: [
      { side: "buy", price: D.d("0.50"), size: D.int(50) },
      { side: "sell", price: D.d("0.52"), size: D.int(25) }
    ]
  }
  const minute = (programs: ReadonlyArray<Incentive.IncentiveProgram>, n = 60) => {
    let t = LipSample.emptyTally
    for (let i = 0; i < n; i++) t = LipSample.addSnapshot(t, snap, programs, rules)
    return t
  }

  it("score of the first program and the programs' rewards, each down to the cent: as the report shows them", () => {
    // two programs on the market ($1,000 and $5,000 a day); two minutes, the second half as long
    const programs = [program("p-a", "1000"), program("p-b", "5000")]
    const minutes = [minute(programs), minute(programs, 30)]
    const tally = LipSample.combine(minutes[0]!, minutes[1]!) // what the sampler's `today` holds
    const today = Data.lipToday(tally)
    // 90 snapshots × 0.75 of 2 → 0.375; $1,000/86,400 s × 90 s × 0.375 = $0.390… → $0.39; $5,000: $1.953… → $1.95
    assert.deepStrictEqual([today.score, today.projected], ["0.375", "2.34"])
    let seq = 0
    const entries: Array<Entry> = [
      { seq: ++seq, ts: day0, kind: "run", venue: "k", data: {} },
      ...minutes.map(
        (t, i): Entry => ({
          seq: ++seq,
          ts: day0 + (i + 1) * 60_000,
          kind: "sample",
          venue: "k",
          symbol: "M1",
          data: LipSample.encode(t, day0 + i * 60_000, day0 + (i + 1) * 60_000)
        })
      )
    ]
    const rows = Report.compute(entries).lip
    assert.strictEqual(rows.length, 2)
    assert.strictEqual(D.format(D.round(rows[0]!.score, 4, "half-even")), today.score)
    assert.strictEqual(D.format(D.sum(rows.map((r) => r.projectedReward)), 2), today.projected)
  })

  it("no program today (or no tally yet): neither figure", () => {
    assert.deepStrictEqual(Data.lipToday(minute([])), { tally: minute([]), score: undefined, projected: undefined })
    assert.deepStrictEqual(Data.lipToday(undefined), { tally: undefined, score: undefined, projected: undefined })
  })
})
