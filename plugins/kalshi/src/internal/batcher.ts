/**
 * The write batcher: one worker per queue coalesces writes requested close together into batches sized to
 * the limiter's bucket, admits each whole batch, and hands it to a sender fiber. Nothing it holds can be
 * left without an answer:
 * - a sender fiber is guarded: on any exit (failure, defect, interruption) every item still waiting gets
 *   `abandon` (the caller's unknown outcome: the request may have left);
 * - items a round took but never handed to a sender (the round failed or was interrupted) are answered
 *   "not sent" (`ExchangeUnavailable` with `notSent`): they certainly never left;
 * - an item whose caller already gave up (deadline) is dropped unsent;
 * - each caller waits at most its deadline (`awaitAnswer`).
 */
import { type Order as CoreOrder, ExchangeError as E } from "@alpha-hunter/core"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { KalshiLimiter, Lane } from "../KalshiLimiter.js"
import { exitReason } from "./outcome.js"

export interface Item {
  readonly done: Deferred.Deferred<CoreOrder.Order, E.ExchangeError>
}

export interface BatcherOptions<I extends Item> {
  readonly venue: string
  readonly queue: Queue.Dequeue<I>
  readonly lane: Lane
  readonly limiter: KalshiLimiter
  /** tokens per item, now */
  readonly unit: () => number
  /** how long a lone first item waits for company */
  readonly windowMs: number
  readonly send: (items: ReadonlyArray<I>) => Effect.Effect<void>
  /** answers a waiting item whose sender stopped (mark it for lookup, fail it with `UnknownOutcome`) */
  readonly abandon: (item: I, reason: string) => Effect.Effect<void>
}

/** The largest batch a lane can carry at `unit` tokens per item (what the bucket can ever grant at once). */
export const maxBatch = (limiter: KalshiLimiter, lane: Lane, unit: number): number =>
  Math.max(1, Math.floor(limiter.maxCost(lane) / unit))

const waiting = <I extends Item>(items: ReadonlyArray<I>) =>
  Effect.filter(items, (i) => Effect.map(Deferred.isDone(i.done), (d) => !d))

/** A sender run whose every still-waiting item is abandoned however the run ends. */
export const guarded = <I extends Item>(o: BatcherOptions<I>, items: ReadonlyArray<I>): Effect.Effect<void> =>
  Effect.onExit(o.send(items), (exit) =>
    Effect.flatMap(waiting(items), (left) =>
      Effect.forEach(left, (i) => o.abandon(i, `the sender stopped: ${exitReason(exit)}`), { discard: true })
    )
  )

/** The worker (runs forever; fork it in the plugin's scope). */
export const run = <I extends Item>(o: BatcherOptions<I>): Effect.Effect<never, never, Scope.Scope> => {
  const notSent = (items: ReadonlyArray<I>, message: string) =>
    Effect.forEach(
      items,
      (i) => Deferred.fail(i.done, new E.ExchangeUnavailable({ venue: o.venue, message, notSent: true })),
      { discard: true }
    )
  const round = Effect.gen(function* () {
    const first = yield* Queue.take(o.queue)
    let inHand: ReadonlyArray<I> = [first]
    let handed = false
    return yield* Effect.gen(function* () {
      if (o.windowMs > 0 && (yield* Queue.size(o.queue)) === 0) yield* Effect.sleep(o.windowMs)
      const u = o.unit()
      // as many as one request may carry and the bucket can ever hold; the limiter then waits until the
      // whole batch fits (sizing to the tokens left right now would send one-order "batches" under load)
      inHand = [first, ...(yield* Queue.takeUpTo(o.queue, maxBatch(o.limiter, o.lane, u) - 1))]
      const batch = yield* waiting(inHand)
      if (batch.length === 0) return
      const admitted = yield* Effect.either(o.limiter.acquire(o.lane, batch.length * u))
      if (Either.isLeft(admitted)) {
        const e = new E.InvalidOrder({ venue: o.venue, message: admitted.left.message })
        return yield* Effect.forEach(batch, (i) => Deferred.fail(i.done, e), { discard: true })
      }
      yield* Effect.forkScoped(guarded(o, batch))
      handed = true
    }).pipe(
      Effect.onExit((exit) =>
        handed || Exit.isSuccess(exit) ? Effect.void : notSent(inHand, `write batcher: ${exitReason(exit)}`)
      )
    )
  })
  return round.pipe(
    Effect.catchAllCause((c) => Effect.logError("kalshi: write batcher round failed", c)),
    Effect.repeat(Schedule.forever),
    Effect.flatMap(() => Effect.never)
  )
}

/**
 * Waits for an item's answer for at most `deadlineMs`. Past it the item is answered with `onDeadline`'s
 * error and `mark`ed (for lookup) — unless its real answer won the race, which is then returned.
 */
export const awaitAnswer = (
  done: Deferred.Deferred<CoreOrder.Order, E.ExchangeError>,
  deadlineMs: number,
  onDeadline: () => { readonly error: E.UnknownOutcome; readonly mark: Effect.Effect<void> }
): Effect.Effect<CoreOrder.Order, E.ExchangeError> =>
  Deferred.await(done).pipe(
    Effect.timeoutOption(deadlineMs),
    Effect.flatMap(
      Option.match({
        onSome: Effect.succeed,
        onNone: () =>
          Effect.gen(function* () {
            const d = onDeadline()
            if (yield* Deferred.fail(done, d.error)) yield* d.mark
            return yield* Deferred.await(done)
          })
      })
    )
  )
