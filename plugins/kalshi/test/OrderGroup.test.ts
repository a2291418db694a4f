/**
 * The order group trips (more contracts filled in 15 s than its limit): Kalshi cancels its orders and refuses
 * every create into it until it is reset. Our side pauses creates (no request storm into a group that refuses
 * everything), says so on health, and resets the group once the pause is over.
 */
import { Decimal as D, Ids, Order, type VenueHealth } from "@alpha-hunter/core"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import { collect, connect } from "./utils.js"

/**
 * A sim, our venue with an order group of 100 contracts and `pauseMs`, and a second account: our maker order
 * rests in the group, then the other account takes 101 contracts of it — over the group's limit.
 */
const tripGroup = (seed: number, pauseMs: number) =>
  Effect.gen(function* () {
    const sim = yield* KalshiSim.make({ port: 0, seed, markets: 2, flow: false })
    const symbol = Ids.Symbol.make((yield* sim.tickers)[0]!)
    const { exchange } = yield* connect(sim, {
      markets: { status: "open" },
      safety: { orderGroupContractsLimit: 100, orderGroupPauseMs: pauseMs }
    })
    const other = yield* connect(sim, { markets: { status: "open" } })
    yield* exchange.loadMarkets()
    yield* other.exchange.loadMarkets()
    const halted = yield* collect(
      exchange.health.pipe(Stream.filter((h): h is VenueHealth.Halted => h._tag === "Halted"))
    )
    const maker = (price: string, amount: string) =>
      Order.OrderRequest.make({ symbol, side: "buy", price: D.d(price), amount: D.d(amount), postOnly: true })
    yield* exchange.createOrder(maker("0.40", "150"))
    yield* other.exchange.createOrder(
      Order.OrderRequest.make({ symbol, side: "sell", price: D.d("0.40"), amount: D.d("101"), timeInForce: "IOC" })
    )
    return { sim, symbol, exchange, halted, maker }
  })

describe("kalshi order group", () => {
  it.scopedLive("a tripped group: one refusal from the venue, creates paused locally, the group reset after", () =>
    Effect.gen(function* () {
      const pauseMs = 1_500
      const { exchange, halted, maker } = yield* tripGroup(11, pauseMs)
      // the venue refuses the next create into the tripped group
      const refused = yield* Effect.either(exchange.createOrder(maker("0.30", "1")))
      assert.isTrue(Either.isLeft(refused))
      if (Either.isRight(refused)) return
      assert.strictEqual(refused.left.code, "exceeded_order_group_risk_limit")
      // our side trips too: said on health, with the pause
      const h = yield* halted.take
      assert.include(h.reason, "contracts limit")
      assert.isTrue(h.until !== undefined && h.until - h.at <= pauseMs + 100 && h.until - h.at >= pauseMs - 100)
      // creates are refused locally during the pause (certainly not sent)
      const local = yield* Effect.either(exchange.createOrder(maker("0.30", "1")))
      assert.isTrue(Either.isLeft(local) && local.left._tag === "ExchangeRejected" && local.left.code === "halted")
      if (Either.isLeft(local)) assert.include(local.left.message, "contracts limit")
      // after the pause the group is reset at the next maker order, which rests
      yield* Effect.sleep(pauseMs + 200)
      const placed = yield* exchange.createOrder(maker("0.30", "1"))
      assert.strictEqual(placed.status, "open")
      // one trip, said once
      assert.strictEqual(yield* halted.size, 0)
    })
  )

  it.scopedLive(
    "a group that can be neither reset nor replaced: maker creates stay refused locally, never sent without a group",
    () =>
      Effect.gen(function* () {
        const pauseMs = 1_000
        const { sim, symbol, exchange, maker } = yield* tripGroup(12, pauseMs)
        const refused = yield* Effect.either(exchange.createOrder(maker("0.30", "1")))
        assert.isTrue(Either.isLeft(refused) && refused.left.code === "exceeded_order_group_risk_limit")
        yield* Effect.sleep(pauseMs + 200)
        // the venue answers 500 to everything now: the reset and the new group both fail
        const before = (yield* exchange.fetchOpenOrders({ symbol })).length
        yield* sim.faults.serverErrors(50)
        const local = yield* Effect.either(exchange.createOrder(maker("0.30", "1")))
        assert.isTrue(Either.isLeft(local) && local.left._tag === "ExchangeRejected" && local.left.code === "halted")
        if (Either.isLeft(local)) assert.include(local.left.message, "could not be reset or replaced")
        yield* sim.faults.clear
        // still refused inside the new pause (no order without a group), then the reset goes through
        const again = yield* Effect.either(exchange.createOrder(maker("0.30", "1")))
        assert.isTrue(Either.isLeft(again) && again.left.code === "halted")
        assert.strictEqual((yield* exchange.fetchOpenOrders({ symbol })).length, before)
        yield* Effect.sleep(pauseMs + 200)
        const placed = yield* exchange.createOrder(maker("0.30", "1"))
        assert.strictEqual(placed.status, "open")
      })
  )
})
