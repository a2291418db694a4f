import { Decimal as D } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import type { Entry } from "../src/Journal.js"
import * as Report from "../src/Report.js"

const H = 3_600_000
let seq = 0
const e = (ts: number, kind: Entry["kind"], rest: Partial<Entry> = {}): Entry => ({
  seq: ++seq,
  ts,
  kind,
  venue: "v",
  symbol: "M1",
  data: {},
  ...rest
})
const start = (ts: number, inProcess: boolean) => [
  e(ts, "run", { venue: "*", symbol: undefined }),
  e(ts, "reconcile", { symbol: undefined, data: { inProcess } })
]
const ack = (ts: number, coid: string) =>
  e(ts, "ack", { clientOrderId: coid, data: { status: "open", side: "buy", price: "0.40", amount: "10", filled: "0" } })
const dollarHours = (es: ReadonlyArray<Entry>, options: Report.ReportOptions = {}) =>
  D.format(Report.compute(es, options).totals.liquidityDollarHours)

describe("Report: honest resting intervals", () => {
  it("an in-process venue's orders end at the process's last journal activity, not across the gap", () => {
    const es = [
      ...start(0, true),
      ack(0, "c1"),
      e(H, "intent", { data: {} }), // the process's last activity, then SIGKILL
      ...start(3 * H, true), // a second run after a 2 h gap
      e(4 * H, "stop", { venue: "*", symbol: undefined })
    ]
    // 0.40 × 10 for 1 h (the old reading counted the 4 h to the end: 16)
    assert.strictEqual(dollarHours(es), "4")
  })

  it("a networked venue's orders end at their venue-known end learned at restart, or at the gap's start", () => {
    const es = [
      ...start(0, false),
      ack(0, "c1"),
      ack(0, "c2"),
      ack(0, "c3"),
      e(H, "intent", { data: {} }),
      ...start(3 * H, false),
      // c1 ended on the venue at 2 h (it rested 1 h into the gap); c2's end is unknown; c3 still rests
      e(3 * H, "resolved", {
        clientOrderId: "c1",
        data: { status: "canceled", filled: "0", terminalAt: 2 * H, endedWhileDown: true }
      }),
      e(3 * H, "resolved", { clientOrderId: "c2", data: { status: "not_found", endedWhileDown: true } }),
      e(3 * H, "reconcile", {
        clientOrderId: "c3",
        data: { adopted: true, status: "open", side: "buy", price: "0.40", amount: "10", filled: "0" }
      }),
      e(4 * H, "cancel", { clientOrderId: "c3", data: { status: "canceled" } })
    ]
    // c1 2 h + c2 1 h + c3 4 h = 7 h × $4
    assert.strictEqual(dollarHours(es), "28")
  })

  it("--since counts an order resting into the window from the window's start", () => {
    const es = [...start(0, false), ack(0, "c1"), e(2 * H, "cancel", { clientOrderId: "c1", data: {} })]
    const r = Report.compute(es, { since: H })
    assert.strictEqual(D.format(r.totals.liquidityDollarHours), "4")
    assert.strictEqual(r.totals.ordersPlaced, 0) // placed before the window
    assert.strictEqual(r.from, H)
  })

  it("a live run's in-process orders rest until now", () => {
    const es = [...start(0, true), ack(0, "c1"), e(H, "intent", { data: {} })]
    assert.strictEqual(dollarHours(es, { now: 2 * H, live: true }), "8")
    assert.strictEqual(dollarHours(es, { now: 2 * H }), "4")
  })
})
