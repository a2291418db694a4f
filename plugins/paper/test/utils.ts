import { Decimal as D, Exchange, Fee, Ids, Market, Order, TickGrid } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import { PaperConfig, PaperVenue } from "../src/index.js"

export const d = D.d
export const S1 = Ids.Symbol.make("PAPER-1")

export const kalshiFees = Fee.QuadraticFee.make({
  takerRate: d("0.07"),
  makerRate: d("0.0175"),
  multiplier: D.ONE,
  precision: d("0.0001")
})

/** One 1¢ binary market PAPER-1 (whole contracts), 1000 USD, no fees unless given. */
export const binaryConfig = (fees: Fee.FeeModel = Fee.NoFee.make({}), usd = D.int(1000)) =>
  PaperConfig.PaperConfig.make({
    generate: PaperConfig.GeneratedMarkets.make({ count: 1 }),
    fees,
    balances: { USD: usd }
  })

/** A binary market with $0.0001 ticks and 0.01-contract lots. */
export const FINE = Ids.Symbol.make("FINE")
export const fineMarket = Market.Market.make({
  venue: Ids.VenueId.make("paper"),
  symbol: FINE,
  title: "fine grid",
  kind: { _tag: "binary", settlementValue: D.ONE, outcomes: Market.yesNo() },
  currency: "USD",
  status: "open",
  tickGrid: { ranges: [TickGrid.PriceRange.make({ start: d("0.0001"), end: d("0.9999"), step: d("0.0001") })] },
  amountStep: d("0.01"),
  minAmount: d("0.01"),
  fees: Fee.NoFee.make({})
})

export const BTC = Ids.Symbol.make("BTC-USD")
export const spotMarket = Market.Market.make({
  venue: Ids.VenueId.make("paper"),
  symbol: BTC,
  title: "BTC/USD",
  kind: { _tag: "spot", base: "BTC", quote: "USD" },
  currency: "USD",
  status: "open",
  tickGrid: { ranges: [TickGrid.PriceRange.make({ start: d("1"), end: d("100000"), step: d("1") })] },
  amountStep: d("0.001"),
  minAmount: d("0.001"),
  fees: Fee.ProportionalFee.make({ takerRate: d("0.001"), makerRate: D.ZERO, precision: d("0.01") })
})

export const provideVenue =
  (config: PaperConfig.PaperConfig = binaryConfig()) =>
  <A, E>(eff: Effect.Effect<A, E, PaperVenue.PaperVenue | Exchange.Exchange>) =>
    Effect.provide(eff, PaperVenue.layer(config))

export const req = (
  fields: Partial<Omit<ConstructorParameters<typeof Order.OrderRequest>[0], "price" | "amount" | "side">> & {
    side: Order.Side
    price: string
    amount: string
  }
) =>
  Order.OrderRequest.make({
    symbol: S1,
    ...fields,
    price: d(fields.price),
    amount: d(fields.amount)
  })

export const services = Effect.all({ ex: Exchange.Exchange, venue: PaperVenue.PaperVenue })

export const usd = (ex: Exchange.ExchangeService, currency = "USD") =>
  Effect.map(ex.fetchBalance(), (bs) => bs.find((b) => b.currency === currency)!)

export const position = (ex: Exchange.ExchangeService, symbol: Ids.Symbol = S1) =>
  Effect.map(ex.fetchPositions([symbol]), (ps) => ps.find((p) => p.symbol === symbol))

export const cid = (s: string) => Ids.ClientOrderId.make(s)

/** Lets forked stream consumers run up to their subscription before the test provokes events. */
export const settleFibers = Effect.repeatN(Effect.yieldNow(), 50)
