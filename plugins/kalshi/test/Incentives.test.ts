/** Programs and fees from the venue: `GET /incentive_programs` and each series' fee_type, over real HTTP. */
import { Decimal as D, Exchange, Fee, Incentive } from "@alpha-hunter/core"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as parseMarket from "../src/internal/parseMarket.js"
import * as KalshiExchange from "../src/KalshiExchange.js"
import { optionsFor } from "./utils.js"

const MAKER = "KXLIPF-26DEC31-T1"
const FREE = "KXLIPQ-26DEC31-T1"

const build = (options: KalshiSim.Options) =>
  Effect.gen(function* () {
    const sim = yield* KalshiSim.make({ port: 0, ...options })
    const opts = yield* optionsFor(sim)
    const ctx = yield* Layer.build(KalshiExchange.layer(opts))
    return {
      sim,
      exchange: Context.get(ctx, Exchange.Exchange),
      programs: Context.get(ctx, Incentive.IncentivePrograms)
    }
  })

describe("incentive programs and fees from the venue", () => {
  it.scopedLive("IncentivePrograms: every page of the active and upcoming programs, in dollars and factors", () =>
    Effect.gen(function* () {
      // 1 200 markets → more programs than one page of 1 000
      const markets = Array.from({ length: 1_200 }, (_, i) => ({ ticker: `KXP-26DEC31-T${i}` }))
      const { sim, programs } = yield* build({
        markets,
        incentives: [
          ...markets.map((m) => ({ ticker: m.ticker, periodRewardCentiCents: 200_000, targetSize: 300 })),
          {
            ticker: markets[0]!.ticker,
            startMs: Date.now() + 9 * 3_600_000,
            periodRewardCentiCents: 1_000_000,
            targetSize: 1000,
            discountFactorBps: 5000
          },
          { ticker: markets[1]!.ticker, startMs: Date.now() - 3 * 86_400_000, periodRewardCentiCents: 10_000 }
        ]
      })
      const all = yield* programs.refresh
      // the closed program is not read
      assert.strictEqual(all.length, 1_201)
      assert.deepStrictEqual(yield* programs.current, all)
      const now = sim.nowSync()
      const upcoming = all.filter((p) => Incentive.statusAt(p, now) === "upcoming")
      assert.strictEqual(upcoming.length, 1)
      assert.strictEqual(D.format(upcoming[0]!.periodReward), "100")
      assert.strictEqual(D.format(upcoming[0]!.targetSize!), "1000")
      assert.strictEqual(D.format(upcoming[0]!.discountFactor!), "0.5")
      const first = yield* programs.forSymbol(markets[0]!.ticker)
      assert.strictEqual(first.length, 2)
      assert.isTrue(first.every((p) => p.kind === "liquidity"))
      assert.strictEqual(D.format(first.find((p) => p !== upcoming[0])!.periodReward), "20")
    })
  )

  it.scopedLive("followed programs: closed, then paid out, each told once; a program not followed is not told", () =>
    Effect.gen(function* () {
      const markets = [{ ticker: "KXP-26DEC31-T0" }, { ticker: "KXP-26DEC31-T1" }]
      // the first ends 3 s from now: room for a slow start on a loaded machine (it must still be active when
      // first read); the test then sleeps only until it has ended
      const endMs = Date.now() + 3_000
      const { sim, programs } = yield* build({
        markets,
        incentives: markets.map((m, i) => ({
          ticker: m.ticker,
          periodRewardCentiCents: 200_000,
          targetSize: 100,
          ...(i === 0 ? { endMs } : {})
        }))
      })
      assert.deepStrictEqual(yield* programs.refreshEnded, [], "nothing followed")
      const all = yield* programs.refresh
      const ours = all.find((p) => p.symbol === markets[0]!.ticker)
      const other = all.find((p) => p.symbol === markets[1]!.ticker)
      if (ours === undefined || other === undefined)
        return assert.fail(`both programs listed while active: ${all.length}`)
      yield* programs.follow([ours])
      yield* programs.follow([ours]) // once
      assert.deepStrictEqual(yield* programs.refreshEnded, [], "still active")
      yield* Effect.sleep(Math.max(0, endMs - Date.now()) + 200)
      assert.deepStrictEqual(
        (yield* programs.refreshEnded).map((c) => [c.program.id, c.status]),
        [[ours.id, "closed"]]
      )
      assert.deepStrictEqual(yield* programs.refreshEnded, [], "closed is told once")
      // both paid out at the venue: only the followed one is told, and it leaves the active list
      yield* sim.control.setProgram(ours.id, { paidOut: true })
      yield* sim.control.setProgram(other.id, { paidOut: true })
      const changes = yield* programs.refreshEnded
      assert.deepStrictEqual(
        changes.map((c) => [c.program.id, c.status, c.program.paidOut]),
        [[ours.id, "paid_out", true]]
      )
      assert.strictEqual(D.format(changes[0]!.program.periodReward), "20")
      assert.isFalse((yield* programs.current).some((p) => p.id === ours.id))
      assert.deepStrictEqual(
        (yield* programs.takeChanges).map((c) => [c.program.id, c.status]),
        [
          [ours.id, "closed"],
          [ours.id, "paid_out"]
        ]
      )
      assert.deepStrictEqual(yield* programs.takeChanges, [], "taken once")
      // paid out is final: no longer followed, not told again
      assert.deepStrictEqual(yield* programs.refreshEnded, [])
      assert.deepStrictEqual(yield* programs.takeChanges, [])
    })
  )

  it.scopedLive(
    "a program told paid out is final: out of the list, never followed or told again (also by a holder of its old copy)",
    () =>
      Effect.gen(function* () {
        const markets = [{ ticker: "KXP-26DEC31-T0" }]
        const { sim, programs } = yield* build({
          markets,
          incentives: [{ ticker: markets[0]!.ticker, periodRewardCentiCents: 200_000, targetSize: 100 }]
        })
        const [ours] = yield* programs.refresh
        yield* programs.follow([ours!])
        yield* sim.control.setProgram(ours!.id, { paidOut: true })
        assert.deepStrictEqual(
          (yield* programs.refreshEnded).map((c) => [c.program.id, c.status]),
          [[ours!.id, "paid_out"]]
        )
        // the next read of the active list, and a scorer that still holds the program it read before
        yield* programs.refresh
        assert.isFalse((yield* programs.current).some((p) => p.id === ours!.id))
        yield* programs.follow([ours!])
        assert.deepStrictEqual(yield* programs.refreshEnded, [])
        // a read of the active list that raced the change to paid out (listed active once more): still out
        yield* sim.control.setProgram(ours!.id, { paidOut: false })
        yield* programs.refresh
        assert.isFalse((yield* programs.current).some((p) => p.id === ours!.id))
        assert.deepStrictEqual(
          (yield* programs.takeChanges).map((c) => [c.program.id, c.status]),
          [[ours!.id, "paid_out"]]
        )
      })
  )

  it.scopedLive("each market's fee model is its series' fee_type: maker fees only where the series charges them", () =>
    Effect.gen(function* () {
      const { exchange } = yield* build({
        markets: [
          { ticker: MAKER, seriesTicker: "KXLIPF", feeType: "quadratic_with_maker_fees" },
          { ticker: FREE, seriesTicker: "KXLIPQ", feeType: "quadratic", feeMultiplier: 0.5 }
        ],
        incentives: false
      })
      const ms = yield* exchange.loadMarkets()
      const maker = ms.get(MAKER as never)!.fees as Fee.QuadraticFee
      const free = ms.get(FREE as never)!.fees as Fee.QuadraticFee
      assert.strictEqual(D.format(maker.makerRate), "0.0175")
      assert.strictEqual(D.format(maker.takerRate), "0.07")
      assert.strictEqual(D.format(free.makerRate), "0")
      assert.strictEqual(D.format(free.multiplier), "0.5")
      // the model prices a fill as the venue does (REFERENCE §10: 10 @ 0.52 as maker → $0.0437)
      assert.strictEqual(D.format(Fee.compute(maker, D.d("0.52"), D.int(10), "maker"), 4), "0.0437")
      assert.strictEqual(D.format(Fee.compute(free, D.d("0.52"), D.int(10), "taker"), 4), "0.0874")
    })
  )

  it.scopedLive(
    "a reload reads fee types afresh and tells each scheduled fee change once (GET /series/fee_changes)",
    () =>
      Effect.gen(function* () {
        const { sim, exchange } = yield* build({
          markets: [{ ticker: FREE, seriesTicker: "KXLIPQ", feeType: "quadratic" }],
          incentives: false
        })
        const makerRate = (ms: ReadonlyMap<unknown, { readonly fees: Fee.FeeModel }>) =>
          D.format((ms.get(FREE)!.fees as Fee.QuadraticFee).makerRate)
        assert.strictEqual(makerRate(yield* exchange.loadMarkets()), "0")
        yield* sim.control.setSeriesFee("KXLIPQ", "quadratic_with_maker_fees")
        assert.strictEqual(makerRate(yield* exchange.loadMarkets()), "0", "cached until a reload")
        assert.strictEqual(makerRate(yield* exchange.loadMarkets(true)), "0.0175")
        // a change scheduled ahead is told at the next reload, once
        const at = Date.now() + 3_600_000
        yield* sim.control.setSeriesFee("KXLIPQ", "quadratic", undefined, at)
        const logs: Array<string> = []
        const logger = Logger.make(({ message }) => void logs.push(String(message)))
        const capture = <A, E>(e: Effect.Effect<A, E>) =>
          e.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
        yield* capture(exchange.loadMarkets(true))
        yield* capture(exchange.loadMarkets(true))
        const told = logs.filter((l) => l.includes("series KXLIPQ changes its fees to quadratic"))
        assert.strictEqual(told.length, 1, logs.join("\n"))
        assert.include(told[0]!, new Date(at).toISOString().slice(0, 16))
      })
  )

  it("fee models of every fee_type", () => {
    const f = (t: string | undefined, m?: number) => parseMarket.feeModel(t, m) as Fee.QuadraticFee
    assert.strictEqual(D.format(f("quadratic_with_combo_maker_fees").makerRate), "0.035")
    assert.strictEqual(D.format(f("quadratic").makerRate), "0")
    assert.strictEqual(D.format(f("flat").takerRate), "0.07")
    assert.strictEqual(D.format(f(undefined).multiplier), "1")
    assert.strictEqual(D.format(f("quadratic", 1.25).multiplier), "1.25")
  })
})
