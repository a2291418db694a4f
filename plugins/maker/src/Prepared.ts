/**
 * A market prepared for the maker's hot path (grid, lot step, parameters in levels and lots), and the
 * conversions between the book, our orders, the Risk limits and the quoting rule's levels and lots.
 */
import { Decimal as D, type Market, Order, type OrderBook, Strategy, TickGrid } from "@alpha-hunter/core"
import type { ResolvedParams } from "./MakerConfig.js"
import type * as Q from "./Quoting.js"

type Decimal = D.Decimal

/** A market prepared for the hot path: its grid, lot step and parameters in levels/lots. */
export interface Prepared {
  readonly market: Market.Market
  readonly grid: TickGrid.TickGrid
  readonly step: Decimal
  readonly params: ResolvedParams
  readonly quote: Q.QuoteParams
  /**
   * How a book lot converts to a market lot: `lotStep` is the book's lot; when the market's step is a whole
   * number `lotRatio` of them, a size is `floor(lots / lotRatio)` (1: the same lot, no conversion).
   */
  readonly lotStep: Decimal
  readonly lotRatio: number | undefined
}

/** Whole lots in an amount (floor toward zero). */
export const lotsOf = (x: Decimal, step: Decimal): number => Number(D.divToInt(x, step, "down"))

/**
 * Prepares a market once per market snapshot and book grid (not per update). `grid` is the grid the book's
 * levels are on (the view's); `lotStep` the book's lot.
 */
export const prepare = (
  market: Market.Market,
  params: ResolvedParams,
  grid: TickGrid.TickGrid = TickGrid.unsafeMake(market.tickGrid),
  lotStep: Decimal = market.amountStep
): Prepared => {
  const step = market.amountStep
  const lots = (x: Decimal) => lotsOf(x, step)
  const curve = [
    { minSpreadTicks: 0, lots: lots(params.orderSize) },
    ...[...params.sizeCurve]
      .sort((a, b) => a.minSpreadTicks - b.minSpreadTicks)
      .map((e) => ({ minSpreadTicks: e.minSpreadTicks, lots: lots(e.size) }))
  ]
  const minLevel = params.minPrice === undefined ? 0 : Math.max(0, grid.ceilLevel(params.minPrice))
  const maxLevel =
    params.maxPrice === undefined ? grid.size - 1 : Math.min(grid.size - 1, grid.floorLevel(params.maxPrice))
  return {
    market,
    grid,
    step,
    params,
    lotStep,
    lotRatio: D.isMultipleOf(step, lotStep) ? Number(D.divToInt(step, lotStep)) : undefined,
    quote: {
      minSpreadTicks: params.minSpreadTicks,
      minSizeAheadLots: lots(params.minSizeAhead),
      sizeCurve: curve,
      maxPositionLots: params.maxPosition === undefined ? Number.POSITIVE_INFINITY : lots(params.maxPosition),
      inventorySkew: params.inventorySkew,
      requoteToleranceTicks: params.requoteToleranceTicks,
      requoteSizeTolerance: params.requoteSizeTolerance,
      maxOrderAgeMs: params.maxOrderAgeMs,
      filledOrderDelayMs: params.filledOrderDelayMs,
      stopBeforeCloseMs: params.stopBeforeCloseMs,
      minLevel,
      maxLevel,
      tightSpread: params.tightSpread
    }
  }
}

/**
 * One side of the book in the market's levels and lots, best first. When the book's lot is the market's
 * (every venue so far) this is the view's own arrays: nothing is converted or copied.
 */
export const bookSide = (view: OrderBook.BookView, side: OrderBook.BookSide, p: Prepared): Q.SideLevels => {
  const s = view.levels(side)
  const r = p.lotRatio
  if (r === 1) return s
  const lots: Array<number> = new Array(s.lots.length)
  for (let i = 0; i < s.lots.length; i++) {
    lots[i] = r === undefined ? lotsOf(D.mulInt(p.lotStep, s.lots[i]!), p.step) : Math.floor(s.lots[i]! / r)
  }
  return { levels: s.levels, lots }
}

export const ownOrders = (orders: ReadonlyArray<Order.Order>, p: Prepared): ReadonlyArray<Q.OwnOrder> => {
  const out: Array<Q.OwnOrder> = []
  for (const o of orders) {
    if (o.symbol !== p.market.symbol || Order.isTerminal(o.status)) continue
    const level = p.grid.levelOf(o.price)
    if (level < 0) continue
    out.push({ id: o.id, side: o.side, level, lots: lotsOf(o.remaining, p.step), createdAt: o.timestamp })
  }
  return out
}

/**
 * A side quote as a core Quote. `best` is the best level on that side without our own orders (-1 when
 * empty); the quote records how many ticks (and how much price) it improves on it, for the report.
 */
export const toQuote = (q: Q.SideQuote, p: Prepared, side?: "buy" | "sell", best = -1): Strategy.Quote => {
  const price = p.grid.priceAt(q.level)
  if (side === undefined || best < 0) return Strategy.quote({ price, amount: D.mulInt(p.step, q.lots) })
  const ticks = side === "buy" ? q.level - best : best - q.level
  return Strategy.quote({
    price,
    amount: D.mulInt(p.step, q.lots),
    improvementTicks: ticks,
    improvement: side === "buy" ? D.sub(price, p.grid.priceAt(best)) : D.sub(p.grid.priceAt(best), price)
  })
}

/**
 * The most lots of one order at a level under the Risk limits (size, cost at the level's price, price band,
 * position room), in the market's lots (rounded down to its step).
 */
export const capsOf =
  (limits: Strategy.MarketLimits, p: Prepared) =>
  (side: "buy" | "sell", level: number): number => {
    const x = Strategy.largestOrder(limits, side, p.grid.priceAt(level))
    return x === undefined ? Number.POSITIVE_INFINITY : lotsOf(x, p.step)
  }
