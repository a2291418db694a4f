/**
 * Benchmark — backtest speed (this module runs in the child `backtest.ts` starts: the runner compiled, as
 * `pnpm cli backtest` runs it). A seeded synthetic tape in Kalshi's recorded format (`SyntheticTape`: 50
 * markets, joins / cancels / trades around a drifting mid, `eventsPerSecond` book events per market) is
 * backtested with the maker quoting every market, through the runner's `Backtest.run` (the live Run: Risk,
 * journal, execution engine, venue port) on simulated time. Figures: wall time, × real time (tape span ÷
 * wall), the process's CPU time, frames/s, and the live JS heap (after a full collection) at the end of each
 * part of the tape (quarters, or hours: memory flat with tape length, the last part's against the first's),
 * and the report's hash (the same on every run of the same code: a refactor that keeps it kept every figure).
 * Target (issue 14): one hour over 50 active markets in < 30 s (≥ 120×) — the full run replays one hour;
 * `--quick` ten minutes.
 */
import { createHash } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { FillModel, SyntheticTape } from "@alpha-hunter/backtest"
import * as Backtest from "@alpha-hunter/runner/Backtest"
import { registry } from "@alpha-hunter/runner/Plugins"
import { resolve } from "@alpha-hunter/runner/Resolve"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"

export interface BacktestOptions {
  readonly minutes: number
  readonly markets: number
  readonly eventsPerSecond: number
  readonly batchMs: number
  /** the tape's parts at whose ends the wall time and the live heap are read (default 4: its quarters) */
  readonly parts?: number
  readonly log: (line: string) => void
}

const config = (markets: number) => ({
  venues: { sim: { type: "paper" } },
  strategies: {
    mm: {
      plugin: "maker",
      venue: "sim",
      markets: { status: "open", limit: markets },
      mode: "liquidity",
      params: { orderSize: "5", minSpreadTicks: 2, maxPosition: "50" }
    }
  },
  risk: {
    global: {
      maxOrderSize: "50",
      maxOrderNotional: "50",
      maxPosition: "100",
      maxGrossExposure: "100000",
      maxOpenOrders: 1000,
      orderRate: { max: 1000, windowMs: 1000 },
      priceBand: { minBuy: "0.01", maxBuy: "0.99", minSell: "0.01", maxSell: "0.99" },
      maxDailyLoss: "100000"
    }
  },
  run: { sampleIntervalMs: 5000 }
})

/**
 * The report's fingerprint: the first 16 hex digits of the SHA-256 of the report and summary as JSON (exact
 * decimals as strings, the run's temporary directory left out). The same tape, config and seed give the same
 * hash on any machine; a change to the code that moves any figure changes it.
 */
export const reportHash = (r: { readonly report: unknown; readonly summary: unknown }, dir: string): string => {
  const json = (x: unknown) =>
    JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? v.toString() : v))
      .split(dir)
      .join("<dir>")
  return createHash("sha256").update(json(r.report)).update(json(r.summary)).digest("hex").slice(0, 16)
}

/** A numeric Node flag this process runs with (its flags or NODE_OPTIONS), or `fallback` (Node's default). */
const nodeFlag = (name: string, fallback: number): number => {
  const m = new RegExp(`--${name}[= ](\\d+)`).exec(`${process.execArgv.join(" ")} ${process.env.NODE_OPTIONS ?? ""}`)
  return m === null ? fallback : Number(m[1])
}

/** A full collection on demand (the live heap, not what garbage happens to wait): `--expose-gc` set at runtime. */
const collect = (): (() => void) => {
  setFlagsFromString("--expose-gc")
  return runInNewContext("gc") as () => void
}

export const runHere = async (o: BacktestOptions) => {
  const dir = mkdtempSync(join(tmpdir(), "bench-backtest-"))
  try {
    const tape = join(dir, "tape")
    const g0 = Date.now()
    const frames = Effect.runSync(
      SyntheticTape.write({
        dir: tape,
        markets: o.markets,
        minutes: o.minutes,
        eventsPerSecond: o.eventsPerSecond,
        seed: 14
      })
    )
    o.log(`backtest: ${frames} frames over ${o.minutes} min × ${o.markets} markets generated in ${Date.now() - g0} ms`)
    const resolved = resolve("bench", config(o.markets), registry)
    if (Either.isLeft(resolved)) throw new Error(resolved.left.message)
    // the live heap when the replay passes the end of each part of the tape (a progress line comes every minute
    // of tape: a part's end is read within the last 5 % of an hour's part, 1 % of a 5-hour run's)
    const parts = o.parts ?? 4
    const slack = Math.min(0.05, 3 / o.minutes)
    const gc = collect()
    const heap: Array<number> = []
    // the wall time of each part (before its collection): the rate along the run — V8's warm-up weighs on the
    // first, the fill and terminal-order windows (an hour deep) fill through the first hour
    const marks: Array<number> = []
    // the time those collections take (the heap figures' cost, not the replay's)
    let gcMs = 0
    let lines = 0
    const t0 = Date.now()
    const cpu0 = process.cpuUsage()
    const r = await Effect.runPromise(
      Backtest.run(resolved.right, {
        tape,
        journal: join(dir, "journal.sqlite"),
        fill: FillModel.FillModel.make({ kind: "queue", batchMs: o.batchMs }),
        progress: (line, fraction) => {
          if (heap.length < parts && fraction >= (heap.length + 1) / parts - slack) {
            marks.push(Date.now())
            const g = performance.now()
            gc()
            gcMs += performance.now() - g
            heap.push(process.memoryUsage().heapUsed / 1e6)
          }
          if (++lines % 10 === 0) o.log(line)
        }
      })
    )
    const cpu = process.cpuUsage(cpu0)
    const wallS = (Date.now() - t0) / 1000
    const spanS = (r.summary.tape.to - r.summary.tape.from) / 1000
    const q = (i: number) => heap[i] ?? Number.NaN
    const out = {
      minutes: o.minutes,
      markets: o.markets,
      events_per_market_s: o.eventsPerSecond,
      batch_ms: o.batchMs,
      frames,
      wall_s: wallS,
      x_real_time: spanS / wallS,
      cpu_s: (cpu.user + cpu.system) / 1e6,
      frames_per_s: frames / wallS,
      orders_placed: r.report.totals.ordersPlaced,
      fills: r.summary.markets.reduce((n, m) => n + m.fills, 0),
      parts,
      heap_mb_parts: Array.from({ length: parts }, (_, i) => q(i)),
      // from the end of the first part to the end of the last
      heap_growth_pct: ((q(parts - 1) - q(0)) / q(0)) * 100,
      gc_s: gcMs / 1000,
      wall_s_parts: marks.map((m, i) => (m - (i === 0 ? t0 : marks[i - 1]!)) / 1000),
      rss_mb_end: process.memoryUsage().rss / 1e6,
      report_hash: reportHash(r, dir),
      // Node's young-generation sizing this run had (`pnpm bench` and `pnpm cli` pass 32; V8's default is 16)
      semi_space_mb: nodeFlag("max-semi-space-size", 16),
      // V8's background threads (compiler, GC helpers): `pnpm bench` and `pnpm cli` pass the cores less one (at
      // least one); Node's default is 4
      v8_pool_size: nodeFlag("v8-pool-size", 4),
      target_met: spanS / wallS >= 120
    }
    o.log(
      `backtest: ${spanS.toFixed(0)} s of tape in ${wallS.toFixed(1)} s (${out.x_real_time.toFixed(1)}×, CPU ${out.cpu_s.toFixed(1)} s), ${out.orders_placed} orders, ${out.fills} fills, wall by part (${parts}) ${out.wall_s_parts.map((w) => w.toFixed(1)).join(" / ")} s, live heap at each part's end ${out.heap_mb_parts.map((h) => h.toFixed(0)).join(" → ")} MB, report ${out.report_hash}; target ≥ 120× ${out.target_met ? "met" : "missed"}`
    )
    return out
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
