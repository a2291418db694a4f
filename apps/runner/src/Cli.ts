/**
 * The command line: run, verify, cancel-all, report, sim, config-schema. `--help` works everywhere.
 */

import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { resolve as resolvePath } from "node:path"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as App from "./App.js"
import * as AppLive from "./AppLive.js"
import * as CliBacktest from "./CliBacktest.js"
import { CliFailure, configOption, configPath, loadOrExplain } from "./CliCommon.js"
import * as CliControl from "./CliControl.js"
import * as CliRecord from "./CliRecord.js"
import * as CliSim from "./CliSim.js"
import * as ConfigFile from "./ConfigFile.js"
import { configJsonSchema } from "./ConfigSchema.js"
import * as Control from "./Control.js"
import * as Journal from "./Journal.js"
import { registry } from "./Plugins.js"
import * as Report from "./Report.js"
import * as ReportHtml from "./ReportHtml.js"

const log = (line: string) => Console.log(line)

// ---- run ------------------------------------------------------------------------------------------------

const recordOption = Options.directory("record").pipe(
  Options.withDescription(
    "also record the public tape of the traded markets to this directory while trading (sets record.out; the same directory again resumes it)"
  ),
  Options.optional
)

const run = Command.make("run", { config: configOption, record: recordOption }, ({ config, record }) =>
  Effect.gen(function* () {
    const file = configPath(config)
    const resolved = yield* Effect.flatMap(loadOrExplain(file), (r) => CliRecord.withRecord(r, record))
    yield* log(`alpha-hunter: config ${file}`)
    const journalPath = resolvePath(resolved.config.journal.path)
    yield* log(`journal: ${journalPath}`)
    // one Layer graph (journal → run → status, metrics, stop), launched until a signal or durationMs
    yield* AppLive.launch(resolved, journalPath, log)
  })
).pipe(Command.withDescription("run the configured strategies (default: the maker on the embedded Kalshi simulator)"))

// ---- verify ---------------------------------------------------------------------------------------------

const verify = Command.make("verify", { config: configOption }, ({ config }) =>
  Effect.gen(function* () {
    const file = configPath(config)
    const resolved = yield* App.load(file, registry).pipe(Effect.either)
    if (Either.isLeft(resolved)) {
      yield* Console.log(`❌ config valid — ${resolved.left.message.replace(/\n/g, "\n     ")}`)
      return yield* new CliFailure({ message: "verify: config invalid" })
    }
    const checks = yield* Effect.scoped(App.verify(resolved.right))
    for (const c of checks) {
      yield* Console.log(
        `${c.skipped ? "➖" : c.ok ? "✅" : "❌"} ${c.name} — ${c.detail}${c.skipped ? " (skipped)" : ""}`
      )
    }
    const failed = checks.filter((c) => !c.ok && !c.skipped)
    const skipped = checks.filter((c) => c.skipped).length
    if (failed.length > 0) {
      return yield* new CliFailure({
        message: `verify: ${failed.length} check(s) failed: ${failed.map((c) => c.name).join("; ")}`
      })
    }
    yield* Console.log(
      `${checks.length - skipped} checks passed${skipped > 0 ? `, ${skipped} not made (➖: declared, not exercised)` : ""}`
    )
  })
).pipe(
  Command.withDescription(
    "check config, credentials, markets, books, limits and the emergency cancel path; exits 1 on any ❌"
  )
)

// ---- cancel-all -----------------------------------------------------------------------------------------

const venueOption = Options.text("venue").pipe(
  Options.withDescription("only this venue (default: every venue)"),
  Options.optional
)

const cancelAll = Command.make("cancel-all", { config: configOption, venue: venueOption }, ({ config, venue }) =>
  Effect.scoped(
    Effect.gen(function* () {
      const { resolved, bot } = yield* CliControl.runningBot(config)
      const targets = resolved.venues.filter((v) => Option.isNone(venue) || v.name === venue.value)
      if (targets.length === 0)
        return yield* new CliFailure({ message: `no venue named ${Option.getOrElse(venue, () => "")}` })
      if (bot !== undefined) {
        // a bot runs on this journal: it halts itself first (no re-quote), then cancels and verifies
        const r = yield* Control.call(
          bot,
          "POST",
          "/cancel-all",
          Option.isSome(venue) ? { venue: venue.value } : {}
        ).pipe(Effect.mapError((e) => new CliFailure({ message: e.message })))
        for (const [name, detail] of Object.entries((r["venues"] ?? {}) as Record<string, string>)) {
          yield* Console.log(`${r["ok"] === true ? "✅" : "❌"} ${name}: ${detail} (the running bot is halted)`)
        }
        if (r["ok"] !== true) return yield* new CliFailure({ message: `${r["resting"]} orders still rest` })
        return
      }
      const inProcess = targets.filter((v) => v.plugin.account?.(v.config) === undefined)
      if (inProcess.length > 0) {
        return yield* new CliFailure({
          message: `no running bot on this config's journal, and ${inProcess.map((v) => v.name).join(", ")} exists only inside a running bot (in-process venue): nothing to cancel`
        })
      }
      let failed = 0
      for (const v of targets) {
        const open = yield* App.openPlugin(v).pipe(
          Effect.mapError((e) => new CliFailure({ message: App.errorText(e) }))
        )
        const result = yield* Effect.either(
          Option.match(open.diagnostics.emergencyCancelAll, {
            onSome: (cancelAllNative) =>
              Effect.flatMap(cancelAllNative("operator cancel-all"), (r) =>
                r.stillResting === 0 ? Effect.succeed(r.detail) : Effect.fail(r.detail)
              ),
            onNone: () =>
              Effect.gen(function* () {
                const canceled = yield* open.exchange.cancelAllOrders()
                const still = yield* open.exchange.fetchOpenOrders()
                if (still.length > 0) return yield* Effect.fail(`${still.length} orders still rest`)
                return `${canceled.length} canceled, verified none rests`
              })
          })
        )
        if (Either.isRight(result)) yield* Console.log(`✅ ${v.name}: ${result.right}`)
        else {
          failed++
          yield* Console.log(`❌ ${v.name}: ${App.errorText(result.left)}`)
        }
      }
      if (failed > 0) return yield* new CliFailure({ message: `cancel-all failed on ${failed} venue(s)` })
    })
  )
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

const parseSince = (s: string, now: number): Either.Either<number, string> => {
  const t = Date.parse(s)
  if (!Number.isNaN(t)) return Either.right(t)
  const d = Duration.decodeUnknown(s as Duration.DurationInput)
  return Option.isSome(d)
    ? Either.right(now - Duration.toMillis(d.value))
    : Either.left(`--since: cannot read "${s}" as a time or a duration`)
}

/**
 * The journal's path for `report`: `--journal`, or the config file's `journal.path` — read from the file
 * alone (no venue section is decoded, so no credentials are needed).
 */
const reportJournalPath = (journal: Option.Option<string>, config: Option.Option<string>) =>
  Effect.gen(function* () {
    if (Option.isSome(journal)) return resolvePath(journal.value)
    const file = configPath(config)
    const text = yield* Effect.try({
      try: () => readFileSync(file, "utf8"),
      catch: () => new CliFailure({ message: `cannot read the config ${file}` })
    })
    const doc = ConfigFile.parseText(text)
    if (Either.isLeft(doc)) return yield* new CliFailure({ message: `invalid config ${file}: ${doc.left[0]?.message}` })
    const j = (doc.right as { journal?: { path?: unknown } } | null)?.journal?.path
    const issues: Array<ConfigFile.Issue> = []
    const path = ConfigFile.resolveEnv(typeof j === "string" ? j : "alpha-hunter.sqlite", process.env, [], issues)
    if (issues.length > 0) return yield* new CliFailure({ message: `journal.path: ${issues[0]!.message}` })
    return resolvePath(String(path))
  })

const report = Command.make(
  "report",
  { config: configOption, journal: journalOption, since: sinceOption, format: formatOption },
  ({ config, journal, since, format }) =>
    Effect.gen(function* () {
      const path = yield* reportJournalPath(journal, config)
      // opening a journal creates it: a missing one is a mistake to say, not an empty report
      if (!existsSync(path)) return yield* new CliFailure({ message: `no journal at ${path} (nothing has run there)` })
      const now = Date.now()
      const sinceMs = Option.isSome(since) ? parseSince(since.value, now) : Either.right(undefined)
      if (Either.isLeft(sinceMs)) return yield* new CliFailure({ message: sinceMs.left })
      const reportOptions = sinceMs.right !== undefined ? { since: sinceMs.right } : {}
      if (format === "html") {
        const page = yield* Effect.provide(
          Effect.flatMap(Journal.Journal, (j) => ReportHtml.fromJournal(j, reportOptions)),
          Journal.layer(path)
        ).pipe(Effect.mapError((e) => new CliFailure({ message: e.message })))
        return yield* Console.log(page)
      }
      const r = yield* Effect.provide(
        Effect.flatMap(Journal.Journal, (j) => App.report(j, reportOptions)),
        Journal.layer(path)
      ).pipe(Effect.mapError((e) => new CliFailure({ message: e.message })))
      yield* Console.log(
        format === "json" ? Report.formatJson(r) : format === "csv" ? Report.formatCsv(r) : Report.formatTable(r)
      )
    })
).pipe(
  Command.withDescription(
    "report from the journal (no credentials needed): liquidity, spread improvement, fills, fees, P&L, incentive programs (score, coverage, uptime, projected and realised reward), with a legend"
  )
)

// ---- sim ------------------------------------------------------------------------------------------------

// ---- config-schema --------------------------------------------------------------------------------------

const configSchema = Command.make("config-schema", { out: Args.file({ name: "out" }).pipe(Args.optional) }, ({ out }) =>
  Effect.gen(function* () {
    const json = JSON.stringify(configJsonSchema(registry), null, 2)
    if (Option.isSome(out)) {
      writeFileSync(out.value, `${json}\n`)
      yield* Console.log(`wrote ${out.value}`)
    } else yield* Console.log(json)
  })
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
