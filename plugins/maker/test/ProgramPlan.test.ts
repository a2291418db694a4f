import { Decimal as D, Fee, Lip, TickGrid } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import * as Plan from "../src/ProgramPlan.js"
import type * as Q from "../src/Quoting.js"

const grid = TickGrid.uniform("0.01", "0.99", "0.01") // levels 0..98
const g: Plan.Geometry = {
  top: grid.size - 1,
  minLevel: 0,
  maxLevel: grid.size - 1,
  priceAt: grid.priceAt,
  step: D.ONE,
  fees: Fee.NoFee.make({})
}
const terms: Plan.Terms = { target: D.int(300), discountFactor: D.d("0.5"), rewardPerDay: D.int(100) }
const s: Plan.Settings = {
  hurdle: D.d("0.001"),
  fillRate: D.d("0.5"),
  adverseTicks: 1,
  rules: Lip.defaultRules,
  minRestMs: 15_000,
  requoteGain: D.d("0.2")
}
/** a side from [level, lots] pairs, best first */
const side = (...xs: ReadonlyArray<readonly [number, number]>): Q.SideLevels => ({
  levels: xs.map((x) => x[0]),
  lots: xs.map((x) => x[1])
})
const lvl = (price: string) => grid.levelOf(D.d(price))

describe("ProgramPlan: hand-computed", () => {
  it("a wide spread: improving with 100 (≥ Target/5) takes the reference and halves the old best", () => {
    const bids = side([lvl("0.40"), 200], [lvl("0.39"), 200])
    const asks = side([lvl("0.46"), 200], [lvl("0.47"), 200])
    const yes = Plan.planSide("buy", bids, asks, [], 100, terms, g, s)
    const top = yes.options[0]!
    assert.strictEqual(top.level, lvl("0.41"))
    assert.strictEqual(top.lots, 100)
    assert.isTrue(top.improve)
    // share 100 / (100 + 200 × 0.5) = 1/2 of the side's $50 a day
    assert.strictEqual(D.format(top.reward), "25")
    // 0.5 × 100 contracts filled a day × 1¢ adverse move; hurdle 0.001 × $41 collateral
    assert.strictEqual(D.format(top.cost), "0.5")
    assert.strictEqual(D.format(top.collateral), "41")
    assert.strictEqual(D.format(top.value), "24.459")
    // joining 0.40 behind 200: 100 / 300 of the side
    const join = yes.options[1]!
    assert.strictEqual(join.level, lvl("0.40"))
    assert.isFalse(join.improve)
    // the share is rounded down at 18 digits (0.333…333), then × $50
    assert.strictEqual(D.format(join.reward), "16.66666666666666665")
  })

  it("a one-tick spread: no room to improve, so the side joins the best", () => {
    const bids = side([lvl("0.50"), 200], [lvl("0.49"), 200])
    const asks = side([lvl("0.51"), 200], [lvl("0.52"), 200])
    const yes = Plan.planSide("buy", bids, asks, [], 100, terms, g, s)
    const no = Plan.planSide("sell", asks, bids, [], 100, terms, g, s)
    assert.deepStrictEqual(
      yes.options.map((o) => [o.level, o.improve]),
      [[lvl("0.50"), false]]
    )
    assert.deepStrictEqual(
      no.options.map((o) => [o.level, o.improve]),
      [[lvl("0.51"), false]]
    )
    const plan = Plan.planMarket(yes, no, terms, g)
    assert.isUndefined(plan.fallback)
    assert.strictEqual(plan.bid!.level, lvl("0.50"))
    assert.strictEqual(plan.ask!.level, lvl("0.51"))
  })

  it("a two-tick spread: both sides cannot improve onto the same price; one improves, the other joins", () => {
    const bids = side([lvl("0.40"), 300], [lvl("0.39"), 200])
    const asks = side([lvl("0.42"), 300], [lvl("0.43"), 200])
    const plan = Plan.planMarket(
      Plan.planSide("buy", bids, asks, [], 100, terms, g, s),
      Plan.planSide("sell", asks, bids, [], 100, terms, g, s),
      terms,
      g
    )
    assert.isBelow(plan.bid!.level, plan.ask!.level)
    assert.strictEqual([plan.bid!.improve, plan.ask!.improve].filter(Boolean).length, 1)
  })

  it("skips a side pinned at the edge; quotes the other only when the pinned side still reaches Target", () => {
    // YES bids at 99¢ (the top of the grid) and NO bids at 99¢ (YES asks at 1¢) can never score
    const yes = Plan.planSide("buy", side([lvl("0.99"), 400]), side(), [], 100, terms, g, s)
    assert.strictEqual(yes.skip, "pinned")
    assert.strictEqual(Plan.planSide("sell", side([lvl("0.01"), 400]), side(), [], 100, terms, g, s).skip, "pinned")
    // a pinned side with 400 ≥ Target resting: the other side alone is quoted
    const no = Plan.planSide("sell", side([lvl("0.46"), 400]), side([lvl("0.40"), 400]), [], 100, terms, g, s)
    const one = Plan.planMarket({ ...yes, depthLots: 400 }, no, terms, g)
    assert.isUndefined(one.bid)
    assert.strictEqual(one.ask?.level, lvl("0.45"))
    // short of Target, the snapshot is excluded whatever we do: the plain rule applies
    assert.strictEqual(
      Plan.planMarket({ ...yes, depthLots: 100 }, no, terms, g).fallback,
      "a pinned side is short of Target"
    )
  })

  it("a side short of Target by more than the cap cannot qualify: the market falls back", () => {
    const bids = side([lvl("0.40"), 50])
    const asks = side([lvl("0.46"), 400])
    const yes = Plan.planSide("buy", bids, asks, [], 100, terms, g, s)
    assert.strictEqual(yes.skip, "short")
    assert.strictEqual(
      Plan.planMarket(yes, Plan.planSide("sell", asks, bids, [], 100, terms, g, s), terms, g).fallback,
      "bid side short"
    )
    // with room for the 250 missing, the side qualifies with at least that much
    const revived = Plan.planSide("buy", bids, asks, [], 300, terms, g, s)
    assert.isAtLeast(revived.options[0]!.lots, 250)
  })

  it("the collateral budget funds the best reward per dollar first; the market where it runs out gets the rest", () => {
    const granted = Plan.allocate(
      [
        { symbol: "A", net: D.int(10), collateral: D.int(100) }, // 0.1
        { symbol: "B", net: D.int(30), collateral: D.int(100) }, // 0.3
        { symbol: "C", net: D.int(5), collateral: D.int(20) }, // 0.25
        { symbol: "D", net: D.ZERO, collateral: D.int(1) }
      ],
      D.int(150)
    )
    assert.deepStrictEqual(
      [...granted].map(([k, v]) => `${k} ${D.format(v)}`),
      ["B 100", "C 20", "A 30"]
    )
  })

  it("hysteresis: a young sound order stays, an old one gives way only to a plan worth 20 % more", () => {
    const bids = side([lvl("0.41"), 60], [lvl("0.40"), 200], [lvl("0.39"), 200])
    const asks = side([lvl("0.46"), 400])
    const own: ReadonlyArray<Q.OwnOrder> = [{ id: "o", side: "buy", level: lvl("0.41"), lots: 60, createdAt: 0 }]
    const plan = Plan.planSide("buy", bids, asks, own, 100, terms, g, s).options[0]!
    assert.strictEqual(plan.lots, 100)
    const young = Plan.settleSide(plan, "buy", own, bids, asks, 100, terms, g, s, 1_000)
    assert.strictEqual(young.keep, "o")
    // 60 → 100 at 0.41: share 60/160 → 100/200, +33 % of value: replaced once rested
    const old = Plan.settleSide(plan, "buy", own, bids, asks, 100, terms, g, s, 20_000)
    assert.deepStrictEqual(old, { level: lvl("0.41"), lots: 100, keep: undefined })
    const lazy = Plan.settleSide(plan, "buy", own, bids, asks, 100, terms, g, { ...s, requoteGain: D.ONE }, 20_000)
    assert.strictEqual(lazy.keep, "o")
    // crossed by the other side: replaced at once, however young
    const crossed = Plan.settleSide(plan, "buy", own, bids, side([lvl("0.41"), 400]), 100, terms, g, s, 1_000)
    assert.isUndefined(crossed.keep)
  })
})

/** A random uncrossed book (levels of a cent grid), others only. */
const book = fc
  .record({
    bestBid: fc.integer({ min: 0, max: 97 }),
    gap: fc.integer({ min: 1, max: 8 }),
    bids: fc.array(fc.record({ skip: fc.integer({ min: 0, max: 2 }), lots: fc.integer({ min: 1, max: 400 }) }), {
      minLength: 1,
      maxLength: 6
    }),
    asks: fc.array(fc.record({ skip: fc.integer({ min: 0, max: 2 }), lots: fc.integer({ min: 1, max: 400 }) }), {
      minLength: 1,
      maxLength: 6
    }),
    maxLots: fc.integer({ min: 0, max: 400 }),
    target: fc.constantFrom(100, 300, 1000),
    rules: fc.constantFrom<Lip.Rules>(Lip.defaultRules, {
      reference: "best-price",
      depth: "cut-at-target",
      distance: "book-levels"
    })
  })
  .map((r) => {
    const bids: Array<readonly [number, number]> = []
    let l = r.bestBid
    for (const x of r.bids) {
      if (l < 0) break
      bids.push([l, x.lots])
      l -= 1 + x.skip
    }
    const asks: Array<readonly [number, number]> = []
    l = Math.min(98, r.bestBid + r.gap)
    for (const x of r.asks) {
      if (l > 98) break
      asks.push([l, x.lots])
      l += 1 + x.skip
    }
    return { ...r, bidSide: side(...bids), askSide: side(...asks) }
  })

describe("ProgramPlan: properties", () => {
  it("a plan never crosses, stays on the grid and within the cap, reaches Target and beats every candidate", () =>
    fc.assert(
      fc.property(book, (b) => {
        const t: Plan.Terms = { ...terms, target: D.int(b.target) }
        const st = { ...s, rules: b.rules }
        const yes = Plan.planSide("buy", b.bidSide, b.askSide, [], b.maxLots, t, g, st)
        const no = Plan.planSide("sell", b.askSide, b.bidSide, [], b.maxLots, t, g, st)
        const plan = Plan.planMarket(yes, no, t, g)
        const bestBid = b.bidSide.levels[0]!
        const bestAsk = b.askSide.levels[0]!
        for (const [o, p, opp] of [
          [plan.bid, yes, bestAsk],
          [plan.ask, no, bestBid]
        ] as const) {
          if (o === undefined) continue
          const buy = o.side === "buy"
          assert.isTrue(buy ? o.level < opp : o.level > opp, "inside the spread")
          assert.include([p.bestLevel, p.bestLevel + (buy ? 1 : -1)], o.level, "joins or improves by one tick")
          assert.isAtMost(o.lots, b.maxLots)
          assert.isAtLeast(p.depthLots + o.lots, b.target, "the side reaches Target")
          assert.isFalse(buy ? p.bestLevel >= g.top : p.bestLevel <= 0, "never a pinned side")
          // no candidate (level, size) at the chosen level is worth more
          for (const lots of Plan.sizes(Math.max(0, b.target - p.depthLots), b.target, b.maxLots)) {
            const others = Plan.others(buy ? b.bidSide : b.askSide, [], o.side)
            assert.isTrue(Plan.evaluate(others, o.side, o.level, lots, t, g, st).value <= o.value)
          }
        }
        if (plan.bid !== undefined && plan.ask !== undefined) assert.isBelow(plan.bid.level, plan.ask.level)
        if (plan.fallback === undefined) assert.isTrue(plan.value > 0n)
      }),
      { numRuns: 300 }
    ))

  it("the budget is never exceeded and goes to the best net reward per dollar first (exact on long fractions)", () =>
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ net: fc.integer({ min: -100, max: 1000 }), collateral: fc.integer({ min: 1, max: 500 }) })
        ),
        fc.integer({ min: 1, max: 2000 }),
        (bids, budget) => {
          // long fractions (÷ 7, ÷ 3), like real plans: ranking them must be exact and never throw
          const xs = bids.map((x, i) => ({
            symbol: `M${i}`,
            net: D.div(D.int(x.net), D.int(7), "floor"),
            collateral: D.div(D.int(x.collateral), D.int(3), "ceil")
          }))
          const granted = Plan.allocate(xs, D.int(budget))
          assert.isTrue(D.sum(granted.values()) <= D.int(budget))
          // every market granted ranks at least as high per dollar as every market left out
          const ratio = (x: (typeof xs)[number]) => D.div(x.net, x.collateral, "floor")
          const out = xs.filter((x) => x.net > 0n && !granted.has(x.symbol))
          for (const x of xs.filter((y) => granted.has(y.symbol))) {
            for (const y of out) assert.isTrue(ratio(x) >= ratio(y))
          }
          for (const x of xs) {
            const g = granted.get(x.symbol)
            if (g !== undefined) assert.isTrue(x.net > 0n && g > 0n && g <= x.collateral)
          }
          // at most one market is granted part of its plan
          assert.isAtMost(xs.filter((x) => (granted.get(x.symbol) ?? x.collateral) < x.collateral).length, 1)
        }
      )
    ))
})
