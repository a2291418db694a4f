/**
 * The work of `run`, `verify`, `cancel-all`, `report` and `config-schema` (their options: Cli.ts), loaded
 * when one of them runs.
 */
import { existsSync, writeFileSync } from "node:fs"
import { resolve as resolvePath } from "node:path"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as App from "./App.js"
import * as AppLive from "./AppLive.js"
import { CliFailure, configPath, journalPathOf } from "./CliCommon.js"
import { loadOrExplain } from "./CliLoad.js"
import * as CliRecordRun from "./CliRecordRun.js"
import { configJsonSchema } from "./ConfigSchema.js"
import * as Control from "./ControlClient.js"
import * as Journal from "./Journal.js"
import { registry } from "./Plugins.js"
import * as Report from "./Report.js"
import * as ReportHtml from "./ReportHtml.js"

const log = (line: string) => Console.log(line)

export const run = ({
  config,
  record
}: {
  readonly config: Option.Option<string>
  readonly record: Option.Option<string>
}) =>
  Effect.gen(function* () {
    const file = configPath(config)
    const resolved = yield* Effect.flatMap(loadOrExplain(file), (r) => CliRecordRun.withRecord(r, record))
    yield* log(`alpha-hunter: config ${file}`)
    const journalPath = resolvePath(resolved.config.journal.path)
    yield* log(`journal: ${journalPath}`)
    // one Layer graph (journal → run → status, metrics, stop), launched until a signal or durationMs
    yield* AppLive.launch(resolved, journalPath, log)
  })

export const verify = ({ config }: { readonly config: Option.Option<string> }) =>
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

export const cancelAll = ({
  config,
  venue
}: {
  readonly config: Option.Option<string>
  readonly venue: Option.Option<string>
}) =>
  Effect.scoped(
    Effect.gen(function* () {
      const resolved = yield* loadOrExplain(configPath(config))
      const bot = Control.find(resolvePath(resolved.config.journal.path))
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

const parseSince = (s: string, now: number): Either.Either<number, string> => {
  const t = Date.parse(s)
  if (!Number.isNaN(t)) return Either.right(t)
  const d = Duration.decodeUnknown(s as Duration.DurationInput)
  return Option.isSome(d)
    ? Either.right(now - Duration.toMillis(d.value))
    : Either.left(`--since: cannot read "${s}" as a time or a duration`)
}

export const report = ({
  config,
  journal,
  since,
  format
}: {
  readonly config: Option.Option<string>
  readonly journal: Option.Option<string>
  readonly since: Option.Option<string>
  readonly format: "table" | "json" | "csv" | "html"
}) =>
  Effect.gen(function* () {
    const path = yield* journalPathOf(journal, config)
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

export const configSchema = ({ out }: { readonly out: Option.Option<string> }) =>
  Effect.gen(function* () {
    const json = JSON.stringify(configJsonSchema(registry), null, 2)
    if (Option.isSome(out)) {
      writeFileSync(out.value, `${json}\n`)
      yield* Console.log(`wrote ${out.value}`)
    } else yield* Console.log(json)
  })
