/** Conformance cases — Account: balances and positions (and the fills that move them). */
import { Decimal as D } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Invariants from "../Invariants.js"
import {
  awaitMatch,
  type Case,
  checkOrder,
  collect,
  defineCase,
  expectNone,
  expectThat,
  fail,
  foreignAsk,
  type Options,
  ok,
  placeRestingBuy,
  refused,
  request,
  streamRefused
} from "./Ctx.js"

export const accountCases = <R>(options: Options<R>): ReadonlyArray<Case<R>> => {
  const def = defineCase(options)
  return [
    def("account.balance", "fetchBalance: total = free + used, one entry per currency", (ctx) =>
      Effect.gen(function* () {
        if (ctx.ex.has.fetchBalance === false) {
          yield* refused("fetchBalance (has false)", ctx.ex.fetchBalance(), "NotSupported")
          return
        }
        const balances = yield* ok("fetchBalance", ctx.ex.fetchBalance())
        const seen = new Set<string>()
        const problems: Array<string> = []
        for (const b of balances) {
          if (seen.has(b.currency)) problems.push(`currency ${b.currency} listed twice`)
          seen.add(b.currency)
          problems.push(...Invariants.checkBalance(b))
        }
        yield* expectNone("fetchBalance", problems)
        // a resting buy reserves collateral: used must not fall
        const quote = ctx.market.kind._tag === "spot" ? ctx.market.kind.quote : ctx.market.currency
        const before = balances.find((b) => b.currency === quote)
        yield* placeRestingBuy(ctx, "resting buy")
        const afterAll = yield* ok("fetchBalance", ctx.ex.fetchBalance())
        yield* expectNone("fetchBalance with a resting order", afterAll.flatMap(Invariants.checkBalance))
        const after = afterAll.find((b) => b.currency === quote)
        if (before !== undefined && after !== undefined) {
          yield* expectThat(
            "fetchBalance with a resting order",
            after.used >= before.used,
            `used fell from ${D.format(before.used)} to ${D.format(after.used)} with a new resting buy`
          )
        }
      })
    ),

    def("account.positions", "fetchPositions: sound positions, filtered by symbol", (ctx) =>
      Effect.gen(function* () {
        if (ctx.ex.has.fetchPositions === false) {
          yield* refused("fetchPositions (has false)", ctx.ex.fetchPositions(), "NotSupported")
          return
        }
        const markets = yield* ok("loadMarkets", ctx.ex.loadMarkets())
        const positions = yield* ok("fetchPositions", ctx.ex.fetchPositions())
        const now = yield* ctx.now
        const seen = new Set<string>()
        const problems: Array<string> = []
        for (const p of positions) {
          if (seen.has(p.symbol)) problems.push(`position ${p.symbol} listed twice`)
          seen.add(p.symbol)
          problems.push(...Invariants.checkPosition(p, markets.get(p.symbol), now))
        }
        yield* expectNone("fetchPositions", problems)
        const one = yield* ok("fetchPositions([symbol])", ctx.ex.fetchPositions([ctx.symbol]))
        yield* expectThat(
          "fetchPositions([symbol])",
          one.every((p) => p.symbol === ctx.symbol),
          "returned positions of other symbols"
        )
      })
    ),

    def(
      "trades.take",
      "a taking IOC order fills and the fill shows in fetchMyTrades and watchMyTrades",
      (ctx) =>
        Effect.gen(function* () {
          const watching = ctx.ex.has.watchMyTrades !== false
          const fills = watching ? yield* collect(ctx.ex.watchMyTrades(ctx.symbol)) : undefined
          if (watching) yield* Effect.sleep(ctx.subscribeDelay)
          const positionOf =
            ctx.ex.has.fetchPositions === false || ctx.market.kind._tag !== "binary"
              ? Effect.succeed(undefined)
              : ok("fetchPositions", ctx.ex.fetchPositions([ctx.symbol])).pipe(
                  Effect.map((ps) => ps.find((p) => p.symbol === ctx.symbol)?.amount ?? D.ZERO)
                )
          const posBefore = yield* positionOf
          const ask = yield* foreignAsk(ctx, options, "seed")
          if (ask === undefined) return yield* fail("seed", "seedLiquidity is required")
          const req = request(ctx, { side: "buy", price: ask, timeInForce: "IOC", clientOrderId: yield* ctx.cid })
          const order = yield* ok("IOC createOrder", ctx.ex.createOrder(req))
          yield* checkOrder(ctx, "IOC order", order)
          yield* expectThat("IOC order", order.filled === ctx.amount, `filled ${D.format(order.filled)}`)
          yield* expectThat("IOC order", order.status === "closed", `status ${order.status}, expected closed`)
          const now = yield* ctx.now
          const trades = yield* ok("fetchMyTrades", ctx.ex.fetchMyTrades({ symbol: ctx.symbol }))
          const mine = trades.filter((t) => t.orderId === order.id)
          yield* expectNone(
            "fetchMyTrades",
            trades.flatMap((t) => Invariants.checkFill(t, ctx.market, now))
          )
          yield* expectThat("fetchMyTrades", mine.length > 0, `no fill of ${order.id}`)
          const total = D.sum(mine.map((t) => t.amount))
          yield* expectThat("fetchMyTrades", total === order.filled, `fills sum to ${D.format(total)}`)
          yield* expectNone(
            "fetchMyTrades fills",
            mine.flatMap((t) => [
              ...(t.side === "buy" ? [] : [`fill ${t.id} side ${t.side}`]),
              ...(t.takerOrMaker === "taker" ? [] : [`fill ${t.id} is ${t.takerOrMaker}, expected taker`]),
              ...(t.price <= ask ? [] : [`fill ${t.id} at ${D.format(t.price)} above the limit ${D.format(ask)}`]),
              ...(t.clientOrderId === undefined || t.clientOrderId === req.clientOrderId
                ? []
                : [`fill ${t.id} clientOrderId ${t.clientOrderId}`])
            ])
          )
          if (fills !== undefined) {
            let seen = D.ZERO
            yield* awaitMatch(
              "watchMyTrades",
              fills,
              ctx.streamTimeout,
              (f) => {
                if (f.orderId === order.id) seen = D.add(seen, f.amount)
                return seen >= order.filled
              },
              (f) => expectNone("watchMyTrades fill", Invariants.checkFill(f, ctx.market, now))
            )
          } else {
            yield* streamRefused(
              "watchMyTrades (has false)",
              ctx.ex.watchMyTrades(ctx.symbol),
              ctx.streamTimeout,
              "NotSupported"
            )
          }
          if (posBefore !== undefined) {
            const posAfter = yield* positionOf
            if (posAfter !== undefined) {
              const delta = D.sub(posAfter, posBefore)
              yield* expectThat("fetchPositions after the fill", delta === order.filled, `moved by ${D.format(delta)}`)
            }
          }
          if (ctx.ex.has.fetchBalance !== false) {
            const balances = yield* ok("fetchBalance", ctx.ex.fetchBalance())
            yield* expectNone("fetchBalance after the fill", balances.flatMap(Invariants.checkBalance))
          }
        }),
      "seedLiquidity"
    )
  ]
}
