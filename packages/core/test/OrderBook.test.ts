import { assert, describe, it } from "@effect/vitest"
import * as D from "../src/Decimal.js"
import { Symbol } from "../src/Ids.js"
import * as OrderBook from "../src/OrderBook.js"
import * as TickGrid from "../src/TickGrid.js"

const grid = TickGrid.uniform("0.01", "0.99", "0.01")
const sym = Symbol.make("KXTEST")
const lot = D.d("0.01")

describe("BookLadder", () => {
  it("tracks best bid and ask as levels fill and empty", () => {
    const b = new OrderBook.BookLadder(grid.size)
    assert.isFalse(b.hasBid())
    assert.isFalse(b.hasAsk())
    b.setBid(40, 500)
    b.setBid(44, 100)
    b.setAsk(50, 300)
    b.setAsk(47, 200)
    assert.strictEqual(b.bestBid, 44)
    assert.strictEqual(b.bestAsk, 47)
    assert.strictEqual(b.spreadLevels(), 3)
    b.addBid(44, -100)
    assert.strictEqual(b.bestBid, 40)
    b.addAsk(47, -500) // never below zero
    assert.strictEqual(b.asks[47], 0)
    assert.strictEqual(b.bestAsk, 50)
    b.setAsk(50, 0)
    assert.isFalse(b.hasAsk())
    assert.strictEqual(b.spreadLevels(), undefined)
  })

  it("renders a sound ccxt-shaped book", () => {
    const b = new OrderBook.BookLadder(grid.size)
    b.setBid(40, 500)
    b.setBid(44, 1)
    b.setAsk(47, 250)
    b.setAsk(60, 100)
    b.sequence = 7
    b.timestamp = 1000
    const book = b.toOrderBook(sym, grid, lot)
    assert.deepStrictEqual(
      book.bids.map(([p, a]) => [D.format(p), D.format(a)]),
      [
        ["0.45", "0.01"],
        ["0.41", "5"]
      ]
    )
    assert.deepStrictEqual(
      book.asks.map(([p, a]) => [D.format(p), D.format(a)]),
      [
        ["0.48", "2.5"],
        ["0.61", "1"]
      ]
    )
    assert.strictEqual(book.sequence, 7)
    assert.deepStrictEqual(OrderBook.validate(book, grid), [])
    assert.strictEqual(b.toOrderBook(sym, grid, lot, 1).bids.length, 1)
  })

  it("validate reports crossed, unsorted and off-grid books", () => {
    const bad = OrderBook.OrderBook.make({
      symbol: sym,
      bids: [
        [D.d("0.40"), D.d("1")],
        [D.d("0.45"), D.d("1")]
      ],
      asks: [[D.d("0.395"), D.d("0")]],
      timestamp: 0
    })
    const problems = OrderBook.validate(bad, grid).join("\n")
    assert.include(problems, "not strictly descending")
    assert.include(problems, "off the grid")
    assert.include(problems, "not positive")
    assert.include(problems, "crossed book")
  })
})
