/**
 * Exposure and P&L arithmetic (exact Decimal) for one order, one position or one market book. Nothing here
 * scans the state: callers pass the market facts (settlement, mark) or read them by key.
 */
import { Decimal as D, StrMap } from "@alpha-hunter/core"
import { type Book, copyBook, type EngineState, type MarketInfo, type OpenOrder, type PositionEntry } from "./model.js"
import { marketKey } from "./scope.js"

type Decimal = D.Decimal
type Side = "buy" | "sell"

export const marketInfo = (s: EngineState, venue: string, symbol: string): MarketInfo | undefined =>
  StrMap.get(s.markets, marketKey(venue, symbol))

export const settlementOf = (s: EngineState, venue: string, symbol: string): Decimal | undefined =>
  marketInfo(s, venue, symbol)?.settlement

export const eventOf = (s: EngineState, venue: string, symbol: string): string | undefined =>
  marketInfo(s, venue, symbol)?.eventId

export const markOf = (s: EngineState, venue: string, symbol: string): Decimal | undefined =>
  StrMap.get(s.marks, marketKey(venue, symbol))

/** Money at risk of an order: buys pay price; binary sells pay settlement − price; spot sells price. */
export const orderCost = (side: Side, price: Decimal, amount: Decimal, settlement: Decimal | undefined): Decimal =>
  D.mul(side === "sell" && settlement !== undefined ? D.max(D.ZERO, D.sub(settlement, price)) : price, amount, "ceil")

export const openOrderCost = (o: OpenOrder, settlement: Decimal | undefined): Decimal =>
  orderCost(o.side, o.price, o.remaining, settlement)

/** A position's gross exposure: its amount at mark (last fill price without one), cost terms as for an order. */
export const positionGross = (e: PositionEntry, mark: Decimal | undefined, settlement: Decimal | undefined): Decimal =>
  D.isZero(e.amount)
    ? D.ZERO
    : orderCost(e.amount > 0n ? "buy" : "sell", mark ?? e.lastPrice, D.abs(e.amount), settlement)

/** realized + amount × mark − cost − fees (mark: the last fill price without one) */
export const positionPnl = (e: PositionEntry, mark: Decimal | undefined): Decimal =>
  D.sub(D.add(e.realized, D.sub(D.mul(e.amount, mark ?? e.lastPrice, "floor"), e.cost)), e.fees)

export const pnlOf = (s: EngineState, e: PositionEntry): Decimal => positionPnl(e, markOf(s, e.venue, e.symbol))

/** Worst-case |position| of a market if every resting order (and an extra one) fills. */
export const worstCase = (b: Book, side?: Side, amount?: Decimal): Decimal => {
  const buys = side === "buy" && amount !== undefined ? D.add(b.restingBuys, amount) : b.restingBuys
  const sells = side === "sell" && amount !== undefined ? D.add(b.restingSells, amount) : b.restingSells
  return D.max(D.abs(D.add(b.position, buys)), D.abs(D.sub(b.position, sells)))
}

/** A book with an order's remaining amount added (`sign` 1) or taken out (−1). */
export const withResting = (b: Book, side: Side, remaining: Decimal, sign: 1 | -1): Book => {
  const delta = sign === 1 ? remaining : D.neg(remaining)
  const n = copyBook(b)
  if (side === "buy") n.restingBuys = D.add(b.restingBuys, delta)
  else n.restingSells = D.add(b.restingSells, delta)
  return n
}

export const withPosition = (b: Book, amount: Decimal, sign: 1 | -1): Book => {
  const n = copyBook(b)
  n.position = D.add(b.position, sign === 1 ? amount : D.neg(amount))
  return n
}
