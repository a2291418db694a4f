import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import * as Poller from "../src/internal/venue/poller.js"

/** A poller with `work` items to do: each step takes one and records the (test clock) time it ran at. */
const setup = Effect.gen(function* () {
  const signal = Poller.makeSignal()
  const state = { work: 0, checks: 0, steps: [] as Array<number> }
  const busy = Effect.sync(() => {
    state.checks++
    return state.work > 0
  })
  const step = Effect.flatMap(Effect.clock, (c) =>
    Effect.sync(() => {
      state.steps.push(c.unsafeCurrentTimeMillis())
      state.work--
    })
  )
  yield* Effect.forkScoped(Poller.run(signal, 250, busy, step))
  yield* Effect.yieldNow()
  const add = (n: number) =>
    Effect.sync(() => {
      state.work += n
      signal.wake()
    })
  return { state, add }
})

describe("Poller", () => {
  it.scoped("idle: one check at start, none while nothing is added", () =>
    Effect.gen(function* () {
      const { state } = yield* setup
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(state.checks, 1)
      assert.deepStrictEqual(state.steps, [])
    })
  )

  it.scoped("woken between grid points: polls on the spaced repeat's grid, then every period until empty", () =>
    Effect.gen(function* () {
      const { state, add } = yield* setup
      yield* TestClock.adjust("1100 millis")
      yield* add(3)
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(state.steps, [1250, 1500, 1750])
    })
  )

  it.scoped("woken right on a grid point: that point's poll counts as done, the next one is a period later", () =>
    Effect.gen(function* () {
      const { state, add } = yield* setup
      yield* TestClock.adjust("500 millis")
      yield* add(1)
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(state.steps, [750])
    })
  )

  it.scoped("work added while busy joins the running cadence", () =>
    Effect.gen(function* () {
      const { state, add } = yield* setup
      yield* TestClock.adjust("100 millis")
      yield* add(1)
      yield* TestClock.adjust("300 millis")
      yield* add(1)
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(state.steps, [250, 500])
    })
  )
})
