/**
 * Benchmark — record. What recording the public tape beside the bot costs it (`run --record`, the `record:`
 * section): the `scale` set-up (the compiled runner, maker on every market, synthetic flow, the simulator in
 * this process), run in windows of the same length alternately without and with a `record` section — the
 * runner restarted on the same simulator between them, so each window is a fresh process warmed the same way.
 * Alternating (off, on, off, on, …) spreads the machine's drift over both sides.
 *
 * Figures: the runner's CPU % of one core without and with recording (/proc/<pid>, median of the rounds),
 * the difference, the bytes/s the tape grew on disk, and the records/s and frames dropped it says it wrote
 * (its index, and its stop line: a writer that fell behind drops frames and writes a gap).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Child from "./child.js"
import * as Scale from "./scale.js"
import { midMedian as median, sig } from "./stats.js"

export interface RecordBenchOptions {
  readonly markets: number
  readonly warmupMs: number
  readonly windowMs: number
  readonly rounds: number
  readonly log: (line: string) => void
}

/** The tape's bytes on disk and the records its index lists. */
const tapeSize = (dir: string) => {
  if (!fs.existsSync(dir)) return { bytes: 0, records: 0 }
  let bytes = 0
  for (const f of fs.readdirSync(dir)) if (f.endsWith(".aht")) bytes += fs.statSync(path.join(dir, f)).size
  let records = 0
  try {
    const index = JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8")) as {
      files: ReadonlyArray<{ records: number }>
    }
    records = index.files.reduce((n, f) => n + f.records, 0)
  } catch {
    records = 0
  }
  return { bytes, records }
}

export const run = (o: RecordBenchOptions) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const launched = yield* Scale.launch({
          markets: o.markets,
          flowPerSec: o.markets / 2,
          log: o.log,
          label: "record"
        })
        const plain = fs.readFileSync(launched.cfgPath, "utf8")
        const tape = path.join(path.dirname(launched.cfgPath), "tape")
        const withRecord = JSON.stringify({ ...JSON.parse(plain), record: { out: tape } }, null, 2)
        let current = { bot: launched.bot, pid: launched.pid }

        const cpuOver = (ms: number) =>
          Effect.promise(async () => {
            const s0 = Child.procSample(current.pid)
            const t0 = performance.now()
            await new Promise((r) => setTimeout(r, ms))
            const s1 = Child.procSample(current.pid)
            if (s0 === undefined || s1 === undefined) {
              throw new Error(`runner exited: ${current.bot.output().slice(-3000)}`)
            }
            return ((s1.cpuS - s0.cpuS) / ((performance.now() - t0) / 1000)) * 100
          })
        /** stops the runner and starts it again with `config` (the same simulator, key and journal) */
        const restart = (config: string) =>
          Effect.gen(function* () {
            yield* Effect.promise(() => current.bot.stop(60_000))
            fs.writeFileSync(launched.cfgPath, config)
            const next = yield* launched.start()
            current = { bot: next.bot, pid: next.pid }
          })

        const off: Array<number> = []
        const on: Array<number> = []
        let bytes = 0
        let records = 0
        let seconds = 0
        let dropped = 0
        for (let round = 0; round < o.rounds; round++) {
          if (round > 0) yield* restart(plain)
          yield* Effect.sleep(o.warmupMs)
          off.push(yield* cpuOver(o.windowMs))
          yield* restart(withRecord)
          yield* Effect.sleep(o.warmupMs)
          const s0 = tapeSize(tape)
          const t0 = performance.now()
          on.push(yield* cpuOver(o.windowMs))
          const s1 = tapeSize(tape)
          bytes += s1.bytes - s0.bytes
          records += s1.records - s0.records
          seconds += (performance.now() - t0) / 1000
          const bot = current.bot
          yield* Effect.promise(() => bot.stop(60_000))
          const said = /\[record\] sim: (\d+) frames, \d+ gap\(s\)(?: \((\d+) frames dropped)?/.exec(bot.output())
          if (said === null) throw new Error(`the recorder said nothing on stop: ${bot.output().slice(-3000)}`)
          dropped += Number(said[2] ?? 0)
          o.log(
            `record round ${round + 1}: CPU off ${off[round]!.toFixed(1)} %, on ${on[round]!.toFixed(1)} %; tape +${((s1.bytes - s0.bytes) / 1024).toFixed(0)} KiB`
          )
        }
        const cpuOff = median(off)
        const cpuOn = median(on)
        return {
          markets: o.markets,
          rounds: o.rounds,
          window_s: o.windowMs / 1000,
          runner: Child.runnerMode(),
          cpu_off_pct: sig(cpuOff, 3),
          cpu_on_pct: sig(cpuOn, 3),
          cpu_delta_pct: sig(cpuOn - cpuOff, 3),
          disk_bytes_per_s: Math.round(bytes / seconds),
          records_per_s: sig(records / seconds, 3),
          frames_dropped: dropped
        }
      })
    )
  )
