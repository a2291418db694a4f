import { Decimal as D, Ids, Order } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Engine from "../src/internal/engine.js"
import { binaryMarket, cfg } from "./helpers.js"

const config = cfg({ global: { maxOrderSize: "50", maxOrderNotional: "50", maxPosition: "100", maxGrossExposure: "100000",
  maxOpenOrders: 1000, orderRate: { max: 1000, windowMs: 1000 },
  priceBand: { minBuy: "0.01", maxBuy: "0.99", minSell: "0.01", maxSell: "0.99" }, maxDailyLoss: "100000" } })
const scope = { venue: "paper-a", strategy: "maker" }
let s = Engine.empty(0, config)
s = Engine.registerMarkets(s, "paper-a", Array.from({ length: 50 }, (_, i) => binaryMarket(`M${i}`)))
const N = 20000
const ord = (i: number, status: Order.OrderStatus, rem: string, filled: string) => Order.Order.make({
  id: Ids.OrderId.make(`o${i}`), clientOrderId: Ids.ClientOrderId.make(`c${i}`), symbol: Ids.Symbol.make(`M${i % 50}`), side: i % 2 ? "buy" : "sell",
  type: "limit", price: D.d("0.45"), amount: D.d("5"), filled: D.d(filled), remaining: D.d(rem), cost: D.ZERO, status,
  timeInForce: "GTC", postOnly: true, reduceOnly: false, timestamp: 0 })
const reqs = Array.from({ length: N }, (_, i) => Order.OrderRequest.make({ symbol: Ids.Symbol.make(`M${i % 50}`), side: i % 2 ? "buy" : "sell", price: D.d("0.45"), amount: D.d("5"), clientOrderId: Ids.ClientOrderId.make(`c${i}`) }))
const acks = Array.from({ length: N }, (_, i) => ord(i, "open", "5", "0"))
const parts = Array.from({ length: N }, (_, i) => ord(i, "open", "2", "3"))
const closes = Array.from({ length: N }, (_, i) => ord(i, "closed", "0", "5"))
const fills = Array.from({ length: N }, (_, i) => Order.Fill.make({ id: Ids.TradeId.make(`t${i}`), orderId: Ids.OrderId.make(`o${i}`), clientOrderId: Ids.ClientOrderId.make(`c${i}`),
  symbol: Ids.Symbol.make(`M${i % 50}`), side: i % 2 ? "buy" : "sell", price: D.d("0.45"), amount: D.d("3"), cost: D.d("1.35"),
  fee: Order.FeePaid.make({ cost: D.ZERO, currency: "USD" }), takerOrMaker: "maker", timestamp: 0 }))
const s0 = s
let t = { check: 0, ack: 0, fill: 0, part: 0, close: 0, limits: 0 }
for (let rep = 0; rep < 6; rep++) {
t = { check: 0, ack: 0, fill: 0, part: 0, close: 0, limits: 0 }
s = s0
let now = 1000
for (let i = 0; i < N; i++) {
  now += 50
  let a = performance.now()
  s = Engine.check(s, config, { _tag: "Create", scope, request: reqs[i]! }, now).state
  let b = performance.now(); t.check += b - a; a = b
  s = Engine.onOrder(s, config, scope, acks[i]!, now).state
  b = performance.now(); t.ack += b - a; a = b
  s = Engine.onFill(s, config, scope, fills[i]!, now).state
  b = performance.now(); t.fill += b - a; a = b
  s = Engine.onOrder(s, config, scope, parts[i]!, now).state
  b = performance.now(); t.part += b - a; a = b
  s = Engine.onOrder(s, config, scope, closes[i]!, now).state
  b = performance.now(); t.close += b - a; a = b
  Engine.orderLimits(s, config, "paper-a", "maker", `M${i % 50}`)
  b = performance.now(); t.limits += b - a; a = b
}
}
for (const [k, v] of Object.entries(t)) console.log(k.padEnd(8), ((v * 1000) / N).toFixed(1), "µs")
void Effect
