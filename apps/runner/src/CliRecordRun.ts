/** The work of `alpha-hunter record` and `run --record` (the options: CliRecord.ts), loaded when it runs. */
import { resolve as resolvePath } from "node:path"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { MarketSelector } from "./AppConfig.js"
import { CliFailure, configPath } from "./CliCommon.js"
import { loadOrExplain } from "./CliLoad.js"
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

export interface RecordArgs {
  readonly config: Option.Option<string>
  readonly out: string
  readonly venue: Option.Option<string>
  readonly markets: Option.Option<string>
  readonly limit: number
  readonly duration: Option.Option<string>
}

export const record = (o: RecordArgs) =>
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
