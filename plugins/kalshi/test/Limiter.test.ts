import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as KalshiLimiter from "../src/KalshiLimiter.js"

/** Kalshi's own bucket, as the venue runs it: full at start, continuous refill, take if enough. */
const venueBucket = (rate: number, capacity: number) => {
  let tokens = capacity
  let last = 0
  return (cost: number, now: number): boolean => {
    tokens = Math.min(capacity, tokens + ((now - last) * rate) / 1000)
    last = now
    if (tokens + 1e-9 >= cost) {
      tokens -= cost
      return true
    }
    return false
  }
}

describe("KalshiLimiter", () => {
  it.scoped("saturating the write budget for 30 s of TestClock time: 0 × 429 and ≥ 95 % used", () =>
    Effect.gen(function* () {
      const limiter = yield* KalshiLimiter.make({ ...KalshiLimiter.basicLimits })
      const venue = venueBucket(100, 100)
      let ok = 0
      let rejected = 0
      let spent = 0
      // 8 workers with more demand (8 × 60 creates) than 30 s of budget can serve (≈ 300)
      const worker = Effect.gen(function* () {
        for (let i = 0; i < 60; i++) {
          yield* limiter.acquire("create", 10)
          const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
          if (venue(10, now)) {
            ok++
            spent += 10
          } else rejected++
        }
      })
      const fibers = yield* Effect.forEach([1, 2, 3, 4, 5, 6, 7, 8], () => Effect.fork(worker))
      for (let t = 0; t < 30_000; t += 25) yield* TestClock.adjust(25)
      yield* Effect.forEach(fibers, Fiber.interrupt)
      const budget = 100 * 30 // tokens refilled over 30 s (the initial bucket is extra headroom)
      console.log(
        `limiter: ${ok} creates, ${spent}/${budget} tokens (${((100 * spent) / budget).toFixed(1)} %), ${rejected} × 429`
      )
      assert.strictEqual(rejected, 0)
      assert.isAtLeast(spent / budget, 0.95)
    })
  )

  it.scoped("priority lanes: waiting cancels go before amends before creates", () =>
    Effect.gen(function* () {
      const limiter = yield* KalshiLimiter.make({ ...KalshiLimiter.basicLimits, initialFill: 0, reserve: 0 })
      const order: Array<string> = []
      const take = (lane: KalshiLimiter.Lane, cost: number) =>
        Effect.fork(limiter.acquire(lane, cost).pipe(Effect.tap(() => Effect.sync(() => order.push(lane)))))
      const a = yield* take("create", 10)
      const b = yield* take("amend", 10)
      const c = yield* take("cancel", 2)
      // let every fork reach its queue before time moves (otherwise one may start after the adjust)
      const queued = () => {
        const l = limiter.stats().lanes
        return l.create.waiting + l.amend.waiting + l.cancel.waiting
      }
      while (queued() < 3) yield* Effect.yieldNow()
      yield* TestClock.adjust(1000)
      yield* Effect.forEach([a, b, c], Fiber.join)
      assert.deepStrictEqual(order, ["cancel", "amend", "create"])
    })
  )

  it.scoped("the reserve keeps an emergency cancel-all affordable", () =>
    Effect.gen(function* () {
      const limiter = yield* KalshiLimiter.make({ ...KalshiLimiter.basicLimits, initialFill: 1, reserve: 10 })
      // creates can spend 90 of the 100 tokens, then must wait
      for (let i = 0; i < 9; i++) assert.isTrue(yield* limiter.tryAcquire("create", 10))
      assert.isFalse(yield* limiter.tryAcquire("create", 10))
      assert.isTrue(yield* limiter.tryAcquire("emergency", 2))
    })
  )

  it.scoped("a 429 drains the bucket, pauses the lane with backoff and slows the rate", () =>
    Effect.gen(function* () {
      const limiter = yield* KalshiLimiter.make({ ...KalshiLimiter.basicLimits, initialFill: 1, baseBackoffMs: 200 })
      yield* limiter.onRateLimited("create")
      const f = yield* Effect.fork(limiter.acquire("create", 10))
      yield* TestClock.adjust(99)
      assert.isNull(f.unsafePoll()) // backoff ≥ 100 ms (200 × jitter 0.5–1.5)
      yield* TestClock.adjust(1000)
      yield* Fiber.join(f)
      const s = limiter.stats()
      assert.strictEqual(s.rateLimited, 1)
      assert.isBelow(s.buckets.write.factor, 0.99)
    })
  )

  it.scoped("a batch costing more than the bucket can hold fails fast", () =>
    Effect.gen(function* () {
      const limiter = yield* KalshiLimiter.make({ ...KalshiLimiter.basicLimits })
      const r = yield* Effect.either(limiter.acquire("create", 200))
      assert.isTrue(r._tag === "Left")
      assert.strictEqual(limiter.maxCost("create"), 90)
    })
  )

  it("costs come from the endpoint list, templated paths included", () => {
    const costs = KalshiLimiter.makeCosts(10, [
      { method: "DELETE", path: "/trade-api/v2/portfolio/events/orders/{order_id}", cost: 2 },
      { method: "GET", path: "/trade-api/v2/portfolio/orders/{order_id}", cost: 2 }
    ])
    assert.strictEqual(costs.of("DELETE", "/portfolio/events/orders/abc"), 2)
    assert.strictEqual(costs.of("GET", "/portfolio/orders/abc?x=1"), 2)
    assert.strictEqual(costs.of("GET", "/portfolio/orders"), 10)
    assert.strictEqual(costs.of("POST", "/portfolio/events/orders"), 10)
  })
})
