import { Decimal as D, Ids, Order, type Risk, Strategy } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import type { RiskConfigInput } from "../src/RiskConfig.js"
import { layer, RiskEngine } from "../src/RiskEngine.js"
import { A, binaryMarket, cfg, create, decide, fill, order, req } from "./helpers.js"

const withEngine = (input: RiskConfigInput) => Effect.provide(layer(cfg(input)))
const OTHER: Risk.RiskScope = { venue: "paper-a", strategy: "other" }
const limits = Effect.flatMap(RiskEngine, (r) => r.limitsNow(A, "M1"))
const fmt = (x: D.Decimal | undefined) => (x === undefined ? "none" : D.format(x))
const amend = (orderId: string, side: Order.Side, price: string, remaining: string, total: string) =>
  decide({
    _tag: "Amend",
    scope: A,
    symbol: "M1",
    orderId,
    edit: Order.OrderEdit.make({ amount: D.d(total) }),
    current: req(side, price, remaining)
  })

describe("RiskEngine.limitsNow", () => {
  it.effect("the tightest of global, venue and strategy; an order at the largest size passes, one more is denied", () =>
    Effect.gen(function* () {
      const r = yield* RiskEngine
      yield* r.registerMarkets("paper-a", [binaryMarket("M1")])
      yield* r.onFill(A, fill("buy", "0.40", "10")) // maker long 10
      yield* r.onOrder(A, order("buy", "0.40", "5", { id: "own" })) // maker's resting bid
      yield* r.onOrder(OTHER, order("sell", "0.60", "8", { id: "theirs" })) // another strategy's ask
      const l = yield* limits
      assert.strictEqual(l.state, "ACTIVE")
      assert.strictEqual(fmt(l.maxOrderSize), "35") // venue 35 < global 50
      assert.strictEqual(fmt(l.maxOrderNotional), "20")
      assert.strictEqual(fmt(l.settlement), "1")
      assert.deepStrictEqual(
        [l.priceBand.minBuy, l.priceBand.maxBuy, l.priceBand.minSell, l.priceBand.maxSell].map(fmt),
        ["0.05", "0.9", "none", "none"]
      )
      // buys: strategy level 40 − 10 (its own resting 5 replaced) = 30; global 100 − (10 + 5 − 5) = 90
      assert.strictEqual(fmt(l.maxBuy), "30")
      // sells: strategy 40 + 10 = 50; global 100 − (8 − 10) = 102
      assert.strictEqual(fmt(l.maxSell), "50")
      assert.strictEqual(l.openOrdersLeft, 4) // the strategy's 5 less its one open order
      assert.strictEqual(fmt(l.grossExposureLeft), "none")

      // buy at 0.40: min(room 30, size 35, notional 20 / 0.40 = 50) = 30, as an amend of the resting bid
      assert.strictEqual(fmt(Strategy.largestOrder(l, "buy", D.d("0.40"))), "30")
      assert.strictEqual(yield* amend("own", "buy", "0.40", "5", "30"), "OK")
      assert.strictEqual(yield* amend("own", "buy", "0.40", "5", "31"), "MAX_POSITION")
      // sell at 0.60: min(room 50, size 35, notional 20 / (1 − 0.60) = 50) = 35
      assert.strictEqual(fmt(Strategy.largestOrder(l, "sell", D.d("0.60"))), "35")
      assert.strictEqual(yield* decide(create(req("sell", "0.60", "35"))), "OK")
      assert.strictEqual(yield* decide(create(req("sell", "0.60", "36"))), "MAX_ORDER_SIZE")
      // sell at 0.41: the notional binds, 20 / 0.59 = 33.898…
      const at41 = Strategy.largestOrder(l, "sell", D.d("0.41"))!
      assert.strictEqual(fmt(D.round(at41, 2, "floor")), "33.89")
      assert.strictEqual(yield* decide(create(req("sell", "0.41", "33.89"))), "OK")
      assert.strictEqual(yield* decide(create(req("sell", "0.41", "33.9"))), "MAX_ORDER_NOTIONAL")
      // out of the price band: nothing
      assert.strictEqual(fmt(Strategy.largestOrder(l, "buy", D.d("0.91"))), "0")
    }).pipe(
      withEngine({
        global: {
          maxOrderSize: "50",
          maxOrderNotional: "20",
          maxPosition: "100",
          priceBand: { minBuy: "0.05", maxBuy: "0.95" }
        },
        venues: { "paper-a": { maxOrderSize: "35", priceBand: { maxBuy: "0.90" } } },
        strategies: { maker: { maxPosition: "40", maxOpenOrders: 5 } }
      })
    )
  )

  it.effect("room under maxEventPosition counts the event's other markets", () =>
    Effect.gen(function* () {
      const r = yield* RiskEngine
      yield* r.registerMarkets("paper-a", [binaryMarket("M1", { eventId: "E" }), binaryMarket("M2", { eventId: "E" })])
      yield* r.onFill(A, fill("buy", "0.40", "6", "M2"))
      const l = yield* limits
      assert.strictEqual(fmt(l.maxBuy), "4")
      assert.strictEqual(fmt(l.maxSell), "4")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "4"))), "OK")
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "5"))), "MAX_EVENT_POSITION")
    }).pipe(withEngine({ global: { maxEventPosition: "10" } }))
  )

  it.effect("while reducing only what reduces the position; halted or a paused market: nothing", () =>
    Effect.gen(function* () {
      const r = yield* RiskEngine
      yield* r.onFill(A, fill("buy", "0.40", "10"))
      assert.deepStrictEqual([fmt((yield* limits).maxBuy), fmt((yield* limits).maxSell)], ["90", "110"])
      yield* r.setState("REDUCING", "test")
      assert.deepStrictEqual([fmt((yield* limits).maxBuy), fmt((yield* limits).maxSell)], ["0", "10"])
      yield* r.setState("ACTIVE", "test")
      yield* r.pause("test", { venue: "paper-a", symbol: "M1" })
      const l = yield* limits
      assert.strictEqual(l.state, "HALTED")
      assert.deepStrictEqual([fmt(l.maxBuy), fmt(l.maxSell)], ["0", "0"])
    }).pipe(withEngine({ global: { maxPosition: "100" } }))
  )

  it.effect("is read without advancing time: an expired reservation counts until something ticks", () =>
    Effect.gen(function* () {
      const r = yield* RiskEngine
      assert.strictEqual(yield* decide(create(req("buy", "0.40", "6", "M1", "their-1"), OTHER)), "OK")
      assert.strictEqual(fmt((yield* limits).maxBuy), "4")
      yield* TestClock.adjust(2_000) // past pendingTtlMs: the reservation has expired
      assert.strictEqual(fmt((yield* limits).maxBuy), "4")
      yield* r.state() // a read that ticks drops it
      assert.strictEqual(fmt((yield* limits).maxBuy), "10")
    }).pipe(withEngine({ global: { maxPosition: "10" }, pendingTtlMs: 1_000 }))
  )
})

describe("an amend is checked by what would rest", () => {
  it.effect("its new total less what has filled", () =>
    Effect.gen(function* () {
      const r = yield* RiskEngine
      yield* r.onOrder(
        A,
        Order.Order.make({
          ...order("buy", "0.40", "50", { id: "part" }),
          id: Ids.OrderId.make("part"),
          amount: D.d("68"),
          filled: D.d("18")
        })
      )
      // 18 filled, 50 resting: a total of 68 leaves 50 resting (within 50); 69 would leave 51
      assert.strictEqual(yield* amend("part", "buy", "0.40", "50", "68"), "OK")
      assert.strictEqual(yield* amend("part", "buy", "0.40", "50", "69"), "MAX_ORDER_SIZE")
    }).pipe(withEngine({ global: { maxOrderSize: "50" } }))
  )
})
