/**
 * The venue port's state and its bookkeeping: the order store (monotonic merge, bounded) published to
 * `watchOrders`, fills de-duplicated and published to `watchMyTrades`, and the unknown-outcome tracker with
 * its lookup resolution and per-market write blocking. Each piece is a pure value in a `Ref`; the resolver
 * is single-flight.
 */

import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Ref from "effect/Ref"
import * as E from "../../ExchangeError.js"
import * as Fanout from "../../Fanout.js"
import type * as Ids from "../../Ids.js"
import * as CoreOrder from "../../Order.js"
import * as Store from "../../OrderStore.js"
import type * as Venue from "../../Venue.js"
import * as VenueHealth from "../../VenueHealth.js"
import * as U from "./unknowns.js"

export interface PortStats {
  /** unknown writes settled (found, or proven absent) */
  readonly resolvedUnknown: number
  /** lookups made to resolve unknown writes */
  readonly lookups: number
  /** fills only a REST read delivered (the push stream missed them) */
  readonly restOnlyFills: number
  /** fills delivered again and dropped */
  readonly duplicateFills: number
}

export type FillSource = "stream" | "rest"

export interface State {
  readonly venue: string
  readonly primitives: Venue.VenuePrimitives
  readonly now: Effect.Effect<number>
  /** the same clock read inside a step (a `Ref.modify`): no runtime step of its own */
  readonly time: () => number
  readonly store: Ref.Ref<Store.Store>
  readonly unknowns: Ref.Ref<U.Unknowns>
  readonly stats: Ref.Ref<PortStats>
  readonly orders: Fanout.Fanout<CoreOrder.Order>
  readonly fills: Fanout.Fanout<CoreOrder.Fill>
  readonly health: PubSub.PubSub<VenueHealth.VenueHealth>
  /** a create not found by lookup this long after it was marked unknown was not created */
  readonly createGraceMs: number
  readonly resolveLock: Effect.Semaphore
  /** wakes the resolver loop (called when a write is marked unknown) */
  readonly unknownMarked: () => void
}

export const count = (st: State, k: keyof PortStats, n = 1) =>
  // field by field: a spread of a spread is V8's slow clone path (Node 20)
  Ref.update(st.stats, (s) => {
    const c: { -readonly [K in keyof PortStats]: number } = {
      resolvedUnknown: s.resolvedUnknown,
      lookups: s.lookups,
      restOnlyFills: s.restOnlyFills,
      duplicateFills: s.duplicateFills
    }
    c[k] += n
    return c
  })

/** Merges a venue view of one of our orders (monotonically) and publishes it when it changed. */
export const apply = (st: State, o: CoreOrder.Order, meta?: Store.Meta): Effect.Effect<CoreOrder.Order> =>
  Effect.map(merge(st, o, meta), (r) => r.merged)

/**
 * `apply` in one store update, at the time read inside it: our view of the order before (`prev`) and after
 * (`merged`), and that time; the change, when there is one, is published before this returns.
 */
export const merge = (
  st: State,
  o: CoreOrder.Order,
  meta?: Store.Meta
): Effect.Effect<{
  readonly prev: CoreOrder.Order | undefined
  readonly merged: CoreOrder.Order
  readonly t: number
}> =>
  Effect.map(
    Ref.modify(st.store, (s) => {
      const t = st.time()
      const prev = Store.order(s, o.id)
      const [changed, next] = Store.upsert(s, o, t, meta)
      return [{ prev, changed, merged: Store.order(next, o.id) ?? o, t }, next] as const
    }),
    (r) => {
      if (r.changed !== undefined) st.orders.unsafePublish(r.changed)
      return r
    }
  )

/** The order with what the store knows and the venue's view may lack (time in force, post-only, client id). */
export const annotate = (st: State, o: CoreOrder.Order): Effect.Effect<CoreOrder.Order> =>
  Effect.map(Ref.get(st.store), (s) => {
    const m = Store.metaOf(s, o.id)
    const known = Store.order(s, o.id)
    const cid = o.clientOrderId ?? known?.clientOrderId
    if (!("timeInForce" in m) && cid === o.clientOrderId) return o
    return CoreOrder.fromDecoded({
      ...o,
      ...("timeInForce" in m ? { timeInForce: m.timeInForce, postOnly: m.postOnly } : {}),
      ...(cid !== undefined ? { clientOrderId: cid } : {})
    })
  })

/** Publishes a fill once per trade id; returns whether it was new. */
export const fill = (st: State, f: CoreOrder.Fill, source: FillSource): Effect.Effect<boolean> =>
  Effect.flatMap(
    Ref.modify(st.store, (s) => Store.seeFill(s, f.id, st.time())),
    (fresh) => {
      if (!fresh) return Effect.as(count(st, "duplicateFills"), false)
      st.fills.unsafePublish(f)
      return source === "rest" ? Effect.as(count(st, "restOnlyFills"), true) : Effect.succeed(true)
    }
  )

export const markUnknown = (st: State, u: U.NewUnresolved) =>
  Effect.gen(function* () {
    const t = yield* st.now
    yield* Ref.update(st.unknowns, (s) => U.mark(s, u, t))
    st.unknownMarked()
    yield* Effect.logWarning(
      `${st.venue}: ${u.operation} outcome UNKNOWN (${u.clientOrderId ?? u.orderId}) on ${u.symbol}; writes to ${u.symbol} blocked until resolved`
    )
  })

export const settle = (st: State, key: string): Effect.Effect<boolean> =>
  Effect.flatMap(
    Ref.modify(st.unknowns, (s) => U.settle(s, key)),
    (was) => (was ? Effect.as(count(st, "resolvedUnknown"), true) : Effect.succeed(false))
  )

export const unresolved = (st: State) => Effect.map(Ref.get(st.unknowns), U.all)

export const wasUnknown = (st: State, cid: string) =>
  Effect.flatMap(st.now, (t) => Effect.map(Ref.get(st.unknowns), (s) => U.wasUnknown(s, cid, t)))

/** One lookup for an unresolved write: the order as the venue has it, or none when it is not there. */
const lookupOf = (st: State, u: U.Unresolved) =>
  Effect.zipRight(
    count(st, "lookups"),
    st.primitives.lookup(
      u.operation === "create"
        ? {
            _tag: "ByClientOrderId",
            clientOrderId: u.clientOrderId as Ids.ClientOrderId,
            symbol: u.symbol as Ids.Symbol,
            since: u.since
          }
        : { _tag: "ByOrderId", id: u.orderId as Ids.OrderId, symbol: u.symbol as Ids.Symbol }
    )
  )

const resolveAll = (st: State): Effect.Effect<ReadonlyArray<U.Unresolved>> =>
  Effect.gen(function* () {
    for (const u of yield* unresolved(st)) {
      const r = yield* Effect.either(lookupOf(st, u))
      if (Either.isLeft(r)) continue // the venue is unreachable: still unknown, keep blocking
      if (Option.isSome(r.right)) {
        const o = yield* apply(st, r.right.value)
        yield* settle(st, u.key)
        yield* Effect.logInfo(`${st.venue}: unknown ${u.operation} resolved: order ${o.id} is ${o.status}`)
      } else if (u.operation !== "create" || (yield* st.now) - u.since > st.createGraceMs) {
        yield* settle(st, u.key)
        yield* Effect.logInfo(`${st.venue}: unknown ${u.operation} resolved: not at the venue`)
      }
    }
    return yield* unresolved(st)
  })

/** Looks up every unresolved write now (single-flight); returns what is still unresolved. */
export const resolveUnknown = (st: State) => st.resolveLock.withPermits(1)(resolveAll(st))

/** Fails `WriteBlocked` while a write on the market is unresolved (after one resolution attempt). */
export const checkWritable = (st: State, symbol: string): Effect.Effect<void, E.WriteBlocked> =>
  Effect.gen(function* () {
    if (U.blocking(yield* Ref.get(st.unknowns), symbol) === undefined) return
    yield* resolveUnknown(st)
    const still = U.blocking(yield* Ref.get(st.unknowns), symbol)
    if (still === undefined) return
    const what = `${still.operation} ${still.clientOrderId ?? still.orderId}`
    return yield* new E.WriteBlocked({
      venue: st.venue,
      symbol,
      blockedBy: what,
      message: `writes to ${symbol} are blocked: an earlier ${what} has an unknown outcome; nothing was sent`
    })
  })

/**
 * After a known loss (a private-stream gap, a reconnect): the venue's open orders are the truth, orders we
 * hold open that it no longer lists are looked up, and recent fills are read again (de-duplicated).
 */
export const resync = (st: State, fillLookbackMs: number | undefined): Effect.Effect<void, E.ExchangeError> =>
  Effect.gen(function* () {
    const open = yield* st.primitives.openOrders()
    const ids = new Set<string>(open.map((o) => o.id))
    for (const o of open) yield* apply(st, o)
    for (const o of Store.live(yield* Ref.get(st.store))) {
      if (ids.has(o.id)) continue
      const got = yield* Effect.option(st.primitives.lookup({ _tag: "ByOrderId", id: o.id, symbol: o.symbol }))
      if (Option.isSome(got) && Option.isSome(got.value)) yield* apply(st, got.value.value)
    }
    if (fillLookbackMs === undefined) return
    const since = (yield* st.now) - fillLookbackMs
    const fills = yield* st.primitives.fills({ since })
    for (const f of [...fills].sort((a, b) => a.timestamp - b.timestamp)) yield* fill(st, f, "rest")
  })

/** Applies one private event. */
export const onPrivate = (st: State, ev: Venue.PrivateEvent, fillLookbackMs: number): Effect.Effect<void> => {
  const publish = (h: VenueHealth.VenueHealth) => Effect.asVoid(PubSub.publish(st.health, h))
  const again = (why: string) =>
    resync(st, fillLookbackMs).pipe(
      Effect.catchAll((e) => Effect.logWarning(`${st.venue}: re-reading orders after ${why} failed: ${e.message}`))
    )
  switch (ev._tag) {
    case "OrderUpdate":
      return Effect.gen(function* () {
        if (ev.order.clientOrderId !== undefined) yield* settle(st, `create:${ev.order.clientOrderId}`)
        yield* apply(st, ev.order)
      })
    case "OrderFill":
      return Effect.asVoid(fill(st, ev.fill, "stream"))
    case "Gap":
      return Effect.gen(function* () {
        yield* Effect.logWarning(`${st.venue}: private stream gap (${ev.reason}); re-reading orders`)
        yield* publish(new VenueHealth.PrivateGap({ venue: st.venue, channel: ev.channel, at: yield* st.now }))
        yield* again("a gap")
      })
    case "Disconnected":
      return Effect.flatMap(st.now, (at) =>
        publish(new VenueHealth.Disconnected({ venue: st.venue, reason: ev.reason, at }))
      )
    case "Reconnected":
      return Effect.gen(function* () {
        yield* Effect.logInfo(`${st.venue}: private stream reconnected; re-reading orders`)
        yield* again("a reconnect")
        yield* publish(new VenueHealth.Reconnected({ venue: st.venue, at: yield* st.now }))
      })
  }
}

/** A stream of what a hub publishes from subscription on, optionally for one market (filtered before buffering). */
export const watch = <A extends { readonly symbol: string }>(hub: Fanout.Fanout<A>, symbol?: string) =>
  Fanout.stream(hub, symbol === undefined ? undefined : (x) => x.symbol === symbol)
