/**
 * Restart keeps positions: what the account holds comes from the venue, not from zero. Before any strategy
 * runs, each venue's positions are read (`fetchPositions`) and booked into Risk as one opening fill per
 * market at the venue's average cost — less the fills missed while we were down, which are booked on their
 * own right after — so limits count what is really held. A market one strategy trades on that venue is that
 * strategy's; a market several (or none) trade is the venue's.
 */
import { Decimal as D, Ids, Order } from "@alpha-hunter/core"

export interface Opening {
  readonly symbol: string
  readonly strategy: string | undefined
  readonly fill: Order.Fill
}

const SCALE = 4

/**
 * The opening fills: per held market, the venue's position less the net of the fills missed while down
 * (those are booked separately). Pure.
 */
export const openings = (
  held: ReadonlyArray<Order.Position>,
  missed: ReadonlyArray<Order.Fill>,
  owner: (symbol: string) => string | undefined,
  at: number,
  currency = "USD"
): ReadonlyArray<Opening> => {
  const net = new Map<string, D.Decimal>()
  for (const f of missed) {
    net.set(f.symbol, D.add(net.get(f.symbol) ?? D.ZERO, f.side === "buy" ? f.amount : D.neg(f.amount)))
  }
  const out: Array<Opening> = []
  for (const p of held) {
    const amount = D.sub(p.amount, net.get(p.symbol) ?? D.ZERO)
    if (amount === D.ZERO) continue
    const size = D.abs(amount)
    // the venue's average cost per contract (its exposure over the whole position), to the cent's hundredth
    const price = p.amount === D.ZERO ? D.ZERO : D.round(D.div(D.abs(p.cost), D.abs(p.amount)), SCALE, "half-even")
    out.push({
      symbol: p.symbol,
      strategy: owner(p.symbol),
      fill: Order.fillFromDecoded({
        id: Ids.TradeId.make(`position-at-start:${p.symbol}:${at}`),
        orderId: Ids.OrderId.make("position-at-start"),
        symbol: Ids.Symbol.make(p.symbol),
        side: amount > 0n ? "buy" : "sell",
        price,
        amount: size,
        cost: D.mul(price, size),
        fee: new Order.FeePaid({ cost: D.ZERO, currency }, true),
        takerOrMaker: "maker",
        timestamp: at
      })
    })
  }
  return out
}
