/**
 * Sweeps on worker threads: the same rows as one after another in this process, a failing point as a typed
 * error that names it, and the command itself (one point; a bad grid value refused before any backtest starts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { FillModel } from "@alpha-hunter/backtest"
import { Decimal as D } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ConfigFile from "../src/ConfigFile.js"
import { setAll } from "../src/ConfigSet.js"
import * as SweepRun from "../src/SweepRun.js"
import { cli, runnerRoot, tempDir, waitUntil } from "./helpers.js"

const sample = join(runnerRoot, "tapes", "sim-sample")
const defaultConfig = join(runnerRoot, "config", "sim.yaml")

const points = (grid: ReadonlyArray<string>) =>
  Effect.map(ConfigFile.readFile(defaultConfig), (raw) =>
    grid.map((g) => ({ assignments: [g], raw: Either.getOrThrow(setAll(raw, [g])) }))
  )

const options = (dir: string, ps: SweepRun.RunAllOptions["points"], jobs: number, tape = sample) => ({
  label: defaultConfig,
  points: ps,
  tape,
  fill: FillModel.FillModel.make({}),
  balance: D.int(10_000),
  dir,
  jobs
})

describe("sweep runs", () => {
  it.scopedLive(
    "two worker threads give the same rows, in the grid's order, as one run after another in this process",
    () =>
      Effect.gen(function* () {
        const dir = tempDir()
        mkdirSync(join(dir, "a"))
        mkdirSync(join(dir, "b"))
        const ps = yield* points(["strategies.mm.params.minSpreadTicks=1", "strategies.mm.params.minSpreadTicks=3"])
        const doneIn: Array<number> = []
        const here = yield* SweepRun.runAll(options(join(dir, "a"), ps, 1))
        const threads = yield* SweepRun.runAll({
          ...options(join(dir, "b"), ps, 2),
          onDone: (done, i) => void doneIn.push(done * 10 + i)
        })
        assert.deepStrictEqual(threads, here)
        assert.deepStrictEqual(
          here.map((r) => r.assignments[0]),
          ["strategies.mm.params.minSpreadTicks=1", "strategies.mm.params.minSpreadTicks=3"]
        )
        // the maker traded on the sample tape, and the two settings differ
        assert.isTrue(here.every((r) => r.fills > 0 && r.orders > 0))
        assert.notStrictEqual(here[0]!.orders, here[1]!.orders)
        // each run reported once as it ended (done count 1 then 2, either point first)
        assert.deepStrictEqual(
          doneIn.map((x) => Math.floor(x / 10)),
          [1, 2]
        )
        assert.deepStrictEqual(doneIn.map((x) => x % 10).sort(), [0, 1])
        // each run had its own journal
        assert.deepStrictEqual(
          readdirSync(join(dir, "b"))
            .filter((f) => f.endsWith(".sqlite"))
            .sort(),
          ["run-1.sqlite", "run-2.sqlite"]
        )
      }),
    120_000
  )

  it.scopedLive(
    "a point that fails on a worker comes back as a SweepRunError naming the point",
    () =>
      Effect.gen(function* () {
        const dir = tempDir()
        const ps = yield* points(["strategies.mm.params.minSpreadTicks=1", "strategies.mm.params.minSpreadTicks=2"])
        const r = yield* Effect.either(SweepRun.runAll(options(dir, ps, 2, join(dir, "no-such-tape"))))
        assert.isTrue(Either.isLeft(r))
        const e = (r as Either.Left<SweepRun.SweepRunError, unknown>).left
        assert.strictEqual(e._tag, "SweepRunError")
        assert.match(e.message, /^strategies\.mm\.params\.minSpreadTicks=[12]: /)
        assert.include(e.message, "no-such-tape")
      }),
    60_000
  )

  it.scopedLive(
    "the CLI prints a line per run, the ranked table and writes the plot; a bad grid value is refused before any run",
    () =>
      Effect.gen(function* () {
        const dir = tempDir()
        const html = join(dir, "sweep.html")
        // one point, in the CLI's own process (the worker threads are the tests above): the command's wiring
        const ok = cli([
          "sweep",
          "--tape",
          sample,
          "--grid",
          "strategies.mm.params.orderSize=2",
          "--jobs",
          "4",
          "--html",
          html
        ])
        assert.strictEqual(yield* ok.exited, 0, ok.output())
        const out = ok.output()
        assert.include(out, "sweep: 1 backtest over")
        assert.include(out, "one at a time")
        assert.match(out, /sweep 1\/1 \([0-9.]+ s\): strategies\.mm\.params\.orderSize=2 → P&L -?[0-9.]+, \d+ fills/)
        assert.match(out, /ranked by pnl\n#\s+parameters/)
        assert.isTrue(existsSync(html))
        assert.include(readFileSync(html, "utf8"), "1 backtest over one tape")

        const bad = cli([
          "sweep",
          "--tape",
          sample,
          "--grid",
          "strategies.mm.params.minSpreadTicks=1,two",
          "--jobs",
          "2",
          "--html",
          join(dir, "bad.html")
        ])
        assert.notStrictEqual(yield* bad.exited, 0)
        assert.include(bad.output(), '--grid: strategies.mm.params.minSpreadTicks: "two" is not a number')
        assert.notInclude(bad.output(), "over " + sample)
        assert.notMatch(bad.output(), /\n\s+at /)
        assert.isFalse(existsSync(join(dir, "bad.html")))
      }),
    120_000
  )

  it.scopedLive(
    "SIGINT mid-sweep: the worker threads are stopped, the runs' journals removed, no plot written",
    () =>
      Effect.gen(function* () {
        const dir = tempDir()
        const scratch = () => new Set(readdirSync(tmpdir()).filter((f) => f.startsWith("ah-sweep-")))
        const before = scratch()
        const html = join(dir, "stopped.html")
        const grid = "strategies.mm.params.minSpreadTicks=1,2,3,4"
        const p = cli(["sweep", "--tape", sample, "--grid", grid, "--jobs", "2", "--html", html])
        yield* waitUntil("the sweep's worker threads", () => p.output().includes("2 at a time (worker threads)"))
        const ours = [...scratch()].filter((f) => !before.has(f))
        assert.strictEqual(ours.length, 1, "the sweep's scratch directory exists while it runs")
        p.child.kill("SIGINT")
        // a worker busy in a backtest gets 5 s to finish before it is terminated
        const code = yield* Effect.timeout(p.exited, "30 seconds")
        assert.isNotNull(code)
        assert.isFalse(existsSync(join(tmpdir(), ours[0]!)), "the runs' journals are removed")
        assert.isFalse(existsSync(html))
        assert.notInclude(p.output(), "ranked by")
        assert.notMatch(p.output(), /\n\s+at /)
      }),
    120_000
  )
})
