/**
 * The venue port's background work, forked in its scope: the two write batchers (creates, cancels: see
 * `batcher.ts`; none for an in-process driver, whose writes go out on their callers' fibers), the reader of the
 * venue's private events, the unknown-write resolver and the disagreement confirmer (each asleep until work is
 * added, then every `everyMs` until none is left), and the order store's prune.
 */
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Fanout from "../../Fanout.js"
import * as Store from "../../OrderStore.js"
import type { PrivateEvent, VenuePrimitives, WriteLane } from "../../Venue.js"
import { run as runBatcher } from "./batcher.js"
import * as Poller from "./poller.js"
import * as S from "./state.js"
import * as U from "./unknowns.js"
import * as V from "./verify.js"
import * as W from "./writes.js"

export interface Signals {
  readonly resolver: Poller.Signal
  readonly confirmer: Poller.Signal
}

/** The two write lanes (creates, cancels) as the batchers send them: the driver's calls and the port's settling. */
export const lanes = (p: VenuePrimitives, st: S.State): W.Lanes => {
  const admit = (lane: WriteLane) => (n: number) => (p.admit === undefined ? Effect.void : p.admit(lane, n))
  return {
    creates: {
      venue: st.venue,
      max: () => p.features.maxBatchCreate,
      admit: admit("create"),
      ...(p.prepare !== undefined
        ? { prepare: (jobs: ReadonlyArray<W.CreateJob>) => p.prepare!(jobs.map((j) => j.request)) }
        : {}),
      send: (jobs) => p.submit(jobs.map((j) => j.request)),
      settle: (job, o) => W.settleCreate(st, job, o)
    },
    cancels: {
      venue: st.venue,
      max: () => p.features.maxBatchCancel,
      admit: admit("cancel"),
      send: (jobs) => p.cancel(jobs.map((j) => j.item)),
      settle: (job, o) => W.settleCancel(st, job, o)
    }
  }
}

export const start = (
  p: VenuePrimitives,
  deps: W.WriteDeps,
  signals: Signals,
  o: { readonly fillLookbackMs: number; readonly everyMs: number }
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { st } = deps
    const vd = deps.verify
    const venue = st.venue
    const now = st.now
    const { fillLookbackMs, everyMs } = o
    // an in-process driver's writes go out on their callers' fibers (`VenuePrimitives.inProcess`): no batchers
    if (deps.inProcess === undefined) {
      const { creates, cancels } = lanes(p, st)
      yield* Effect.forkScoped(runBatcher<W.CreateJob>({ ...creates, queue: deps.creates }))
      yield* Effect.forkScoped(runBatcher<W.CancelJob>({ ...cancels, queue: deps.cancels }))
    }

    // private events (subscribed now: nothing published from here on is missed), the resolver, the sweep
    const events = yield* p.privateEvents
    const onEvent = (ev: PrivateEvent) =>
      V.onPrivate(vd, ev, fillLookbackMs).pipe(
        Effect.catchAllCause((c) => Effect.logError(`${venue}: private ${ev._tag} handling failed`, c))
      )
    yield* Effect.forkScoped(
      Fanout.isSubscription(events)
        ? Fanout.forEach(events as Fanout.Subscription<PrivateEvent>, onEvent)
        : Stream.runForEach(events, onEvent)
    )
    // every `everyMs` while anything is unresolved / a disagreement waits (as a spaced repeat would)
    const unresolved = Effect.map(Ref.get(st.unknowns), (s) => U.size(s) > 0)
    yield* Effect.forkScoped(Poller.run(signals.resolver, everyMs, unresolved, S.resolveUnknown(st)))
    const waiting = Effect.map(Ref.get(vd.ref), (v) => HashMap.size(v.pending) > 0 && !v.acting)
    yield* Effect.forkScoped(Poller.run(signals.confirmer, everyMs, waiting, V.confirmDue(vd)))
    yield* Effect.forkScoped(
      Poller.every(
        5_000,
        Effect.flatMap(now, (t) => Ref.update(st.store, (s) => Store.prune(s, t)))
      )
    )
  })
