import { describe, expect, it } from "vitest"
import * as BacktestBench from "../src/backtest.js"

describe("backtest bench", () => {
  it("gives the same report hash on every run of a tape (deterministic), and another for another tape", async () => {
    const run = (markets: number) =>
      BacktestBench.run({ minutes: 1, markets, eventsPerSecond: 1, batchMs: 0, log: () => {} })
    const [a, b, c] = [await run(3), await run(3), await run(4)]
    expect(a.report_hash).toMatch(/^[0-9a-f]{16}$/)
    expect(b.report_hash).toBe(a.report_hash)
    expect(c.report_hash).not.toBe(a.report_hash)
    expect(a.orders_placed).toBeGreaterThan(0)
    // one wall time per quarter the replay reported passing (a one-minute tape reports fewer than four),
    // together no more than the whole run
    expect(a.parts).toBe(4)
    expect(a.heap_mb_parts).toHaveLength(4)
    expect(a.wall_s_parts.length).toBeGreaterThan(0)
    expect(a.wall_s_parts).toHaveLength(a.heap_mb_parts.filter(Number.isFinite).length)
    expect(a.wall_s_parts.every((w) => w >= 0)).toBe(true)
    expect(a.wall_s_parts.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(a.wall_s + 0.001)
  }, 60_000)

  it("hashes exact decimals and leaves the run's directory out", () => {
    const r = (dir: string) => ({ report: { pnl: 12345n, journal: `${dir}/journal.sqlite` }, summary: { fills: 3 } })
    expect(BacktestBench.reportHash(r("/tmp/a"), "/tmp/a")).toBe(BacktestBench.reportHash(r("/tmp/b"), "/tmp/b"))
    expect(BacktestBench.reportHash({ ...r("/tmp/a"), summary: { fills: 4 } }, "/tmp/a")).not.toBe(
      BacktestBench.reportHash(r("/tmp/a"), "/tmp/a")
    )
  })
})
