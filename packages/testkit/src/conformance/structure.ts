/** Conformance cases — Structure and errors: capabilities, markets, the order book, an unknown symbol. */
import { Ids } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Invariants from "../Invariants.js"
import { type Case, defineCase, expectNone, expectThat, type Options, ok, refused, request } from "./Ctx.js"

export const structureCases = <R>(options: Options<R>): ReadonlyArray<Case<R>> => {
  const def = defineCase(options)
  return [
    def("structure.capabilities", "has lists every method and features are coherent", (ctx) =>
      Effect.gen(function* () {
        yield* expectThat("id", ctx.ex.id.length > 0, "the venue id is empty")
        yield* expectNone("has/features", Invariants.checkCapabilities(ctx.ex.has, ctx.ex.features))
      })
    ),

    def("structure.markets", "loadMarkets is non-empty and every market is sound", (ctx) =>
      Effect.gen(function* () {
        const markets = yield* ok("loadMarkets", ctx.ex.loadMarkets())
        yield* expectThat("loadMarkets", markets.size > 0, "no markets")
        const problems: Array<string> = []
        for (const [key, m] of markets) {
          if (key !== m.symbol) problems.push(`loadMarkets key ${key} holds market ${m.symbol}`)
          problems.push(...Invariants.checkMarket(m))
        }
        yield* expectNone("markets", problems)
        yield* expectThat(
          "market status",
          ctx.market.status === "open",
          `the suite's market ${ctx.symbol} is ${ctx.market.status}, not open`
        )
        const reloaded = yield* ok("loadMarkets(true)", ctx.ex.loadMarkets(true))
        yield* expectThat("loadMarkets(true)", reloaded.has(ctx.symbol), `reload lost ${ctx.symbol}`)
        if (ctx.ex.has.fetchMarkets === false) {
          yield* refused("fetchMarkets (has false)", ctx.ex.fetchMarkets(), "NotSupported")
        } else {
          const fetched = yield* ok("fetchMarkets", ctx.ex.fetchMarkets())
          yield* expectThat(
            "fetchMarkets",
            fetched.some((m) => m.symbol === ctx.symbol),
            `fetchMarkets lacks ${ctx.symbol}`
          )
        }
        if (ctx.ex.has.fetchEvents === false) {
          yield* refused("fetchEvents (has false)", ctx.ex.fetchEvents(), "NotSupported")
        } else {
          const events = yield* ok("fetchEvents", ctx.ex.fetchEvents())
          const ids = new Set<string>()
          const eventProblems: Array<string> = []
          for (const e of events) {
            if (ids.has(e.id)) eventProblems.push(`event ${e.id} listed twice`)
            ids.add(e.id)
          }
          yield* expectNone("fetchEvents", eventProblems)
        }
      })
    ),

    def("structure.orderBook", "fetchOrderBook returns a sorted, uncrossed book on the grid", (ctx) =>
      Effect.gen(function* () {
        const book = yield* ok("fetchOrderBook", ctx.ex.fetchOrderBook(ctx.symbol))
        const now = yield* ctx.now
        yield* expectNone("fetchOrderBook", Invariants.checkOrderBook(book, ctx.market, { now }))
        const top = yield* ok("fetchOrderBook(limit 1)", ctx.ex.fetchOrderBook(ctx.symbol, 1))
        yield* expectNone("fetchOrderBook(limit 1)", Invariants.checkOrderBook(top, ctx.market, { now, limit: 1 }))
      })
    ),

    def("errors.badSymbol", "an unknown symbol fails with BadSymbol", (ctx) =>
      Effect.gen(function* () {
        const bad = Ids.Symbol.make(`NO-SUCH-MARKET-${(yield* ctx.cid).slice(-6)}`)
        yield* refused("fetchOrderBook(unknown symbol)", ctx.ex.fetchOrderBook(bad), "BadSymbol")
        yield* refused(
          "createOrder(unknown symbol)",
          ctx.ex.createOrder(request(ctx, { symbol: bad, side: "buy", price: ctx.grid.priceAt(0) })),
          "BadSymbol"
        )
      })
    )
  ]
}
