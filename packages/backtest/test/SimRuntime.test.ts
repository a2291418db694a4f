import { Tracing } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import { SimRuntime } from "../src/index.js"

describe("SimRuntime", () => {
  it("write deadlines (core Tracing.deadline) run on the simulated clock's own timer", () => {
    const late = () => "late" as const
    const program = Effect.gen(function* () {
      const t0 = yield* Clock.currentTimeMillis
      // answered before the deadline: the timer is disarmed (the run does not wait for it)
      const fast = yield* Effect.sleep("40 millis").pipe(Effect.as("fast"), Tracing.deadline(10_000, late))
      const t1 = yield* Clock.currentTimeMillis
      // past the deadline: fails at exactly the deadline and the effect is interrupted
      let interrupted = false
      const slow = yield* Effect.never.pipe(
        Effect.onInterrupt(() => Effect.sync(() => (interrupted = true))),
        Tracing.deadline(250, late),
        Effect.either
      )
      const t2 = yield* Clock.currentTimeMillis
      yield* Effect.yieldNow()
      return { fast, slow: slow._tag === "Left" ? slow.left : "right", t1: t1 - t0, t2: t2 - t0, interrupted }
    })
    const r = SimRuntime.run(program, { startMs: 5_000, seed: 1 })
    assert.isTrue(Exit.isSuccess(r.exit))
    assert.deepStrictEqual(Exit.isSuccess(r.exit) ? r.exit.value : undefined, {
      fast: "fast",
      slow: "late",
      t1: 40,
      t2: 290,
      interrupted: true
    })
    // the run ended at its last wake-up
    assert.strictEqual(r.endMs, 5_290)
  })

  it("runs sleeps, schedules and timeouts on simulated time, in a deterministic order", () => {
    const program = Effect.gen(function* () {
      const log: Array<string> = []
      const q = yield* Queue.unbounded<number>()
      const ticker = yield* Effect.fork(
        Effect.flatMap(Clock.currentTimeMillis, (t) => Queue.offer(q, t)).pipe(
          Effect.repeat(Schedule.spaced("250 millis"))
        )
      )
      yield* Effect.sleep("10 minutes")
      yield* Fiber.interrupt(ticker)
      const ticks = yield* Queue.takeAll(q)
      log.push(`ticks ${[...ticks].length}`)
      const late = yield* Effect.sleep("10 seconds").pipe(Effect.as("late"), Effect.timeout("1 second"), Effect.either)
      log.push(late._tag)
      const d = yield* Deferred.make<number>()
      yield* Effect.fork(Effect.delay(Deferred.succeed(d, 7), "5 millis"))
      log.push(`deferred ${yield* Deferred.await(d)} at ${(yield* Clock.currentTimeMillis) - 1_000}`)
      // Effect's Random follows the run's seed (the LIP sampler's offset inside each second draws from it)
      log.push(`random ${yield* Random.nextIntBetween(0, 1_000_000)}`)
      return log
    })
    const a = SimRuntime.run(program, { startMs: 1_000, seed: 1 })
    const b = SimRuntime.run(program, { startMs: 1_000, seed: 1 })
    assert.isTrue(Exit.isSuccess(a.exit))
    assert.deepStrictEqual((Exit.isSuccess(a.exit) ? a.exit.value : []).slice(0, 3), [
      "ticks 2400",
      "Left",
      "deferred 7 at 601005"
    ])
    assert.deepStrictEqual(a, b)
    const c = SimRuntime.run(program, { startMs: 1_000, seed: 2 })
    assert.notStrictEqual(Exit.isSuccess(c.exit) ? c.exit.value[3] : "", Exit.isSuccess(a.exit) ? a.exit.value[3] : "")
  })

  it("fails with Stalled when the program waits on something the clock cannot wake", () => {
    assert.throws(
      () => SimRuntime.run(Effect.never, { startMs: 0, seed: 1 }),
      /waits on something other than the simulated clock/
    )
  })
})
