/**
 * Benchmark 2 — rate limiter. 200 single creates (`POST /portfolio/events/orders`, cost 10) are fired at once
 * into kalshi-sim at the Basic write budget (100 tokens/s, capacity 100). Three limiters run at the same time,
 * each on its own simulator account (its own bucket), each over the same raw transport:
 *
 * - ours: `KalshiLimiter` with the plugin's defaults (decoded from `KalshiConfig.LimiterConfig`, and the
 *   Basic limits `KalshiExchange` starts with), lane `create`; a 429 calls `onRateLimited` and re-admits.
 * - ccxt: the `Throttler` of `new ccxt.prediction.kalshi()` exactly as ccxt configures it (leaky bucket,
 *   `rateLimit` 200 ms ⇒ refillRate 1/200 per ms, capacity 1, and cost 1 for `portfolio/events/orders`);
 *   a 429 (ccxt's `RateLimitExceeded`) is retried by re-throttling, as user code would.
 * - seed: the original design — a sliding window of (timestamp, cost) over the last second, at most 100
 *   tokens in it; when full, sleep `min(1000, 100·2^overflow)` ms and retry (overflow counts per request).
 *
 * Figures (client-side send times, `performance.now()`):
 * - budget_used_pct: tokens accepted ÷ (capacity + rate × (last accepted send − start)); an ideal client
 *   (a bucket that starts full, spent exactly) scores 100.
 * - steady_rate_pct: tokens accepted after the first second ÷ (rate × the rest of the run).
 * - windows_over_budget: every attempt (429s included) replayed through an exact bucket that starts full;
 *   the number of 1-second windows (from the start) holding an attempt that bucket would refuse.
 * - r429: 429s the simulator answered.
 * - p99_lateness_ms: k-th accepted send − ideal time of the k-th (max(0, k − 9) × 100 ms).
 */

import * as KalshiConfig from "@alpha-hunter/kalshi/KalshiConfig"
import * as KalshiLimiter from "@alpha-hunter/kalshi/KalshiLimiter"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import ccxt from "ccxt"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as RawClient from "./rawClient.js"
import { p99, sig, sleep } from "./stats.js"

/** the plugin's limiter defaults, as a user gets them */
const defaults = Schema.decodeSync(KalshiConfig.LimiterConfig)({})

const COST = 10
const RATE = 100 // tokens per second
const CAPACITY = 100

interface Attempt {
  readonly t: number
  readonly status: number
}

export interface LimiterRun {
  /** per request: the accepted send time; every attempt with its status */
  readonly accepted: Array<number>
  readonly attempts: Array<Attempt>
  readonly t0: number
}

const body = (ticker: string, cid: string) => ({
  ticker,
  side: "bid",
  price: "0.0100",
  count: "1.00",
  time_in_force: "good_till_canceled",
  self_trade_prevention_type: "taker_at_cross",
  client_order_id: cid
})

/** Sends one create and reports the attempt; never throws on an HTTP status. */
const attempt = async (client: RawClient.RawClient, ticker: string, cid: string, into: Array<Attempt>) => {
  const r = await client.request("POST", "/portfolio/events/orders", body(ticker, cid))
  into.push({ t: r.tSend, status: r.status })
  if (r.status !== 201 && r.status !== 429) throw new Error(`create ${cid}: HTTP ${r.status} ${r.text.slice(0, 200)}`)
  return r
}

const runOurs = (client: RawClient.RawClient, ticker: string, n: number): Effect.Effect<LimiterRun> =>
  Effect.scoped(
    Effect.gen(function* () {
      const limiter = yield* KalshiLimiter.make({
        ...KalshiLimiter.basicLimits,
        headroom: defaults.headroom,
        initialFill: defaults.initialFill
      })
      const attempts: Array<Attempt> = []
      const accepted: Array<number> = []
      const t0 = performance.now()
      yield* Effect.forEach(
        Array.from({ length: n }, (_, i) => i),
        (i) =>
          Effect.gen(function* () {
            while (true) {
              yield* limiter.acquire("create", COST).pipe(Effect.orDie)
              const r = yield* Effect.promise(() => attempt(client, ticker, `ours-${i}`, attempts))
              if (r.status === 429) {
                yield* limiter.onRateLimited("create")
                continue
              }
              limiter.onSuccess("create")
              accepted.push(r.tSend)
              return
            }
          }),
        { concurrency: "unbounded", discard: true }
      )
      return { accepted, attempts, t0 }
    })
  )

const runCcxt = async (client: RawClient.RawClient, ticker: string, n: number): Promise<LimiterRun> => {
  const exchange = new ccxt.prediction.kalshi({ enableRateLimit: true })
  // ccxt's own cost for the endpoint (1), read from its api description
  const cost = Number(
    (exchange.api as Record<string, Record<string, Record<string, Record<string, { cost: number }>>>>).kalshi?.private
      ?.post?.["portfolio/events/orders"]?.cost ?? 1
  )
  const attempts: Array<Attempt> = []
  const accepted: Array<number> = []
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      while (true) {
        await exchange.throttle(cost)
        const r = await attempt(client, ticker, `ccxt-${i}`, attempts)
        if (r.status === 429) continue
        accepted.push(r.tSend)
        return
      }
    })
  )
  return { accepted, attempts, t0 }
}

const runSeed = async (client: RawClient.RawClient, ticker: string, n: number): Promise<LimiterRun> => {
  const window: Array<{ t: number; cost: number }> = []
  const admit = async (cost: number) => {
    let overflow = 0
    while (true) {
      const now = performance.now()
      while (window.length > 0 && window[0]!.t <= now - 1000) window.shift()
      let used = 0
      for (const e of window) used += e.cost
      if (used + cost <= RATE) {
        window.push({ t: now, cost })
        return
      }
      await sleep(Math.min(1000, 100 * 2 ** overflow))
      overflow++
    }
  }
  const attempts: Array<Attempt> = []
  const accepted: Array<number> = []
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      while (true) {
        await admit(COST)
        const r = await attempt(client, ticker, `seed-${i}`, attempts)
        if (r.status === 429) continue
        accepted.push(r.tSend)
        return
      }
    })
  )
  return { accepted, attempts, t0 }
}

/** The figures of one run (pure; unit-tested). */
export const score = (run: LimiterRun, cost = COST, rate = RATE, capacity = CAPACITY) => {
  const acc = [...run.accepted].sort((a, b) => a - b)
  const att = [...run.attempts].sort((a, b) => a.t - b.t)
  const last = acc.length > 0 ? acc[acc.length - 1]! - run.t0 : 0
  const tokens = acc.length * cost
  const budget = capacity + (rate * last) / 1000
  const after1 = acc.filter((t) => t - run.t0 > 1000).length * cost
  const steady = last > 1000 ? (after1 / ((rate * (last - 1000)) / 1000)) * 100 : Number.NaN
  // replay every attempt through an exact bucket that starts full
  let bucket = capacity
  let prev = 0
  const over = new Set<number>()
  for (const a of att) {
    const t = a.t - run.t0
    bucket = Math.min(capacity, bucket + ((t - prev) * rate) / 1000)
    prev = t
    if (bucket + 1e-9 >= cost) bucket -= cost
    else over.add(Math.floor(t / 1000))
  }
  const free = Math.floor(capacity / cost)
  const lateness = acc.map((t, k) => t - run.t0 - Math.max(0, k + 1 - free) * ((cost / rate) * 1000))
  return {
    requests: acc.length,
    attempts: att.length,
    tokens_accepted: tokens,
    duration_ms: Math.round(last),
    budget_used_pct: sig((tokens / budget) * 100, 4),
    steady_rate_pct: sig(steady, 4),
    windows_over_budget: over.size,
    r429: att.filter((a) => a.status === 429).length,
    p99_lateness_ms: sig(p99(lateness), 4),
    max_lateness_ms: sig(Math.max(...lateness), 4)
  }
}

export interface LimiterOptions {
  readonly requests: number
  readonly log: (line: string) => void
}

export const run = (o: LimiterOptions) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const sim = yield* KalshiSim.make({ seed: 11, markets: 3, tier: "basic", rateLimit: true, flow: false })
        const ticker = (yield* sim.tickers)[0]!
        const clients = yield* Effect.forEach(["ours", "ccxt", "seed"], () =>
          sim
            .generateKey({ type: "ed25519" })
            .pipe(
              Effect.map((k) => RawClient.make(sim.host, sim.port, { keyId: k.keyId, privateKeyPem: k.privateKeyPem }))
            )
        )
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            for (const c of clients) c.close()
          })
        )
        // warm the three connections' signing and the simulator with one read each (costs no write tokens)
        yield* Effect.promise(() => Promise.all(clients.map((c) => c.request("GET", "/portfolio/balance"))))
        yield* Effect.sleep(1500) // read tokens and anything else settle; write buckets are full
        o.log(`limiter: firing ${o.requests} creates at once into each of 3 accounts (ours, ccxt, seed) concurrently`)
        const [ours, cc, seed] = yield* Effect.all(
          [
            runOurs(clients[0]!, ticker, o.requests).pipe(
              Effect.tap(() => Effect.sync(() => o.log("limiter: ours finished")))
            ),
            Effect.promise(() => runCcxt(clients[1]!, ticker, o.requests)).pipe(
              Effect.tap(() => Effect.sync(() => o.log("limiter: ccxt finished")))
            ),
            Effect.promise(() => runSeed(clients[2]!, ticker, o.requests)).pipe(
              Effect.tap(() => Effect.sync(() => o.log("limiter: seed finished")))
            )
          ],
          { concurrency: "unbounded" }
        )
        return {
          requests: o.requests,
          cost: COST,
          refill_per_s: RATE,
          capacity: CAPACITY,
          ours: score(ours),
          ccxt: score(cc),
          seed: score(seed),
          ccxt_config: {
            rateLimit_ms: 200,
            refillRate_per_ms: 1 / 200,
            capacity: 1,
            cost_per_create: 1,
            algorithm: "leakyBucket"
          },
          ours_config: { headroom: defaults.headroom, initialFill: defaults.initialFill, reserve: 10 }
        }
      })
    )
  )

export type LimiterResult = Awaited<ReturnType<typeof run>>
