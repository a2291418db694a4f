/**
 * The Kalshi side of dual-source verification. The WebSocket private stream is primary (it feeds the port's
 * order store); the verification rules live in the port (`Venue.make`, `internal/venue/verify.ts`) so every
 * venue gets them. What stays here is Kalshi-specific:
 * - the audit cadence and read budget: `GET /portfolio/orders?status=resting` (10 read tokens) every
 *   `reconcile.pollMs` (2.5 s), every `fastPollMs` (1 s) while the private stream has been silent for
 *   `silentAfterMs` with orders open or while a disagreement waits for its confirming lookup; each
 *   confirming lookup is a `GET /portfolio/orders/{id}` (2 tokens); the list goes to `view.audit`;
 * - fills only REST shows (older than the grace) are handed to the port once (it de-duplicates and checks
 *   them against the orders' sizes);
 * - lifecycle messages go to the instruments; the time of the last private message paces the audit.
 * State: the audit counters and the time of the last private message, each in a `Ref`.
 */
import { type ExchangeError as E, OrderStore, type Venue } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as parse from "./internal/parse.js"
import type { Endpoints } from "./internal/rest.js"
import type { ReconcileConfig } from "./KalshiConfig.js"
import type { KalshiFeed } from "./KalshiFeed.js"
import type { KalshiInstruments } from "./KalshiInstruments.js"

export interface AuditStats {
  readonly polls: number
  readonly desyncs: number
  /** targeted GETs of orders REST's list lacked */
  readonly lookups: number
  readonly lastPollAt: number
}

export interface KalshiReconciler {
  /** one REST-vs-WS verification round now */
  readonly verifyNow: Effect.Effect<void, E.ExchangeError>
  readonly stats: Effect.Effect<AuditStats>
}

export const make = (o: {
  readonly venue: string
  readonly config: ReconcileConfig
  readonly api: Endpoints
  readonly sub: Readonly<Record<string, number>>
  readonly feed: KalshiFeed
  readonly view: Venue.VenueView
  readonly instruments: KalshiInstruments
}): Effect.Effect<KalshiReconciler, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { view, config: cfg } = o
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()
    const lastPrivateEvent = yield* Ref.make(now())
    const pending = yield* Ref.make(false)
    const stats = yield* Ref.make<AuditStats>({ polls: 0, desyncs: 0, lookups: 0, lastPollAt: 0 })
    const openOrdersRest = o.api.getOrders({ status: "resting", ...o.sub })

    const verify: Effect.Effect<void, E.ExchangeError> = Effect.gen(function* () {
      const t = now()
      yield* Ref.update(stats, (s) => ({ ...s, polls: s.polls + 1, lastPollAt: t }))
      const resting = (yield* openOrdersRest).map((w) => parse.order(w))
      // unknown creates that REST now shows are resolved, not disagreements
      for (const r of resting) if (r.clientOrderId !== undefined) yield* view.revealed(r)
      const clean = yield* view.audit(resting)
      yield* Ref.set(pending, !clean)
      const ps = yield* view.stats
      yield* Ref.update(stats, (s) => ({ ...s, desyncs: ps.desyncs, lookups: ps.verifyLookups }))
      // fills REST knows and the stream did not deliver (the ten minutes' list is mostly fills already seen:
      // those are skipped by trade id before a core fill is built)
      const fills = yield* o.api.getFills({ min_ts: Math.floor((t - 10 * 60_000) / 1000), ...o.sub }, 1)
      const seen = yield* view.snapshot
      for (const w of fills) {
        if (OrderStore.hasFill(seen, parse.fillId(w))) continue
        const f = parse.fill(w)
        if (t - f.timestamp > cfg.graceMs) yield* view.fill(f, "rest")
      }
    })

    const lock = yield* Effect.makeSemaphore(1)
    const verifyNow = lock.withPermits(1)(verify)

    // lifecycle messages, and the time of the last private message (the port applies orders and fills)
    const events = yield* o.feed.subscribeEvents
    yield* Stream.fromQueue(events).pipe(
      Stream.runForEach((ev) =>
        ev._tag === "Lifecycle"
          ? o.instruments
              .onLifecycle(ev.lifecycle)
              .pipe(Effect.catchAllCause((c) => Effect.logError("kalshi: lifecycle handling failed", c)))
          : ev._tag === "UserOrder" || ev._tag === "Fill"
            ? Ref.set(lastPrivateEvent, now())
            : Effect.void
      ),
      Effect.forkScoped
    )

    // initial state from REST, then the poll loop
    yield* view.resync.pipe(Effect.catchAll((e) => Effect.logWarning(`kalshi: initial reconcile failed: ${e.message}`)))
    if (cfg.enabled) {
      const nextDelay = Effect.gen(function* () {
        const hasOpen = (yield* view.live).length > 0
        const silent = now() - (yield* Ref.get(lastPrivateEvent)) > cfg.silentAfterMs
        return (hasOpen && silent) || (yield* Ref.get(pending)) ? cfg.fastPollMs : cfg.pollMs
      })
      yield* Effect.flatMap(nextDelay, (ms) => Effect.sleep(ms)).pipe(
        Effect.zipRight(
          verifyNow.pipe(Effect.catchAll((e) => Effect.logWarning(`kalshi: verification poll failed: ${e.message}`)))
        ),
        Effect.repeat(Schedule.forever),
        Effect.forkScoped
      )
    }

    const current = Effect.zipWith(Ref.get(stats), view.stats, (s, p) => ({
      ...s,
      desyncs: p.desyncs,
      lookups: p.verifyLookups
    }))
    return { verifyNow, stats: current } satisfies KalshiReconciler
  })
