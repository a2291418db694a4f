/**
 * `pnpm bench`: runs every benchmark (ours and the peer side by side, same input, same run), prints the table,
 * writes `bench/results/latest.json` after each section (so a partial run is still useful), then the README
 * section. Flags: `--only book,signing,…`, `--skip scale`, `--quick` (small sizes, for trying the harness).
 */
import * as Batching from "./batching.js"
import * as Book from "./book.js"
import * as Limiter from "./limiter.js"
import * as Report from "./report.js"
import * as Scale from "./scale.js"
import * as Signing from "./signing.js"
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

const keyType = (): "rsa" | "ed25519" => (list("key")?.[0] === "ed25519" ? "ed25519" : "rsa")

const started = Date.now()
const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`)

const results: Report.Results = {
  generated_at: new Date().toISOString(),
  machine: Report.machine(),
  options: { quick, only: only ?? "all", skip },
  durations_s: {},
  errors: {},
  notes: {}
}

type Name = "book" | "signing" | "limiter" | "batching" | "tick_to_order" | "scale"

// a partial run (--only / --skip) keeps the other sections of the last full results
if (only !== undefined || skip.length > 0) {
  const previous = Report.readJson()
  if (previous !== undefined) {
    for (const name of ["book", "signing", "limiter", "batching", "tick_to_order", "scale"] as const) {
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
  await section("book", () =>
    Book.run({
      messages: quick ? 100_000 : 1_000_000,
      markets: 50,
      rounds: quick ? 2 : 5,
      seed: 20_261_231,
      feedPathMessages: quick ? 5_000 : 20_000,
      log
    })
  )
  await section("signing", () => Signing.run({ msPerRound: quick ? 200 : 1_000, rounds: quick ? 2 : 3, log }))
  await section("limiter", () => Limiter.run({ requests: quick ? 40 : 200, log }))
  await section("batching", () => Batching.run({ log }))
  await section("tick_to_order", () => TickToOrder.run({ events: quick ? 300 : 10_000, keyType: keyType(), log }))
  await section("scale", () =>
    Scale.run({
      sizes: [100, 1000],
      windowMs: quick ? 5_000 : 20_000,
      warmupMs: quick ? 3_000 : 8_000,
      log
    })
  )
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
