/**
 * The maker reads the integer book view directly. These properties pin that it sees exactly what the old
 * path saw (the Decimal book converted back to levels and lots), so it quotes the same prices and sizes.
 */
import { Decimal as D, Fee, Ids, Market, OrderBook, TickGrid } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import { bookSide, lotsOf, type Prepared, prepare } from "../src/Maker.js"
import { defaults } from "../src/MakerConfig.js"
import * as Q from "../src/Quoting.js"

const range = (start: string, end: string, step: string) =>
  TickGrid.PriceRange.make({ start: D.d(start), end: D.d(end), step: D.d(step) })

const specs: ReadonlyArray<TickGrid.TickGridSpec> = [
  { ranges: [range("0.01", "0.99", "0.01")] },
  { ranges: [range("0.001", "0.999", "0.001")] },
  { ranges: [range("0.001", "0.1", "0.001"), range("0.1", "0.9", "0.01"), range("0.9", "0.999", "0.001")] }
]

const marketOf = (spec: TickGrid.TickGridSpec, amountStep: D.Decimal) =>
  Market.Market.make({
    venue: Ids.VenueId.make("paper"),
    symbol: Ids.Symbol.make("KXVIEW"),
    title: "view",
    kind: { _tag: "binary", settlementValue: D.ONE, outcomes: Market.yesNo() },
    currency: "USD",
    status: "open",
    tickGrid: spec,
    amountStep,
    minAmount: amountStep,
    fees: Fee.NoFee.make({})
  })

/** The conversion the maker did before (Decimal book side → levels and lots), restated. */
const oldSideLevels = (levels: ReadonlyArray<OrderBook.Level>, p: Prepared): Q.SideLevels => {
  const ls: Array<number> = []
  const qs: Array<number> = []
  for (const [price, amount] of levels) {
    const l = p.grid.levelOf(price)
    if (l < 0) continue
    ls.push(l)
    qs.push(lotsOf(amount, p.step))
  }
  return { levels: ls, lots: qs }
}

const scenario = fc.record({
  spec: fc.integer({ min: 0, max: specs.length - 1 }),
  /** the market's amount step: the book's lot (0.01) or a whole contract */
  wholeContracts: fc.boolean(),
  mid: fc.double({ min: 0.2, max: 0.8, noNaN: true }),
  gap: fc.integer({ min: 1, max: 6 }),
  bids: fc.array(fc.record({ skip: fc.integer({ min: 0, max: 4 }), lots: fc.integer({ min: 1, max: 90_000 }) }), {
    maxLength: 20
  }),
  asks: fc.array(fc.record({ skip: fc.integer({ min: 0, max: 4 }), lots: fc.integer({ min: 1, max: 90_000 }) }), {
    maxLength: 20
  }),
  position: fc.integer({ min: -50, max: 50 }),
  minSpreadTicks: fc.integer({ min: 1, max: 3 }),
  minSizeAhead: fc.integer({ min: 0, max: 300 })
})

describe("maker on BookView", () => {
  it.prop(
    "the view's sides and the quotes equal those of the old Decimal → int path",
    [scenario],
    ([s]) => {
      const spec = specs[s.spec]!
      const lot = D.d("0.01")
      const market = marketOf(spec, s.wholeContracts ? D.ONE : lot)
      const grid = TickGrid.unsafeMake(spec)
      const ladder = new OrderBook.BookLadder(grid.size)
      const mid = Math.floor(s.mid * grid.size)
      let l = mid - 1
      for (const b of s.bids) {
        if (l < 0) break
        ladder.setBid(l, b.lots)
        l -= 1 + b.skip
      }
      l = mid - 1 + s.gap
      for (const a of s.asks) {
        if (l >= grid.size) break
        ladder.setAsk(l, a.lots)
        l += 1 + a.skip
      }
      const view = ladder.snapshot(market.symbol, grid, lot)
      const params = { ...defaults, minSpreadTicks: s.minSpreadTicks, minSizeAhead: D.int(s.minSizeAhead) }
      const p = prepare(market, params, view.grid, view.lotStep)
      const book = ladder.toOrderBook(market.symbol, grid, lot)
      const before = { bids: oldSideLevels(book.bids, p), asks: oldSideLevels(book.asks, p) }
      const after = { bids: bookSide(view, "bid", p), asks: bookSide(view, "ask", p) }
      for (const side of ["bids", "asks"] as const) {
        assert.deepStrictEqual(Array.from(after[side].levels), Array.from(before[side].levels))
        assert.deepStrictEqual(Array.from(after[side].lots), Array.from(before[side].lots))
      }
      if (!s.wholeContracts) assert.strictEqual(after.bids.levels, view.levels("bid").levels, "no copy")
      const input = (sides: typeof before): Q.QuoteInput => ({
        ...sides,
        own: [],
        positionLots: lotsOf(D.int(s.position), p.step),
        now: 0,
        open: true,
        closeTime: undefined,
        lastBuyFillAt: undefined,
        lastSellFillAt: undefined
      })
      assert.deepStrictEqual(Q.quote(input(after), p.quote), Q.quote(input(before), p.quote))
    },
    { fastCheck: { numRuns: 300 } }
  )
})
