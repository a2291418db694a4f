import { Decimal as D, Ids, Order } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Tracker from "../src/OrderTracker.js"

// validation off: the schema's checks cost ~0.1 ms per order, and these fields are valid by construction
const order = (n: number, status: Order.OrderStatus, filled = "0") =>
  Order.Order.make(
    {
      id: Ids.OrderId.make(`o${n}`),
      clientOrderId: Ids.ClientOrderId.make(`c${n}`),
      symbol: Ids.Symbol.make(`M${n % 50}`),
      side: n % 2 === 0 ? "buy" : "sell",
      type: "limit",
      price: D.d("0.40"),
      amount: D.d("5"),
      filled: D.d(filled),
      remaining: Order.isTerminal(status) ? D.ZERO : D.sub(D.d("5"), D.d(filled)),
      cost: D.mul(D.d(filled), D.d("0.40")),
      status,
      timeInForce: "GTC",
      postOnly: true,
      reduceOnly: false,
      timestamp: n
    },
    true
  )

describe("OrderTracker", () => {
  it("merges monotonically: terminal wins, fills never shrink, a late update cannot resurrect", () => {
    let s = Tracker.empty()
    const [c1, s1] = Tracker.merge(s, order(1, "open"), "mm")
    assert.isDefined(c1)
    s = s1
    const [c2, s2] = Tracker.merge(s, order(1, "open", "2"), "mm")
    assert.isDefined(c2)
    s = s2
    // an older view (fewer fills) is ignored
    const [c3] = Tracker.merge(s, order(1, "open", "1"), "mm")
    assert.isUndefined(c3)
    // the same view again is no change
    assert.isUndefined(Tracker.merge(s, order(1, "open", "2"), "mm")[0])
    const [c4, s4] = Tracker.merge(s, order(1, "canceled", "2"), "mm")
    assert.strictEqual(c4?.after.status, "canceled")
    s = s4
    assert.strictEqual(Tracker.size(s), 0)
    assert.deepStrictEqual(Tracker.inSymbol(s, "M1"), [])
    // a stale "open" arriving after the cancel does not bring it back
    const [c5, s5] = Tracker.merge(s, order(1, "open", "2"), "mm")
    assert.isUndefined(c5)
    assert.strictEqual(Tracker.size(s5), 0)
  })

  it("100k create → cancel cycles keep the maps bounded by what is live", () => {
    let s = Tracker.empty(1_000)
    for (let n = 0; n < 100_000; n++) {
      s = Tracker.merge(s, order(n, "open"), "mm")[1]
      if (n >= 4) s = Tracker.merge(s, order(n - 4, "canceled"), "mm")[1]
    }
    assert.strictEqual(Tracker.size(s), 4)
    assert.isAtMost(Tracker.closedSize(s), 2_000)
    assert.strictEqual(Tracker.all(s).length, 4)
    let indexed = 0
    for (let m = 0; m < 50; m++) indexed += Tracker.inSymbol(s, `M${m}`).length
    assert.strictEqual(indexed, 4)
  })
})
