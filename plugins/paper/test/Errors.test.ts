import { Decimal as D, Ids, Order } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { cid, d, provideVenue, req, S1, services } from "./utils.js"

const tagOf = <A, E extends { readonly _tag: string }, R>(eff: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.flip(eff), (e) => e._tag)

describe("bad input fails with typed errors", () => {
  it.effect("order validation", () =>
    Effect.gen(function* () {
      const { ex } = yield* services
      const create = (r: Order.OrderRequest) => tagOf(ex.createOrder(r))
      assert.strictEqual(yield* create(req({ side: "buy", price: "0.405", amount: "1" })), "InvalidOrder")
      assert.strictEqual(yield* create(req({ side: "buy", price: "1.00", amount: "1" })), "InvalidOrder")
      assert.strictEqual(yield* create(req({ side: "buy", price: "0.40", amount: "1.5" })), "InvalidOrder")
      assert.strictEqual(
        yield* create(req({ side: "buy", price: "0.40", amount: "1", postOnly: true, timeInForce: "IOC" })),
        "InvalidOrder"
      )
      assert.strictEqual(
        yield* create(req({ side: "buy", price: "0.40", amount: "1", timeInForce: "IOC", expiry: 10_000 })),
        "InvalidOrder"
      )
      assert.strictEqual(yield* create(req({ side: "buy", price: "0.40", amount: "1", expiry: 0 })), "InvalidOrder")
      assert.strictEqual(
        yield* create(req({ symbol: Ids.Symbol.make("NOPE"), side: "buy", price: "0.40", amount: "1" })),
        "BadSymbol"
      )
      assert.strictEqual((yield* ex.fetchOpenOrders()).length, 0)
    }).pipe(provideVenue())
  )

  it.effect("client order ids are unique forever, even after the order is gone", () =>
    Effect.gen(function* () {
      const { ex } = yield* services
      const o = yield* ex.createOrder(req({ side: "buy", price: "0.40", amount: "1", clientOrderId: cid("c1") }))
      yield* ex.cancelOrder(o.id, S1)
      const e = yield* Effect.flip(
        ex.createOrder(req({ side: "buy", price: "0.40", amount: "1", clientOrderId: cid("c1") }))
      )
      assert.strictEqual(e._tag, "DuplicateClientOrderId")
      assert.strictEqual((yield* ex.fetchOrderByClientId(cid("c1"))).id, o.id)
    }).pipe(provideVenue())
  )

  it.effect("unknown and finished orders", () =>
    Effect.gen(function* () {
      const { ex, venue } = yield* services
      const nope = Ids.OrderId.make("P-999")
      assert.strictEqual(yield* tagOf(ex.fetchOrder(nope)), "OrderNotFound")
      assert.strictEqual(yield* tagOf(ex.cancelOrder(nope, S1)), "OrderNotFound")
      assert.strictEqual(yield* tagOf(ex.editOrder(nope, S1, Order.OrderEdit.make({ amount: D.ONE }))), "OrderNotFound")
      const o = yield* ex.createOrder(req({ side: "buy", price: "0.40", amount: "2" }))
      assert.strictEqual(yield* tagOf(ex.fetchOrder(o.id, Ids.Symbol.make("OTHER"))), "OrderNotFound")
      yield* ex.cancelOrder(o.id, S1)
      assert.strictEqual(yield* tagOf(ex.cancelOrder(o.id, S1)), "OrderNotFound")
      assert.strictEqual(yield* tagOf(ex.editOrder(o.id, S1, Order.OrderEdit.make({ amount: D.ONE }))), "InvalidOrder")
      // another participant's order is not ours to see or cancel
      const ext = yield* venue.addLiquidity({ symbol: S1, side: "sell", price: d("0.90"), amount: d("1") })
      assert.strictEqual(yield* tagOf(ex.fetchOrder(ext.id)), "OrderNotFound")
      assert.strictEqual(yield* tagOf(ex.cancelOrder(ext.id, S1)), "OrderNotFound")
    }).pipe(provideVenue())
  )

  it.effect("edits are validated like orders", () =>
    Effect.gen(function* () {
      const { ex, venue } = yield* services
      yield* venue.addLiquidity({ symbol: S1, side: "sell", price: d("0.50"), amount: d("2") })
      const o = yield* ex.createOrder(req({ side: "buy", price: "0.40", amount: "4", postOnly: true }))
      const edit = (e: Order.OrderEdit) => tagOf(ex.editOrder(o.id, S1, e))
      assert.strictEqual(yield* edit(Order.OrderEdit.make({ price: d("0.405") })), "InvalidOrder")
      assert.strictEqual(yield* edit(Order.OrderEdit.make({ amount: d("2.5") })), "InvalidOrder")
      assert.strictEqual(yield* edit(Order.OrderEdit.make({ price: d("0.50") })), "PostOnlyWouldCross")
      // refused edits leave the order as it was
      const same = yield* ex.fetchOrder(o.id)
      assert.deepStrictEqual([same.price, same.amount, same.status], [d("0.40"), d("4"), "open"])
    }).pipe(provideVenue())
  )

  it.effect("market status: paused and closed markets refuse orders with MarketClosed", () =>
    Effect.gen(function* () {
      const { ex, venue } = yield* services
      const resting = yield* ex.createOrder(req({ side: "buy", price: "0.40", amount: "1" }))
      yield* venue.setMarketStatus(S1, "paused")
      assert.strictEqual(yield* tagOf(ex.createOrder(req({ side: "buy", price: "0.40", amount: "1" }))), "MarketClosed")
      assert.strictEqual((yield* ex.fetchOrder(resting.id)).status, "open")
      yield* venue.setMarketStatus(S1, "closed")
      assert.strictEqual((yield* ex.fetchOrder(resting.id)).status, "canceled")
      assert.strictEqual(yield* tagOf(venue.settle(S1, d("1.5"))), "InvalidOrder")
    }).pipe(provideVenue())
  )

  it.effect("batches: per-item errors in order; an oversize batch goes out in chunks of maxBatchCreate", () =>
    Effect.gen(function* () {
      const { ex } = yield* services
      const results = yield* ex.createOrders([
        req({ side: "buy", price: "0.40", amount: "1" }),
        req({ side: "buy", price: "0.401", amount: "1" }),
        req({ symbol: Ids.Symbol.make("NOPE"), side: "buy", price: "0.40", amount: "1" })
      ])
      assert.deepStrictEqual(
        results.map((r) => (Either.isRight(r) ? r.right.status : r.left._tag)),
        ["open", "InvalidOrder", "BadSymbol"]
      )
      const many = Array.from({ length: ex.features.maxBatchCreate + 1 }, () =>
        req({ side: "buy", price: "0.40", amount: "1" })
      )
      const all = yield* ex.createOrders(many)
      assert.strictEqual(all.length, many.length)
      assert.isTrue(all.every((r) => Either.isRight(r) && r.right.status === "open"))
      assert.strictEqual((yield* ex.fetchOpenOrders()).length, many.length + 1)
    }).pipe(provideVenue())
  )
})
