/** The work of `backtest` and `sweep` (their options: CliBacktest.ts), loaded when one of them runs. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import { join, resolve as resolvePath } from "node:path"
import { FillModel } from "@alpha-hunter/backtest"
import { Decimal as D } from "@alpha-hunter/core"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Backtest from "./Backtest.js"
import { CliFailure, configPath } from "./CliCommon.js"
import { loadWith, readWith, resolveRaw, setAll } from "./ConfigSet.js"
import * as Sweep from "./Sweep.js"
import * as SweepRun from "./SweepRun.js"

export const fillModelOf = (o: {
  readonly fill: FillModel.Kind
  readonly seed: number
  readonly feedLatency: number
  readonly orderLatency: number
  readonly batch: number
}): Effect.Effect<FillModel.FillModel, CliFailure> =>
  o.feedLatency < 0 || o.orderLatency < 0 || o.batch < 0
    ? Effect.fail(new CliFailure({ message: "latencies and --batch-ms must be ≥ 0 ms" }))
    : Effect.succeed(
        FillModel.FillModel.make({
          kind: o.fill,
          seed: o.seed,
          feedLatencyMs: o.feedLatency,
          orderLatencyMs: o.orderLatency,
          batchMs: o.batch
        })
      )

export const balanceOf = (s: string): Effect.Effect<D.Decimal, CliFailure> => {
  const r = D.parse(s)
  return Either.isRight(r) && !D.isNegative(r.right)
    ? Effect.succeed(r.right)
    : Effect.fail(new CliFailure({ message: `--balance: "${s}" is not an amount of dollars` }))
}

/** The options the two commands share, as parsed. */
export interface FillArgs {
  readonly config: Option.Option<string>
  readonly tape: string
  readonly fill: FillModel.Kind
  readonly seed: number
  readonly feedLatency: number
  readonly orderLatency: number
  readonly batch: number
  readonly balance: string
  readonly set: ReadonlyArray<string>
}

export const backtest = (o: FillArgs & { readonly journal: string; readonly format: "table" | "json" }) =>
  Effect.gen(function* () {
    const resolved = yield* loadWith(configPath(o.config), o.set)
    const fill = yield* fillModelOf(o)
    const balance = yield* balanceOf(o.balance)
    const started = Date.now()
    const r = yield* Backtest.run(resolved, {
      tape: resolvePath(o.tape),
      journal: resolvePath(o.journal),
      fill,
      balance,
      progress: (line) => process.stderr.write(`${line}\n`)
    }).pipe(Effect.mapError((e) => new CliFailure({ message: e.message })))
    yield* Console.log(o.format === "json" ? Backtest.formatJson(r) : Backtest.formatText(r))
    const span = r.summary.tape.to - r.summary.tape.from
    const took = Math.max(1, Date.now() - started)
    process.stderr.write(
      `backtest: ${(span / 1000).toFixed(0)} s of tape in ${(took / 1000).toFixed(1)} s, ${r.steps} fiber steps (${(span / took).toFixed(0)}× real time); journal ${resolvePath(o.journal)}\n`
    )
  })

export const sweep = (
  o: FillArgs & {
    readonly grid: ReadonlyArray<string>
    readonly rank: Sweep.Metric
    readonly html: string
    readonly jobs: Option.Option<number>
  }
) =>
  Effect.gen(function* () {
    const axes: Array<Sweep.Axis> = []
    for (const g of o.grid) {
      const a = Sweep.parseAxis(g)
      if (typeof a === "string") return yield* new CliFailure({ message: a })
      axes.push(a)
    }
    if (axes.length === 0) return yield* new CliFailure({ message: "sweep: give at least one --grid path=v1,v2,…" })
    const fill = yield* fillModelOf(o)
    const balance = yield* balanceOf(o.balance)
    const jobs = Option.getOrElse(o.jobs, () => availableParallelism())
    if (jobs < 1) return yield* new CliFailure({ message: "--jobs: expected at least 1" })
    // every point's config is checked before any backtest starts (a bad value fails now, not an hour in)
    const file = configPath(o.config)
    const base = yield* readWith(file, o.set)
    const points: Array<{ assignments: ReadonlyArray<string>; raw: unknown }> = []
    for (const c of Sweep.combinations(axes)) {
      const raw = setAll(base, c)
      if (Either.isLeft(raw)) return yield* new CliFailure({ message: raw.left.replace(/^--set: /, "--grid: ") })
      yield* resolveRaw(`${file} with ${c.join(" ")}`, raw.right)
      points.push({ assignments: c, raw: raw.right })
    }
    const running = Math.min(jobs, points.length)
    const started = Date.now()
    const rows = yield* Effect.acquireUseRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "ah-sweep-"))),
      (dir) => {
        // said once the runs' scratch directory exists: from this line on, a stop removes it
        process.stderr.write(
          `sweep: ${points.length} backtest${points.length === 1 ? "" : "s"} over ${o.tape}, ${running === 1 ? "one at a time" : `${running} at a time (worker threads)`}\n`
        )
        return SweepRun.runAll({
          label: file,
          points,
          tape: resolvePath(o.tape),
          fill,
          balance,
          dir,
          jobs,
          onDone: (done, i, row, ms) =>
            process.stderr.write(
              `sweep ${done}/${points.length} (${(ms / 1000).toFixed(1)} s): ${points[i]!.assignments.join(" ")} → P&L ${D.format(row.pnl, 4, "half-even")}, ${row.fills} fills\n`
            )
        })
      },
      // the runs' journals are the sweep's scratch: gone with it, also when it fails or is stopped
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    ).pipe(Effect.mapError((e) => new CliFailure({ message: e.message })))
    process.stderr.write(
      `sweep: ${points.length} backtest${points.length === 1 ? "" : "s"} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`
    )
    yield* Console.log(Sweep.formatTable(rows, o.rank))
    writeFileSync(resolvePath(o.html), Sweep.html(`sweep over ${o.tape}`, axes, rows, o.rank))
    yield* Console.log(`\nplot: ${resolvePath(o.html)}`)
  })
