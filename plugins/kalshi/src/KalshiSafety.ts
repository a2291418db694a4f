/**
 * Venue safety nets and the emergency stop:
 * - order groups: maker orders (post-only GTC) join one order group per exchange shard, created on first
 *   use with `safety.orderGroupContractsLimit` (Kalshi cancels the group's orders when it trips, and refuses
 *   every create into it until it is reset). The trip is seen on the `order_group_updates` channel
 *   (`triggered`), or — should that message be lost — from the first create refused that way; either trips
 *   our side: creates are refused locally for `safety.orderGroupPauseMs` (a `Halted` on health; no request
 *   storm into a group that refuses everything), then the group is reset (`PUT …/order_groups/{id}/reset`, or
 *   a new group when the reset fails, the old one then deleted) at the next maker order;
 * - the dead-man expiry policy for creates (`safety.deadManSeconds`, `cancelOrderOnPause`), applied by
 *   `internal/encode.ts`;
 * - emergency cancel-all on the reserved lane, verified through REST, followed by a local halt window
 *   (creates refused for at least `safety.haltAfterCancelAllMs`, ≥ 60 s), published on health as `Halted`.
 * State: the group per shard in a `SynchronizedRef` (single-flight creation and reset), the halt deadline
 * and its reason in a `Ref`.
 */
import { Order as CoreOrder, Decimal as D, ExchangeError as E, type Venue, VenueHealth } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Ref from "effect/Ref"
import * as SynchronizedRef from "effect/SynchronizedRef"
import type { CreatePolicy } from "./internal/encode.js"
import * as parse from "./internal/parse.js"
import * as rest from "./internal/rest.js"
import * as wire from "./internal/wire.js"
import type { CancelAllReport } from "./KalshiClient.js"
import type { SafetyConfig } from "./KalshiConfig.js"

/** The order group of a shard: tripped (Kalshi refuses creates into it) until reset after the pause. */
interface Group {
  readonly id: string
  readonly tripped: boolean
  readonly pausedUntil: number
}

export interface KalshiSafety {
  readonly policy: CreatePolicy
  /**
   * the order group for maker orders on a shard (created on first use; `undefined` when disabled, or when its
   * first creation was refused). After a trip a maker order never goes without a group: while the group cannot
   * be reset or replaced, maker creates on that shard are refused here (certainly not sent) and tried again
   * after another pause.
   */
  readonly orderGroup: (exchangeIndex: number) => Effect.Effect<string | undefined, E.ExchangeRejected>
  /** epoch ms until which creates are refused (0 when never halted) */
  readonly haltedUntil: Effect.Effect<number>
  /** fails with `ExchangeRejected("halted")` inside the halt window */
  readonly checkNotHalted: (what: "creates" | "amends") => Effect.Effect<void, E.ExchangeRejected>
  /** Kalshi refused a create because the shard's order group tripped: pause creates, reset the group after */
  readonly groupTripped: (exchangeIndex: number) => Effect.Effect<void>
  /**
   * A message of the `order_group_updates` channel about one of our groups: `triggered` trips our side at once
   * (the same pause and reset, before any create is refused); `deleted` forgets the group (the next maker order
   * creates a new one). Messages about other groups are ignored.
   */
  readonly groupUpdate: (eventType: string, groupId: string) => Effect.Effect<void>
  readonly emergencyCancelAll: (reason: string) => Effect.Effect<CancelAllReport, E.ExchangeError>
}

export const make = (o: {
  readonly venue: string
  readonly safety: SafetyConfig
  readonly sub: Readonly<Record<string, number>>
  readonly transport: rest.Transport
  readonly api: rest.Endpoints
  /** the port's view of our orders (built after this module: awaited when needed) */
  readonly view: Effect.Effect<Venue.VenueView>
  readonly health: PubSub.PubSub<VenueHealth.VenueHealth>
}): Effect.Effect<KalshiSafety> =>
  Effect.gen(function* () {
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()
    const { venue, sub } = o
    const query = Object.keys(sub).length > 0 ? { query: sub } : {}
    const groups = yield* SynchronizedRef.make(HashMap.empty<number, Group>())
    const haltedUntil = yield* Ref.make(0)
    const haltReason = yield* Ref.make("after an emergency cancel-all")

    const createGroup = (exchangeIndex: number) =>
      o.transport
        .send({
          method: "POST",
          path: "/portfolio/order_groups/create",
          lane: "create",
          body: {
            contracts_limit_fp: parse.formatCount(D.int(o.safety.orderGroupContractsLimit)),
            ...(exchangeIndex > 0 ? { exchange_index: exchangeIndex } : {}),
            ...sub
          }
        })
        .pipe(
          Effect.mapError((f) => rest.readError(f, { venue })),
          Effect.flatMap(rest.decodeBody(wire.OrderGroupCreated, venue)),
          Effect.map((g): string | undefined => g.order_group_id),
          Effect.catchAll((e) =>
            Effect.logWarning(`kalshi: cannot create an order group (${e.message}); orders go without one`).pipe(
              Effect.as(undefined)
            )
          )
        )

    const deleteGroup = (id: string) =>
      o.transport
        .send({
          method: "DELETE",
          path: `/portfolio/order_groups/${encodeURIComponent(id)}`,
          lane: "create",
          ...(Object.keys(sub).length > 0 ? { body: { ...sub } } : {})
        })
        .pipe(
          Effect.catchAll((f) =>
            Effect.logWarning(
              `kalshi: cannot delete the replaced order group ${id}: ${rest.readError(f, { venue }).message}`
            )
          ),
          Effect.asVoid
        )

    // a tripped group, once the pause is over: reset (a new group when the reset is refused)
    const resetGroup = (exchangeIndex: number, id: string) =>
      o.transport
        .send({
          method: "PUT",
          path: `/portfolio/order_groups/${encodeURIComponent(id)}/reset`,
          lane: "create",
          ...(Object.keys(sub).length > 0 ? { body: { ...sub } } : {})
        })
        .pipe(
          Effect.as<string | undefined>(id),
          Effect.catchAll((f) =>
            Effect.logWarning(
              `kalshi: cannot reset order group ${id} (${rest.readError(f, { venue }).message}); creating a new one`
            ).pipe(
              Effect.zipRight(createGroup(exchangeIndex)),
              // the replaced group holds no order (the trip canceled them): deleted, so groups do not pile up
              Effect.tap((fresh) => (fresh === undefined ? Effect.void : deleteGroup(id)))
            )
          )
        )

    type Groups = HashMap.HashMap<number, Group>
    type Answer = Either.Either<string | undefined, E.ExchangeRejected>
    const answer = (a: Answer, gs: Groups): readonly [Answer, Groups] => [a, gs]

    const stillTripped = (g: Group, until: number) =>
      new E.ExchangeRejected({
        venue,
        code: "halted",
        message: `maker creates into order group ${g.id} are refused until ${new Date(until).toISOString()}: the group reached its contracts limit and could not be reset or replaced yet`
      })

    const orderGroup = (exchangeIndex: number): Effect.Effect<string | undefined, E.ExchangeRejected> =>
      o.safety.orderGroupContractsLimit <= 0
        ? Effect.succeed(undefined)
        : SynchronizedRef.modifyEffect(
            groups,
            (gs: Groups): Effect.Effect<readonly [Answer, Groups]> =>
              Option.match(HashMap.get(gs, exchangeIndex), {
                onSome: (g) =>
                  !g.tripped
                    ? Effect.succeed(answer(Either.right(g.id), gs))
                    : now() < g.pausedUntil
                      ? Effect.succeed(answer(Either.left(stillTripped(g, g.pausedUntil)), gs))
                      : Effect.flatMap(resetGroup(exchangeIndex, g.id), (id) => {
                          if (id !== undefined) {
                            const fresh = { id, tripped: false, pausedUntil: 0 }
                            return Effect.succeed(answer(Either.right(id), HashMap.set(gs, exchangeIndex, fresh)))
                          }
                          // neither reset nor replaced: stay tripped (no maker order without a group), try again later
                          const until = now() + o.safety.orderGroupPauseMs
                          return Effect.as(
                            Effect.logError(
                              `kalshi: order group ${g.id} could not be reset or replaced; maker creates on its shard stay refused until ${new Date(until).toISOString()}`
                            ),
                            answer(
                              Either.left(stillTripped(g, until)),
                              HashMap.set(gs, exchangeIndex, { ...g, pausedUntil: until })
                            )
                          )
                        }),
                // a refused first creation is tried again on the next maker order
                onNone: () =>
                  Effect.map(createGroup(exchangeIndex), (id) =>
                    answer(
                      Either.right(id),
                      id === undefined ? gs : HashMap.set(gs, exchangeIndex, { id, tripped: false, pausedUntil: 0 })
                    )
                  )
              })
          ).pipe(Effect.flatMap(Either.match({ onLeft: Effect.fail, onRight: Effect.succeed })))

    /** `groupId`: only that group (a message about a group since replaced trips nothing) */
    const groupTripped = (
      exchangeIndex: number,
      seen = "a create was refused",
      groupId?: string
    ): Effect.Effect<void> =>
      Effect.gen(function* () {
        const until = now() + o.safety.orderGroupPauseMs
        // once per trip: the answers of the batch in flight when it tripped say it again
        const first = yield* SynchronizedRef.modify(groups, (gs) =>
          Option.match(HashMap.get(gs, exchangeIndex), {
            onNone: () => [undefined, gs] as const,
            onSome: (g) =>
              g.tripped || (groupId !== undefined && g.id !== groupId)
                ? ([undefined, gs] as const)
                : ([g.id, HashMap.set(gs, exchangeIndex, { ...g, tripped: true, pausedUntil: until })] as const)
          })
        )
        if (first === undefined) return
        const reason = `order group ${first} reached its contracts limit (${o.safety.orderGroupContractsLimit} in 15 s): Kalshi canceled its orders`
        const u = yield* Ref.updateAndGet(haltedUntil, (x) => Math.max(x, until))
        if (u === until) yield* Ref.set(haltReason, "after the order group's contracts limit was reached")
        yield* Effect.logError(`kalshi: ${reason} (${seen}); creates paused until ${new Date(u).toISOString()}`)
        yield* PubSub.publish(o.health, new VenueHealth.Halted({ venue, reason, until: u, at: now() }))
      })

    const shardOf = (gs: Groups, id: string): number | undefined => {
      for (const [i, g] of gs) if (g.id === id) return i
      return undefined
    }
    const groupUpdate = (eventType: string, groupId: string): Effect.Effect<void> =>
      Effect.flatMap(SynchronizedRef.get(groups), (gs) => {
        const shard = shardOf(gs, groupId)
        if (shard === undefined) return Effect.void
        if (eventType === "triggered") return groupTripped(shard, "seen on order_group_updates", groupId)
        if (eventType !== "deleted") return Effect.void
        // only while it is still the shard's group (not one we replaced and deleted ourselves)
        return SynchronizedRef.modify(groups, (current) =>
          HashMap.get(current, shard).pipe(
            Option.filter((g) => g.id === groupId),
            Option.match({
              onNone: () => [false, current] as const,
              onSome: () => [true, HashMap.remove(current, shard)] as const
            })
          )
        ).pipe(
          Effect.flatMap((removed) =>
            removed
              ? Effect.logWarning(`kalshi: order group ${groupId} was deleted; the next maker order creates a new one`)
              : Effect.void
          )
        )
      })

    const checkNotHalted = (what: "creates" | "amends") =>
      Effect.flatMap(Ref.get(haltedUntil), (until) =>
        now() < until
          ? Effect.flatMap(Ref.get(haltReason), (why) =>
              Effect.fail(
                new E.ExchangeRejected({
                  venue,
                  code: "halted",
                  message: `${what} are halted until ${new Date(until).toISOString()} (${why})`
                })
              )
            )
          : Effect.void
      )

    const openOrders = o.api.getOrders({ status: "resting", ...sub })

    const emergencyCancelAll = (reason: string): Effect.Effect<CancelAllReport, E.ExchangeError> =>
      Effect.gen(function* () {
        const until = yield* Ref.updateAndGet(haltedUntil, (u) =>
          Math.max(u, now() + Math.max(60_000, o.safety.haltAfterCancelAllMs))
        )
        yield* Ref.set(haltReason, "after an emergency cancel-all")
        // the cancels the stream is about to report are ours
        yield* Effect.flatMap(o.view, (v) => v.expectCancels())
        yield* Effect.logError(
          `kalshi: EMERGENCY CANCEL-ALL (${reason}); creates halted until ${new Date(until).toISOString()}`
        )
        const r = yield* o.transport
          .send({ method: "DELETE", path: "/portfolio/events/orders", lane: "emergency", ...query })
          .pipe(Effect.either)
        yield* PubSub.publish(
          o.health,
          new VenueHealth.Halted({ venue, reason: `emergency cancel-all: ${reason}`, until, at: now() })
        )
        if (Either.isLeft(r)) yield* Effect.logError(`kalshi: cancel-all call failed: ${r.left._tag}`)
        // verify through REST, with follow-up batch cancels (an unreadable list counts as "still resting")
        const round = (attempt: number): Effect.Effect<{ readonly attempts: number; readonly resting: number }> =>
          Effect.gen(function* () {
            const resting = yield* Effect.either(openOrders)
            const n = Either.isLeft(resting) ? 1 : resting.right.length
            if (n === 0) return { attempts: attempt, resting: 0 }
            if (Either.isRight(resting)) {
              yield* o.transport
                .send({
                  method: "DELETE",
                  path: "/portfolio/events/orders/batched",
                  lane: "emergency",
                  items: resting.right.length,
                  body: {
                    orders: resting.right.map((x) => ({ order_id: x.order_id, market_ticker: x.ticker, ...sub }))
                  }
                })
                .pipe(Effect.ignore)
            }
            yield* Effect.sleep(250 * attempt)
            return attempt >= 4 ? { attempts: attempt + 1, resting: n } : yield* round(attempt + 1)
          })
        const { attempts, resting } = yield* round(1)
        if (resting === 0) {
          // our view: everything we had open is canceled now (the venue confirms through WS/REST as well)
          const view = yield* o.view
          for (const x of yield* view.live) {
            yield* view.apply(
              CoreOrder.fromDecoded({ ...x, status: "canceled", remaining: D.ZERO, lastUpdateTimestamp: now() })
            )
          }
        } else yield* Effect.logError(`kalshi: ${resting} orders still resting after cancel-all`)
        return { stillResting: resting, attempts, haltedUntil: until }
      })

    return {
      policy: { deadManSeconds: o.safety.deadManSeconds, cancelOrderOnPause: o.safety.cancelOrderOnPause, sub },
      orderGroup,
      haltedUntil: Ref.get(haltedUntil),
      checkNotHalted,
      groupTripped: (exchangeIndex) => groupTripped(exchangeIndex),
      groupUpdate,
      emergencyCancelAll
    } satisfies KalshiSafety
  })
