/**
 * One risk configuration guarding two venues at once, end to end: each venue's orders go through the
 * production gateway (the execution engine: Risk → journal → venue) and each venue's order/fill streams feed
 * the same risk engine (Tracking.track).
 *
 * The venues are listed in `venues` below: a paper venue, and the Kalshi plugin trading a kalshi-sim over
 * real loopback HTTP and WebSocket (with a second account that rests other participants' orders).
 */
import { Decimal as D, Exchange, Ids, Order, type Risk } from "@alpha-hunter/core"
import { KalshiExchange } from "@alpha-hunter/kalshi"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { PaperConfig, PaperVenue } from "@alpha-hunter/paper"
import { RiskConfig, RiskEngine, Tracking } from "@alpha-hunter/risk"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as ExecutionEngine from "../src/ExecutionEngine.js"
import * as ExecutionJournal from "../src/ExecutionJournal.js"

interface VenueUnderTest {
  readonly name: string
  /** two markets to trade in */
  readonly symbols: readonly [string, string]
  /** a whole-cent price at which a post-only buy rests without crossing */
  readonly quietBid: string
  readonly build: Effect.Effect<
    {
      readonly exchange: Exchange.ExchangeService
      /** rests another participant's order */
      readonly rest: (symbol: string, side: Order.Side, price: string, amount: string) => Effect.Effect<void>
    },
    unknown,
    Scope.Scope
  >
}

const paper = (name: string): VenueUnderTest => ({
  name,
  symbols: ["M-1", "M-2"],
  quietBid: "0.40",
  build: Effect.map(
    PaperVenue.make(
      PaperConfig.PaperConfig.make({
        venue: Ids.VenueId.make(name),
        generate: PaperConfig.GeneratedMarkets.make({ count: 2, prefix: "M" })
      })
    ),
    ({ exchange, venue }) => ({
      exchange,
      rest: (symbol, side, price, amount) =>
        venue
          .addLiquidity({ symbol: Ids.Symbol.make(symbol), side, price: D.d(price), amount: D.d(amount) })
          .pipe(Effect.orDie, Effect.asVoid)
    })
  )
})

const kalshiSim = (name: string): VenueUnderTest => ({
  name,
  symbols: ["KXSIMA-26DEC31-E0-M0", "KXSIMA-26DEC31-E1-M0"],
  quietBid: "0.02",
  build: Effect.gen(function* () {
    const sim = yield* KalshiSim.make({ markets: 6, seed: 11 })
    const connect = (venue: string) =>
      Effect.gen(function* () {
        const key = yield* sim.generateKey()
        const ctx = yield* Layer.build(
          KalshiExchange.layer({
            restUrl: sim.restUrl,
            wsUrl: sim.wsUrl,
            apiKeyId: key.keyId,
            privateKey: key.privateKeyPem,
            venue
          })
        )
        return Context.get(ctx, Exchange.Exchange)
      })
    const exchange = yield* connect(name)
    const other = yield* connect(`${name}-other`)
    return {
      exchange,
      rest: (symbol: string, side: Order.Side, price: string, amount: string) =>
        other
          .createOrder(
            Order.OrderRequest.make({ symbol: Ids.Symbol.make(symbol), side, price: D.d(price), amount: D.d(amount) })
          )
          .pipe(Effect.orDie, Effect.asVoid)
    }
  })
})

const venues: ReadonlyArray<VenueUnderTest> = [paper("paper-a"), kalshiSim("kalshi-sim")]

const config = RiskConfig.decodeSync({
  global: { maxDailyLoss: "1" },
  venues: { "paper-a": { maxPosition: "5" } },
  onBreach: { maxDailyLoss: "halt-all", maxPosition: "halt-venue" }
})

/** Waits (up to 10 s) until a condition holds (streams deliver on other fibers, the venue over the network). */
const eventually = (cond: Effect.Effect<boolean>, what: string) =>
  Effect.gen(function* () {
    for (let i = 0; i < 500; i++) {
      if (yield* cond) return
      yield* Effect.sleep("20 millis")
    }
    assert.fail(`never happened: ${what}`)
  })

const buy = (symbol: string, price: string, amount: string, tif: Order.TimeInForce = "GTC") =>
  Order.OrderRequest.make({
    symbol: Ids.Symbol.make(symbol),
    side: "buy",
    price: D.d(price),
    amount: D.d(amount),
    timeInForce: tif,
    postOnly: tif === "GTC"
  })

describe("one risk config, two venues", () => {
  it.scopedLive("a breach on one venue does what the config says on both (paper + kalshi-sim)", () =>
    Effect.gen(function* () {
      const engine = yield* RiskEngine.RiskEngine
      const journal = yield* ExecutionJournal.memory
      const setups = yield* Effect.forEach(venues, (v) =>
        Effect.gen(function* () {
          const built = yield* v.build
          const scope: Risk.RiskScope = { venue: v.name, strategy: "maker" }
          yield* Tracking.track(scope).pipe(Effect.provideService(Exchange.Exchange, built.exchange))
          const prefix = `${v.name}-`
          const execution = yield* ExecutionEngine.make({
            venue: v.name,
            exchange: built.exchange,
            risk: engine,
            journal,
            strategyOf: (cid) => (cid?.startsWith(prefix) === true ? "maker" : undefined)
          })
          yield* built.exchange.watchOrders().pipe(Stream.runForEach(execution.onOrder), Effect.forkScoped)
          const gateway = yield* execution.gateway("maker", prefix)
          return { ...v, ...built, scope, gateway }
        })
      )
      const [a, b] = setups as [(typeof setups)[0], (typeof setups)[0]]
      const [a1, a2] = a.symbols
      const [b1, b2] = b.symbols
      const attempt = (g: typeof a, r: Order.OrderRequest) =>
        Effect.either(g.gateway.submit(r)).pipe(
          Effect.map((e) => (Either.isRight(e) ? "OK" : e.left._tag === "RiskDenied" ? e.left.reason : e.left._tag))
        )

      // both venues trade
      assert.strictEqual(yield* attempt(a, buy(a1, a.quietBid, "5")), "OK")
      assert.strictEqual(yield* attempt(b, buy(b1, b.quietBid, "5")), "OK")
      // venue A's own limit: worst case 5 resting + 1 > 5 → denied, and A (only) halts
      assert.strictEqual(yield* attempt(a, buy(a2, a.quietBid, "1")), "OK")
      assert.strictEqual(yield* attempt(a, buy(a1, a.quietBid, "1")), "MAX_POSITION")
      assert.strictEqual(yield* engine.state(a.scope), "HALTED")
      assert.strictEqual(yield* engine.state(b.scope), "ACTIVE")
      assert.strictEqual(yield* attempt(a, buy(a2, "0.30", "1")), "TRADING_HALTED")
      assert.strictEqual(yield* attempt(b, buy(b2, b.quietBid, "1")), "OK")

      // venue B loses money: buys 10 at 0.50 from someone, then the market marks at 0.35 (−1.5 > 1)
      yield* b.rest(b2, "sell", "0.50", "10")
      assert.strictEqual(yield* attempt(b, buy(b2, "0.50", "10", "IOC")), "OK")
      yield* eventually(
        Effect.map(engine.position(b.name, b2), (p) => p === D.d("10")),
        "venue B's fill reaches the engine"
      )
      yield* engine.onMark(b.scope, b2, D.d("0.35"))
      // halt-all: both venues stop
      assert.strictEqual(yield* engine.state(), "HALTED")
      assert.strictEqual(yield* attempt(b, buy(b1, b.quietBid, "1")), "TRADING_HALTED")
      assert.strictEqual(yield* attempt(a, buy(a1, "0.30", "1")), "TRADING_HALTED")
      // cancels still pass on both
      const open = yield* a.exchange.fetchOpenOrders()
      assert.isAbove(open.length, 0)
      yield* a.gateway.cancel(open[0]!.symbol, open[0]!.id)

      // resume globally: B may reduce; A stays halted by its own venue-level breach until resumed on its own
      yield* engine.resume("operator reviewed", undefined)
      assert.strictEqual(yield* engine.state(b.scope), "ACTIVE")
      assert.strictEqual(yield* engine.state(a.scope), "HALTED")
      assert.strictEqual(yield* attempt(b, Order.OrderRequest.make({ ...buy(b2, "0.98", "10"), side: "sell" })), "OK")
      // the loss is still past the limit: a new exposure is a new breach, and halt-all applies again
      assert.strictEqual(yield* attempt(b, buy(b1, b.quietBid, "1")), "DAILY_LOSS")
      assert.strictEqual(yield* engine.state(), "HALTED")
      yield* engine.resume("operator reviewed again", undefined)
      yield* engine.resume("venue reviewed", { venue: "paper-a" })
      assert.strictEqual(yield* engine.state(a.scope), "ACTIVE")
      const reasons = (yield* engine.history).map((c) => c.reason)
      assert.isTrue(reasons.some((r) => r.includes("maxPosition breached (venue paper-a)")))
      assert.isTrue(reasons.some((r) => r.includes("maxDailyLoss breached (global)")))
    }).pipe(Effect.provide(RiskEngine.layer(config)))
  )
})
