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
