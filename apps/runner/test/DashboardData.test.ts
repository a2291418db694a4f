import { assert, describe, it } from "@effect/vitest"
import * as Data from "../src/DashboardData.js"

const market = (symbol: string, resting: string): Data.MarketSnap => ({
  key: `k:${symbol}`,
  venue: "k",
  strategy: "mm",
  symbol,
  open: true,
  bids: [["0.40", "10", "2"]],
  asks: [["0.45", "5", "0"]],
  ourBid: "0.40",
  ourAsk: undefined,
  spread: "0.05",
  spreadTicks: 5,
  spreadWithoutUs: "0.06",
  improvementTicks: 1,
  orders: 1,
  resting,
  position: "0",
  fills: 0,
  makerContracts: "0",
  takerContracts: "0",
  pnl: "0.0000",
  lipScore: undefined,
  lipPeriod: undefined,
  lipProjected: undefined,
  state: "ACTIVE"
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
    const prev = { portfolio: "", venues: "", markets: new Map<string, Data.MarketSnap>() }
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
