/**
 * `alpha-hunter backtest`: a config's strategies against a recorded tape, on simulated time, through the
 * same run as live; prints the live report plus markouts and P&L attribution. `--set` changes one config
 * value (a dotted path) without editing the file. `alpha-hunter sweep`: a grid of such values, ranked.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import { join, resolve as resolvePath } from "node:path"
import { FillModel } from "@alpha-hunter/backtest"
import { Decimal as D } from "@alpha-hunter/core"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Backtest from "./Backtest.js"
import { CliFailure, configOption, configPath } from "./CliCommon.js"
import { loadWith, readWith, resolveRaw, setAll } from "./ConfigSet.js"
import * as Sweep from "./Sweep.js"
import * as SweepRun from "./SweepRun.js"

export { loadWith, setPath } from "./ConfigSet.js"

export const fillOptions = {
  fill: Options.choice("fill", ["queue", "pessimistic", "probabilistic"]).pipe(
    Options.withDefault("queue" as const),
    Options.withDescription(
      "fill model: queue (price-time queue position; fills by volume traded past us), pessimistic (never fills on a touch: only trades through our price), probabilistic (cancels ahead of us drawn at random, seeded)"
    )
  ),
  seed: Options.integer("seed").pipe(
    Options.withDefault(1),
    Options.withDescription("seed of the probabilistic model")
  ),
  feedLatency: Options.integer("feed-latency").pipe(
    Options.withDefault(0),
    Options.withDescription("ms between a recorded book change and the strategy seeing it")
  ),
  orderLatency: Options.integer("order-latency").pipe(
    Options.withDefault(50),
    Options.withDescription("ms between sending a create/cancel and it reaching the book")
  ),
  batch: Options.integer("batch-ms").pipe(
    Options.withDefault(0),
    Options.withDescription(
      "apply the tape in windows of this many ms, each at its end (a strategy sees one book per market per window: faster, up to this much later); 0 = every record at its own time"
    )
  ),
  balance: Options.text("balance").pipe(
    Options.withDefault("10000"),
    Options.withDescription("starting cash, dollars")
  ),
  set: Options.text("set").pipe(
    Options.repeated,
    Options.withDescription("change a config value, e.g. --set strategies.mm.params.minSpreadTicks=3 (repeatable)")
  )
}

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

export const backtest = Command.make(
  "backtest",
  {
    config: configOption,
    tape: Options.text("tape").pipe(Options.withAlias("t"), Options.withDescription("tape directory (see `record`)")),
    journal: Options.text("journal").pipe(
      Options.withDefault("backtest.sqlite"),
      Options.withDescription("the backtest's journal file (replaced each run)")
    ),
    format: Options.choice("format", ["table", "json"]).pipe(Options.withDefault("table" as const)),
    ...fillOptions
  },
  (o) =>
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
).pipe(
  Command.withDescription(
    "run the config's strategies against a recorded tape (same execution engine and risk as live, simulated time, explicit fill model); prints the report, markouts and P&L attribution"
  )
)

export const sweep = Command.make(
  "sweep",
  {
    config: configOption,
    tape: Options.text("tape").pipe(Options.withAlias("t"), Options.withDescription("tape directory (see `record`)")),
    grid: Options.text("grid").pipe(
      Options.repeated,
      Options.withDescription(
        "a parameter and its values, e.g. --grid strategies.mm.params.minSpreadTicks=1,2,3 (repeatable: every combination runs)"
      )
    ),
    rank: Options.choice("rank", Sweep.metrics).pipe(
      Options.withDefault("pnl" as const),
      Options.withDescription("the metric that ranks the runs (best first)")
    ),
    html: Options.text("html").pipe(
      Options.withDefault("sweep.html"),
      Options.withDescription("where to write the self-contained HTML plot")
    ),
    jobs: Options.integer("jobs").pipe(
      Options.withAlias("j"),
      Options.optional,
      Options.withDescription(
        "backtests run at once, each on a worker thread (default: the machine's cores; 1 = one after another in this process)"
      )
    ),
    ...fillOptions
  },
  (o) =>
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
).pipe(
  Command.withDescription(
    "backtest every combination of a grid of config values over one tape; prints them ranked by a metric and writes an HTML plot"
  )
)
