/**
 * A direct `OrderGateway`: Risk ∘ Exchange with no batching or amend logic. Every create and amend is
 * checked by Risk first (a denial fails with `RiskDenied` and nothing is sent); cancels always pass.
 * `setQuotes` keeps orders that already match, cancels the rest and creates what is missing, post-only.
 * The runner's order manager is the optimised version of this; this one serves tests and simple setups.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as D from "./Decimal.js"
import { Exchange } from "./Exchange.js"
import { ClientOrderId } from "./Ids.js"
import { type Order, OrderRequest, type Side } from "./Order.js"
import { Risk, RiskDenied, type RiskScope } from "./Risk.js"
import { OrderGateway, type OrderGatewayService, type Quote, type QuoteTarget } from "./Strategy.js"

export interface GatewayOptions {
  readonly scope: RiskScope
  /** prefix of every client order id this gateway generates (identifies our orders after a restart) */
  readonly clientIdPrefix: string
}

export const make = (options: GatewayOptions): Effect.Effect<OrderGatewayService, never, Exchange | Risk> =>
  Effect.gen(function* () {
    const exchange = yield* Exchange
    const risk = yield* Risk
    const counter = yield* Ref.make(0)
    // start time in base 36 keeps ids unique across restarts without any stored state
    const epoch = (yield* Effect.clockWith((c) => c.currentTimeMillis)).toString(36)
    const nextClientOrderId = Ref.getAndUpdate(counter, (n) => n + 1).pipe(
      Effect.map((n) => ClientOrderId.make(`${options.clientIdPrefix}${epoch}-${n.toString(36)}`))
    )

    const submit = (request: OrderRequest) =>
      Effect.gen(function* () {
        const req =
          request.clientOrderId === undefined
            ? OrderRequest.make({ ...request, clientOrderId: yield* nextClientOrderId })
            : request
        const decision = yield* risk.check({ _tag: "Create", scope: options.scope, request: req })
        if (decision._tag === "Denied") {
          return yield* new RiskDenied({
            reason: decision.reason,
            message: decision.message,
            venue: options.scope.venue,
            symbol: req.symbol
          })
        }
        const order = yield* exchange.createOrder(req)
        yield* risk.onOrder(options.scope, order)
        return order
      })

    const matches = (o: Order, q: Quote) => o.price === q.price && o.remaining === q.amount
    const ours = (o: Order) => o.clientOrderId?.startsWith(options.clientIdPrefix) === true

    /** The orders of one side to cancel and the quotes to create so that `wanted` rests. */
    const diffSide = (side: Side, wanted: ReadonlyArray<Quote>, open: ReadonlyArray<Order>) => {
      const mine = open.filter((o) => o.side === side)
      const missing: Array<Quote> = []
      const kept = new Set<Order>()
      for (const q of wanted) {
        const hit = mine.find((o) => !kept.has(o) && matches(o, q))
        if (hit) kept.add(hit)
        else missing.push(q)
      }
      return { cancel: mine.filter((o) => !kept.has(o)), create: missing.map((q) => ({ side, q })) }
    }

    const cancelOrder = (o: Order) =>
      Effect.flatMap(exchange.cancelOrder(o.id, o.symbol), (canceled) => risk.onOrder(options.scope, canceled))

    // only this gateway's orders are touched; every cancel goes out before any create, so a new quote
    // never meets one of our stale ones
    const setQuotes = (target: QuoteTarget) =>
      Effect.gen(function* () {
        const open = (yield* exchange.fetchOpenOrders({ symbol: target.symbol })).filter(ours)
        const bids = diffSide("buy", target.bids, open)
        const asks = diffSide("sell", target.asks, open)
        for (const o of [...bids.cancel, ...asks.cancel]) yield* cancelOrder(o)
        for (const { side, q } of [...bids.create, ...asks.create]) {
          yield* submit(
            OrderRequest.make({
              symbol: target.symbol,
              side,
              price: q.price,
              amount: q.amount,
              postOnly: true,
              timeInForce: "GTC"
            })
          )
        }
      })

    return OrderGateway.of({
      venue: exchange.id,
      setQuotes,
      submit,
      cancel: (symbol, id) => Effect.flatMap(exchange.cancelOrder(id, symbol), (o) => risk.onOrder(options.scope, o)),
      // only our own orders: other strategies on the venue keep theirs
      cancelAll: (symbol) =>
        Effect.gen(function* () {
          const open = (yield* exchange.fetchOpenOrders(symbol === undefined ? {} : { symbol })).filter(ours)
          for (const o of open) yield* cancelOrder(o)
        }),
      nextClientOrderId
    })
  })

export const layer = (options: GatewayOptions): Layer.Layer<OrderGateway, never, Exchange | Risk> =>
  Layer.effect(OrderGateway, make(options))

/** Notional of an order request (price × amount), exact. */
export const notional = (r: { readonly price: D.Decimal; readonly amount: D.Decimal }): D.Decimal =>
  D.mul(r.price, r.amount)
