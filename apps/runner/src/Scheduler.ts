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
 */

import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Scheduler from "effect/Scheduler"

export class ImmediateYieldScheduler implements Scheduler.Scheduler {
  constructor(readonly maxNextTickBeforeYield: number) {}

  private readonly runnerOf = Scheduler.SchedulerRunner.cached((depth, drain) => {
    if (depth >= this.maxNextTickBeforeYield) setImmediate(() => drain(0))
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
