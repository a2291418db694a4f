/** The status line and the venue gauges exported to Prometheus. */
import { Decimal as D, Diagnostics } from "@alpha-hunter/core"
import type { OrderTracker } from "@alpha-hunter/execution"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as Ref from "effect/Ref"
import * as Metrics from "./Metrics.js"
import type { RunHandle } from "./Run.js"

const restingNotional = (ts: ReadonlyArray<OrderTracker.Tracked>) =>
  D.sum(
    ts
      .filter((t) => t.status === "open")
      .map((t) => D.mul(t.side === "buy" ? t.price : D.sub(D.ONE, t.price), t.remaining))
  )

/** Venue diagnostics → Prometheus: token gauges, message age, and counters advanced by the totals' growth. */
const exportGauges = (
  venue: string,
  d: Diagnostics.DiagnosticsService,
  desyncs: number,
  fills: number,
  lastTotals: Map<string, number>
) =>
  Effect.gen(function* () {
    for (const b of yield* d.budgets) {
      yield* Metric.set(
        Metric.taggedWithLabels(Metrics.tokenHeadroom, [
          MetricLabel.make("venue", venue),
          MetricLabel.make("bucket", b.name)
        ]),
        b.available
      )
    }
    const c = yield* d.counters
    yield* Metric.set(Metric.tagged(Metrics.wsMessageAge, "venue", venue), c.messageAgeMs / 1000)
    const counters = [
      ["rateLimited", c.rateLimited, Metrics.rateLimited],
      ["desyncs", desyncs, Metrics.desyncs],
      ["bookResyncs", c.bookResyncs, Metrics.bookResyncs],
      ["fills", fills, Metrics.fills]
    ] as const
    for (const [name, total, counter] of counters) {
      const key = `${venue}\u0000${name}`
      const delta = total - (lastTotals.get(key) ?? 0)
      lastTotals.set(key, total)
      // every series from the first round on, at 0 until something happens
      if (delta > 0 || !lastTotals.has(`${key}\u0000seen`)) {
        lastTotals.set(`${key}\u0000seen`, 1)
        yield* Metric.incrementBy(Metric.tagged(counter, "venue", venue), Math.max(0, delta))
      }
    }
  })

/** One status line: markets quoted, resting orders, fills, position, P&L, headroom, desyncs. */
export const statusLine = (h: RunHandle) =>
  Effect.gen(function* () {
    const quoted = (yield* Ref.get(h.quoted)).size
    let resting = 0
    let fills = 0
    let desyncs = 0
    const venueNotes: Array<string> = []
    let unknown = 0
    const headroom: Array<string> = []
    const live: Array<OrderTracker.Tracked> = []
    for (const s of h.sessions) {
      const l = yield* s.engine.live
      live.push(...l)
      resting += l.filter((t) => t.status === "open").length
      unknown += l.filter((t) => t.status === "unknown").length
      fills += (yield* s.engine.stats).fills
      const hv = yield* Ref.get(s.health)
      desyncs += hv.desyncs
      if (!hv.connected) venueNotes.push(`${s.name} stream down`)
      const budgets = yield* s.diagnostics.budgets
      if (budgets.length > 0) {
        const c = yield* s.diagnostics.counters
        headroom.push(
          `${s.name} ${Diagnostics.formatBudgets(budgets)}${c.rateLimited > 0 ? ` 429s ${c.rateLimited}` : ""}`
        )
      }
      yield* exportGauges(s.name, s.diagnostics, hv.desyncs, (yield* s.engine.stats).fills, h.exportedTotals)
    }
    // every venue's trading state, ACTIVE included (a halted one is also listed below with its reason)
    const venueStates: Array<string> = []
    for (const s of h.sessions) {
      const line = `${s.name} ${yield* h.risk.state({ venue: s.name })}`
      if (!venueStates.includes(line)) venueStates.push(line)
    }
    const summary = yield* h.risk.summary()
    let position = D.ZERO
    for (const key of yield* Ref.get(h.quoted)) {
      const [venue, symbol] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)]
      position = D.add(position, D.abs(yield* h.risk.position(venue, symbol)))
    }
    const notional = restingNotional(live)
    yield* Metric.set(Metrics.restingOrders, resting)
    yield* Metric.set(Metrics.unresolvedOrders, unknown)
    yield* Metric.set(Metrics.restingNotional, D.toNumberLossy(notional))
    yield* Metric.set(Metrics.position, D.toNumberLossy(position))
    yield* Metric.set(Metrics.pnl, D.toNumberLossy(summary.pnl))
    yield* Metric.set(Metrics.exposure, D.toNumberLossy(summary.grossExposure))
    // every venue's scope (and the global one), 0 unless a state says otherwise
    const states = yield* h.risk.statuses
    const level = (st: string) => (st === "HALTED" ? 2 : st === "REDUCING" ? 1 : 0)
    const stateOf = (venue: string | undefined) =>
      level(
        states.find((x) => x.scope?.venue === venue && x.scope?.strategy === undefined && x.scope?.symbol === undefined)
          ?.state ?? "ACTIVE"
      )
    yield* Metric.set(Metric.tagged(Metrics.riskState, "scope", "global"), stateOf(undefined))
    for (const s of h.sessions) yield* Metric.set(Metric.tagged(Metrics.riskState, "scope", s.name), stateOf(s.name))
    return [
      `quoted ${quoted}`,
      `resting ${resting} ($${D.format(D.round(notional, 2, "half-even"), 2)})`,
      `fills ${fills}`,
      `position ${D.format(position)}`,
      `exposure $${D.format(D.round(summary.grossExposure, 2, "half-even"), 2)}`,
      `P&L $${D.format(D.round(summary.pnl, 4, "half-even"), 4)}`,
      ...(headroom.length > 0 ? [`tokens ${headroom.join(", ")}`] : []),
      `desyncs ${desyncs}`,
      ...(unknown > 0 ? [`unresolved ${unknown}`] : []),
      ...venueStates,
      ...(yield* h.risk.statuses).map(
        (st) =>
          `${st.scope?.venue ?? "all"}${st.scope?.strategy ? `/${st.scope.strategy}` : ""}${st.scope?.symbol ? `:${st.scope.symbol}` : ""} ${st.state} (${st.reason})`
      ),
      ...venueNotes
    ].join(" | ")
  })
