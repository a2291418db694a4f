/**
 * `pnpm bench`: runs every benchmark (ours and the peer side by side, same input, same run), prints the table,
 * writes `bench/results/latest.json` after each section (so a partial run is still useful), then the README
 * section. Flags: `--only feed,signing,…`, `--skip scale,soak`, `--quick` (small sizes, for trying the
 * harness), `--soak-minutes N` (default 10; 1 with `--quick`), `--startup-markets N` (default 100),
 * `--no-build` (use the runner's `dist/` as it is), `--key ed25519` (tick-to-order signing key).
 * The sections that start the runner (tick_to_order, scale, dashboard, record, soak, startup) run it compiled; `build.ts`
 * compiles it first when its `dist/` is out of date.
 */
import * as BacktestBench from "./backtest.js"
import * as Batching from "./batching.js"
import * as Build from "./build.js"
import * as Child from "./child.js"
import * as Dashboard from "./dashboard.js"
import * as Feed from "./feed.js"
import * as Limiter from "./limiter.js"
import * as LipQuoting from "./lipQuoting.js"
import * as RecordBench from "./record.js"
import * as Report from "./report.js"
import * as Scale from "./scale.js"
import * as Signing from "./signing.js"
import * as Soak from "./soak.js"
import * as Startup from "./startup.js"
import * as TickToOrder from "./tickToOrder.js"

const argv = process.argv.slice(2)
const flag = (name: string) => argv.includes(`--${name}`)
const list = (name: string): ReadonlyArray<string> | undefined => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]!.split(",") : undefined
}
const quick = flag("quick")
const only = list("only")
const skip = list("skip") ?? []
const enabled = (name: string) => (only === undefined || only.includes(name)) && !skip.includes(name)

const number = (name: string, fallback: number): number => {
  const v = list(name)?.[0]
  const n = v === undefined ? Number.NaN : Number(v)
  return Number.isFinite(n) && n > 0 ? n : fallback
}
const soakMinutes = number("soak-minutes", quick ? 1 : 10)
const startupMarkets = number("startup-markets", 100)

const keyType = (): "rsa" | "ed25519" => (list("key")?.[0] === "ed25519" ? "ed25519" : "rsa")

const started = Date.now()
const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`)

const results: Report.Results = {
  generated_at: new Date().toISOString(),
  machine: Report.machine(),
  options: { quick, only: only ?? "all", skip, soak_minutes: soakMinutes, runner: Child.runnerMode() },
  durations_s: {},
  errors: {},
  notes: {}
}

const names = [
  "feed",
  "signing",
  "limiter",
  "batching",
  "lip_quoting",
  "tick_to_order",
  "scale",
  "dashboard",
  "record",
  "startup",
  "soak",
  "backtest"
] as const
type Name = (typeof names)[number]
const unknown = [...(only ?? []), ...skip].filter((n) => !(names as ReadonlyArray<string>).includes(n))
if (unknown.length > 0) {
  console.error(`unknown section(s): ${unknown.join(", ")}; sections: ${names.join(", ")}`)
  process.exit(2)
}

// a partial run (--only / --skip) keeps the other sections of the last full results
if (only !== undefined || skip.length > 0) {
  const previous = Report.readJson()
  if (previous !== undefined) {
    for (const name of names) {
      if (!enabled(name) && previous[name] !== undefined)
        (results as unknown as Record<string, unknown>)[name] = previous[name]
    }
  }
}

const section = async (name: Name, body: () => Promise<Report.Section> | Report.Section) => {
  if (!enabled(name)) return
  const t0 = Date.now()
  log(`${name}: start`)
  try {
    const r = await body()
    results[name] = r
    log(`${name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  } catch (e) {
    const msg = e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e)
    results.errors[name] = msg
    log(`${name}: FAILED: ${msg}`)
  }
  results.durations_s[name] = Math.round((Date.now() - t0) / 100) / 10
  Report.writeJson(results)
}

const main = async () => {
  log(
    `machine: ${results.machine.cpu_model}, ${results.machine.cores} cores, Node ${results.machine.node}, load ${results.machine.loadavg_at_start.join(" ")}`
  )
  await section("feed", () =>
    Feed.run({ frames: quick ? 50_000 : 300_000, markets: 50, rounds: quick ? 2 : 5, seed: 20_261_231, log })
  )
  await section("signing", () => Signing.run({ msPerRound: quick ? 200 : 1_000, rounds: quick ? 2 : 3, log }))
  await section("limiter", () => Limiter.run({ requests: quick ? 40 : 200, log }))
  await section("batching", () => Batching.run({ log }))
  await section("lip_quoting", () => LipQuoting.run({ seconds: quick ? 8 : 30, seed: 20_261_202, log }))
  const needsRunner = (["tick_to_order", "scale", "dashboard", "record", "startup", "soak"] as const).some(enabled)
  if (needsRunner && Child.runnerMode() === "dist") {
    const t0 = Date.now()
    try {
      results.build = { packages: Build.ensureRunnerBuilt(log, flag("no-build")), seconds: (Date.now() - t0) / 1000 }
    } catch (e) {
      results.errors.build = e instanceof Error ? e.message : String(e)
      log(`build: FAILED: ${results.errors.build}`)
    }
  }
  await section("tick_to_order", () => TickToOrder.run({ events: quick ? 300 : 10_000, keyType: keyType(), log }))
  await section("scale", () =>
    Scale.run({
      sizes: [100, 1000],
      windowMs: quick ? 5_000 : 20_000,
      warmupMs: quick ? 3_000 : 8_000,
      log
    })
  )
  await section("dashboard", () =>
    Dashboard.run({
      markets: 1000,
      warmupMs: quick ? 5_000 : 30_000,
      windowMs: quick ? 4_000 : 10_000,
      rounds: quick ? 2 : 4,
      log
    })
  )
  await section("record", () =>
    RecordBench.run({
      markets: quick ? 200 : 1000,
      warmupMs: quick ? 6_000 : 15_000,
      windowMs: quick ? 6_000 : 15_000,
      rounds: quick ? 1 : 3,
      log
    })
  )
  await section("startup", () =>
    Startup.run({
      markets: quick ? Math.min(startupMarkets, 40) : startupMarkets,
      tier: "advanced",
      timeoutMs: 60_000,
      log
    })
  )
  await section("soak", () =>
    Soak.run({
      markets: 1000,
      minutes: soakMinutes,
      warmupMs: quick ? 15_000 : 60_000,
      sampleEveryMs: 10_000,
      log
    })
  )
  await section("backtest", async () => {
    const tape = { markets: 50, eventsPerSecond: 1, batchMs: 0, log }
    const speed = await BacktestBench.run({ ...tape, minutes: quick ? 10 : 60 })
    if (quick) return speed
    // memory with tape length: three hours, the live heap at each hour's end (the windows fill in the first)
    const long = await BacktestBench.run({ ...tape, minutes: 180, parts: 3 })
    const { minutes, wall_s, x_real_time, heap_mb_parts, heap_growth_pct, report_hash } = long
    return { ...speed, memory: { minutes, wall_s, x_real_time, heap_mb_parts, heap_growth_pct, report_hash } }
  })
  results.durations_s.total = Math.round((Date.now() - started) / 100) / 10
  const json = Report.writeJson(results)
  console.log("")
  console.log(Report.table(Report.rows(results)))
  console.log("")
  for (const [k, v] of Object.entries(results.errors)) console.log(`not measured: ${k}: ${v.split("\n")[0]}`)
  console.log(`results: ${json}`)
  console.log(Report.updateReadme(results))
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e)
    process.exit(1)
  }
)
