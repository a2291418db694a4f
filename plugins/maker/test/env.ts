/** A StrategyEnv over a core Exchange as the runner provides it, with a permissive Risk, for integration tests. */
import { Decimal as D, type Exchange, ExchangeError, Risk, Strategy } from "@alpha-hunter/core"
import { ExecutionEngine, ExecutionJournal, OrderTracker } from "@alpha-hunter/execution"
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

/**
 * The production gateway: the execution engine (the same one the runner composes) over the venue, fed by
 * the venue's order stream as in the runner, with an in-memory journal.
 */
export const strategyEnv = (ex: Exchange.ExchangeService, strategy = "maker", risk: Risk.RiskService = allowAll) =>
  Effect.gen(function* () {
    const prefix = `${strategy}-`
    const journal = yield* ExecutionJournal.memory
    const engine = yield* ExecutionEngine.make({
      venue: ex.id,
      exchange: ex,
      risk,
      journal,
      strategyOf: (cid) => (cid?.startsWith(prefix) === true ? strategy : undefined)
    })
    yield* ex.watchOrders().pipe(Stream.runForEach(engine.onOrder), Effect.forkScoped)
    const gateway = yield* engine.gateway(strategy, prefix)
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
      book: (symbol) => ex.watchBook(symbol)
    }
    const pf: Strategy.PortfolioService = {
      openOrders: (symbol) =>
        Effect.map(symbol === undefined ? engine.live : engine.liveIn(symbol), (ts) =>
          ts.filter((t) => t.strategy === strategy).map(OrderTracker.toOrder)
        ),
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
