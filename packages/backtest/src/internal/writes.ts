/**
 * Our writes as the replayed venue takes them, once they have arrived (`orderLatencyMs` after they were
 * sent: the caller sleeps first): a create joins the back of its level or takes the recorded liquidity it
 * crosses (a post-only one that would cross is refused); a cancel ends an open order. Synchronous.
 */
import { Decimal as D, ExchangeError as E, Ids, type Order, type Venue, WriteOutcome } from "@alpha-hunter/core"
import * as Either from "effect/Either"
import * as B from "./book.js"
import { bookFills, marketOf, retire, type State, toOrder } from "./state.js"

export interface Written {
  readonly outcome: WriteOutcome.WriteOutcome
  readonly updates: Array<Order.Order>
  readonly fills: Array<Order.Fill>
}

const refused = (outcome: WriteOutcome.WriteOutcome): Written => ({ outcome, updates: [], fills: [] })

export const create = (st: State, r: Venue.CreateItem, t: number): Written => {
  const venue = st.venue
  const b = marketOf(st, r.symbol)
  if (Either.isLeft(b)) return refused(WriteOutcome.fromError(b.left))
  const m = b.right
  if (m.market.status !== "open") {
    return refused(
      WriteOutcome.fromError(
        new E.MarketClosed({ venue, symbol: r.symbol, message: `${r.symbol} is ${m.market.status}` })
      )
    )
  }
  if (st.byCid.has(r.clientOrderId)) {
    const error = new E.DuplicateClientOrderId({
      venue,
      message: "duplicate client order id",
      clientOrderId: r.clientOrderId
    })
    return refused({ _tag: "Refused", error } as WriteOutcome.WriteOutcome)
  }
  const level = m.grid.levelOf(r.price)
  const lots = B.lotsOf(m, r.amount)
  if (level < 0 || lots <= 0) {
    const error = new E.InvalidOrder({ venue, message: `price ${D.format(r.price)} or amount off the grid` })
    return refused(WriteOutcome.fromError(error))
  }
  const o: B.Ours = {
    id: Ids.OrderId.make(`bt-${++st.nextOrder}`),
    clientOrderId: r.clientOrderId,
    symbol: r.symbol,
    side: r.side,
    level,
    price: m.grid.priceAt(level),
    amountLots: lots,
    timeInForce: r.timeInForce,
    postOnly: r.postOnly,
    timestamp: t,
    filledLots: 0,
    ahead: 0,
    status: "open",
    cost: D.ZERO,
    fee: D.ZERO,
    updated: t
  }
  const placed = B.place(m, o)
  if (placed.crossed && r.postOnly) {
    return refused(WriteOutcome.fromError(new E.PostOnlyWouldCross({ venue, message: "post-only order would cross" })))
  }
  st.orders.set(o.id, o)
  st.byCid.set(r.clientOrderId, o.id)
  const booked = bookFills(st, m, placed.fills, t)
  if (o.status === "open" && r.timeInForce !== "GTC") o.status = "canceled"
  retire(st, m)
  const order = toOrder(o, m)
  return { outcome: WriteOutcome.done(order), updates: [...booked.updates, order], fills: booked.fills }
}

export const cancel = (st: State, c: Venue.CancelItem, t: number): Written => {
  const o = st.orders.get(c.id)
  const m = o === undefined ? undefined : st.books.get(o.symbol)
  if (o === undefined || m === undefined || o.status !== "open") {
    // our own strings: no schema check of the error's fields
    const error = new E.OrderNotFound({ venue: st.venue, message: `order ${c.id} is not open`, orderId: c.id }, true)
    return refused(WriteOutcome.fromError(error))
  }
  o.status = "canceled"
  o.updated = t
  retire(st, m)
  const order = toOrder(o, m)
  return { outcome: WriteOutcome.done(order), updates: [order], fills: [] }
}
