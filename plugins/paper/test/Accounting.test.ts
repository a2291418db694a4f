import { Decimal as D, Ids } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { PaperConfig } from "../src/index.js"
import {
  BTC,
  binaryConfig,
  d,
  FINE,
  fineMarket,
  kalshiFees,
  position,
  provideVenue,
  req,
  S1,
  services,
  spotMarket,
  usd
} from "./utils.js"

const cid = Ids.ClientOrderId.make("funds-1")

const fineConfig = PaperConfig.PaperConfig.make({ markets: [fineMarket], balances: { USD: D.int(100) } })

describe("fees", () => {
  it.effect("quadratic taker and maker fees are exact and rounded up per fill", () =>
    Effect.gen(function* () {
      const { ex, venue } = yield* services
      yield* venue.addLiquidity({ symbol: S1, side: "sell", price: d("0.55"), amount: d("10") })
      const o = yield* ex.createOrder(req({ side: "buy", price: "0.55", amount: "10" }))
      // 0.07 × 10 × 0.55 × 0.45 = 0.17325 → 0.1733
      assert.strictEqual(o.fee?.cost, d("0.1733"))
      const [fill] = yield* ex.fetchMyTrades()
      assert.strictEqual(fill!.fee.cost, d("0.1733"))
      assert.strictEqual(fill!.fee.currency, "USD")
      const b = yield* usd(ex)
      assert.strictEqual(b.total, d("994.3267")) // 1000 − 5.50 − 0.1733
      // maker: 0.0175 × 10 × 0.55 × 0.45 = 0.04331… → 0.0434, reserved while resting
      const maker = yield* ex.createOrder(req({ side: "sell", price: "0.55", amount: "10" }))
      const resting = yield* usd(ex)
      assert.strictEqual(resting.used, d("0.0434")) // closes the long: no collateral, only the maker fee
      yield* venue.take({ symbol: S1, side: "buy", price: d("0.55"), amount: d("10") })
      const filled = yield* ex.fetchOrder(maker.id)
      assert.strictEqual(filled.fee?.cost, d("0.0434"))
      const pos = yield* position(ex)
      assert.strictEqual(pos?.amount, D.ZERO)
      assert.strictEqual(pos?.realizedPnl, D.ZERO)
      assert.strictEqual(pos?.feesPaid, d("0.2167"))
      const end = yield* usd(ex)
      assert.strictEqual(end.total, d("999.7833"))
      assert.strictEqual(end.used, D.ZERO)
    }).pipe(provideVenue(binaryConfig(kalshiFees)))
  )
})

describe("collateral", () => {
  it.effect("a buy at p reserves p × amount, a sell (1 − p) × amount unless it closes a long", () =>
    Effect.gen(function* () {
      const { ex, venue } = yield* services
      const b = yield* ex.createOrder(req({ side: "buy", price: "0.40", amount: "10" }))
      let bal = yield* usd(ex)
      assert.deepStrictEqual([bal.total, bal.used, bal.free], [d("1000"), d("4"), d("996")])
      const s = yield* ex.createOrder(req({ side: "sell", price: "0.70", amount: "10" }))
      bal = yield* usd(ex)
      assert.strictEqual(bal.used, d("7")) // 4 + 0.30 × 10
      yield* ex.cancelOrder(b.id, S1)
      yield* ex.cancelOrder(s.id, S1)
      // now long 10: a sell of 10 closes it and reserves nothing, a sell of 15 reserves for the 5 beyond
      yield* venue.addLiquidity({ symbol: S1, side: "sell", price: d("0.30"), amount: d("10") })
      yield* ex.createOrder(req({ side: "buy", price: "0.30", amount: "10" }))
      bal = yield* usd(ex)
      assert.deepStrictEqual([bal.total, bal.used], [d("997"), D.ZERO])
      yield* ex.createOrder(req({ side: "sell", price: "0.80", amount: "15" }))
      bal = yield* usd(ex)
      assert.strictEqual(bal.used, d("1")) // (1 − 0.80) × 5
      assert.strictEqual(bal.free, d("996"))
    }).pipe(provideVenue())
  )

  it.effect("orders beyond the free balance are refused with InsufficientFunds and leave no trace", () =>
    Effect.gen(function* () {
      const { ex } = yield* services
      yield* ex.createOrder(req({ side: "buy", price: "0.50", amount: "15" }))
      const e = yield* Effect.flip(ex.createOrder(req({ side: "buy", price: "0.50", amount: "6", clientOrderId: cid })))
      assert.strictEqual(e._tag, "InsufficientFunds")
      assert.strictEqual((yield* ex.fetchOpenOrders()).length, 1)
      // the refused order did not consume its client order id
      const ok = yield* ex.createOrder(req({ side: "buy", price: "0.50", amount: "5", clientOrderId: cid }))
      assert.strictEqual(ok.clientOrderId, cid)
      const bal = yield* usd(ex)
      assert.deepStrictEqual([bal.used, bal.free], [d("10"), D.ZERO])
    }).pipe(provideVenue(binaryConfig(undefined, D.int(10))))
  )
})

describe("positions and P&L", () => {
  it.effect("0.01-contract lots on a $0.0001 grid: realized P&L is exact over a round trip", () =>
    Effect.gen(function* () {
      const { ex, venue } = yield* services
      yield* venue.addLiquidity({ symbol: FINE, side: "sell", price: d("0.4567"), amount: d("1.23") })
      yield* ex.createOrder(req({ symbol: FINE, side: "buy", price: "0.4567", amount: "1.23" }))
      let pos = yield* position(ex, FINE)
      assert.deepStrictEqual([pos?.amount, pos?.cost], [d("1.23"), d("0.561741")])
      yield* venue.addLiquidity({ symbol: FINE, side: "buy", price: d("0.5123"), amount: d("0.5") })
      yield* ex.createOrder(req({ symbol: FINE, side: "sell", price: "0.5123", amount: "0.50" }))
      pos = yield* position(ex, FINE)
      // removed cost 0.561741 × 0.5 / 1.23 = 0.22835; realized 0.25615 − 0.22835
      assert.deepStrictEqual([pos?.amount, pos?.cost, pos?.realizedPnl], [d("0.73"), d("0.333391"), d("0.0278")])
      yield* venue.addLiquidity({ symbol: FINE, side: "buy", price: d("0.4"), amount: d("0.73") })
      yield* ex.createOrder(req({ symbol: FINE, side: "sell", price: "0.4000", amount: "0.73" }))
      pos = yield* position(ex, FINE)
      assert.deepStrictEqual([pos?.amount, pos?.cost, pos?.realizedPnl], [D.ZERO, D.ZERO, d("-0.013591")])
      const bal = yield* usd(ex)
      assert.strictEqual(bal.total, d("99.986409")) // 100 + realized
    }).pipe(provideVenue(fineConfig))
  )

  it.effect("an average cost that does not divide evenly still closes exactly", () =>
    Effect.gen(function* () {
      const { ex, venue } = yield* services
      yield* venue.addLiquidity({ symbol: S1, side: "sell", price: d("0.10"), amount: d("1") })
      yield* venue.addLiquidity({ symbol: S1, side: "sell", price: d("0.11"), amount: d("2") })
      yield* ex.createOrder(req({ side: "buy", price: "0.11", amount: "3" }))
      yield* venue.addLiquidity({ symbol: S1, side: "buy", price: d("0.20"), amount: d("3") })
      yield* ex.createOrder(req({ side: "sell", price: "0.20", amount: "1" }))
      let pos = yield* position(ex)
      // 0.32 / 3 per contract, rounded half-even at 18 digits
      assert.strictEqual(pos?.realizedPnl, d("0.093333333333333333"))
      yield* ex.createOrder(req({ side: "sell", price: "0.20", amount: "2" }))
      pos = yield* position(ex)
      assert.deepStrictEqual([pos?.amount, pos?.cost, pos?.realizedPnl], [D.ZERO, D.ZERO, d("0.28")])
      assert.strictEqual((yield* usd(ex)).total, d("1000.28"))
    }).pipe(provideVenue())
  )

  it.effect("a short (sell with no long) costs 1 − p and covering it returns 1 − p", () =>
    Effect.gen(function* () {
      const { ex, venue } = yield* services
      yield* venue.addLiquidity({ symbol: S1, side: "buy", price: d("0.60"), amount: d("10") })
      yield* ex.createOrder(req({ side: "sell", price: "0.60", amount: "10" }))
      let pos = yield* position(ex)
      assert.deepStrictEqual([pos?.amount, pos?.cost], [d("-10"), d("-6")])
      assert.strictEqual((yield* usd(ex)).total, d("996"))
      yield* venue.addLiquidity({ symbol: S1, side: "sell", price: d("0.45"), amount: d("10") })
      yield* ex.createOrder(req({ side: "buy", price: "0.45", amount: "10" }))
      pos = yield* position(ex)
      assert.deepStrictEqual([pos?.amount, pos?.realizedPnl], [D.ZERO, d("1.5")])
      assert.strictEqual((yield* usd(ex)).total, d("1001.5"))
    }).pipe(provideVenue())
  )

  it.effect("settlement pays longs the settlement value and shorts the rest, and cancels resting orders", () =>
    Effect.gen(function* () {
      const { ex, venue } = yield* services
      yield* venue.addLiquidity({ symbol: S1, side: "sell", price: d("0.30"), amount: d("10") })
      yield* ex.createOrder(req({ side: "buy", price: "0.30", amount: "10" }))
      const resting = yield* ex.createOrder(req({ side: "buy", price: "0.20", amount: "5" }))
      const m = yield* venue.settle(S1, D.ONE)
      assert.strictEqual(m.status, "settled")
      assert.strictEqual((yield* ex.fetchOrder(resting.id)).status, "canceled")
      const pos = yield* position(ex)
      assert.deepStrictEqual([pos?.amount, pos?.realizedPnl], [D.ZERO, d("7")])
      const bal = yield* usd(ex)
      assert.deepStrictEqual([bal.total, bal.used], [d("1007"), D.ZERO])
      const closed = yield* Effect.flip(ex.createOrder(req({ side: "buy", price: "0.20", amount: "1" })))
      assert.strictEqual(closed._tag, "MarketClosed")
      const markets = yield* ex.loadMarkets()
      assert.strictEqual(markets.get(S1)?.status, "settled")
    }).pipe(provideVenue())
  )

  it.effect("a short settled at 0 keeps its collateral back", () =>
    Effect.gen(function* () {
      const { ex, venue } = yield* services
      yield* venue.addLiquidity({ symbol: S1, side: "buy", price: d("0.25"), amount: d("4") })
      yield* ex.createOrder(req({ side: "sell", price: "0.25", amount: "4" }))
      assert.strictEqual((yield* usd(ex)).total, d("997")) // paid 0.75 × 4
      yield* venue.settle(S1, D.ZERO)
      assert.strictEqual((yield* usd(ex)).total, d("1001")) // got 1 × 4 back
      assert.strictEqual((yield* position(ex))?.realizedPnl, d("1"))
    }).pipe(provideVenue())
  )
})

describe("spot", () => {
  it.effect("buys move quote to base, sells reserve base, fees in quote", () =>
    Effect.gen(function* () {
      const { ex, venue } = yield* services
      yield* venue.addLiquidity({ symbol: BTC, side: "sell", price: d("20000"), amount: d("0.5") })
      const o = yield* ex.createOrder(req({ symbol: BTC, side: "buy", price: "20000", amount: "0.5" }))
      assert.strictEqual(o.fee?.cost, d("10")) // 0.001 × 20000 × 0.5
      const balances = yield* ex.fetchBalance()
      const by = (c: string) => balances.find((b) => b.currency === c)!
      assert.strictEqual(by("USD").total, d("39990"))
      assert.strictEqual(by("BTC").total, d("0.5"))
      yield* ex.createOrder(req({ symbol: BTC, side: "sell", price: "30000", amount: "0.4" }))
      const after = yield* ex.fetchBalance()
      const btc = after.find((b) => b.currency === "BTC")!
      assert.deepStrictEqual([btc.used, btc.free], [d("0.4"), d("0.1")])
      const e = yield* Effect.flip(ex.createOrder(req({ symbol: BTC, side: "sell", price: "30000", amount: "0.2" })))
      assert.strictEqual(e._tag, "InsufficientFunds")
    }).pipe(provideVenue(PaperConfig.PaperConfig.make({ markets: [spotMarket], balances: { USD: D.int(50_000) } })))
  )
})
