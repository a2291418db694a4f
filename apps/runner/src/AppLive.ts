/**
 * The `run` command as one Layer graph, launched with `Layer.launch`:
 *
 * ```
 * AppLive = Status + Control + Stop        (the operator's surface; each needs the run)
 *   ← Alerts                               (the webhook: halts, desyncs, resumes, 429s, drops, a failed stop, daily)
 *   ← Run                                  (Risk → its journaling → venues → strategies, sampler)
 *   ← Metrics                              (/metrics, bound before anything connects)
 *   ← Journal                              (the SQLite file)
 *   ← Lock                                 (one running instance per journal and per account)
 * ```
 *
 * Layers are released in the reverse order of their building, so on Ctrl-C, SIGTERM or the end of
 * `durationMs` the graceful stop (`StopLive`'s finalizer: cancel our resting orders, verify through the venue
 * that none rests, journal `stop`, print the report) runs while the venues and the journal are still open,
 * and the journal closes last. Alerts are released right after the stop, so a failed stop still goes out.
 */
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Alerts from "./Alerts.js"
import * as App from "./App.js"
import * as Control from "./Control.js"
import * as Dashboard from "./Dashboard.js"
import * as InstanceLock from "./InstanceLock.js"
import * as Journal from "./Journal.js"
import * as Metrics from "./Metrics.js"
import * as Report from "./Report.js"
import type { Resolved } from "./Resolve.js"
import * as RunLayer from "./Run.js"
import { Run } from "./Run.js"

export type Log = (line: string) => Effect.Effect<void>

/**
 * A status line cut to the terminal's width, keeping what matters when it is cut: the parts after the first
 * that say HALTED / REDUCING or a stream down are moved to the front.
 */
export const fit = (line: string, columns: number | undefined): string => {
  const width = Math.max(20, (columns ?? 120) - 1)
  if (line.length <= width) return line
  const parts = line.split(" | ")
  const urgent = parts.filter((p) => /HALTED|REDUCING|down/.test(p))
  const rest = parts.filter((p) => !urgent.includes(p))
  const ordered = [...urgent, ...rest].join(" | ")
  return ordered.length <= width ? ordered : `${ordered.slice(0, width - 1)}…`
}

/** The status line: rewritten in place on a terminal (cut to its width), every fifth one logged otherwise. */
export const StatusLive = (resolved: Resolved, log: Log) =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const handle = yield* Run
      const tty = process.stdout.isTTY === true
      let n = 0
      const status = App.statusLine(handle).pipe(
        Effect.flatMap((line) =>
          tty
            ? Effect.sync(() => process.stdout.write(`\r\x1b[2K${fit(line, process.stdout.columns)}`))
            : n++ % 5 === 0
              ? log(line)
              : Effect.void
        ),
        Effect.catchAllCause(() => Effect.void)
      )
      yield* Effect.forkScoped(
        Effect.forever(Effect.zipRight(status, Effect.sleep(Duration.millis(resolved.config.run.statusIntervalMs))))
      )
    })
  )

/** Prometheus `/metrics`, when configured. */
export const MetricsLive = (resolved: Resolved, log: Log) =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const m = resolved.config.metrics
      if (!m) return
      const port = yield* Metrics.serve(m.port, m.host).pipe(
        Effect.mapError(
          (e) =>
            new Metrics.MetricsError({ message: `metrics on ${m.host}:${m.port}: ${e.message} (is the port in use?)` })
        )
      )
      yield* log(`metrics: http://${m.host}:${port}/metrics`)
    })
  )

/** The control API (status, pause, resume, halt, cancel-all), published next to the journal for the CLI. */
export const ControlLive = (resolved: Resolved, journalPath: string, log: Log) =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const c = resolved.config.control
      if (!c.enabled) return
      const token = c.token ?? process.env["ALPHA_HUNTER_CONTROL_TOKEN"]
      const handle = yield* Run
      const dashboard = yield* Dashboard.make(handle, {
        configured: Dashboard.configuredOf(resolved, handle.sessions),
        depth: 5,
        programs: (venue, symbol) => {
          const incentives = handle.sessions.find((s) => s.name === venue)?.incentives
          return incentives === undefined || Option.isNone(incentives)
            ? Effect.succeed([])
            : incentives.value.forSymbol(symbol)
        }
      })
      const url = yield* Control.serve(handle, {
        host: c.host,
        port: c.port,
        token: token === undefined || token === "" ? undefined : token,
        file: `${journalPath}.control.json`,
        routes: dashboard.handle
      })
      yield* log(`control: ${url} (alpha-hunter status | pause | resume | halt | cancel-all)`)
      yield* log(`dashboard: ${url}/ (open it in a browser)`)
    })
  )

/**
 * Alerts to the configured webhook (off without a URL: `alerts.webhook` or ALPHA_HUNTER_ALERT_WEBHOOK), fed
 * by their own subscriptions to Risk's changes and each venue's health; the trading path never waits on them.
 */
export const AlertsLive = (resolved: Resolved, log: Log) =>
  Layer.scoped(
    Alerts.Alerts,
    Effect.gen(function* () {
      const handle = yield* Run
      const a = resolved.config.alerts
      const url = a.webhook ?? process.env["ALPHA_HUNTER_ALERT_WEBHOOK"]
      if (url === undefined || url === "") return Alerts.noop
      const alerts = yield* Alerts.make({
        url,
        preset: a.preset,
        minIntervalMs: a.minIntervalMs,
        timeoutMs: a.timeoutMs,
        queueSize: a.queueSize,
        log
      })
      // a scope already halted when the run starts (e.g. carried over from earlier today) says so once
      for (const st of yield* handle.risk.statuses) {
        if (st.state === "ACTIVE") continue
        const who = st.scope?.strategy === undefined ? "" : `${st.scope.strategy}: `
        yield* alerts.send("halt", st.scope?.venue ?? "*", `${who}started ${st.state}: ${st.reason}`)
      }
      yield* Alerts.watch(
        alerts,
        {
          riskChanges: handle.risk.changes,
          venues: handle.sessions.map((s) => ({ name: s.name, health: s.exchange.health })),
          summary: dailySummary(handle),
          drifts: handle.drifts
        },
        { disconnectAfterMs: a.disconnectAfterMs, dailySummaryAt: a.dailySummaryAt }
      )
      yield* log(
        `alerts: ${a.preset} webhook at ${Alerts.origin(url)}${a.dailySummaryAt === "off" ? "" : `, daily summary at ${a.dailySummaryAt} UTC`}`
      )
      return alerts
    })
  )

/** The last 24 hours (or the run, when shorter) from the journal's report, and every scope not ACTIVE. */
const dailySummary = (handle: RunLayer.RunHandle) =>
  Effect.gen(function* () {
    const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
    const r = yield* App.report(handle.journal, {
      since: Math.max(handle.startedAt, now - 86_400_000),
      now,
      live: true
    })
    const notActive = (yield* handle.risk.statuses)
      .filter((st) => st.state !== "ACTIVE")
      .map(
        (st) =>
          `${st.scope?.venue ?? "global"}${st.scope?.strategy ? `/${st.scope.strategy}` : ""} ${st.state} (${st.reason})`
      )
    return `last 24 h: ${Alerts.summaryText(r, notActive)}`
  }).pipe(Effect.catchAll((e) => Effect.succeed(`the summary could not be computed: ${String(e)}`)))

/**
 * The graceful stop, as this layer's finalizer: it runs before the run's own layers are released. A stop
 * that leaves any of our orders resting (or fails) is also an alert.
 */
export const StopLive = (resolved: Resolved, log: Log) =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const handle = yield* Run
      const alerts = yield* Alerts.Alerts
      yield* Effect.addFinalizer(() =>
        Effect.gen(function* () {
          if (process.stdout.isTTY) yield* Effect.sync(() => process.stdout.write("\n"))
          yield* log("stopping: canceling our resting orders…")
          const resting = resolved.config.run.cancelOnStop ? yield* handle.pullQuotes : 0
          yield* log(
            resting === 0 ? "verified: none of our orders rests" : `WARNING: ${resting} of our orders still rest`
          )
          if (resting > 0) {
            yield* alerts.send(
              "stop_failed",
              "*",
              `WARNING: ${resting} of our orders still rest after the stop (run \`alpha-hunter cancel-all\`)`,
              { resting }
            )
          }
          yield* handle.journal.append({ kind: "stop", venue: "*", data: { resting } }).pipe(Effect.ignore)
          const r = yield* App.report(handle.journal, { since: handle.startedAt }).pipe(
            Effect.orElseSucceed(() => undefined)
          )
          if (r !== undefined) yield* log(`\n${Report.formatTable(r, { legend: false })}`)
        }).pipe(
          Effect.catchAllCause((c) =>
            Effect.zipRight(
              Console.error(`stop: ${String(c)}`),
              alerts.send("stop_failed", "*", `the stop failed, our orders may still rest: ${String(c)}`)
            )
          )
        )
      )
      yield* log("running — Ctrl-C stops, cancels our orders and prints the report")
    })
  )

/** One running instance per journal and per account (taken before the journal opens or a venue connects). */
export const LockLive = (resolved: Resolved, journalPath: string) =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      yield* InstanceLock.acquire(`${journalPath}.lock`, `journal ${journalPath}`)
      for (const v of resolved.venues) {
        const account = v.plugin.account?.(v.config)
        if (account !== undefined) yield* InstanceLock.acquire(InstanceLock.accountLockFile(account), account)
      }
    })
  )

/** The whole run as one graph. */
export const layer = (resolved: Resolved, journalPath: string, log: Log) =>
  Layer.mergeAll(StatusLive(resolved, log), ControlLive(resolved, journalPath, log), StopLive(resolved, log)).pipe(
    Layer.provideMerge(AlertsLive(resolved, log)),
    Layer.provideMerge(RunLayer.layer(resolved, { log })),
    // bound before any venue connects: a busy port stops the run before it trades
    Layer.provideMerge(MetricsLive(resolved, log)),
    Layer.provideMerge(Journal.layer(journalPath, { durability: resolved.config.journal.durability })),
    Layer.provideMerge(LockLive(resolved, journalPath))
  )

/** Runs until interrupted (a signal), or for `durationMs` when it is set; the stop runs either way. */
export const launch = (resolved: Resolved, journalPath: string, log: Log) => {
  const app = Layer.launch(layer(resolved, journalPath, log))
  const ms = resolved.config.run.durationMs
  return ms > 0 ? Effect.raceFirst(app, Effect.sleep(Duration.millis(ms))) : app
}
