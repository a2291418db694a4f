/**
 * `alpha-hunter record`: writes the public tape of a config's venue (default: the embedded simulator) to a
 * directory, until the duration ends or SIGINT/SIGTERM; prints what it cost (frames, bytes, CPU).
 */
import { resolve as resolvePath } from "node:path"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { MarketSelector } from "./AppConfig.js"
import { CliFailure, configOption, configPath, loadOrExplain } from "./CliCommon.js"
import * as Record from "./Record.js"
import { RecordSection, recordedVenues } from "./RecordConfig.js"
import type { Resolved } from "./Resolve.js"

/**
 * `run --record DIR`: the config's `record` section with `out` set to DIR (its defaults when the config has
 * none), checked before anything connects.
 */
export const withRecord = (resolved: Resolved, dir: Option.Option<string>): Effect.Effect<Resolved, CliFailure> => {
  if (Option.isNone(dir)) return Effect.succeed(resolved)
  const section: RecordSection =
    resolved.config.record !== undefined
      ? { ...resolved.config.record, out: dir.value }
      : Schema.decodeUnknownSync(RecordSection)({ out: dir.value })
  const { issues } = recordedVenues(
    section,
    Object.fromEntries(resolved.venues.map((v) => [v.name, { type: v.plugin.name }])),
    Object.fromEntries(resolved.strategies.map((s) => [s.name, { venue: s.section.venue }]))
  )
  return issues.length > 0
    ? Effect.fail(new CliFailure({ message: `--record: ${issues[0]!.message}` }))
    : Effect.succeed({ ...resolved, config: { ...resolved.config, record: section } })
}

export const durationOf = (s: string, flag: string): Effect.Effect<number, CliFailure> => {
  const d = Duration.decodeUnknown(s as Duration.DurationInput)
  return Option.isSome(d) && Duration.toMillis(d.value) > 0
    ? Effect.succeed(Duration.toMillis(d.value))
    : Effect.fail(new CliFailure({ message: `${flag}: cannot read "${s}" as a duration (e.g. "10 minutes")` }))
}

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
    Effect.scoped(
      Effect.gen(function* () {
        const resolved = yield* loadOrExplain(configPath(o.config))
        const durationMs = Option.isSome(o.duration) ? yield* durationOf(o.duration.value, "--duration") : undefined
        const markets: MarketSelector = Option.isSome(o.markets)
          ? o.markets.value
              .split(",")
              .map((s) => s.trim())
              .filter((s) => s.length > 0)
          : { status: "open", limit: o.limit }
        const cpu0 = process.cpuUsage()
        const started = Date.now()
        const handle = yield* Record.start(resolved, {
          dir: resolvePath(o.out),
          ...(Option.isSome(o.venue) ? { venue: o.venue.value } : {}),
          markets,
          log: (line) => Console.log(line)
        }).pipe(Effect.mapError((e) => new CliFailure({ message: e.message })))
        const report = Effect.gen(function* () {
          yield* Effect.ignore(handle.writer.flush)
          const s = yield* handle.stats
          const cpu = process.cpuUsage(cpu0)
          const secs = Math.max(0.001, (Date.now() - started) / 1000)
          yield* Console.log(
            `[record] ${s.frames} frames, ${s.writer.records} records in ${s.writer.files} file(s), ${s.gaps} gap(s), ${s.connects} connect(s); ` +
              `${(s.writer.rawBytes / 1024).toFixed(0)} KiB JSON → ${(s.writer.bytes / 1024).toFixed(0)} KiB on disk ` +
              `(${s.writer.rawBytes > 0 ? (s.writer.rawBytes / Math.max(1, s.writer.bytes)).toFixed(1) : "–"}×); ` +
              `compression ${s.writer.compressMs.toFixed(0)} ms; process CPU ${((cpu.user + cpu.system) / 1000 / secs / 10).toFixed(1)} % over ${secs.toFixed(0)} s`
          )
        })
        yield* Effect.addFinalizer(() => report)
        if (durationMs === undefined) yield* Effect.never
        else yield* Effect.sleep(Duration.millis(durationMs))
      })
    )
).pipe(
  Command.withDescription(
    "record the public tape (books with seq, trades, tickers, lifecycle, market definitions, incentive programs) of a venue's markets to a directory, for backtests and replay"
  )
)
