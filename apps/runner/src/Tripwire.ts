/**
 * The drift tripwire (issue 13 item 1): what the run read once — each quoted market's fee model and price
 * grid, and its liquidity programs' parameters — is read again every `run.drift.checkMs` (markets reloaded,
 * fee types re-read, programs refreshed) and compared. A change is
 * - journaled (`drift`: market, what, before → after, the action),
 * - published for alerts (`drifts`) and counted (`drift_total`),
 * - re-planned: the market's new facts replace the old for strategies, the sampler and Risk, and our resting
 *   orders there are canceled so the strategy quotes afresh under them;
 * - and a maker fee appearing on a market quoted as fee-free halts that market (Risk refuses creates there:
 *   it is marked paused; our orders there are canceled) unless `run.drift.allowMakerFees` allows it. The
 *   halt is journaled and carried over a restart until the config allows the fee or the fee is gone.
 * Grid changes announced on the venue's lifecycle channel reach the books at once (the venue plugin re-grids
 * them); the tripwire brings the market's facts along at its next check.
 */
import { Decimal as D, type Fee, Ids, type Incentive, type Market } from "@alpha-hunter/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { DriftSection } from "./AppConfig.js"
import type * as Journal from "./Journal.js"
import { sampledMarkets } from "./LipSampler.js"
import * as Metrics from "./Metrics.js"
import type { Resolved } from "./Resolve.js"
import type { VenueSession } from "./Venues.js"

export type DriftWhat = "fees" | "grid" | "program"
export type DriftAction = "replanned" | "halted" | "released"

export interface Drift {
  readonly venue: string
  readonly symbol: string
  readonly what: ReadonlyArray<DriftWhat>
  readonly before: ReadonlyArray<string>
  readonly after: ReadonlyArray<string>
  readonly action: DriftAction
  readonly reason: string
}

export interface TripwireHandle {
  /** every drift as it is found */
  readonly drifts: Stream.Stream<Drift>
  /** runs one check now (the schedule runs them every `checkMs`) */
  readonly check: Effect.Effect<void>
}

type Log = (line: string) => Effect.Effect<void>

const text = (u: unknown): string =>
  JSON.stringify(u, (_k, v) => (typeof v === "bigint" ? D.format(v as D.Decimal) : v))

/** A fee model as one line: `QuadraticFee taker 0.07 maker 0 ×1`. */
export const feeText = (f: Fee.FeeModel): string =>
  f._tag === "NoFee"
    ? "NoFee"
    : `${f._tag} taker ${D.format(f.takerRate)} maker ${D.format(f.makerRate)}${f._tag === "QuadraticFee" ? ` ×${D.format(f.multiplier)}` : ""}`

export const chargesMakers = (f: Fee.FeeModel): boolean => f._tag !== "NoFee" && f.makerRate > 0n

const programText = (p: Incentive.IncentiveProgram): string =>
  `program ${p.id}: target ${p.targetSize === undefined ? "—" : D.format(p.targetSize)}, DF ${p.discountFactor === undefined ? "—" : D.format(p.discountFactor)}, reward $${D.format(p.periodReward)}, ${new Date(p.start).toISOString()} → ${new Date(p.end).toISOString()}`

/** The config allows maker fees on this market (true, or a listed prefix of its symbol). */
export const allowsMakerFees = (cfg: DriftSection, symbol: string): boolean =>
  cfg.allowMakerFees === true ||
  (Array.isArray(cfg.allowMakerFees) && cfg.allowMakerFees.some((p) => symbol.startsWith(p)))

const paused = (m: Market.Market): Market.Market =>
  ({ ...m, status: m.status === "open" ? "paused" : m.status }) as Market.Market

/** Starts the tripwire in the current scope (checks off when `checkMs` is 0; the start's carried halts apply). */
export const start = (
  resolved: Resolved,
  sessions: ReadonlyArray<VenueSession>,
  journal: Journal.JournalService,
  log: Log
): Effect.Effect<TripwireHandle, never, Scope.Scope> =>
  Effect.gen(function* () {
    const cfg = resolved.config.run.drift
    // a few kept for a subscriber that comes later (the alerts start after the run's first halts)
    const hub = yield* PubSub.unbounded<Drift>({ replay: 32 })
    const markets = sampledMarkets(resolved, sessions)
    // what the run quotes against: the markets as loaded, programs as first read
    const baseline = yield* Ref.make<ReadonlyMap<string, Market.Market>>(
      new Map(
        markets.flatMap(({ session, symbols }) =>
          symbols.map((x) => [`${session.name}\u0000${x}`, session.markets.get(x)!] as const)
        )
      )
    )
    const programsSeen = yield* Ref.make(new Map<string, string>())
    for (const { session } of markets) {
      if (Option.isNone(session.incentives)) continue
      const programs = session.incentives.value
      const current = yield* programs.refresh.pipe(Effect.orElse(() => programs.current))
      yield* Ref.update(programsSeen, (m) => new Map([...m, ...current.map((p) => [p.id, programText(p)] as const)]))
    }
    const halted = yield* Ref.make(new Set<string>())

    const cancelOurs = (session: VenueSession, symbol: string) =>
      Effect.forEach(resolved.strategies, (s) =>
        s.section.venue !== session.name
          ? Effect.void
          : Effect.flatMap(session.engine.gateway(s.name, s.prefix), (gw) =>
              gw.cancelAll(Ids.Symbol.make(symbol))
            ).pipe(Effect.catchAll((e) => log(`[${session.name}] drift on ${symbol}: cancel: ${e.message}`)))
      )

    const record = (session: VenueSession, d: Drift) =>
      Effect.gen(function* () {
        yield* journal
          .append({
            kind: "drift",
            venue: session.name,
            symbol: d.symbol,
            data: { what: d.what, before: d.before, after: d.after, action: d.action, reason: d.reason }
          })
          .pipe(Effect.catchAll((e) => log(`drift: ${e.message}`)))
        yield* Metric.increment(Metric.tagged(Metrics.drifts, "venue", session.name))
        yield* log(`[${session.name}] DRIFT ${d.symbol}: ${d.reason}`)
        yield* PubSub.publish(hub, d)
      })

    // a halt journaled earlier and never released holds while the maker fee does and the config forbids it
    for (const { session, symbols } of markets) {
      const entries = yield* journal
        .query({ venue: session.name, kinds: ["drift"] })
        .pipe(Effect.orElseSucceed(() => [] as ReadonlyArray<Journal.Entry>))
      const last = new Map<string, string>()
      for (const e of entries) if (e.symbol !== undefined) last.set(e.symbol, String(e.data["action"]))
      for (const symbol of symbols) {
        if (last.get(symbol) !== "halted") continue
        const m = session.markets.get(symbol)!
        const k = `${session.name}\u0000${symbol}`
        const fee = feeText(m.fees)
        if (chargesMakers(m.fees) && !allowsMakerFees(cfg, symbol)) {
          yield* session.updateMarket(paused(m))
          yield* Ref.update(halted, (h) => new Set(h).add(k))
          yield* record(session, {
            venue: session.name,
            symbol,
            what: ["fees"],
            before: [fee],
            after: [fee],
            action: "halted",
            reason: `still halted: maker fee (${fee}) on a market quoted as fee-free; allow it with run.drift.allowMakerFees`
          })
        } else {
          yield* record(session, {
            venue: session.name,
            symbol,
            what: ["fees"],
            before: [fee],
            after: [fee],
            action: "released",
            reason: chargesMakers(m.fees)
              ? `released: the config allows the maker fee (${fee})`
              : `released: the maker fee is gone (${fee})`
          })
        }
      }
    }

    const checkVenue = (session: VenueSession, symbols: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const fresh = yield* session.exchange.loadMarkets(true)
        const programs = Option.isSome(session.incentives)
          ? yield* session.incentives.value.refresh.pipe(
              Effect.orElse(() => (session.incentives as Option.Some<Incentive.IncentiveProgramsService>).value.current)
            )
          : []
        const bySymbol = new Map<string, Array<Incentive.IncentiveProgram>>()
        for (const p of programs) {
          if (p.kind !== "liquidity") continue
          bySymbol.set(p.symbol, [...(bySymbol.get(p.symbol) ?? []), p])
        }
        for (const symbol of symbols) {
          const k = `${session.name}\u0000${symbol}`
          const old = (yield* Ref.get(baseline)).get(k)
          const now = fresh.get(Ids.Symbol.make(symbol))
          if (old === undefined || now === undefined) continue
          const what: Array<DriftWhat> = []
          const before: Array<string> = []
          const after: Array<string> = []
          if (feeText(old.fees) !== feeText(now.fees)) {
            what.push("fees")
            before.push(feeText(old.fees))
            after.push(feeText(now.fees))
          }
          if (text(old.tickGrid) !== text(now.tickGrid)) {
            what.push("grid")
            before.push(text(old.tickGrid))
            after.push(text(now.tickGrid))
          }
          const seen = yield* Ref.get(programsSeen)
          const nextSeen = new Map(seen)
          for (const p of bySymbol.get(symbol) ?? []) {
            const t = programText(p)
            const was = seen.get(p.id)
            if (was !== undefined && was !== t) {
              what.push("program")
              before.push(was)
              after.push(t)
            }
            nextSeen.set(p.id, t)
          }
          yield* Ref.set(programsSeen, nextSeen)

          const isHalted = (yield* Ref.get(halted)).has(k)
          const mustHalt = chargesMakers(now.fees) && !allowsMakerFees(cfg, symbol)
          if (what.length === 0 && !(isHalted && !mustHalt)) continue
          yield* Ref.update(baseline, (b) => new Map(b).set(k, now))
          let action: DriftAction = "replanned"
          let reason = `${what.join(", ")} changed: ${before.join("; ")} → ${after.join("; ")}`
          if (mustHalt && (isHalted || !chargesMakers(old.fees))) {
            action = "halted"
            reason = `maker fee appeared (${feeText(now.fees)}) on a market quoted as fee-free: halted until run.drift.allowMakerFees allows it`
            yield* Ref.update(halted, (h) => new Set(h).add(k))
            yield* session.updateMarket(paused(now))
          } else {
            if (isHalted) {
              action = "released"
              reason = `released: ${chargesMakers(now.fees) ? "the config allows the maker fee" : "the maker fee is gone"}${what.length > 0 ? `; ${reason}` : ""}`
              yield* Ref.update(halted, (h) => {
                const n = new Set(h)
                n.delete(k)
                return n
              })
            }
            yield* session.updateMarket(now)
          }
          yield* cancelOurs(session, symbol)
          yield* record(session, { venue: session.name, symbol, what, before, after, action, reason })
        }
      }).pipe(Effect.catchAll((e) => log(`[${session.name}] drift check: ${e.message}`)))

    const check = Effect.forEach(markets, ({ session, symbols }) =>
      symbols.length === 0 ? Effect.void : checkVenue(session, symbols)
    ).pipe(Effect.asVoid)

    if (cfg.checkMs > 0 && markets.some((m) => m.symbols.length > 0)) {
      // the first check records the programs' parameters as they are
      yield* Effect.gen(function* () {
        yield* Effect.sleep(Duration.millis(cfg.checkMs))
        yield* check
      }).pipe(Effect.forever, Effect.forkScoped)
    }
    return { drifts: Stream.fromPubSub(hub), check }
  })
