/**
 * Throughput probe (not a unit test): REST orders/s and WS messages/s the simulator serves on this machine.
 * Usage: pnpm --filter @alpha-hunter/kalshi-sim bench [-- --seconds 5 --concurrency 32 --key ed25519|rsa]
 */
import * as http from "node:http"
import { Effect } from "effect"
import WebSocket from "ws"
import { KalshiSigning, KalshiSim } from "../src/index.js"

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? def : (process.argv[i + 1] ?? def)
}
const SECONDS = Number(arg("seconds", "5"))
const CONCURRENCY = Number(arg("concurrency", "32"))
const KEY_TYPE = arg("key", "ed25519") as "rsa" | "ed25519"
const WS_CLIENTS = Number(arg("ws-clients", "4"))

const main = Effect.scoped(
  Effect.gen(function* () {
    const sim = yield* KalshiSim.make({ rateLimit: false, markets: 6, pingIntervalMs: 0 })
    const key = yield* sim.generateKey({ type: KEY_TYPE })
    const other = yield* sim.generateKey({ type: KEY_TYPE })
    const ticker = (yield* sim.tickers)[0]!
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
    const path = "/trade-api/v2/portfolio/events/orders"

    // WS subscribers: orderbook_delta + trade + ticker on the benchmarked market
    let wsMessages = 0
    const sockets: Array<WebSocket> = []
    for (let i = 0; i < WS_CLIENTS; i++) {
      const ws = new WebSocket(sim.wsUrl, {
        headers: KalshiSigning.signHeaders(key, "GET", "/trade-api/ws/v2")
      })
      yield* Effect.async<void>((resume) => {
        ws.on("open", () => resume(Effect.void))
      })
      ws.on("message", () => wsMessages++)
      ws.send(
        JSON.stringify({
          id: 1,
          cmd: "subscribe",
          params: { channels: ["orderbook_delta", "trade", "ticker"], market_tickers: [ticker] }
        })
      )
      sockets.push(ws)
    }

    let done = 0
    let errors = 0
    const deadline = Date.now() + SECONDS * 1000
    const one = (worker: number, n: number): Promise<void> =>
      new Promise((resolve) => {
        const creds = worker % 2 === 0 ? key : other
        // alternating crossing orders keep the book small: makers rest, the other account takes
        const side = n % 2 === 0 ? "bid" : "ask"
        const price = side === "bid" ? "0.5000" : "0.5000"
        const body = JSON.stringify({
          ticker,
          side,
          count: "1.00",
          price,
          time_in_force: "good_till_canceled",
          self_trade_prevention_type: "maker"
        })
        const req = http.request(
          {
            host: sim.host,
            port: sim.port,
            method: "POST",
            path,
            agent,
            headers: {
              ...KalshiSigning.signHeaders(creds, "POST", path),
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body)
            }
          },
          (res) => {
            res.resume()
            res.on("end", () => {
              if (res.statusCode === 201) done++
              else errors++
              resolve()
            })
          }
        )
        req.on("error", () => {
          errors++
          resolve()
        })
        req.end(body)
      })
    const worker = async (w: number) => {
      let n = w
      while (Date.now() < deadline) await one(w, n++)
    }
    const t0 = Date.now()
    const wsBefore = wsMessages
    yield* Effect.promise(() => Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w))))
    const secs = (Date.now() - t0) / 1000
    yield* Effect.sleep("300 millis")
    const stats = yield* sim.stats
    console.log(
      JSON.stringify(
        {
          key_type: KEY_TYPE,
          concurrency: CONCURRENCY,
          seconds: Number(secs.toFixed(2)),
          orders_ok: done,
          errors,
          rest_orders_per_sec: Math.round(done / secs),
          ws_clients: WS_CLIENTS,
          ws_messages_received: wsMessages - wsBefore,
          ws_messages_per_sec: Math.round((wsMessages - wsBefore) / secs),
          ws_messages_sent_by_server: stats.wsMessagesSent
        },
        null,
        2
      )
    )
    for (const s of sockets) s.terminate()
    agent.destroy()
  })
)

Effect.runPromise(main).catch((e) => {
  console.error(e)
  process.exitCode = 1
})
