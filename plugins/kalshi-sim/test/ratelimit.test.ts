import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { order, setup, TICKER } from "./client.js"

describe("token buckets (REFERENCE §8)", () => {
  it.scopedLive("Basic write bucket: 10 creates, then 429 with no Retry-After; refills continuously", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      for (let i = 0; i < 10; i++) {
        const r = yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.10", "1"))
        assert.strictEqual(r.status, 201)
      }
      const limited = yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.10", "1"))
      assert.strictEqual(limited.status, 429)
      assert.deepStrictEqual(limited.body, { error: "too many requests" })
      assert.strictEqual(limited.headers["retry-after"], undefined)
      assert.isFalse(Object.keys(limited.headers).some((h) => h.startsWith("x-ratelimit")))
      // reads use the separate read bucket
      assert.strictEqual((yield* client.get("/portfolio/balance")).status, 200)
      yield* sim.advance(10) // 100 tokens/s × 10 ms = 1 token: not enough for 10
      assert.strictEqual(
        (yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.10", "1"))).status,
        429
      )
      yield* sim.advance(100) // 10 more tokens
      assert.strictEqual(
        (yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.10", "1"))).status,
        201
      )
      // cancels cost 2
      yield* sim.advance(1000)
      const ids = (yield* client.get("/portfolio/orders?status=resting")).body.orders.map(
        (o: { order_id: string }) => o.order_id
      )
      for (let i = 0; i < 11; i++) {
        const r = yield* client.del(`/portfolio/events/orders/${ids[i]}`)
        assert.strictEqual(r.status, 200)
      }
    })
  )

  it.scopedLive("whole batch must fit: 11 creates (110 tokens) rejected even on a full bucket; 10 pass", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const mk = (n: number) => ({ orders: Array.from({ length: n }, () => order(TICKER, "bid", "0.10", "1")) })
      const tooBig = yield* client.post("/portfolio/events/orders/batched", mk(11))
      assert.strictEqual(tooBig.status, 429)
      assert.deepStrictEqual(tooBig.body, { error: "too many requests" })
      assert.strictEqual((yield* client.get("/portfolio/orders")).body.orders.length, 0)
      const fits = yield* client.post("/portfolio/events/orders/batched", mk(10))
      assert.strictEqual(fits.status, 201)
      assert.strictEqual(fits.body.orders.length, 10)
      yield* sim.advance(1000)
      const ids = fits.body.orders.map((o: { order_id: string }) => ({ order_id: o.order_id }))
      // batch cancel: 2 per item
      const bc = yield* client.del("/portfolio/events/orders/batched", { orders: ids })
      assert.strictEqual(bc.status, 200)
    })
  )

  it.scopedLive("Basic read bucket 200: 20 reads then 429; tier switch changes limits", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      for (let i = 0; i < 20; i++) assert.strictEqual((yield* client.get("/portfolio/balance")).status, 200)
      assert.strictEqual((yield* client.get("/portfolio/balance")).status, 429)
      // GET order costs 2: still limited at 0 tokens
      yield* sim.control.setTier("advanced")
      const l = yield* client.get("/account/limits")
      assert.deepStrictEqual(l.body.write, { refill_rate: 300, bucket_capacity: 600 })
      assert.deepStrictEqual(l.body.read, { refill_rate: 300, bucket_capacity: 600 })
      assert.strictEqual(l.body.usage_tier, "advanced")
    })
  )

  it.scopedLive("public market data is not billed", () =>
    Effect.gen(function* () {
      const { client } = yield* setup()
      for (let i = 0; i < 40; i++)
        assert.strictEqual((yield* client.get("/markets?limit=1", { auth: false })).status, 200)
    })
  )
})
