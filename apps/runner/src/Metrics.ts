/**
 * Metrics: the runner's own instruments (Effect `Metric`s, tagged with the venue) and a Prometheus text
 * endpoint at `/metrics` that renders every Effect metric in the runtime, including the plugins' own.
 */

import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import type * as MetricPair from "effect/MetricPair"
import * as MetricState from "effect/MetricState"

/** The metrics endpoint could not be served (a busy port, a bad host). */
export class MetricsError extends Data.TaggedError("MetricsError")<{ readonly message: string }> {}

export const ordersSent = Metric.counter("orders_sent_total", { description: "order writes sent, by kind" })
export const rateLimited = Metric.counter("rate_limited_total", { description: "429 answers received" })
export const desyncs = Metric.counter("desyncs_total", { description: "REST/WebSocket order-state desyncs" })
export const bookResyncs = Metric.counter("book_resyncs_total", { description: "order book re-snapshots" })
export const unresolvedOrders = Metric.gauge("unresolved_orders", { description: "orders with an unknown outcome" })
export const restingNotional = Metric.gauge("resting_notional_dollars", { description: "notional of resting orders" })
export const restingOrders = Metric.gauge("resting_orders", { description: "our resting orders" })
export const wsMessageAge = Metric.gauge("ws_message_age_seconds", {
  description: "age of the newest market-data message"
})
export const fills = Metric.counter("fills_total", { description: "fills of our orders" })
export const position = Metric.gauge("position_contracts", { description: "gross position in the quoted markets" })
export const pnl = Metric.gauge("pnl_dollars", { description: "P&L (realized + marked)" })
export const exposure = Metric.gauge("exposure_dollars", { description: "gross exposure" })
export const riskState = Metric.gauge("risk_state", {
  description: "trading state per scope: 0 ACTIVE, 1 REDUCING, 2 HALTED"
})
export const tokenHeadroom = Metric.gauge("token_headroom", { description: "rate-limit tokens available, by bucket" })
export const lipScore = Metric.gauge("lip_score", {
  description: "today's LIP period score so far (0..1) of the market's first liquidity program, by market"
})
export const lipProjectedReward = Metric.gauge("lip_projected_reward_dollars", {
  description: "LIP reward accrued today by the snapshots so far (rounded down to the cent), by market"
})
export const lipCoverage = Metric.gauge("lip_coverage_ratio", {
  description: "share of today's snapshots with our qualifying order at the reference price on both sides"
})
export const drifts = Metric.counter("drift_total", {
  description: "fee type, program or price grid changes seen on markets we quote"
})
export const tickToOrder = Metric.histogram(
  "tick_to_order_seconds",
  MetricBoundaries.exponential({ start: 0.0001, factor: 2, count: 16 }),
  "time from a book update to the order write it caused"
)

const escape = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
const sanitize = (s: string) => s.replace(/[^a-zA-Z0-9_:]/g, "_")
const labels = (pair: MetricPair.MetricPair.Untyped, extra: ReadonlyArray<readonly [string, string]> = []) => {
  const all = [...pair.metricKey.tags.map((t) => [t.key, t.value] as const), ...extra]
  return all.length === 0 ? "" : `{${all.map(([k, v]) => `${sanitize(k)}="${escape(v)}"`).join(",")}}`
}

/** Renders metric pairs in the Prometheus text exposition format (0.0.4). */
export const renderPrometheus = (pairs: ReadonlyArray<MetricPair.MetricPair.Untyped>): string => {
  const out: Array<string> = []
  const seen = new Set<string>()
  const header = (name: string, type: string, help: string | undefined) => {
    if (seen.has(name)) return
    seen.add(name)
    if (help) out.push(`# HELP ${name} ${help.replace(/\n/g, " ")}`)
    out.push(`# TYPE ${name} ${type}`)
  }
  for (const pair of [...pairs].sort((a, b) => (a.metricKey.name < b.metricKey.name ? -1 : 1))) {
    const name = sanitize(pair.metricKey.name)
    const help = pair.metricKey.description._tag === "Some" ? pair.metricKey.description.value : undefined
    const s = pair.metricState
    if (MetricState.isCounterState(s)) {
      header(name, "counter", help)
      out.push(`${name}${labels(pair)} ${s.count}`)
    } else if (MetricState.isGaugeState(s)) {
      header(name, "gauge", help)
      out.push(`${name}${labels(pair)} ${s.value}`)
    } else if (MetricState.isHistogramState(s)) {
      header(name, "histogram", help)
      for (const [le, count] of s.buckets) {
        out.push(`${name}_bucket${labels(pair, [["le", Number.isFinite(le) ? String(le) : "+Inf"]])} ${count}`)
      }
      if (!s.buckets.some(([le]) => !Number.isFinite(le))) {
        out.push(`${name}_bucket${labels(pair, [["le", "+Inf"]])} ${s.count}`)
      }
      out.push(`${name}_sum${labels(pair)} ${s.sum}`)
      out.push(`${name}_count${labels(pair)} ${s.count}`)
    } else if (MetricState.isFrequencyState(s)) {
      header(name, "counter", help)
      for (const [k, v] of s.occurrences) out.push(`${name}${labels(pair, [["value", k]])} ${v}`)
    } else if (MetricState.isSummaryState(s)) {
      header(name, "summary", help)
      for (const [q, v] of s.quantiles) {
        if (v._tag === "Some") out.push(`${name}${labels(pair, [["quantile", String(q)]])} ${v.value}`)
      }
      out.push(`${name}_sum${labels(pair)} ${s.sum}`)
      out.push(`${name}_count${labels(pair)} ${s.count}`)
    }
  }
  return `${out.join("\n")}\n`
}

/** Serves `/metrics` on 127.0.0.1:`port` (0 = any free port) for the life of the scope. Returns the port. */
export const serve = (port: number, host = "127.0.0.1") =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<never>()
    const server = createServer((req, res) => {
      if (req.url !== "/metrics") {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics\n")
        return
      }
      Effect.runFork(
        Effect.map(Metric.snapshot, renderPrometheus).pipe(
          Effect.tap((body) =>
            Effect.sync(() => res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(body))
          ),
          Effect.provide(runtime)
        )
      )
    })
    const bound = yield* Effect.acquireRelease(
      Effect.async<number, Error>((resume) => {
        server.once("error", (e) => resume(Effect.fail(e)))
        server.listen(port, host, () => resume(Effect.succeed((server.address() as AddressInfo).port)))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    )
    return bound
  })
