/**
 * Benchmark 4 — tick-to-order. kalshi-sim runs in this process; the bot (the runner CLI with the maker on one
 * market, through the Kalshi plugin) and the floor (a bare `ws` client answering with a pre-signed POST) run
 * in their own processes, both subscribed to the same market, so every event is answered by both under the
 * same conditions.
 *
 * An event: a "mover" account places a YES bid at 0.40 inside the spread (the book is 0.30 / 0.70 ex our
 * quotes), or cancels it; either moves the best bid, so the maker (liquidity mode, one tick inside the spread,
 * `requoteToleranceTicks` 0) requotes. Timing is taken inside this process by wrapping, in memory, `ws`'s
 * `send` (the simulator writing the frame to each client's socket, tagged with the key of its handshake)
 * and `http.Server#emit("request")` (the request arriving, by `KALSHI-ACCESS-KEY`): nothing in the simulator
 * is edited. The bot's decision latency (trigger frame decoded by `ws` → order request written to its socket)
 * comes from the probe preloaded into the runner process.
 */
import * as fs from "node:fs"
import * as http from "node:http"
import * as path from "node:path"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import * as Effect from "effect/Effect"
import WebSocket, { WebSocketServer } from "ws"
import * as Child from "./child.js"
import * as RawClient from "./rawClient.js"
import { median, p99, sig, sleep } from "./stats.js"

const NEEDLE = '"price_dollars":"0.4000"'

interface Hooks {
  armed: boolean
  readonly frameAt: Map<string, number>
  readonly reqAt: Map<string, number>
  waitingFor: ReadonlyArray<string>
  onComplete: (() => void) | undefined
}

type Tagged = { __benchKey?: string }

/** Wraps, in memory, the `ws` and `http` of this process (where the simulator runs). */
const installHooks = (): Hooks => {
  const h: Hooks = { armed: false, frameAt: new Map(), reqAt: new Map(), waitingFor: [], onComplete: undefined }
  const proto = WebSocketServer.prototype as unknown as {
    handleUpgrade: (
      req: http.IncomingMessage,
      socket: unknown,
      head: unknown,
      cb: (ws: WebSocket, r: unknown) => void
    ) => void
  }
  const handleUpgrade = proto.handleUpgrade
  proto.handleUpgrade = function (req, socket, head, cb) {
    const key = req.headers["kalshi-access-key"]
    return handleUpgrade.call(this, req, socket, head, (ws, r) => {
      if (typeof key === "string") (ws as unknown as Tagged).__benchKey = key
      cb(ws, r)
    })
  }
  const wsProto = WebSocket.prototype as unknown as { send: (data: unknown, ...rest: Array<unknown>) => void }
  const send = wsProto.send
  wsProto.send = function (this: Tagged, data: unknown, ...rest: Array<unknown>) {
    if (h.armed && typeof data === "string" && this.__benchKey !== undefined && data.includes(NEEDLE)) {
      if (!h.frameAt.has(this.__benchKey)) h.frameAt.set(this.__benchKey, performance.now())
    }
    return send.call(this, data, ...rest)
  }
  const srvProto = http.Server.prototype as unknown as { emit: (ev: string, ...args: Array<unknown>) => boolean }
  const emit = srvProto.emit
  const re = /^\/trade-api\/v2\/portfolio\/(events\/)?orders/
  srvProto.emit = function (ev: string, ...args: Array<unknown>) {
    if (ev === "request" && h.armed) {
      const req = args[0] as http.IncomingMessage
      const key = req.headers["kalshi-access-key"]
      if (
        typeof key === "string" &&
        req.method !== "GET" &&
        h.frameAt.has(key) &&
        !h.reqAt.has(key) &&
        re.test(req.url ?? "")
      ) {
        h.reqAt.set(key, performance.now())
        if (h.onComplete !== undefined && h.waitingFor.every((k) => h.reqAt.has(k))) h.onComplete()
      }
    }
    return emit.call(this, ev, ...args)
  }
  return h
}

export interface TickOptions {
  readonly events: number
  readonly keyType: "rsa" | "ed25519"
  readonly log: (line: string) => void
}

export const run = (o: TickOptions) => {
  const hooks = installHooks()
  return Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const sim = yield* KalshiSim.make({
          seed: 17,
          markets: 3,
          tier: "prestige",
          rateLimit: true,
          flow: false,
          pingIntervalMs: 0
        })
        const ticker = (yield* sim.tickers)[0]!
        const dir = Child.tmpDir()
        const botKey = yield* sim.generateKey({ type: o.keyType })
        const floorKey = yield* sim.generateKey({ type: o.keyType })
        const moverKey = yield* sim.generateKey({ type: "ed25519" })
        const mover = RawClient.make(sim.host, sim.port, {
          keyId: moverKey.keyId,
          privateKeyPem: moverKey.privateKeyPem
        })
        yield* Effect.addFinalizer(() => Effect.sync(() => mover.close()))
        // the resting book the maker quotes inside: 0.30 / 0.70
        for (const [side, price] of [
          ["bid", "0.3000"],
          ["ask", "0.7000"]
        ] as const) {
          const r = yield* Effect.promise(() =>
            mover.request("POST", "/portfolio/events/orders", {
              ticker,
              side,
              price,
              count: "10.00",
              time_in_force: "good_till_canceled",
              self_trade_prevention_type: "taker_at_cross"
            })
          )
          if (r.status !== 201) throw new Error(`mover setup: HTTP ${r.status} ${r.text}`)
        }
        const cfgPath = path.join(dir, "tick.yaml")
        fs.writeFileSync(
          cfgPath,
          JSON.stringify(
            Child.runnerConfig({
              restUrl: sim.restUrl,
              wsUrl: sim.wsUrl,
              keyId: botKey.keyId,
              keyPath: Child.writeSecret(dir, "bot.pem", botKey.privateKeyPem),
              tickers: [ticker],
              journal: path.join(dir, "journal.sqlite")
            }),
            null,
            2
          )
        )
        const probeOut = path.join(dir, "probe.json")
        const bot = Child.spawnRunner(cfgPath, {
          BENCH_PROBE_OUT: probeOut,
          BENCH_WS_FROM: Child.wsFrom,
          BENCH_TRIGGER_NEEDLE: NEEDLE
        })
        const floor = Child.spawnFloor({
          BENCH_WS_FROM: Child.wsFrom,
          BENCH_KEY_PATH: Child.writeSecret(dir, "floor.pem", floorKey.privateKeyPem),
          BENCH_KEY_ID: floorKey.keyId,
          BENCH_HOST: sim.host,
          BENCH_PORT: String(sim.port),
          BENCH_TICKER: ticker,
          BENCH_TRIGGER_NEEDLE: NEEDLE
        })
        yield* Effect.addFinalizer(() =>
          Effect.promise(async () => {
            await floor.stop(2000)
            await bot.stop(20_000)
          })
        )
        // ready: the floor has its snapshot and the bot rests its bid one tick inside (0.31)
        const floorReady = yield* Effect.promise(() => floor.waitFor(/ready/, 30_000))
        if (!floorReady) throw new Error(`floor client not ready: ${floor.output().slice(-2000)}`)
        const quoting = yield* Effect.promise(async () => {
          const end = Date.now() + 90_000
          while (Date.now() < end && bot.proc.exitCode === null) {
            const r = await mover.request("GET", `/markets/${ticker}/orderbook`)
            if (r.text.includes('"0.3100"')) return true
            await sleep(250)
          }
          return false
        })
        if (!quoting) throw new Error(`the runner never quoted 0.31: ${bot.output().slice(-3000)}`)
        o.log(`tick-to-order: bot quoting ${ticker}; ${o.events} events (mover bid 0.40 placed / cancelled)`)
        yield* Effect.sleep(500)
        const ours: Array<number> = []
        const flo: Array<number> = []
        let missedOurs = 0
        let missedFloor = 0
        let resting: string | undefined
        const keys = [botKey.keyId, floorKey.keyId]
        for (let i = 0; i < o.events; i++) {
          hooks.frameAt.clear()
          hooks.reqAt.clear()
          hooks.waitingFor = keys
          const done = new Promise<void>((resolve) => {
            hooks.onComplete = resolve
          })
          hooks.armed = true
          const r = yield* Effect.promise(() =>
            resting === undefined
              ? mover.request("POST", "/portfolio/events/orders", {
                  ticker,
                  side: "bid",
                  price: "0.4000",
                  count: "1.00",
                  time_in_force: "good_till_canceled",
                  self_trade_prevention_type: "taker_at_cross"
                })
              : mover.request("DELETE", `/portfolio/events/orders/${resting}`)
          )
          if (resting === undefined) {
            if (r.status !== 201) throw new Error(`mover create: HTTP ${r.status} ${r.text}`)
            resting = (JSON.parse(r.text) as { order_id: string }).order_id
          } else {
            if (r.status !== 200) throw new Error(`mover cancel: HTTP ${r.status} ${r.text}`)
            resting = undefined
          }
          yield* Effect.promise(() => Promise.race([done, sleep(200)]))
          hooks.armed = false
          hooks.onComplete = undefined
          const f0 = hooks.frameAt.get(botKey.keyId)
          const r0 = hooks.reqAt.get(botKey.keyId)
          if (f0 !== undefined && r0 !== undefined) ours.push((r0 - f0) * 1000)
          else missedOurs++
          const f1 = hooks.frameAt.get(floorKey.keyId)
          const r1 = hooks.reqAt.get(floorKey.keyId)
          if (f1 !== undefined && r1 !== undefined) flo.push((r1 - f1) * 1000)
          else missedFloor++
          // let both sides finish (the bot's own amend frames, responses) before the next event
          yield* Effect.sleep(3)
          if ((i + 1) % 2000 === 0) o.log(`tick-to-order: ${i + 1}/${o.events} events`)
        }
        yield* Effect.promise(() => floor.stop(2000))
        const code = yield* Effect.promise(() => bot.stop(30_000))
        const probe = fs.existsSync(probeOut)
          ? (JSON.parse(fs.readFileSync(probeOut, "utf8")) as { decisions_ms: Array<number> })
          : undefined
        const decisionsUs = (probe?.decisions_ms ?? []).map((x) => x * 1000)
        return {
          events: o.events,
          key_type: o.keyType,
          ours_p50_us: sig(median(ours)),
          ours_p99_us: sig(p99(ours)),
          floor_p50_us: sig(median(flo)),
          floor_p99_us: sig(p99(flo)),
          decision_p50_us: sig(median(decisionsUs)),
          decision_p99_us: sig(p99(decisionsUs)),
          ours_samples: ours.length,
          floor_samples: flo.length,
          decision_samples: decisionsUs.length,
          ours_missed: missedOurs,
          floor_missed: missedFloor,
          ours_vs_floor_p99: sig(p99(ours) / p99(flo), 3),
          runner_exit_code: code
        }
      })
    )
  )
}
