/**
 * Child processes of the benchmarks: the runner CLI compiled (`node apps/runner/dist/main.js run --config FILE`
 * with the bench probe preloaded; `build.ts` compiles it first) and the bare floor client, plus /proc sampling
 * of a child's CPU time and resident memory. `BENCH_RUNNER=source` runs the runner from its TypeScript
 * sources through tsx instead (the previous behaviour, for comparison only).
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { runnerMain } from "./build.js"
import { benchDir } from "./report.js"

export const repoDir = path.resolve(benchDir, "..")
export const runnerDir = path.join(repoDir, "apps", "runner")
export const probePath = path.join(benchDir, "probe", "probe.mjs")
export const floorClientPath = path.join(benchDir, "probe", "floor-client.mjs")
/** `ws` is resolved from the Kalshi plugin's package, so the probe wraps the very module the plugin uses. */
export const wsFrom = path.join(repoDir, "plugins", "kalshi", "package.json")

export const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "ah-bench-"))

export const writeSecret = (dir: string, name: string, text: string): string => {
  const p = path.join(dir, name)
  fs.writeFileSync(p, text, { mode: 0o600 })
  return p
}

export interface Child {
  readonly proc: ChildProcess
  readonly output: () => string
  readonly waitFor: (re: RegExp, timeoutMs: number) => Promise<boolean>
  readonly exited: Promise<number | null>
  /** SIGINT (graceful), then SIGKILL after `graceMs` */
  readonly stop: (graceMs: number) => Promise<number | null>
}

const wrap = (proc: ChildProcess): Child => {
  let out = ""
  const waiters: Array<() => void> = []
  const onData = (b: Buffer) => {
    out += b.toString()
    if (out.length > 2_000_000) out = out.slice(-1_000_000)
    for (const w of waiters.splice(0)) w()
  }
  proc.stdout?.on("data", onData)
  proc.stderr?.on("data", onData)
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)))
  const waitFor = (re: RegExp, timeoutMs: number) =>
    new Promise<boolean>((resolve) => {
      const end = Date.now() + timeoutMs
      const check = () => {
        if (re.test(out)) return resolve(true)
        if (Date.now() > end || proc.exitCode !== null) return resolve(false)
        waiters.push(check)
        setTimeout(check, 200)
      }
      check()
    })
  const stop = async (graceMs: number) => {
    if (proc.exitCode !== null) return proc.exitCode
    proc.kill("SIGINT")
    const t = setTimeout(() => proc.kill("SIGKILL"), graceMs)
    const code = await exited
    clearTimeout(t)
    return code
  }
  return { proc, output: () => out, waitFor, exited, stop }
}

/** How the runner is started: compiled (default) or from its sources through tsx (`BENCH_RUNNER=source`). */
export const runnerMode = (): "dist" | "source" => (process.env.BENCH_RUNNER === "source" ? "source" : "dist")

/** Where the runner writes its CPU profile: the section's own `BENCH_CPU_PROF` (env), else the user's. */
const profDir = (env: Record<string, string>): string | undefined => env.BENCH_CPU_PROF ?? process.env.BENCH_CPU_PROF

export const spawnRunner = (configFile: string, env: Record<string, string>): Child =>
  wrap(
    spawn(
      process.execPath,
      [
        ...(profDir(env) !== undefined ? ["--cpu-prof", `--cpu-prof-dir=${profDir(env)}`] : []),
        ...(runnerMode() === "source"
          ? ["--conditions=@alpha-hunter/source", "--import", "tsx", "--import", probePath, "src/main.ts"]
          : ["--import", probePath, runnerMain]),
        "run",
        "--config",
        configFile
      ],
      { cwd: runnerDir, env: { ...process.env, ...env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] }
    )
  )

export const spawnFloor = (env: Record<string, string>): Child =>
  wrap(
    spawn(process.execPath, [floorClientPath], {
      cwd: benchDir,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
  )

/** CPU seconds (user + system) and RSS of a process from /proc; undefined once it is gone. */
export const procSample = (pid: number): { cpuS: number; rssMb: number; hwmMb: number } | undefined => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    const ticks = Number(fields[11]) + Number(fields[12]) // utime, stime (fields 14 and 15)
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8")
    const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
    return { cpuS: ticks / 100, rssMb: kb("VmRSS") / 1024, hwmMb: kb("VmHWM") / 1024 }
  } catch {
    return undefined
  }
}

/** A runner config (YAML is a superset of JSON) for a `kalshi` venue pointed at a simulator we run. */
export const runnerConfig = (o: {
  readonly restUrl: string
  readonly wsUrl: string
  readonly keyId: string
  readonly keyPath: string
  readonly tickers: ReadonlyArray<string>
  readonly journal: string
  readonly params?: Record<string, unknown>
  readonly durationMs?: number
}) => ({
  venues: {
    sim: {
      type: "kalshi",
      restUrl: o.restUrl,
      wsUrl: o.wsUrl,
      apiKeyId: o.keyId,
      privateKeyPath: o.keyPath,
      markets: { tickers: [...o.tickers] }
    }
  },
  strategies: {
    mm: {
      plugin: "maker",
      venue: "sim",
      markets: [...o.tickers],
      mode: "liquidity",
      params: {
        orderSize: "1",
        minSpreadTicks: 2,
        maxPosition: "50",
        requoteToleranceTicks: 0,
        ...o.params
      }
    }
  },
  risk: {
    global: {
      maxOrderSize: "50",
      maxOrderNotional: "50",
      maxPosition: "100",
      maxGrossExposure: "100000",
      maxOpenOrders: 100000,
      orderRate: { max: 100000, windowMs: 1000 },
      priceBand: { minBuy: "0.01", maxBuy: "0.99", minSell: "0.01", maxSell: "0.99" },
      maxDailyLoss: "100000"
    }
  },
  journal: { path: o.journal },
  run: { statusIntervalMs: 1000, sampleIntervalMs: 0, durationMs: o.durationMs ?? 0 }
})

/**
 * What the runner says it has, from its output: the markets its venue loaded (`[sim] N markets; reconciled…`)
 * and the markets its strategy trades (`[mm] maker on sim: N markets (…)`); undefined until it said so.
 */
export const runnerMarkets = (
  output: string,
  venue = "sim",
  strategy = "mm"
): { readonly venue: number | undefined; readonly strategy: number | undefined } => {
  const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  const v = new RegExp(`\\[${esc(venue)}\\] (\\d+) markets; reconciled`).exec(output)
  const st = new RegExp(`\\[${esc(strategy)}\\] \\S+ on ${esc(venue)}: (\\d+) markets \\(`).exec(output)
  return {
    venue: v === null ? undefined : Number(v[1]),
    strategy: st === null ? undefined : Number(st[1])
  }
}

/**
 * A section's market count, checked: the simulator must have `claimed` distinct markets, and the runner must
 * have loaded and be trading all of them. Returns the problem (a section that ran on fewer markets than it
 * claims must fail, not report); undefined when all agree.
 */
export const marketCountProblem = (
  claimed: number,
  simTickers: ReadonlyArray<string>,
  runner?: { readonly venue: number | undefined; readonly strategy: number | undefined }
): string | undefined => {
  const distinct = new Set(simTickers).size
  if (distinct !== claimed) return `the simulator has ${distinct} distinct markets, the section claims ${claimed}`
  if (runner === undefined) return undefined
  if (runner.venue !== claimed)
    return `the runner loaded ${runner.venue ?? "an unknown number of"} markets, the section claims ${claimed}`
  if (runner.strategy !== claimed)
    return `the strategy trades ${runner.strategy ?? "an unknown number of"} markets, the section claims ${claimed}`
  return undefined
}
