/** Conversions from the engine's records to the core structures the Exchange port returns. */
import { Decimal as D, Market, Order, OrderBook } from "@alpha-hunter/core"
import * as Acc from "./accounting.js"
import * as Engine from "./engine.js"
import type { MarketState, OrderRec, PositionRec, State } from "./state.js"

export const toOrder = (s: State, o: OrderRec): Order.Order => {
  const currency = Engine.marketState(s, o.symbol)?.market.currency ?? "USD"
  const terminal = Order.isTerminal(o.status)
  // built from the engine's own checked records: the cheap constructor (the schema costs ~0.1 ms an order)
  return Order.fromDecoded({
    id: o.id,
    ...(o.clientOrderId === undefined ? {} : { clientOrderId: o.clientOrderId }),
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    price: o.price,
    amount: o.amount,
    filled: o.filled,
    remaining: terminal ? D.ZERO : Acc.remainingOf(o),
    ...(o.filled > 0n ? { average: D.div(o.cost, o.filled, "half-even") } : {}),
    cost: o.cost,
    status: o.status,
    timeInForce: o.timeInForce,
    postOnly: o.postOnly,
    reduceOnly: o.reduceOnly,
    fee: new Order.FeePaid({ cost: o.fee, currency }, true),
    timestamp: o.timestamp,
    lastUpdateTimestamp: o.lastUpdateTimestamp,
    ...(o.expiry === undefined ? {} : { expiry: o.expiry })
  })
}

/** Aggregated L2 view of a market's book, `limit` levels a side. */
export const toBook = (s: State, ms: MarketState, limit?: number): OrderBook.OrderBook => {
  const side = (levels: MarketState["bids"]) =>
    levels.slice(0, limit ?? levels.length).map((l) => {
      let total = D.ZERO
      for (const id of l.orders) {
        const o = Engine.orderRec(s, id)
        if (o !== undefined) total = D.add(total, Acc.remainingOf(o))
      }
      return [ms.grid.priceAt(l.level), total] as const
    })
  return OrderBook.OrderBook.make({
    symbol: ms.market.symbol,
    bids: side(ms.bids),
    asks: side(ms.asks),
    sequence: ms.sequence,
    timestamp: ms.timestamp
  })
}

/**
 * The integer view of a market's book (levels of its grid, lots of its amount step), from the immutable
 * state: safe to hand to any fiber. `version` is the market's book sequence (bumped once per transaction
 * that touches the book).
 */
export const toView = (s: State, ms: MarketState): OrderBook.BookSnapshot => {
  const step = ms.market.amountStep
  const side = (levels: MarketState["bids"]): OrderBook.SnapshotSide => {
    const ls: Array<number> = []
    const qs: Array<number> = []
    for (const l of levels) {
      let total = D.ZERO
      for (const id of l.orders) {
        const o = Engine.orderRec(s, id)
        if (o !== undefined) total = D.add(total, Acc.remainingOf(o))
      }
      const lots = Number(D.divToInt(total, step, "down"))
      if (lots <= 0) continue
      ls.push(l.level)
      qs.push(lots)
    }
    return { levels: ls, lots: qs }
  }
  return new OrderBook.BookSnapshot(
    ms.market.symbol,
    ms.grid,
    step,
    ms.sequence,
    ms.sequence,
    ms.timestamp,
    side(ms.bids),
    side(ms.asks)
  )
}

/** The market as currently listed (status kept current). */
export const toMarket = (ms: MarketState): Market.Market =>
  ms.market.status === ms.status ? ms.market : Market.Market.make({ ...ms.market, status: ms.status })

export const toPosition = (symbol: Market.Market["symbol"], p: PositionRec): Order.Position =>
  Order.Position.make({
    symbol,
    amount: p.amount,
    cost: p.cost,
    realizedPnl: p.realized,
    feesPaid: p.fees,
    timestamp: p.timestamp
  })
