/**
 * Benchmark — dashboard. What one open dashboard costs the bot: the `scale` set-up at 1,000 markets (the
 * compiled runner, maker on every market, synthetic flow), then windows of the same length alternating
 * without and with one page connected to the runner's `GET /events` (the control API's server, loopback, no
 * token). The page is played by this process: it reads the Server-Sent Events stream to its end, as a
 * browser would (its own drawing costs the browser, not the bot), and selects the first market, as the page
 * does (`POST /events/focus`: the bot then sends that market's book levels too). Alternating (off, on, off, on, …) spreads
 * the machine's drift over both sides.
 *
 * Figures:
 * - what the dashboard's own code took: the runner runs with `--cpu-prof`, and every sample with a frame in
 *   `Dashboard*.js` (the collector, the SSE writer, the focus handler, and all they call: reads of the run's
 *   state, JSON, the socket write) is the dashboard's, over the time a page was connected — the target's
 *   figure (< 5 % of a core), measured inside the runner and so not moved by other processes' load; the
 *   garbage collector's time is not split between callers and is not in it;
 * - the runner's CPU % of one core without and with the page (/proc/<pid>), alternating off/on then on/off
 *   (drift cancels), the median of the rounds' differences and their range — the same question asked from
 *   outside, which the bot's own bursts (its order flow varies by tens of points between windows) make noisy;
 * - the SSE bytes/s and payloads/s the page received, and the size of the first (full) snapshot.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Child from "./child.js"
import * as CpuProfile from "./cpuProfile.js"
import * as Scale from "./scale.js"
import { midMedian as median, sig, sleep } from "./stats.js"

export interface DashboardOptions {
  readonly markets: number
  readonly warmupMs: number
  readonly windowMs: number
  readonly rounds: number
  readonly log: (line: string) => void
}

/** One page on `/events`: selects the first market, counts bytes and payloads until aborted. */
const openPage = (url: string) => {
  const abort = new AbortController()
  const seen = { bytes: 0, payloads: 0, firstSnapshotBytes: 0 }
  let page: string | undefined
  const focus = async (market: string) => {
    const r = await fetch(`${url}/events/focus`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ page, market })
    })
    if (!r.ok) throw new Error(`POST /events/focus: HTTP ${r.status} ${await r.text()}`)
  }
  const done = (async () => {
    const r = await fetch(`${url}/events`, { signal: abort.signal })
    if (!r.ok || r.body === null) throw new Error(`GET /events: HTTP ${r.status}`)
    const decoder = new TextDecoder()
    let buf = ""
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
      seen.bytes += chunk.byteLength
      buf += decoder.decode(chunk, { stream: true })
      for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
        const payload = buf.slice(0, i)
        buf = buf.slice(i + 2)
        if (!payload.startsWith("event:")) continue
        if (payload.startsWith("event: hello")) {
          page = (JSON.parse(payload.slice(payload.indexOf("data: ") + 6)) as { page: string }).page
          continue
        }
        seen.payloads++
        if (seen.firstSnapshotBytes === 0 && payload.startsWith("event: snapshot")) {
          seen.firstSnapshotBytes = payload.length
          const snap = JSON.parse(payload.slice(payload.indexOf("data: ") + 6)) as {
            markets: ReadonlyArray<{ key: string }>
          }
          if (snap.markets[0] !== undefined) await focus(snap.markets[0].key)
        }
      }
    }
  })().catch((e: unknown) => {
    if ((e as Error).name !== "AbortError") throw e
  })
  const close = async () => {
    abort.abort()
    await done
  }
  return { seen, close }
}

export const run = async (o: DashboardOptions) => {
  const profDir = Child.tmpDir()
  const measured = await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const { pid, cfgPath, bot } = yield* Scale.launch({
          markets: o.markets,
          flowPerSec: o.markets / 2,
          log: o.log,
          label: "dashboard",
          cpuProfDir: profDir
        })
        // the control API comes up after the venues (the metrics endpoint, which `launch` waits for, before)
        const published = path.join(path.dirname(cfgPath), "journal.sqlite.control.json")
        const url = yield* Effect.promise(async () => {
          const end = Date.now() + 120_000
          while (!fs.existsSync(published)) {
            if (Date.now() > end) throw new Error(`no control API published: ${bot.output().slice(-3000)}`)
            await sleep(250)
          }
          return (JSON.parse(fs.readFileSync(published, "utf8")) as { url: string }).url
        })
        o.log(`dashboard ${o.markets}: control at ${url}; warming ${o.warmupMs} ms`)
        yield* Effect.sleep(o.warmupMs)
        const cpuOver = (ms: number) =>
          Effect.promise(async () => {
            const s0 = Child.procSample(pid)
            const t0 = performance.now()
            await sleep(ms)
            const s1 = Child.procSample(pid)
            if (s0 === undefined || s1 === undefined) throw new Error(`runner exited: ${bot.output().slice(-3000)}`)
            return ((s1.cpuS - s0.cpuS) / ((performance.now() - t0) / 1000)) * 100
          })
        const off: Array<number> = []
        const on: Array<number> = []
        let bytes = 0
        let payloads = 0
        let seconds = 0
        let snapshot = 0
        let connectedMs = 0
        const withPage = Effect.gen(function* () {
          const opened = performance.now()
          const page = openPage(url)
          yield* Effect.sleep(1500) // the first (full) snapshot, outside the window
          const b0 = page.seen.bytes
          const p0 = page.seen.payloads
          const t0 = performance.now()
          on.push(yield* cpuOver(o.windowMs))
          bytes += page.seen.bytes - b0
          payloads += page.seen.payloads - p0
          seconds += (performance.now() - t0) / 1000
          snapshot = Math.max(snapshot, page.seen.firstSnapshotBytes)
          yield* Effect.promise(page.close)
          connectedMs += performance.now() - opened
          yield* Effect.sleep(500)
        })
        const withoutPage = Effect.tap(
          Effect.suspend(() => cpuOver(o.windowMs)),
          (c) => {
            off.push(c)
          }
        )
        for (let round = 0; round < o.rounds; round++) {
          // off, on — then on, off: a drift of the bot's own load lands on both sides
          yield* round % 2 === 0 ? Effect.zipRight(withoutPage, withPage) : Effect.zipRight(withPage, withoutPage)
          o.log(`dashboard round ${round + 1}: CPU off ${off[round]!.toFixed(1)} %, on ${on[round]!.toFixed(1)} %`)
        }
        return { off, on, bytes, payloads, seconds, snapshot, connectedMs }
      })
    )
  )
  // the runner wrote its profile when the scope stopped it
  const a = CpuProfile.attribute(CpuProfile.readOne(profDir), /\/Dashboard[A-Za-z]*\.(js|ts)$/)
  fs.rmSync(profDir, { recursive: true, force: true })
  const { off, on } = measured
  const deltas = off.map((x, i) => on[i]! - x)
  const codePct = (a.matchedMs / measured.connectedMs) * 100
  o.log(
    `dashboard: its code took ${a.matchedMs.toFixed(0)} ms of CPU over ${(measured.connectedMs / 1000).toFixed(1)} s connected (${codePct.toFixed(2)} % of a core); runner busy ${(a.busyMs / 1000).toFixed(1)} s of ${(a.spanMs / 1000).toFixed(1)} s, GC ${(a.gcMs / 1000).toFixed(1)} s`
  )
  return {
    markets: o.markets,
    rounds: o.rounds,
    window_s: o.windowMs / 1000,
    runner: Child.runnerMode(),
    code_cpu_pct: sig(codePct, 3),
    code_cpu_ms: Math.round(a.matchedMs),
    connected_s: sig(measured.connectedMs / 1000, 3),
    runner_gc_pct_of_busy: sig((a.gcMs / a.busyMs) * 100, 3),
    cpu_off_pct: sig(median(off), 3),
    cpu_on_pct: sig(median(on), 3),
    cpu_delta_pct: sig(median(deltas), 3),
    cpu_delta_min_pct: sig(Math.min(...deltas), 3),
    cpu_delta_max_pct: sig(Math.max(...deltas), 3),
    sse_bytes_per_s: Math.round(measured.bytes / measured.seconds),
    sse_payloads_per_s: sig(measured.payloads / measured.seconds, 3),
    first_snapshot_kb: sig(measured.snapshot / 1024, 3)
  }
}
