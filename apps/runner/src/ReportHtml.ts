/**
 * `report --format html`: one self-contained file (CSS, uPlot, the data and the drawing script inline; no
 * network) for a past window: the qualification totals, a table per market and per day, the incentive
 * programs per program, market and day and per program over the window (the text report's columns, cells,
 * totals and legend, from `ReportFormat`), and charts per market and per day, each with a short legend.
 * Tables are rendered here from the `Report` (money formatted from Decimals); the charts are drawn in the
 * page from `ReportSeries` (numbers there are coordinates only).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Decimal as D } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import { assetsDir, uplotFile } from "./Dashboard.js"
import type * as Journal from "./Journal.js"
import * as Report from "./Report.js"
import * as ReportFormat from "./ReportFormat.js"
import * as ReportSeries from "./ReportSeries.js"

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

/** JSON safe inside a <script> element */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c")

const money = (x: D.Decimal, places = 4) => {
  const s = D.format(D.abs(D.round(x, places, "half-even")), places)
  const [int, frac] = s.split(".")
  return `${x < 0n ? "−" : ""}$${int!.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${frac === undefined ? "" : `.${frac}`}`
}
const moneyStr = (s: string, places: number) => money(D.d(s), places)
const num = (x: number | undefined, places = 2, unit = "") => (x === undefined ? "—" : `${x.toFixed(places)}${unit}`)
const time = (ms: number) =>
  `<time datetime="${new Date(ms).toISOString()}" title="${new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC")}">${new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC")}</time>`

const table = (
  head: ReadonlyArray<readonly [string, "num" | "text"]>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  id: string,
  total?: ReadonlyArray<string>
) => {
  const cls = (i: number) => (head[i]![1] === "num" ? ' class="num"' : "")
  return `<div class="scroll"><table id="${id}"><thead><tr>${head.map(([h], i) => `<th${cls(i)}>${h}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${c}</td>`).join("")}</tr>`)
    .join(
      ""
    )}</tbody>${total === undefined ? "" : `<tfoot><tr class="total">${total.map((c, i) => `<td${cls(i)}>${c}</td>`).join("")}</tr></tfoot>`}</table></div>`
}

const TEXT_FIELDS = new Set(["day", "venue", "symbol", "programId"])

/**
 * A table of the text report's columns (`ReportFormat`): its headings, its cells (escaped), its TOTAL row,
 * and under it the report's legend of every column, one line each.
 */
const reportTable = <R>(
  r: Report.Report,
  section: string,
  cols: ReadonlyArray<ReportFormat.Column<R>>,
  rows: ReadonlyArray<R>,
  total: ReadonlyArray<string>
) =>
  `${table(
    cols.map((c) => [esc(c.heading), TEXT_FIELDS.has(c.field) ? "text" : "num"] as const),
    rows.map((row) => cols.map((c) => esc(c.cell(row)))),
    section,
    total.map(esc)
  )}
<ul class="legend" id="${section}-legend">${cols.map((c) => `<li>${esc(r.legend[`${section}.${c.field}`] ?? c.heading)}</li>`).join("")}</ul>`

export interface HtmlOptions {
  /** the journal read, shown in the header */
  readonly journal: string
  /** at most this many markets get charts (the most liquidity first); every market is in the tables */
  readonly chartedMarkets?: number
}

export const formatHtml = (r: Report.Report, s: ReportSeries.Series, o: HtmlOptions): string => {
  const t = r.totals
  const css = [uplotFile("uPlot.min.css"), path.join(assetsDir, "dashboard.css")]
    .map((f) => fs.readFileSync(f, "utf8"))
    .join("\n")
  const scripts = [uplotFile("uPlot.iife.min.js"), path.join(assetsDir, "common.js"), path.join(assetsDir, "report.js")]
    .map((f) => `<script>${fs.readFileSync(f, "utf8").replace(/<\/script/gi, "<\\/script")}</script>`)
    .join("\n")
  const summary: ReadonlyArray<readonly [string, string]> = [
    ["Resting orders placed", String(t.ordersPlaced)],
    ["Liquidity provided (time-weighted resting notional)", money(t.restingNotional, 2)],
    ["Liquidity × time", `${D.format(D.round(t.liquidityDollarHours, 4, "half-even"))} $·h`],
    [
      "Average spread improvement",
      `${num(t.avgImprovementTicks, 2, " ticks")}${t.avgImprovement === undefined ? "" : ` (${money(t.avgImprovement)})`}`
    ],
    ["Maker fill rate", t.makerFillRate === undefined ? "—" : `${(t.makerFillRate * 100).toFixed(2)} %`],
    [
      "Maker / taker",
      `${D.format(t.makerContracts)} / ${D.format(t.takerContracts)} ct${t.makerTakerRatio === undefined ? "" : ` (ratio ${t.makerTakerRatio.toFixed(2)})`}`
    ],
    ["Volume (30 days)", `${D.format(t.volume30d)} ct, ${money(t.volume30dDollars, 2)}`],
    ["Fees paid", money(t.fees)],
    ["P&L (marked)", money(t.pnl)],
    [
      "Incentive programs",
      `${r.lipTotals.programMarkets} markets with a program, ${r.lipTotals.snapshots} snapshots; projected ${money(r.lipTotals.projectedReward, 2)}, payable ${money(r.lipTotals.payableReward, 2)}, realised ${money(r.lipTotals.realisedReward, 2)}`
    ],
    ["Desyncs / halts / resumes", `${t.desyncs} / ${t.halts} / ${t.resumes}`]
  ]
  const marketRows = r.markets.map((m) => [
    esc(m.symbol),
    esc(m.venue),
    String(m.ordersPlaced),
    money(m.restingNotional, 2),
    `${D.format(D.round(m.liquidityDollarHours, 4, "half-even"))} $·h`,
    num(m.avgImprovementTicks, 2, " ticks"),
    `${D.format(m.makerContracts)} ct`,
    `${D.format(m.takerContracts)} ct`,
    `${D.format(m.volume30d)} ct`,
    money(m.fees),
    `${D.format(m.position)} ct`,
    money(m.pnl),
    lipOf(r, m.venue, m.symbol)
  ])
  const dayRows = s.days.map((d) => [
    d.day,
    `${d.dollarHours} $·h`,
    `${d.maker} ct`,
    `${d.taker} ct`,
    moneyStr(d.volume, 2),
    moneyStr(d.fees, 4),
    moneyStr(d.pnl, 4),
    moneyStr(d.lipProjected, 2),
    d.lipCoverage === null ? "—" : `${(d.lipCoverage * 100).toFixed(1)} %`,
    String(d.desyncs),
    String(d.halts)
  ])
  const liquidity = new Map(r.markets.map((m) => [`${m.venue}\u0000${m.symbol}`, m.liquidityDollarHours]))
  const charted = [...s.markets]
    .sort((a, b) => {
      const x = liquidity.get(`${a.venue}\u0000${a.symbol}`) ?? D.ZERO
      const y = liquidity.get(`${b.venue}\u0000${b.symbol}`) ?? D.ZERO
      return x > y ? -1 : x < y ? 1 : 0
    })
    .slice(0, o.chartedMarkets ?? 50)
  const data = { t: s.t, bucketMs: s.bucketMs, markets: charted, days: s.days }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>alpha-hunter · liquidity report ${new Date(r.from).toISOString().slice(0, 10)} → ${new Date(r.to).toISOString().slice(0, 10)}</title>
<style>${css}
.summary td:first-child { color: var(--muted); }
tfoot td { font-weight: 600; border-top: 1px solid var(--line); }
.legend { color: var(--muted); font-size: 0.85em; margin: 0.25rem 0 1rem; padding-left: 1.2rem; }
.market { border-top: 1px solid var(--line); margin-top: 1rem; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
@media (max-width: 900px) { .pair { grid-template-columns: 1fr; } }
@media print { header { position: static; } }
</style>
</head>
<body>
<header>
  <h1>alpha-hunter <span class="sub">liquidity report</span></h1>
  <span class="muted">${time(r.from)} → ${time(r.to)} · journal ${esc(path.basename(o.journal))} · one chart point per ${s.bucketMs >= 60_000 ? `${s.bucketMs / 60_000} min` : `${s.bucketMs / 1000} s`}</span>
</header>
<main>
<section><h2>Summary</h2>
${table(
  [
    ["Figure", "text"],
    ["Value", "num"]
  ],
  summary,
  "summary"
).replace('<table id="summary"', '<table id="summary" class="summary"')}
<p class="muted">Notional: a bid at p ties up p per contract, an ask at p ties up 1 − p. LIP: the sampler scores each quoted market once a second against the market's own liquidity programs (each its own Target Size and discount factor); our score is our share of everyone's snapshot scores (0..1), and the projected reward is the program's pool for the time observed × that share, rounded down to the cent (paid only from $1.00 per program). Times are in your time zone; hover a time for UTC.</p>
</section>
<section><h2>Per day (UTC)</h2>
<figure><div id="days-liquidity" class="chart"></div><figcaption>Liquidity provided per day: resting notional × time in dollar-hours (bars, left); P&amp;L made that day and the day's projected LIP reward, dollars (lines, right).</figcaption></figure>
<figure><div id="days-volume" class="chart"></div><figcaption>Contracts filled per day: as maker (our resting orders filled) and as taker.</figcaption></figure>
${table(
  [
    ["Day", "text"],
    ["Liquidity", "num"],
    ["Maker", "num"],
    ["Taker", "num"],
    ["Volume", "num"],
    ["Fees", "num"],
    ["P&amp;L", "num"],
    ["LIP projected", "num"],
    ["LIP coverage", "num"],
    ["Desyncs", "num"],
    ["Halts", "num"]
  ],
  dayRows,
  "days"
)}
</section>
<section><h2>Per market</h2>
${table(
  [
    ["Market", "text"],
    ["Venue", "text"],
    ["Orders", "num"],
    ["Resting", "num"],
    ["Liquidity", "num"],
    ["Improvement", "num"],
    ["Maker", "num"],
    ["Taker", "num"],
    ["Vol 30d", "num"],
    ["Fees", "num"],
    ["Position", "num"],
    ["P&amp;L", "num"],
    ["LIP projected", "num"]
  ],
  marketRows,
  "markets",
  [
    "TOTAL",
    "",
    String(t.ordersPlaced),
    money(t.restingNotional, 2),
    `${D.format(D.round(t.liquidityDollarHours, 4, "half-even"))} $·h`,
    num(t.avgImprovementTicks, 2, " ticks"),
    `${D.format(t.makerContracts)} ct`,
    `${D.format(t.takerContracts)} ct`,
    `${D.format(t.volume30d)} ct`,
    money(t.fees),
    "",
    money(t.pnl),
    money(r.lipTotals.projectedReward, 2)
  ]
)}
${charted.length < s.markets.length ? `<p class="muted">Charts for the ${charted.length} markets with the most liquidity provided (of ${s.markets.length}).</p>` : ""}
${s.markets.length === 0 ? "<p>No resting order or fill in the window.</p>" : ""}
<div id="market-charts"></div>
</section>
<section><h2>Incentive programs</h2>
${
  r.lip.length === 0
    ? "<p>No sampled market in the window (the LIP sampler journals one row per market per minute).</p>"
    : `<h3>Per program, market and UTC day</h3>
${reportTable(r, "lip", ReportFormat.lipColumns, r.lip, ReportFormat.lipTotalCells(r))}
<h3>Per program over the window</h3>
${
  r.lipPrograms.length === 0
    ? "<p>No market had a liquidity program in the window.</p>"
    : reportTable(r, "lipPrograms", ReportFormat.programColumns, r.lipPrograms, ReportFormat.programTotalCells(r))
}`
}
</section>
<section><h2>Venue health</h2>
${r.health.length === 0 ? "<p>No desync, halt or resume in the window.</p>" : `<ul>${r.health.map((h) => `<li>${time(h.at)} ${h.venue === "*" ? "all venues" : esc(h.venue)}: ${h.kind}</li>`).join("")}</ul>`}
</section>
</main>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
${scripts}
</body>
</html>
`
}

/**
 * A market's projected LIP reward over the window: its programs' (`lipPrograms`, so the column adds up to the
 * programs' total), or "no program".
 */
const lipOf = (r: Report.Report, venue: string, symbol: string): string => {
  const programs = r.lipPrograms.filter((x) => x.venue === venue && x.symbol === symbol)
  return programs.length === 0 ? "no program" : money(D.sum(programs.map((x) => x.projectedReward)), 2)
}

/** The HTML report of a journal's window: the report, its series, one page. */
export const fromJournal = (journal: Journal.JournalService, options: Report.ReportOptions) =>
  Effect.map(journal.query(options.since === undefined ? {} : { since: options.since }), (entries) => {
    const report = Report.compute(entries, options)
    return formatHtml(
      report,
      ReportSeries.compute(entries, {
        ...(options.since !== undefined ? { since: options.since } : {}),
        ...(options.now !== undefined ? { now: options.now } : {}),
        lipRows: report.lip // the same sample rows, decoded once for the days
      }),
      { journal: journal.path }
    )
  })
