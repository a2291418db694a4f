/**
 * Dual-source order verification: the WebSocket private stream is primary (it feeds the port's order
 * store; the port re-reads REST after a gap or reconnect and publishes those on health), REST audits it.
 *
 * - Lifecycle messages go to the instruments; the time of the last private message paces the auditor.
 * - The REST auditor polls open orders (faster while the stream is silent with orders open, or while a
 *   disagreement is pending), does a targeted GET before calling an order gone, and walks only the live
 *   orders of the view. A disagreement outliving `reconcile.graceMs` is a desync: published
 *   on health as `Desync` (the runner halts Risk and journals it — this module depends on no Risk), then the
 *   desync action runs and REST is adopted as the truth.
 * - Fills only REST shows (older than the grace window) are emitted once (the port de-duplicates).
 * State: disagreements, the audit counters and the time of the last private message, each in a `Ref`.
 */
import {
  Order as CoreOrder,
  Decimal as D,
  type ExchangeError as E,
  OrderStore,
  type Venue,
  VenueHealth
} from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as parse from "./internal/parse.js"
import type { Endpoints } from "./internal/rest.js"
import type * as wire from "./internal/wire.js"
import type { DesyncReport, Disagreement } from "./KalshiClient.js"
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

type Observed = Omit<Disagreement, "since">

/** The disagreements after a round: those seen again keep their first-seen time, the others are gone. */
export const nextDisagreements = (
  prev: HashMap.HashMap<string, Disagreement>,
  observed: ReadonlyArray<Observed>,
  t: number
): HashMap.HashMap<string, Disagreement> =>
  HashMap.fromIterable(
    observed.map((d) => {
      const since = Option.match(HashMap.get(prev, d.orderId), { onNone: () => t, onSome: (p) => p.since })
      return [d.orderId, { ...d, since }] as const
    })
  )

const describe = (o: { status: string; remaining: D.Decimal; filled: D.Decimal } | undefined) =>
  o === undefined ? "absent" : `${o.status} filled ${D.format(o.filled)} remaining ${D.format(o.remaining)}`
const describeWire = (o: wire.Order) =>
  `${o.status} filled ${D.format(o.fill_count_fp)} remaining ${D.format(o.remaining_count_fp)}`

export const make = (o: {
  readonly venue: string
  readonly config: ReconcileConfig
  readonly api: Endpoints
  readonly sub: Readonly<Record<string, number>>
  readonly feed: KalshiFeed
  readonly view: Venue.VenueView
  readonly instruments: KalshiInstruments
  readonly health: PubSub.PubSub<VenueHealth.VenueHealth>
  readonly haltedUntil: Effect.Effect<number>
  readonly onDesync: (report: DesyncReport) => Effect.Effect<void>
}): Effect.Effect<KalshiReconciler, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { venue, view, config: cfg } = o
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()
    const disagreements = yield* Ref.make(HashMap.empty<string, Disagreement>())
    const lastPrivateEvent = yield* Ref.make(now())
    const stats = yield* Ref.make<AuditStats>({ polls: 0, desyncs: 0, lookups: 0, lastPollAt: 0 })
    const count = (k: Exclude<keyof AuditStats, "lastPollAt">) => Ref.update(stats, (s) => ({ ...s, [k]: s[k] + 1 }))
    const openOrdersRest = o.api.getOrders({ status: "resting", ...o.sub })
    const publish = (h: VenueHealth.VenueHealth) => PubSub.publish(o.health, h)

    /** Adopts REST's truth (after a desync action). */
    const adoptRest = Effect.zipRight(view.resync, Ref.set(disagreements, HashMap.empty()))

    const observe = (resting: ReadonlyArray<wire.Order>) =>
      Effect.gen(function* () {
        const out: Array<Observed> = []
        const restById = new Map(resting.map((w) => [w.order_id, w]))
        for (const w of resting) {
          const local = yield* view.order(w.order_id)
          if (
            local === undefined ||
            CoreOrder.isTerminal(local.status) ||
            !D.eq(local.remaining, w.remaining_count_fp)
          ) {
            out.push({ orderId: w.order_id, symbol: w.ticker, ws: describe(local), rest: describeWire(w) })
          }
        }
        for (const x of yield* view.live) {
          if (x.status === "unknown" || restById.has(x.id)) continue
          // REST's list lacks an order we think is open: targeted GET before calling it gone
          const got = yield* Effect.option(o.api.getOrder(x.id))
          yield* count("lookups")
          if (Option.isSome(got) && got.value.status === "resting" && D.eq(got.value.remaining_count_fp, x.remaining))
            continue
          out.push({
            orderId: x.id,
            symbol: x.symbol,
            ws: describe(x),
            rest: Option.isSome(got) ? describeWire(got.value) : "absent"
          })
        }
        return out
      })

    const desync = (expired: ReadonlyArray<Disagreement>, t: number) =>
      Effect.gen(function* () {
        yield* count("desyncs")
        const report: DesyncReport = { venue, disagreements: expired, at: t }
        yield* Effect.logError(
          `[CRITICAL] DESYNC ${venue}: ${expired
            .map((d) => `${d.symbol} ${d.orderId}: ws=[${d.ws}] rest=[${d.rest}] for ${t - d.since} ms`)
            .join("; ")}`
        )
        yield* publish(
          new VenueHealth.Desync({
            venue,
            reason: `REST and WebSocket disagree on ${expired.length} order(s)`,
            disagreements: expired.map((d) => ({ orderId: d.orderId, symbol: d.symbol, stream: d.ws, rest: d.rest })),
            at: t
          })
        )
        yield* o.onDesync(report)
        // after the action, REST is the truth again
        yield* Effect.ignore(adoptRest)
      })

    const verify: Effect.Effect<void, E.ExchangeError> = Effect.gen(function* () {
      const t = now()
      yield* Ref.update(stats, (s) => ({ ...s, polls: s.polls + 1, lastPollAt: t }))
      const resting = yield* openOrdersRest
      // unknown creates that REST now shows are resolved, not disagreements
      for (const w of resting) if (w.client_order_id) yield* view.revealed(parse.order(w))
      const observed = yield* observe(resting)
      const current = yield* Ref.updateAndGet(disagreements, (prev) => nextDisagreements(prev, observed, t))
      const expired = [...HashMap.values(current)].filter((d) => t - d.since >= cfg.graceMs)
      if (expired.length > 0 && t >= (yield* o.haltedUntil)) yield* desync(expired, t)
      yield* publish(
        new VenueHealth.Audited({ venue, clean: HashMap.size(current) === 0, orders: resting.length, at: t })
      )
      // fills REST knows and the stream did not deliver
      const fills = yield* o.api.getFills({ min_ts: Math.floor((t - 10 * 60_000) / 1000), ...o.sub }, 1)
      const seen = yield* view.snapshot
      for (const f of fills.map(parse.fill)) {
        if (!OrderStore.hasFill(seen, f.id) && t - f.timestamp > cfg.graceMs) yield* view.fill(f, "rest")
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
    yield* adoptRest.pipe(Effect.catchAll((e) => Effect.logWarning(`kalshi: initial reconcile failed: ${e.message}`)))
    if (cfg.enabled) {
      const nextDelay = Effect.gen(function* () {
        const hasOpen = (yield* view.live).length > 0
        const silent = now() - (yield* Ref.get(lastPrivateEvent)) > cfg.silentAfterMs
        const pending = HashMap.size(yield* Ref.get(disagreements)) > 0
        return (hasOpen && silent) || pending ? cfg.fastPollMs : cfg.pollMs
      })
      yield* Effect.flatMap(nextDelay, (ms) => Effect.sleep(ms)).pipe(
        Effect.zipRight(
          verifyNow.pipe(Effect.catchAll((e) => Effect.logWarning(`kalshi: verification poll failed: ${e.message}`)))
        ),
        Effect.repeat(Schedule.forever),
        Effect.forkScoped
      )
    }

    return { verifyNow, stats: Ref.get(stats) } satisfies KalshiReconciler
  })
