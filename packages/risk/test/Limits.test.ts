import { Decimal as D, Ids, Order } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import type { RiskConfigInput } from "../src/RiskConfig.js"
import { layer, RiskEngine } from "../src/RiskEngine.js"
import { A, B, binaryMarket, cfg, create, decide, fill, order, req } from "./helpers.js"

const withEngine = (input: RiskConfigInput) => Effect.provide(layer(cfg(input)))
const engine = RiskEngine

describe("per-order limits", () => {
  it.effect("maxOrderSize: just below, at, just above", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* decide(create(req("buy", "0.50", "9.99"))), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.50", "10"))), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.50", "10.01"))), "MAX_ORDER_SIZE")
    }).pipe(withEngine({ global: { maxOrderSize: "10" } }))
  )

  it.effect("maxOrderNotional: buy cost is price × amount", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* decide(create(req("buy", "0.49", "10"))), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.50", "10"))), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.51", "10"))), "MAX_ORDER_NOTIONAL")
    }).pipe(withEngine({ global: { maxOrderNotional: "5" } }))
  )

  it.effect("maxOrderNotional: a binary sell costs (settlement − price) × amount", () =>
    Effect.gen(function* () {
      yield* (yield* engine).registerMarkets("paper-a", [binaryMarket("M1")])
      assert.strictEqual(yield* decide(create(req("sell", "0.51", "10"))), "OK")
      assert.strictEqual(yield* decide(create(req("sell", "0.50", "10"))), "OK")
      assert.strictEqual(yield* decide(create(req("sell", "0.49", "10"))), "MAX_ORDER_NOTIONAL")
    }).pipe(withEngine({ global: { maxOrderNotional: "5" } }))
  )

  it.effect("priceBand: never buy above maxBuy, never sell below minSell", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* decide(create(req("buy", "0.89", "1"))), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.90", "1"))), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.91", "1"))), "PRICE_BAND")
      assert.strictEqual(yield* decide(create(req("sell", "0.11", "1"))), "OK")
      assert.strictEqual(yield* decide(create(req("sell", "0.10", "1"))), "OK")
      assert.strictEqual(yield* decide(create(req("sell", "0.09", "1"))), "PRICE_BAND")
    }).pipe(withEngine({ global: { priceBand: { maxBuy: "0.90", minSell: "0.10" } } }))
  )

  it.effect("priceBand: minBuy and maxSell", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* decide(create(req("buy", "0.05", "1"))), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.04", "1"))), "PRICE_BAND")
      assert.strictEqual(yield* decide(create(req("sell", "0.95", "1"))), "OK")
      assert.strictEqual(yield* decide(create(req("sell", "0.96", "1"))), "PRICE_BAND")
    }).pipe(withEngine({ global: { priceBand: { minBuy: "0.05", maxSell: "0.95" } } }))
  )
})

describe("position and exposure limits (resting orders count)", () => {
  it.effect("maxPosition: position 5 + resting buy 3 + new buy", () =>
    Effect.gen(function* () {
      const r = yield* engine
      yield* r.onFill(A, fill("buy", "0.50", "5"))
      yield* r.onOrder(A, order("buy", "0.48", "3"))
      assert.strictEqual(yield* decide(create(req("buy", "0.49", "1"))), "OK") // 9
      assert.strictEqual(yield* decide(create(req("buy", "0.49", "2"))), "OK") // 10
      assert.strictEqual(yield* decide(create(req("buy", "0.49", "3"))), "MAX_POSITION") // 11
      // the short side: 5 − 15 = −10 is at the bound, −16 is past it
      assert.strictEqual(yield* decide(create(req("sell", "0.60", "14"))), "OK")
      assert.strictEqual(yield* decide(create(req("sell", "0.60", "15"))), "OK")
      assert.strictEqual(yield* decide(create(req("sell", "0.60", "16"))), "MAX_POSITION")
    }).pipe(withEngine({ global: { maxPosition: "10" } }))
  )

  it.effect("maxPosition: a reducing order passes even above the limit", () =>
    Effect.gen(function* () {
      const r = yield* engine
      yield* r.onFill(A, fill("buy", "0.50", "20"))
      assert.strictEqual(yield* decide(create(req("buy", "0.50", "1"))), "MAX_POSITION")
      assert.strictEqual(yield* decide(create(req("sell", "0.50", "5"))), "OK")
    }).pipe(withEngine({ global: { maxPosition: "10" } }))
  )

  it.effect("maxPosition per strategy counts only that strategy", () =>
    Effect.gen(function* () {
      const r = yield* engine
      yield* r.onFill({ venue: "paper-a", strategy: "other" }, fill("buy", "0.50", "50"))
      assert.strictEqual(yield* decide(create(req("buy", "0.50", "10"))), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.50", "11"))), "MAX_POSITION")
    }).pipe(withEngine({ strategies: { maker: { maxPosition: "10" } } }))
  )

  it.effect("maxEventPosition sums the event's markets", () =>
    Effect.gen(function* () {
      const r = yield* engine
      yield* r.registerMarkets("paper-a", [binaryMarket("M1", { eventId: "E" }), binaryMarket("M2", { eventId: "E" })])
      yield* r.onFill(A, fill("buy", "0.50", "6", "M1"))
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "3", "M2"))), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "4", "M2"))), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "5", "M2"))), "MAX_EVENT_POSITION")
    }).pipe(withEngine({ global: { maxEventPosition: "10" } }))
  )

  it.effect("maxGrossExposure: positions at mark plus the new order", () =>
    Effect.gen(function* () {
      const r = yield* engine
      yield* r.onFill(A, fill("buy", "0.50", "10"))
      yield* r.onMark(A, "M1", D.d("0.50"))
      assert.strictEqual(yield* decide(create(req("buy", "0.49", "10", "M2"))), "OK") // 9.9
      assert.strictEqual(yield* decide(create(req("buy", "0.50", "10", "M2"))), "OK") // 10
      assert.strictEqual(yield* decide(create(req("buy", "0.51", "10", "M2"))), "MAX_GROSS_EXPOSURE") // 10.1
    }).pipe(withEngine({ global: { maxGrossExposure: "10" } }))
  )

  it.effect("maxGrossExposure counts resting orders", () =>
    Effect.gen(function* () {
      const r = yield* engine
      yield* r.onOrder(A, order("buy", "0.50", "10"))
      assert.strictEqual(yield* decide(create(req("buy", "0.50", "10", "M2"))), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.50", "10.02", "M2"))), "MAX_GROSS_EXPOSURE")
    }).pipe(withEngine({ global: { maxGrossExposure: "10" } }))
  )
})

describe("order counts and rate", () => {
  it.effect("maxOpenOrders: below, at, above", () =>
    Effect.gen(function* () {
      const r = yield* engine
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"))), "OK") // 0 open → 1
      yield* r.onOrder(A, order("buy", "0.40", "1"))
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"))), "OK") // 1 open → 2 (at)
      yield* r.onOrder(A, order("buy", "0.40", "1"))
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"))), "MAX_OPEN_ORDERS") // 2 open → 3
    }).pipe(withEngine({ global: { maxOpenOrders: 2 } }))
  )

  it.effect("maxOpenOrders: an approved create with a client id counts until acknowledged or expired", () =>
    Effect.gen(function* () {
      const r = yield* engine
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M1", "c1"))), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M1", "c2"))), "MAX_OPEN_ORDERS")
      // the acknowledgement replaces the reservation; a cancel frees the slot
      yield* r.onOrder(A, order("buy", "0.40", "1", { id: "v1", clientOrderId: "c1" }))
      assert.strictEqual((yield* r.summary()).openOrders, 1)
      yield* r.onOrder(A, order("buy", "0.40", "1", { id: "v1", clientOrderId: "c1", status: "canceled" }))
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M1", "c3"))), "OK")
      // never acknowledged: the reservation expires after pendingTtlMs
      yield* TestClock.adjust("999 millis")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M1", "c4"))), "MAX_OPEN_ORDERS")
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M1", "c4"))), "OK")
      // a late "open" update for a canceled order does not bring it back
      yield* r.onOrder(A, order("buy", "0.40", "1", { id: "v1", clientOrderId: "c1" }))
      assert.strictEqual((yield* r.summary()).openOrders, 1)
    }).pipe(withEngine({ global: { maxOpenOrders: 1 }, pendingTtlMs: 1000 }))
  )

  it.effect("orderRate: sliding window driven by Clock", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"))), "OK")
      yield* TestClock.adjust("400 millis")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"))), "OK") // 2 (below)
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"))), "OK") // 3 (at)
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"))), "ORDER_RATE") // 4 (above)
      yield* TestClock.adjust("599 millis")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"))), "ORDER_RATE")
      yield* TestClock.adjust("1 millis") // the first one leaves the window
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"))), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"))), "ORDER_RATE")
      // cancels always pass
      const d = yield* Effect.flatMap(engine, (r) => r.check({ _tag: "Cancel", scope: A, symbol: "M1", orderId: "o1" }))
      assert.strictEqual(d._tag, "Approved")
    }).pipe(withEngine({ global: { orderRate: { max: 3, windowMs: 1000 } } }))
  )

  it.effect("orderRate per venue: one venue's rate does not use up the other's", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"), A)), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"), A)), "ORDER_RATE")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"), B)), "OK")
    }).pipe(
      withEngine({
        venues: {
          "paper-a": { orderRate: { max: 1, windowMs: 1000 } },
          "paper-b": { orderRate: { max: 1, windowMs: 1000 } }
        }
      })
    )
  )
})

describe("loss limits", () => {
  it.effect("maxDailyLoss: below, at, above; resets at the configured UTC hour", () =>
    Effect.gen(function* () {
      const r = yield* engine
      yield* r.onFill(A, fill("buy", "0.50", "10"))
      yield* r.onMark(A, "M1", D.d("0.401")) // −0.99
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M2"))), "OK")
      yield* r.onMark(A, "M1", D.d("0.40")) // −1.00
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M2"))), "OK")
      yield* r.onMark(A, "M1", D.d("0.399")) // −1.01
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M2"))), "DAILY_LOSS")
      // reducing orders still pass
      assert.strictEqual(yield* decide(create(req("sell", "0.40", "10"))), "OK")
      // 05:59 UTC: same day; 06:00 UTC: new day, new baseline
      yield* TestClock.adjust("359 minutes")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M2"))), "DAILY_LOSS")
      yield* TestClock.adjust("1 minutes")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M2"))), "OK")
      assert.strictEqual(D.format((yield* r.summary()).dailyPnl), "0")
    }).pipe(withEngine({ global: { maxDailyLoss: "1" }, dailyResetHourUtc: 6 }))
  )

  it.effect("maxDailyLoss counts fees and realized P&L", () =>
    Effect.gen(function* () {
      const r = yield* engine
      yield* r.onFill(A, fill("buy", "0.50", "10", "M1", "0.02"))
      yield* r.onFill(A, fill("sell", "0.40", "10", "M1", "0.02")) // realized −1, fees 0.04
      const s = yield* r.summary()
      assert.strictEqual(D.format(s.pnl), "-1.04")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"))), "DAILY_LOSS")
    }).pipe(withEngine({ global: { maxDailyLoss: "1.03" } }))
  )

  it.effect("maxDrawdown: fall from the peak", () =>
    Effect.gen(function* () {
      const r = yield* engine
      yield* r.onFill(A, fill("buy", "0.50", "10"))
      yield* r.onMark(A, "M1", D.d("0.70")) // +2, the peak
      yield* r.onMark(A, "M1", D.d("0.601")) // drawdown 0.99
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M2"))), "OK")
      yield* r.onMark(A, "M1", D.d("0.60")) // 1.00
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M2"))), "OK")
      yield* r.onMark(A, "M1", D.d("0.599")) // 1.01
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M2"))), "DRAWDOWN")
    }).pipe(withEngine({ global: { maxDrawdown: "1" } }))
  )

  it.effect("a daily-loss breach with halt-all halts at once; resumeOnDailyReset brings it back", () =>
    Effect.gen(function* () {
      const r = yield* engine
      yield* r.onFill(A, fill("buy", "0.50", "10"))
      yield* r.onMark(A, "M1", D.d("0.30"))
      assert.strictEqual(yield* r.state(), "HALTED")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"), B)), "TRADING_HALTED")
      const [st] = yield* r.statuses
      assert.strictEqual(st?.cause, "maxDailyLoss")
      yield* TestClock.adjust("24 hours")
      assert.strictEqual(yield* r.state(), "ACTIVE")
    }).pipe(
      withEngine({ global: { maxDailyLoss: "1" }, onBreach: { maxDailyLoss: "halt-all" }, resumeOnDailyReset: true })
    )
  )
})

describe("self-cross, markets and unresolved orders", () => {
  it.effect("selfCross: a buy at or above our own resting sell is refused", () =>
    Effect.gen(function* () {
      const r = yield* engine
      yield* r.onOrder({ venue: "paper-a", strategy: "other" }, order("sell", "0.55", "5"))
      assert.strictEqual(yield* decide(create(req("buy", "0.54", "1"))), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.55", "1"))), "SELF_CROSS")
      assert.strictEqual(yield* decide(create(req("buy", "0.56", "1"))), "SELF_CROSS")
      // another venue's order is not ours to cross
      assert.strictEqual(yield* decide(create(req("buy", "0.56", "1"), B)), "OK")
    }).pipe(withEngine({}))
  )

  it.effect("selfCross can be switched off", () =>
    Effect.gen(function* () {
      const r = yield* engine
      yield* r.onOrder(A, order("buy", "0.55", "5"))
      assert.strictEqual(yield* decide(create(req("sell", "0.55", "1"))), "OK")
    }).pipe(withEngine({ global: { selfCross: false } }))
  )

  it.effect("UNKNOWN_MARKET and MARKET_NOT_OPEN", () =>
    Effect.gen(function* () {
      const r = yield* engine
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "NOPE"))), "UNKNOWN_MARKET")
      yield* r.registerMarkets("paper-a", [binaryMarket("M1"), binaryMarket("M2", { status: "paused" })])
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M1"))), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M2"))), "MARKET_NOT_OPEN")
    }).pipe(withEngine({ requireKnownMarkets: true }))
  )

  it.effect("UNRESOLVED_ORDER blocks the market until the order is resolved", () =>
    Effect.gen(function* () {
      const r = yield* engine
      yield* r.onOrder(A, order("buy", "0.40", "1", { id: "u1", status: "unknown" }))
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"))), "UNRESOLVED_ORDER")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1", "M2"))), "OK")
      yield* r.onOrder(A, order("buy", "0.40", "1", { id: "u1", status: "canceled" }))
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "1"))), "OK")
    }).pipe(withEngine({}))
  )

  it.effect("an amend replaces the order's own contribution", () =>
    Effect.gen(function* () {
      const r = yield* engine
      yield* r.onOrder(A, order("buy", "0.40", "8", { id: "a1" }))
      const amend = (amount: string) =>
        decide({
          _tag: "Amend",
          scope: A,
          symbol: "M1",
          orderId: "a1",
          edit: Order.OrderEdit.make({ amount: D.d(amount) }),
          current: Order.OrderRequest.make({
            symbol: Ids.Symbol.make("M1"),
            side: "buy",
            price: D.d("0.40"),
            amount: D.d("8")
          })
        })
      assert.strictEqual(yield* amend("10"), "OK")
      assert.strictEqual(yield* amend("11"), "MAX_POSITION")
    }).pipe(withEngine({ global: { maxPosition: "10" } }))
  )
})
