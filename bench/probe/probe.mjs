// Preloaded into the runner child process (`node --import`) by the tick-to-order and scale benchmarks.
// It edits nothing on disk: it wraps `ws`'s message emit and `net.Socket#write` in this process to time
// "a trigger frame received (decoded by ws) → the order request written to the socket", and it samples the
// event-loop delay. Results are written as JSON to $BENCH_PROBE_OUT when the process exits.
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as net from "node:net"
import { monitorEventLoopDelay } from "node:perf_hooks"

const out = process.env.BENCH_PROBE_OUT
const wsFrom = process.env.BENCH_WS_FROM
const needle = process.env.BENCH_TRIGGER_NEEDLE ? Buffer.from(process.env.BENCH_TRIGGER_NEEDLE) : undefined
const loop = monitorEventLoopDelay({ resolution: 10 })
loop.enable()
const decisions = []
let frames = 0
let lastTrigger = -1
if (wsFrom !== undefined && needle !== undefined) {
  const WS = createRequire(wsFrom)("ws")
  const emit = WS.prototype.emit
  WS.prototype.emit = function (ev, data, ...rest) {
    if (ev === "message") {
      frames++
      if (
        typeof data === "string" ? data.includes(needle.toString()) : Buffer.isBuffer(data) && data.indexOf(needle) >= 0
      ) {
        lastTrigger = performance.now()
      }
    }
    return emit.call(this, ev, data, ...rest)
  }
  const write = net.Socket.prototype.write
  const re = /^(POST|DELETE|PUT) \/trade-api\/v2\/portfolio\/(events\/)?orders/
  net.Socket.prototype.write = function (chunk, ...rest) {
    if (lastTrigger >= 0) {
      const head =
        typeof chunk === "string"
          ? chunk.slice(0, 48)
          : Buffer.isBuffer(chunk)
            ? chunk.subarray(0, 48).toString("latin1")
            : ""
      if (re.test(head)) {
        decisions.push(performance.now() - lastTrigger)
        lastTrigger = -1
      }
    }
    return write.call(this, chunk, ...rest)
  }
}
// SIGUSR2: the first one starts the measured window (resets the histogram), the next ones write a snapshot
let windows = 0
const snapshot = () => ({
  decisions_ms: decisions,
  frames,
  loop_delay_p50_ms: loop.percentile(50) / 1e6,
  loop_delay_p99_ms: loop.percentile(99) / 1e6,
  loop_delay_max_ms: loop.max / 1e6,
  cpu: process.cpuUsage(),
  uptime_s: process.uptime(),
  max_rss_kb: process.resourceUsage().maxRSS
})
process.on("SIGUSR2", () => {
  windows++
  if (windows === 1) {
    loop.reset()
    frames = 0
  } else if (out !== undefined) fs.writeFileSync(`${out}.window`, JSON.stringify(snapshot()))
})
process.on("exit", () => {
  if (out === undefined) return
  fs.writeFileSync(out, JSON.stringify(snapshot()))
})
