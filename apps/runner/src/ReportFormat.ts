/**
 * The report's formats: a terminal table, JSON and CSV, all rendered from the one `Report` model, each with
 * its totals; the legend (every column, by its field name, with the table's heading) is printed under the
 * table, included in JSON as `legend` and in CSV as its own section. The incentive-program columns and TOTAL
 * rows are exported for the HTML report, which renders the same cells.
 */
import { Decimal as D } from "@alpha-hunter/core"
import type { MarketReport, Report } from "./Report.js"
import type { LipDayRow, LipProgramReport } from "./ReportLip.js"

export interface Column<R> {
  readonly field: string
  readonly heading: string
  readonly meaning: string
  readonly cell: (r: R) => string
}

const money = (x: D.Decimal, places = 4) =>
  `${x < 0n ? "-" : ""}$${D.format(D.abs(D.round(x, places, "half-even")), places)}`
const num = (x: number | undefined, places = 2) => (x === undefined ? "—" : x.toFixed(places))
const pct = (x: number | undefined) => (x === undefined ? "—" : `${(x * 100).toFixed(1)}%`)
const dec = (x: D.Decimal | undefined, places?: number) =>
  x === undefined ? "—" : places === undefined ? D.format(x) : D.format(D.round(x, places, "half-even"))

const marketColumns: ReadonlyArray<Column<MarketReport>> = [
  { field: "venue", heading: "venue", meaning: "the venue's name in the config", cell: (m) => m.venue },
  { field: "symbol", heading: "market", meaning: "the market's symbol (Kalshi: ticker)", cell: (m) => m.symbol },
  {
    field: "ordersPlaced",
    heading: "orders",
    meaning: "resting orders placed (acknowledged creates; amends not counted)",
    cell: (m) => String(m.ordersPlaced)
  },
  {
    field: "contractsPlaced",
    heading: "placed",
    meaning: "contracts of those orders",
    cell: (m) => dec(m.contractsPlaced)
  },
  {
    field: "restingNotional",
    heading: "resting $",
    meaning:
      "liquidity provided: time-weighted average resting notional over the window (a bid at p ties up p, an ask 1 − p per contract); an order rests from its ack to its end — a venue-known end, or the last activity of an in-process venue's process",
    cell: (m) => money(m.restingNotional, 2)
  },
  {
    field: "liquidityDollarHours",
    heading: "$·h",
    meaning: "resting notional × time in the window, dollar-hours",
    cell: (m) => dec(m.liquidityDollarHours, 4)
  },
  {
    field: "avgImprovementTicks",
    heading: "impr. ticks",
    meaning: "spread improvement: average ticks by which our new orders improved the best price on their side",
    cell: (m) => num(m.avgImprovementTicks)
  },
  {
    field: "makerContracts",
    heading: "maker",
    meaning: "contracts filled as maker",
    cell: (m) => dec(m.makerContracts)
  },
  {
    field: "takerContracts",
    heading: "taker",
    meaning: "contracts filled as taker",
    cell: (m) => dec(m.takerContracts)
  },
  {
    field: "makerFillRate",
    heading: "fill rate",
    meaning: "maker fill rate: maker-filled contracts ÷ contracts placed",
    cell: (m) => pct(m.makerFillRate)
  },
  {
    field: "volume30d",
    heading: "vol 30d",
    meaning: "contracts filled (maker and taker) in the 30 days to the window's end",
    cell: (m) => dec(m.volume30d)
  },
  { field: "fees", heading: "fees", meaning: "trading fees paid, $", cell: (m) => money(m.fees) },
  {
    field: "position",
    heading: "position",
    meaning: "net YES contracts held at the end",
    cell: (m) => dec(m.position)
  },
  {
    field: "pnl",
    heading: "P&L",
    meaning: "cash flows of fills + position marked at the last mid (or fill price) − fees, $",
    cell: (m) => money(m.pnl)
  }
]

export const lipColumns: ReadonlyArray<Column<LipDayRow>> = [
  { field: "day", heading: "day", meaning: "UTC day of the snapshots", cell: (r) => r.day },
  { field: "venue", heading: "venue", meaning: "the venue's name in the config", cell: (r) => r.venue },
  { field: "symbol", heading: "market", meaning: "the market's symbol", cell: (r) => r.symbol },
  {
    field: "programId",
    heading: "program",
    meaning: "the liquidity program's id (— : the market had none; coverage then counts the best price)",
    cell: (r) => (r.programId === undefined ? "—" : r.programId.slice(0, 8))
  },
  {
    field: "targetSize",
    heading: "target",
    meaning: "the program's Target Size: contracts each side of the book must rest (this market's own)",
    cell: (r) => dec(r.targetSize)
  },
  {
    field: "snapshots",
    heading: "snaps",
    meaning: "book snapshots taken (one per second at a random offset, like the venue)",
    cell: (r) => String(r.snapshots)
  },
  {
    field: "includedSnapshots",
    heading: "incl.",
    meaning: "snapshots the program counts (market open, both sides of the book at Target Size)",
    cell: (r) => String(r.includedSnapshots)
  },
  {
    field: "score",
    heading: "score",
    meaning: "our LIP score: our summed snapshot scores ÷ everyone's (0..1), exact scorer (core Lip)",
    cell: (r) => dec(r.score, 4)
  },
  {
    field: "coverage",
    heading: "cover",
    meaning: "share of snapshots with our qualifying order at (or better than) the reference price on both sides",
    cell: (r) => pct(r.coverage)
  },
  {
    field: "uptime",
    heading: "uptime",
    meaning: "share of snapshots with our orders resting on both sides",
    cell: (r) => pct(r.uptime)
  },
  {
    field: "timeAtBest",
    heading: "at best",
    meaning: "share of snapshots with our orders at the best price on both sides",
    cell: (r) => pct(r.timeAtBest)
  },
  {
    field: "avgQuotedSize",
    heading: "avg size",
    meaning: "our resting contracts (both sides) per snapshot we quoted",
    cell: (r) => dec(r.avgQuotedSize, 2)
  },
  {
    field: "avgSpread",
    heading: "avg spread",
    meaning: "our ask − our bid (YES prices) per two-sided snapshot, $",
    cell: (r) => dec(r.avgSpread, 4)
  },
  {
    field: "projectedReward",
    heading: "projected $",
    meaning:
      "the reward the day's snapshots earn: pool × observed share of the period × score × included ÷ snapshots, rounded down to the cent",
    cell: (r) => money(r.projectedReward, 2)
  }
]

export const programColumns: ReadonlyArray<Column<LipProgramReport>> = [
  { field: "venue", heading: "venue", meaning: "the venue's name in the config", cell: (p) => p.venue },
  { field: "symbol", heading: "market", meaning: "the market's symbol", cell: (p) => p.symbol },
  {
    field: "programId",
    heading: "program",
    meaning: "the liquidity program's id",
    cell: (p) => p.programId.slice(0, 8)
  },
  { field: "targetSize", heading: "target", meaning: "the program's Target Size", cell: (p) => dec(p.targetSize) },
  {
    field: "discountFactor",
    heading: "DF",
    meaning: "discount factor per tick behind the reference price",
    cell: (p) => dec(p.discountFactor)
  },
  {
    field: "periodReward",
    heading: "pool $",
    meaning: "the reward of the program's whole period (Time Period Reward)",
    cell: (p) => money(p.periodReward, 2)
  },
  { field: "snapshots", heading: "snaps", meaning: "snapshots taken in the window", cell: (p) => String(p.snapshots) },
  { field: "score", heading: "score", meaning: "our LIP score over the window (0..1)", cell: (p) => dec(p.score, 4) },
  {
    field: "projectedReward",
    heading: "projected $",
    meaning: "the window's reward, rounded down to the cent",
    cell: (p) => money(p.projectedReward, 2)
  },
  {
    field: "payableReward",
    heading: "payable $",
    meaning: "what the venue would pay of it: 0 when below the $1.00 minimum paid reward",
    cell: (p) => money(p.payableReward, 2)
  },
  {
    field: "realisedReward",
    heading: "realised $",
    meaning:
      "programs the venue marks paid out: the reward as scored (the venue publishes no per-account figure); — otherwise",
    cell: (p) => (p.realisedReward === undefined ? "—" : money(p.realisedReward, 2))
  }
]

/** Every column's meaning, by section and field name (`markets.restingNotional`, `lip.coverage`, …). */
export const legend = (): Readonly<Record<string, string>> =>
  Object.fromEntries([
    ...marketColumns.map((c) => [`markets.${c.field}`, `${c.heading}: ${c.meaning}`] as const),
    ...lipColumns.map((c) => [`lip.${c.field}`, `${c.heading}: ${c.meaning}`] as const),
    ...programColumns.map((c) => [`lipPrograms.${c.field}`, `${c.heading}: ${c.meaning}`] as const)
  ])

const table = <R>(cols: ReadonlyArray<Column<R>>, rows: ReadonlyArray<R>, total: ReadonlyArray<string> | undefined) => {
  const body = rows.map((r) => cols.map((c) => c.cell(r)))
  const all = total === undefined ? body : [...body, total]
  const widths = cols.map((c, i) => Math.max(c.heading.length, ...all.map((row) => row[i]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd()
  return [line(cols.map((c) => c.heading)), ...all.map(line)]
}

const marketTotalCells = (r: Report): ReadonlyArray<string> => {
  const t = r.totals
  return [
    "TOTAL",
    "",
    String(t.ordersPlaced),
    dec(t.contractsPlaced),
    money(t.restingNotional, 2),
    dec(t.liquidityDollarHours, 4),
    num(t.avgImprovementTicks),
    dec(t.makerContracts),
    dec(t.takerContracts),
    pct(t.makerFillRate),
    dec(t.volume30d),
    money(t.fees),
    "",
    money(t.pnl)
  ]
}

export const lipTotalCells = (r: Report): ReadonlyArray<string> => {
  const t = r.lipTotals
  return [
    "TOTAL",
    "",
    "",
    "",
    "",
    String(t.snapshots),
    "",
    "",
    pct(t.coverage),
    pct(t.uptime),
    pct(t.timeAtBest),
    "",
    "",
    money(t.projectedReward, 2)
  ]
}

export const programTotalCells = (r: Report): ReadonlyArray<string> => {
  const t = r.lipTotals
  return [
    "TOTAL",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    money(t.projectedReward, 2),
    money(t.payableReward, 2),
    money(t.realisedReward, 2)
  ]
}

/** A plain-text report for the terminal: summary, markets, incentive programs, legend. */
export const formatTable = (r: Report, options: { readonly legend?: boolean } = {}): string => {
  const t = r.totals
  const l = r.lipTotals
  const summary = [
    `window: ${new Date(r.from).toISOString()} → ${new Date(r.to).toISOString()}`,
    `resting orders placed: ${t.ordersPlaced}`,
    `liquidity provided: ${money(t.restingNotional, 2)} time-weighted resting notional (${dec(t.liquidityDollarHours, 4)} $·h)`,
    `average spread improvement: ${num(t.avgImprovementTicks)} ticks${t.avgImprovement === undefined ? "" : ` (${money(t.avgImprovement)})`}`,
    `maker fill rate: ${t.makerFillRate === undefined ? "—" : `${(t.makerFillRate * 100).toFixed(2)} %`}`,
    `maker/taker: ${D.format(t.makerContracts)} / ${D.format(t.takerContracts)} contracts${t.makerTakerRatio === undefined ? "" : ` (ratio ${t.makerTakerRatio.toFixed(2)})`}`,
    `volume (30 days): ${D.format(t.volume30d)} contracts, ${money(t.volume30dDollars, 2)}`,
    `fees paid: ${money(t.fees)}`,
    `P&L (marked): ${money(t.pnl)}`,
    `incentive programs: ${l.programMarkets} markets with a program, ${l.snapshots} snapshots; coverage ${pct(l.coverage)}, uptime ${pct(l.uptime)}, at best ${pct(l.timeAtBest)}; projected ${money(l.projectedReward, 2)}, payable ${money(l.payableReward, 2)}, realised ${money(l.realisedReward, 2)}`,
    `desyncs: ${t.desyncs}, halts: ${t.halts}, resumes: ${t.resumes}`,
    ...r.health.map((h) => `  ${new Date(h.at).toISOString()} ${h.venue} ${h.kind}`)
  ]
  const sections = [
    summary.join("\n"),
    ["markets", ...table(marketColumns, r.markets, marketTotalCells(r))].join("\n"),
    ...(r.lip.length === 0
      ? []
      : [
          ["incentive programs, per market and day", ...table(lipColumns, r.lip, lipTotalCells(r))].join("\n"),
          ...(r.lipPrograms.length === 0
            ? []
            : [
                [
                  "incentive programs over the window",
                  ...table(programColumns, r.lipPrograms, programTotalCells(r))
                ].join("\n")
              ])
        ])
  ]
  if (options.legend !== false) {
    sections.push(["legend", ...Object.entries(r.legend).map(([k, v]) => `  ${k} — ${v}`)].join("\n"))
  }
  return sections.join("\n\n")
}

const jsonValue = (v: unknown): unknown => (typeof v === "bigint" ? D.format(v as D.Decimal) : v)

/** The whole `Report` (decimals as strings), legend included. */
export const formatJson = (r: Report): string => JSON.stringify(r, (_k, v) => jsonValue(v), 2)

const csvCell = (v: unknown) => {
  const s = v === undefined ? "" : String(jsonValue(v))
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

const csvSection = <R>(name: string, cols: ReadonlyArray<Column<R>>, rows: ReadonlyArray<R>, total: object) => {
  const fields = cols.map((c) => c.field)
  const cell = (o: object, f: string) => csvCell((o as Record<string, unknown>)[f])
  return [
    `# ${name}`,
    fields.join(","),
    ...rows.map((r) => fields.map((f) => cell(r as object, f)).join(",")),
    fields.map((f) => cell(total, f)).join(",")
  ].join("\n")
}

/** CSV sections (`# markets`, `# lip`, `# lipPrograms`, `# legend`), each with a header and a TOTAL row. */
export const formatCsv = (r: Report): string => {
  const t = r.totals
  const l = r.lipTotals
  return [
    csvSection("markets", marketColumns, r.markets, { ...t, venue: "TOTAL", symbol: "" }),
    csvSection("lip", lipColumns, r.lip, {
      day: "TOTAL",
      snapshots: l.snapshots,
      coverage: l.coverage,
      uptime: l.uptime,
      timeAtBest: l.timeAtBest,
      projectedReward: l.projectedReward
    }),
    csvSection("lipPrograms", programColumns, r.lipPrograms, {
      venue: "TOTAL",
      projectedReward: l.projectedReward,
      payableReward: l.payableReward,
      realisedReward: l.realisedReward
    }),
    ["# legend", "column,meaning", ...Object.entries(r.legend).map(([k, v]) => `${csvCell(k)},${csvCell(v)}`)].join(
      "\n"
    )
  ].join("\n\n")
}
