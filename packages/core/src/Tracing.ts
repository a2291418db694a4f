/**
 * Spans and deadlines priced for the write path.
 *
 * - `traced`: a span only when someone is tracing. Effect's `withSpan` costs ~13 µs per call (measured, this
 *   machine) even when nothing exports spans; with the built-in tracer in place — nobody installed one
 *   (`Layer.setTracer`, OpenTelemetry) — the effect runs bare. Install a tracer and every span is there.
 * - `deadline`: the effect's result, or `onTimeout`'s error once `ms` have passed (the effect is then
 *   interrupted). `Effect.timeoutFail` races two forked fibers (~25 µs a call, measured); on the live clock
 *   this forks the effect once and arms a plain timer (~5 µs). Under any other `Clock` (a `TestClock`) it is
 *   `Effect.timeoutFail`, so tests move time as they always do.
 */
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as Tracer from "effect/Tracer"

const builtIn: Tracer.Tracer = Effect.runSync(Effect.tracer)
const liveClock: Clock.Clock = Effect.runSync(Effect.clock)

export interface SpanOptions {
  readonly attributes?: Record<string, unknown>
}

/** `effect` inside a span named `name` when a tracer is installed; `effect` itself otherwise. */
export const traced =
  (name: string, options: SpanOptions = {}) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.tracerWith((tracer) =>
      tracer === builtIn
        ? effect
        : Effect.withSpan(effect, name, {
            ...(options.attributes !== undefined ? { attributes: options.attributes } : {}),
            captureStackTrace: false
          })
    )

/** `effect`'s result, or `onTimeout()` as an error after `ms` (and `effect` interrupted). */
export const deadline =
  <E2>(ms: number, onTimeout: () => E2) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | E2, R> =>
    Effect.clockWith((clock) =>
      clock === liveClock ? timed(effect, ms, onTimeout) : Effect.timeoutFail(effect, { duration: ms, onTimeout })
    )

const timed = <A, E, R, E2>(effect: Effect.Effect<A, E, R>, ms: number, onTimeout: () => E2) =>
  Effect.flatMap(Effect.fork(effect), (fiber) =>
    Effect.async<A, E | E2>((resume) => {
      // the callback adapter: a timer and the fiber's exit, whichever comes first, answers once
      let answered = false
      const answer = (result: Effect.Effect<A, E | E2>) => {
        if (answered) return
        answered = true
        resume(result)
      }
      const timer = setTimeout(() => answer(Effect.zipRight(Fiber.interruptFork(fiber), Effect.fail(onTimeout()))), ms)
      fiber.addObserver((exit) => {
        clearTimeout(timer)
        answer(exit)
      })
      return Effect.zipRight(
        Effect.sync(() => {
          answered = true
          clearTimeout(timer)
        }),
        Fiber.interruptFork(fiber)
      )
    })
  )
