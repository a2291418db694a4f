import { Decimal as D, Ids, Risk, Strategy } from "@alpha-hunter/core"
import { PaperConfig, PaperVenue } from "@alpha-hunter/paper"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Scope from "effect/Scope"
import { layer } from "../src/Maker.js"
import { decode, type MakerConfigInput } from "../src/MakerConfig.js"
import { allowAll, eventually, strategyEnv } from "./env.js"

const M = Ids.Symbol.make("M-1")

const setup = (configInput: MakerConfigInput, risk?: Risk.RiskService) =>
  Effect.gen(function* () {
    const { exchange, venue } = yield* PaperVenue.make(
      PaperConfig.PaperConfig.make({ generate: PaperConfig.GeneratedMarkets.make({ count: 1, prefix: "M" }) })
    )
    const rest = (side: "buy" | "sell", price: string, amount: string) =>
      venue.addLiquidity({ symbol: M, side, price: D.d(price), amount: D.d(amount) }).pipe(Effect.orDie)
    const env = yield* strategyEnv(exchange, "maker", risk)
    const config = yield* decode(configInput)
    const scope = yield* Scope.make()
    const ctx = yield* Layer.buildWithScope(layer(config, { id: "maker" }), scope).pipe(Effect.provide(env))
    const strategy = Context.get(ctx, Strategy.Strategy)
    const fiber = yield* Effect.fork(strategy.run)
    const open = exchange.fetchOpenOrders({ symbol: M })
    const quotes = Effect.map(open, (os) =>
      os
        .map((o) => `${o.side} ${D.format(o.price)} x${D.format(o.remaining)}`)
        .sort()
        .join(", ")
    )
    const stop = Effect.gen(function* () {
      yield* Fiber.interrupt(fiber)
      yield* Scope.close(scope, Exit.void)
    })
    return { exchange, venue, rest, open, quotes, stop }
  })

describe("maker on the paper venue", () => {
  it.scoped("liquidity mode: one tick inside, never jumps itself, follows the book, pulls quotes on stop", () =>
    Effect.gen(function* () {
      const t = yield* setup({ mode: "liquidity", markets: ["M-1"], params: { orderSize: "10" } })
      yield* t.rest("buy", "0.40", "100")
      yield* t.rest("sell", "0.50", "100")
      yield* eventually(
        Effect.map(t.quotes, (q) => q === "buy 0.41 x10, sell 0.49 x10"),
        "quotes 0.41 / 0.49"
      )
      const ids = (yield* t.open).map((o) => o.id).sort()
      // our own orders changed the book: no requote, no jumping ourselves
      for (let i = 0; i < 200; i++) yield* Effect.yieldNow()
      assert.deepStrictEqual((yield* t.open).map((o) => o.id).sort(), ids)
      // someone steps in front: we follow one tick above them
      yield* t.rest("buy", "0.42", "5")
      yield* eventually(
        Effect.map(t.quotes, (q) => q === "buy 0.43 x10, sell 0.49 x10"),
        "bid follows to 0.43"
      )
      // two ticks between the others' best bid (0.42) and ask (0.44): one level inside; flat, so the bid
      // takes it and the ask joins the best ask
      yield* t.rest("sell", "0.44", "5")
      yield* eventually(
        Effect.map(t.quotes, (q) => q === "buy 0.43 x10, sell 0.44 x10"),
        "tight: bid in, ask joins"
      )
      // the others' spread closes below 2 ticks: the market is skipped (quotes pulled)
      yield* t.venue.cancelAllExternal(M)
      yield* t.rest("buy", "0.43", "5")
      yield* t.rest("sell", "0.44", "5")
      yield* eventually(
        Effect.map(t.quotes, (q) => q === ""),
        "quotes pulled on a tight spread"
      )
      yield* t.venue.cancelAllExternal(M)
      yield* t.rest("buy", "0.30", "50")
      yield* t.rest("sell", "0.60", "50")
      yield* eventually(
        Effect.map(t.quotes, (q) => q === "buy 0.31 x10, sell 0.59 x10"),
        "quotes back"
      )
      yield* t.stop
      assert.strictEqual((yield* t.open).length, 0, "finalizer canceled our quotes")
    })
  )

  it.scoped("execution mode: works a target as a maker bid under the price cap", () =>
    Effect.gen(function* () {
      const t = yield* setup({
        mode: "execution",
        execution: { targets: [{ symbol: "M-1", position: "6", maxPrice: "0.45" }] }
      })
      yield* t.rest("buy", "0.44", "100")
      yield* t.rest("sell", "0.60", "100")
      yield* eventually(
        Effect.map(t.quotes, (q) => q === "buy 0.45 x6"),
        "bid at the 0.45 cap"
      )
      // someone sells into our bid: 4 filled, 2 left to work
      yield* t.venue.take({ symbol: M, side: "sell", price: D.d("0.45"), amount: D.d("4") })
      yield* eventually(
        Effect.map(t.exchange.fetchPositions(), (ps) => ps[0]?.amount === D.d("4")),
        "position 4 after the fill"
      )
      yield* t.stop
    })
  )

  it.scoped("execution mode, tight spread with fallback take: an IOC within the caps", () =>
    Effect.gen(function* () {
      const t = yield* setup({
        mode: "execution",
        execution: {
          targets: [{ symbol: "M-1", position: "5", maxPrice: "0.52" }],
          fallback: "take",
          maxTakeCostPerContract: "0.05"
        }
      })
      yield* t.rest("buy", "0.50", "100")
      yield* t.rest("sell", "0.51", "3")
      yield* t.rest("sell", "0.53", "100")
      yield* eventually(
        Effect.map(t.exchange.fetchPositions(), (ps) => ps[0]?.amount === D.d("3")),
        "took the 3 within the 0.52 cap"
      )
      const trades = yield* t.exchange.fetchMyTrades()
      assert.strictEqual(trades[0]?.takerOrMaker, "taker")
      yield* t.stop
    })
  )

  it.scoped("execution mode, rollout fraction 0: every target goes through the taker path", () =>
    Effect.gen(function* () {
      const t = yield* setup({
        mode: "execution",
        execution: { targets: [{ symbol: "M-1", position: "-2" }], rolloutFraction: 0, minPrice: "0.30" }
      })
      yield* t.rest("buy", "0.40", "100")
      yield* t.rest("sell", "0.60", "100")
      // wide spread, but the taker path sells at once; the cost cap (0.02 default) would refuse 0.10 slippage
      for (let i = 0; i < 500; i++) yield* Effect.yieldNow()
      assert.strictEqual((yield* t.exchange.fetchPositions()).length, 0, "refused: slippage above the cap")
      yield* t.rest("buy", "0.59", "10")
      yield* eventually(
        Effect.map(t.exchange.fetchPositions(), (ps) => ps[0]?.amount === D.d("-2")),
        "sold 2 at 0.59"
      )
      yield* t.stop
    })
  )

  it.scoped("halted means quiet: refusals because trading is halted are not warnings", () =>
    Effect.gen(function* () {
      const warnings: Array<string> = []
      let refusals = 0
      const halted: Risk.RiskService = {
        ...allowAll,
        check: () =>
          Effect.sync(() => {
            refusals++
            return new Risk.Denied({ reason: "TRADING_HALTED", message: "venue halted: desync" })
          })
      }
      const logger = Logger.make(({ logLevel, message }) => {
        if (LogLevel.greaterThanEqual(logLevel, LogLevel.Warning)) warnings.push(String(message))
      })
      yield* Effect.gen(function* () {
        const t = yield* setup({ mode: "liquidity", markets: ["M-1"], params: { orderSize: "10" } }, halted)
        yield* t.rest("buy", "0.40", "100")
        yield* t.rest("sell", "0.50", "100")
        for (let i = 0; i < 5; i++) {
          yield* t.rest("buy", `0.3${i}`, "1")
          yield* eventually(
            Effect.sync(() => refusals > i),
            "the maker tries to quote"
          )
        }
        assert.strictEqual(yield* t.quotes, "")
        yield* t.stop
      }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      assert.isAtLeast(refusals, 5)
      assert.deepStrictEqual(warnings, [])
    })
  )
})
