import { Decimal as D, Fee, Ids, OrderBook } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Take from "../src/Take.js"

const kalshiFee = Fee.QuadraticFee.make({
  takerRate: D.d("0.07"),
  makerRate: D.ZERO,
  multiplier: D.ONE,
  precision: D.d("0.0001")
})
const book = OrderBook.OrderBook.make({
  symbol: Ids.Symbol.make("M"),
  bids: [[D.d("0.51"), D.d("20")]],
  asks: [
    [D.d("0.52"), D.d("5")],
    [D.d("0.53"), D.d("10")]
  ],
  timestamp: 0
})

describe("taker fallback", () => {
  it("walks the book within the cap, with Kalshi's fee per level", () => {
    const r = Take.plan({
      book,
      side: "buy",
      amount: D.d("8"),
      cap: D.d("0.53"),
      fees: kalshiFee,
      maxCostPerContract: D.d("1")
    })
    if (Either.isLeft(r)) return assert.fail(r.left)
    assert.strictEqual(D.format(r.right.amount), "8")
    assert.strictEqual(D.format(r.right.limitPrice), "0.53")
    // 5 × 0.07 × 0.52 × 0.48 = 0.08736 → 0.0874; 3 × 0.07 × 0.53 × 0.47 = 0.052311 → 0.0524
    assert.strictEqual(D.format(r.right.fee), "0.1398")
    // average 0.52375 − mid 0.515 = 0.00875, + 0.1398 / 8 = 0.017475 → 0.026225
    assert.strictEqual(D.format(r.right.costPerContract), "0.026225")
  })

  it("the cap stops the walk; nothing within the cap is refused", () => {
    const r = Take.plan({
      book,
      side: "buy",
      amount: D.d("8"),
      cap: D.d("0.52"),
      fees: kalshiFee,
      maxCostPerContract: D.d("1")
    })
    assert.isTrue(Either.isRight(r) && D.format(r.right.amount) === "5")
    const none = Take.plan({
      book,
      side: "buy",
      amount: D.d("8"),
      cap: D.d("0.51"),
      fees: kalshiFee,
      maxCostPerContract: D.d("1")
    })
    assert.isTrue(Either.isLeft(none))
  })

  it("refused when the estimate exceeds the cost cap (at the bound passes)", () => {
    const at = Take.plan({
      book,
      side: "buy",
      amount: D.d("8"),
      cap: undefined,
      fees: kalshiFee,
      maxCostPerContract: D.d("0.026225")
    })
    assert.isTrue(Either.isRight(at))
    const over = Take.plan({
      book,
      side: "buy",
      amount: D.d("8"),
      cap: undefined,
      fees: kalshiFee,
      maxCostPerContract: D.d("0.026224")
    })
    assert.isTrue(Either.isLeft(over))
    if (Either.isLeft(over)) assert.include(over.left, "exceeds")
  })

  it("a sell walks the bids", () => {
    const r = Take.plan({
      book,
      side: "sell",
      amount: D.d("4"),
      cap: D.d("0.50"),
      fees: Fee.NoFee.make({}),
      maxCostPerContract: D.d("1")
    })
    if (Either.isLeft(r)) return assert.fail(r.left)
    assert.strictEqual(D.format(r.right.limitPrice), "0.51")
    assert.strictEqual(D.format(r.right.costPerContract), "0.005")
  })
})

describe("rollout split", () => {
  const keys = Array.from({ length: 2000 }, (_, i) => `T-${i}`)
  it("is reproducible for a seed and close to the fraction", () => {
    const a = keys.map((k) => Take.rolloutPath(7, k, 0.3))
    const b = keys.map((k) => Take.rolloutPath(7, k, 0.3))
    assert.deepStrictEqual(a, b)
    const share = a.filter((p) => p === "maker").length / keys.length
    assert.isTrue(share > 0.26 && share < 0.34, `maker share ${share}`)
    const other = keys.map((k) => Take.rolloutPath(8, k, 0.3))
    assert.notDeepEqual(a, other)
  })
  it("0 and 1 are all-taker and all-maker", () => {
    assert.isTrue(keys.every((k) => Take.rolloutPath(1, k, 1) === "maker"))
    assert.isTrue(keys.every((k) => Take.rolloutPath(1, k, 0) === "taker"))
  })
  it("a larger fraction only moves targets from taker to maker", () => {
    for (const k of keys) {
      if (Take.rolloutPath(3, k, 0.2) === "maker") assert.strictEqual(Take.rolloutPath(3, k, 0.5), "maker")
    }
  })
})
