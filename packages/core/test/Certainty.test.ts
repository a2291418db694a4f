import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as D from "../src/Decimal.js"
import * as Errors from "../src/ExchangeError.js"
import { ClientOrderId, OrderId, Symbol } from "../src/Ids.js"
import * as Order from "../src/Order.js"
import * as Strategy from "../src/Strategy.js"
import * as WriteOutcome from "../src/WriteOutcome.js"

const venue = "v"
const message = "m"

describe("certainty of a write", () => {
  it("a 429 and a request that never left certainly did nothing; a lost answer may have executed", () => {
    assert.isFalse(Errors.mayHaveExecuted(new Errors.RateLimited({ venue, message })))
    assert.isFalse(Errors.mayHaveExecuted(new Errors.ExchangeUnavailable({ venue, message, notSent: true })))
    assert.isTrue(Errors.mayHaveExecuted(new Errors.ExchangeUnavailable({ venue, message, status: 503 })))
    assert.isTrue(Errors.mayHaveExecuted(new Errors.RequestTimeout({ venue, message })))
    assert.isTrue(Errors.mayHaveExecuted(new Errors.BadVenueData({ venue, message })))
    assert.isTrue(Errors.mayHaveExecuted(new Errors.UnknownOutcome({ venue, message, operation: "create" })))
    assert.isFalse(Errors.mayHaveExecuted(new Errors.InvalidOrder({ venue, message })))
    assert.isFalse(Errors.mayHaveExecuted(new Errors.OrderNotFound({ venue, message })))
  })

  it("classifies every error into Refused / NotSent / Unknown, and an answer into Done", () => {
    const tag = (e: Errors.ExchangeError) => WriteOutcome.fromError(e)._tag
    assert.strictEqual(tag(new Errors.PostOnlyWouldCross({ venue, message })), "Refused")
    assert.strictEqual(tag(new Errors.MarketClosed({ venue, message })), "Refused")
    assert.strictEqual(tag(new Errors.RateLimited({ venue, message })), "NotSent")
    assert.strictEqual(tag(new Errors.ExchangeUnavailable({ venue, message, notSent: true })), "NotSent")
    assert.strictEqual(tag(new Errors.ExchangeUnavailable({ venue, message })), "Unknown")
    assert.strictEqual(tag(new Errors.RequestTimeout({ venue, message })), "Unknown")
    assert.strictEqual(tag(new Errors.BadVenueData({ venue, message, path: "order.status" })), "Unknown")
    // the venue already has an order with our id: an earlier send landed — look it up
    assert.strictEqual(tag(new Errors.DuplicateClientOrderId({ venue, message, clientOrderId: "c" })), "Unknown")
    const order = Order.Order.make({
      id: OrderId.make("o1"),
      clientOrderId: ClientOrderId.make("c1"),
      symbol: Symbol.make("S"),
      side: "buy",
      type: "limit",
      price: D.d("0.4"),
      amount: D.d("1"),
      filled: D.ZERO,
      remaining: D.d("1"),
      cost: D.ZERO,
      status: "open",
      timeInForce: "GTC",
      postOnly: true,
      reduceOnly: false,
      timestamp: 0
    })
    const done = WriteOutcome.fromEither(Either.right(order))
    assert.strictEqual(done._tag, "Done")
    assert.isTrue(WriteOutcome.certainlyNothing(WriteOutcome.fromError(new Errors.RateLimited({ venue, message }))))
    assert.isFalse(WriteOutcome.certainlyNothing(done))
  })
})

describe("orders from decoded fields", () => {
  const fields = {
    id: OrderId.make("o1"),
    symbol: Symbol.make("S"),
    side: "buy" as const,
    type: "limit" as const,
    price: D.d("0.4"),
    amount: D.d("5"),
    filled: D.d("2"),
    remaining: D.d("3"),
    cost: D.d("0.8"),
    status: "open" as const,
    timeInForce: "GTC" as const,
    postOnly: true,
    reduceOnly: false,
    timestamp: 1
  }
  it("equal what make builds, without the schema's cost; a negative amount still throws", () => {
    assert.deepStrictEqual(Order.fromDecoded(fields), Order.Order.make(fields))
    assert.throws(() => Order.fromDecoded({ ...fields, remaining: D.d("-1") }), /negative amount/)
    assert.throws(() => Order.Order.make({ ...fields, remaining: D.d("-1") }))
  })
  it("requests and edits built per requote equal what make builds, defaults included; non-positive throws", () => {
    const req = { symbol: Symbol.make("S"), side: "sell" as const, price: D.d("0.41"), amount: D.d("3") }
    assert.deepStrictEqual(Order.request(req), Order.OrderRequest.make(req))
    const full = { ...req, timeInForce: "IOC" as const, postOnly: true, clientOrderId: ClientOrderId.make("c1") }
    assert.deepStrictEqual(Order.request(full), Order.OrderRequest.make(full))
    assert.throws(() => Order.request({ ...req, price: D.ZERO }), /must be positive/)
    assert.throws(() => Order.request({ ...req, amount: D.d("-1") }), /must be positive/)
    assert.deepStrictEqual(Order.edit({ price: D.d("0.42") }), Order.OrderEdit.make({ price: D.d("0.42") }))
    assert.throws(() => Order.edit({ amount: D.ZERO }), /must be positive/)
  })
})

describe("per-update quote constructors", () => {
  it("equal what make builds, and refuse a non-positive price or amount", () => {
    const fields = { price: D.d("0.41"), amount: D.d("5"), improvementTicks: 1 }
    assert.deepStrictEqual(Strategy.quote(fields), Strategy.Quote.make(fields))
    assert.throws(() => Strategy.quote({ price: D.ZERO, amount: D.d("5") }), /must be positive/)
    assert.throws(() => Strategy.quote({ price: D.d("0.41"), amount: D.d("-1") }), /must be positive/)
    const target = { symbol: Symbol.make("S"), bids: [Strategy.quote(fields)], asks: [] }
    assert.deepStrictEqual(Strategy.quoteTarget(target), Strategy.QuoteTarget.make(target))
  })
})
