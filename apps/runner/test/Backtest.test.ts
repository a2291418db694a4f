/** Record a tape from the Kalshi simulator, then backtest it: deterministic, same report format as live. */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { FillModel } from "@alpha-hunter/backtest"
import { Decimal as D } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Backtest from "../src/Backtest.js"
import * as ConfigFile from "../src/ConfigFile.js"
import * as ConfigSet from "../src/ConfigSet.js"
import * as Journal from "../src/Journal.js"
import { registry } from "../src/Plugins.js"
import * as Record from "../src/Record.js"
import * as Report from "../src/Report.js"
import { resolve } from "../src/Resolve.js"
import { cli, makerYaml, runnerRoot, tempDir } from "./helpers.js"

const config = (flow: number) => `
venues:
  sim: { type: kalshi-sim, markets: 3, seed: 5, flow: ${flow} }
${makerYaml("sim", 3)}run: { sampleIntervalMs: 1000 }
`

const resolved = (dir: string, flow: number) =>
  Effect.gen(function* () {
    const file = join(dir, "bt.yaml")
    writeFileSync(file, config(flow))
    const raw = yield* ConfigFile.readFile(file)
    return yield* Either.match(resolve(file, raw, registry), { onLeft: Effect.fail, onRight: Effect.succeed })
  })

const resolvedDefault = Effect.gen(function* () {
  const file = join(runnerRoot, "config", "sim.yaml")
  const raw = yield* ConfigFile.readFile(file)
  return yield* Either.match(resolve(file, raw, registry), { onLeft: Effect.fail, onRight: Effect.succeed })
})

describe("record and backtest", () => {
  it.scopedLive(
    "a tape recorded from kalshi-sim, backtested twice, gives byte-identical reports (with our orders in them)",
    () =>
      Effect.gen(function* () {
        const dir = tempDir()
        const tape = join(dir, "tape")
        const r = yield* resolved(dir, 60)
        const recorded = yield* Effect.scoped(
          Effect.gen(function* () {
            const h = yield* Record.start(r, {
              dir: tape,
              markets: { status: "open", limit: 3 },
              log: () => Effect.void
            })
            yield* Effect.sleep("4 seconds")
            return yield* h.stats
          })
        )
        assert.isTrue(recorded.frames > 50, `frames: ${recorded.frames}`)
        assert.strictEqual(recorded.gaps, 0)
        const fill = FillModel.FillModel.make({ kind: "probabilistic", seed: 3 })
        const once = () =>
          Backtest.run(r, { tape, journal: join(dir, `j-${Math.random()}.sqlite`), fill }).pipe(
            Effect.map(Backtest.formatJson)
          )
        const a = yield* once()
        const b = yield* once()
        assert.strictEqual(a, b)
        const parsed = JSON.parse(a) as {
          report: { totals: { ordersPlaced: number } }
          backtest: { tape: { frames: number; markets: number }; attribution: Record<string, string> }
        }
        assert.isTrue(parsed.report.totals.ordersPlaced > 0)
        assert.strictEqual(parsed.backtest.tape.markets, 3)
        assert.isTrue(parsed.backtest.tape.frames >= recorded.frames - 10)
        // the attribution adds up, exactly
        const at = parsed.backtest.attribution
        const sum = [at["spread"]!, at["inventory"]!, at["fees"]!, at["rewards"]!].map(D.d).reduce(D.add)
        assert.strictEqual(D.format(sum), D.format(D.d(at["total"]!)))
      }),
    60_000
  )

  it.effect("the shipped sample tape backtests with the default config (the README's example)", () =>
    Effect.gen(function* () {
      const r = yield* resolvedDefault
      const journal = join(tempDir(), "sample.sqlite")
      const out = yield* Backtest.run(r, {
        tape: join(runnerRoot, "tapes", "sim-sample"),
        journal,
        fill: FillModel.FillModel.make({})
      })
      assert.strictEqual(out.summary.tape.markets, 8)
      assert.strictEqual(out.summary.tape.gaps, 0)
      // the report built as the journal was written is the report over the journal file read back
      const entries = yield* Effect.scoped(Effect.flatMap(Journal.make(journal), (j) => j.query()))
      assert.isTrue(entries.length > 100)
      assert.strictEqual(Report.formatJson(out.report), Report.formatJson(Report.compute(entries)))
      assert.isTrue(out.report.totals.ordersPlaced > 50, `orders ${out.report.totals.ordersPlaced}`)
      assert.isTrue(out.summary.markets.some((m) => m.fills > 0))
      // the tape's liquidity programs are scored every second of the replay (90 s), and their reward attributed
      const scored = out.summary.lip.filter((l) => l.snapshots > 0)
      assert.isTrue(scored.length > 0 && scored.every((l) => l.snapshots >= 89 && l.snapshots <= 91))
      assert.strictEqual(
        D.format(out.summary.attribution.rewards),
        D.format(D.sum(out.summary.lip.map((l) => l.earned)))
      )
      // the live report's LIP section sees the tape's programs as a live run sees the venue's (all 8 markets have
      // one on the sample tape): the run's sampler scored them, with the programs' own targets
      assert.strictEqual(out.report.lipTotals.programMarkets, 8)
      assert.isTrue(out.report.lipPrograms.length > 0 && out.report.lipPrograms.every((p) => p.snapshots > 0))
    })
  )

  it.effect("a strategy that warns on every decision: the run log keeps 200 lines and counts the rest by kind", () =>
    Effect.gen(function* () {
      // three open orders at most for eight markets: most of the maker's quotes are refused, each with a warning
      const r = yield* ConfigSet.loadWith(join(runnerRoot, "config", "sim.yaml"), [
        "risk.global.maxOpenOrders=3",
        "risk.global.maxPosition=2"
      ])
      const out = yield* Backtest.run(r, {
        tape: join(runnerRoot, "tapes", "sim-sample"),
        journal: join(tempDir(), "warn.sqlite"),
        fill: FillModel.FillModel.make({})
      })
      const { log, logMore } = out.summary
      assert.strictEqual(log.length, 200)
      assert.isDefined(logMore)
      assert.isTrue(logMore!.lines > 300, `more: ${logMore!.lines}`)
      // the most frequent kind first; every line counted (fewer than 100 kinds: none left uncounted)
      assert.match(logMore!.kinds[0]!.example, /RiskDenied MAX_OPEN_ORDERS/)
      assert.isTrue(logMore!.kinds.every((k, i) => i === 0 || k.count <= logMore!.kinds[i - 1]!.count))
      assert.strictEqual(logMore!.otherKinds, 0)
      const text = Backtest.formatText(out)
      assert.include(text, `run log (${200 + logMore!.lines} lines):`)
      assert.match(text, / +\d+ × warn: maker mm: setQuotes failed in \S+: RiskDenied MAX_OPEN_ORDERS/)
    })
  )

  it.scopedLive(
    "a missing or corrupt tape is one clean line and a non-zero exit",
    () =>
      Effect.gen(function* () {
        const dir = tempDir()
        writeFileSync(join(dir, "tape-000001.aht"), "garbage")
        const missing = cli(["backtest", "--tape", join(dir, "nope")])
        const corrupt = cli(["backtest", "--tape", dir])
        assert.notStrictEqual(yield* missing.exited, 0)
        assert.notStrictEqual(yield* corrupt.exited, 0)
        assert.match(missing.output().trim(), /^alpha-hunter: no tape at .*nope \(no such directory\)$/)
        assert.match(corrupt.output().trim(), /^alpha-hunter: .*tape-000001\.aht is not a tape file \(bad magic\)$/)
      }),
    60_000
  )
})
