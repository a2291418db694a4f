/**
 * The limits a new order of (venue, strategy) in one market meets, read from the state as it stands (no tick):
 * the tightest size, cost and price band over the levels that apply, and the room each side has before a
 * position limit. O(levels) map reads, like a check.
 *
 * Room on a side assumes the strategy's own resting orders on that side are replaced (a `setQuotes` target):
 * at a level with book (P position, B resting buys, S resting sells) and the strategy's own resting buys b, a
 * buy total T passes `maxPosition` M when max(|P + B − b + T|, |P − S|) ≤ M, i.e. T ≤ M − (P + B − b) while
 * |P − S| ≤ M; `maxEventPosition` the same with M less the event's other markets. An order that reduces the
 * aggregate position skips those checks, so the room is never below what reduces.
 */
import { Decimal as D, type Risk, type Strategy, StrMap } from "@alpha-hunter/core"
import type { RiskConfig } from "../RiskConfig.js"
import { bookIn, eventSum, marketTotals, scopeTotals } from "./aggregates.js"
import { marketInfo, worstCase } from "./exposure.js"
import { type Level, levelStrategy, levelsFor } from "./limits.js"
import type { Book, EngineState, MarketTotals, ScopeTotals } from "./model.js"
import { effectiveState, marketState } from "./scope.js"

type Decimal = D.Decimal
type Side = "buy" | "sell"

const tighter = (a: Decimal | undefined, b: Decimal | undefined, f: (x: Decimal, y: Decimal) => Decimal) =>
  a === undefined ? b : b === undefined ? a : f(a, b)

/** What this side grows to (P + B − b for buys, S − b − P for sells) and the other side's worst case. */
const sideFigures = (book: Book, own: Book, side: Side) =>
  side === "buy"
    ? {
        grown: D.add(book.position, D.sub(book.restingBuys, own.restingBuys)),
        other: D.abs(D.sub(book.position, book.restingSells))
      }
    : {
        grown: D.sub(D.sub(book.restingSells, own.restingSells), book.position),
        other: D.abs(D.add(book.position, book.restingBuys))
      }

/** Room under a bound M on max(|grown + T|, other): 0 when the other side already exceeds it. */
const roomUnder = (bound: Decimal, f: { readonly grown: Decimal; readonly other: Decimal }): Decimal =>
  f.other > bound ? D.ZERO : D.max(D.ZERO, D.sub(bound, f.grown))

/** Whether a level's loss limits (its running totals `totals`) already deny every order that grows exposure. */
const lossBreached = (s: EngineState, level: Level, totals: ScopeTotals): boolean => {
  const L = level.limits
  if (L.maxDailyLoss !== undefined && D.neg(D.sub(totals.pnl, totals.baseline)) > L.maxDailyLoss) return true
  if (L.maxDrawdown !== undefined) {
    const peak = D.max(StrMap.get(s.peaks, level.key) ?? D.ZERO, totals.pnl)
    if (D.sub(peak, totals.pnl) > L.maxDrawdown) return true
  }
  return false
}

/** What one read of the state gives every side's room: the market's totals, its event, each level's breach. */
interface MarketRead {
  readonly s: EngineState
  readonly venue: string
  readonly strategy: string
  readonly market: MarketTotals
  /** the strategy's own book in the market */
  readonly own: Book
  readonly event: string | undefined
  readonly levels: ReadonlyArray<Level>
  readonly breached: ReadonlyArray<boolean>
}

/** The room of one side: what grows exposure within every level, or at least what reduces the position. */
const sideRoom = (r: MarketRead, side: Side, state: Risk.TradingState): Decimal | undefined => {
  if (state === "HALTED") return D.ZERO
  const own = r.own
  // reducing (aggregate book, own orders on the side replaced): buys while P + B − b + T ≤ 0
  const reducing = D.max(D.ZERO, D.neg(sideFigures(r.market.all, own, side).grown))
  if (state === "REDUCING") return reducing
  let room: Decimal | undefined
  for (let i = 0; i < r.levels.length; i++) {
    const level = r.levels[i]!
    const L = level.limits
    const ls = levelStrategy(level)
    const book = ls === undefined ? r.market.all : ls === r.strategy ? own : bookIn(r.market, ls)
    const f = sideFigures(book, own, side)
    if (L.maxPosition !== undefined) room = tighter(room, roomUnder(L.maxPosition, f), D.min)
    if (L.maxEventPosition !== undefined && r.event !== undefined) {
      const rest = D.sub(eventSum(r.s, r.venue, r.event, ls), worstCase(book))
      room = tighter(room, roomUnder(D.sub(L.maxEventPosition, rest), f), D.min)
    }
    if (r.breached[i]) room = D.ZERO
  }
  return room === undefined ? undefined : D.max(room, reducing)
}

export const orderLimits = (
  s: EngineState,
  cfg: RiskConfig,
  venue: string,
  strategy: string,
  symbol: string
): Strategy.MarketLimits => {
  const st = effectiveState(s, { venue, strategy })
  const state = st !== "HALTED" && marketState(s, venue, symbol) === "HALTED" ? "HALTED" : st
  const levels = levelsFor(cfg, venue, strategy)
  // each map read once: the market's totals and facts, and each level's running totals
  const info = marketInfo(s, venue, symbol)
  const breached: Array<boolean> = []
  let maxOrderSize: Decimal | undefined
  let maxOrderNotional: Decimal | undefined
  let minBuy: Decimal | undefined
  let maxBuy: Decimal | undefined
  let minSell: Decimal | undefined
  let maxSell: Decimal | undefined
  let openOrdersLeft: number | undefined
  let grossExposureLeft: Decimal | undefined
  for (const level of levels) {
    const L = level.limits
    maxOrderSize = tighter(maxOrderSize, L.maxOrderSize, D.min)
    maxOrderNotional = tighter(maxOrderNotional, L.maxOrderNotional, D.min)
    const band = L.priceBand
    if (band !== undefined) {
      minBuy = tighter(minBuy, band.minBuy, D.max)
      maxBuy = tighter(maxBuy, band.maxBuy, D.min)
      minSell = tighter(minSell, band.minSell, D.max)
      maxSell = tighter(maxSell, band.maxSell, D.min)
    }
    const totals = scopeTotals(s, level.key)
    breached.push(lossBreached(s, level, totals))
    if (L.maxOpenOrders !== undefined) {
      const left = Math.max(0, L.maxOpenOrders - totals.openOrders)
      openOrdersLeft = openOrdersLeft === undefined ? left : Math.min(openOrdersLeft, left)
    }
    if (L.maxGrossExposure !== undefined) {
      grossExposureLeft = tighter(grossExposureLeft, D.max(D.ZERO, D.sub(L.maxGrossExposure, totals.gross)), D.min)
    }
  }
  const market = marketTotals(s, venue, symbol)
  const read: MarketRead = {
    s,
    venue,
    strategy,
    market,
    own: bookIn(market, strategy),
    event: info?.eventId,
    levels,
    breached
  }
  return {
    state,
    maxOrderSize,
    maxOrderNotional,
    settlement: info?.settlement,
    maxBuy: sideRoom(read, "buy", state),
    maxSell: sideRoom(read, "sell", state),
    priceBand: { minBuy, maxBuy, minSell, maxSell },
    openOrdersLeft,
    grossExposureLeft
  }
}
