/**
 * The order group trips (more contracts filled in 15 s than its limit): Kalshi cancels its orders, says so on
 * `order_group_updates` (`triggered`) and refuses every create into it until it is reset. Our side pauses
 * creates as soon as it sees the trip (no create sent into a group that refuses everything; the first refused
 * create trips it too, should the message be lost), says so on health, and resets the group once the pause is
 * over — or replaces it, deleting the old one.
 */
import { Decimal as D, Ids, Order, type VenueHealth } from "@alpha-hunter/core"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import { collect, connect } from "./utils.js"

interface Seen {
  readonly method: string
  readonly path: string
  readonly status: number
}

/**
 * A sim, our venue with an order group of 100 contracts and `pauseMs`, and a second account: our maker order
 * rests in the group, then the other account takes 101 contracts of it — over the group's limit. `before`
 * runs before the trip (to inject a fault). Every REST request the sim answers is in `seen`.
 */
const tripGroup = (
  seed: number,
  pauseMs: number,
  o: {
    readonly before?: (sim: KalshiSim.SimHandle) => Effect.Effect<void>
    /** no REST poll of ours in the background (a test counting on the next request being ours) */
    readonly noPolls?: boolean
  } = {}
) =>
  Effect.gen(function* () {
    const seen: Array<Seen> = []
    const sim = yield* KalshiSim.make({
      port: 0,
      seed,
      markets: 2,
      flow: false,
      onRequest: (method, path, status) => seen.push({ method, path, status })
    })
    const symbol = Ids.Symbol.make((yield* sim.tickers)[0]!)
    const { exchange } = yield* connect(sim, {
      markets: { status: "open" },
      safety: { orderGroupContractsLimit: 100, orderGroupPauseMs: pauseMs },
      ...(o.noPolls === true ? { reconcile: { enabled: false } } : {})
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
    if (o.before !== undefined) yield* o.before(sim)
    yield* other.exchange.createOrder(
      Order.OrderRequest.make({ symbol, side: "sell", price: D.d("0.40"), amount: D.d("101"), timeInForce: "IOC" })
    )
    // create requests (single or batched) the venue answered
    const creates = () =>
      seen.filter((r) => r.method === "POST" && /\/portfolio\/(events\/)?orders(\/batched)?$/.test(r.path)).length
    return { sim, symbol, exchange, halted, maker, seen, creates }
  })

describe("kalshi order group", () => {
  it.scopedLive(
    "a trip seen on order_group_updates: creates paused before any is sent into the group, said once, the group reset after",
    () =>
      Effect.gen(function* () {
        const pauseMs = 1_500
        const { exchange, halted, maker, creates } = yield* tripGroup(13, pauseMs)
        // no create of ours after the trip: the stream's message alone trips our side
        const sent = creates()
        assert.isTrue(sent >= 2, `creates seen: ${sent}`) // ours, then the other account's
        const h = yield* halted.take
        assert.include(h.reason, "contracts limit")
        assert.isTrue(h.until !== undefined && h.until - h.at <= pauseMs + 100 && h.until - h.at >= pauseMs - 100)
        const local = yield* Effect.either(exchange.createOrder(maker("0.30", "1")))
        assert.isTrue(Either.isLeft(local) && local.left._tag === "ExchangeRejected" && local.left.code === "halted")
        // certainly not sent: the venue saw no create since the trip
        assert.strictEqual(creates(), sent)
        yield* Effect.sleep(pauseMs + 200)
        const placed = yield* exchange.createOrder(maker("0.30", "1"))
        assert.strictEqual(placed.status, "open")
        assert.strictEqual(yield* halted.size, 0)
      })
  )

  it.scopedLive(
    "the trip message lost: the first create refused by the venue trips our side, creates paused, the group reset after",
    () =>
      Effect.gen(function* () {
        const pauseMs = 1_500
        // the venue's `triggered` message is lost (its seq skipped)
        const { exchange, halted, maker } = yield* tripGroup(11, pauseMs, {
          before: (sim) => sim.faults.privateSeqGap(1, "order_group_updates")
        })
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
        const { sim, symbol, exchange, halted, maker } = yield* tripGroup(12, pauseMs)
        yield* halted.take
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

  it.scopedLive("a group that cannot be reset is replaced, and the replaced one deleted", () =>
    Effect.gen(function* () {
      const pauseMs = 1_000
      const { sim, exchange, halted, maker, seen } = yield* tripGroup(14, pauseMs, { noPolls: true })
      yield* halted.take
      yield* Effect.sleep(pauseMs + 200)
      // the reset (the next request) fails; the new group and the create go through
      yield* sim.faults.serverErrors(1)
      const from = seen.length
      const placed = yield* exchange.createOrder(maker("0.30", "1"))
      assert.strictEqual(placed.status, "open")
      const after = seen.slice(from).filter((r) => r.path.includes("/portfolio/order_groups"))
      // the group deleted is the one whose reset failed
      const old = after[0]?.path.replace(/\/reset$/, "")
      assert.strictEqual(after[2]?.path, old)
      assert.deepStrictEqual(
        after.map((r) => [
          r.method,
          r.path.endsWith("/reset") ? "reset" : r.path.endsWith("/create") ? "create" : "id",
          r.status >= 400
        ]),
        [
          ["PUT", "reset", true],
          ["POST", "create", false],
          ["DELETE", "id", false]
        ]
      )
    })
  )
})
