/**
 * Fault injection at the primitives seam, for venues with no transport to break (an in-memory venue): wraps
 * a driver's `Venue.VenuePrimitives` so that the conformance fault cases run against the generic port for
 * every venue. Kalshi injects the same faults in kalshi-sim, over real sockets, instead.
 *
 * - a lost or spoiled answer: the venue applies the write, the port gets `Unknown` for every item;
 * - 429 exhaustion: nothing reaches the venue, every item is `NotSent` with `RateLimited`;
 * - a dropped socket: private events are lost for `downFor`, then the stream says `Reconnected`;
 * - a skipped sequence number: the next private event is lost and the stream says `Gap`.
 */
import { ExchangeError as E, Venue, type WriteOutcome } from "@alpha-hunter/core"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Faults, SpoiledWrite } from "./conformance/Ctx.js"

/** The switches of one wrapped venue, as the conformance suite's `faults` option reads them. */
export class InjectedFaults extends Context.Tag("@alpha-hunter/testkit/InjectedFaults")<InjectedFaults, Faults>() {}

/** `Options.faults` for a venue whose layer also provides `InjectedFaults`. */
export const fromContext: Faults<InjectedFaults> = {
  loseNextAnswer: Effect.flatMap(InjectedFaults, (f) => f.loseNextAnswer),
  spoilNextAnswer: (w) => Effect.flatMap(InjectedFaults, (f) => f.spoilNextAnswer(w)),
  rateLimitNextWrite: Effect.flatMap(InjectedFaults, (f) => f.rateLimitNextWrite),
  dropSocket: Effect.flatMap(InjectedFaults, (f) => f.dropSocket),
  skipSeq: Effect.flatMap(InjectedFaults, (f) => f.skipSeq)
}

interface Switches {
  readonly lose: number
  readonly spoil: ReadonlyArray<SpoiledWrite>
  readonly rateLimited: number
  readonly skip: number
  readonly down: boolean
}

const none: Switches = { lose: 0, spoil: [], rateLimited: 0, skip: 0, down: false }

type Fault = "lose" | "429" | undefined

/** Takes the fault (if any) that hits the next write of this kind. */
const take = (s: Switches, write: SpoiledWrite): readonly [Fault, Switches] => {
  if (s.rateLimited > 0) return ["429", { ...s, rateLimited: s.rateLimited - 1 }]
  if (s.lose > 0) return ["lose", { ...s, lose: s.lose - 1 }]
  const i = s.spoil.indexOf(write)
  if (i >= 0) return ["lose", { ...s, spoil: s.spoil.filter((_, k) => k !== i) }]
  return [undefined, s]
}

export const wrap = (
  p: Venue.VenuePrimitives,
  options: { readonly downFor?: Duration.DurationInput } = {}
): Effect.Effect<{ readonly primitives: Venue.VenuePrimitives; readonly faults: Faults }, never, Scope.Scope> =>
  Effect.gen(function* () {
    const venue = p.id as string
    const state = yield* Ref.make(none)
    const control = yield* Queue.unbounded<Venue.PrivateEvent>()
    const downFor = Duration.decode(options.downFor ?? "150 millis")

    const faulty =
      <I>(
        kind: (items: ReadonlyArray<I>) => SpoiledWrite,
        send: (items: ReadonlyArray<I>) => Effect.Effect<ReadonlyArray<WriteOutcome.WriteOutcome>>
      ) =>
      (items: ReadonlyArray<I>) =>
        Effect.flatMap(
          Ref.modify(state, (s) => take(s, kind(items))),
          (fault): Effect.Effect<ReadonlyArray<WriteOutcome.WriteOutcome>> => {
            if (fault === "429") {
              const error = new E.RateLimited({ venue, message: "429 past the re-admissions (injected)" })
              return Effect.succeed(items.map(() => ({ _tag: "NotSent", error })))
            }
            if (fault === "lose") {
              const error = new E.RequestTimeout({ venue, message: "the answer was lost (injected)" })
              return Effect.as(
                send(items),
                items.map((): WriteOutcome.WriteOutcome => ({ _tag: "Unknown", error }))
              )
            }
            return send(items)
          }
        )

    const amend = p.amend
    const primitives: Venue.VenuePrimitives = {
      ...p,
      submit: faulty((items) => (items.length > 1 ? "batchCreate" : "create"), p.submit),
      cancel: faulty((items) => (items.length > 1 ? "batchCancel" : "cancel"), p.cancel),
      ...(amend === undefined
        ? {}
        : {
            amend: (item: Venue.AmendItem) =>
              Effect.map(
                faulty(
                  () => "amend",
                  (items: ReadonlyArray<Venue.AmendItem>) => Effect.forEach(items, amend)
                )([item]),
                (rs) => rs[0]!
              )
          }),
      privateEvents: Effect.map(p.privateEvents, (events) =>
        Stream.merge(
          Venue.privateStream(events).pipe(
            Stream.mapEffect((ev) =>
              Ref.modify(state, (s): readonly [Option.Option<Venue.PrivateEvent>, Switches] => {
                if (s.down) return [Option.none(), s]
                if (s.skip > 0) {
                  const gap: Venue.PrivateEvent = { _tag: "Gap", channel: "orders", reason: "skipped seq (injected)" }
                  return [Option.some(gap), { ...s, skip: s.skip - 1 }]
                }
                return [Option.some(ev), s]
              })
            ),
            Stream.filterMap((x) => x)
          ),
          Stream.fromQueue(control)
        )
      )
    }

    const faults: Faults = {
      loseNextAnswer: Ref.update(state, (s) => ({ ...s, lose: s.lose + 1 })),
      spoilNextAnswer: (w) => Ref.update(state, (s) => ({ ...s, spoil: [...s.spoil, w] })),
      rateLimitNextWrite: Ref.update(state, (s) => ({ ...s, rateLimited: s.rateLimited + 1 })),
      skipSeq: Ref.update(state, (s) => ({ ...s, skip: s.skip + 1 })),
      dropSocket: Effect.gen(function* () {
        yield* Ref.update(state, (s) => ({ ...s, down: true }))
        yield* Queue.offer(control, { _tag: "Disconnected", reason: "socket dropped (injected)" })
        yield* Effect.sleep(downFor).pipe(
          Effect.zipRight(Ref.update(state, (s) => ({ ...s, down: false }))),
          Effect.zipRight(Queue.offer(control, { _tag: "Reconnected" })),
          Effect.forkDaemon
        )
      })
    }
    return { primitives, faults }
  })
