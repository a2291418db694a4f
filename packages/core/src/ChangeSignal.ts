/**
 * "It changed", broadcast to any number of readers, for state that a reader copies when it pulls (a book
 * ladder owned by a feed fiber, an immutable state in a `Ref`).
 *
 * The signal is a `Ref` holding the `Deferred` the next `notify` completes; `notify` swaps in a fresh one and
 * completes the old (a pure swap, one small allocation per change, nothing per reader). A reader takes the
 * current `Deferred` *before* it reads the state, so a change between its read and its wait is never lost.
 * A reader that falls behind is woken once for any number of changes and reads the newest state: latest wins,
 * at the reader, with no buffer, queue or relay fiber in between. Compare a `PubSub.sliding(1)` per book,
 * which pays a queue per subscriber, and a `Stream` of signals mapped to reads (five stream stages per view).
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"

export interface ChangeSignal {
  /** the `Deferred` the next `notify` completes */
  readonly next: Ref.Ref<Deferred.Deferred<void>>
}

export const make: Effect.Effect<ChangeSignal> = Effect.map(
  Effect.flatMap(Deferred.make<void>(), (d) => Ref.make(d)),
  (next) => ({ next })
)

/** Wakes every reader waiting on the signal (the ones that come later read the new state anyway). */
export const notify = (self: ChangeSignal): Effect.Effect<void> =>
  Effect.flatMap(Deferred.make<void>(), (fresh) =>
    Effect.flatMap(Ref.getAndSet(self.next, fresh), (d) => Deferred.succeed(d, undefined))
  )

/**
 * Views of a state, taken when the consumer pulls: the first at once, then one each time the state changed
 * since the last one delivered (`read` copies the state in one step, or yields `undefined` while there is
 * nothing to show, e.g. an invalid book). A view whose version was already delivered is skipped. One stream
 * stage; the copy is paid once per consumer pull, never for a view nobody reads.
 */
export const views = <V extends { readonly version: number }, E, R>(
  self: ChangeSignal,
  read: Effect.Effect<V | undefined, E, R>
): Stream.Stream<V, E, R> => {
  const next = (last: number): Effect.Effect<V, E, R> =>
    Effect.flatMap(Ref.get(self.next), (wake) =>
      Effect.flatMap(read, (v) =>
        v !== undefined && v.version !== last
          ? Effect.succeed(v)
          : Effect.zipRight(
              Deferred.await(wake),
              Effect.suspend(() => next(last))
            )
      )
    )
  return Stream.unfoldEffect(-1, (last) => Effect.map(next(last), (v) => Option.some([v, v.version] as const)))
}
