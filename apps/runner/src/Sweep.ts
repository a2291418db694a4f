/**
 * Parameter sweeps: every combination of a grid of config values (`path=v1,v2,…`) backtested over one tape,
 * ranked by a chosen metric, as a table and a self-contained HTML page (inline SVG: a bar per combination, and
 * a heat map when the grid has two parameters). Each run is deterministic, so a sweep is too.
 */
import { Decimal as D } from "@alpha-hunter/core"
import * as Schema from "effect/Schema"
import type { BacktestResult } from "./Backtest.js"
import type { Metric } from "./SweepMetrics.js"

export interface Axis {
  readonly path: string
  readonly values: ReadonlyArray<string>
}

export const parseAxis = (s: string): Axis | string => {
  const eq = s.indexOf("=")
  if (eq <= 0) return `--grid: expected path=v1,v2,…, got "${s}"`
  const values = s
    .slice(eq + 1)
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v.length > 0)
  if (values.length === 0) return `--grid: ${s.slice(0, eq)} has no values`
  return { path: s.slice(0, eq), values }
}

/** Every combination, as `path=value` assignments (the first axis varies slowest). */
export const combinations = (axes: ReadonlyArray<Axis>): ReadonlyArray<ReadonlyArray<string>> =>
  axes.reduce<ReadonlyArray<ReadonlyArray<string>>>(
    (acc, a) => acc.flatMap((c) => a.values.map((v) => [...c, `${a.path}=${v}`])),
    [[]]
  )

export { type Metric, metrics } from "./SweepMetrics.js"

/** One backtest of the grid, as a row of the table (also its form across a worker thread: decimals as strings). */
export const Row = Schema.Struct({
  assignments: Schema.Array(Schema.String),
  pnl: D.Decimal,
  spread: D.Decimal,
  inventory: D.Decimal,
  fees: D.Decimal,
  fills: Schema.Number,
  /** mean mid move 60 s after our fills, per contract (in our favour when positive) */
  markout60: Schema.UndefinedOr(D.Decimal),
  orders: Schema.Number,
  /** liquidity provided, dollar-hours (the report's) */
  liquidity: D.Decimal
})
export type Row = typeof Row.Type

export const rowOf = (assignments: ReadonlyArray<string>, r: BacktestResult): Row => {
  const m60 = r.summary.markouts.find((m) => m.horizonMs === 60_000)
  return {
    assignments,
    pnl: r.summary.attribution.total,
    spread: r.summary.attribution.spread,
    inventory: r.summary.attribution.inventory,
    fees: r.summary.attribution.fees,
    fills: r.summary.markets.reduce((n, m) => n + m.fills, 0),
    markout60: m60 === undefined || D.isZero(m60.contracts) ? undefined : D.div(m60.total, m60.contracts),
    orders: r.report.totals.ordersPlaced,
    liquidity: r.report.totals.liquidityDollarHours
  }
}

const value = (r: Row, m: Metric): number => {
  const v = r[m]
  if (v === undefined) return Number.NEGATIVE_INFINITY
  return typeof v === "number" ? v : D.toNumberLossy(v)
}

/** Best first (higher is better for every metric; fees are negative amounts, so fewer fees rank higher). */
export const rank = (rows: ReadonlyArray<Row>, m: Metric): ReadonlyArray<Row> =>
  [...rows].sort((a, b) => value(b, m) - value(a, m) || (a.assignments.join() < b.assignments.join() ? -1 : 1))

const money = (d: D.Decimal | undefined) => (d === undefined ? "–" : D.format(d, 4, "half-even"))
const label = (r: Row) => r.assignments.map((a) => a.slice(a.lastIndexOf(".") + 1)).join(" ")

export const formatTable = (rows: ReadonlyArray<Row>, m: Metric): string => {
  const head = ["#", "parameters", "P&L", "spread", "inventory", "fees", "fills", "markout 60s", "orders", "$·h"]
  const body = rank(rows, m).map((r, i) => [
    String(i + 1),
    label(r),
    money(r.pnl),
    money(r.spread),
    money(r.inventory),
    money(r.fees),
    String(r.fills),
    money(r.markout60),
    String(r.orders),
    D.format(r.liquidity, 2, "half-even")
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ")
  return [`ranked by ${m}`, line(head), ...body.map(line)].join("\n")
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

/** A self-contained page: the ranked bars, a heat map for two-parameter grids, the table. */
export const html = (title: string, axes: ReadonlyArray<Axis>, rows: ReadonlyArray<Row>, m: Metric): string => {
  const ranked = rank(rows, m)
  const vals = ranked.map((r) => value(r, m)).map((v) => (Number.isFinite(v) ? v : 0))
  const max = Math.max(0, ...vals)
  const min = Math.min(0, ...vals)
  const W = 760
  const barH = 22
  const left = 220
  const scale = (v: number) => ((v - min) / Math.max(1e-12, max - min)) * (W - left - 80)
  const zero = left + scale(0)
  const bars = ranked
    .map((r, i) => {
      const v = vals[i]!
      const x = v >= 0 ? zero : left + scale(v)
      const w = Math.abs(scale(v) - scale(0))
      const y = 10 + i * barH
      return `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(label(r))}</text><rect x="${x}" y="${y + 3}" width="${Math.max(1, w)}" height="${barH - 6}" fill="${v >= 0 ? "#2f855a" : "#c53030"}"/><text x="${(v >= 0 ? x + w : x) + (v >= 0 ? 6 : -6)}" y="${y + 15}" text-anchor="${v >= 0 ? "start" : "end"}">${v.toFixed(4)}</text>`
    })
    .join("")
  const barsSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${20 + ranked.length * barH}" font-family="sans-serif" font-size="12"><line x1="${zero}" y1="5" x2="${zero}" y2="${15 + ranked.length * barH}" stroke="#555"/>${bars}</svg>`
  let heat = ""
  if (axes.length === 2) {
    const [a, b] = axes as readonly [Axis, Axis]
    const cell = 70
    const at = (va: string, vb: string) =>
      rows.find((r) => r.assignments[0] === `${a.path}=${va}` && r.assignments[1] === `${b.path}=${vb}`)
    const color = (v: number) => {
      const t = (v - min) / Math.max(1e-12, max - min)
      const g = Math.round(80 + 150 * t)
      const rr = Math.round(220 - 150 * t)
      return `rgb(${rr},${g},110)`
    }
    const cells = a.values
      .flatMap((va, i) =>
        b.values.map((vb, j) => {
          const r = at(va, vb)
          const v = r === undefined ? 0 : value(r, m)
          return `<rect x="${140 + j * cell}" y="${40 + i * cell}" width="${cell - 2}" height="${cell - 2}" fill="${color(Number.isFinite(v) ? v : min)}"/><text x="${140 + j * cell + cell / 2}" y="${40 + i * cell + cell / 2 + 4}" text-anchor="middle">${Number.isFinite(v) ? v.toFixed(2) : "–"}</text>`
        })
      )
      .join("")
    const rowsLbl = a.values
      .map((va, i) => `<text x="130" y="${40 + i * cell + cell / 2 + 4}" text-anchor="end">${esc(va)}</text>`)
      .join("")
    const colsLbl = b.values
      .map((vb, j) => `<text x="${140 + j * cell + cell / 2}" y="32" text-anchor="middle">${esc(vb)}</text>`)
      .join("")
    heat = `<h2>${esc(m)} by ${esc(a.path.split(".").at(-1)!)} (rows) × ${esc(b.path.split(".").at(-1)!)} (columns)</h2><svg xmlns="http://www.w3.org/2000/svg" width="${160 + b.values.length * cell}" height="${60 + a.values.length * cell}" font-family="sans-serif" font-size="12">${colsLbl}${rowsLbl}${cells}</svg>`
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>body{font-family:sans-serif;margin:24px;color:#222}pre{background:#f6f6f6;padding:12px}</style></head><body><h1>${esc(title)}</h1><p>${rows.length} backtest${rows.length === 1 ? "" : "s"} over one tape, ranked by <b>${esc(m)}</b> (best first).</p>${barsSvg}${heat}<h2>Table</h2><pre>${esc(formatTable(rows, m))}</pre></body></html>\n`
}
