/** Conformance cases — Streams: the Decimal and the integer book, our orders. */
import { Decimal as D, type OrderBook as OB, type Order } from "@alpha-hunter/core"
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
  type Options,
  type OrderBook,
  ok,
  placeRestingBuy,
  streamRefused
} from "./Ctx.js"

export const streamsCases = <R>(options: Options<R>): ReadonlyArray<Case<R>> => {
  const def = defineCase(options)
  return [
    def("streams.orderBook", "watchOrderBook emits a valid book, then the change our order makes", (ctx) =>
      Effect.gen(function* () {
        if (ctx.ex.has.watchOrderBook === false) {
          yield* streamRefused(
            "watchOrderBook (has false)",
            ctx.ex.watchOrderBook(ctx.symbol),
            ctx.streamTimeout,
            "NotSupported"
          )
          return
        }
        const books = yield* collect(ctx.ex.watchOrderBook(ctx.symbol))
        const validate = (b: OrderBook) =>
          Effect.flatMap(ctx.now, (now) =>
            expectNone("watchOrderBook", Invariants.checkOrderBook(b, ctx.market, { now }))
          )
        const first = yield* awaitMatch("watchOrderBook snapshot", books, ctx.streamTimeout, () => true, validate)
        const low = ctx.grid.priceAt(0)
        const before = first.bids.find(([p]) => p === low)?.[1] ?? D.ZERO
        const { order } = yield* placeRestingBuy(ctx, "resting buy")
        yield* awaitMatch(
          "watchOrderBook change",
          books,
          ctx.streamTimeout,
          (b) => (b.bids.find(([p]) => p === low)?.[1] ?? D.ZERO) >= D.add(before, order.amount),
          validate
        )
      })
    ),

    def("streams.book", "watchBook emits integer views on the market's grid, then the change our order makes", (ctx) =>
      Effect.gen(function* () {
        if (ctx.ex.has.watchBook === false) {
          yield* streamRefused("watchBook (has false)", ctx.ex.watchBook(ctx.symbol), ctx.streamTimeout, "NotSupported")
          return
        }
        const views = yield* collect(ctx.ex.watchBook(ctx.symbol))
        let version = Number.NEGATIVE_INFINITY
        const validate = (v: OB.BookView) =>
          Effect.gen(function* () {
            const now = yield* ctx.now
            yield* expectThat("watchBook version", v.version > version, `${v.version} after ${version}`)
            version = v.version
            yield* expectThat("watchBook grid", v.grid.size === ctx.grid.size, `${v.grid.size} levels`)
            const book = v.toOrderBook()
            yield* expectNone("watchBook view", Invariants.checkOrderBook(book, ctx.market, { now }))
            // the integers are the Decimal book's levels and lots
            for (const side of ["bid", "ask"] as const) {
              const ls = v.levels(side)
              const levels = side === "bid" ? book.bids : book.asks
              const same =
                ls.levels.length === levels.length &&
                levels.every(
                  ([p, a], i) => v.grid.priceAt(ls.levels[i]!) === p && D.mulInt(v.lotStep, ls.lots[i]!) === a
                )
              yield* expectThat(`watchBook ${side} levels`, same, "integers and Decimal book disagree")
            }
            yield* expectThat(
              "watchBook best bid",
              v.bestLevel("bid") === (book.bids[0] === undefined ? -1 : ctx.grid.levelOf(book.bids[0][0])),
              `level ${v.bestLevel("bid")}`
            )
          })
        const lotsAt0 = (v: OB.BookView) => {
          const ls = v.levels("bid")
          for (let i = 0; i < ls.levels.length; i++) if (ls.levels[i] === 0) return ls.lots[i]!
          return 0
        }
        const first = yield* awaitMatch("watchBook first view", views, ctx.streamTimeout, () => true, validate)
        const before = D.mulInt(first.lotStep, lotsAt0(first))
        const { order } = yield* placeRestingBuy(ctx, "resting buy")
        yield* awaitMatch(
          "watchBook change",
          views,
          ctx.streamTimeout,
          (v) => D.mulInt(v.lotStep, lotsAt0(v)) >= D.add(before, order.amount),
          validate
        )
      })
    ),

    def("streams.orders", "watchOrders sees our create and cancel", (ctx) =>
      Effect.gen(function* () {
        if (ctx.ex.has.watchOrders === false) {
          yield* streamRefused(
            "watchOrders (has false)",
            ctx.ex.watchOrders(ctx.symbol),
            ctx.streamTimeout,
            "NotSupported"
          )
          return
        }
        const events = yield* collect(ctx.ex.watchOrders(ctx.symbol))
        yield* Effect.sleep(ctx.subscribeDelay)
        const { order } = yield* placeRestingBuy(ctx, "resting buy")
        const validate = (o: Order.Order) => checkOrder(ctx, "watchOrders event", o)
        yield* awaitMatch(
          "watchOrders (create)",
          events,
          ctx.streamTimeout,
          (o) => o.id === order.id && o.status === "open",
          validate
        )
        yield* ok("cancelOrder", ctx.ex.cancelOrder(order.id, ctx.symbol))
        yield* awaitMatch(
          "watchOrders (cancel)",
          events,
          ctx.streamTimeout,
          (o) => o.id === order.id && o.status === "canceled",
          validate
        )
      })
    )
  ]
}
