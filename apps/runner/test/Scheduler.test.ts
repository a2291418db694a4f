import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Scheduler from "effect/Scheduler"
import { ImmediateYieldScheduler, scheduler } from "../src/Scheduler.js"

/** Yields `n` times; `at` is called once, after the first yield, to schedule foreign work. */
const loop = (n: number, seen: { i: number }, at: () => void) =>
  Effect.gen(function* () {
    for (seen.i = 0; seen.i < n; seen.i++) {
      yield* Effect.yieldNow()
      if (seen.i === 0) at()
    }
  })

const whenTickRan = (s: Scheduler.Scheduler) =>
  Effect.gen(function* () {
    const seen = { i: 0 }
    let ranAt = -1
    yield* loop(1000, seen, () => process.nextTick(() => (ranAt = seen.i))).pipe(Effect.withScheduler(s))
    yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve))) // it has run by now
    return ranAt
  })

describe("the runner's scheduler", () => {
  it.live("a next-tick callback (node:http handing a request its socket) runs in turn, not after every fiber", () =>
    Effect.gen(function* () {
      const ours = yield* whenTickRan(scheduler)
      const stock = yield* whenTickRan(Scheduler.defaultScheduler)
      // under Effect's default the tick waited for the whole chain of 1000 yields; under ours, a couple
      assert.isAtMost(ours, 2)
      assert.strictEqual(stock, 1000)
    })
  )

  it.live("long runs yield to the event loop with setImmediate, never a 1 ms setTimeout(0)", () =>
    Effect.gen(function* () {
      const timeout = globalThis.setTimeout
      let timers = 0
      let immediateRan = false
      globalThis.setTimeout = ((...args: Parameters<typeof timeout>) => {
        timers++
        return timeout(...args)
      }) as typeof timeout
      try {
        const seen = { i: 0 }
        yield* loop(10_000, seen, () => setImmediate(() => (immediateRan = true))).pipe(Effect.withScheduler(scheduler))
      } finally {
        globalThis.setTimeout = timeout
      }
      assert.strictEqual(timers, 0)
      // 10,000 yields are past 2048 drains in a row: the loop gave the event loop a turn
      assert.isTrue(immediateRan)
    })
  )

  it.live("a burst of many fibers, each short of 2048 drains, still lets the event loop turn every few ms", () =>
    Effect.gen(function* () {
      // 100 fibers × 100 yields, each drain ~0.1 ms of work: 1 s of next ticks under a depth-only rule
      const spin = (ms: number) => {
        const end = performance.now() + ms
        while (performance.now() < end) {}
      }
      const fiberWork = Effect.gen(function* () {
        for (let i = 0; i < 100; i++) {
          spin(0.1)
          yield* Effect.yieldNow()
        }
      })
      let turns = 0
      let busy = true
      const tick = () => {
        turns++
        if (busy) setImmediate(tick)
      }
      setImmediate(tick)
      const started = performance.now()
      yield* Effect.forEach(Array.from({ length: 100 }), () => fiberWork, {
        concurrency: "unbounded",
        discard: true
      }).pipe(Effect.withScheduler(new ImmediateYieldScheduler(2048, 5)))
      busy = false
      const elapsedMs = performance.now() - started
      // the event loop turned all along (about once per 5 ms of work), not once at the end
      assert.isAtLeast(turns, Math.floor(elapsedMs / 50))
      assert.isAtLeast(turns, 10)
    })
  )
})
