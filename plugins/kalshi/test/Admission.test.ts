/**
 * An admitted batch goes out at once: the order group a maker batch joins is created before the batch's
 * tokens are taken, so the first batch is not held back behind it and bunched with the next (a 429).
 */
import { Decimal as D, Exchange, Ids, Order } from "@alpha-hunter/core"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import { KalshiClient } from "../src/KalshiClient.js"
import * as KalshiExchange from "../src/KalshiExchange.js"

describe("batch admission", () => {
  it.scopedLive("30 maker orders at the Basic tier, the order group created on the way: no 429, all placed", () =>
    Effect.gen(function* () {
      const sim = yield* KalshiSim.make({ seed: 3, markets: 15, flow: false })
      const tickers = yield* sim.tickers
      const key = yield* sim.generateKey({ type: "ed25519" })
      const ctx = yield* Layer.build(
        KalshiExchange.layer({
          restUrl: sim.restUrl,
          wsUrl: sim.wsUrl,
          apiKeyId: key.keyId,
          privateKey: key.privateKeyPem,
          markets: { status: "open" }
        })
      )
      const ex = Context.get(ctx, Exchange.Exchange)
      const client = Context.get(ctx, KalshiClient)
      yield* ex.loadMarkets()
      yield* Effect.sleep(1200) // the write bucket full again
      const requests = tickers.flatMap((t) =>
        (["buy", "sell"] as const).map((side) =>
          Order.OrderRequest.make({
            symbol: Ids.Symbol.make(t),
            side,
            price: D.d(side === "buy" ? "0.05" : "0.95"),
            amount: D.ONE,
            postOnly: true
          })
        )
      )
      const results = yield* ex.createOrders(requests)
      assert.strictEqual(results.filter(Either.isRight).length, requests.length)
      assert.strictEqual(client.limiter.stats().rateLimited, 0)
    })
  )
})
