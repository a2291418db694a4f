/**
 * Benchmark 3 — batching. 100 post-only GTC quotes across 50 markets (a bid at 0.05 and an ask at 0.95 on each)
 * are placed and then cancelled through the Kalshi plugin (`KalshiExchange.layerWithHttp`, default config)
 * against kalshi-sim at the Basic tier (write 100/s, capacity 100; batch items cost like singles: 10 per
 * create, 2 per cancel):
 *
 * - batched: one `createOrders` of the 100 requests, then one `cancelOrders` of the 100 ids (the plugin
 *   coalesces and sizes batches to the bucket);
 * - single: the same 100 orders with `createOrder` awaited one at a time, then `cancelOrder` one at a time, so
 *   every order is its own request.
 *
 * Each variant uses a fresh exchange on its own simulator account. Requests are counted on the plugin's
 * `HttpClient` (order writes: `/portfolio/events/orders…` POST/DELETE); tokens are the plugin limiter's own
 * accounting of the create and cancel lanes.
 */
import { Decimal as D, Exchange, Ids, Order } from "@alpha-hunter/core"
import { KalshiClient, KalshiConfig, KalshiExchange } from "@alpha-hunter/kalshi"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"

interface Counts {
  all: number
  orderWrites: number
}

const countingHttp = (counts: Counts): Layer.Layer<HttpClient.HttpClient> =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (c) =>
      HttpClient.tapRequest(c, (req) =>
        Effect.sync(() => {
          counts.all++
          if ((req.method === "POST" || req.method === "DELETE") && req.url.includes("/portfolio/events/orders")) {
            counts.orderWrites++
          }
        })
      )
    )
  ).pipe(Layer.provide(KalshiExchange.httpLayer))

const variant = (sim: KalshiSim.SimHandle, tickers: ReadonlyArray<string>, mode: "batched" | "single") =>
  Effect.scoped(
    Effect.gen(function* () {
      const key = yield* sim.generateKey({ type: "ed25519" })
      const cfg = yield* KalshiConfig.decode({
        apiKeyId: key.keyId,
        privateKey: key.privateKeyPem,
        restUrl: sim.restUrl,
        wsUrl: sim.wsUrl,
        markets: { status: "open" }
      })
      const counts: Counts = { all: 0, orderWrites: 0 }
      const ctx = yield* Layer.build(KalshiExchange.layerWithHttp(cfg).pipe(Layer.provide(countingHttp(counts))))
      const ex = Context.get(ctx, Exchange.Exchange)
      const client = Context.get(ctx, KalshiClient.KalshiClient)
      yield* ex.loadMarkets()
      // let the start-up reads settle and the write bucket refill to its steady state
      yield* Effect.sleep(1500)
      const requests = tickers.flatMap((t) => [
        Order.OrderRequest.make({
          symbol: Ids.Symbol.make(t),
          side: "buy",
          price: D.d("0.05"),
          amount: D.d("1"),
          postOnly: true
        }),
        Order.OrderRequest.make({
          symbol: Ids.Symbol.make(t),
          side: "sell",
          price: D.d("0.95"),
          amount: D.d("1"),
          postOnly: true
        })
      ])
      const lanes0 = structuredClone(client.limiter.stats().lanes)
      const writes0 = counts.orderWrites
      const all0 = counts.all
      const t0 = performance.now()
      let placed: Array<Order.Order> = []
      let failed = 0
      if (mode === "batched") {
        const r = yield* ex.createOrders(requests)
        for (const x of r) {
          if (Either.isRight(x)) placed.push(x.right)
          else failed++
        }
        const c = yield* ex.cancelOrders(placed.map((o) => o.id))
        failed += c.filter(Either.isLeft).length
      } else {
        placed = []
        for (const rq of requests) {
          const x = yield* Effect.either(ex.createOrder(rq))
          if (Either.isRight(x)) placed.push(x.right)
          else failed++
        }
        for (const o of placed) {
          const x = yield* Effect.either(ex.cancelOrder(o.id, o.symbol))
          if (Either.isLeft(x)) failed++
        }
      }
      const wall = performance.now() - t0
      const lanes1 = client.limiter.stats().lanes
      const tokens = lanes1.create.tokens - lanes0.create.tokens + (lanes1.cancel.tokens - lanes0.cancel.tokens)
      return {
        wall_ms: Math.round(wall),
        tokens,
        requests: counts.orderWrites - writes0,
        all_requests: counts.all - all0,
        orders_placed: placed.length,
        failures: failed,
        rate_limited: client.limiter.stats().rateLimited
      }
    })
  )

export interface BatchingOptions {
  readonly log: (line: string) => void
}

export const run = (o: BatchingOptions) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const sim = yield* KalshiSim.make({ seed: 13, markets: 50, tier: "basic", rateLimit: true, flow: false })
        const tickers = (yield* sim.tickers).slice(0, 50)
        const batched = yield* variant(sim, tickers, "batched")
        o.log(`batching: batched ${JSON.stringify(batched)}`)
        const single = yield* variant(sim, tickers, "single")
        o.log(`batching: single ${JSON.stringify(single)}`)
        return { orders: tickers.length * 2, markets: tickers.length, batched, single }
      }).pipe(Logger.withMinimumLogLevel(LogLevel.Warning))
    )
  )
