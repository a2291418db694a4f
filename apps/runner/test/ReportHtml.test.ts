import { assert, describe, it } from "@effect/vitest"
import type { Entry } from "../src/Journal.js"
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
  e(day0 + 40_000, "sample", { data: { open: true, mid: "0.45", bids: [], asks: [] } }),
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
      ...entries,
      e(day0 + 20_000, "ack", {
        symbol: "</script><script>alert(1)</script>",
        clientOrderId: "c3",
        data: { status: "open", side: "buy", price: "0.10", amount: "1", filled: "0" }
      })
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
