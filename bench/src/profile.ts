/**
 * Profiling helper (not a benchmark section): the `scale` set-up (kalshi-sim with N markets and flow in this
 * process, the compiled runner with the maker on every market in its own process), with the runner's
 * inspector open, and a plan of what to take when (seconds after the runner is up):
 *
 * - `cpu:AT:SECONDS` — a CPU profile (1 ms sampling) → `cpu-AT.cpuprofile`;
 * - `alloc:AT:SECONDS:all|old` — a sampling heap profile of what was allocated (`all`), or only of what
 *   survived the young generation (`old`: promoted, live or old-generation garbage) → `alloc-MODE-AT.heapprofile`;
 * - `heap:AT` — a heap snapshot (forces a full GC: the live heap) → `heap-AT.heapsnapshot`;
 * - `end:AT` — stop.
 *
 * Every 10 s it logs the runner's RSS, its CPU share over the 10 s and `process.memoryUsage()`. Open the
 * files in Chrome DevTools. A heap snapshot distorts what follows it (the runner's RSS grows by the
 * snapshot's size): take them last, or compare only snapshots with snapshots.
 *
 * `npx tsx --conditions=@alpha-hunter/source src/profile.ts` in `bench/`, after a build; environment:
 * `PROFILE_OUT` (directory, default a temporary one), `PROFILE_MARKETS` (1000), `PROFILE_PLAN`
 * (`cpu:30:60,alloc:100:30:old,cpu:200:60,heap:265,end:280`), `PROFILE_NODE_OPTIONS` (more runner flags).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import WebSocket from "ws"
import * as Child from "./child.js"
import { freePort, launch } from "./scale.js"
import { sleep } from "./stats.js"

interface CdpAnswer {
  readonly id?: number
  readonly result?: Record<string, unknown>
}

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket. */
const cdp = async (port: number) => {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
    readonly webSocketDebuggerUrl: string
  }>
  const ws = new WebSocket(list[0]!.webSocketDebuggerUrl, { maxPayload: 2 ** 31 })
  await new Promise((resolve) => ws.once("open", resolve))
  let id = 0
  const pending = new Map<number, (a: CdpAnswer) => void>()
  ws.on("message", (d) => {
    const m = JSON.parse(d.toString()) as CdpAnswer
    if (m.id !== undefined) pending.get(m.id)?.(m)
  })
  const call = (method: string, params: object = {}) =>
    new Promise<CdpAnswer>((resolve) => {
      const i = ++id
      pending.set(i, resolve)
      ws.send(JSON.stringify({ id: i, method, params }))
    })
  return { call, close: () => ws.close() }
}

const out = process.env.PROFILE_OUT ?? Child.tmpDir()
const markets = Number(process.env.PROFILE_MARKETS ?? 1000)
const plan = (process.env.PROFILE_PLAN ?? "cpu:30:60,alloc:100:30:old,cpu:200:60,heap:265,end:280").split(",")
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`)

const main = Effect.scoped(
  Effect.gen(function* () {
    fs.mkdirSync(out, { recursive: true })
    const inspectPort = yield* Effect.promise(freePort)
    // the runner is spawned with this process's environment: its inspector, and snapshots on SIGUSR1
    process.env.NODE_OPTIONS = `--inspect=127.0.0.1:${inspectPort} --heapsnapshot-signal=SIGUSR1 --diagnostic-dir=${out} ${process.env.PROFILE_NODE_OPTIONS ?? ""}`
    const l = yield* launch({ markets, flowPerSec: markets / 2, log, label: "profile" })
    delete process.env.NODE_OPTIONS
    const c = yield* Effect.promise(() => cdp(inspectPort))
    const memory = async () =>
      (
        (await c.call("Runtime.evaluate", { expression: "JSON.stringify(process.memoryUsage())", returnByValue: true }))
          .result?.["result"] as { readonly value?: string } | undefined
      )?.value
    const t0 = Date.now()
    const at = (s: number) => sleep(Math.max(0, t0 + s * 1000 - Date.now()))
    let prev = Child.procSample(l.pid)!
    const sampler = setInterval(async () => {
      const s = Child.procSample(l.pid)
      if (s === undefined) return
      const cpu = ((s.cpuS - prev.cpuS) / 10) * 100
      prev = s
      log(
        `t=${Math.round((Date.now() - t0) / 1000)}s rss=${s.rssMb.toFixed(0)}MB cpu=${cpu.toFixed(0)}% ${await memory()}`
      )
    }, 10_000)
    yield* Effect.promise(async () => {
      await c.call("Profiler.enable")
      for (const step of plan) {
        const [kind, a = "0", b = "0", mode = "all"] = step.split(":")
        await at(Number(a))
        if (kind === "cpu") {
          await c.call("Profiler.setSamplingInterval", { interval: 1000 })
          await c.call("Profiler.start")
          await sleep(Number(b) * 1000)
          const r = await c.call("Profiler.stop")
          fs.writeFileSync(path.join(out, `cpu-${a}.cpuprofile`), JSON.stringify(r.result?.["profile"]))
          log(`cpu profile ${a}+${b}s written`)
        } else if (kind === "alloc") {
          await c.call("HeapProfiler.enable")
          await c.call("HeapProfiler.startSampling", {
            samplingInterval: 32768,
            includeObjectsCollectedByMajorGC: true,
            includeObjectsCollectedByMinorGC: mode === "all"
          })
          await sleep(Number(b) * 1000)
          const r = await c.call("HeapProfiler.getSamplingProfile")
          await c.call("HeapProfiler.stopSampling")
          fs.writeFileSync(path.join(out, `alloc-${mode}-${a}.heapprofile`), JSON.stringify(r.result?.["profile"]))
          log(`allocation profile (${mode}) ${a}+${b}s written`)
        } else if (kind === "heap") {
          const before = new Set(fs.readdirSync(out))
          l.bot.proc.kill("SIGUSR1")
          // written when the file stops growing
          let last = -1
          for (;;) {
            await sleep(2000)
            const f = fs.readdirSync(out).find((x) => !before.has(x) && x.endsWith(".heapsnapshot"))
            if (f === undefined) continue
            const size = fs.statSync(path.join(out, f)).size
            if (size === last && size > 0) {
              fs.renameSync(path.join(out, f), path.join(out, `heap-${a}.heapsnapshot`))
              break
            }
            last = size
          }
          log(`heap snapshot ${a}s written`)
        }
      }
    })
    clearInterval(sampler)
    c.close()
    fs.writeFileSync(path.join(out, "runner.log"), l.bot.output())
    log(`files in ${out}`)
  })
)

Effect.runPromise(main).then(
  () => process.exit(0),
  (e) => {
    console.error(e)
    process.exit(1)
  }
)
