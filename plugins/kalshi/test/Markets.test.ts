/** Loading a long configured market list: chunked `GET /markets` queries, over real HTTP against kalshi-sim. */
import * as http from "node:http"
import type * as net from "node:net"
import { Decimal as D, Exchange, type Fee } from "@alpha-hunter/core"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as KalshiExchange from "../src/KalshiExchange.js"
import { chunkTickers, MAX_TICKERS_PER_QUERY, MAX_TICKERS_URL_CHARS, queriesFor } from "../src/KalshiInstruments.js"
import { optionsFor } from "./utils.js"

const encodedLength = (ts: ReadonlyArray<string>) => encodeURIComponent(ts.join(",")).length

describe("chunked market queries", () => {
  it("chunks keep the order, every ticker once, each within the count and the encoded-length limits", () => {
    const tickers = Array.from({ length: 1000 }, (_, i) => `KXSERIES${i % 37}-27JAN07-B${(i * 7919) % 100_000}`)
    const chunks = chunkTickers(tickers)
    assert.deepStrictEqual(chunks.flat(), tickers)
    for (const c of chunks) {
      assert.isAtMost(c.length, MAX_TICKERS_PER_QUERY)
      assert.isAtMost(encodedLength(c), MAX_TICKERS_URL_CHARS)
    }
    assert.strictEqual(chunks.length, 10)
    // long tickers: the length limit binds before the count does
    const long = Array.from({ length: 300 }, (_, i) => `KX${"LONGSERIES".repeat(6)}-26DEC31-M${i}`)
    const byLength = chunkTickers(long)
    assert.deepStrictEqual(byLength.flat(), long)
    for (const c of byLength) assert.isAtMost(encodedLength(c), MAX_TICKERS_URL_CHARS)
    assert.isAbove(byLength.length, 3)
    // a single ticker over the limit still goes (alone): the venue answers for it
    assert.deepStrictEqual(chunkTickers(["X".repeat(5000), "Y"]), [["X".repeat(5000)], ["Y"]])
    assert.deepStrictEqual(chunkTickers([]), [])
  })

  it("queriesFor: the other filters on every chunk, duplicates dropped, one query per listed series", () => {
    const tickers = Array.from({ length: 250 }, (_, i) => `KXA-26DEC31-M${i}`)
    const qs = queriesFor({ status: "open", tickers: [...tickers, ...tickers.slice(0, 10)] })
    assert.strictEqual(qs.length, 3)
    for (const q of qs) assert.strictEqual(q.status, "open")
    assert.deepStrictEqual(
      qs.flatMap((q) => String(q.tickers).split(",")),
      tickers
    )
    const bySeries = queriesFor({ seriesTickers: ["KXA", "KXB"], tickers: tickers.slice(0, 5) })
    assert.deepStrictEqual(
      bySeries.map((q) => q.series_ticker),
      ["KXA", "KXB"]
    )
    assert.deepStrictEqual(queriesFor({ status: "open" }), [{ status: "open" }])
  })

  it.scopedLive(
    "1,000 configured markets load over HTTP: every market, chunked GET /markets and /events, one read per series, no 414/431",
    () =>
      Effect.gen(function* () {
        const requests: Array<{ path: string; status: number }> = []
        const sim = yield* KalshiSim.make({
          port: 0,
          seed: 9,
          markets: 1000,
          incentives: false,
          tier: "prestige",
          rateLimit: true,
          onRequest: (_m, path, status) => requests.push({ path, status })
        })
        const tickers = yield* sim.tickers
        assert.strictEqual(new Set(tickers).size, 1000)
        const opts = yield* optionsFor(sim, { markets: { tickers } })
        const ctx = yield* Layer.build(KalshiExchange.layer(opts))
        const exchange = Context.get(ctx, Exchange.Exchange)
        requests.length = 0 // what the connection itself read is not counted
        const markets = yield* exchange.loadMarkets()
        assert.strictEqual(markets.size, 1000)
        assert.deepStrictEqual([...markets.keys()].sort(), [...tickers].sort())
        const of = (re: RegExp) => requests.filter((r) => re.test(r.path))
        assert.deepStrictEqual(
          requests.filter((r) => r.status !== 200),
          []
        )
        assert.strictEqual(of(/\/markets$/).length, chunkTickers(tickers).length)
        assert.strictEqual(of(/\/markets$/).length, 10)
        // the events of the fee models listed by chunks of tickers, then one read per series
        const events = [...new Set([...markets.values()].map((m) => m.eventId!))]
        const series = new Set(events.map((e) => e.split("-")[0]))
        assert.isAbove(events.length, 200)
        assert.strictEqual(of(/\/events$/).length, chunkTickers(events).length)
        assert.strictEqual(of(/\/events\//).length, 0)
        assert.strictEqual(of(/\/series\//).length, series.size)
        // nothing else of the catalog (the rest is the background polls: programs, orders, fills)
        const catalog = of(/\/(markets|events|series)(\/|$)/)
        assert.strictEqual(catalog.length, 10 + chunkTickers(events).length + series.size)
        // fee models came from the series: with maker fees and without
        const makerRates = new Set([...markets.values()].map((m) => D.format((m.fees as Fee.QuadraticFee).makerRate)))
        assert.deepStrictEqual([...makerRates].sort(), ["0", "0.0175"])
      })
  )

  it.scopedLive("a venue without the event list: the fee models' events are read one by one, each once", () =>
    Effect.gen(function* () {
      const requests: Array<{ path: string; status: number }> = []
      const sim = yield* KalshiSim.make({
        port: 0,
        markets: 200,
        incentives: false,
        tier: "prestige",
        onRequest: (_m, path, status) => requests.push({ path, status })
      })
      // a loopback front end: `GET …/events` (the list) is not found, everything else goes to the simulator
      let refused = 0
      const proxy = yield* Effect.acquireRelease(
        Effect.async<http.Server>((resume) => {
          const srv = http.createServer((req, res) => {
            if (req.method === "GET" && (req.url ?? "").split("?")[0] === "/trade-api/v2/events") {
              refused++
              res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"code":"not_found"}}')
              return
            }
            const up = http.request(
              { host: sim.host, port: sim.port, method: req.method, path: req.url, headers: req.headers },
              (r) => {
                res.writeHead(r.statusCode ?? 502, r.headers)
                r.pipe(res)
              }
            )
            req.pipe(up)
          })
          srv.listen(0, "127.0.0.1", () => resume(Effect.succeed(srv)))
        }),
        (srv) =>
          Effect.async<void>((resume) => {
            srv.closeAllConnections()
            srv.close(() => resume(Effect.void))
          })
      )
      const port = (proxy.address() as net.AddressInfo).port
      const tickers = yield* sim.tickers
      const opts = yield* optionsFor(sim, {
        restUrl: `http://127.0.0.1:${port}/trade-api/v2`,
        markets: { tickers }
      })
      const ctx = yield* Layer.build(KalshiExchange.layer(opts))
      requests.length = 0
      const markets = yield* Context.get(ctx, Exchange.Exchange).loadMarkets()
      assert.strictEqual(markets.size, 200)
      assert.strictEqual(refused, 1) // one chunk of events asked for as a list, refused
      const events = new Set([...markets.values()].map((m) => m.eventId!))
      const eventReads = requests.filter((r) => /\/events\//.test(r.path))
      assert.strictEqual(eventReads.length, events.size)
      assert.strictEqual(new Set(eventReads.map((r) => r.path)).size, events.size)
      // the fee models still came from the series
      const makerRates = new Set([...markets.values()].map((m) => D.format((m.fees as Fee.QuadraticFee).makerRate)))
      assert.deepStrictEqual([...makerRates].sort(), ["0", "0.0175"])
    })
  )
})
