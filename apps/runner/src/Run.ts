/**
 * A run: one Risk engine and one journal, the venues, each strategy with its environment, the LIP sampler,
 * the drift tripwire, risk-state journaling, and the stop path that cancels our resting orders and verifies
 * none rests.
 */
import { type Order, type Risk, Strategy } from "@alpha-hunter/core"
import { RiskEngine } from "@alpha-hunter/risk"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as ConfigFile from "./ConfigFile.js"
import * as DailyPnl from "./DailyPnl.js"
import { errorText } from "./Errors.js"
import * as Journal from "./Journal.js"
import * as LipSampler from "./LipSampler.js"
import * as RecordRun from "./RecordRun.js"
import { type Resolved, selectedSymbols, strategyOf } from "./Resolve.js"
import { strategyEnv } from "./StrategyEnv.js"
import * as Tripwire from "./Tripwire.js"
import { openVenue, type VenueSession } from "./Venues.js"
export interface RunHandle {
  readonly sessions: ReadonlyArray<VenueSession>
  readonly risk: RiskEngine.RiskEngineService
  readonly journal: Journal.JournalService
  readonly startedAt: number
  readonly quoted: Ref.Ref<ReadonlySet<string>>
  /** cancels our resting orders everywhere and verifies none rests; returns what is still resting */
  readonly pullQuotes: Effect.Effect<number>
  /** the LIP sampler (`pullQuotes` flushes it, so the stop's report has the last partial minute) */
  readonly lip: LipSampler.LipSamplerHandle
  /** fee, program and grid drift on the quoted markets, as found (for alerts) */
  readonly drifts: Stream.Stream<Tripwire.Drift>
  /** venue totals already exported as Prometheus counters */
  readonly exportedTotals: Map<string, number>
}

type Log = (line: string) => Effect.Effect<void>

/** When the run started (epoch ms): the journal's `run` entry. */
export class StartedAt extends Context.Tag("@alpha-hunter/runner/StartedAt")<StartedAt, number>() {}

/** The run's start in the journal, and Risk's state changes journaled and logged from before any venue opens. */
const RiskRecordLive = (resolved: Resolved, log: Log) =>
  Layer.scoped(
    StartedAt,
    Effect.gen(function* () {
      const journal = yield* Journal.Journal
      const risk = yield* RiskEngine.RiskEngine
      const startedAt = yield* Effect.clockWith((c) => c.currentTimeMillis)
      yield* journal.append({ kind: "run", venue: "*", data: { config: resolved.file, startedAt } })
      const record = (c: Risk.StateChange) =>
        Effect.zipRight(
          journal.append({
            kind: c.state === "ACTIVE" ? "resume" : "halt",
            venue: c.scope?.venue ?? "*",
            strategy: c.scope?.strategy,
            symbol: c.scope?.symbol,
            data: { state: c.state, previous: c.previous, reason: c.reason }
          }),
          log(`[risk] ${scopeLabel(c.scope)}: ${c.previous} → ${c.state} (${c.reason})`)
        ).pipe(Effect.ignore)
      // P&L realised earlier today counts against today's loss limit (a breach halts before any venue opens)
      const carried = yield* DailyPnl.carryToday(journal, risk, startedAt).pipe(
        Effect.catchAll((e) =>
          Effect.as(log(`[risk] cannot read today's P&L from the journal: ${e.message}`), [] as ReadonlyArray<string>)
        )
      )
      if (carried.length > 0) yield* log(`[risk] today's P&L before this start: ${carried.join("; ")}`)
      // a halt or pause still in force from earlier today (UTC) carries over until a person resumes
      yield* carryOver(journal, risk, startedAt)
      for (const c of yield* risk.history) yield* record(c)
      // from here on: every halt, resume and reason as it happens
      yield* risk.changes.pipe(Stream.runForEach(record), Effect.forkScoped)
      return startedAt
    })
  )

/** A risk scope as the logs and the status say it: global, `venue`, `venue/strategy`, `venue:market`. */
export const scopeLabel = (scope: Risk.RiskScope | undefined): string =>
  scope === undefined
    ? "global"
    : `${scope.venue}${scope.strategy ? `/${scope.strategy}` : ""}${scope.symbol ? `:${scope.symbol}` : ""}`

const carriedPrefix = "still in force from earlier today: "
const carriedSuffix = " (resume with `alpha-hunter resume`)"

/** The reason a carried-over halt states: the original one, said once however many restarts carried it. */
export const carriedReason = (reason: string): string => {
  let r = reason.startsWith(carriedPrefix) ? reason.slice(carriedPrefix.length) : reason
  if (r.endsWith(carriedSuffix)) r = r.slice(0, -carriedSuffix.length)
  return `${carriedPrefix}${r}${carriedSuffix}`
}

/**
 * Re-applies, per scope, a halt or pause journaled earlier today (UTC) and not resumed since: a bot halted
 * today (a daily loss limit, an operator's halt, a desync) starts halted and says why, until a person
 * resumes it (`alpha-hunter resume`).
 */
const carryOver = (journal: Journal.JournalService, risk: RiskEngine.RiskEngineService, now: number) =>
  Effect.gen(function* () {
    const dayStart = now - (now % 86_400_000)
    const entries = yield* journal.query({ since: dayStart, kinds: ["halt", "resume"] })
    const last = new Map<string, Journal.Entry>()
    for (const e of entries) last.set(`${e.venue}\u0000${e.strategy ?? ""}\u0000${e.symbol ?? ""}`, e)
    for (const e of last.values()) {
      if (e.kind !== "halt") continue
      const state = e.data["state"] === "REDUCING" ? "REDUCING" : "HALTED"
      const scope =
        e.venue === "*" && !e.strategy
          ? undefined
          : {
              venue: e.venue,
              ...(e.strategy ? { strategy: e.strategy } : {}),
              ...(e.symbol ? { symbol: e.symbol } : {})
            }
      yield* risk.setState(state, carriedReason(String(e.data["reason"] ?? "halted")), scope)
    }
  }).pipe(Effect.catchAll((e) => Effect.logWarning(`cannot read today's halts from the journal: ${e.message}`)))

/** Every configured venue, open (markets, engine, health, streams, reconciled) for the life of the run. */
export class Venues extends Context.Tag("@alpha-hunter/runner/Venues")<Venues, ReadonlyArray<VenueSession>>() {}

const VenuesLive = (resolved: Resolved, log: Log) =>
  Layer.scoped(
    Venues,
    Effect.gen(function* () {
      const journal = yield* Journal.Journal
      const risk = yield* RiskEngine.RiskEngine
      return yield* Effect.forEach(resolved.venues, (v) => openVenue(resolved, v, risk, journal, log))
    })
  )

export class Run extends Context.Tag("@alpha-hunter/runner/Run")<Run, RunHandle>() {}

/** The recorder (`record:` / `run --record DIR`): taps the venues' feeds before any strategy subscribes a book. */
const RecordLive = (resolved: Resolved, log: Log) =>
  Layer.scopedDiscard(Effect.flatMap(Venues, (sessions) => RecordRun.start(resolved, sessions, log)))

/**
 * The run as one Layer graph: Risk → (journal of its changes) → venues → strategies, sampler and the stop
 * path. Only the journal comes from outside (the CLI owns its file).
 */
export const layer = (resolved: Resolved, options: { readonly log: Log }): Layer.Layer<Run, unknown, Journal.Journal> =>
  Layer.scoped(Run, runStrategies(resolved, options)).pipe(
    Layer.provide(RecordLive(resolved, options.log)),
    Layer.provide(
      VenuesLive(resolved, options.log).pipe(
        Layer.provideMerge(
          RiskRecordLive(resolved, options.log).pipe(Layer.provideMerge(RiskEngine.layer(resolved.risk)))
        )
      )
    )
  )

/** Builds the run in the current scope; returns its handle. Strategies run until the scope closes. */
export const start = (
  resolved: Resolved,
  options: { readonly log: Log }
): Effect.Effect<RunHandle, unknown, Scope.Scope | Journal.Journal> =>
  Effect.map(Layer.build(layer(resolved, options)), (ctx) => Context.get(ctx, Run))

const runStrategies = (resolved: Resolved, options: { readonly log: Log }) =>
  Effect.gen(function* () {
    const { log } = options
    const journal = yield* Journal.Journal
    const risk = yield* RiskEngine.RiskEngine
    const sessions = yield* Venues
    const startedAt = yield* StartedAt
    const quoted = yield* Ref.make<ReadonlySet<string>>(new Set())
    // fee, program and grid drift on the quoted markets (a halt carried over applies before any strategy runs)
    const tripwire = yield* Tripwire.start(resolved, sessions, journal, log)

    const strategyFibers: Array<Fiber.RuntimeFiber<void, unknown>> = []
    for (const s of resolved.strategies) {
      const session = sessions.find((x) => x.name === s.section.venue)!
      const symbols = selectedSymbols([...session.markets.values()], s.section.markets)
      const unknownSymbols = symbols.filter((x) => !session.markets.has(x))
      if (unknownSymbols.length > 0) {
        return yield* new ConfigFile.ConfigError({
          file: resolved.file,
          issues: [
            { path: `strategies.${s.name}.markets`, message: `not on ${session.name}: ${unknownSymbols.join(", ")}` }
          ]
        })
      }
      const config = yield* Schema.decodeUnknown(s.plugin.config, { onExcessProperty: "error", errors: "all" })({
        ...s.pluginInput,
        markets: symbols
      }).pipe(
        Effect.mapError(
          (e) =>
            new ConfigFile.ConfigError({ file: resolved.file, issues: ConfigFile.issuesOf(e, ["strategies", s.name]) })
        )
      )
      const env = yield* strategyEnv(session, s, symbols, risk, quoted)
      const ctx = yield* Layer.build(
        s.plugin.layer(config, { id: s.name }).pipe(Layer.provide(Layer.succeedContext(env)))
      )
      const strategy = Context.get(ctx, Strategy.Strategy)
      yield* log(
        `[${s.name}] ${s.plugin.name} on ${session.name}: ${symbols.length} markets (${symbols.slice(0, 6).join(", ")}${symbols.length > 6 ? ", …" : ""})`
      )
      const fiber = yield* strategy.run.pipe(
        Effect.catchAllCause((c) => log(`[${s.name}] strategy stopped: ${String(c)}`)),
        Effect.forkScoped
      )
      strategyFibers.push(fiber)
    }

    // LIP sampling (LipSampler): each quoted market once per interval, scored against its programs
    const lip = yield* LipSampler.start(resolved, sessions, journal, LipSampler.optionsOf(resolved.config.run), log)
    /**
     * Stop: interrupt the strategies, cancel our orders, and verify through the venue that none rests.
     * A write that was in flight when a strategy stopped can still land after a first clean look, so the
     * venue must look clean twice, at least a second apart (and our own order view must have no write in
     * flight) before we say so.
     */
    const pullQuotes = Effect.gen(function* () {
      yield* Fiber.interruptAll(strategyFibers)
      // the strategies stopped: what the sampler has of the current minute goes to the journal (the report's)
      yield* lip.flush
      let resting = 0
      for (const session of sessions) {
        let clean = 0
        let still: ReadonlyArray<Order.Order> = []
        for (let attempt = 0; attempt < 12 && clean < 2; attempt++) {
          const live = yield* session.engine.live
          for (const st of new Set(live.filter((t) => t.status === "open").map((t) => t.strategy))) {
            const s = resolved.strategies.find((x) => x.name === st)
            if (s === undefined) continue
            const gw = yield* session.engine.gateway(s.name, s.prefix)
            yield* gw.cancelAll().pipe(Effect.catchAll((e) => log(`[${session.name}] cancel: ${e.message}`)))
          }
          still = (yield* session.exchange.fetchOpenOrders().pipe(Effect.orElseSucceed(() => still))).filter(
            (o) => strategyOf(resolved, o.clientOrderId) !== undefined
          )
          for (const o of still) {
            yield* session.exchange
              .cancelOrder(o.id, o.symbol)
              .pipe(
                Effect.catchAll((e) =>
                  attempt >= 3
                    ? log(`[${session.name}] cancel ${o.clientOrderId ?? o.id}: ${errorText(e)}`)
                    : Effect.void
                )
              )
          }
          const inFlight = (yield* session.engine.live).some((t) => t.status.startsWith("pending"))
          clean = still.length === 0 && (!inFlight || attempt >= 4) ? clean + 1 : 0
          if (clean < 2) yield* Effect.sleep(Duration.millis(clean === 1 ? 1000 : 250 * (attempt + 1)))
        }
        if (clean < 2) resting += still.length
      }
      return resting
    })

    return {
      sessions,
      risk,
      journal,
      startedAt,
      quoted,
      pullQuotes,
      lip,
      drifts: tripwire.drifts,
      exportedTotals: new Map()
    } satisfies RunHandle
  })
