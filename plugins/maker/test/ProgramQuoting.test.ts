import { Decimal as D, Fee, Ids, Incentive, Lip, Market, TickGrid } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import { prepare } from "../src/Maker.js"
import { defaults } from "../src/MakerConfig.js"
import type * as Plan from "../src/ProgramPlan.js"
import { quotesFor, termsOf } from "../src/ProgramQuoting.js"
import type * as Q from "../src/Quoting.js"

const NOW = Date.UTC(2026, 11, 2)
const HOUR = 3_600_000
const program = (fields: Partial<ConstructorParameters<typeof Incentive.IncentiveProgram>[0]>) =>
  Incentive.IncentiveProgram.make({
    venue: Ids.VenueId.make("k"),
    id: "p",
    symbol: Ids.Symbol.make("M"),
    kind: "liquidity",
    description: "",
    start: NOW - HOUR,
    end: NOW + 23 * HOUR,
    periodReward: D.int(20),
    paidOut: false,
    targetSize: D.int(300),
    discountFactor: D.d("0.5"),
    ...fields
  })

describe("ProgramQuoting.termsOf", () => {
  it("the active liquidity program paying the most per day; upcoming, closed, volume and incomplete ones do not count", () => {
    const terms = termsOf(
      [
        program({ id: "day", periodReward: D.int(20) }), // $20 over 24 h
        program({ id: "hour", periodReward: D.int(2), start: NOW - HOUR / 2, end: NOW + HOUR / 2 }), // $48 a day
        program({ id: "soon", periodReward: D.int(1000), start: NOW + 9 * HOUR, end: NOW + 33 * HOUR }),
        program({ id: "past", periodReward: D.int(1000), start: NOW - 48 * HOUR, end: NOW - 24 * HOUR }),
        program({ id: "paid", periodReward: D.int(1000), paidOut: true }),
        program({ id: "vol", kind: "volume", periodReward: D.int(1000), targetSize: undefined }),
        program({ id: "bare", periodReward: D.int(1000), discountFactor: undefined })
      ],
      NOW
    )
    assert.strictEqual(D.format(terms!.rewardPerDay), "48")
    assert.strictEqual(D.format(terms!.target), "300")
    assert.strictEqual(D.format(terms!.discountFactor), "0.5")
    assert.isUndefined(termsOf([program({ start: NOW + HOUR })], NOW))
    assert.isUndefined(termsOf([], NOW))
  })
})

const market = Market.Market.make({
  venue: Ids.VenueId.make("k"),
  symbol: Ids.Symbol.make("M"),
  title: "m",
  kind: { _tag: "binary", settlementValue: D.ONE, outcomes: Market.yesNo() },
  currency: "USD",
  status: "open",
  tickGrid: { ranges: [TickGrid.PriceRange.make({ start: D.d("0.01"), end: D.d("0.99"), step: D.d("0.01") })] },
  amountStep: D.ONE,
  minAmount: D.ONE,
  fees: Fee.NoFee.make({})
})
const p = prepare(market, { ...defaults, maxPosition: D.int(500) })
const terms: Plan.Terms = { target: D.int(300), discountFactor: D.d("0.5"), rewardPerDay: D.int(100) }
const settings: Plan.Settings = {
  hurdle: D.d("0.001"),
  fillRate: D.d("0.5"),
  adverseTicks: 1,
  rules: Lip.defaultRules,
  minRestMs: 15_000,
  requoteGain: D.d("0.2")
}
/** levels 39/38 (0.40/0.39) bid and 45/46 (0.46/0.47) ask, 200 each, plus our own orders in the book */
const input = (own: ReadonlyArray<Q.OwnOrder>, now = NOW): Q.QuoteInput => {
  const add = (side: "buy" | "sell", levels: Array<number>, lots: Array<number>) => {
    for (const o of own.filter((x) => x.side === side)) {
      const i = levels.indexOf(o.level)
      if (i >= 0) lots[i] = lots[i]! + o.lots
      else {
        const at = levels.findIndex((l) => (side === "buy" ? l < o.level : l > o.level))
        levels.splice(at < 0 ? levels.length : at, 0, o.level)
        lots.splice(at < 0 ? lots.length : at, 0, o.lots)
      }
    }
    return { levels, lots }
  }
  return {
    bids: add("buy", [39, 38], [200, 200]),
    asks: add("sell", [45, 46], [200, 200]),
    own,
    positionLots: 0,
    now,
    open: true,
    closeTime: undefined,
    lastBuyFillAt: undefined,
    lastSellFillAt: undefined
  }
}

describe("ProgramQuoting.quotesFor", () => {
  it("plans both sides, reuses the plan while only our own orders change the book, keeps what rests", () => {
    const first = quotesFor(p, input([]), terms, settings, 100)
    assert.deepStrictEqual(
      [first.quotes?.bid, first.quotes?.ask],
      [
        { level: 40, lots: 100, keep: undefined },
        { level: 44, lots: 100, keep: undefined }
      ]
    )
    // our orders now rest: the same others' book, the same plan object, both orders kept
    const own: ReadonlyArray<Q.OwnOrder> = [
      { id: "b", side: "buy", level: 40, lots: 100, createdAt: NOW },
      { id: "a", side: "sell", level: 44, lots: 100, createdAt: NOW }
    ]
    const again = quotesFor(p, input(own, NOW + 1_000), terms, settings, 100, true, first)
    assert.strictEqual(again.key, first.key)
    assert.strictEqual(again.plan, first.plan)
    assert.deepStrictEqual([again.quotes?.bid?.keep, again.quotes?.ask?.keep], ["b", "a"])
  })

  it("right after a switch from the plain rule, a plain order is replaced without waiting out the minimum rest", () => {
    const plain: ReadonlyArray<Q.OwnOrder> = [{ id: "b", side: "buy", level: 40, lots: 2, createdAt: NOW }]
    const kept = quotesFor(p, input(plain, NOW + 1_000), terms, settings, 100, true)
    assert.strictEqual(kept.quotes?.bid?.keep, "b", "a program order of its own: rests out minRestMs")
    const switched = quotesFor(p, input(plain, NOW + 1_000), terms, settings, 100, false)
    assert.deepStrictEqual(switched.quotes?.bid, { level: 40, lots: 100, keep: undefined })
  })
})

describe("ProgramQuoting.quotesFor within the Risk limits", () => {
  it("plans with the capped sizes, and the plan key follows the caps", () => {
    const capped = { ...input([]), capLots: (_side: "buy" | "sell", _level: number) => 40 }
    const r = quotesFor(p, capped, terms, settings, 100)
    assert.isTrue((r.quotes?.bid?.lots ?? 0) <= 40 && (r.quotes?.ask?.lots ?? 0) <= 40)
    assert.isDefined(r.quotes?.bid)
    assert.notStrictEqual(r.key, quotesFor(p, input([]), terms, settings, 100).key)
  })

  it("a side whose cap cannot reach its share of Target is planned as such (short: the plain rule)", () => {
    // others' bid side 400 ≥ Target 300 needs nothing; a thin ask side (100) needs 200 of ours, above a cap of 50
    const thin: Q.QuoteInput = {
      ...input([]),
      asks: { levels: [45], lots: [100] },
      capLots: () => 50
    }
    const r = quotesFor(p, thin, terms, settings, 100)
    assert.isDefined(r.plan.fallback)
    assert.isUndefined(r.quotes)
    assert.isDefined(quotesFor(p, { ...thin, capLots: () => 300 }, terms, settings, 300).quotes)
  })
})
