import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as D from "../src/Decimal.js"
import * as Fee from "../src/Fee.js"
import { Market } from "../src/Market.js"
import { Order, OrderRequest } from "../src/Order.js"
import * as TickGrid from "../src/TickGrid.js"
import { validateOrderRequest } from "../src/Validation.js"

const marketJson = {
  venue: "kalshi",
  symbol: "KXTEST-26NOV23-T50",
  title: "Test market",
  kind: {
    _tag: "binary",
    settlementValue: "1",
    outcomes: [
      { id: "yes", name: "Yes" },
      { id: "no", name: "No" }
    ]
  },
  currency: "USD",
  status: "open",
  closeTime: 1_800_000_000_000,
  tickGrid: { ranges: [{ start: "0", end: "1", step: "0.01" }], min: "0.01", max: "0.99" },
  amountStep: "0.01",
  minAmount: "0.01",
  fees: { _tag: "QuadraticFee", takerRate: "0.07", makerRate: "0", multiplier: "1", precision: "0.0001" }
}

const messageOf = (e: Either.Either<unknown, ParseResult.ParseError>) =>
  Either.isLeft(e) ? ParseResult.TreeFormatter.formatErrorSync(e.left) : ""

describe("schemas", () => {
  it("decode a market and round-trip it", () => {
    const m = Schema.decodeUnknownSync(Market)(marketJson)
    assert.strictEqual(m.amountStep, D.d("0.01"))
    const again = Schema.decodeUnknownSync(Market)(Schema.encodeSync(Market)(m))
    assert.deepStrictEqual(again, m)
  })

  it("a venue payload missing a field is a typed error naming the field", () => {
    const { status: _status, ...noStatus } = marketJson
    const r = Schema.decodeUnknownEither(Market)(noStatus)
    assert.isTrue(Either.isLeft(r))
    assert.include(messageOf(r), '["status"]')
    assert.include(messageOf(r), "is missing")
  })

  it("a number where a decimal string is required names the path", () => {
    const r = Schema.decodeUnknownEither(Market)({ ...marketJson, amountStep: 0.01 })
    assert.include(messageOf(r), '["amountStep"]')
    const o = Schema.decodeUnknownEither(OrderRequest)({ symbol: "X", side: "buy", price: 0.56, amount: "1" })
    assert.include(messageOf(o), '["price"]')
  })

  it("a bad enum value is refused, not defaulted", () => {
    const r = Schema.decodeUnknownEither(OrderRequest)({
      symbol: "X",
      side: "long",
      price: "0.5",
      amount: "1"
    })
    assert.include(messageOf(r), '["side"]')
  })

  it("order request defaults are explicit: limit, GTC, not post-only", () => {
    const r = Schema.decodeUnknownSync(OrderRequest)({ symbol: "X", side: "buy", price: "0.5", amount: "1" })
    assert.strictEqual(r.type, "limit")
    assert.strictEqual(r.timeInForce, "GTC")
    assert.isFalse(r.postOnly)
  })

  it("an order keeps amounts exact down to 0.01 contract", () => {
    const o = Schema.decodeUnknownSync(Order)({
      id: "o1",
      symbol: "X",
      side: "sell",
      type: "limit",
      price: "0.0001",
      amount: "10.01",
      filled: "0.01",
      remaining: "10.00",
      cost: "0.000001",
      status: "open",
      timeInForce: "GTC",
      postOnly: true,
      reduceOnly: false,
      timestamp: 1
    })
    assert.strictEqual(D.sub(o.amount, o.filled), o.remaining)
    assert.strictEqual(D.format(o.price, 4), "0.0001")
  })

  it("a price off the grid is a typed error naming the field", () => {
    const m = Schema.decodeUnknownSync(Market)(marketJson)
    const grid = TickGrid.unsafeMake(m.tickGrid)
    const req = (price: string, amount = "1") =>
      OrderRequest.make({ symbol: m.symbol, side: "buy", price: D.d(price), amount: D.d(amount) })
    const off = validateOrderRequest(m, grid, req("0.555"))
    assert.isTrue(Either.isLeft(off))
    if (Either.isLeft(off)) {
      assert.strictEqual(off.left._tag, "InvalidOrder")
      assert.match(off.left.message, /^price: 0\.555 is off the tick grid/)
    }
    const lot = validateOrderRequest(m, grid, req("0.55", "1.005"))
    assert.isTrue(Either.isLeft(lot) && lot.left.message.startsWith("amount:"))
    assert.isTrue(Either.isRight(validateOrderRequest(m, grid, req("0.55", "0.01"))))
    const closed = validateOrderRequest(Market.make({ ...m, status: "closed" }), grid, req("0.55"))
    assert.isTrue(Either.isLeft(closed) && closed.left._tag === "MarketClosed")
  })
})

describe("Fee", () => {
  const kalshi = (makerRate: string) =>
    Fee.QuadraticFee.make({
      takerRate: D.d("0.07"),
      makerRate: D.d(makerRate),
      multiplier: D.d("1"),
      precision: D.d("0.0001")
    })
  it("matches Kalshi's observed fees (taker 1 @ 0.52 → 0.0175, 1 @ 0.99 → 0.0007)", () => {
    assert.strictEqual(D.format(Fee.compute(kalshi("0"), D.d("0.52"), D.d("1"), "taker"), 6), "0.017500")
    assert.strictEqual(D.format(Fee.compute(kalshi("0"), D.d("0.99"), D.d("1"), "taker"), 6), "0.000700")
    assert.strictEqual(D.format(Fee.compute(kalshi("0"), D.d("0.5"), D.d("1"), "taker")), "0.0175")
  })
  it("charges makers only where the series does", () => {
    assert.strictEqual(Fee.compute(kalshi("0"), D.d("0.5"), D.d("100"), "maker"), D.ZERO)
    // 0.0175 × 1 × 0.25 = 0.004375 → rounded up to 0.0044
    assert.strictEqual(D.format(Fee.compute(kalshi("0.0175"), D.d("0.5"), D.d("1"), "maker")), "0.0044")
  })
  it("handles 0.01-contract fills and spot proportional fees", () => {
    // 0.07 × 0.01 × 0.25 = 0.000175 → 0.0002
    assert.strictEqual(D.format(Fee.compute(kalshi("0"), D.d("0.5"), D.d("0.01"), "taker")), "0.0002")
    const spot = Fee.ProportionalFee.make({ takerRate: D.d("0.001"), makerRate: D.d("0"), precision: D.d("0.01") })
    assert.strictEqual(D.format(Fee.compute(spot, D.d("95000.12"), D.d("0.5"), "taker")), "47.51")
  })
})
