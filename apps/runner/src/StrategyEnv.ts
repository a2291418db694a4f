/** A strategy's environment: read-only data for its venue and a gateway through the execution engine. */
import { Decimal as D, Exchange, ExchangeError, Ids, Incentive, type Order, Risk, Strategy } from "@alpha-hunter/core"
import { OrderTracker } from "@alpha-hunter/execution"
import type { RiskEngine } from "@alpha-hunter/risk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import type { ResolvedStrategy } from "./Resolve.js"
import type { VenueSession } from "./Venues.js"
/** Builds a strategy's environment: read-only data for its venue and a gateway through the execution engine. */
export const strategyEnv = (
  session: VenueSession,
  s: ResolvedStrategy,
  symbols: ReadonlyArray<string>,
  risk: RiskEngine.RiskEngineService,
  quoted: Ref.Ref<ReadonlySet<string>>
) =>
  Effect.gen(function* () {
    const gateway = yield* session.engine.gateway(s.name, s.prefix)
    const venueId = Ids.VenueId.make(session.name)
    const marketData = Strategy.MarketData.of({
      venue: venueId,
      markets: Effect.succeed(symbols.map((x) => session.markets.get(x)!).filter((m) => m !== undefined)),
      market: (symbol) => {
        const m = session.markets.get(symbol)
        return m === undefined
          ? Effect.fail(
              new ExchangeError.BadSymbol({ venue: session.name, message: `unknown market ${symbol}`, symbol })
            )
          : Effect.succeed(m)
      },
      // the strategy edge: the one place views are conflated (latest wins: the view is taken when it pulls)
      book: (symbol) => session.book(symbol),
      ...(session.followBook !== undefined ? { followBook: session.followBook } : {})
    })
    const mine = (t: OrderTracker.Tracked) => t.strategy === s.name
    const ownFill = (f: Order.Fill) => f.clientOrderId?.startsWith(s.prefix) === true
    const portfolio = Strategy.Portfolio.of({
      openOrders: (symbol) =>
        Effect.map(symbol === undefined ? session.engine.live : session.engine.liveIn(symbol), (ts) =>
          ts.filter(mine).map(OrderTracker.toOrder)
        ),
      positions: Effect.gen(function* () {
        const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
        const out: Array<Order.Position> = []
        for (const symbol of symbols) {
          const amount = yield* risk.position(session.name, symbol, s.name)
          out.push({
            symbol: Ids.Symbol.make(symbol),
            amount,
            cost: D.ZERO,
            realizedPnl: D.ZERO,
            feesPaid: D.ZERO,
            timestamp: now
          } as Order.Position)
        }
        return out
      }),
      position: (symbol) => risk.position(session.name, symbol, s.name),
      // the strategy's own (by client order id prefix), filtered before they are buffered for it
      orders: Exchange.ordersWhere(session.exchange, (o) => o.clientOrderId?.startsWith(s.prefix) === true),
      fills: Exchange.myTradesWhere(session.exchange, ownFill),
      // the same fills by a loop (the strategies' path: no stream channel per batch)
      followFills: (f) => Exchange.runMyTradeBatches(session.exchange, ownFill, f)
    })
    // Halted means quiet: while the strategy's scope (global, venue, strategy) or the market is halted or
    // paused, its quotes there are pulled at its next decision and then nothing is asked — no request, no
    // denial, no journal entry per book update — until a resume (one Ref read per decision to know).
    const scope = { venue: session.name, strategy: s.name }
    // a market the venue (or the drift tripwire) has paused is quiet the same way
    const halted = (symbol: string) =>
      session.markets.get(symbol)?.status === "paused"
        ? Effect.succeed(true)
        : Effect.map(risk.stateNow(scope, symbol), (st) => st === "HALTED")
    const pull = (symbol: Ids.Symbol) =>
      Effect.flatMap(session.engine.liveIn(symbol), (ts) =>
        ts.some((t) => mine(t) && t.status !== "unknown")
          ? gateway.setQuotes(Strategy.quoteTarget({ symbol, bids: [], asks: [] }))
          : Effect.void
      )
    // a halt or pause pulls our quotes in the markets it covers at once, whatever the strategy does next (a
    // strategy that keeps a resting quote may not decide again for a while): not only at its next decision
    const covers = (c: Risk.StateChange) =>
      c.scope === undefined ||
      ((c.scope.venue === "*" || c.scope.venue === session.name) &&
        (c.scope.strategy === undefined || c.scope.strategy === s.name))
    yield* risk.changes.pipe(
      Stream.filter((c) => c.state === "HALTED" && covers(c)),
      Stream.runForEach((c) =>
        Effect.gen(function* () {
          const symbols = new Set(
            (yield* session.engine.live).filter((t) => mine(t) && t.status === "open").map((t) => t.symbol)
          )
          for (const symbol of symbols) {
            if (c.scope?.symbol !== undefined && c.scope.symbol !== symbol) continue
            if (yield* halted(symbol)) yield* pull(symbol)
          }
        }).pipe(Effect.catchAllCause((cause) => Effect.logWarning(`[${s.name}] pulling quotes at a halt`, cause)))
      ),
      Effect.forkScoped
    )
    // the set is copied only when a market is quoted for the first time (not on every decision)
    const markQuoted = (key: string) =>
      Effect.flatMap(Ref.get(quoted), (q) =>
        q.has(key) ? Effect.void : Ref.update(quoted, (x) => new Set(x).add(key))
      )
    const trackingGateway = Strategy.OrderGateway.of({
      ...gateway,
      setQuotes: (target) =>
        Effect.flatMap(halted(target.symbol), (h) =>
          h
            ? pull(target.symbol)
            : Effect.zipRight(markQuoted(`${session.name}:${target.symbol}`), gateway.setQuotes(target))
        ),
      submit: (request) =>
        Effect.flatMap(halted(request.symbol), (h) =>
          h
            ? Effect.fail(
                new Risk.RiskDenied({
                  reason: "TRADING_HALTED",
                  message: `trading is halted for ${session.name} in ${request.symbol}`,
                  venue: session.name,
                  symbol: request.symbol
                })
              )
            : gateway.submit(request)
        )
    })
    // the Risk limits on its next order, read-only (one Ref read): a strategy sizes within them, not by refusal
    const orderLimits = Strategy.OrderLimits.of({ limits: (symbol) => risk.limitsNow(scope, symbol) })
    const env = Context.make(Strategy.MarketData, marketData).pipe(
      Context.add(Strategy.Portfolio, portfolio),
      Context.add(Strategy.OrderGateway, trackingGateway),
      Context.add(Strategy.OrderLimits, orderLimits)
    )
    // the venue's incentive programs, read-only, when it has them: an optional service (`Effect.serviceOption`)
    return Option.match(session.incentives, {
      onNone: () => env,
      onSome: (programs) => Context.add(env, Incentive.IncentivePrograms, programs)
    })
  })
