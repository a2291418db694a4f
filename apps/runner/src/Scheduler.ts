/**
 * The runner's fiber scheduler. Effect's default (`MixedScheduler(2048)`) resumes fibers on promise
 * microtasks and, after 2048 drains in a row, yields with `setTimeout(0)`. Two things in it cost the
 * decision path time, both measured in the tick-to-order bench:
 *
 * - Node runs `process.nextTick` callbacks only once the microtask queue is empty, and `node:http` hands a
 *   request its keep-alive socket on a next tick: while fibers kept resuming each other on microtasks, an
 *   order request sat written-but-not-sent (hundreds of µs). Draining on `process.nextTick` puts the
 *   socket's tick in the same FIFO queue as the fibers, so it runs in turn.
 * - Node clamps `setTimeout(0)` to 1 ms: every forced yield put an idle millisecond into the decision in
 *   flight. `setImmediate` still lets sockets and timers run, without the wait.
 *
 * The yield also comes after `maxBusyMs` without an event-loop turn, whatever the depth: each fiber has
 * its own drain chain, and a burst of 1,000 markets' fibers (every quote at start, a requote wave) kept the
 * next-tick queue full for seconds before any chain reached its 2048th drain — timers, sockets and the
 * WebSocket waited that long (a 4 s event-loop stall measured at 1,000 markets). A turn is noticed by one
 * `setImmediate` posted when a busy period starts; the decision path itself still drains on next ticks.
 */

import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Scheduler from "effect/Scheduler"

export class ImmediateYieldScheduler implements Scheduler.Scheduler {
  constructor(
    readonly maxNextTickBeforeYield: number,
    readonly maxBusyMs = 5
  ) {}

  /** when the event loop last had no turn pending (ms), or -1 when a turn happened since the last drain */
  private busySince = -1
  private readonly turned = () => {
    this.busySince = -1
  }

  private readonly runnerOf = Scheduler.SchedulerRunner.cached((depth, drain) => {
    const now = performance.now()
    if (this.busySince < 0) {
      this.busySince = now
      setImmediate(this.turned)
    }
    if (depth >= this.maxNextTickBeforeYield || now - this.busySince >= this.maxBusyMs) setImmediate(() => drain(0))
    else process.nextTick(drain, depth + 1)
  })

  shouldYield(fiber: Fiber.RuntimeFiber<unknown, unknown>): number | false {
    return fiber.currentOpCount > fiber.getFiberRef(FiberRef.currentMaxOpsBeforeYield)
      ? fiber.getFiberRef(FiberRef.currentSchedulingPriority)
      : false
  }

  scheduleTask(task: Scheduler.Task, priority: number, fiber?: Fiber.RuntimeFiber<unknown, unknown>): void {
    this.runnerOf(fiber).scheduleTask(task, priority)
  }
}

export const scheduler: Scheduler.Scheduler = new ImmediateYieldScheduler(2048)
