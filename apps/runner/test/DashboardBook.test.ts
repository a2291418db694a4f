/** The dashboard's book figures and trading states, read from a real book ladder and Risk's scope statuses. */
import { Decimal as D, Ids, Lip, OrderBook, TickGrid } from "@alpha-hunter/core"
import type { OrderTracker } from "@alpha-hunter/execution"
import { assert, describe, it } from "@effect/vitest"
import * as Book from "../src/DashboardBook.js"
import { stateOf } from "../src/DashboardData.js"

const grid = TickGrid.uniform("0.01", "0.99", "0.01")
const symbol = Ids.Symbol.make("M1")
const level = (price: string) => grid.levelOf(D.d(price))

/**
 * bids 0.40 × 10, 0.39 × 30, 0.38 × 200, 0.30 × 500; asks 0.45 × 5, 0.46 × 40, 0.47 × 300, 0.60 × 500 (one lot
 * = one contract): the last level of each side lies past a Target Size of 100
 */
const ladder = () => {
  const l = new OrderBook.BookLadder(grid.size)
  for (const [p, n] of [
    ["0.40", 10],
    ["0.39", 30],
    ["0.38", 200],
    ["0.30", 500]
  ] as const)
    l.setBid(level(p), n)
  for (const [p, n] of [
    ["0.45", 5],
    ["0.46", 40],
    ["0.47", 300],
    ["0.60", 500]
  ] as const)
    l.setAsk(level(p), n)
  return l
}

const order = (side: "buy" | "sell", price: string, remaining: number, id: string): OrderTracker.Tracked =>
  ({
    clientOrderId: id,
    orderId: undefined,
    symbol,
    side,
    price: D.d(price),
    amount: D.int(remaining),
    filled: D.ZERO,
    remaining: D.int(remaining),
    status: "open",
    strategy: "mm",
    postOnly: true,
    timeInForce: "gtc",
    createdAt: 0,
    order: undefined
  }) as unknown as OrderTracker.Tracked

// ours: 2 of the 10 at the best bid, all 5 at the best ask
const mine = [order("buy", "0.40", 2, "a"), order("sell", "0.45", 5, "b")]
const ours = Book.ours(Book.oursSig(mine), mine)

describe("DashboardBook", () => {
  it("our figures: best bid and ask, resting notional (a bid at p ties up p, an ask 1 − p per contract)", () => {
    assert.deepStrictEqual([ours.bidText, ours.askText], ["0.4", "0.45"])
    // 2 × 0.40 + 5 × 0.55
    assert.strictEqual(ours.restingText, "3.55")
    assert.strictEqual(Book.oursSig(mine), ours.sig)
    assert.notStrictEqual(Book.oursSig([mine[0]!, order("sell", "0.46", 5, "c")]), ours.sig)
  })

  it("the row's top: the spread with and without us; the same object while the four levels stay", () => {
    const prices: Book.PriceTexts = new WeakMap()
    const l = ladder()
    const top = Book.top(prices, l.snapshot(symbol, grid, D.ONE), ours, Book.noTop)
    assert.deepStrictEqual([top.bid, top.ask, top.spread, top.spreadTicks], ["0.4", "0.45", "0.05", 5])
    // without us: the bid stays 0.40 (8 others there), the ask is 0.46 (only ours at 0.45)
    assert.deepStrictEqual([top.spreadWithoutUs, top.improvementTicks], ["0.06", 1])
    assert.strictEqual(top.mid, D.d("0.425"))
    // a size deeper in the book changes: the same row figures, the same object
    l.setBid(level("0.38"), 150)
    assert.strictEqual(Book.top(prices, l.snapshot(symbol, grid, D.ONE), ours, top), top)
    // someone joins our ask: the spread without us narrows to ours
    l.setAsk(level("0.45"), 8)
    const joined = Book.top(prices, l.snapshot(symbol, grid, D.ONE), ours, top)
    assert.deepStrictEqual([joined.spreadWithoutUs, joined.improvementTicks], ["0.05", 0])
    assert.strictEqual(Book.top(prices, undefined, ours, joined), Book.noTop)
  })

  it("the selected market's ladder: best first, our size at each level", () => {
    const d = Book.ladder(new WeakMap(), ladder().snapshot(symbol, grid, D.ONE), ours, 2)
    assert.deepStrictEqual(d.bids, [
      ["0.4", "10", "2"],
      ["0.39", "30", "0"]
    ])
    assert.deepStrictEqual(d.asks, [
      ["0.45", "5", "5"],
      ["0.46", "40", "0"]
    ])
  })

  it("LIP now from the levels the scoring can use is the score of the whole book", () => {
    const params = { targetSize: D.int(100), discountFactor: D.d("0.5") }
    const view = ladder().snapshot(symbol, grid, D.ONE)
    const whole = (side: "bid" | "ask") => {
      const s = view.levels(side)
      return Array.from({ length: s.levels.length }, (_, i) => [grid.priceAt(s.levels[i]!), D.int(s.lots[i]!)] as const)
    }
    const expected = Lip.scoreSnapshot(
      Lip.fromBook(
        grid,
        whole("bid"),
        whole("ask"),
        [
          { side: "buy", price: D.d("0.40"), size: D.int(2), ahead: D.int(8) },
          { side: "sell", price: D.d("0.45"), size: D.int(5), ahead: D.ZERO }
        ],
        true
      ),
      params
    )
    assert.isTrue(expected.included)
    assert.strictEqual(Book.lipNow(view, ours, true, params), D.format(D.round(expected.score, 4, "half-even")))
    // a closed market is excluded: no score
    assert.isUndefined(Book.lipNow(view, ours, false, params))
  })
})

describe("DashboardData.stateOf: the state in force, as Risk decides it", () => {
  const status = (
    scope: { venue: string; strategy?: string; symbol?: string } | undefined,
    state: string,
    paused = false
  ) => ({ scope, state, reason: "test", cause: undefined, paused, at: 0 }) as never

  it("a market's own pause shows on that market only, not on its venue or the other markets", () => {
    const statuses = [status({ venue: "k", symbol: "A" }, "HALTED", true)]
    assert.deepStrictEqual(stateOf(statuses, "k", "mm", "A"), { state: "HALTED", paused: true, own: true })
    assert.deepStrictEqual(stateOf(statuses, "k", "mm", "B"), { state: "ACTIVE", paused: false, own: false })
    assert.strictEqual(stateOf(statuses, "k", undefined, undefined).state, "ACTIVE")
    assert.strictEqual(stateOf(statuses, "j", "mm", "A").state, "ACTIVE")
  })

  it("a venue's, a strategy's or the global state covers its markets; the strictest wins", () => {
    const venue = [status({ venue: "k" }, "HALTED", true)]
    assert.deepStrictEqual(stateOf(venue, "k", "mm", "A"), { state: "HALTED", paused: true, own: false })
    const strategy = [status({ venue: "*", strategy: "mm" }, "REDUCING")]
    assert.strictEqual(stateOf(strategy, "k", "mm", "A").state, "REDUCING")
    assert.strictEqual(stateOf(strategy, "k", "other", "A").state, "ACTIVE")
    const both = [status({ venue: "k", symbol: "A" }, "REDUCING"), status(undefined, "HALTED")]
    assert.deepStrictEqual(stateOf(both, "k", "mm", "A"), { state: "HALTED", paused: false, own: false })
    const equal = [status({ venue: "k" }, "HALTED"), status({ venue: "k", symbol: "A" }, "HALTED", true)]
    assert.deepStrictEqual(stateOf(equal, "k", "mm", "A"), { state: "HALTED", paused: true, own: true })
  })
})
