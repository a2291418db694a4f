/**
 * Benchmark — lip_quoting. The maker in liquidity mode against kalshi-sim over real HTTP/WebSocket, twice on
 * the same set-up (seed, markets, programs, others' resting orders, synthetic flow) and the same limits: with
 * program-aware quoting (the default) and with it off (`programs.enabled: false`, the plain rule: one tick
 * inside, `orderSize`). 12 markets: 9 with a liquidity program ($100 a day, Target 300, DF 0.5) on cent,
 * deci-cent and tapered grids — a third of them with a one-tick spread — and 3 without. An "others" account
 * rests 300–600 contracts a side on each program market (so snapshots count), and the simulator's synthetic
 * participants move the books at 2 actions/s (they also trade against our quotes).
 *
 * Figures, per mode: the projected reward (the simulator's own LIP scorer — the second implementation — over
 * its once-a-second snapshots, summed over the program markets, before the $1 minimum; the snapshots so far
 * stand for the whole period), the average collateral of our resting orders (YES bids: price × size; asks, i.e.
 * NO bids: (1 − price) × size; sampled every second from the execution engine), reward per dollar of collateral,
 * and the creates and cancels sent. Both runs go at the same time, each on its own simulator.
 */
import { Decimal as D, Exchange, Ids, Incentive, Order, Risk, Strategy } from "@alpha-hunter/core"
import { ExecutionEngine, ExecutionJournal, OrderTracker } from "@alpha-hunter/execution"
import { KalshiExchange } from "@alpha-hunter/kalshi"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { Maker, MakerConfig } from "@alpha-hunter/maker"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Stream from "effect/Stream"

const STRUCTS = ["linear_cent", "deci_cent", "tapered_deci_cent"] as const

interface MarketSetup {
  readonly ticker: string
  readonly structure: (typeof STRUCTS)[number]
  readonly program: boolean
  /** others' orders: [side, price, contracts] */
  readonly crowd: ReadonlyArray<readonly ["buy" | "sell", string, number]>
}

/** A small seeded generator (the set-up is the same for both modes). */
const lcg = (seed: number) => {
  let x = seed >>> 0
  return () => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0
    return x / 0x1_0000_0000
  }
}

export const markets = (seed: number): ReadonlyArray<MarketSetup> => {
  const rnd = lcg(seed)
  const out: Array<MarketSetup> = []
  for (let i = 0; i < 12; i++) {
    const structure = STRUCTS[i % 3]!
    const program = i < 9
    const cents = 25 + Math.floor(rnd() * 50) // best bid 0.25 … 0.74
    const spread = program && i % 3 === 1 ? 1 : 2 + Math.floor(rnd() * 5) // every third program market: one tick
    const p = (c: number) => (c / 100).toFixed(2)
    const size = () => 150 + Math.floor(rnd() * 150)
    out.push({
      ticker: `KXLIPB-26DEC31-M${i}`,
      structure,
      program,
      crowd: program
        ? [
            ["buy", p(cents), size()],
            ["buy", p(cents - 1), size()],
            ["sell", p(cents + spread), size()],
            ["sell", p(cents + spread + 1), size()]
          ]
        : [
            ["buy", p(cents), 40],
            ["sell", p(cents + spread), 40]
          ]
    })
  }
  return out
}

const allow: Risk.RiskService = {
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

export interface ModeResult {
  readonly projected_reward_usd: number
  readonly avg_collateral_usd: number
  readonly reward_per_collateral_usd: number
  readonly program_markets_scoring: number
  readonly snapshots: number
  readonly creates: number
  readonly cancels: number
}

const mode = (programs: boolean, setup: ReadonlyArray<MarketSetup>, seconds: number, seed: number) =>
  Effect.scoped(
    Effect.gen(function* () {
      const start = Date.now()
      const sim = yield* KalshiSim.make({
        port: 0,
        seed,
        markets: setup.map((m) => ({ ticker: m.ticker, priceLevelStructure: m.structure })),
        incentives: setup
          .filter((m) => m.program)
          .map((m) => ({
            ticker: m.ticker,
            startMs: start - 3_600_000,
            endMs: start + 23 * 3_600_000,
            periodRewardCentiCents: 1_000_000,
            targetSize: 300,
            discountFactorBps: 5000
          })),
        lipScoring: true
      })
      const others = Context.get(yield* connect(sim, yield* sim.generateKey()), Exchange.Exchange)
      for (const m of setup) {
        for (const [side, price, amount] of m.crowd) {
          yield* others.createOrder(
            Order.OrderRequest.make({
              symbol: Ids.Symbol.make(m.ticker),
              side,
              price: D.d(price),
              amount: D.int(amount),
              postOnly: true
            })
          )
        }
      }
      const key = yield* sim.generateKey()
      const ctx = yield* connect(sim, key)
      const ex = Context.get(ctx, Exchange.Exchange)
      const journal = yield* ExecutionJournal.memory
      const engine = yield* ExecutionEngine.make({
        venue: ex.id,
        exchange: ex,
        risk: allow,
        journal,
        strategyOf: (cid) => (cid?.startsWith("maker-") === true ? "maker" : undefined)
      })
      yield* ex.watchOrders().pipe(Stream.runForEach(engine.onOrder), Effect.forkScoped)
      yield* ex.watchMyTrades().pipe(Stream.runForEach(engine.onFill), Effect.forkScoped)
      const env = Context.make(Strategy.MarketData, {
        venue: ex.id,
        markets: ex.fetchMarkets(),
        market: (symbol: Ids.Symbol) =>
          Effect.flatMap(ex.loadMarkets(), (ms) => Effect.orDie(Effect.fromNullable(ms.get(symbol)))),
        book: (symbol: Ids.Symbol) => ex.watchBook(symbol)
      }).pipe(
        Context.add(Strategy.Portfolio, {
          openOrders: (symbol?: Ids.Symbol) =>
            Effect.map(symbol === undefined ? engine.live : engine.liveIn(symbol), (ts) =>
              ts.map(OrderTracker.toOrder)
            ),
          positions: ex.fetchPositions(),
          position: (symbol: Ids.Symbol) =>
            Effect.map(ex.fetchPositions([symbol]), (ps) => ps.find((x) => x.symbol === symbol)?.amount ?? D.ZERO),
          orders: ex.watchOrders(),
          fills: ex.watchMyTrades()
        }),
        Context.add(Strategy.OrderGateway, yield* engine.gateway("maker", "maker-")),
        Context.add(Incentive.IncentivePrograms, Context.get(ctx, Incentive.IncentivePrograms))
      )
      const config = yield* MakerConfig.decode({
        mode: "liquidity",
        markets: setup.map((m) => m.ticker),
        params: { orderSize: "2", minSpreadTicks: 2, maxPosition: "400" },
        programs: { enabled: programs }
      })
      const strategy = Context.get(
        yield* Layer.build(Maker.layer(config, { id: "maker" })).pipe(Effect.provide(env)),
        Strategy.Strategy
      )
      yield* sim.control.setFlowRate(2)
      yield* Effect.forkScoped(strategy.run)
      // collateral of our resting orders, every second
      let collateral = D.ZERO
      for (let s = 0; s < seconds; s++) {
        yield* Effect.sleep(1_000)
        for (const o of (yield* engine.live).map(OrderTracker.toOrder)) {
          collateral = D.add(collateral, D.mul(o.side === "buy" ? o.price : D.sub(D.ONE, o.price), o.remaining))
        }
      }
      let earned = 0
      let scoring = 0
      let snapshots = 0
      for (const p of yield* sim.incentives.programs) {
        const r = yield* sim.incentives.lip(p.id, key.userId)
        earned += r.earnedCentiCents
        if (r.earnedCentiCents > 0) scoring++
        snapshots = Math.max(snapshots, r.snapshots)
      }
      const stats = yield* engine.stats
      const avg = D.toNumberLossy(collateral) / seconds
      const reward = earned / 10_000
      return {
        projected_reward_usd: reward,
        avg_collateral_usd: Math.round(avg * 100) / 100,
        reward_per_collateral_usd: avg > 0 ? Math.round((reward / avg) * 10_000) / 10_000 : 0,
        program_markets_scoring: scoring,
        snapshots,
        creates: stats.creates,
        cancels: stats.cancels
      } satisfies ModeResult
    })
  )

export interface LipQuotingOptions {
  readonly seconds: number
  readonly seed: number
  readonly log: (line: string) => void
}

export const run = (o: LipQuotingOptions) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const setup = markets(o.seed)
      const [aware, plain] = yield* Effect.all(
        [mode(true, setup, o.seconds, o.seed), mode(false, setup, o.seconds, o.seed)],
        { concurrency: 2 }
      )
      o.log(`lip_quoting: program-aware ${JSON.stringify(aware)}`)
      o.log(`lip_quoting: plain ${JSON.stringify(plain)}`)
      return {
        seconds: o.seconds,
        markets: setup.length,
        program_markets: setup.filter((m) => m.program).length,
        aware,
        plain
      }
    }).pipe(Logger.withMinimumLogLevel(LogLevel.Warning))
  )
