import { Decimal as D } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import type { Entry } from "../src/Journal.js"
import * as Report from "../src/Report.js"

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

describe("Report", () => {
  const H = 3_600_000
  const entries: ReadonlyArray<Entry> = [
    e(0, "run", { symbol: undefined }),
    e(0, "request", {
      clientOrderId: "c1",
      data: { op: "create", side: "buy", price: "0.40", amount: "10", improvementTicks: 1, improvement: "0.01" }
    }),
    e(0, "ack", {
      clientOrderId: "c1",
      orderId: "o1",
      data: { status: "open", side: "buy", price: "0.40", amount: "10", filled: "0" }
    }),
    e(0, "request", {
      clientOrderId: "c2",
      data: { op: "create", side: "sell", price: "0.60", amount: "10", improvementTicks: 3, improvement: "0.03" }
    }),
    e(0, "ack", {
      clientOrderId: "c2",
      orderId: "o2",
      data: { status: "open", side: "sell", price: "0.60", amount: "10", filled: "0" }
    }),
    // half of c1 fills as maker after 1 h
    e(H, "fill", {
      clientOrderId: "c1",
      orderId: "o1",
      data: { side: "buy", price: "0.40", amount: "5", fee: "0.0000", takerOrMaker: "maker" }
    }),
    // c2 is canceled after 2 h
    e(2 * H, "cancel", { clientOrderId: "c2", orderId: "o2", data: { status: "canceled" } }),
    // a taker sale of 2 at 0.45 with a fee
    e(3 * H, "fill", {
      clientOrderId: "c3",
      orderId: "o3",
      data: { side: "sell", price: "0.45", amount: "2", fee: "0.0174", takerOrMaker: "taker" }
    }),
    e(4 * H, "stop", { symbol: undefined })
  ]

  it("computes placement, liquidity, improvement, fills, fees and P&L exactly", () => {
    const r = Report.compute(entries)
    const m = r.markets[0]!
    assert.strictEqual(m.ordersPlaced, 2)
    // c1: 0.40×10 for 1 h + 0.40×5 for 3 h = 4 + 6 = 10 $·h; c2: (1−0.60)×10 = 4 for 2 h = 8 $·h
    assert.strictEqual(D.format(m.liquidityDollarHours), "18")
    assert.strictEqual(D.format(m.restingNotional), "4.5") // 18 $·h over 4 h
    assert.strictEqual(m.avgImprovementTicks, 2)
    assert.strictEqual(D.format(m.avgImprovement!), "0.02")
    assert.strictEqual(D.format(m.makerContracts), "5")
    assert.strictEqual(D.format(m.takerContracts), "2")
    assert.strictEqual(D.format(m.fees), "0.0174")
    assert.strictEqual(D.format(m.position), "3")
    // cash −2.00 + 0.90 = −1.10; position 3 marked at the last fill 0.45 = 1.35; minus fees 0.0174
    assert.strictEqual(D.format(m.pnl), "0.2326")
    assert.strictEqual(r.totals.makerFillRate, 0.25) // 5 of 20 placed
    assert.strictEqual(r.totals.makerTakerRatio, 2.5)
    assert.strictEqual(D.format(r.totals.volume30d), "7")
  })

  it("built entry by entry as the journal is written (`fold`), it is the report over the whole journal", () => {
    const D40 = 40 * 24 * H
    // a second process on the same journal (orders resting across the restart), and fills both older and
    // newer than 30 days before the end (the 30-day volume is known only when the journal ends)
    // (each start says whether the venue runs in process, as every start since that field exists does)
    const inProcess = e(0, "reconcile", { symbol: undefined, data: { inProcess: true } })
    const later: ReadonlyArray<Entry> = [
      entries[0]!,
      inProcess,
      ...entries.slice(1),
      e(5 * H, "run", { symbol: undefined }),
      e(5 * H, "reconcile", { symbol: undefined, data: { inProcess: true } }),
      e(5 * H + 1, "request", { clientOrderId: "c4", data: { op: "create", side: "buy", price: "0.30", amount: "4" } }),
      e(5 * H + 1, "ack", {
        clientOrderId: "c4",
        orderId: "o4",
        data: { status: "open", side: "buy", price: "0.30", amount: "4", filled: "0" }
      }),
      e(5 * H + 2, "fill", {
        clientOrderId: "c4",
        orderId: "o4",
        data: { side: "buy", price: "0.30", amount: "1", fee: "0", takerOrMaker: "maker" }
      }),
      e(D40, "fill", {
        clientOrderId: "c4",
        orderId: "o4",
        data: { side: "buy", price: "0.30", amount: "2", fee: "0", takerOrMaker: "maker" }
      }),
      e(D40 + H, "sample", { data: { mid: "0.35" } })
    ]
    const end = later[later.length - 1]!.ts
    for (const journal of [entries, later, []]) {
      // the window's end unknown, or bounded (at the end, a day or 20 days later: fills counted as they come)
      for (const endsBy of [undefined, end, end + 24 * H, end + 20 * 24 * H]) {
        const f = Report.fold(endsBy === undefined ? {} : { endsBy })
        for (const x of journal) f.add(x)
        assert.deepStrictEqual(f.finish(), Report.compute(journal))
      }
    }
    // an entry after the end it was given: the fold says so, it does not count a figure it cannot know
    const early = Report.fold({ endsBy: end - 1 })
    for (const x of later) early.add(x)
    assert.throws(() => early.finish(), /after the end it was given/)
    // the fills more than 30 days before the end are out of the 30-day volume (2 of the last fill only)
    const r = Report.compute(later)
    assert.strictEqual(D.format(r.markets[0]!.volume30d), "2")
    assert.strictEqual(D.format(r.totals.volume30dDollars), "0.6")
  })

  it("renders table, JSON and CSV from the one model, each with totals and the legend", () => {
    const r = Report.compute(entries)
    const table = Report.formatTable(r)
    assert.include(table, "resting orders placed: 2")
    assert.match(table, /^TOTAL +2 +20 /m)
    assert.include(table, "markets.restingNotional — resting $:")
    const json = JSON.parse(Report.formatJson(r))
    assert.strictEqual(json.markets[0].fees, "0.0174")
    assert.strictEqual(json.totals.liquidityDollarHours, "18")
    assert.isString(json.legend["lip.coverage"])
    const sections = Report.formatCsv(r).split("\n\n")
    assert.deepStrictEqual(
      sections.map((x) => x.split("\n")[0]),
      ["# markets", "# lip", "# lipPrograms", "# legend"]
    )
    const markets = sections[0]!.split("\n")
    assert.isTrue(markets[1]!.startsWith("venue,symbol,ordersPlaced"))
    assert.strictEqual(markets.length, 4) // heading, header, one market, TOTAL
    assert.isTrue(markets[3]!.startsWith("TOTAL,,2,20,"))
    // every column of every section has a legend entry
    for (const [name, header] of [
      ["markets", markets[1]!],
      ["lip", sections[1]!.split("\n")[1]!],
      ["lipPrograms", sections[2]!.split("\n")[1]!]
    ] as const) {
      for (const col of header.split(",")) assert.isString(r.legend[`${name}.${col}`], `${name}.${col}`)
    }
  })
})
