/**
 * Alerts to a webhook (generic JSON, Slack- or ntfy-shaped): halts, desyncs, resumes, sustained 429s, a
 * venue's stream down longer than N s, a failed stop, and a daily summary.
 *
 * Never on the trading path: `send` only takes the time, applies the per-kind rate limit and offers to a
 * bounded queue (a full queue drops the oldest and counts it); one background fiber POSTs, each with a
 * timeout. A failed delivery is logged once per kind (again only after that kind got through) and never
 * fails or slows the run. On release, what is queued gets at most one delivery timeout to go out.
 */
import { Decimal as D, type Risk, type VenueHealth } from "@alpha-hunter/core"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { type Alert, format, type Kind, type Preset } from "./internal/alertFormat.js"
import type * as Report from "./Report.js"

export { type Alert, format, type Kind, type Preset, text } from "./internal/alertFormat.js"

export interface AlertsService {
  /** Queues an alert (rate-limited per kind); returns at once, never fails. */
  readonly send: (kind: Kind, venue: string, reason: string, details?: Record<string, unknown>) => Effect.Effect<void>
  /** alerts dropped so far because the queue was full */
  readonly dropped: Effect.Effect<number>
}

export class Alerts extends Context.Tag("@alpha-hunter/runner/Alerts")<Alerts, AlertsService>() {}

/** Alerts off: nothing is sent. */
export const noop: AlertsService = { send: () => Effect.void, dropped: Effect.succeed(0) }

export interface Options {
  readonly url: string
  readonly preset: Preset
  /** at most one alert of a kind per this interval */
  readonly minIntervalMs: number
  /** one delivery's timeout */
  readonly timeoutMs: number
  /** queued alerts at most */
  readonly queueSize: number
  readonly log: (line: string) => Effect.Effect<void>
}

/** Where alerts go, for the log: the URL may carry a secret (Slack's does), so only its origin. */
export const origin = (url: string): string => {
  try {
    return new URL(url).origin
  } catch {
    return "(invalid URL)"
  }
}

const post = (o: Options, a: Alert) => {
  const req = format(o.preset, a)
  return Effect.tryPromise({
    try: async (signal) => {
      const res = await fetch(o.url, { method: "POST", body: req.body, headers: req.headers, signal })
      await res.arrayBuffer().catch(() => undefined)
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
    },
    catch: (e) => (e instanceof Error ? e : new Error(String(e)))
  }).pipe(
    Effect.timeoutFail({
      duration: Duration.millis(o.timeoutMs),
      onTimeout: () => new Error(`no answer within ${o.timeoutMs} ms`)
    })
  )
}

/** The dispatcher, in the current scope: the queue, its one delivery fiber, and the flush on release. */
export const make = (o: Options): Effect.Effect<AlertsService, never, Scope.Scope> =>
  Effect.gen(function* () {
    const queue = yield* Queue.sliding<Alert>(o.queueSize)
    // alerts queued or being delivered: the flush on release waits for 0
    const pending = yield* SubscriptionRef.make(0)
    const lastSent = new Map<Kind, number>()
    const held = new Map<Kind, number>()
    const failing = new Set<Kind>()
    let droppedTotal = 0
    let droppedSinceDelivery = 0

    const send: AlertsService["send"] = (kind, venue, reason, details) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const last = lastSent.get(kind)
        if (last !== undefined && now - last < o.minIntervalMs) {
          held.set(kind, (held.get(kind) ?? 0) + 1)
          return
        }
        lastSent.set(kind, now)
        const suppressed = held.get(kind) ?? 0
        held.delete(kind)
        const full = (yield* Queue.size(queue)) >= o.queueSize
        if (full) {
          droppedTotal++
          droppedSinceDelivery++
        } else yield* SubscriptionRef.update(pending, (n) => n + 1)
        yield* Queue.offer(queue, { kind, venue, reason, at: now, details, suppressed })
      })

    const deliverOne = Effect.gen(function* () {
      const queued = yield* Queue.take(queue)
      const a: Alert = droppedSinceDelivery > 0 ? { ...queued, dropped: droppedSinceDelivery } : queued
      droppedSinceDelivery = 0
      yield* post(o, a).pipe(
        Effect.matchEffect({
          onFailure: (e) => {
            if (failing.has(a.kind)) return Effect.void
            failing.add(a.kind)
            return o.log(`alerts: could not deliver a ${a.kind} alert to ${origin(o.url)}: ${e.message}`)
          },
          onSuccess: () => {
            if (!failing.delete(a.kind)) return Effect.void
            return o.log(`alerts: ${a.kind} alerts are getting through again`)
          }
        }),
        Effect.ensuring(SubscriptionRef.update(pending, (n) => Math.max(0, n - 1)))
      )
    })
    yield* Effect.forkScoped(Effect.forever(deliverOne))
    // runs before the delivery fiber is interrupted: what is queued gets one timeout to go out
    yield* Effect.addFinalizer(() =>
      pending.changes.pipe(
        Stream.takeUntil((n) => n === 0),
        Stream.runDrain,
        Effect.timeout(Duration.millis(o.timeoutMs)),
        Effect.ignore
      )
    )
    return { send, dropped: Effect.sync(() => droppedTotal) } satisfies AlertsService
  })

export interface WatchOptions {
  /** a venue's stream down longer than this is an alert */
  readonly disconnectAfterMs: number
  /** HH:MM UTC, or off */
  readonly dailySummaryAt: string
}

export interface Sources {
  readonly riskChanges: Stream.Stream<Risk.StateChange>
  readonly venues: ReadonlyArray<{ readonly name: string; readonly health: Stream.Stream<VenueHealth.VenueHealth> }>
  /** the daily summary's text */
  readonly summary: Effect.Effect<string>
  /** fee, program and grid drift on the quoted markets (the tripwire) */
  readonly drifts?: Stream.Stream<{
    readonly venue: string
    readonly symbol: string
    readonly action: string
    readonly reason: string
  }>
}

const scopeName = (s: Risk.RiskScope | undefined) =>
  s === undefined
    ? ""
    : s.symbol !== undefined
      ? `market ${s.symbol}: `
      : s.strategy === undefined
        ? ""
        : `${s.strategy}: `

/** Risk's halts and resumes, with their reasons. */
export const onRiskChange = (alerts: AlertsService, c: Risk.StateChange) =>
  c.state === "ACTIVE"
    ? c.previous === "ACTIVE"
      ? Effect.void
      : alerts.send("resume", c.scope?.venue ?? "*", `${scopeName(c.scope)}${c.previous} → ACTIVE: ${c.reason}`)
    : alerts.send("halt", c.scope?.venue ?? "*", `${scopeName(c.scope)}${c.previous} → ${c.state}: ${c.reason}`)

const DAY = 86_400_000

/** The next time of day `hhmm` (UTC) strictly after `now`. */
export const nextAt = (hhmm: string, now: number): number => {
  const [h, m] = hhmm.split(":").map(Number) as [number, number]
  const t = now - (now % DAY) + (h * 60 + m) * 60_000
  return t > now ? t : t + DAY
}

/**
 * Follows the sources in the current scope: Risk's changes, each venue's health (its own subscription,
 * beside the router's), a timer per stream drop, and the daily summary.
 */
export const watch = (
  alerts: AlertsService,
  sources: Sources,
  options: WatchOptions
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    yield* sources.riskChanges.pipe(
      Stream.runForEach((c) => onRiskChange(alerts, c)),
      Effect.catchAllCause(() => Effect.void),
      Effect.forkScoped
    )
    if (sources.drifts !== undefined) {
      yield* sources.drifts.pipe(
        Stream.runForEach((d) =>
          alerts.send("drift", d.venue, `${d.symbol}: ${d.reason}`, { symbol: d.symbol, action: d.action })
        ),
        Effect.catchAllCause(() => Effect.void),
        Effect.forkScoped
      )
    }
    for (const v of sources.venues) {
      let downTimer: Fiber.RuntimeFiber<void> | undefined
      const onHealth = (h: VenueHealth.VenueHealth): Effect.Effect<void, never, Scope.Scope> => {
        switch (h._tag) {
          case "Desync":
            return alerts.send("desync", v.name, `${h.reason} (${h.disagreements.length} orders disagree)`, {
              disagreements: h.disagreements
            })
          case "Halted":
            return alerts.send(
              "halt",
              v.name,
              `the venue halted our writes: ${h.reason}${h.until === undefined ? "" : ` until ${new Date(h.until).toISOString()}`}`
            )
          case "Resumed":
            return alerts.send("resume", v.name, `the venue resumed our writes: ${h.reason}`)
          case "RateLimited":
            return alerts.send("rate_limited", v.name, `sustained 429s from the venue (${h.count} in the window)`, {
              count: h.count
            })
          case "Disconnected":
            if (downTimer !== undefined) return Effect.void
            return Effect.gen(function* () {
              const since = yield* Clock.currentTimeMillis
              downTimer = yield* Effect.sleep(Duration.millis(options.disconnectAfterMs)).pipe(
                Effect.zipRight(
                  alerts.send(
                    "disconnect",
                    v.name,
                    `the venue's stream has been down for over ${options.disconnectAfterMs / 1000} s: ${h.reason}`,
                    { since }
                  )
                ),
                Effect.forkScoped
              )
            })
          case "Reconnected":
            return Effect.suspend(() => {
              const t = downTimer
              downTimer = undefined
              return t === undefined ? Effect.void : Fiber.interrupt(t)
            })
          default:
            return Effect.void
        }
      }
      yield* v.health.pipe(
        Stream.runForEach(onHealth),
        Effect.catchAllCause(() => Effect.void),
        Effect.forkScoped
      )
    }
    if (options.dailySummaryAt !== "off") {
      const at = options.dailySummaryAt
      yield* Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        yield* Effect.sleep(Duration.millis(nextAt(at, now) - now))
        const text = yield* sources.summary
        yield* alerts.send("daily_summary", "*", text)
      }).pipe(Effect.forever, Effect.forkScoped)
    }
  })

const pct = (x: number | undefined) => (x === undefined ? "n/a" : `${(x * 100).toFixed(1)}%`)

/** The daily summary's text from the report (and the scopes not ACTIVE, when any). */
export const summaryText = (r: Report.Report, notActive: ReadonlyArray<string> = []): string => {
  const t = r.totals
  const lip = r.lipTotals
  return [
    `${t.ordersPlaced} resting orders placed on ${r.markets.length} markets`,
    `maker ${D.format(t.makerContracts)} / taker ${D.format(t.takerContracts)} contracts (maker fill rate ${pct(t.makerFillRate)})`,
    `fees $${D.format(t.fees)}, P&L $${D.format(t.pnl)}`,
    `liquidity $${D.format(t.liquidityDollarHours)}·h`,
    ...(lip.snapshots === 0
      ? []
      : [`LIP coverage ${pct(lip.coverage)}, projected $${D.format(D.round(lip.projectedReward, 2, "floor"))}`]),
    `desyncs ${t.desyncs}, halts ${t.halts}, resumes ${t.resumes}`,
    notActive.length === 0 ? "all scopes ACTIVE" : `not ACTIVE: ${notActive.join("; ")}`
  ].join("; ")
}
