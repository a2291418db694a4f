/**
 * Benchmark 7 — memory soak. The same set-up as `scale` at 1,000 markets (kalshi-sim with synthetic flow at
 * markets/2 actions/s in this process, the compiled runner with the maker on every market in its own
 * process), run for `minutes`.
 *
 * Samples: the runner's RSS (and CPU time) from /proc every `sampleEveryMs` (10 s). The warm-up (`warmupMs`
 * after the runner's metrics endpoint answers: markets loaded, books snapshotted, first quotes placed) is not
 * sampled; the soak's clock starts after it. `rss_start_mb` is the median of the first three samples (t = 0,
 * 10, 20 s) and `rss_end_mb` the median of the last three, so one GC sawtooth does not decide the verdict;
 * `growth_pct` = (end − start) / start. The event-loop delay p99 (probe) and stale books (`book_resyncs_total`)
 * cover the whole soak.
 */
import * as Effect from "effect/Effect"
import * as Child from "./child.js"
import { launch, readWindow, scrape } from "./scale.js"
import { median, sig } from "./stats.js"

export interface SoakOptions {
  readonly markets: number
  readonly minutes: number
  readonly warmupMs: number
  readonly sampleEveryMs: number
  readonly log: (line: string) => void
}

export interface Sample {
  readonly t_s: number
  readonly rss_mb: number
  readonly cpu_s: number
}

/** RSS at the start and end of the soak (median of the first and last three samples) and the growth. */
export const growth = (samples: ReadonlyArray<Sample>) => {
  const k = Math.min(3, Math.max(1, Math.floor(samples.length / 2)))
  const start = median(samples.slice(0, k).map((s) => s.rss_mb))
  const end = median(samples.slice(-k).map((s) => s.rss_mb))
  return { rss_start_mb: start, rss_end_mb: end, growth_pct: ((end - start) / start) * 100, per_end: k }
}

export const run = (o: SoakOptions) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const flowPerSec = o.markets / 2
        const { bot, pid, metricsPort, probeOut, startupS } = yield* launch({
          markets: o.markets,
          flowPerSec,
          log: o.log,
          label: "soak"
        })
        o.log(`soak ${o.markets}: warming ${o.warmupMs} ms, then ${o.minutes} min sampled every ${o.sampleEveryMs} ms`)
        yield* Effect.sleep(o.warmupMs)
        const m0 = yield* Effect.promise(() => scrape(metricsPort))
        bot.proc.kill("SIGUSR2") // probe: start of the window
        const w0 = performance.now()
        const samples: Array<Sample> = []
        const durationMs = o.minutes * 60_000
        let peak = 0
        for (let k = 0; ; k++) {
          const due = w0 + k * o.sampleEveryMs
          if (due - w0 > durationMs) break
          const wait = due - performance.now()
          if (wait > 0) yield* Effect.sleep(wait)
          const s = Child.procSample(pid)
          if (s === undefined) throw new Error(`runner exited during the soak: ${bot.output().slice(-3000)}`)
          samples.push({ t_s: Math.round((performance.now() - w0) / 100) / 10, rss_mb: sig(s.rssMb, 4), cpu_s: s.cpuS })
          peak = Math.max(peak, s.rssMb)
          if (k % 6 === 0) o.log(`soak ${o.markets}: t=${samples.at(-1)!.t_s} s rss ${s.rssMb.toFixed(1)} MB`)
        }
        bot.proc.kill("SIGUSR2") // probe: snapshot
        const m1 = yield* Effect.promise(() => scrape(metricsPort))
        yield* Effect.sleep(300)
        const win = readWindow(probeOut)
        const code = yield* Effect.promise(() => bot.stop(30_000))
        const first = samples[0]!
        const last = samples.at(-1)!
        const g = growth(samples)
        const seconds = last.t_s - first.t_s
        const d = (key: string) => (m1[key] ?? 0) - (m0[key] ?? 0)
        return {
          markets: o.markets,
          minutes: o.minutes,
          flow_per_s: flowPerSec,
          runner: Child.runnerMode(),
          warmup_s: o.warmupMs / 1000,
          sample_every_s: o.sampleEveryMs / 1000,
          samples_counted: samples.length,
          samples_note: `samples from the end of the warm-up; start = median of the first ${g.per_end}, end = median of the last ${g.per_end}`,
          rss_start_mb: sig(g.rss_start_mb, 4),
          rss_end_mb: sig(g.rss_end_mb, 4),
          growth_pct: sig(g.growth_pct, 3),
          rss_peak_mb: sig(peak, 4),
          cpu_pct: seconds > 0 ? sig(((last.cpu_s - first.cpu_s) / seconds) * 100, 3) : null,
          loop_delay_p99_ms: sig(win?.loop_delay_p99_ms ?? Number.NaN, 3),
          loop_delay_max_ms: sig(win?.loop_delay_max_ms ?? Number.NaN, 3),
          stale_books: d("book_resyncs_total"),
          orders_sent: d("orders_sent_total"),
          rate_limited: d("rate_limited_total"),
          desyncs: d("desyncs_total"),
          startup_s: sig(startupS, 3),
          runner_exit_code: code,
          samples: samples.map((s) => [s.t_s, s.rss_mb])
        }
      })
    )
  )
