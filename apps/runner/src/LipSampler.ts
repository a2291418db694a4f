/**
 * The LIP sampler: once per interval (1 s by default) at a random offset inside it, like the venue, a
 * snapshot of every market the strategies quote — the newest book view and our resting orders — scored with
 * the exact core `Lip` scorer against the market's liquidity programs from `IncentivePrograms` (each its own
 * Target Size and discount factor). Markets without a program still count coverage, time at best and quoted
 * size. Snapshots add up in memory per market (`LipSample.MarketTally`); every `flushMs` (a minute) each
 * market's aggregate is journaled as one `sample` entry, all in one transaction — 1,000 markets at 1/s is
 * 1,000 rows a minute, not 60,000. A stop flushes the partial interval; a SIGKILL loses at most one.
 *
 * The day's tallies also feed the `/metrics` LIP gauges (score, projected reward, coverage per market),
 * set to 0 for every sampled market at start.
 *
 * The programs scored are followed to their end (`IncentivePrograms.follow`); each flush journals the status
 * changes the venue plugin has read since (closed, paid out) as `sample` entries `{ program, status }` on the
 * program's market, so the report, which reads only the journal, knows which programs were paid out.
 */
import { Decimal as D, Ids, type Incentive, Lip, type OrderBook } from "@alpha-hunter/core"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import type * as Journal from "./Journal.js"
import * as LipSample from "./LipSample.js"
import * as Metrics from "./Metrics.js"
import * as ReportLip from "./ReportLip.js"
import { type Resolved, selectedSymbols } from "./Resolve.js"
import type { VenueSession } from "./Venues.js"

export interface SamplerOptions {
  /** ms between snapshots of a market (0 = off) */
  readonly intervalMs: number
  /** ms of snapshots per journaled aggregate */
  readonly flushMs: number
  readonly rules: Lip.Rules
}

export interface LipSamplerHandle {
  /** journals what the current interval has so far (the stop does, before its report) */
  readonly flush: Effect.Effect<void>
  /** today's (UTC) tallies per `venue\u0000symbol` */
  readonly today: Effect.Effect<ReadonlyMap<string, LipSample.MarketTally>>
}

type Log = (line: string) => Effect.Effect<void>

/** The sampler's options from the config's `run` section. */
export const optionsOf = (run: {
  readonly sampleIntervalMs: number
  readonly sampleFlushMs: number
  readonly lip: Lip.Rules
}): SamplerOptions => ({ intervalMs: run.sampleIntervalMs, flushMs: run.sampleFlushMs, rules: run.lip })

const DAY = 86_400_000
const key = (venue: string, symbol: string) => `${venue}\u0000${symbol}`

/** The markets each venue's strategies trade (what the sampler samples). */
export const sampledMarkets = (resolved: Resolved, sessions: ReadonlyArray<VenueSession>) =>
  sessions.map((session) => {
    const symbols = new Set<string>()
    for (const s of resolved.strategies) {
      if (s.section.venue !== session.name) continue
      for (const x of selectedSymbols([...session.markets.values()], s.section.markets)) {
        if (session.markets.has(x)) symbols.add(x)
      }
    }
    return { session, symbols: [...symbols] }
  })

/** One side's scoring levels, our levels marked (module level: not a closure made per snapshot). */
const scoringSide = (
  view: OrderBook.BookView,
  ours: ReadonlyArray<{ readonly side: string; readonly price: D.Decimal }>,
  s: "bid" | "ask",
  need: D.Decimal
) => {
  const mine = new Set(ours.filter((o) => (o.side === "buy") === (s === "bid")).map((o) => view.grid.levelOf(o.price)))
  return LipSample.scoringLevels(view.levels(s), view.lotStep, view.grid, mine, need)
}

/**
 * One market's snapshot now, from the newest view and our open orders (undefined before a first view). Only
 * the levels the scoring can use become Decimals: each side from its best until the cumulative size reaches
 * `need` (the largest Target Size of the market's programs; levels past it never qualify), and the levels our
 * orders rest at — a deci-cent book can hold hundreds of levels.
 */
const snapshotOf = (session: VenueSession, symbol: string, need: D.Decimal) =>
  Effect.gen(function* () {
    const v = yield* session.lastView(Ids.Symbol.make(symbol))
    if (Option.isNone(v)) return undefined
    const view = v.value
    const ours = (yield* session.engine.liveIn(symbol))
      .filter((t) => t.status === "open" && t.remaining > 0n)
      .map((t) => ({ side: t.side, price: t.price, size: t.remaining }))
    return {
      open: session.markets.get(symbol)?.status === "open",
      grid: view.grid,
      bids: scoringSide(view, ours, "bid", need),
      asks: scoringSide(view, ours, "ask", need),
      ours
    } satisfies LipSample.MarketSnapshot
  })

const gauges = (venue: string, symbol: string) => {
  const tag = <M extends Metric.Metric.Gauge<number>>(m: M) =>
    Metric.tagged(Metric.tagged(m, "venue", venue), "market", symbol)
  return {
    score: tag(Metrics.lipScore),
    reward: tag(Metrics.lipProjectedReward),
    coverage: tag(Metrics.lipCoverage)
  }
}

/** Starts the sampler in the current scope. */
export const start = (
  resolved: Resolved,
  sessions: ReadonlyArray<VenueSession>,
  journal: Journal.JournalService,
  options: SamplerOptions,
  log: Log
): Effect.Effect<LipSamplerHandle, never, Scope.Scope> =>
  Effect.gen(function* () {
    const markets = sampledMarkets(resolved, sessions)
    const pending = yield* Ref.make<{ readonly from: number; readonly tallies: Map<string, LipSample.MarketTally> }>({
      from: yield* Clock.currentTimeMillis,
      tallies: new Map()
    })
    const day = yield* Ref.make<{ readonly day: number; readonly tallies: Map<string, LipSample.MarketTally> }>({
      day: -1,
      tallies: new Map()
    })
    const metricOf = new Map(
      markets.flatMap(({ session, symbols }) => symbols.map((x) => [key(session.name, x), gauges(session.name, x)]))
    )
    // present from the start
    for (const g of metricOf.values()) {
      yield* Metric.set(g.score, 0)
      yield* Metric.set(g.reward, 0)
      yield* Metric.set(g.coverage, 0)
    }

    const publish = (k: string, t: LipSample.MarketTally) =>
      Effect.gen(function* () {
        const g = metricOf.get(k)
        if (g === undefined) return
        const first = t.programs[0]
        const score = first === undefined ? D.ZERO : Lip.project(first.period, first.periodReward).periodScore
        const reward = D.sum(t.programs.map(LipSample.accruedReward))
        yield* Metric.set(g.score, D.toNumberLossy(score))
        yield* Metric.set(g.reward, D.toNumberLossy(D.roundToStep(reward, D.d("0.01"), "floor")))
        yield* Metric.set(g.coverage, t.snapshots === 0 ? 0 : t.coveredBoth / t.snapshots)
      })

    const flush = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const { from, tallies } = yield* Ref.getAndSet(pending, { from: now, tallies: new Map() })
      const rows: Array<Journal.NewEntry> = []
      for (const { session } of markets) {
        if (Option.isNone(session.incentives)) continue
        for (const c of yield* session.incentives.value.takeChanges) {
          rows.push({
            kind: "sample",
            venue: session.name,
            symbol: c.program.symbol,
            data: ReportLip.encodeStatus(c.program.id, c.status)
          })
        }
      }
      if (tallies.size === 0) {
        if (rows.length > 0)
          yield* journal.appendAll(rows).pipe(Effect.catchAll((e) => log(`LIP sampler: ${e.message}`)))
        return
      }
      for (const [k, t] of tallies) {
        const [venue, symbol] = k.split("\u0000") as [string, string]
        rows.push({ kind: "sample", venue, symbol, data: LipSample.encode(t, from, now) })
      }
      yield* journal.appendAll(rows).pipe(Effect.catchAll((e) => log(`LIP sampler: ${e.message}`)))
      // today's tallies (a new UTC day starts from zero)
      const today = Math.floor(from / DAY)
      const d = yield* Ref.updateAndGet(day, (x) => {
        const base = x.day === today ? x.tallies : new Map<string, LipSample.MarketTally>()
        const next = new Map(base)
        for (const [k, t] of tallies) next.set(k, LipSample.combine(next.get(k) ?? LipSample.emptyTally, t))
        return { day: today, tallies: next }
      })
      for (const k of tallies.keys()) yield* publish(k, d.tallies.get(k)!)
    })

    const round = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const updates: Array<readonly [string, LipSample.MarketSnapshot, ReadonlyArray<Incentive.IncentiveProgram>]> = []
      for (const { session, symbols } of markets) {
        const all = Option.isSome(session.incentives) ? yield* session.incentives.value.current : []
        const bySymbol = new Map<string, Array<Incentive.IncentiveProgram>>()
        for (const p of LipSample.scoringPrograms(all, now)) {
          const list = bySymbol.get(p.symbol)
          if (list === undefined) bySymbol.set(p.symbol, [p])
          else list.push(p)
        }
        const scored: Array<Incentive.IncentiveProgram> = []
        for (const symbol of symbols) {
          const programs = bySymbol.get(symbol) ?? []
          scored.push(...programs)
          const need = programs.reduce((m, p) => D.max(m, p.targetSize!), D.ZERO)
          const snap = yield* snapshotOf(session, symbol, need)
          if (snap !== undefined) updates.push([key(session.name, symbol), snap, programs])
        }
        // followed to their end (paid out or not), the plugin reads their final status
        if (Option.isSome(session.incentives) && scored.length > 0) yield* session.incentives.value.follow(scored)
      }
      yield* Ref.update(pending, (p) => {
        const tallies = new Map(p.tallies)
        for (const [k, snap, programs] of updates) {
          tallies.set(k, LipSample.addSnapshot(tallies.get(k) ?? LipSample.emptyTally, snap, programs, options.rules))
        }
        return { from: p.from, tallies }
      })
      if (now - (yield* Ref.get(pending)).from >= options.flushMs) yield* flush
    })

    if (options.intervalMs > 0 && markets.some((m) => m.symbols.length > 0)) {
      // one snapshot per interval at a random offset inside it
      const next = Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const offset = yield* Random.nextIntBetween(0, options.intervalMs)
        const at = now - (now % options.intervalMs) + options.intervalMs + offset
        yield* Effect.sleep(Duration.millis(at - now))
        yield* round
      })
      yield* next.pipe(
        Effect.catchAllCause((c) => log(`LIP sampler: ${String(c)}`)),
        Effect.forever,
        Effect.forkScoped
      )
      yield* Effect.addFinalizer(() => flush)
    }
    return { flush, today: Effect.map(Ref.get(day), (d) => d.tallies) }
  })
