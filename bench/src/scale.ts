/**
 * Benchmark 5 — scale. The compiled runner CLI (own process, maker in liquidity mode on every market) trades a
 * kalshi-sim with N generated markets and synthetic flow. The simulator runs in this (the bench) process, not
 * in the runner's: the runner's `kalshi-sim` venue embeds the simulator, whose matching, flow and WebSocket
 * fan-out would then be billed to the bot, so the runner uses its `kalshi` venue pointed at our simulator
 * (same plugin, same code path). Tier `prestige` so the write budget does not cap quoting at 1,000 markets.
 *
 * After a warm-up (the bot has loaded its markets and its quotes have settled), a measured window: CPU share
 * of one core and peak RSS from /proc/<pid>, event-loop delay p99 from the probe preloaded into the runner
 * (`monitorEventLoopDelay`, reset at the window's start), and "stale books" = order-book recoveries
 * (`book_resyncs_total`, the feed's invalidate-and-resnapshot count, from the runner's Prometheus endpoint)
 * during the window.
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import * as Effect from "effect/Effect"
import * as Child from "./child.js"
import { sig, sleep } from "./stats.js"

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer()
    s.listen(0, "127.0.0.1", () => {
      const a = s.address() as net.AddressInfo
      s.close(() => resolve(a.port))
    })
    s.on("error", reject)
  })

export const scrape = async (port: number): Promise<Record<string, number>> => {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/metrics`)
    const text = await r.text()
    const out: Record<string, number> = {}
    for (const line of text.split("\n")) {
      if (line.startsWith("#") || line.trim() === "") continue
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line)
      if (m === null) continue
      out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[3])
    }
    return out
  } catch {
    return {}
  }
}

export interface ScaleOptions {
  readonly markets: number
  readonly windowMs: number
  readonly warmupMs: number
  /** synthetic actions per second across all markets */
  readonly flowPerSec: number
  readonly log: (line: string) => void
}

export interface LaunchOptions {
  readonly markets: number
  /** synthetic actions per second across all markets */
  readonly flowPerSec: number
  readonly seed?: number
  readonly tier?: KalshiSim.Tier
  /** the runner writes a CPU profile (`--cpu-prof`) into this directory when it exits */
  readonly cpuProfDir?: string
  /** after the simulator is up and before the runner starts (e.g. stop the flow, install counters) */
  readonly beforeRunner?: (sim: KalshiSim.SimHandle) => Effect.Effect<void>
  readonly log: (line: string) => void
  readonly label: string
}

/**
 * A kalshi-sim with `markets` generated markets and flow in this process, and the compiled runner (maker on
 * every market, `kalshi` venue pointed at the simulator, metrics endpoint on) in its own process with the
 * probe preloaded. Returns once the runner's metrics endpoint answers; the runner is stopped with the scope.
 */
export const launch = (o: LaunchOptions) =>
  Effect.gen(function* () {
    const sim = yield* KalshiSim.make({
      seed: o.seed ?? 23,
      markets: o.markets,
      tier: o.tier ?? "prestige",
      rateLimit: true,
      flow: { ratePerSec: o.flowPerSec }
    })
    const tickers = yield* sim.tickers
    const simProblem = Child.marketCountProblem(o.markets, tickers)
    if (simProblem !== undefined) throw new Error(`${o.label} ${o.markets}: ${simProblem}`)
    const dir = Child.tmpDir()
    const key = yield* sim.generateKey({ type: "rsa" })
    const keyPath = Child.writeSecret(dir, "bot.pem", key.privateKeyPem)
    const metricsPort = yield* Effect.promise(freePort)
    const cfg = {
      ...Child.runnerConfig({
        restUrl: sim.restUrl,
        wsUrl: sim.wsUrl,
        keyId: key.keyId,
        keyPath,
        tickers,
        journal: path.join(dir, "journal.sqlite")
      }),
      metrics: { port: metricsPort }
    }
    const cfgPath = path.join(dir, `${o.label}.yaml`)
    fs.writeFileSync(cfgPath, JSON.stringify(cfg, null, 2))
    const probeOut = path.join(dir, "probe.json")
    if (o.beforeRunner !== undefined) yield* o.beforeRunner(sim)
    const start = () =>
      Effect.gen(function* () {
        const t0 = Date.now()
        const bot = Child.spawnRunner(cfgPath, {
          BENCH_PROBE_OUT: probeOut,
          BENCH_WS_FROM: Child.wsFrom,
          BENCH_TRIGGER_NEEDLE: "\u0001never",
          ...(o.cpuProfDir !== undefined ? { BENCH_CPU_PROF: o.cpuProfDir } : {})
        })
        yield* Effect.addFinalizer(() => Effect.promise(() => bot.stop(30_000)))
        // up: the metrics endpoint answers
        const up = yield* Effect.promise(async () => {
          const end = Date.now() + 120_000
          while (Date.now() < end && bot.proc.exitCode === null) {
            if (Object.keys(await scrape(metricsPort)).length > 0) return true
            await sleep(500)
          }
          return false
        })
        if (!up) throw new Error(`runner did not come up: ${bot.output().slice(-3000)}`)
        const startupS = (Date.now() - t0) / 1000
        // the section measures what it claims: the runner loaded and trades every market, else it fails here
        yield* Effect.promise(() => bot.waitFor(/\[mm\] \S+ on sim: \d+ markets \(/, 60_000))
        const said = Child.runnerMarkets(bot.output())
        const problem = Child.marketCountProblem(o.markets, tickers, said)
        if (problem !== undefined) throw new Error(`${o.label} ${o.markets}: ${problem}`)
        o.log(
          `${o.label} ${o.markets}: runner (${Child.runnerMode()}) up after ${startupS.toFixed(1)} s, ${said.venue} distinct markets loaded and traded`
        )
        return { bot, pid: bot.proc.pid!, startupS, t0 }
      })
    const first = yield* start()
    return { sim, tickers, key, cfgPath, probeOut, metricsPort, start, ...first }
  })

/** The probe's window snapshot (written on the second SIGUSR2). */
export const readWindow = (probeOut: string) =>
  fs.existsSync(`${probeOut}.window`)
    ? (JSON.parse(fs.readFileSync(`${probeOut}.window`, "utf8")) as {
        loop_delay_p99_ms: number
        loop_delay_max_ms: number
        frames: number
      })
    : undefined

export const runOne = (o: ScaleOptions) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const { bot, pid, startupS, metricsPort, probeOut } = yield* launch({
          markets: o.markets,
          flowPerSec: o.flowPerSec,
          log: o.log,
          label: "scale"
        })
        o.log(`scale ${o.markets}: warming ${o.warmupMs} ms`)
        yield* Effect.sleep(o.warmupMs)
        const m0 = yield* Effect.promise(() => scrape(metricsPort))
        const s0 = Child.procSample(pid)
        const w0 = performance.now()
        bot.proc.kill("SIGUSR2") // probe: start of the window
        let peakRss = s0?.rssMb ?? 0
        while (performance.now() - w0 < o.windowMs) {
          yield* Effect.sleep(500)
          const s = Child.procSample(pid)
          if (s === undefined) throw new Error(`runner exited during the window: ${bot.output().slice(-3000)}`)
          peakRss = Math.max(peakRss, s.rssMb)
        }
        bot.proc.kill("SIGUSR2") // probe: snapshot
        const s1 = Child.procSample(pid)!
        const w1 = performance.now()
        const m1 = yield* Effect.promise(() => scrape(metricsPort))
        yield* Effect.sleep(300)
        const win = readWindow(probeOut)
        const code = yield* Effect.promise(() => bot.stop(30_000))
        const d = (k: string) => (m1[k] ?? 0) - (m0[k] ?? 0)
        const seconds = (w1 - w0) / 1000
        return {
          markets: o.markets,
          window_s: sig(seconds, 3),
          flow_per_s: o.flowPerSec,
          runner: Child.runnerMode(),
          cpu_pct: sig(((s1.cpuS - (s0?.cpuS ?? 0)) / seconds) * 100, 3),
          rss_mb: sig(Math.max(peakRss, s1.rssMb), 4),
          vm_hwm_mb: sig(s1.hwmMb, 4),
          loop_delay_p99_ms: sig(win?.loop_delay_p99_ms ?? Number.NaN, 3),
          loop_delay_max_ms: sig(win?.loop_delay_max_ms ?? Number.NaN, 3),
          stale_books: d("book_resyncs_total"),
          ws_frames_per_s: win === undefined ? null : Math.round(win.frames / seconds),
          orders_sent: d("orders_sent_total"),
          rate_limited: d("rate_limited_total"),
          desyncs: d("desyncs_total"),
          ws_message_age_ms:
            m1.ws_message_age_seconds === undefined ? null : Math.round(m1.ws_message_age_seconds * 1000),
          startup_s: sig(startupS, 3),
          runner_exit_code: code
        }
      })
    )
  )

export const run = async (o: {
  readonly windowMs: number
  readonly warmupMs: number
  readonly sizes: ReadonlyArray<number>
  readonly log: (line: string) => void
}) => {
  const out: Record<string, unknown> = { window_ms: o.windowMs, warmup_ms: o.warmupMs }
  for (const n of o.sizes) {
    const r = await runOne({ markets: n, windowMs: o.windowMs, warmupMs: o.warmupMs, flowPerSec: n / 2, log: o.log })
    o.log(`scale ${n}: ${JSON.stringify(r)}`)
    out[`m${n}`] = r
  }
  return out
}
