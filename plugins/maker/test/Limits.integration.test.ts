/**
 * The maker plans within the Risk limits: against kalshi-sim over real HTTP/WebSocket on 127.0.0.1, with the
 * real Risk engine (`risk.global.maxOrderSize` 20, below `programs.maxSize` 100) handed to the maker as the
 * runner does (`Strategy.OrderLimits` from `RiskEngine.limitsNow`), every order asked for is within the limit and
 * Risk denies none; without the limits service the same maker asks for more and is refused (the control).
 */
import { Decimal as D, Exchange, Ids, Incentive, Order, type Risk, Strategy } from "@alpha-hunter/core"
import { KalshiExchange } from "@alpha-hunter/kalshi"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { RiskConfig, RiskEngine } from "@alpha-hunter/risk"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { layer } from "../src/Maker.js"
import { decode } from "../src/MakerConfig.js"
import { strategyEnv } from "./env.js"

const WIDE = "KXLIML-26DEC31-WIDE" // cent grid, 6-tick spread
const DECI = "KXLIML-26DEC31-DECI" // deci-cent grid
const PLAIN = "KXLIML-26DEC31-NONE" // no program: the plain rule
const crowd: ReadonlyArray<readonly [string, "buy" | "sell", string, string]> = [
  [WIDE, "buy", "0.40", "200"],
  [WIDE, "buy", "0.39", "200"],
  [WIDE, "sell", "0.46", "200"],
  [WIDE, "sell", "0.47", "200"],
  [DECI, "buy", "0.300", "250"],
  [DECI, "buy", "0.299", "150"],
  [DECI, "sell", "0.310", "250"],
  [DECI, "sell", "0.311", "150"],
  [PLAIN, "buy", "0.20", "50"],
  [PLAIN, "sell", "0.30", "50"]
]

interface Asked {
  readonly side: string
  readonly amount: D.Decimal
  readonly decision: string
}

const connect = (sim: KalshiSim.SimHandle, key: KalshiSim.GeneratedKey) =>
  Layer.build(
    KalshiExchange.layer({
      restUrl: sim.restUrl,
      wsUrl: sim.wsUrl,
      apiKeyId: key.keyId,
      privateKey: key.privateKeyPem,
      markets: {}
    })
  )

/** One run: every create and amend the maker asked Risk for, and our orders resting at the end. */
const run = (withLimits: boolean) =>
  Effect.scoped(
    Effect.gen(function* () {
      const start = Date.now()
      const sim = yield* KalshiSim.make({
        port: 0,
        seed: 11,
        markets: [
          { ticker: WIDE, priceLevelStructure: "linear_cent" },
          { ticker: DECI, priceLevelStructure: "deci_cent" },
          { ticker: PLAIN, priceLevelStructure: "linear_cent" }
        ],
        incentives: [WIDE, DECI].map((ticker) => ({
          ticker,
          startMs: start - 3_600_000,
          endMs: start + 23 * 3_600_000,
          periodRewardCentiCents: 1_000_000,
          targetSize: 300,
          discountFactorBps: 5000
        }))
      })
      const others = Context.get(yield* connect(sim, yield* sim.generateKey({ type: "ed25519" })), Exchange.Exchange)
      for (const [symbol, side, price, amount] of crowd) {
        yield* others.createOrder(
          Order.OrderRequest.make({
            symbol: Ids.Symbol.make(symbol),
            side,
            price: D.d(price),
            amount: D.d(amount),
            postOnly: true
          })
        )
      }
      const ours = yield* connect(sim, yield* sim.generateKey({ type: "ed25519" }))
      const exchange = Context.get(ours, Exchange.Exchange)
      const engine = yield* RiskEngine.make(
        yield* RiskConfig.decode({ global: { maxOrderSize: "20", maxOrderNotional: "50", maxPosition: "500" } })
      )
      yield* engine.registerMarkets(exchange.id, yield* exchange.fetchMarkets())
      // Risk as the execution engine sees it, recording what was asked
      const asked: Array<Asked> = []
      const risk: Risk.RiskService = {
        ...engine,
        check: (intent) =>
          Effect.tap(engine.check(intent), (d) =>
            Effect.sync(() => {
              if (intent._tag === "Create") {
                asked.push({ side: intent.request.side, amount: intent.request.amount, decision: decisionOf(d) })
              } else if (intent._tag === "Amend") {
                const amount = intent.edit.amount ?? intent.current.amount
                asked.push({ side: intent.current.side, amount, decision: decisionOf(d) })
              }
            })
          )
      }
      const scope = { venue: exchange.id, strategy: "maker" }
      let env = Context.add(
        yield* strategyEnv(exchange, "maker", risk),
        Incentive.IncentivePrograms,
        Context.get(ours, Incentive.IncentivePrograms)
      )
      if (withLimits) {
        // as the runner provides it (apps/runner/src/StrategyEnv.ts)
        env = Context.add(env, Strategy.OrderLimits, { limits: (symbol) => engine.limitsNow(scope, symbol) })
      }
      const config = yield* decode({
        mode: "liquidity",
        markets: [WIDE, DECI, PLAIN],
        params: { orderSize: "30", minSpreadTicks: 2 },
        programs: { minRestMs: 0 }
      })
      const strategy = Context.get(
        yield* Layer.build(layer(config, { id: "maker" })).pipe(Effect.provide(env)),
        Strategy.Strategy
      )
      yield* Effect.forkScoped(strategy.run)
      // until the maker has asked in every market (both sides) and a few book updates went by
      for (let i = 0; asked.length < 6 || i < 10; i++) {
        if (i >= 200) return yield* Effect.dieMessage(`fewer than 6 orders asked for after 20 s: ${asked.length}`)
        yield* Effect.sleep(100)
      }
      yield* Effect.sleep(1_000)
      const open = yield* exchange.fetchOpenOrders()
      return { asked: [...asked], open }
    })
  )

const decisionOf = (d: Risk.RiskDecision) => (d._tag === "Approved" ? "OK" : d.reason)

describe("the maker sizes within the Risk limits (kalshi-sim, real Risk engine)", () => {
  it.live(
    "maxOrderSize 20 below programs.maxSize 100: no MAX_ORDER_SIZE denial, every order at most 20",
    () =>
      Effect.gen(function* () {
        const [limited, blind] = yield* Effect.all([run(true), run(false)], { concurrency: 2 })
        const denials = (r: typeof limited) => r.asked.filter((a) => a.decision !== "OK").map((a) => a.decision)
        assert.deepStrictEqual(denials(limited), [], "Risk denied nothing")
        for (const a of limited.asked) assert.isTrue(a.amount <= D.int(20), `${a.side} ${D.format(a.amount)} ≤ 20`)
        // quoted in every market, both sides, and the program quotes planned up to the limit
        const markets = new Set(limited.open.map((o) => o.symbol))
        assert.deepStrictEqual([...markets].sort(), [DECI, PLAIN, WIDE].sort())
        assert.strictEqual(limited.open.length, 6)
        for (const o of limited.open) assert.isTrue(o.remaining <= D.int(20), `${o.symbol} ${D.format(o.remaining)}`)
        assert.isTrue(
          limited.open.some((o) => o.remaining === D.int(20)),
          "a quote sized right up to the limit"
        )
        // the control: the same maker without the limits asks for more and is refused
        assert.include(denials(blind), "MAX_ORDER_SIZE")
      }),
    30_000
  )
})
