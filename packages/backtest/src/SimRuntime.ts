/**
 * A deterministic discrete-event runtime for Effect programs: a simulated `Clock` and a `Scheduler` that only
 * runs fibers when asked. `run(program)` drives it: run every ready fiber until none is (quiescence), then move
 * the clock to the earliest sleeper and wake it, until the program ends. No real time passes and nothing runs
 * concurrently, so the same program on the same input gives the same result, byte for byte, however loaded
 * the machine is — the property a backtest needs.
 *
 * The program must not wait on real I/O (a socket, a timer of its own, a promise): nothing would ever wake
 * it, and `run` fails with "stalled" rather than hang. Synchronous I/O (an SQLite journal) is fine.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Random from "effect/Random"
import type * as Scheduler from "effect/Scheduler"

interface Sleeper {
  readonly at: number
  readonly order: number
  wake: (() => void) | undefined
}

/** A binary heap of sleepers by (time, order of sleeping): equal times wake in the order they slept. */
class Sleepers {
  private readonly heap: Array<Sleeper> = []
  private order = 0
  get size(): number {
    return this.heap.length
  }
  push(at: number, wake: () => void): Sleeper {
    const s: Sleeper = { at, order: this.order++, wake }
    const h = this.heap
    h.push(s)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!before(h[i]!, h[p]!)) break
      ;[h[i], h[p]] = [h[p]!, h[i]!]
      i = p
    }
    return s
  }
  peek(): Sleeper | undefined {
    return this.heap[0]
  }
  pop(): Sleeper | undefined {
    const h = this.heap
    const top = h[0]
    const last = h.pop()
    if (h.length > 0 && last !== undefined) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && before(h[l]!, h[m]!)) m = l
        if (r < h.length && before(h[r]!, h[m]!)) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m]!, h[i]!]
        i = m
      }
    }
    return top
  }
}
const before = (a: Sleeper, b: Sleeper) => a.at < b.at || (a.at === b.at && a.order < b.order)

/** Runs fibers only when `drain` is called, in the order they were scheduled. */
export class StepScheduler implements Scheduler.Scheduler {
  private tasks: Array<Scheduler.Task> = []
  /** tasks run so far */
  steps = 0
  scheduleTask(task: Scheduler.Task, _priority: number): void {
    this.tasks.push(task)
  }
  shouldYield(fiber: Fiber.RuntimeFiber<unknown, unknown>): number | false {
    return fiber.currentOpCount > 2048 ? 0 : false
  }
  get pending(): number {
    return this.tasks.length
  }
  /** runs tasks until none is left (tasks scheduled meanwhile included); false if `limit` was hit */
  drain(limit: number): boolean {
    let n = 0
    while (this.tasks.length > 0) {
      const batch = this.tasks
      this.tasks = []
      for (const t of batch) t()
      n += batch.length
      this.steps += batch.length
      if (n > limit) return this.tasks.length === 0
    }
    return true
  }
}

/** The simulated clock: time moves only when the runtime moves it. */
export class SimClock implements Clock.Clock {
  readonly [Clock.ClockTypeId]: Clock.ClockTypeId = Clock.ClockTypeId
  readonly sleepers = new Sleepers()
  /** one effect each, built once: every fiber reads the clock on its hot path */
  readonly currentTimeMillis: Effect.Effect<number> = Effect.sync(() => this.now)
  readonly currentTimeNanos: Effect.Effect<bigint> = Effect.sync(() => this.unsafeCurrentTimeNanos())
  constructor(public now: number) {}
  /**
   * a plain timer on simulated time (core `Tracing.TimerClock`): the write deadlines arm it instead of
   * forking a sleeping fiber, as they arm `setTimeout` on the live clock
   */
  readonly unsafeSchedule = (ms: number, callback: () => void): (() => void) => {
    const s = this.sleepers.push(this.now + Math.max(0, ms), callback)
    return () => {
      s.wake = undefined
    }
  }
  unsafeCurrentTimeMillis(): number {
    return this.now
  }
  unsafeCurrentTimeNanos(): bigint {
    return BigInt(this.now) * 1_000_000n
  }
  /**
   * No canceler (the interrupt handler it needs costs more than the sleep itself): an interrupted sleeper stays
   * in the heap until its time, when its wake-up is ignored by its fiber (the clock passes a time where nothing
   * runs; it only moves forward, so no live sleeper wakes earlier or later, nor out of order).
   */
  sleep(duration: Duration.Duration): Effect.Effect<void> {
    const ms = Math.max(0, Duration.toMillis(duration))
    return Effect.async<void>((resume) => {
      this.sleepers.push(this.now + ms, () => resume(Effect.void))
    })
  }
}

export class Stalled extends Error {}

export interface RunOptions {
  /** the simulated start time (epoch ms) */
  readonly startMs: number
  /** most tasks run without the clock moving before the program counts as spinning (default 5 000 000) */
  readonly spinLimit?: number
  /** called after every clock move (progress reporting); `now` is simulated time */
  readonly onAdvance?: (now: number) => void
  /**
   * seeds Effect's `Random` for the whole program (what runs inside it — e.g. the LIP sampler's offset inside
   * each second — draws from it): the same seed, the same run
   */
  readonly seed: number
}

export interface RunResult<A, E> {
  readonly exit: Exit.Exit<A, E>
  readonly endMs: number
  /** fiber steps run (a measure of work) */
  readonly steps: number
}

/**
 * Runs `program` on the simulated clock to its end (synchronously: call it from an Effect edge). Fails with
 * `Stalled` when nothing can move (every fiber waits on something other than the clock) or a fiber spins.
 */
export const run = <A, E>(program: Effect.Effect<A, E>, options: RunOptions): RunResult<A, E> => {
  const scheduler = new StepScheduler()
  const clock = new SimClock(options.startMs)
  const spin = options.spinLimit ?? 5_000_000
  const fiber = Effect.runFork(Effect.withRandom(Effect.withClock(program, clock), Random.make(options.seed)), {
    scheduler
  })
  for (;;) {
    if (!scheduler.drain(spin))
      throw new Stalled(`the program does not settle at ${new Date(clock.now).toISOString()} (a fiber spins)`)
    const exit = fiber.unsafePoll()
    if (exit !== null) return { exit, endMs: clock.now, steps: scheduler.steps }
    // the earliest sleeper still waiting
    let next = clock.sleepers.pop()
    while (next !== undefined && next.wake === undefined) next = clock.sleepers.pop()
    if (next === undefined) {
      throw new Stalled(
        `the program waits on something other than the simulated clock at ${new Date(clock.now).toISOString()}`
      )
    }
    if (next.at > clock.now) {
      clock.now = next.at
      options.onAdvance?.(clock.now)
    }
    const wake = next.wake!
    next.wake = undefined
    wake()
    // every sleeper due at the same instant, in the order they slept
    for (let s = clock.sleepers.peek(); s !== undefined && s.at <= clock.now; s = clock.sleepers.peek()) {
      clock.sleepers.pop()
      const w = s.wake
      s.wake = undefined
      w?.()
    }
  }
}
