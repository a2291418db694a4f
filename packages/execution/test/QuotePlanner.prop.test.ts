import { Decimal as D, type Order, Strategy } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import * as QuotePlanner from "../src/QuotePlanner.js"

interface O extends QuotePlanner.PlannedOrder {
  readonly id: number
}

const px = (cents: number) => D.d(`0.${String(cents).padStart(2, "0")}`)
const quote = fc
  .record({ cents: fc.integer({ min: 1, max: 12 }), lots: fc.integer({ min: 1, max: 3 }) })
  .map(({ cents, lots }) => Strategy.Quote.make({ price: px(cents), amount: D.int(lots) }))
const status = fc.constantFrom<Order.OrderStatus>("open", "open", "open", "open", "pending_new", "unknown")
const order = fc.record({
  side: fc.constantFrom<Order.Side>("buy", "sell"),
  cents: fc.integer({ min: 1, max: 12 }),
  lots: fc.integer({ min: 1, max: 3 }),
  status
})
const scenario = fc.record({
  bids: fc.array(quote, { maxLength: 4 }),
  asks: fc.array(quote, { maxLength: 4 }),
  mine: fc.array(order, { maxLength: 6 }),
  amend: fc.boolean()
})

const key = (side: string, price: D.Decimal, amount: D.Decimal) => `${side} ${D.format(price)} ${D.format(amount)}`
const sorted = (xs: ReadonlyArray<string>) => [...xs].sort()

describe("QuotePlanner", () => {
  it.prop(
    "the plan makes exactly the target rest, with the fewest writes",
    [scenario],
    ([s]) => {
      const mine: ReadonlyArray<O> = s.mine.map((o, id) => ({
        id,
        side: o.side,
        price: px(o.cents),
        remaining: D.int(o.lots),
        status: o.status
      }))
      const p = QuotePlanner.plan({ bids: s.bids, asks: s.asks }, mine, { amend: s.amend })
      if (mine.some((o) => o.status !== "open")) {
        assert.isTrue(p.blocked)
        assert.strictEqual(QuotePlanner.writes(p), 0)
        return
      }
      assert.isFalse(p.blocked)
      // every order is either kept, amended or canceled, exactly once
      const touched = [...p.keep, ...p.cancel, ...p.amend.map(([o]) => o)].map((o) => o.id)
      assert.deepStrictEqual(
        [...touched].sort((a, b) => a - b),
        mine.map((o) => o.id)
      )
      // what rests afterwards equals the target, as a multiset per side
      const after = sorted([
        ...p.keep.map((o) => key(o.side, o.price, o.remaining)),
        ...p.amend.map(([o, q]) => key(o.side, q.price, q.amount)),
        ...p.create.map((c) => key(c.side, c.quote.price, c.quote.amount))
      ])
      const wanted = sorted([
        ...s.bids.map((q) => key("buy", q.price, q.amount)),
        ...s.asks.map((q) => key("sell", q.price, q.amount))
      ])
      assert.deepStrictEqual(after, wanted)
      // kept orders equal a wanted quote; no amend without the venue's support; an amend keeps the side
      for (const o of p.keep) assert.include(wanted, key(o.side, o.price, o.remaining))
      if (!s.amend) assert.strictEqual(p.amend.length, 0)
      // fewest writes: no order that matches a still-unmatched wanted quote is canceled while that quote is created
      for (const o of p.cancel) {
        assert.isFalse(
          p.create.some((c) => c.side === o.side && c.quote.price === o.price && c.quote.amount === o.remaining)
        )
      }
      // and with amends, a cancel and a create never meet on one side
      if (s.amend) {
        for (const o of p.cancel) assert.isFalse(p.create.some((c) => c.side === o.side))
      }
    },
    { fastCheck: { numRuns: 500 } }
  )

  it("the same target twice needs no write", () => {
    const q = Strategy.Quote.make({ price: px(40), amount: D.int(5) })
    const mine = [{ id: 1, side: "buy" as const, price: px(40), remaining: D.int(5), status: "open" as const }]
    const p = QuotePlanner.plan({ bids: [q], asks: [] }, mine, { amend: true })
    assert.strictEqual(QuotePlanner.writes(p), 0)
    assert.strictEqual(p.keep.length, 1)
  })
})
