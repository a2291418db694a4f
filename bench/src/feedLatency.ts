/**
 * Frame → strategy latency of the Kalshi feed, over a real WebSocket on 127.0.0.1: a bare `ws` server answers
 * the feed's subscribe with a snapshot, then writes `orderbook_delta` frames (paced, one every `--gap-ms`, or in
 * bursts of `--burst`); the consumer is `KalshiFeed.view` (what `watchBook` returns). For each delta we take
 *
 * - received: `ws` emitting the frame on the client (the socket callback) → the `BookView` with its sequence
 *   delivered by the `view` stream;
 * - sent: the server's `send` → the same delivery (adds the loopback and both `ws` stacks).
 *
 * A conflated view (after a burst) counts for every delta it is the first to show. Not a test: a standalone measurement.
 * `--relay` puts the runner's former per-market relay in between (a fiber running `watchBook` into a
 * `SubscriptionRef`, the consumer on its `changes` + `OrderBook.latest`), to compare with the strategy reading
 * `watchBook` itself, as the runner now does.
 * Run: `npx tsx --conditions=@alpha-hunter/source bench/src/feedLatency.ts [--deltas 3000] [--gap-ms 2] [--burst 1] [--relay]`.
 */
import { Decimal as D, OrderBook, TickGrid } from "@alpha-hunter/core"
import { KalshiConfig, KalshiFeed } from "@alpha-hunter/kalshi"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import WebSocket, { WebSocketServer } from "ws"
import { median, nowNs, p99, sig } from "./stats.js"

const argv = process.argv.slice(2)
const num = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? Number(argv[i + 1]) : fallback
}
const DELTAS = num("deltas", 3000)
const GAP_MS = num("gap-ms", 2)
const BURST = num("burst", 1)
const RELAY = argv.includes("--relay")
const WARM = 300

const TICKER = "KXLAT-26DEC31-T1"
const grid = TickGrid.unsafeMake({
  ranges: [TickGrid.PriceRange.make({ start: D.d("0"), end: D.d("1"), step: D.d("0.01") })]
})

// the client side's receive time of every delta, by sequence (wrapping `ws`'s emit, in memory)
const receivedAt = new Map<number, number>()
const emit = WebSocket.prototype.emit
WebSocket.prototype.emit = function (this: WebSocket, event: string | symbol, ...args: Array<unknown>) {
  if (event === "message" && (this as unknown as { _isServer: boolean })._isServer === false) {
    const t = nowNs()
    const text = String(args[0])
    const at = text.indexOf('"seq":')
    if (text.startsWith('{"type":"orderbook_delta"') && at > 0)
      receivedAt.set(Number.parseInt(text.slice(at + 6), 10), t)
  }
  return emit.call(this, event, ...args)
} as typeof WebSocket.prototype.emit

const sentAt = new Map<number, number>()

const server = (port: number) =>
  new Promise<WebSocketServer>((resolve) => {
    const wss: WebSocketServer = new WebSocketServer({ host: "127.0.0.1", port }, () => resolve(wss))
    wss.on("connection", (ws) => {
      ws.on("message", (data) => {
        const cmd = JSON.parse(String(data)) as { id: number; cmd: string; params: { channels?: Array<string> } }
        if (cmd.cmd !== "subscribe") return
        const channel = cmd.params.channels?.[0] ?? "?"
        ws.send(JSON.stringify({ id: cmd.id, type: "subscribed", msg: { channel, sid: cmd.id } }))
        if (channel !== "orderbook_delta") return
        const sid = cmd.id
        ws.send(JSON.stringify({ type: "orderbook_snapshot", sid, seq: 1, msg: { market_ticker: TICKER } }))
        let seq = 1
        const one = () => {
          seq++
          const level = 30 + (seq % 20)
          const frame = JSON.stringify({
            type: "orderbook_delta",
            sid,
            seq,
            msg: {
              market_ticker: TICKER,
              market_id: "00000000-0000-4000-8000-000000000001",
              price_dollars: D.format(grid.priceAt(level), 4),
              delta_fp: "1.00",
              side: "yes",
              ts: "2026-09-21T14:13:20.001Z",
              ts_ms: 1_790_000_000_000 + seq
            }
          })
          sentAt.set(seq, nowNs())
          ws.send(frame)
        }
        const timer = setInterval(() => {
          for (let k = 0; k < BURST; k++) one()
          if (seq >= DELTAS + WARM + 1) clearInterval(timer)
        }, GAP_MS)
      })
    })
  })

const main = Effect.gen(function* () {
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const wss = yield* Effect.promise(() => server(port))
  const signer = {
    keyId: "bench",
    keyType: "ed25519",
    headers: () => ({}),
    signNow: () => ({}),
    stats: () => ({ hits: 0, misses: 0, signed: 0 })
  } as unknown as Parameters<typeof KalshiFeed.make>[0]["signer"]
  const feed = yield* KalshiFeed.make({
    url: `ws://127.0.0.1:${port}/trade-api/ws/v2`,
    signer,
    config: KalshiConfig.FeedConfig.make({}),
    privateChannels: false
  })
  const fromReceived: Array<number> = []
  const fromSent: Array<number> = []
  let views = 0
  let last = 1
  const views$ = RELAY
    ? Stream.unwrap(
        Effect.gen(function* () {
          const ref = yield* SubscriptionRef.make(Option.none<OrderBook.BookView>())
          yield* feed.view(TICKER, grid).pipe(
            Stream.runForEach((v) => SubscriptionRef.set(ref, Option.some(v))),
            Effect.forkScoped
          )
          return ref.changes.pipe(
            Stream.filterMap((o) => o),
            OrderBook.latest
          )
        })
      )
    : feed.view(TICKER, grid)
  yield* views$.pipe(
    Stream.tap((v) =>
      Effect.sync(() => {
        const t = nowNs()
        views++
        const seq = v.sequence ?? 0
        // every delta this view is the first to show
        for (let k = last + 1; k <= seq; k++) {
          if (k <= WARM) continue
          const r = receivedAt.get(k)
          const s = sentAt.get(k)
          if (r !== undefined) fromReceived.push((t - r) / 1e3)
          if (s !== undefined) fromSent.push((t - s) / 1e3)
        }
        last = Math.max(last, seq)
      })
    ),
    Stream.takeUntil((v) => (v.sequence ?? 0) >= DELTAS + WARM + 1),
    Stream.runDrain
  )
  wss.close()
  const show = (xs: Array<number>) => `p50 ${sig(median(xs), 3)} µs, p99 ${sig(p99(xs), 3)} µs (n ${xs.length})`
  console.log(
    `deltas ${DELTAS} (+${WARM} warm-up), every ${GAP_MS} ms in bursts of ${BURST}; views ${views}${RELAY ? "; through the former runner relay" : ""}`
  )
  console.log(`frame received (client ws) → watchBook view: ${show(fromReceived)}`)
  console.log(`frame sent (server ws)     → watchBook view: ${show(fromSent)}`)
})

Effect.runPromise(Effect.scoped(main)).then(
  () => process.exit(0),
  (e) => {
    console.error(e)
    process.exit(1)
  }
)
