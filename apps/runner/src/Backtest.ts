/**
 * A backtest: a config's strategies run against a tape through the same run as live — `Run.start` (Risk,
 * the journal, the execution engine, the venue port) — with the config's venue replaced by a replay venue
 * (`@alpha-hunter/backtest`) and time simulated (`SimRuntime`): deterministic, so the same tape, config and
 * seed give a byte-identical report. The journal is a real SQLite file (the report is computed from it as
 * live), written afresh each run.
 */
import { existsSync, rmSync } from "node:fs"
import { Analytics, FillModel, ReplayVenue, SimRuntime, TapePrograms } from "@alpha-hunter/backtest"
import { Decimal as D, Diagnostics, Exchange, Incentive, Plugin } from "@alpha-hunter/core"
import { TapeReader } from "@alpha-hunter/tape"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import * as BacktestJournal from "./BacktestJournal.js"
import * as Journal from "./Journal.js"
import * as Report from "./Report.js"
import type { Resolved } from "./Resolve.js"
import * as Run from "./Run.js"
import * as RunLog from "./RunLog.js"

export class BacktestError extends Data.TaggedError("BacktestError")<{ readonly message: string }> {}

export interface BacktestOptions {
  readonly tape: string
  readonly journal: string
  readonly fill: FillModel.FillModel
  readonly balance?: D.Decimal
  /**
   * a line about progress once per simulated minute — not part of the result; `fraction` is the share of the
   * tape's span replayed so far (0–1)
   */
  readonly progress?: (line: string, fraction: number) => void
}

export interface MarketSummary {
  readonly symbol: string
  readonly fills: number
  readonly contracts: D.Decimal
  readonly position: D.Decimal
  readonly final: D.Decimal | undefined
  readonly settled: boolean
  readonly attribution: Analytics.Attribution
}

export interface Summary {
  readonly tape: {
    readonly records: number
    readonly frames: number
    readonly gaps: number
    readonly malformed: number
    readonly from: number
    readonly to: number
    readonly markets: number
    readonly programs: number
  }
  readonly fill: FillModel.FillModel
  readonly markouts: ReadonlyArray<Analytics.Markout>
  /** liquidity programs on the tape, scored every second of the replay */
  readonly lip: ReadonlyArray<{
    readonly program: string
    readonly symbol: string
    readonly snapshots: number
    readonly periodScore: D.Decimal
    readonly projectedPeriod: D.Decimal
    readonly earned: D.Decimal
  }>
  readonly markets: ReadonlyArray<MarketSummary>
  readonly attribution: Analytics.Attribution
  /** log lines of the run (strategy and risk messages), in order: the first 200 */
  readonly log: ReadonlyArray<string>
  /** when more came: how many, and the most frequent kinds of line (see `RunLog`) */
  readonly logMore?: RunLog.RunLogMore
}

export interface BacktestResult {
  readonly report: Report.Report
  readonly summary: Summary
  /** work done: fiber steps in the simulated runtime */
  readonly steps: number
}

const DAY_MS = 86_400_000

const sumAttr = (xs: ReadonlyArray<Analytics.Attribution>): Analytics.Attribution => ({
  spread: D.sum(xs.map((x) => x.spread)),
  inventory: D.sum(xs.map((x) => x.inventory)),
  fees: D.sum(xs.map((x) => x.fees)),
  rewards: D.sum(xs.map((x) => x.rewards)),
  total: D.sum(xs.map((x) => x.total))
})

/** Runs the backtest (synchronously inside: the simulated runtime owns the thread until the tape ends). */
export const run = (resolved: Resolved, options: BacktestOptions): Effect.Effect<BacktestResult, BacktestError> =>
  Effect.gen(function* () {
    const reader = yield* TapeReader.open(options.tape).pipe(
      Effect.mapError((e) => new BacktestError({ message: e.message }))
    )
    const first = resolved.strategies[0]
    if (first === undefined) return yield* new BacktestError({ message: "the config has no strategy to backtest" })
    const venueName = first.section.venue
    const head = yield* Effect.try({
      try: () => ReplayVenue.readHead(reader, venueName),
      catch: (e) =>
        new BacktestError({
          message: `cannot read the tape at ${options.tape}: ${e instanceof Error ? e.message : String(e)}`
        })
    })
    const strategies = resolved.strategies.filter((s) => s.section.venue === venueName)
    // the tape's last record's time (its index says)
    const tapeEnd = reader.index?.files.at(-1)?.to
    const replayConfig = FillModel.ReplayConfig.make({
      fill: options.fill,
      ...(options.balance !== undefined ? { balance: options.balance } : {})
    })
    for (const suffix of ["", "-wal", "-shm"])
      if (existsSync(options.journal + suffix)) rmSync(options.journal + suffix)

    const log = RunLog.make()
    const program = Effect.scoped(
      Effect.gen(function* () {
        // the journal file, written in large batches (no commit per decision), times kept
        const file = yield* Journal.make(options.journal, { bulk: true })
        // the report is built as the journal is written (nothing read back, no entry kept)
        // the journal's last entry comes within moments of the tape's last record (the quotes pulled at its end,
        // their answers and lookups: seconds of simulated time): a week is room to spare, and lets the report
        // count the 30-day volume as the fills come, none kept, on any tape shorter than 23 days
        const report = Report.fold(tapeEnd === undefined ? {} : { endsBy: tapeEnd + 7 * DAY_MS })
        const { journal, flush } = yield* BacktestJournal.buffered(file, undefined, report.add)
        const replay = yield* ReplayVenue.make(head, replayConfig, venueName)
        const programs = TapePrograms.make(head.programs, yield* Effect.clock)
        const plugin = Plugin.exchangePlugin({
          name: "replay",
          description: "a recorded tape replayed with a fill model",
          config: Schema.Unknown,
          layer: () =>
            Layer.succeedContext(
              Context.make(Exchange.Exchange, replay.exchange).pipe(
                Context.add(Diagnostics.Diagnostics, Diagnostics.minimal([`replay of ${options.tape}`])),
                // the tape's programs, as the live venue provided them (program-aware quoting, the LIP report)
                Context.add(Incentive.IncentivePrograms, programs)
              )
            )
        })
        const bt: Resolved = {
          ...resolved,
          venues: [{ name: venueName, plugin, config: undefined }],
          strategies
        }
        const handle = yield* Run.start(bt, { log: (line) => Effect.sync(() => log.add(line)) }).pipe(
          Effect.provideService(Journal.Journal, journal)
        )
        yield* replay.feed
        const resting = yield* handle.pullQuotes
        if (resting > 0) log.add(`${resting} orders still rest at the end of the tape`)
        yield* flush
        // everything written (the file's rows are written on a thread of their own): a write that failed there
        // fails the backtest here
        yield* file.lastSeq
        return { report: report.finish(), replay }
      })
    ).pipe(
      Effect.provide(
        Logger.replace(
          Logger.defaultLogger,
          Logger.make(({ logLevel, message }) => {
            if (logLevel._tag === "Warning" || logLevel._tag === "Error" || logLevel._tag === "Fatal") {
              log.add(
                `${logLevel.label.toLowerCase()}: ${Array.isArray(message) ? message.join(" ") : String(message)}`
              )
            }
          })
        )
      )
    )

    let lastProgress = 0
    const span = Math.max(1, (tapeEnd ?? head.startMs) - head.startMs)
    const result = yield* Effect.try({
      try: () =>
        SimRuntime.run(program, {
          startMs: head.startMs,
          seed: options.fill.seed,
          onAdvance: (now) => {
            if (options.progress === undefined || now - lastProgress < 60_000) return
            lastProgress = now
            const fraction = Math.min(1, (now - head.startMs) / span)
            options.progress(
              `backtest: ${new Date(now).toISOString()} (${Math.round(fraction * 100)} % of the tape)`,
              fraction
            )
          }
        }),
      catch: (e) => new BacktestError({ message: `backtest stopped: ${e instanceof Error ? e.message : String(e)}` })
    })
    if (Exit.isFailure(result.exit)) {
      return yield* new BacktestError({ message: `backtest failed: ${Cause.pretty(result.exit.cause).split("\n")[0]}` })
    }
    const { report, replay } = result.exit.value
    const st = replay.stats()
    const lip = replay.lip()
    const logMore = log.more()
    const rewards = new Map<string, D.Decimal>()
    for (const l of lip) rewards.set(l.program.symbol, D.add(rewards.get(l.program.symbol) ?? D.ZERO, l.earned))
    const symbols = [
      ...new Set([...replay.analytics.markets.keys(), ...[...rewards].filter(([, r]) => !D.isZero(r)).map(([s]) => s)])
    ].sort()
    const markets: Array<MarketSummary> = []
    for (const symbol of symbols) {
      const m = replay.analytics.markets.get(symbol) ?? Analytics.emptyPnl()
      const final = replay.finalValue(symbol)
      markets.push({
        symbol,
        fills: m.fills,
        contracts: m.contracts,
        position: m.position,
        final,
        settled: replay.settled(symbol),
        attribution: Analytics.attribute(m, final ?? D.ZERO, rewards.get(symbol) ?? D.ZERO)
      })
    }
    const summary: Summary = {
      tape: {
        records: st.records,
        frames: st.frames,
        gaps: st.gaps,
        malformed: st.malformed,
        from: head.startMs,
        to: st.lastMs,
        markets: head.markets.length,
        programs: head.programs.length
      },
      fill: options.fill,
      markouts: replay.analytics.markouts(),
      lip: lip.map((l) => ({
        program: l.program.id,
        symbol: l.program.symbol,
        snapshots: l.snapshots,
        periodScore: l.periodScore,
        projectedPeriod: l.projectedPeriod,
        earned: l.earned
      })),
      markets,
      attribution: sumAttr(markets.map((m) => m.attribution)),
      log: log.lines(),
      ...(logMore === undefined ? {} : { logMore })
    }
    return { report, summary, steps: result.steps }
  })

// ---- output ---------------------------------------------------------------------------------------------

const money = (d: D.Decimal) => `${D.isNegative(d) ? "−" : "+"}${D.format(D.abs(d), 4, "half-even")}`

export const formatSummary = (s: Summary): string => {
  const lines: Array<string> = []
  const t = s.tape
  lines.push(
    `tape: ${t.records} records (${t.frames} frames, ${t.gaps} gaps, ${t.malformed} malformed), ${new Date(t.from).toISOString()} → ${new Date(t.to).toISOString()}, ${t.markets} markets, ${t.programs} incentive programs`
  )
  lines.push(
    `fill model: ${s.fill.kind} (seed ${s.fill.seed}), feed latency ${s.fill.feedLatencyMs} ms, order latency ${s.fill.orderLatencyMs} ms${s.fill.batchMs > 0 ? `, ${s.fill.batchMs} ms batches` : ""}`
  )
  lines.push("markouts (mid after our fills vs fill price, + = in our favour):")
  for (const m of s.markouts) {
    const per = D.isZero(m.contracts) ? "–" : money(D.div(m.total, m.contracts))
    lines.push(
      `  ${String(m.horizonMs / 1000).padStart(4)} s: ${per} per contract over ${m.fills} fills (${money(m.total)} total)`
    )
  }
  if (s.lip.some((l) => l.snapshots > 0)) {
    lines.push("liquidity programs (scored every second of the replay, Kalshi's rules):")
    for (const l of s.lip.filter((x) => x.snapshots > 0)) {
      lines.push(
        `  ${l.symbol.padEnd(30)} ${String(l.snapshots).padStart(6)} snapshots, period score ${D.format(l.periodScore, 4, "floor")}, period reward if the whole period looked like this $${D.format(l.projectedPeriod, 2, "floor")}, earned over the replay $${D.format(l.earned, 4, "floor")}`
      )
    }
  }
  lines.push(
    "P&L attribution (exact; final value = settlement value, else the last mid; rewards = LIP earned over the replay):"
  )
  lines.push(
    "  market                          fills  contracts  position  final     spread     inventory  fees       rewards    total"
  )
  const row = (name: string, fills: string, contracts: string, pos: string, fin: string, a: Analytics.Attribution) =>
    `  ${name.padEnd(30)} ${fills.padStart(6)} ${contracts.padStart(10)} ${pos.padStart(9)}  ${fin.padEnd(8)} ${money(a.spread).padStart(10)} ${money(a.inventory).padStart(10)} ${money(a.fees).padStart(10)} ${money(a.rewards).padStart(10)} ${money(a.total).padStart(10)}`
  for (const m of s.markets) {
    lines.push(
      row(
        m.symbol,
        String(m.fills),
        D.format(m.contracts),
        D.format(m.position),
        m.final === undefined ? "–" : `${D.format(m.final)}${m.settled ? "*" : ""}`,
        m.attribution
      )
    )
  }
  lines.push(row("total", "", "", "", "", s.attribution))
  if (s.markets.some((m) => m.settled)) lines.push("  * settled on the tape")
  if (s.log.length > 0) {
    const total = s.log.length + (s.logMore?.lines ?? 0)
    lines.push(`run log (${total} line${total === 1 ? "" : "s"}):`)
    for (const l of s.log.slice(0, 20)) lines.push(`  ${l}`)
    if (total > 20) lines.push(`  … ${total - 20} more`)
    if (s.logMore !== undefined) {
      lines.push("  the most frequent kinds of line (numbers aside), with a first example:")
      for (const k of s.logMore.kinds) lines.push(`  ${String(k.count).padStart(8)} × ${k.example}`)
      if (s.logMore.otherKinds > 0) lines.push(`  ${String(s.logMore.otherKinds).padStart(8)} × lines of other kinds`)
    }
  }
  return lines.join("\n")
}

const plain = (_k: string, v: unknown) => (typeof v === "bigint" ? D.format(v as D.Decimal) : v)

export const formatJson = (r: BacktestResult): string =>
  JSON.stringify({ report: JSON.parse(Report.formatJson(r.report)), backtest: r.summary }, plain, 2)

export const formatText = (r: BacktestResult): string =>
  `${Report.formatTable(r.report)}\n\n${formatSummary(r.summary)}`
