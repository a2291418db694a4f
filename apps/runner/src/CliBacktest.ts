/**
 * `alpha-hunter backtest`: a config's strategies against a recorded tape, on simulated time, through the
 * same run as live; prints the live report plus markouts and P&L attribution. `--set` changes one config
 * value (a dotted path) without editing the file. `alpha-hunter sweep`: a grid of such values, ranked.
 */
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve as resolvePath } from "node:path"
import { FillModel } from "@alpha-hunter/backtest"
import { Decimal as D } from "@alpha-hunter/core"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Backtest from "./Backtest.js"
import { CliFailure, configOption, configPath } from "./CliCommon.js"
import * as ConfigFile from "./ConfigFile.js"
import { registry } from "./Plugins.js"
import { type Resolved, resolve } from "./Resolve.js"
import * as Sweep from "./Sweep.js"

/** `a.b.c=value` → the raw config with that value, of the type of the value it replaces (else a number, boolean or string). */
export const setPath = (raw: unknown, assignment: string): Either.Either<unknown, string> => {
  const eq = assignment.indexOf("=")
  if (eq <= 0) return Either.left(`--set: expected path=value, got "${assignment}"`)
  const path = assignment.slice(0, eq).split(".")
  const text = assignment.slice(eq + 1)
  const guess: unknown = text === "true" ? true : text === "false" ? false : /^-?\d+$/.test(text) ? Number(text) : text
  const root = structuredClone(raw) as Record<string, unknown>
  let cur: Record<string, unknown> = root
  for (const k of path.slice(0, -1)) {
    const next = cur[k]
    if (next === undefined || next === null) cur[k] = {}
    else if (typeof next !== "object") return Either.left(`--set: ${path.join(".")}: ${k} is not a section`)
    cur = cur[k] as Record<string, unknown>
  }
  // the value keeps the type of the one it replaces (a decimal string stays a string); new keys are guessed
  const key = path[path.length - 1]!
  const before = cur[key]
  cur[key] =
    typeof before === "string"
      ? text
      : typeof before === "number"
        ? Number(text)
        : typeof before === "boolean"
          ? text === "true"
          : guess
  if (typeof cur[key] === "number" && Number.isNaN(cur[key]))
    return Either.left(`--set: ${path.join(".")}: "${text}" is not a number`)
  return Either.right(root)
}

/** Reads a config, applies `--set` assignments, resolves it; one clean line per problem. */
export const loadWith = (file: string, sets: ReadonlyArray<string>): Effect.Effect<Resolved, CliFailure> =>
  Effect.gen(function* () {
    let raw = yield* ConfigFile.readFile(file).pipe(
      Effect.tapError((e) => Console.error(e.message)),
      Effect.mapError(() => new CliFailure({ message: "invalid config" }))
    )
    for (const s of sets) {
      const r = setPath(raw, s)
      if (Either.isLeft(r)) return yield* new CliFailure({ message: r.left })
      raw = r.right
    }
    const resolved = resolve(file, raw, registry)
    if (Either.isLeft(resolved)) {
      yield* Console.error(resolved.left.message)
      return yield* new CliFailure({ message: "invalid config" })
    }
    return resolved.right
  })

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
      const combos = Sweep.combinations(axes)
      const dir = mkdtempSync(join(tmpdir(), "ah-sweep-"))
      const rows: Array<Sweep.Row> = []
      for (const [i, c] of combos.entries()) {
        const resolved = yield* loadWith(configPath(o.config), [...o.set, ...c])
        process.stderr.write(`sweep ${i + 1}/${combos.length}: ${c.join(" ")}\n`)
        const r = yield* Backtest.run(resolved, {
          tape: resolvePath(o.tape),
          journal: join(dir, `run-${i + 1}.sqlite`),
          fill,
          balance
        }).pipe(Effect.mapError((e) => new CliFailure({ message: e.message })))
        rows.push(Sweep.rowOf(c, r))
      }
      yield* Console.log(Sweep.formatTable(rows, o.rank))
      writeFileSync(resolvePath(o.html), Sweep.html(`sweep over ${o.tape}`, axes, rows, o.rank))
      yield* Console.log(`\nplot: ${resolvePath(o.html)}`)
    })
).pipe(
  Command.withDescription(
    "backtest every combination of a grid of config values over one tape; prints them ranked by a metric and writes an HTML plot"
  )
)
