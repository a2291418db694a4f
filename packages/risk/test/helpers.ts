import { Decimal as D, Fee, Ids, Market, Order, type Risk, TickGrid } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import { decodeSync, type RiskConfigInput } from "../src/RiskConfig.js"
import { RiskEngine } from "../src/RiskEngine.js"

export const A: Risk.RiskScope = { venue: "paper-a", strategy: "maker" }
export const B: Risk.RiskScope = { venue: "paper-b", strategy: "maker" }

export const cfg = (input: RiskConfigInput) => decodeSync(input)

let seq = 0
export const req = (
  side: Order.Side,
  price: string,
  amount: string,
  symbol = "M1",
  clientOrderId?: string
): Order.OrderRequest =>
  Order.OrderRequest.make({
    symbol: Ids.Symbol.make(symbol),
    side,
    price: D.d(price),
    amount: D.d(amount),
    ...(clientOrderId === undefined ? {} : { clientOrderId: Ids.ClientOrderId.make(clientOrderId) })
  })

export const create = (request: Order.OrderRequest, scope: Risk.RiskScope = A): Risk.RiskIntent => ({
  _tag: "Create",
  scope,
  request
})

export const order = (
  side: Order.Side,
  price: string,
  remaining: string,
  opts: { symbol?: string; id?: string; status?: Order.OrderStatus; clientOrderId?: string } = {}
): Order.Order =>
  Order.Order.make({
    id: Ids.OrderId.make(opts.id ?? `o${++seq}`),
    symbol: Ids.Symbol.make(opts.symbol ?? "M1"),
    side,
    type: "limit",
    price: D.d(price),
    amount: D.d(remaining),
    filled: D.ZERO,
    remaining: D.d(remaining),
    cost: D.ZERO,
    status: opts.status ?? "open",
    timeInForce: "GTC",
    postOnly: true,
    reduceOnly: false,
    timestamp: 0,
    ...(opts.clientOrderId === undefined ? {} : { clientOrderId: Ids.ClientOrderId.make(opts.clientOrderId) })
  })

export const fill = (side: Order.Side, price: string, amount: string, symbol = "M1", fee = "0"): Order.Fill =>
  Order.Fill.make({
    id: Ids.TradeId.make(`t${++seq}`),
    orderId: Ids.OrderId.make(`x${seq}`),
    symbol: Ids.Symbol.make(symbol),
    side,
    price: D.d(price),
    amount: D.d(amount),
    cost: D.mul(D.d(price), D.d(amount)),
    fee: Order.FeePaid.make({ cost: D.d(fee), currency: "USD" }),
    takerOrMaker: "maker",
    timestamp: 0
  })

export const binaryMarket = (
  symbol: string,
  opts: { eventId?: string; status?: Market.MarketStatus; venue?: string } = {}
): Market.Market =>
  Market.Market.make({
    venue: Ids.VenueId.make(opts.venue ?? "paper-a"),
    symbol: Ids.Symbol.make(symbol),
    ...(opts.eventId === undefined ? {} : { eventId: Ids.EventId.make(opts.eventId) }),
    title: symbol,
    kind: { _tag: "binary", settlementValue: D.ONE, outcomes: Market.yesNo() },
    currency: "USD",
    status: opts.status ?? "open",
    tickGrid: TickGrid.uniform("0.01", "0.99", "0.01").spec,
    amountStep: D.d("0.01"),
    minAmount: D.d("0.01"),
    fees: Fee.QuadraticFee.make({
      takerRate: D.d("0.07"),
      makerRate: D.ZERO,
      multiplier: D.ONE,
      precision: D.d("0.0001")
    })
  })

/** The decision's tag, or the deny reason. */
export const decide = (intent: Risk.RiskIntent) =>
  Effect.flatMap(RiskEngine, (r) => r.check(intent)).pipe(
    Effect.map((d) => (d._tag === "Approved" ? "OK" : d.reason) as "OK" | Risk.DenyReason)
  )
