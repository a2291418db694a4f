/**
 * Spans and deadlines priced for the write path.
 *
 * - `traced`: a span only when someone is tracing. Effect's `withSpan` costs ~13 µs per call (measured, this
 *   machine) even when nothing exports spans; with the built-in tracer in place — nobody installed one
 *   (`Layer.setTracer`, OpenTelemetry) — the effect runs bare. Install a tracer and every span is there.
 * - `deadline`: the effect's result, or `onTimeout`'s error once `ms` have passed (the effect is then
 *   interrupted). `Effect.timeoutFail` races two forked fibers (~25 µs a call, and the effect starts only on
 *   the scheduler's next turn); on the live clock this starts the effect at once on the caller's stack
 *   (`runFork` with `immediate`) and arms a plain timer (~3 µs, measured). A simulated clock that offers
 *   its own plain timer (`TimerClock`: the backtest's) gets the same path on that timer. Under any other
 *   `Clock` (a `TestClock`) it is `Effect.timeoutFail`, so tests move time as they always do.
 */
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import type * as Tracer from "effect/Tracer"

const builtIn: Tracer.Tracer = Effect.runSync(Effect.tracer)
const liveClock: Clock.Clock = Effect.runSync(Effect.clock)

/**
 * A `Clock` with a plain callback timer of its own (a simulated clock: the callback runs when its time has
 * come; the returned function disarms it). `deadline` arms it instead of forking a sleeping fiber.
 */
export interface TimerClock extends Clock.Clock {
  readonly unsafeSchedule: (ms: number, callback: () => void) => () => void
}

const liveTimer = (ms: number, callback: () => void): (() => void) => {
  const t = setTimeout(callback, ms)
  return () => clearTimeout(t)
}

const timerOf = (clock: Clock.Clock): TimerClock["unsafeSchedule"] | undefined =>
  clock === liveClock
    ? liveTimer
    : typeof (clock as Partial<TimerClock>).unsafeSchedule === "function"
      ? (clock as TimerClock).unsafeSchedule
      : undefined

/**
 * `f` with the current clock's plain timer: the live clock's, a `TimerClock`'s, or `undefined` under any other
 * clock (a `TestClock`: use its sleeps instead). For waits that need no fiber of their own (a `Deferred`
 * completed by the timer).
 */
export const withTimer = <A, E, R>(
  f: (schedule: TimerClock["unsafeSchedule"] | undefined) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => Effect.clockWith((clock) => f(timerOf(clock)))

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
    Effect.clockWith((clock) => {
      const timer = timerOf(clock)
      return timer !== undefined
        ? timed(effect, ms, onTimeout, timer)
        : Effect.timeoutFail(effect, { duration: ms, onTimeout })
    })

const timed = <A, E, R, E2>(
  effect: Effect.Effect<A, E, R>,
  ms: number,
  onTimeout: () => E2,
  schedule: TimerClock["unsafeSchedule"]
) =>
  Effect.flatMap(Effect.runtime<R>(), (runtime) =>
    Effect.async<A, E | E2>((resume) => {
      // the callback adapter: the effect starts at once, on this stack (no scheduler hop before an order
      // request is written); the first of its exit and the timer answers, once
      const fiber = Runtime.runFork(runtime)(effect, { immediate: true })
      const exit = fiber.unsafePoll()
      if (exit !== null) return resume(exit)
      let answered = false
      const disarm = schedule(ms, () => {
        if (answered) return
        answered = true
        fiber.unsafeInterruptAsFork(fiber.id())
        resume(Effect.fail(onTimeout()))
      })
      fiber.addObserver((exit) => {
        disarm()
        if (answered) return
        answered = true
        resume(exit)
      })
      return Effect.sync(() => {
        answered = true
        disarm()
        fiber.unsafeInterruptAsFork(fiber.id())
      })
    })
  )
