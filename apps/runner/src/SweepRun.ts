/**
 * Running a sweep's backtests: one after another in this process (`jobs: 1`), or `jobs` at once, each on a
 * worker thread of its own (`sweepWorker.ts`, a pool from `@effect/platform`'s `Worker`). A backtest owns its
 * thread while it runs (simulated time, fibers one at a time), so threads are how a sweep uses the machine's
 * cores. Each run is deterministic and gets its own journal file, so the rows are the same either way, in the
 * grid's order; only the wall time changes.
 */

import { join } from "node:path"
import * as WorkerThreads from "node:worker_threads"
import { FillModel } from "@alpha-hunter/backtest"
import { Decimal as D } from "@alpha-hunter/core"
import * as Worker from "@effect/platform/Worker"
import * as NodeWorker from "@effect/platform-node/NodeWorker"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Backtest from "./Backtest.js"
import { registry } from "./Plugins.js"
import { resolve } from "./Resolve.js"
import * as Sweep from "./Sweep.js"

export class SweepRunError extends Schema.TaggedError<SweepRunError>()("SweepRunError", {
  message: Schema.String
}) {}

/** One point of the grid: its raw config (the assignments applied) backtested over the tape. */
export class RunCombo extends Schema.TaggedRequest<RunCombo>()("RunCombo", {
  failure: SweepRunError,
  success: Sweep.Row,
  payload: {
    /** the config file, for messages */
    label: Schema.String,
    raw: Schema.Unknown,
    assignments: Schema.Array(Schema.String),
    tape: Schema.String,
    journal: Schema.String,
    fill: FillModel.FillModel,
    balance: D.Decimal
  }
}) {}

/** Runs one point where it is called (this thread until it ends). */
export const runCombo = (r: RunCombo): Effect.Effect<Sweep.Row, SweepRunError> =>
  Effect.gen(function* () {
    const resolved = resolve(r.label, r.raw, registry)
    if (Either.isLeft(resolved)) {
      return yield* new SweepRunError({ message: `${r.assignments.join(" ")}: ${resolved.left.message}` })
    }
    const result = yield* Backtest.run(resolved.right, {
      tape: r.tape,
      journal: r.journal,
      fill: r.fill,
      balance: r.balance
    }).pipe(Effect.mapError((e) => new SweepRunError({ message: `${r.assignments.join(" ")}: ${e.message}` })))
    return Sweep.rowOf(r.assignments, result)
  })

// the worker's module: compiled next to this one, or (running from source) loaded through tsx by a bootstrap
const fromSource = import.meta.url.endsWith(".ts")
// a backtest allocates fast and briefly: a young generation of 96 MB (32 MB semi-spaces, as `pnpm cli` runs
// with `--max-semi-space-size=32`) halves its scavenges (an hour's backtest ~8 % faster, measured)
const resourceLimits = { maxYoungGenerationSizeMb: 96 }
const spawn = (): WorkerThreads.Worker =>
  fromSource
    ? new WorkerThreads.Worker(new URL("./sweepWorkerBoot.mjs", import.meta.url), {
        execArgv: ["--conditions=@alpha-hunter/source"],
        workerData: { entry: new URL("./sweepWorker.ts", import.meta.url).href },
        resourceLimits
      })
    : new WorkerThreads.Worker(new URL("./sweepWorker.js", import.meta.url), { resourceLimits })

export interface RunAllOptions {
  readonly label: string
  readonly points: ReadonlyArray<{ readonly assignments: ReadonlyArray<string>; readonly raw: unknown }>
  readonly tape: string
  readonly fill: FillModel.FillModel
  readonly balance: D.Decimal
  /** where each run's journal goes (`run-<n>.sqlite`) */
  readonly dir: string
  /** backtests at once: 1 = one after another in this thread; more = that many worker threads */
  readonly jobs: number
  /** after each run: how many are done, the point's index in the grid, its row, its wall time */
  readonly onDone?: (done: number, index: number, row: Sweep.Row, ms: number) => void
}

/** Every point's row, in the grid's order; the first failure stops the sweep (the other runs are interrupted). */
export const runAll = (o: RunAllOptions): Effect.Effect<ReadonlyArray<Sweep.Row>, SweepRunError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const requests = o.points.map(
        (p, i) =>
          new RunCombo({
            label: o.label,
            raw: p.raw,
            assignments: p.assignments,
            tape: o.tape,
            journal: join(o.dir, `run-${i + 1}.sqlite`),
            fill: o.fill,
            balance: o.balance
          })
      )
      const jobs = Math.max(1, Math.min(o.jobs, requests.length))
      const execute =
        jobs === 1
          ? runCombo
          : yield* Worker.makePoolSerialized<RunCombo>({ size: jobs }).pipe(
              Effect.provide(NodeWorker.layer(spawn)),
              Effect.mapError((e) => new SweepRunError({ message: `cannot start the sweep's workers: ${e.message}` })),
              Effect.map(
                (pool) => (r: RunCombo) =>
                  pool
                    .executeEffect(r)
                    .pipe(
                      Effect.mapError((e) =>
                        e._tag === "SweepRunError"
                          ? e
                          : new SweepRunError({ message: `${r.assignments.join(" ")}: worker failed: ${e.message}` })
                      )
                    )
              )
            )
      let done = 0
      return yield* Effect.forEach(
        requests,
        (r, i) =>
          Effect.map(Effect.timed(execute(r)), ([took, row]) => {
            o.onDone?.(++done, i, row, Math.round(Duration.toMillis(took)))
            return row
          }),
        { concurrency: jobs }
      )
    })
  )
