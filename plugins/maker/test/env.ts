/** A StrategyEnv over a core Exchange (what the runner provides), with a permissive Risk, for integration tests. */
import { Decimal as D, Exchange, ExchangeError, Gateway, Risk, Strategy } from "@alpha-hunter/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

export const allowAll: Risk.RiskService = {
  check: () => Effect.succeed(Risk.approved),
  state: () => Effect.succeed("ACTIVE"),
  changes: Stream.empty,
  setState: () => Effect.void,
  pause: () => Effect.void,
  resume: () => Effect.void,
  onFill: () => Effect.void,
  onOrder: () => Effect.void,
  onMark: () => Effect.void
}

export const strategyEnv = (ex: Exchange.ExchangeService, strategy = "maker") =>
  Effect.gen(function* () {
    const gateway = yield* Gateway.make({ scope: { venue: ex.id, strategy }, clientIdPrefix: `${strategy}-` }).pipe(
      Effect.provideService(Exchange.Exchange, ex),
      Effect.provideService(Risk.Risk, allowAll)
    )
    const md: Strategy.MarketDataService = {
      venue: ex.id,
      markets: ex.fetchMarkets(),
      market: (symbol) =>
        Effect.flatMap(ex.loadMarkets(), (ms) => {
          const m = ms.get(symbol)
          return m === undefined
            ? Effect.fail(new ExchangeError.BadSymbol({ venue: ex.id, message: "unknown", symbol }))
            : Effect.succeed(m)
        }),
      book: (symbol) => ex.watchOrderBook(symbol)
    }
    const pf: Strategy.PortfolioService = {
      openOrders: (symbol) => ex.fetchOpenOrders(symbol === undefined ? {} : { symbol }),
      positions: ex.fetchPositions(),
      position: (symbol) =>
        Effect.map(ex.fetchPositions([symbol]), (ps) => ps.find((x) => x.symbol === symbol)?.amount ?? D.ZERO),
      orders: ex.watchOrders(),
      fills: ex.watchMyTrades()
    }
    return Context.make(Strategy.MarketData, md).pipe(
      Context.add(Strategy.Portfolio, pf),
      Context.add(Strategy.OrderGateway, gateway)
    )
  })

/** Yields until a condition holds (streams deliver on other fibers). */
export const eventually = <E>(cond: Effect.Effect<boolean, E>, what: string) =>
  Effect.gen(function* () {
    for (let i = 0; i < 2_000; i++) {
      if (yield* cond) return
      yield* Effect.yieldNow()
    }
    return yield* Effect.dieMessage(`never happened: ${what}`)
  })
