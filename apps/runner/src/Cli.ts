/**
 * The command line: run, verify, the control commands, cancel-all, report, sim, record, backtest, sweep,
 * config-schema. `--help` works everywhere.
 *
 * This module holds the commands and their options only; each command's work is in a module loaded when it
 * runs (`CliCommon.lazily`), so `--help` and the control commands (`status`, `pause`, `resume`, `halt`)
 * start without loading the venues, the simulator or the backtester.
 */

import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as CliBacktest from "./CliBacktest.js"
import { configOption, lazily } from "./CliCommon.js"
import * as CliControl from "./CliControl.js"
import * as CliRecord from "./CliRecord.js"
import * as CliSim from "./CliSim.js"

const commands = () => import("./CliCommands.js")

// ---- run ------------------------------------------------------------------------------------------------

const recordOption = Options.directory("record").pipe(
  Options.withDescription(
    "also record the public tape of the traded markets to this directory while trading (sets record.out; the same directory again resumes it)"
  ),
  Options.optional
)

const run = Command.make("run", { config: configOption, record: recordOption }, (o) =>
  lazily(commands, (c) => c.run(o))
).pipe(Command.withDescription("run the configured strategies (default: the maker on the embedded Kalshi simulator)"))

// ---- verify ---------------------------------------------------------------------------------------------

const verify = Command.make("verify", { config: configOption }, (o) => lazily(commands, (c) => c.verify(o))).pipe(
  Command.withDescription(
    "check config, credentials, markets, books, limits and the emergency cancel path; exits 1 on any ❌"
  )
)

// ---- cancel-all -----------------------------------------------------------------------------------------

const venueOption = Options.text("venue").pipe(
  Options.withDescription("only this venue (default: every venue)"),
  Options.optional
)

const cancelAll = Command.make("cancel-all", { config: configOption, venue: venueOption }, (o) =>
  lazily(commands, (c) => c.cancelAll(o))
).pipe(
  Command.withDescription(
    "emergency: cancel every resting order on the venue(s), then verify none rests (through the running bot, halting it, when one runs)"
  )
)

// ---- report ---------------------------------------------------------------------------------------------

const sinceOption = Options.text("since").pipe(
  Options.withDescription(
    'only entries since: an ISO time ("2026-11-23T10:00:00Z") or a duration back from now ("24 hours")'
  ),
  Options.optional
)
const formatOption = Options.choice("format", ["table", "json", "csv", "html"]).pipe(
  Options.withDescription("html: one self-contained page with charts (redirect it to a file)"),
  Options.withDefault("table" as const)
)
const journalOption = Options.file("journal").pipe(
  Options.withDescription("journal file (default: the config's journal.path)"),
  Options.optional
)

const report = Command.make(
  "report",
  { config: configOption, journal: journalOption, since: sinceOption, format: formatOption },
  (o) => lazily(commands, (c) => c.report(o))
).pipe(
  Command.withDescription(
    "report from the journal (no credentials needed): liquidity, spread improvement, fills, fees, P&L, incentive programs (score, coverage, uptime, projected and realised reward), with a legend"
  )
)

// ---- config-schema --------------------------------------------------------------------------------------

const configSchema = Command.make("config-schema", { out: Args.file({ name: "out" }).pipe(Args.optional) }, (o) =>
  lazily(commands, (c) => c.configSchema(o))
).pipe(
  Command.withDescription(
    "print (or write) the JSON Schema of the config file — every plugin's section included — for editors"
  )
)

export const root = Command.make("alpha-hunter").pipe(
  Command.withDescription("alpha-hunter: a trading-bot runner (venues, strategies and risk from one config file)"),
  Command.withSubcommands([
    run,
    verify,
    CliControl.status,
    CliControl.pause,
    CliControl.resume,
    CliControl.halt,
    cancelAll,
    report,
    CliSim.sim,
    CliRecord.record,
    CliBacktest.backtest,
    CliBacktest.sweep,
    configSchema
  ])
)

export { CliFailure, defaultConfig } from "./CliCommon.js"

export const cli = Command.run(root, { name: "alpha-hunter", version: "0.1.0" })
