/**
 * A background poll that costs nothing while there is nothing to poll for. It behaves like
 * `Effect.repeat(check, Schedule.spaced(period))` where `check` runs `step` when `busy` holds, but an idle
 * loop does not wake every period to find nothing: it waits for `wake()` (called where work is added) and
 * then polls at the first point of the grid the plain repeat would have kept (its last poll plus whole
 * periods; a wake-up right on a grid point polls one period later, as if that point's poll had just run).
 */
import * as Effect from "effect/Effect"

/** Called where work is added (an unknown write marked, a disagreement registered). */
export interface Signal {
  readonly wake: () => void
}

interface SignalImpl extends Signal {
  /** set by `wake`, cleared before each poll reads the state */
  woken: boolean
  waiter: ((e: Effect.Effect<void>) => void) | undefined
}

export const makeSignal = (): Signal => {
  const s: SignalImpl = {
    woken: false,
    waiter: undefined,
    wake: () => {
      s.woken = true
      const w = s.waiter
      if (w !== undefined) {
        s.waiter = undefined
        w(Effect.void)
      }
    }
  }
  return s
}

/** Runs forever: `step` every `periodMs` while `busy` holds, asleep until `signal` wakes it otherwise. */
export const run = (
  signal: Signal,
  periodMs: number,
  busy: Effect.Effect<boolean>,
  step: Effect.Effect<unknown>
): Effect.Effect<never> =>
  Effect.flatMap(Effect.clock, (clock) => {
    const s = signal as SignalImpl
    const idle = Effect.async<void>((resume) => {
      if (s.woken) return resume(Effect.void)
      s.waiter = resume
      return Effect.sync(() => {
        if (s.waiter === resume) s.waiter = undefined
      })
    })
    const check = Effect.suspend(() => {
      s.woken = false
      return Effect.flatMap(busy, (b) => (b ? Effect.as(step, true) : Effect.succeed(false)))
    })
    const loop: Effect.Effect<never> = Effect.flatMap(check, (worked) => {
      const last = clock.unsafeCurrentTimeMillis()
      if (worked) return Effect.zipRight(Effect.sleep(periodMs), loop)
      return Effect.flatMap(idle, () => {
        const gone = clock.unsafeCurrentTimeMillis() - last
        return Effect.zipRight(Effect.sleep(periodMs > 0 ? periodMs - (gone % periodMs) : 0), loop)
      })
    })
    return loop
  })

/** `effect`, then a sleep of `periodMs`, forever (a spaced repeat without a schedule driver stepped per round). */
export const every = (periodMs: number, effect: Effect.Effect<unknown>): Effect.Effect<never> => {
  const loop: Effect.Effect<never> = Effect.flatMap(Effect.zipRight(effect, Effect.sleep(periodMs)), () => loop)
  return loop
}
