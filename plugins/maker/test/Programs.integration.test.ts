/**
 * Program-aware quoting against kalshi-sim over real HTTP/WebSocket on 127.0.0.1: the same simulator set-up
 * (seed, markets, programs, others' resting orders) and the same limits, once with program-aware quoting
 * (the default) and once with it off (the plain rule), judged by the simulator's own LIP scorer.
 */
import { Decimal as D, Exchange, Ids, Incentive, Order, Strategy } from "@alpha-hunter/core"
import { KalshiExchange } from "@alpha-hunter/kalshi"
import { KalshiSigning, KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { layer } from "../src/Maker.js"
import { decode } from "../src/MakerConfig.js"
import { strategyEnv } from "./env.js"

const WIDE = "KXLIPM-26DEC31-WIDE" // cent grid, 6-tick spread
const ONE = "KXLIPM-26DEC31-ONE" // cent grid, 1-tick spread: only joining the best can score
const DECI = "KXLIPM-26DEC31-DECI" // deci-cent grid
const NONE = "KXLIPM-26DEC31-NONE" // no program
const PROGRAM_MARKETS = [WIDE, ONE, DECI]

/** Others' resting orders: [side, price, contracts]; each side has 400 ≥ Target 300, so every snapshot counts. */
const crowd: ReadonlyArray<readonly [string, "buy" | "sell", string, string]> = [
  [WIDE, "buy", "0.40", "200"],
  [WIDE, "buy", "0.39", "200"],
  [WIDE, "sell", "0.46", "200"],
  [WIDE, "sell", "0.47", "200"],
  [ONE, "buy", "0.50", "200"],
  [ONE, "buy", "0.49", "200"],
  [ONE, "sell", "0.51", "200"],
  [ONE, "sell", "0.52", "200"],
  [DECI, "buy", "0.300", "250"],
  [DECI, "buy", "0.299", "150"],
  [DECI, "sell", "0.310", "250"],
  [DECI, "sell", "0.311", "150"],
  [NONE, "buy", "0.20", "50"],
  [NONE, "sell", "0.30", "50"]
]

export interface Outcome {
  /** per program market: the simulator's reward before the $1 minimum (centi-cents) and at-best snapshots */
  readonly lip: ReadonlyMap<string, { readonly earned: number; readonly atBest: number; readonly snapshots: number }>
  /** our resting orders at the end, "side price xsize", per market */
  readonly quotes: ReadonlyMap<string, ReadonlyArray<string>>
  /** dollars tied up by our resting orders (YES bids: price × size; asks, i.e. NO bids: (1 − price) × size) */
  readonly collateral: D.Decimal
  /** every order our account ever sent (any status), from the simulator */
  readonly created: number
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

/**
 * One run: a fresh simulator (same seed), the others' orders, the maker until `resting` of our orders rest and
 * then `ms` more (a few of the simulator's once-a-second snapshots), then the simulator's scores.
 */
const run = (programs: boolean, resting: number, ms: number) =>
  Effect.scoped(
    Effect.gen(function* () {
      const start = Date.now()
      const sim = yield* KalshiSim.make({
        port: 0,
        seed: 7,
        markets: [
          { ticker: WIDE, priceLevelStructure: "linear_cent" },
          { ticker: ONE, priceLevelStructure: "linear_cent" },
          { ticker: DECI, priceLevelStructure: "deci_cent" },
          { ticker: NONE, priceLevelStructure: "linear_cent" }
        ],
        incentives: PROGRAM_MARKETS.map((ticker) => ({
          ticker,
          startMs: start - 3_600_000,
          endMs: start + 23 * 3_600_000,
          periodRewardCentiCents: 1_000_000, // $100 a day
          targetSize: 300,
          discountFactorBps: 5000
        })),
        lipScoring: true
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
      const key = yield* sim.generateKey({ type: "ed25519" })
      const ours = yield* connect(sim, key)
      const exchange = Context.get(ours, Exchange.Exchange)
      const env = Context.add(
        yield* strategyEnv(exchange),
        Incentive.IncentivePrograms,
        Context.get(ours, Incentive.IncentivePrograms)
      )
      const config = yield* decode({
        mode: "liquidity",
        markets: [WIDE, ONE, DECI, NONE],
        params: { orderSize: "2", minSpreadTicks: 2, maxPosition: "500" },
        programs: { enabled: programs }
      })
      const strategy = Context.get(
        yield* Layer.build(layer(config, { id: "maker" })).pipe(Effect.provide(env)),
        Strategy.Strategy
      )
      yield* Effect.forkScoped(strategy.run)
      for (let i = 0; (yield* exchange.fetchOpenOrders()).length < resting; i++) {
        if (i >= 200) return yield* Effect.dieMessage(`fewer than ${resting} orders resting after 20 s`)
        yield* Effect.sleep(100)
      }
      yield* Effect.sleep(ms)
      const open = yield* exchange.fetchOpenOrders()
      const quotes = new Map<string, Array<string>>()
      let collateral = D.ZERO
      for (const o of open) {
        quotes.set(o.symbol, [
          ...(quotes.get(o.symbol) ?? []),
          `${o.side} ${D.format(o.price)} x${D.format(o.remaining)}`
        ])
        collateral = D.add(collateral, D.mul(o.side === "buy" ? o.price : D.sub(D.ONE, o.price), o.remaining))
      }
      const lip = new Map<string, { earned: number; atBest: number; snapshots: number }>()
      for (const p of yield* sim.incentives.programs) {
        const r = yield* sim.incentives.lip(p.id, key.userId)
        lip.set(p.ticker, { earned: r.earnedCentiCents, atBest: r.atBestSnapshots, snapshots: r.snapshots })
      }
      const created = yield* Effect.promise(async () => {
        const path = "/trade-api/v2/portfolio/orders"
        const headers = KalshiSigning.signHeaders(
          { keyId: key.keyId, privateKeyPem: key.privateKeyPem },
          "GET",
          path,
          Date.now()
        )
        const res = await fetch(`${sim.restUrl}/portfolio/orders?limit=1000`, { headers })
        return ((await res.json()) as { orders: ReadonlyArray<unknown> }).orders.length
      })
      return { lip, quotes, collateral, created } satisfies Outcome
    })
  )

const total = (o: Outcome) => [...o.lip.values()].reduce((a, r) => a + r.earned, 0)

describe("program-aware quoting on kalshi-sim", () => {
  it.live(
    "earns ≥ 3 × the plain rule's projected reward and more per dollar of collateral; two-sided in every program market",
    () =>
      Effect.gen(function* () {
        const [aware, plain] = yield* Effect.all([run(true, 8, 2_500), run(false, 6, 2_500)], { concurrency: 2 })
        const sorted = (o: Outcome, s: string) => [...(o.quotes.get(s) ?? [])].sort()
        // the plain rule: one tick inside, orderSize 2; nothing in the 1-tick market
        assert.deepStrictEqual(sorted(plain, WIDE), ["buy 0.41 x2", "sell 0.45 x2"])
        assert.deepStrictEqual(sorted(plain, ONE), [])
        // program-aware: in front of everyone with at least Target/5 where there is room, joining the best where
        // the spread is one tick; the market without a program keeps orderSize
        for (const s of PROGRAM_MARKETS) assert.strictEqual(aware.quotes.get(s)?.length, 2, `two-sided in ${s}`)
        const [bid, ask] = sorted(aware, ONE)
        assert.match(bid!, /^buy 0\.5 x/)
        assert.match(ask!, /^sell 0\.51 x/)
        assert.match(sorted(aware, WIDE)[0]!, /^buy 0\.41 x/)
        assert.deepStrictEqual(sorted(aware, NONE), ["buy 0.21 x2", "sell 0.29 x2"])
        // no flicker: one order per side and market, each left resting (the books hold still here)
        assert.strictEqual(aware.created, 8)
        for (const s of PROGRAM_MARKETS) {
          const r = aware.lip.get(s)!
          assert.isAtLeast(r.atBest, 1, `at the best on both sides in ${s}`)
          assert.isAbove(r.earned, 0, `scores in ${s}`)
        }
        const a = total(aware)
        const p = total(plain)
        assert.isAbove(p, 0, "the plain rule scores too")
        assert.isAtLeast(a, 3 * p, `program-aware ${a} vs plain ${p} centi-cents`)
        // reward per dollar of collateral: a / ca > p / cp  ⇔  a × cp > p × ca
        assert.isTrue(
          D.mulInt(plain.collateral, a) > D.mulInt(aware.collateral, p),
          `per dollar: ${a} / ${D.format(aware.collateral)} vs ${p} / ${D.format(plain.collateral)}`
        )
      }),
    30_000
  )
})
