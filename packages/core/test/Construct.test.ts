import { assert, describe, it } from "@effect/vitest"
import * as Equal from "effect/Equal"
import * as Schema from "effect/Schema"
import * as D from "../src/Decimal.js"
import * as Ids from "../src/Ids.js"
import * as Order from "../src/Order.js"
import * as Strategy from "../src/Strategy.js"

const fields = {
  id: Ids.OrderId.make("o-1"),
  clientOrderId: Ids.ClientOrderId.make("c-1"),
  symbol: Ids.Symbol.make("M"),
  side: "buy" as const,
  type: "limit" as const,
  price: D.unsafeFromString("0.45"),
  amount: D.unsafeFromString("5"),
  filled: D.unsafeFromString("2"),
  remaining: D.unsafeFromString("3"),
  cost: D.unsafeFromString("0.9"),
  status: "open" as const,
  timeInForce: "GTC" as const,
  postOnly: true,
  reduceOnly: false,
  fee: Order.feePaid(D.ZERO, "USD"),
  timestamp: 1
}

describe("instances built without the class constructor", () => {
  it("an order from fromDecoded is what the validating constructor builds", () => {
    const fast = Order.fromDecoded(fields)
    const made = Order.Order.make(fields)
    assert.isTrue(fast instanceof Order.Order)
    assert.isTrue(Equal.equals(fast, made))
    assert.strictEqual(fast.toString(), made.toString())
    assert.deepStrictEqual(Object.keys(fast), Object.keys(made))
    assert.isTrue(Schema.is(Order.Order)(fast))
    assert.deepStrictEqual(Schema.encodeSync(Order.Order)(fast), Schema.encodeSync(Order.Order)(made))
    assert.isTrue(Equal.equals(fast.fee, new Order.FeePaid({ cost: D.ZERO, currency: "USD" })))
  })

  it("a request gets the schema's defaults; quotes and edits are their classes", () => {
    const base = { symbol: fields.symbol, side: "sell" as const, price: fields.price, amount: fields.amount }
    const r = Order.request(base)
    assert.isTrue(r instanceof Order.OrderRequest)
    assert.isTrue(Equal.equals(r, Order.OrderRequest.make(base)))
    assert.isTrue(Equal.equals(Order.edit({ price: fields.price }), Order.OrderEdit.make({ price: fields.price })))
    const q = Strategy.quote({ price: fields.price, amount: fields.amount })
    assert.isTrue(Equal.equals(q, Strategy.Quote.make({ price: fields.price, amount: fields.amount })))
    const t = Strategy.quoteTarget({ symbol: fields.symbol, bids: [q], asks: [] })
    assert.isTrue(t instanceof Strategy.QuoteTarget)
    assert.isTrue(Schema.is(Strategy.QuoteTarget)(t))
  })

  it("the hand checks still refuse what the schema refuses", () => {
    assert.throws(() => Order.fromDecoded({ ...fields, filled: D.unsafeFromString("-1") }))
    assert.throws(() => Order.request({ symbol: fields.symbol, side: "buy", price: D.ZERO, amount: fields.amount }))
    assert.throws(() => Strategy.quote({ price: fields.price, amount: D.ZERO }))
  })
})
