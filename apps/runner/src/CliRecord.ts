/**
 * `alpha-hunter record`: writes the public tape of a config's venue (default: the embedded simulator) to a
 * directory, until the duration ends or SIGINT/SIGTERM; prints what it cost (frames, bytes, CPU). The options;
 * the work is in CliRecordRun.ts, loaded when the command runs.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { configOption, lazily } from "./CliCommon.js"

export const record = Command.make(
  "record",
  {
    config: configOption,
    out: Options.directory("out").pipe(
      Options.withAlias("o"),
      Options.withDescription("tape directory (created, or resumed after a crash)")
    ),
    venue: Options.text("venue").pipe(
      Options.withDescription("the config's venue to record (default: the first)"),
      Options.optional
    ),
    markets: Options.text("markets").pipe(
      Options.withDescription("comma-separated market tickers (default: the open markets, up to --limit)"),
      Options.optional
    ),
    limit: Options.integer("limit").pipe(
      Options.withDefault(50),
      Options.withDescription("at most this many open markets")
    ),
    duration: Options.text("duration").pipe(
      Options.withDescription('stop after this long, e.g. "10 minutes" (default: until Ctrl-C)'),
      Options.optional
    )
  },
  (o) =>
    lazily(
      () => import("./CliRecordRun.js"),
      (r) => r.record(o)
    )
).pipe(
  Command.withDescription(
    "record the public tape (books with seq, trades, tickers, lifecycle, market definitions, incentive programs) of a venue's markets to a directory, for backtests and replay"
  )
)
