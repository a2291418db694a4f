/**
 * The default `Risk` implementation: venue-agnostic pre-trade checks, post-trade accounting and the
 * ACTIVE / REDUCING / HALTED state machine with pause and resume. One engine guards every venue and
 * strategy of a runner; limits come from a `RiskConfig` (global, per venue, per strategy).
 *
 * State lives in a Ref created by the layer; time comes from the `Clock` the layer is built under (daily reset, rate
 * window), read inside each step.
 */
import { type Decimal as D, type Market, Risk, type Strategy, StrMap } from "@alpha-hunter/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as ParseResult from "effect/ParseResult"
import * as PubSub from "effect/PubSub"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Engine from "./internal/engine.js"
import { decode, type LimitName, type RiskConfig } from "./RiskConfig.js"

/** The trading state of one scope, with why it is in force. */
export interface ScopeStatus {
  /** absent = global; `{ venue: "*", strategy }` = a strategy everywhere */
  readonly scope: Risk.RiskScope | undefined
  readonly state: Risk.TradingState
  readonly reason: string
  /** the limit whose breach set it */
  readonly cause: LimitName | undefined
  /** set by `pause` (operator) rather than by a breach */
  readonly paused: boolean
  /** epoch ms */
  readonly at: number
}

export interface Summary {
  readonly pnl: D.Decimal
  readonly dailyPnl: D.Decimal
  readonly grossExposure: D.Decimal
  readonly openOrders: number
}

/** `Risk` plus what a runner needs to feed and observe it. */
export interface RiskEngineService extends Risk.RiskService {
  readonly config: RiskConfig
  /** Market facts used by the checks: event (per-event limit), status, binary settlement value. */
  readonly registerMarkets: (venue: string, markets: Iterable<Market.Market>) => Effect.Effect<void>
  /** Every scope not ACTIVE, with its reason. */
  readonly statuses: Effect.Effect<ReadonlyArray<ScopeStatus>>
  /** Every state change since the engine started (the record of reasons). */
  readonly history: Effect.Effect<ReadonlyArray<Risk.StateChange>>
  /** P&L, daily P&L, gross exposure and open orders, for all or one venue/strategy. */
  readonly summary: (filter?: { readonly venue?: string; readonly strategy?: string }) => Effect.Effect<Summary>
  /** Net position in a market (all strategies, or one). */
  readonly position: (venue: string, symbol: string, strategy?: string) => Effect.Effect<D.Decimal>
  /**
   * The state in force for a strategy's scope, and in one market when `symbol` is given (a per-market
   * pause), read without advancing time: one Ref read, for a strategy deciding whether to ask at all.
   */
  readonly stateNow: (scope: Risk.RiskScope, symbol?: string) => Effect.Effect<Risk.TradingState>
  /**
   * The tightest pre-trade limits on a new order of the scope's strategy in `symbol` (size, cost, price band,
   * room per side before a position limit, state), read like `stateNow`: one Ref read, time not advanced.
   * What the runner hands a strategy as core `Strategy.OrderLimits`.
   */
  readonly limitsNow: (scope: Risk.RiskScope, symbol: string) => Effect.Effect<Strategy.MarketLimits>
  /**
   * P&L realised and fees paid earlier today for (venue, strategy), before a restart (from the journal): they
   * count in today's P&L, so the daily loss limit holds across a restart (a breach acts at once).
   */
  readonly carryDaily: (scope: Risk.RiskScope, realized: D.Decimal, fees: D.Decimal) => Effect.Effect<void>
}

/** Limits read for one market, with the scope they were read for. */
interface LimitsRead {
  readonly venue: string
  readonly strategy: string
  readonly limits: Strategy.MarketLimits
}

export class RiskEngine extends Context.Tag("@alpha-hunter/risk/RiskEngine")<RiskEngine, RiskEngineService>() {}

const toStateChange = (c: Engine.Change): Risk.StateChange =>
  Risk.StateChange.make({
    state: c.state,
    previous: c.previous,
    reason: c.reason,
    at: c.at,
    ...(c.scope === undefined ? {} : { scope: c.scope })
  })

/** Builds an engine for a decoded config. */
export const make = (config: RiskConfig): Effect.Effect<RiskEngineService, never, Scope.Scope> =>
  Effect.gen(function* () {
    // the clock the engine is built under, read inside each step (no clock lookup per call)
    const clock = yield* Effect.clock
    const start = clock.unsafeCurrentTimeMillis()
    const ref = yield* Ref.make(Engine.empty(start, config))
    const hub = yield* Effect.acquireRelease(PubSub.unbounded<Risk.StateChange>(), PubSub.shutdown)
    const log = yield* Ref.make<ReadonlyArray<Risk.StateChange>>([])
    // the limits read per market (with the venue and strategy they were read for) from the state `limitsFor`:
    // emptied when the state changes, so it holds only markets read since the last change and keeps no older
    // state alive; keyed by the symbol alone (no key to build per read), a read for another scope replaces it
    const limitsRead = new Map<string, LimitsRead>()
    let limitsFor: Engine.EngineState | undefined

    const publish = (changes: ReadonlyArray<Engine.Change>) =>
      changes.length === 0
        ? Effect.void
        : Effect.gen(function* () {
            const events = changes.map(toStateChange)
            yield* Ref.update(log, (xs) => [...xs, ...events])
            yield* PubSub.publishAll(hub, events)
            // debug only: whoever follows `changes` says it (the runner: one line per change, journaled)
            for (const e of events) {
              yield* Effect.logDebug("risk state change").pipe(
                Effect.annotateLogs({
                  state: e.state,
                  previous: e.previous,
                  reason: e.reason,
                  scope: Engine.scopeKey(e.scope)
                })
              )
            }
          })

    /**
     * Runs a pure engine step atomically and publishes its state changes (hot: every check, order and fill —
     * one `Ref.modify` reading the clock, nothing more when nothing changed state).
     */
    const run = <A>(f: (s: Engine.EngineState, now: number) => Engine.Result<A>): Effect.Effect<A> =>
      Effect.flatMap(
        Ref.modify(ref, (s) => {
          const res = f(s, clock.unsafeCurrentTimeMillis())
          return [res, res.state] as const
        }),
        (r) => (r.changes.length === 0 ? Effect.succeed(r.value) : Effect.as(publish(r.changes), r.value))
      )

    const tickOnly = (s: Engine.EngineState, now: number): Engine.Result<void> => {
      const changes: Array<Engine.Change> = []
      return { state: Engine.tick(s, config, now, changes), value: undefined, changes }
    }

    const state = (scope?: Risk.RiskScope) =>
      run((s, now) => {
        const r = tickOnly(s, now)
        return { ...r, value: Engine.effectiveState(r.state, scope) }
      })

    const service: RiskEngineService = {
      config,
      check: (intent) =>
        Effect.flatMap(
          run((s, now) => Engine.check(s, config, intent, now)),
          (d): Effect.Effect<Risk.RiskDecision> =>
            d._tag === "Denied"
              ? Effect.as(
                  Effect.logDebug("risk denied").pipe(Effect.annotateLogs({ reason: d.reason, message: d.message })),
                  d
                )
              : Effect.succeed(d)
        ),
      state,
      changes: Stream.fromPubSub(hub),
      setState: (st, reason, scope) => run((s, now) => Engine.setState(s, st, reason, scope, false, now)),
      pause: (reason, scope) =>
        run((s, now) => {
          const prev = reasonInForce(s, scope)
          const why = prev === undefined ? `paused: ${reason}` : `paused: ${reason} (was: ${prev})`
          return Engine.setState(s, "HALTED", why, scope, true, now)
        }),
      resume: (reason, scope) => run((s, now) => Engine.setState(s, "ACTIVE", `resumed: ${reason}`, scope, false, now)),
      onFill: (scope, fill) => run((s, now) => Engine.onFill(s, config, scope, fill, now)),
      onOrder: (scope, order) => run((s, now) => Engine.onOrder(s, config, scope, order, now)),
      onMark: (scope, symbol, price) => run((s, now) => Engine.onMark(s, config, scope, symbol, price, now)),
      registerMarkets: (venue, markets) => Ref.update(ref, (s) => Engine.registerMarkets(s, venue, markets)),
      statuses: Ref.get(ref).pipe(
        Effect.map((s) =>
          Array.from(StrMap.entries(s.states))
            .filter(([, st]) => st.state !== "ACTIVE")
            .map(([key, st]) => ({
              scope: Engine.scopeOfKey(key),
              state: st.state,
              reason: st.reason,
              cause: st.cause,
              paused: st.paused,
              at: st.at
            }))
        )
      ),
      history: Ref.get(log),
      summary: (filter = {}) =>
        run((s, now) => {
          const r = tickOnly(s, now)
          return { ...r, value: Engine.summary(r.state, filter) }
        }),
      // the reads a strategy makes on every decision: one runtime step each (a modify that keeps the state, not
      // a get and a map)
      position: (venue, symbol, strategy) => Ref.modify(ref, (s) => [Engine.positionOf(s, venue, symbol, strategy), s]),
      stateNow: (scope, symbol) =>
        Ref.get(ref).pipe(
          Effect.map((s) => {
            const st = Engine.effectiveState(s, scope)
            return st !== "HALTED" && symbol !== undefined && Engine.marketState(s, scope.venue, symbol) === "HALTED"
              ? "HALTED"
              : st
          })
        ),
      limitsNow: (scope, symbol) =>
        Ref.modify(ref, (s) => {
          // worked out again only when the state changed since this market's last read (they depend on it alone)
          const strategy = scope.strategy ?? ""
          if (limitsFor !== s) {
            limitsRead.clear()
            limitsFor = s
          }
          const hit = limitsRead.get(symbol)
          if (hit !== undefined && hit.venue === scope.venue && hit.strategy === strategy) return [hit.limits, s]
          const limits = Engine.orderLimits(s, config, scope.venue, strategy, symbol)
          limitsRead.set(symbol, { venue: scope.venue, strategy, limits })
          return [limits, s]
        }),
      carryDaily: (scope, realized, fees) => run((s, now) => Engine.carryDaily(s, config, scope, realized, fees, now))
    }
    return service
  })

const reasonInForce = (s: Engine.EngineState, scope: Risk.RiskScope | undefined): string | undefined => {
  const e = StrMap.get(s.states, Engine.scopeKey(scope))
  return e !== undefined && e.state !== "ACTIVE" ? e.reason : undefined
}

/** The engine as core `Risk` and as `RiskEngine` (same instance). */
export const layer = (config: RiskConfig): Layer.Layer<Risk.Risk | RiskEngine> =>
  Layer.scopedContext(
    Effect.map(make(config), (engine) => Context.make(RiskEngine, engine).pipe(Context.add(Risk.Risk, engine)))
  )

/** Decodes raw config first: a bad key fails the layer with a ParseError naming its path, before anything runs. */
export const layerFromInput = (input: unknown): Layer.Layer<Risk.Risk | RiskEngine, ParseResult.ParseError> =>
  Layer.unwrapEffect(Effect.map(decode(input), layer))
