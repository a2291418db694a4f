/**
 * Coalescing of writes across markets into the venue's batches, with no waiting window: one worker per
 * queue takes what has gathered (at most the venue's largest batch), has the driver admit the whole batch
 * (its rate limiter: what queues meanwhile joins the next one), and hands it to a sender fiber. Nothing it
 * holds is left without an answer:
 * - a sender fiber is guarded: on any exit (failure, defect, interruption) every item still waiting is
 *   answered `Unknown` (the request may have left);
 * - items a round took but never handed to a sender are answered `NotSent`: they certainly never left;
 * - an item whose caller already gave up (its deadline passed) is dropped unsent;
 * - each caller waits at most its deadline (`awaitOutcomes`): past it the outcome is `Unknown`.
 */

import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Runtime from "effect/Runtime"
import * as Scope from "effect/Scope"
import * as E from "../../ExchangeError.js"
import * as Tracing from "../../Tracing.js"
import * as WriteOutcome from "../../WriteOutcome.js"

export interface Item {
  /**
   * where a queued item's caller waits for its answer (`settle` completes it); an item sent on its caller's
   * fiber (`sendNow`) has none: `sendNow` returns the answers
   */
  readonly done: Deferred.Deferred<WriteOutcome.WriteOutcome> | undefined
}

export interface BatcherOptions<I extends Item> {
  readonly venue: string
  readonly queue: Queue.Dequeue<I>
  /** the most items one batch may carry, now */
  readonly max: () => number
  readonly admit: (items: number) => Effect.Effect<void, E.ExchangeError>
  /** the batch's prerequisites, before admission (so an admitted batch is sent at once) */
  readonly prepare?: (items: ReadonlyArray<I>) => Effect.Effect<void>
  /** the driver's batch call: one outcome per item */
  readonly send: (items: ReadonlyArray<I>) => Effect.Effect<ReadonlyArray<WriteOutcome.WriteOutcome>>
  /** the port's bookkeeping for one item's real outcome: completes the item's `done`, returns its caller's answer */
  readonly settle: (item: I, outcome: WriteOutcome.WriteOutcome) => Effect.Effect<WriteOutcome.WriteOutcome>
}

/** A lane's sending and settling, without its queue (what `sendNow` uses). */
export type Lane<I extends Item> = Omit<BatcherOptions<I>, "queue">

const reason = (exit: Exit.Exit<unknown, unknown>): string =>
  Exit.isSuccess(exit)
    ? "ended"
    : Cause.isInterruptedOnly(exit.cause)
      ? "interrupted"
      : Cause.pretty(exit.cause).split("\n")[0]!.slice(0, 200)

export const unknown = (venue: string, message: string): WriteOutcome.WriteOutcome => ({
  _tag: "Unknown",
  error: new E.UnknownOutcome({ venue, message, operation: "create" })
})

/** Whether a queued item is still unanswered. */
const unanswered = (i: Item): Effect.Effect<boolean> =>
  i.done === undefined ? Effect.succeed(true) : Effect.map(Deferred.isDone(i.done), (d) => !d)

/** The items not answered yet (a lone item, the usual batch, without a filter over one). */
const waiting = <I extends Item>(items: ReadonlyArray<I>): Effect.Effect<ReadonlyArray<I>> =>
  items.length === 1 ? Effect.map(unanswered(items[0]!), (u) => (u ? items : [])) : Effect.filter(items, unanswered)

const settleAll = <I extends Item>(
  o: Lane<I>,
  items: ReadonlyArray<I>,
  outcome: (i: number) => WriteOutcome.WriteOutcome
): Effect.Effect<void> =>
  items.length === 1
    ? Effect.asVoid(o.settle(items[0]!, outcome(0)))
    : Effect.forEach(items, (it, i) => o.settle(it, outcome(i)), { discard: true })

/** One sender run: the batch call, each item settled; whatever ends the run, no item is left waiting. */
const guarded = <I extends Item>(o: Lane<I>, items: ReadonlyArray<I>): Effect.Effect<void> =>
  o.send(items).pipe(
    Effect.flatMap((rs) =>
      settleAll(o, items, (i) => rs[i] ?? unknown(o.venue, "the venue returned fewer results than items sent"))
    ),
    // a run that completed settled every item (settle answers its item)
    Effect.onExit((exit) =>
      Exit.isSuccess(exit)
        ? Effect.void
        : Effect.flatMap(waiting(items), (left) =>
            settleAll(o, left, () => unknown(o.venue, `the sender stopped: ${reason(exit)}`))
          )
    ),
    Effect.catchAllCause((c) =>
      Cause.isInterruptedOnly(c) ? Effect.void : Effect.logError(`${o.venue}: a write batch failed`, c)
    )
  )

/** The answer of an item that certainly never left. */
const notSent = (venue: string, message: string): WriteOutcome.WriteOutcome => ({
  _tag: "NotSent",
  error: new E.ExchangeUnavailable({ venue, message, notSent: true })
})

/**
 * One batch sent on the caller's fiber, for an in-process driver whose writes answer promptly
 * (`VenuePrimitives.inProcess`): prepared, admitted (a refusal answers every item, none sent), sent and each
 * item settled, as a batcher round and its sender do — a failure or defect of the send or of a settle answers
 * what is left `Unknown`. Returns every item's answer, in order (no `Deferred` per item: the caller is the
 * one waiting). Uninterruptible: a write applied in process is always answered and settled.
 */
export const sendNow = <I extends Item>(
  o: Lane<I>,
  items: ReadonlyArray<I>
): Effect.Effect<ReadonlyArray<WriteOutcome.WriteOutcome>> =>
  Effect.suspend(() => {
    const answers: Array<WriteOutcome.WriteOutcome | undefined> = new Array(items.length)
    const sent = Effect.flatMap(o.send(items), (rs) =>
      settleInto(
        o,
        items,
        answers,
        (i) => rs[i] ?? unknown(o.venue, "the venue returned fewer results than items sent")
      )
    ).pipe(
      Effect.catchAllCause((c) =>
        Effect.zipRight(
          // a send or settle that did not complete: what is not answered yet may have been applied
          Effect.catchAllCause(
            settleInto(
              o,
              items,
              answers,
              () => unknown(o.venue, `the sender stopped: ${reason(Exit.failCause(c))}`),
              true
            ),
            () => Effect.void
          ),
          Cause.isInterruptedOnly(c) ? Effect.void : Effect.logError(`${o.venue}: a write batch failed`, c)
        )
      )
    )
    const run = Effect.flatMap(Effect.either(o.admit(items.length)), (admitted) =>
      Either.isLeft(admitted) ? settleInto(o, items, answers, () => WriteOutcome.fromError(admitted.left)) : sent
    )
    return Effect.uninterruptible(
      Effect.map(o.prepare === undefined ? run : Effect.zipRight(o.prepare(items), run), () =>
        allAnswered(o.venue, answers)
      )
    )
  })

// (module-level helpers, not closures made per batch: the TypeScript loader names each closure it makes)

/** Settles each item (only those not answered yet, with `only`), keeping each answer as it is settled. */
const settleInto = <I extends Item>(
  o: Lane<I>,
  items: ReadonlyArray<I>,
  answers: Array<WriteOutcome.WriteOutcome | undefined>,
  outcome: (i: number) => WriteOutcome.WriteOutcome,
  only = false
): Effect.Effect<void> =>
  items.length === 1
    ? only && answers[0] !== undefined
      ? Effect.void
      : Effect.map(o.settle(items[0]!, outcome(0)), (a) => {
          answers[0] = a
        })
    : Effect.forEach(
        items,
        (it, i) =>
          only && answers[i] !== undefined
            ? Effect.void
            : Effect.map(o.settle(it, outcome(i)), (a) => {
                answers[i] = a
              }),
        { discard: true }
      )

/** Every item answered (one whose settle failed twice over is Unknown to its caller: never a hang). */
const allAnswered = (
  venue: string,
  answers: Array<WriteOutcome.WriteOutcome | undefined>
): ReadonlyArray<WriteOutcome.WriteOutcome> => {
  for (let i = 0; i < answers.length; i++) answers[i] ??= unknown(venue, "the write was not settled")
  return answers as ReadonlyArray<WriteOutcome.WriteOutcome>
}

/** The worker (runs forever; fork it in the port's scope). */
export const run = <I extends Item>(o: BatcherOptions<I>): Effect.Effect<never, never, Scope.Scope> =>
  Effect.flatMap(Effect.scope, (scope) => {
    // the sender fibers in flight (each leaves on its exit): interrupted when the port's scope closes
    const inFlight = new Set<Fiber.RuntimeFiber<void>>()
    // set when the port's scope starts closing: a batch admitted after that is answered NotSent, never sent
    // (the sender would be started after the in-flight set was interrupted, and nothing would stop it)
    let closing = false
    const round = Effect.gen(function* () {
      const first = yield* Queue.take(o.queue)
      let inHand: ReadonlyArray<I> = [first]
      let handed = false
      return yield* Effect.gen(function* () {
        const more = Math.max(1, o.max()) - 1
        if (more > 0) {
          const rest = yield* Queue.takeUpTo(o.queue, more)
          if (rest.length > 0) inHand = [first, ...rest]
        }
        const batch = yield* waiting(inHand)
        if (batch.length === 0) return
        if (o.prepare !== undefined) yield* o.prepare(batch)
        const admitted = yield* Effect.either(o.admit(batch.length))
        if (Either.isLeft(admitted)) {
          const out = WriteOutcome.fromError(admitted.left)
          return yield* settleAll(o, batch, () => out)
        }
        if (closing) return yield* settleAll(o, batch, () => notSent(o.venue, "write batcher: the port is closing"))
        // the sender fiber starts on this stack (the request leaves now, not on the scheduler's next turn);
        // it is in flight until it ends, and interrupted should the port close first
        const fiber = Runtime.runFork(yield* Effect.runtime<never>())(guarded(o, batch), { immediate: true })
        handed = true
        if (fiber.unsafePoll() === null) {
          inFlight.add(fiber)
          fiber.addObserver(() => inFlight.delete(fiber))
        }
      }).pipe(
        Effect.onExit((exit) =>
          handed || Exit.isSuccess(exit)
            ? Effect.void
            : Effect.flatMap(waiting(inHand), (left) =>
                settleAll(o, left, () => notSent(o.venue, `write batcher: ${reason(exit)}`))
              )
        )
      )
    })
    // a plain loop, not `repeat(Schedule.forever)` (a schedule driver stepped per round) nor `forever` (a
    // yield per round): each round waits on the queue anyway
    const once = Effect.catchAllCause(round, (c) => Effect.logError(`${o.venue}: write batcher round failed`, c))
    const loop: Effect.Effect<never> = Effect.flatMap(once, () => loop)
    return Effect.zipRight(
      Scope.addFinalizer(
        scope,
        Effect.suspend(() => {
          closing = true
          return Fiber.interruptAll([...inFlight])
        })
      ),
      loop
    )
  })

/** One caller's wait for an item's outcome (see `awaitOutcomes`). */
export interface Wait {
  readonly done: Deferred.Deferred<WriteOutcome.WriteOutcome>
  /** built only when the deadline passes (an error captures a stack: not paid on every write) */
  readonly late: () => WriteOutcome.WriteOutcome
  /** run when the deadline answered the item (the write is looked up) */
  readonly mark: Effect.Effect<void>
}

/**
 * Waits for items' outcomes, each for at most `deadline` from now. Past it an item is answered `late` and its
 * `mark` runs (the write is looked up) — unless its real outcome won the race, which is then returned.
 * Under a clock with a plain timer (live or simulated) the timers answer the items themselves, so one fiber
 * waits for all of them in turn (no fiber per item); under another clock (a `TestClock`) each item waits on
 * the clock's own sleep, side by side.
 */
export const awaitOutcomes = (
  waits: ReadonlyArray<Wait>,
  deadline: Duration.Duration
): Effect.Effect<ReadonlyArray<WriteOutcome.WriteOutcome>> =>
  Tracing.withTimer((schedule) => {
    if (schedule === undefined) {
      return waits.length === 1
        ? Effect.map(awaitOnSleep(waits[0]!, deadline), (o) => [o])
        : Effect.forEach(waits, (w) => awaitOnSleep(w, deadline), { concurrency: "unbounded" })
    }
    const ms = Duration.toMillis(deadline)
    return Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        const answers: Array<WriteOutcome.WriteOutcome | undefined> = new Array(waits.length)
        const disarms = waits.map((w, i) =>
          schedule(ms, () => {
            const answer = w.late()
            answers[i] = answer
            Deferred.unsafeDone(w.done, Effect.succeed(answer)) // first answer wins
          })
        )
        const disarm = () => {
          for (const d of disarms) d()
        }
        const all =
          waits.length === 1
            ? Effect.map(Deferred.await(waits[0]!.done), (o) => [o])
            : Effect.forEach(waits, (w) => Deferred.await(w.done))
        return Effect.matchCauseEffect(restore(all), {
          onFailure: (cause) => {
            disarm()
            return Effect.failCause(cause)
          },
          onSuccess: (os) => {
            disarm()
            // the items the deadline answered are looked up
            const marks: Array<Effect.Effect<void>> = []
            for (let i = 0; i < os.length; i++) if (os[i] === answers[i]) marks.push(waits[i]!.mark)
            return marks.length === 0 ? Effect.succeed(os) : Effect.as(Effect.all(marks, { discard: true }), os)
          }
        })
      })
    )
  })

/** One item's wait under a clock without a plain timer (a `TestClock`): the clock's own sleep. */
const awaitOnSleep = (w: Wait, deadline: Duration.Duration): Effect.Effect<WriteOutcome.WriteOutcome> =>
  Deferred.await(w.done).pipe(
    Tracing.deadline(Duration.toMillis(deadline), () => "late" as const),
    Effect.catchAll(() =>
      Effect.gen(function* () {
        if (yield* Deferred.succeed(w.done, w.late())) yield* w.mark
        return yield* Deferred.await(w.done)
      })
    )
  )
