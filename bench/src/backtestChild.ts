/**
 * The backtest benchmark's child process (started by `backtest.ts` through the runner's launcher, compiled):
 * runs one backtest with the options given as JSON in its first argument, writes its log lines to stderr and
 * its figures as one JSON line to stdout.
 */
import { type BacktestOptions, runHere } from "./backtestRun.js"

const options = JSON.parse(process.argv[2] ?? "{}") as Omit<BacktestOptions, "log">
const out = await runHere({ ...options, log: (line) => void process.stderr.write(`${line}\n`) })
process.stdout.write(`${JSON.stringify(out)}\n`)
