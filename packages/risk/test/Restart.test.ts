/**
 * What a restart hands the engine: P&L realised earlier today (replayed from the fill record with the engine's
 * own accounting, then carried), and a pause on one market.
 */
import { Decimal as D } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import * as DailyCarry from "../src/DailyCarry.js"
import type { RiskConfigInput } from "../src/RiskConfig.js"
import { layer, RiskEngine } from "../src/RiskEngine.js"
import { A, B, cfg, create, decide, fill, req } from "./helpers.js"

const withEngine = (input: RiskConfigInput) => Effect.provide(layer(cfg(input)))

const DAY = 86_400_000
const f = (
  side: "buy" | "sell",
  price: string,
  amount: string,
  at: number,
  o: { symbol?: string; strategy?: string; fee?: string } = {}
): DailyCarry.Step => ({
  _tag: "Fill",
  fill: {
    venue: "k",
    strategy: o.strategy ?? "mm",
    symbol: o.symbol ?? "M1",
    side,
    price: D.d(price),
    amount: D.d(amount),
    fee: D.d(o.fee ?? "0"),
    at
  }
})

describe("today's realised P&L from the fill record", () => {
  it("average cost, fees, only fills since the day start, positions from each run's opening", () => {
    const day = 10 * DAY
    const steps: Array<DailyCarry.Step> = [
      { _tag: "Open", venue: "k", positions: [] },
      // yesterday: bought 10 at 0.50, sold 4 at 0.60 (+0.40, not today's)
      f("buy", "0.50", "10", day - 5000, { fee: "0.07" }),
      f("sell", "0.60", "4", day - 4000, { fee: "0.01" }),
      // today: 6 left at 0.50; sell 6 at 0.40 (−0.60); another strategy buys and sells (−0.10, fee 0.02)
      f("sell", "0.40", "6", day + 1000, { fee: "0.03" }),
      f("buy", "0.30", "1", day + 2000, { strategy: "other", symbol: "M2", fee: "0.01" }),
      f("sell", "0.20", "1", day + 3000, { strategy: "other", symbol: "M2", fee: "0.01" }),
      // a restart: the venue shows 5 long at 0.70 (bought while we were down, no fill of ours recorded)
      {
        _tag: "Open",
        venue: "k",
        positions: [{ venue: "k", strategy: "mm", symbol: "M3", amount: D.d("5"), price: D.d("0.70") }]
      },
      f("sell", "0.65", "5", day + 9000, { symbol: "M3" }), // −0.25
      // a short opened and closed today: sell 3 at 0.55, buy 3 at 0.45 (+0.30)
      f("sell", "0.55", "3", day + 9500),
      f("buy", "0.45", "3", day + 9600)
    ]
    const out = DailyCarry.today(steps, day)
    const by = new Map(out.map((c) => [c.strategy, c]))
    assert.strictEqual(D.format(by.get("mm")!.realized), "-0.55")
    assert.strictEqual(D.format(by.get("mm")!.fees), "0.03")
    assert.strictEqual(D.format(by.get("other")!.realized), "-0.1")
    assert.strictEqual(D.format(by.get("other")!.fees), "0.02")
    // nothing today: nothing carried
    assert.deepStrictEqual(DailyCarry.today(steps.slice(0, 3), day), [])
  })
})

describe("carried P&L in the engine", () => {
  it.effect("losses before a restart + losses after exceed maxDailyLoss: halted; the next day starts afresh", () =>
    Effect.gen(function* () {
      const r = yield* RiskEngine
      // before the restart: −0.60 realised, 0.05 fees (limit 1)
      yield* r.carryDaily(A, D.d("-0.60"), D.d("0.05"))
      assert.strictEqual(D.format((yield* r.summary()).dailyPnl), "-0.65")
      assert.strictEqual(yield* r.state(A), "ACTIVE")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"))), "OK")
      // after: −0.40 more (realised) → −1.05
      yield* r.onFill(A, fill("buy", "0.50", "4"))
      yield* r.onFill(A, fill("sell", "0.40", "4"))
      assert.strictEqual(D.format((yield* r.summary()).dailyPnl), "-1.05")
      assert.strictEqual(yield* r.state(A), "HALTED")
      assert.include((yield* r.statuses)[0]!.reason, "daily loss 1.05 exceeds 1")
      // the other venue's figures are untouched
      assert.strictEqual(D.format((yield* r.summary({ venue: B.venue })).dailyPnl), "0")
      // the next day: the carried loss is yesterday's
      yield* TestClock.adjust("24 hours")
      assert.strictEqual(D.format((yield* r.summary()).dailyPnl), "0")
      assert.strictEqual(D.format((yield* r.summary()).pnl), "-1.05")
    }).pipe(withEngine({ global: { maxDailyLoss: "1" }, onBreach: { maxDailyLoss: "halt-all" } }))
  )

  it.effect("a carried loss beyond the limit halts at once", () =>
    Effect.gen(function* () {
      const r = yield* RiskEngine
      yield* r.carryDaily(A, D.d("-1.50"), D.ZERO)
      assert.strictEqual(yield* r.state(), "HALTED")
      assert.strictEqual((yield* r.statuses)[0]!.cause, "maxDailyLoss")
    }).pipe(withEngine({ global: { maxDailyLoss: "1" }, onBreach: { maxDailyLoss: "halt-all" } }))
  )
})

describe("a pause on one market", () => {
  it.effect("denies creates in that market only, on that venue only; resume lifts it; stateNow sees it", () =>
    Effect.gen(function* () {
      const r = yield* RiskEngine
      yield* r.pause("lunch", { venue: A.venue, symbol: "M1" })
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M1"))), "TRADING_HALTED")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M2"))), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M1"), B)), "OK")
      assert.strictEqual(yield* r.stateNow(A, "M1"), "HALTED")
      assert.strictEqual(yield* r.stateNow(A, "M2"), "ACTIVE")
      assert.strictEqual(yield* r.stateNow(A), "ACTIVE")
      const [st] = yield* r.statuses
      assert.deepStrictEqual(st?.scope, { venue: A.venue, symbol: "M1" })
      assert.isTrue(st?.paused)
      yield* r.resume("back", { venue: A.venue, symbol: "M1" })
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M1"))), "OK")
      assert.deepStrictEqual(yield* r.statuses, [])
      // a venue halt covers every market in stateNow
      yield* r.setState("HALTED", "venue", { venue: A.venue })
      assert.strictEqual(yield* r.stateNow(A, "M2"), "HALTED")
    }).pipe(withEngine({}))
  )
})
