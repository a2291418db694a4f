/**
 * A deliberately broken strategy for tests: every `everyMs` it crosses the spread in each market — buys
 * `size` at the best ask, next time sells it at the best bid (IOC, taker) — so it pays the spread and taker
 * fees on every round trip.
 */
import { Decimal as D, Ids, Order, Plugin, Strategy } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"

export const CrosserConfig = Schema.Struct({
  markets: Schema.Array(Schema.String),
  everyMs: Schema.Int.pipe(Schema.positive()),
  size: D.Positive
})

export const plugin = Plugin.strategyPlugin({
  name: "crosser",
  description: "test only: crosses the spread on every tick",
  config: CrosserConfig,
  layer: (c: typeof CrosserConfig.Type, ctx: { readonly id: string }) =>
    Layer.effect(
      Strategy.Strategy,
      Effect.gen(function* () {
        const md = yield* Strategy.MarketData
        const gw = yield* Strategy.OrderGateway
        let buy = true
        const once = Effect.forEach(
          c.markets,
          (symbol) =>
            Effect.gen(function* () {
              const v = yield* Stream.runHead(md.book(Ids.Symbol.make(symbol)).pipe(Stream.take(1)))
              if (Option.isNone(v)) return
              const book = v.value
              const level = book.bestLevel(buy ? "ask" : "bid")
              if (level < 0) return
              yield* gw
                .submit(
                  Order.request({
                    symbol: Ids.Symbol.make(symbol),
                    side: buy ? "buy" : "sell",
                    type: "limit",
                    price: book.grid.priceAt(level),
                    amount: c.size,
                    timeInForce: "IOC",
                    postOnly: false,
                    reduceOnly: false
                  })
                )
                .pipe(Effect.ignore)
            }),
          { discard: true }
        )
        const run = Effect.gen(function* () {
          for (;;) {
            yield* Effect.sleep(c.everyMs)
            yield* once
            buy = !buy
          }
        })
        return { id: ctx.id, run }
      })
    )
})
