/**
 * A deliberately broken strategy (it crosses the spread on every tick) loses in the backtest of the sample
 * tape, and loses about as much live against the simulator replaying that same tape.
 */
import { join } from "node:path"
import { FillModel } from "@alpha-hunter/backtest"
import { Decimal as D } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Backtest from "../src/Backtest.js"
import * as Journal from "../src/Journal.js"
import { registry } from "../src/Plugins.js"
import type { AnyStrategyPlugin } from "../src/Registry.js"
import * as Report from "../src/Report.js"
import { resolve } from "../src/Resolve.js"
import * as Run from "../src/Run.js"
import * as Crosser from "./Crosser.js"
import { runnerRoot, tempDir } from "./helpers.js"

const tape = join(runnerRoot, "tapes", "sim-sample")
const SPEED = 6
const TAPE_MS = 90_000

const withCrosser = {
  venues: registry.venues,
  strategies: { ...registry.strategies, crosser: Crosser.plugin as unknown as AnyStrategyPlugin }
}

const config = (everyMs: number) => ({
  venues: { sim: { type: "kalshi-sim", markets: 8, seed: 1, flow: 0, replay: { tape, speed: SPEED } } },
  strategies: {
    x: { plugin: "crosser", venue: "sim", markets: { status: "open", limit: 4 }, everyMs, size: "2" }
  },
  risk: {
    global: {
      maxOrderSize: "50",
      maxOrderNotional: "50",
      maxPosition: "100",
      maxGrossExposure: "2000",
      maxOpenOrders: 100,
      orderRate: { max: 200, windowMs: 1000 },
      priceBand: { minBuy: "0.01", maxBuy: "0.99", minSell: "0.01", maxSell: "0.99" },
      maxDailyLoss: "1000"
    }
  },
  run: { sampleIntervalMs: 1000 }
})

const resolved = (everyMs: number) =>
  Either.match(resolve("broken", config(everyMs), withCrosser), { onLeft: Effect.fail, onRight: Effect.succeed })

describe("a broken strategy, backtested and live on the replaying simulator", () => {
  it.scopedLive(
    "crossing the spread every 6 s of tape loses in both, live within 0.5×–2× of the backtest's loss",
    () =>
      Effect.gen(function* () {
        const dir = tempDir()
        // backtest: every 6 s of tape time
        const bt = yield* Backtest.run(yield* resolved(6_000), {
          tape,
          journal: join(dir, "bt.sqlite"),
          fill: FillModel.FillModel.make({ orderLatencyMs: 50 })
        })
        // live: the simulator replays the tape 6 × faster, so every second of real time is 6 s of tape
        const live = yield* Effect.scoped(
          Effect.gen(function* () {
            const journal = yield* Journal.make(join(dir, "live.sqlite"))
            const h = yield* Run.start(yield* resolved(1_000), { log: () => Effect.void }).pipe(
              Effect.provideService(Journal.Journal, journal)
            )
            yield* Effect.sleep(`${TAPE_MS / SPEED} millis`)
            yield* h.pullQuotes
            return Report.compute(yield* journal.query(), {})
          })
        )
        const b = bt.report.totals
        const l = live.totals
        const msg = `backtest P&L ${D.format(b.pnl)} (${D.format(b.takerContracts)} taker contracts), live ${D.format(l.pnl)} (${D.format(l.takerContracts)})`
        yield* Effect.logInfo(msg)
        assert.isTrue(D.isNegative(b.pnl) && D.isNegative(l.pnl), msg)
        assert.isTrue(D.isPositive(b.takerContracts) && D.isPositive(l.takerContracts), msg)
        const ratio = D.toNumberLossy(l.pnl) / D.toNumberLossy(b.pnl)
        assert.isTrue(ratio >= 0.5 && ratio <= 2, `${msg}: ratio ${ratio.toFixed(2)}`)
      }),
    120_000
  )
})
