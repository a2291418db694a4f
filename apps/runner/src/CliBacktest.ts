/**
 * `alpha-hunter backtest`: a config's strategies against a recorded tape, on simulated time, through the
 * same run as live; prints the live report plus markouts and P&L attribution. `--set` changes one config
 * value (a dotted path) without editing the file. `alpha-hunter sweep`: a grid of such values, ranked. The
 * options; the work is in CliBacktestRun.ts, loaded when a command runs.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { configOption, lazily } from "./CliCommon.js"
import { metrics } from "./SweepMetrics.js"

const work = () => import("./CliBacktestRun.js")

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
  (o) => lazily(work, (w) => w.backtest(o))
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
    rank: Options.choice("rank", metrics).pipe(
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
  (o) => lazily(work, (w) => w.sweep(o))
).pipe(
  Command.withDescription(
    "backtest every combination of a grid of config values over one tape; prints them ranked by a metric and writes an HTML plot"
  )
)
