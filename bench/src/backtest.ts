/**
 * Benchmark — backtest speed, measured as users run a backtest: the runner compiled (`pnpm cli` runs it through
 * `apps/runner/launch.mjs`, esbuild's bundle of the sources), in a child process with this process's young
 * generation and V8 pool flags. The backtest itself is `backtestRun.ts`. `BENCH_RUNNER=source` runs it in this
 * process instead, from the TypeScript sources through tsx (the previous way, for comparison only).
 */
import { spawn } from "node:child_process"
import * as path from "node:path"
import { type BacktestOptions, runHere } from "./backtestRun.js"
import { repoDir } from "./child.js"

export { type BacktestOptions, reportHash } from "./backtestRun.js"

type Figures = Awaited<ReturnType<typeof runHere>>

/** the Node flags that size a backtest's memory and V8's threads, as this process has them */
const sizingFlags = () => process.execArgv.filter((a) => /^--(max-semi-space-size|v8-pool-size)[= ]/.test(a))

export const run = (o: BacktestOptions): Promise<Figures> => {
  if (process.env.BENCH_RUNNER === "source") return runHere(o)
  const { log, ...options } = o
  const proc = spawn(
    process.execPath,
    [
      ...sizingFlags(),
      path.join(repoDir, "apps", "runner", "launch.mjs"),
      "--entry",
      path.join(repoDir, "bench", "src", "backtestChild.ts"),
      JSON.stringify(options)
    ],
    { stdio: ["ignore", "pipe", "pipe"] }
  )
  let out = ""
  let err = ""
  proc.stdout.on("data", (d: Buffer) => {
    out += d.toString()
  })
  proc.stderr.on("data", (d: Buffer) => {
    err += d.toString()
    for (let i = err.indexOf("\n"); i >= 0; i = err.indexOf("\n")) {
      log(err.slice(0, i))
      err = err.slice(i + 1)
    }
  })
  return new Promise((resolve, reject) => {
    proc.on("error", reject)
    proc.on("close", (code) => {
      const last = out.trim().split("\n").at(-1) ?? ""
      if (code !== 0 || last === "")
        reject(new Error(`the backtest's child exited ${code}: ${err.trim() || out.trim()}`))
      else resolve(JSON.parse(last) as Figures)
    })
  })
}
