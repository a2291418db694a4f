import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { KalshiSim } from "../src/index.js"
import { makeClient } from "./client.js"

const bookOf = (sim: KalshiSim.SimHandle, ticker: string) =>
  Effect.gen(function* () {
    const anon = makeClient(sim, { keyId: "", privateKeyPem: "" })
    return (yield* anon.get(`/markets/${ticker}/orderbook`, { auth: false })).body.orderbook_fp
  })

describe("synthetic flow", () => {
  it.scopedLive("deterministic under a seed; books move and spreads vary", () =>
    Effect.gen(function* () {
      const run = (seed: number) =>
        Effect.gen(function* () {
          const sim = yield* KalshiSim.make({ clock: "manual", pingIntervalMs: 0, seed, flow: { ratePerSec: 50 } })
          yield* sim.advance(20_000)
          const tickers = yield* sim.tickers
          const books = []
          for (const t of tickers) books.push(yield* bookOf(sim, t))
          return books
        })
      const a = yield* Effect.scoped(run(7))
      const b = yield* Effect.scoped(run(7))
      const c = yield* Effect.scoped(run(8))
      assert.deepStrictEqual(a, b)
      assert.notDeepEqual(a, c)
      // spreads in ticks across markets
      const spreads = a
        .filter((bk) => bk.yes_dollars.length > 0 && bk.no_dollars.length > 0)
        .map((bk) => {
          const bid = Number(bk.yes_dollars.at(-1)[0])
          const ask = 1 - Number(bk.no_dollars.at(-1)[0])
          return Math.round((ask - bid) * 10_000)
        })
      assert.isAbove(spreads.length, 3)
      assert.isTrue(spreads.every((s) => s > 0))
    })
  )

  it.scoped("flow is driven by the Effect clock (TestClock)", () =>
    Effect.gen(function* () {
      const sim = yield* KalshiSim.make({ clock: "effect", pingIntervalMs: 0, flow: { ratePerSec: 20 }, markets: 1 })
      const trades0 = yield* sim.stats
      assert.strictEqual(trades0.wsConnections, 0)
      const t = (yield* sim.tickers)[0]!
      const before = yield* bookOf(sim, t)
      yield* TestClock.adjust("30 seconds")
      const after = yield* bookOf(sim, t)
      assert.notDeepEqual(before, after)
    })
  )
})

describe("layer", () => {
  it.scopedLive("KalshiSim.layer provides the KalshiSim tag", () =>
    Effect.gen(function* () {
      const sim = yield* KalshiSim.KalshiSim
      assert.match(sim.restUrl, /^http:\/\/127\.0\.0\.1:\d+\/trade-api\/v2$/)
      assert.match(sim.wsUrl, /^ws:\/\/127\.0\.0\.1:\d+\/trade-api\/ws\/v2$/)
    }).pipe(Effect.provide(KalshiSim.layer({ clock: "manual", pingIntervalMs: 0 })))
  )
})
