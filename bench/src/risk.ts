/**
 * Micro-benchmark — the risk engine's pre-trade check at scale (not part of `pnpm bench`).
 *
 * State: 1,000 registered binary markets on one venue (100 events × 10 markets), 2,000 resting orders (a bid
 * at 0.40 and an ask at 0.60 in every market, strategy `maker`), positions in 500 markets with marks. Limits
 * are set at all three levels (global, venue, strategy) and are loose enough that every check passes, so each
 * check runs every limit (the slowest path; a denial stops at the first breach).
 *
 * Two figures:
 * - service: `RiskEngine.check` through the layer's `Ref.modify` + `Clock` (what the gateway pays), run with
 *   `Effect.runSync` one call at a time;
 * - pure: the internal `check(state, config, intent, now)` on the same fixed state.
 *
 * Run from the repository root:
 *   npx tsx --conditions=@alpha-hunter/source bench/src/risk.ts [--samples N] [--warmup N]   (defaults 1000 and 1000)
 */
import { Decimal as D, Fee, Ids, Market, Order, type Risk, TickGrid } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as Engine from "../../packages/risk/src/internal/engine.js"
import { decodeSync } from "../../packages/risk/src/RiskConfig.js"
import * as RiskEngine from "../../packages/risk/src/RiskEngine.js"
import { median, nowNs, p99, prng, sig } from "./stats.js"

const VENUE = "kalshi"
const STRATEGY = "maker"
const MARKETS = 1_000
const EVENT_SIZE = 10
const POSITIONS = 500

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name)
  return i >= 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : fallback
}
const SAMPLES = arg("--samples", 1_000)
const WARMUP = arg("--warmup", 1_000)

const limits = {
  maxOrderSize: "1000",
  maxOrderNotional: "1000",
  maxPosition: "100000",
  maxEventPosition: "1000000",
  maxGrossExposure: "100000000",
  maxOpenOrders: 1_000_000,
  orderRate: { max: 1_000_000, windowMs: 1_000 },
  priceBand: { minBuy: "0.01", maxBuy: "0.99", minSell: "0.01", maxSell: "0.99" },
  maxDailyLoss: "1000000",
  maxDrawdown: "1000000"
}
const config = decodeSync({ global: limits, venues: { [VENUE]: limits }, strategies: { [STRATEGY]: limits } })
const scope: Risk.RiskScope = { venue: VENUE, strategy: STRATEGY }

const symbolOf = (i: number) => `KX-E${Math.floor(i / EVENT_SIZE)}-M${i % EVENT_SIZE}`

const market = (i: number): Market.Market =>
  Market.Market.make({
    venue: Ids.VenueId.make(VENUE),
    symbol: Ids.Symbol.make(symbolOf(i)),
    eventId: Ids.EventId.make(`E${Math.floor(i / EVENT_SIZE)}`),
    title: symbolOf(i),
    kind: { _tag: "binary", settlementValue: D.ONE, outcomes: Market.yesNo() },
    currency: "USD",
    status: "open",
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

const restingOrder = (i: number, side: Order.Side): Order.Order =>
  Order.Order.make({
    id: Ids.OrderId.make(`o-${i}-${side}`),
    symbol: Ids.Symbol.make(symbolOf(i)),
    side,
    type: "limit",
    price: D.d(side === "buy" ? "0.40" : "0.60"),
    amount: D.d("5"),
    filled: D.ZERO,
    remaining: D.d("5"),
    cost: D.ZERO,
    status: "open",
    timeInForce: "GTC",
    postOnly: true,
    reduceOnly: false,
    timestamp: 0
  })

const positionFill = (i: number): Order.Fill =>
  Order.Fill.make({
    id: Ids.TradeId.make(`t-${i}`),
    orderId: Ids.OrderId.make(`f-${i}`),
    symbol: Ids.Symbol.make(symbolOf(i)),
    side: i % 2 === 0 ? "buy" : "sell",
    price: D.d("0.50"),
    amount: D.d("3"),
    cost: D.d("1.5"),
    fee: Order.FeePaid.make({ cost: D.d("0.01"), currency: "USD" }),
    takerOrMaker: "maker",
    timestamp: 0
  })

/** Creates to time: a random market, a side, a price inside our own spread (never self-crossing). */
const intents = (n: number): ReadonlyArray<Risk.RiskIntent> => {
  const rnd = prng(7)
  const out: Array<Risk.RiskIntent> = []
  for (let k = 0; k < n; k++) {
    const i = Math.floor(rnd() * MARKETS)
    const side: Order.Side = rnd() < 0.5 ? "buy" : "sell"
    out.push({
      _tag: "Create",
      scope,
      request: Order.OrderRequest.make({
        symbol: Ids.Symbol.make(symbolOf(i)),
        side,
        price: D.d(side === "buy" ? "0.41" : "0.59"),
        amount: D.d("1")
      })
    })
  }
  return out
}

const report = (name: string, ns: ReadonlyArray<number>, approved: number) => {
  const us = ns.map((x) => x / 1_000)
  console.log(
    `${name.padEnd(8)} n=${us.length}  p50 ${sig(median(us))} µs  p99 ${sig(p99(us))} µs  approved ${approved}/${us.length}`
  )
}

const markets = Array.from({ length: MARKETS }, (_, i) => market(i))

const main = Effect.gen(function* () {
  const scopeHandle = yield* Scope.make()
  const engine = yield* RiskEngine.make(config).pipe(Scope.extend(scopeHandle))
  yield* engine.registerMarkets(VENUE, markets)
  for (let i = 0; i < MARKETS; i++) {
    yield* engine.onOrder(scope, restingOrder(i, "buy"))
    yield* engine.onOrder(scope, restingOrder(i, "sell"))
  }
  for (let i = 0; i < POSITIONS; i++) {
    const m = (i * 2) % MARKETS
    yield* engine.onFill(scope, positionFill(m))
    yield* engine.onMark(scope, symbolOf(m), D.d(i % 3 === 0 ? "0.45" : "0.55"))
  }
  const summary = yield* engine.summary()
  console.log(
    `state: ${MARKETS} markets, ${summary.openOrders} open orders, positions in ${POSITIONS} markets; gross ${D.format(summary.grossExposure)}, pnl ${D.format(summary.pnl)}`
  )
  return engine
})

const engine = Effect.runSync(main)
const all = intents(WARMUP + SAMPLES)

// service: Ref.modify + Clock, one runSync per check
{
  const ns: Array<number> = []
  let approved = 0
  for (let k = 0; k < all.length; k++) {
    const t0 = nowNs()
    const d = Effect.runSync(engine.check(all[k]!))
    const t1 = nowNs()
    if (k >= WARMUP) {
      ns.push(t1 - t0)
      if (d._tag === "Approved") approved++
    }
  }
  report("service", ns, approved)
}

// pure: the transition function alone, on one fixed state (the state of a fresh engine fed the same inputs)
{
  const now = Date.now()
  let s = Engine.empty(now, config)
  s = markets.reduce((acc, m) => Engine.registerMarket(acc, VENUE, m), s)
  for (let i = 0; i < MARKETS; i++) {
    s = Engine.onOrder(s, config, scope, restingOrder(i, "buy"), now).state
    s = Engine.onOrder(s, config, scope, restingOrder(i, "sell"), now).state
  }
  for (let i = 0; i < POSITIONS; i++) {
    const m = (i * 2) % MARKETS
    s = Engine.onFill(s, config, scope, positionFill(m), now).state
    s = Engine.onMark(s, config, scope, symbolOf(m), D.d(i % 3 === 0 ? "0.45" : "0.55"), now).state
  }
  const ns: Array<number> = []
  let approved = 0
  for (let k = 0; k < all.length; k++) {
    const t0 = nowNs()
    const r = Engine.check(s, config, all[k]!, now)
    const t1 = nowNs()
    if (k >= WARMUP) {
      ns.push(t1 - t0)
      if (r.value._tag === "Approved") approved++
    }
  }
  report("pure", ns, approved)
}
