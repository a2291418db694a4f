import { assert, describe, it } from "@effect/vitest"
import type * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as Tracer from "effect/Tracer"
import * as Tracing from "../src/Tracing.js"

/** A tracer that records the names of the spans it is asked for. */
const recording = () => {
  const names: Array<string> = []
  const base = Effect.runSync(Effect.tracer)
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      names.push(name)
      return base.span(name, parent, context, links, startTime, kind, options)
    },
    context: (f) => f()
  })
  return { names, tracer }
}

describe("traced", () => {
  it.effect("no span when nobody traces; the span when a tracer is installed", () =>
    Effect.gen(function* () {
      const bare = yield* Effect.currentSpan.pipe(Effect.option, Tracing.traced("Exchange.editOrder"))
      assert.isTrue(Option.isNone(bare))
      const { names, tracer } = recording()
      const inside = yield* Effect.currentSpan.pipe(
        Tracing.traced("Exchange.editOrder", { attributes: { venue: "v" } }),
        Effect.withTracer(tracer)
      )
      assert.deepStrictEqual(names, ["Exchange.editOrder"])
      assert.strictEqual(inside.name, "Exchange.editOrder")
      assert.strictEqual(inside.attributes.get("venue"), "v")
    })
  )
})

describe("deadline", () => {
  const late = () => "late" as const
  it.effect("a clock with its own timer (a simulated clock) has it armed and disarmed, no sleeping fiber", () =>
    Effect.gen(function* () {
      const armed: Array<number> = []
      let disarmed = 0
      const due: Array<() => void> = []
      const base = yield* Effect.clock
      const clock: Tracing.TimerClock = Object.assign(Object.create(base) as Clock.Clock, {
        unsafeSchedule: (ms: number, callback: () => void) => {
          armed.push(ms)
          due.push(callback)
          return () => {
            disarmed++
          }
        }
      })
      const d = yield* Deferred.make<number>()
      const answered = yield* Deferred.await(d).pipe(Tracing.deadline(500, late), Effect.fork, Effect.withClock(clock))
      yield* Effect.yieldNow()
      yield* Deferred.succeed(d, 7)
      assert.strictEqual(yield* Fiber.join(answered), 7)
      assert.deepStrictEqual(armed, [500])
      assert.strictEqual(disarmed, 1)
      // its timer firing answers `onTimeout` and interrupts the effect
      let interrupted = false
      const hung = yield* Effect.never.pipe(
        Effect.onInterrupt(() => Effect.sync(() => (interrupted = true))),
        Tracing.deadline(250, late),
        Effect.either,
        Effect.fork,
        Effect.withClock(clock)
      )
      yield* Effect.yieldNow()
      assert.deepStrictEqual(armed, [500, 250])
      due[1]!()
      assert.deepStrictEqual(yield* Fiber.join(hung), Either.left("late"))
      yield* Effect.yieldNow()
      assert.isTrue(interrupted)
    })
  )
  it.live("passes a result or an error through; past the deadline fails and interrupts the effect", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* Effect.succeed(1).pipe(Tracing.deadline(1000, late)), 1)
      const failed = yield* Effect.fail("no" as const).pipe(Tracing.deadline(1000, late), Effect.either)
      assert.deepStrictEqual(failed, Either.left("no"))
      let interrupted = false
      const hung = yield* Effect.never.pipe(
        Effect.onInterrupt(() => Effect.sync(() => (interrupted = true))),
        Tracing.deadline(20, late),
        Effect.either
      )
      assert.deepStrictEqual(hung, Either.left("late"))
      yield* Effect.sleep(10)
      assert.isTrue(interrupted)
    })
  )
  it.live("the effect starts at once, before fibers already waiting for the scheduler", () =>
    Effect.gen(function* () {
      const order: Array<string> = []
      yield* Effect.fork(Effect.sync(() => order.push("other fiber")))
      yield* Effect.sync(() => order.push("effect")).pipe(
        Effect.zipRight(Effect.sleep(1)),
        Tracing.deadline(1000, late)
      )
      assert.deepStrictEqual(order, ["effect", "other fiber"])
    })
  )
  it.live("interrupting the caller interrupts the effect", () =>
    Effect.gen(function* () {
      let interrupted = false
      const fiber = yield* Effect.never.pipe(
        Effect.onInterrupt(() => Effect.sync(() => (interrupted = true))),
        Tracing.deadline(60_000, late),
        Effect.fork
      )
      yield* Effect.sleep(5)
      yield* Fiber.interrupt(fiber)
      yield* Effect.sleep(5)
      assert.isTrue(interrupted)
    })
  )
  it.effect("under a TestClock the deadline moves with the test's time", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.never.pipe(Tracing.deadline(30_000, late), Effect.either, Effect.fork)
      yield* TestClock.adjust("30 seconds")
      assert.deepStrictEqual(yield* Fiber.join(fiber), Either.left("late"))
    })
  )
})
