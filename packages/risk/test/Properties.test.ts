import { Decimal as D, Ids, Order } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import { layer, RiskEngine } from "../src/RiskEngine.js"
import { A, cfg, create, decide, fill, order } from "./helpers.js"

const cents = (n: number) => D.format(D.fromUnits(n, 2))
const request = (side: Order.Side, priceCents: number, amountCents: number) =>
  Order.OrderRequest.make({
    symbol: Ids.Symbol.make("M1"),
    side,
    price: D.fromUnits(priceCents, 2),
    amount: D.fromUnits(amountCents, 2)
  })

describe("risk properties", () => {
  it.effect.prop(
    "maxOrderSize: approved exactly when amount ≤ max",
    [fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 100_000 })],
    ([max, amount]) =>
      Effect.gen(function* () {
        const d = yield* decide(create(request("buy", 50, amount)))
        assert.strictEqual(d, amount <= max ? "OK" : "MAX_ORDER_SIZE")
      }).pipe(Effect.provide(layer(cfg({ global: { maxOrderSize: cents(max) } })))),
    { fastCheck: { numRuns: 200 } }
  )

  it.effect.prop(
    "maxPosition: approved exactly when the worst case (position + resting + order) stays within the limit",
    [
      fc.integer({ min: 0, max: 5_000 }),
      fc.integer({ min: -5_000, max: 5_000 }),
      fc.integer({ min: 0, max: 3_000 }),
      fc.integer({ min: 0, max: 3_000 }),
      fc.constantFrom<Order.Side>("buy", "sell"),
      fc.integer({ min: 1, max: 5_000 })
    ],
    ([max, position, restingBuy, restingSell, side, amount]) =>
      Effect.gen(function* () {
        const r = yield* RiskEngine
        if (position !== 0) yield* r.onFill(A, fill(position > 0 ? "buy" : "sell", "0.50", cents(Math.abs(position))))
        if (restingBuy > 0) yield* r.onOrder(A, order("buy", "0.01", cents(restingBuy)))
        if (restingSell > 0) yield* r.onOrder(A, order("sell", "0.99", cents(restingSell)))
        const d = yield* decide(create(request(side, 50, amount)))
        const long = position + restingBuy + (side === "buy" ? amount : 0)
        const short = position - restingSell - (side === "sell" ? amount : 0)
        const reducing = side === "buy" ? position + restingBuy + amount <= 0 : position - restingSell - amount >= 0
        const worst = Math.max(Math.abs(long), Math.abs(short))
        assert.strictEqual(d, reducing || worst <= max ? "OK" : "MAX_POSITION")
      }).pipe(Effect.provide(layer(cfg({ global: { maxPosition: cents(max) }, onBreach: {} })))),
    { fastCheck: { numRuns: 200 } }
  )

  it.effect.prop(
    "priceBand: a buy passes exactly when price ≤ maxBuy",
    [fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 99 })],
    ([bound, price]) =>
      Effect.gen(function* () {
        const d = yield* decide(create(request("buy", price, 100)))
        assert.strictEqual(d, price <= bound ? "OK" : "PRICE_BAND")
      }).pipe(Effect.provide(layer(cfg({ global: { priceBand: { maxBuy: cents(bound) } } })))),
    { fastCheck: { numRuns: 100 } }
  )
})
