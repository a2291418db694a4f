/**
 * Events handed from one publisher to any number of in-process subscribers, in the order they were
 * published, each subscriber taking everything that is waiting for it in one step (a venue port's order
 * updates and fills, a replay venue's private events).
 *
 * - `unsafePublish` is a plain synchronous call (made from inside an Effect, by the one fiber that owns the
 *   events): each subscriber's `accept` runs first and only what it accepts is buffered for it (filter before
 *   enqueueing); a subscriber waiting for events is woken once, its fiber resumed on the scheduler as a
 *   `Queue` taker is;
 * - `take` answers everything buffered since the last take, waiting for at least one event: one wake-up and
 *   one take per batch, whatever its size (a `PubSub` subscription read through `Stream.fromQueue` pays a
 *   `Deferred`, an interruption guard and a stream pull per element it is woken for);
 * - `subscribe` is scoped: nothing published after it is missed, and closing the scope removes the
 *   subscriber (its buffer goes with it). Interrupting a waiting `take` loses nothing: events stay buffered.
 * Unbounded, like the `PubSub.unbounded` it replaces: a subscriber that stops taking grows its buffer.
 * A subscriber whose `accept` throws is cut off alone (its reader dies with that defect, after what it had
 * buffered is gone); the publisher and the other subscribers carry on.
 * One reader per subscription (a stream's pulls, a loop); several readers would split its events.
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

const TypeId: unique symbol = Symbol.for("@alpha-hunter/core/Fanout/Subscription")

export interface Subscription<A> {
  readonly [TypeId]: typeof TypeId
  /** everything buffered since the last take, in publication order; waits while there is nothing */
  readonly take: Effect.Effect<ReadonlyArray<A>>
}

export interface Fanout<A> {
  /** hands `a` to every subscriber that accepts it (synchronous: call it inside an Effect) */
  readonly unsafePublish: (a: A) => void
  /** subscribes now; `accept` filters what is buffered for this subscriber (everything when omitted) */
  readonly subscribe: (accept?: (a: A) => boolean) => Effect.Effect<Subscription<A>, never, Scope.Scope>
}

type Resume<A> = (effect: Effect.Effect<ReadonlyArray<A>>) => void

class Sub<A> implements Subscription<A> {
  readonly [TypeId]: typeof TypeId = TypeId
  private buffer: Array<A> = []
  /**
   * the takes waiting, with their fibers. No canceler per take (an interruptible wait with a canceler costs
   * about eight runtime steps more, on every wait): an interrupted take's entry stays until the next event
   * (its resume is then ignored by its fiber) or until another take waits here, which drops the entries of
   * fibers that have ended (an interrupted take's fiber ends: a timeout's or a race's child, or the reader
   * itself) and of its own fiber (a fiber waits on one thing at a time) — so what waits is live readers.
   */
  private waiting: Array<{ readonly fiber: Fiber.RuntimeFiber<unknown, unknown>; readonly resume: Resume<A> }> = []
  constructor(private readonly accept: ((a: A) => boolean) | undefined) {}

  /** set when this subscriber's `accept` threw: its reader dies with it, the other subscribers go on */
  private broken: { readonly cause: unknown } | undefined = undefined

  offer(a: A): void {
    if (this.broken !== undefined) return
    if (this.accept !== undefined) {
      let ok: boolean
      try {
        ok = this.accept(a)
      } catch (cause) {
        this.broken = { cause }
        const ws = this.waiting
        this.waiting = []
        for (const w of ws) w.resume(this.take)
        return
      }
      if (!ok) return
    }
    this.buffer.push(a)
    if (this.waiting.length === 0) return
    const ws = this.waiting
    this.waiting = []
    // a woken reader takes what is buffered when it runs (what was published meanwhile included)
    for (const w of ws) w.resume(this.take)
  }

  readonly take: Effect.Effect<ReadonlyArray<A>> = Effect.suspend(() => {
    if (this.broken !== undefined) return Effect.die(this.broken.cause)
    if (this.buffer.length > 0) {
      const out = this.buffer
      this.buffer = []
      return Effect.succeed(out)
    }
    return Effect.withFiberRuntime<ReadonlyArray<A>>((fiber) =>
      Effect.async<ReadonlyArray<A>>((resume) => {
        if (this.waiting.length > 0)
          this.waiting = this.waiting.filter((w) => w.fiber !== fiber && w.fiber.unsafePoll() === null)
        this.waiting.push({ fiber, resume })
      })
    )
  })

  /** takes waiting now (tests: interrupted takes do not pile up) */
  get waiters(): number {
    return this.waiting.length
  }
}

/** A fanout with no subscriber yet. */
export const make = <A>(): Effect.Effect<Fanout<A>> =>
  Effect.sync(() => {
    const subs = new Set<Sub<A>>()
    return {
      unsafePublish: (a) => {
        for (const s of subs) s.offer(a)
      },
      subscribe: (accept) =>
        Effect.acquireRelease(
          Effect.sync(() => {
            const s = new Sub(accept)
            subs.add(s)
            return s as Subscription<A>
          }),
          (s) => Effect.sync(() => subs.delete(s as Sub<A>))
        )
    }
  })

export const isSubscription = (u: unknown): u is Subscription<unknown> =>
  typeof u === "object" && u !== null && TypeId in u

/** The subscription's events as a stream (one chunk per take: everything that was waiting). */
export const toStream = <A>(self: Subscription<A>): Stream.Stream<A> =>
  Stream.repeatEffectChunk(Effect.map(self.take, Chunk.unsafeFromArray))

/** What is published from the stream's start on (subscribed when the stream runs). */
export const stream = <A>(self: Fanout<A>, accept?: (a: A) => boolean): Stream.Stream<A> =>
  Stream.unwrapScoped(Effect.map(self.subscribe(accept), toStream))

/**
 * Runs `f` on each batch of the subscription's events (everything waiting at each take), in order, until `f`
 * fails or the fiber is interrupted.
 */
export const forEachBatch = <A, E, R>(
  self: Subscription<A>,
  f: (batch: ReadonlyArray<A>) => Effect.Effect<unknown, E, R>
): Effect.Effect<never, E, R> => {
  // a plain loop, not `Effect.forever` (which yields to the scheduler once per round: a fiber step per batch)
  const loop: Effect.Effect<never, E, R> = Effect.flatMap(self.take, (batch) => Effect.zipRight(f(batch), next))
  const next = Effect.suspend(() => loop)
  return loop
}

/**
 * Runs `f` on every event of the subscription, in order, batch by batch, until `f` fails or the fiber is
 * interrupted (what a `Stream.runForEach` over `toStream` does, without the stream).
 */
export const forEach = <A, E, R>(
  self: Subscription<A>,
  f: (a: A) => Effect.Effect<unknown, E, R>
): Effect.Effect<never, E, R> =>
  forEachBatch(self, (batch) => (batch.length === 1 ? f(batch[0]!) : Effect.forEach(batch, f, { discard: true })))
