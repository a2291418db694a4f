import { Decimal as D, Ids, Incentive, TickGrid } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import type { Entry } from "../src/Journal.js"
import * as LipSample from "../src/LipSample.js"
import * as Report from "../src/Report.js"
import * as ReportHtml from "../src/ReportHtml.js"
import * as ReportSeries from "../src/ReportSeries.js"

let seq = 0
const e = (ts: number, kind: Entry["kind"], rest: Partial<Entry> = {}): Entry => ({
  seq: ++seq,
  ts,
  kind,
  venue: "sim",
  symbol: "M1",
  data: {},
  ...rest
})

const DAY = 86_400_000
const day0 = Date.UTC(2026, 10, 30)

// a bid of 10 at 0.40 rests 30 s ($4.00 of notional), 2 fill as maker; an ask of 5 at 0.70 rests on day 2
const entries: ReadonlyArray<Entry> = [
  e(day0, "run", { symbol: undefined }),
  e(day0, "ack", {
    clientOrderId: "c1",
    data: { status: "open", side: "buy", price: "0.40", amount: "10", filled: "0" }
  }),
  e(day0 + 10_000, "fill", {
    clientOrderId: "c1",
    data: { side: "buy", price: "0.40", amount: "2", fee: "0.01", takerOrMaker: "maker" }
  }),
  e(day0 + 30_000, "cancel", { clientOrderId: "c1" }),
  // a minute's aggregate from the sampler (no program here): it marks the position at its mid
  e(day0 + 40_000, "sample", {
    data: LipSample.encode({ ...LipSample.emptyTally, lastMid: D.d("0.45") }, day0 + 30_000, day0 + 40_000)
  }),
  e(day0 + 50_000, "halt", { symbol: undefined, venue: "*", data: { state: "HALTED" } }),
  e(day0 + 60_000, "run", { symbol: undefined }),
  e(day0 + DAY, "ack", {
    clientOrderId: "c2",
    data: { status: "open", side: "sell", price: "0.70", amount: "5", filled: "0" }
  }),
  e(day0 + DAY + 3_600_000, "cancel", { clientOrderId: "c2" })
]

describe("ReportSeries", () => {
  it("resting notional per bucket, fills, position and P&L at each bucket's end: exact", () => {
    const s = ReportSeries.compute(entries.slice(0, 7), { bucketMs: 10_000 })
    assert.strictEqual(s.t.length, 6)
    const m = s.markets[0]!
    // 10 contracts × $0.40 for 10 s, then 8 × $0.40 for 20 s
    assert.deepStrictEqual(m.resting, ["4.00", "3.20", "3.20", "0.00", "0.00", "0.00"])
    assert.deepStrictEqual(m.maker, ["0", "2", "0", "0", "0", "0"])
    assert.deepStrictEqual(m.position, ["0", "2", "2", "2", "2", "2"])
    // cash −0.80 + 2 × mark − 0.01 fee: marked at the fill price, then at the sampled mid 0.45
    assert.deepStrictEqual(m.pnl, ["0.0000", "-0.0100", "-0.0100", "-0.0100", "0.0900", "0.0900"])
    assert.deepStrictEqual(m.mid, [null, "0.4", "0.4", "0.4", "0.45", "0.45"])
    assert.strictEqual(s.days.length, 1)
    // 4 × 10 s + 3.2 × 20 s = 104 $·s = 0.0289 $·h
    assert.strictEqual(s.days[0]!.dollarHours, "0.0289")
    assert.strictEqual(s.days[0]!.volume, "0.80")
    assert.strictEqual(s.days[0]!.halts, 1)
  })

  it("per UTC day: liquidity, and the P&L made that day", () => {
    const s = ReportSeries.compute(entries)
    assert.deepStrictEqual(
      s.days.map((d) => d.day),
      ["2026-11-30", "2026-12-01"]
    )
    // day 2: 5 contracts × (1 − 0.70) for one hour
    assert.strictEqual(s.days[1]!.dollarHours, "1.5")
    assert.strictEqual(s.days[1]!.pnl, "0.0000")
    assert.isAtMost(s.t.length, 400)
  })

  it("bucket sizes keep a chart under 400 points", () => {
    assert.strictEqual(ReportSeries.bucketFor(60_000), 10_000)
    assert.strictEqual(ReportSeries.bucketFor(DAY), 300_000)
    assert.strictEqual(ReportSeries.bucketFor(30 * DAY), 3 * 3_600_000)
    assert.strictEqual(ReportSeries.bucketFor(400 * DAY), DAY)
  })
})

describe("ReportHtml", () => {
  it("one self-contained page: chart library and data inline, nothing fetched, markup in a name escaped", () => {
    const hostile = [
      ...entries.slice(0, 3),
      e(day0 + 20_000, "ack", {
        symbol: "</script><script>alert(1)</script>",
        clientOrderId: "c3",
        data: { status: "open", side: "buy", price: "0.10", amount: "1", filled: "0" }
      }),
      ...entries.slice(3)
    ]
    const html = ReportHtml.formatHtml(Report.compute(hostile), ReportSeries.compute(hostile), {
      journal: "/x/j.sqlite"
    })
    assert.include(html, "uPlot")
    assert.notMatch(html, /<script[^>]+src=/)
    assert.notMatch(html, /<link[^>]+href=/)
    assert.notInclude(html, "<script>alert(1)")
    assert.include(html, "&lt;/script&gt;&lt;script&gt;alert(1)")
    // every figure has a legend
    const figures = html.match(/<figure>/g)?.length ?? 0
    assert.strictEqual(html.match(/<figcaption>/g)?.length ?? 0, figures)
    assert.include(html, "$0.0900")
  })

  it("an empty journal (or window) still makes a page, saying there is nothing", () => {
    const s = ReportSeries.compute([])
    assert.deepStrictEqual([s.t, s.markets, s.days], [[], [], []])
    const html = ReportHtml.formatHtml(Report.compute([]), s, { journal: "j.sqlite" })
    assert.include(html, "No resting order or fill in the window.")
  })
})

// ---- incentive programs: the sampler's minute aggregates, encoded by the sampler's own encoder -----------

const cent = TickGrid.uniform("0.01", "0.99", "0.01")
/** M1's program: Target 100, DF ½, $10,000 over two days, paid out */
const program = Incentive.IncentiveProgram.make({
  venue: Ids.VenueId.make("sim"),
  id: "prog-m1-0001",
  symbol: Ids.Symbol.make("M1"),
  kind: "liquidity",
  description: "",
  start: day0,
  end: day0 + 2 * DAY,
  periodReward: D.d("10000"),
  paidOut: true,
  targetSize: D.int(100),
  discountFactor: D.d("0.5")
})
const rules = { reference: "target-fifth", depth: "whole-levels", distance: "grid-ticks" } as const
// YES bids: 100 at 0.50 (ours 50, at the back); YES asks: 100 at 0.52 (ours 25): YES share ½, NO share ¼
const both: LipSample.MarketSnapshot = {
  open: true,
  grid: cent,
  bids: [[D.d("0.50"), D.int(100)]],
  asks: [[D.d("0.52"), D.int(100)]],
  ours: [
    { side: "buy", price: D.d("0.50"), size: D.int(50) },
    { side: "sell", price: D.d("0.52"), size: D.int(25) }
  ]
}
// only our bid: YES share ½, NO 0
const bidOnly: LipSample.MarketSnapshot = { ...both, ours: [both.ours[0]!] }
const minute = (snap: LipSample.MarketSnapshot, programs: ReadonlyArray<Incentive.IncentiveProgram>) => {
  let t = LipSample.emptyTally
  for (let i = 0; i < 60; i++) t = LipSample.addSnapshot(t, snap, programs, rules)
  return t
}
const sample = (symbol: string, from: number, t: LipSample.MarketTally) =>
  e(from + 60_000, "sample", { symbol, data: LipSample.encode(t, from, from + 60_000) })

const lipJournal: ReadonlyArray<Entry> = [
  e(day0, "run", { symbol: undefined }),
  e(day0, "ack", { clientOrderId: "l1", data: { status: "open", side: "buy", price: "0.50", amount: "50" } }),
  e(day0, "ack", {
    symbol: "M2",
    clientOrderId: "l2",
    data: { status: "open", side: "buy", price: "0.30", amount: "10" }
  }),
  sample("M1", day0, minute(both, [program])), // score 45/120 = 0.375
  sample("M2", day0, minute(both, [])), // no program
  sample("M1", day0 + 60_000, minute(bidOnly, [program])), // score 30/120 = 0.25
  sample("M1", day0 + DAY, minute(both, [program])), // day 2
  e(day0 + DAY + 60_000, "cancel", { clientOrderId: "l1" }),
  e(day0 + DAY + 60_000, "cancel", { symbol: "M2", clientOrderId: "l2" })
]

describe("ReportSeries and ReportHtml: incentive programs from the sampler's aggregates", () => {
  it("LIP per bucket (score, reward so far) and per day: exact, and the report's figures", () => {
    const s = ReportSeries.compute(lipJournal, { bucketMs: 60_000 })
    const [m1, m2] = s.markets
    assert.deepStrictEqual([m1!.symbol, m2!.symbol], ["M1", "M2"])
    assert.strictEqual(s.t.length, 1441) // to the last entry
    // each minute in the bucket where it starts; day 2's minute starts at bucket 1440
    assert.deepStrictEqual(m1!.lip.slice(0, 3), ["0.375", "0.25", null])
    assert.strictEqual(m1!.lip[1440], "0.375")
    assert.strictEqual(m1!.lip.filter((x) => x !== null).length, 3)
    // the reward so far: $10,000 over 172,800 s ≈ $0.0579/s; 60 s × 0.375 → $1.302… → $1.30; then the two
    // minutes together 75/240 × 120/120 × 120 s → $2.170… → $2.17; all three: 120/360 × 180 s → $3.472… → $3.47
    assert.deepStrictEqual(m1!.lipReward.slice(0, 3), ["1.30", "2.17", "2.17"])
    assert.strictEqual(m1!.lipReward[1439], "2.17")
    assert.strictEqual(m1!.lipReward[1440], "3.47")
    // a market without a program: no LIP line
    assert.isTrue(m2!.lip.every((x) => x === null) && m2!.lipReward.every((x) => x === null))
    // per day: the day's rows of the report added up; coverage over every sampled market's snapshots
    assert.deepStrictEqual(
      s.days.map((d) => [d.day, d.lipProjected, d.lipCoverage]),
      [
        ["2026-11-30", "2.17", 120 / 180], // M1 covered both sides 60 of 120 snapshots, M2 (best price) 60 of 60
        ["2026-12-01", "1.30", 1]
      ]
    )
    // the same story as the text report: its day rows and its program's window figure
    const r = Report.compute(lipJournal)
    for (const d of s.days) {
      const rows = r.lip.filter((x) => x.day === d.day)
      assert.strictEqual(D.format(D.sum(rows.map((x) => x.projectedReward)), 2), d.lipProjected)
    }
    // given the report's rows (as `report --format html` does), the same days
    assert.deepStrictEqual(ReportSeries.compute(lipJournal, { bucketMs: 60_000, lipRows: r.lip }).days, s.days)
    assert.strictEqual(r.lipPrograms.length, 1)
    assert.strictEqual(D.format(r.lipPrograms[0]!.projectedReward, 2), m1!.lipReward[m1!.lipReward.length - 1])
  })

  it("the page holds the program tables (cells, totals and legend of the text report) and the LIP series", () => {
    const r = Report.compute(lipJournal)
    const html = ReportHtml.formatHtml(r, ReportSeries.compute(lipJournal), { journal: "j.sqlite" })
    const tableOf = (id: string) => new RegExp(`<table id="${id}">[\\s\\S]*?</table>`).exec(html)?.[0] ?? ""
    const rowsOf = (id: string) =>
      [...tableOf(id).matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) =>
        [...m[1]!.matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((c) => c[1])
      )
    // per program, market and day: M1's two days, M2 with no program
    const lip = rowsOf("lip")
    assert.deepStrictEqual(lip[0], [
      "day",
      "venue",
      "market",
      "program",
      "target",
      "snaps",
      "incl.",
      "score",
      "cover",
      "uptime",
      "at best",
      "avg size",
      "avg spread",
      "projected $"
    ])
    assert.deepStrictEqual(lip.slice(1), [
      [
        "2026-11-30",
        "sim",
        "M1",
        "prog-m1-",
        "100",
        "120",
        "120",
        "0.3125",
        "50.0%",
        "50.0%",
        "50.0%",
        "62.5",
        "0.02",
        "$2.17"
      ],
      ["2026-11-30", "sim", "M2", "—", "—", "60", "0", "0", "100.0%", "100.0%", "100.0%", "75", "0.02", "$0.00"],
      [
        "2026-12-01",
        "sim",
        "M1",
        "prog-m1-",
        "100",
        "60",
        "60",
        "0.375",
        "100.0%",
        "100.0%",
        "100.0%",
        "75",
        "0.02",
        "$1.30"
      ],
      ["TOTAL", "", "", "", "", "240", "", "", "75.0%", "75.0%", "75.0%", "", "", "$3.47"]
    ])
    // per program over the window: payable (≥ $1.00) and realised (the venue marks it paid out)
    assert.deepStrictEqual(rowsOf("lipPrograms").slice(1), [
      ["sim", "M1", "prog-m1-", "100", "0.5", "$10000.00", "180", "0.3333", "$3.47", "$3.47", "$3.47"],
      ["TOTAL", "", "", "", "", "", "", "", "$3.47", "$3.47", "$3.47"]
    ])
    // a one-line legend per column, the report's own texts
    assert.include(html, `<li>${r.legend["lipPrograms.payableReward"]}</li>`)
    assert.strictEqual(
      html.match(/<ul class="legend" id="lip-legend">([\s\S]*?)<\/ul>/)![1]!.split("<li>").length - 1,
      14
    )
    // the market table: M1's programs' projected reward, M2 says it has none, the total is the programs'
    const markets = rowsOf("markets")
    assert.strictEqual(markets[1]![12], "$3.47")
    assert.strictEqual(markets[2]![12], "no program")
    assert.strictEqual(markets[3]![0], "TOTAL")
    assert.strictEqual(markets[3]![12], "$3.47")
    // the charts' data: the LIP series
    const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/.exec(html)![1]!)
    assert.strictEqual(data.markets[0].lipReward.at(-1), "3.47")
    assert.deepStrictEqual(
      data.days.map((d: { lipProjected: string }) => d.lipProjected),
      ["2.17", "1.30"]
    )
  })
})
