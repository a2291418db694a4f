import { describe, expect, it } from "vitest"
import * as Report from "../src/report.js"

const results = (backtest: Report.Section): Report.Results => ({
  generated_at: "2026-12-03T00:00:00.000Z",
  machine: { cpu_model: "test", cores: 2, node: "v20", platform: "linux", loadavg_at_start: [0, 0, 0] },
  options: {},
  backtest,
  durations_s: {},
  errors: {},
  notes: {}
})

const speed = {
  minutes: 60,
  markets: 50,
  events_per_market_s: 1,
  wall_s: 10,
  x_real_time: 360,
  parts: 4,
  wall_s_parts: [3, 2, 2, 2],
  heap_mb_parts: [56, 63, 70, 72],
  report_hash: "0123456789abcdef"
}

const rowsOf = (b: Report.Section) => Report.rows(results(b)).filter((r) => r.bench === "backtest")

describe("backtest rows", () => {
  it("the hour's speed against 120×, its quarters, and memory over three hours: flat after the first", () => {
    const memory = (growth: number) => ({
      minutes: 180,
      heap_mb_parts: [70, 70.5, 70 * (1 + growth / 100)],
      heap_growth_pct: growth
    })
    const flat = rowsOf({ ...speed, memory: memory(1.2) })
    expect(flat.find((r) => r.target === "≥ 120× real time")?.verdict).toBe("met")
    expect(flat.find((r) => r.metric.startsWith("wall by quarter"))?.ours).toBe("3.00 / 2.00 / 2.00 / 2.00")
    const mem = flat.find((r) => r.metric.startsWith("180 min"))
    expect(mem?.verdict).toBe("met")
    expect(mem?.ours).toContain("70.0 → 70.5 → 70.8")
    expect(rowsOf({ ...speed, memory: memory(12) }).find((r) => r.metric.startsWith("180 min"))?.verdict).toBe("MISSED")
    // a quick run has no memory run: no such row
    expect(rowsOf(speed).some((r) => r.metric.startsWith("180 min"))).toBe(false)
  })

  it("results written before the parts were named (quarters) still render", () => {
    const { wall_s_parts, heap_mb_parts, parts, ...old } = speed
    const rows = rowsOf({ ...old, wall_s_quarters: wall_s_parts, heap_mb_quarters: heap_mb_parts })
    expect(rows.find((r) => r.metric.startsWith("live heap"))?.ours).toBe("56.0 → 63.0 → 70.0 → 72.0")
  })
})
