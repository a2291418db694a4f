/**
 * What a venue driver provides: primitives only (the `@effect/sql` driver model). The generic
 * `Venue.make(primitives)` in `@alpha-hunter/execution` turns them into the full `Exchange` port and adds,
 * once for every venue: client order ids, local validation, the order store (monotonic merge, bounded)
 * behind `watchOrders`, fill de-duplication behind `watchMyTrades`, the unknown-outcome tracker (lookup
 * resolution on a schedule, per-market write blocking), coalescing of creates and cancels across markets
 * into batches, a deadline on every write, cancel-all emulation, and `Exchange.<method>` spans.
 *
 * Rules a driver keeps:
 * - writes answer one `WriteOutcome` per item, in item order, and never fail as a whole: a refusal is
 *   `Refused`, a request that certainly never executed (a 429 past the re-admissions, a refused
 *   connection) is `NotSent`, anything that may have executed (a timeout, a 5xx, a lost or undecodable
 *   answer) is `Unknown`. The port turns a hang past its deadline and a defect into `Unknown` as well;
 * - a create answered "duplicate client order id" is `Refused` with `DuplicateClientOrderId` (the port
 *   decides, from its own tracker, whether that is a retry of an unknown create that landed);
 * - `lookup` answers `Option.none()` only when the venue says the order does not exist; a failed lookup is
 *   a failure (the outcome stays unknown);
 * - `privateEvents` subscribes when run (inside the port's scope) and delivers our order updates and fills,
 *   and tells the port about losses: `Gap` (a sequence gap on a private channel) and `Reconnected` (the
 *   stream came back); on both the port re-reads open orders and recent fills and publishes health.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { BookReader, Features, FetchOrdersOptions, Has } from "./Exchange.js"
import * as Exchange from "./Exchange.js"
import type { ExchangeError } from "./ExchangeError.js"
import * as E from "./ExchangeError.js"
import * as Fanout from "./Fanout.js"
import type * as Ids from "./Ids.js"
import type { ClientOrderId, OrderId, Symbol, VenueId } from "./Ids.js"
import * as A from "./internal/venue/amends.js"
import * as Background from "./internal/venue/background.js"
import * as Poller from "./internal/venue/poller.js"
import * as S from "./internal/venue/state.js"
import * as U from "./internal/venue/unknowns.js"
import * as V from "./internal/venue/verify.js"
import * as W from "./internal/venue/writes.js"
import type { Event, Market } from "./Market.js"
import type * as Order from "./Order.js"
import type { Balance, Fill, OrderEdit, OrderRequest, Position } from "./Order.js"
import type { BookView, OrderBook } from "./OrderBook.js"
import * as Store from "./OrderStore.js"
import type { TickGrid } from "./TickGrid.js"
import type * as VenueHealthNs from "./VenueHealth.js"
import type { VenueHealth } from "./VenueHealth.js"
import type { WriteOutcome } from "./WriteOutcome.js"

/** A create as the driver receives it: validated, with its client order id set. */
export type CreateItem = OrderRequest & { readonly clientOrderId: ClientOrderId }

/** A cancel: the order, its market, and the port's current view of it when it has one. */
export interface CancelItem {
  readonly id: OrderId
  readonly symbol: Symbol
  readonly known: Order.Order | undefined
}

/** An amend: the order as the port knows it now (looked up when needed) and the change. */
export interface AmendItem {
  readonly order: Order.Order
  readonly edit: OrderEdit
}

export type LookupKey =
  | { readonly _tag: "ByOrderId"; readonly id: OrderId; readonly symbol?: Symbol }
  | {
      readonly _tag: "ByClientOrderId"
      readonly clientOrderId: ClientOrderId
      readonly symbol?: Symbol
      /** epoch ms the order was sent at or after (lets a venue narrow its search) */
      readonly since?: number
    }

export const byOrderId = (id: OrderId, symbol?: Symbol): LookupKey => ({
  _tag: "ByOrderId",
  id,
  ...(symbol !== undefined ? { symbol } : {})
})
export const byClientOrderId = (clientOrderId: ClientOrderId, symbol?: Symbol, since?: number): LookupKey => ({
  _tag: "ByClientOrderId",
  clientOrderId,
  ...(symbol !== undefined ? { symbol } : {}),
  ...(since !== undefined ? { since } : {})
})

/** What the private stream tells the port. */
export type PrivateEvent =
  | { readonly _tag: "OrderUpdate"; readonly order: Order.Order }
  | { readonly _tag: "OrderFill"; readonly fill: Fill }
  /** a sequence gap on a private channel: updates may have been lost */
  | { readonly _tag: "Gap"; readonly channel: string; readonly reason: string }
  | { readonly _tag: "Disconnected"; readonly reason: string }
  /** the stream is back after a drop: updates may have been lost meanwhile */
  | { readonly _tag: "Reconnected" }

/** A driver's private events: a stream, or (in-process drivers) a `Fanout` subscription. */
export type PrivateEvents = Stream.Stream<PrivateEvent> | Fanout.Subscription<PrivateEvent>

/** The private events as a stream, whichever form the driver gave (for wrappers of a driver). */
export const privateStream = (events: PrivateEvents): Stream.Stream<PrivateEvent> =>
  Fanout.isSubscription(events) ? Fanout.toStream(events as Fanout.Subscription<PrivateEvent>) : events

/** A market with its tick grid (what local validation needs). */
export interface Instrument {
  readonly market: Market
  readonly grid: TickGrid
}

/** The write operations a driver may admit (rate-limit) before the port sends a batch. */
export type WriteLane = "create" | "cancel"

export interface VenuePrimitives {
  readonly id: VenueId
  /** method support; the port derives `cancelAllOrders` ("emulated" without a native one) and `editOrder` */
  readonly has: Has
  /** `maxBatchCreate` / `maxBatchCancel` size the port's batches (they may change at run time: getters) */
  readonly features: Features

  // ---- markets and books ----
  readonly loadMarkets: (reload?: boolean) => Effect.Effect<ReadonlyMap<Symbol, Market>, ExchangeError>
  readonly fetchMarkets: () => Effect.Effect<ReadonlyArray<Market>, ExchangeError>
  readonly fetchEvents: () => Effect.Effect<ReadonlyArray<Event>, ExchangeError>
  /** the market and its grid, for local validation (fails `BadSymbol` for an unknown market) */
  readonly instrument: (symbol: Symbol) => Effect.Effect<Instrument, ExchangeError>
  readonly fetchOrderBook: (symbol: Symbol, limit?: number) => Effect.Effect<OrderBook, ExchangeError>
  readonly watchOrderBook: (symbol: Symbol) => Stream.Stream<OrderBook, ExchangeError>
  readonly watchBook: (symbol: Symbol) => Stream.Stream<BookView, ExchangeError>
  /** optional: `watchBook` read by a loop (in-process drivers; see `Exchange.followBook`) */
  readonly followBook?: (symbol: Symbol) => Effect.Effect<BookReader, ExchangeError, Scope.Scope>

  // ---- writes: one outcome per item, never failing as a whole ----
  /**
   * Optional admission of a whole batch before it is sent (a venue's rate limiter): the port waits for it,
   * so what queues meanwhile joins the next batch. A failure refuses every item of the batch (not sent).
   */
  readonly admit?: (lane: WriteLane, items: number) => Effect.Effect<void, ExchangeError>
  /**
   * Optional work a create batch needs before it can be sent (a venue-side order group, say), run before
   * admission: an admitted batch must go out at once — a rate limiter counts its tokens as spent when it
   * admits them, and a batch held back after admission arrives at the venue bunched with the next one.
   */
  readonly prepare?: (items: ReadonlyArray<CreateItem>) => Effect.Effect<void>
  /**
   * Optional, for in-process drivers whose writes apply in this process and always answer promptly (no I/O,
   * nothing that can hang: a replayed tape's book). The port then sends each write call's items on the
   * caller's fiber — prepared, admitted and settled exactly as a batch is — without its queue, sender fiber or
   * write deadline. A wrapper that can make a write hang must drop it.
   */
  readonly inProcess?: boolean
  readonly submit: (items: ReadonlyArray<CreateItem>) => Effect.Effect<ReadonlyArray<WriteOutcome>>
  readonly cancel: (items: ReadonlyArray<CancelItem>) => Effect.Effect<ReadonlyArray<WriteOutcome>>
  /** in-place amend; without it `editOrder` is `NotSupported` */
  readonly amend?: (item: AmendItem) => Effect.Effect<WriteOutcome>
  /** a native cancel-all (returns the canceled orders); without it the port emulates it */
  readonly cancelAll?: (symbol?: Symbol) => Effect.Effect<ReadonlyArray<Order.Order>, ExchangeError>

  // ---- reads ----
  readonly lookup: (key: LookupKey) => Effect.Effect<Option.Option<Order.Order>, ExchangeError>
  readonly openOrders: (options?: FetchOrdersOptions) => Effect.Effect<ReadonlyArray<Order.Order>, ExchangeError>
  readonly fills: (options?: FetchOrdersOptions) => Effect.Effect<ReadonlyArray<Fill>, ExchangeError>
  readonly balance: () => Effect.Effect<ReadonlyArray<Balance>, ExchangeError>
  readonly positions: (symbols?: ReadonlyArray<Symbol>) => Effect.Effect<ReadonlyArray<Position>, ExchangeError>

  // ---- streams ----
  /**
   * subscribes now (in the port's scope), read later: nothing published after subscribing is missed. An
   * in-process driver (a replay) may hand over a `Fanout` subscription, which the port reads without a stream
   */
  readonly privateEvents: Effect.Effect<PrivateEvents, never, Scope.Scope>
  /** the driver's own health events (desyncs, halts, rate limits); the port adds gaps and reconnects */
  readonly health: Stream.Stream<VenueHealth>
}

// ---- the generic port ---------------------------------------------------------------------------

/**
 * `make(primitives)` turns a driver's primitives into the full core `Exchange`, adding once for every venue (the `SqlClient.make` model):
 * - client order ids (`<prefix>-<start time>-<n>`) when a create has none;
 * - local validation against the market's grid (`InvalidOrder` / `MarketClosed`, nothing sent);
 * - the order store (`OrderStore`: monotonic merge, bounded) behind `watchOrders`, fed by write answers,
 *   private events and lookups; fills de-duplicated by trade id (a time window) behind `watchMyTrades`;
 * - the unknown-outcome tracker: a write that may have executed is looked up on a schedule (every
 *   `resolveEvery` while anything is unresolved), its market refuses writes (`WriteBlocked`) until then, a
 *   create is never sent twice, and a create not found after `createGrace` was not created;
 * - creates and cancels coalesced across markets into the venue's batches (no waiting window: what is
 *   queued goes, chunked by `features.maxBatchCreate` / `maxBatchCancel`);
 * - a deadline on every write (a hang is `Unknown`); cancel-all emulation when the venue has none;
 * - after a private-stream gap or reconnect: open orders and recent fills re-read, health published;
 * - `Exchange.<method>` spans.
 *
 * It also returns a `VenueView` for the driver's own needs (an auditor comparing the store with REST, an
 * emergency stop marking orders canceled).
 */
export type { PortStats } from "./internal/venue/state.js"
export type { Unresolved } from "./internal/venue/unknowns.js"

export interface Options {
  /** prefix of generated client order ids (default "ah") */
  readonly clientIdPrefix?: string
  /** longest wait for a write's answer before it counts as unknown (default 30 s) */
  readonly writeDeadline?: Duration.DurationInput
  /** how often unresolved writes are looked up (default 250 ms) */
  readonly resolveEvery?: Duration.DurationInput
  /** a create not found this long after its outcome became unknown was not created (default 3 s) */
  readonly createGrace?: Duration.DurationInput
  /** how far back fills are re-read after a gap or reconnect (default 10 min) */
  readonly fillLookback?: Duration.DurationInput
  readonly retention?: Store.Retention
  /**
   * how long the venue's REST view may lag our view of an order (from its last change) before a
   * disagreement confirmed by a targeted lookup is a desync (default 1 500 ms; see `internal/venue/verify.ts`)
   */
  readonly verifyGrace?: Duration.DurationInput
  /** the desync action (default: the port's cancel-all); it runs after `Desync` is published on health */
  readonly onDesync?: (desync: VenueHealthNs.Desync) => Effect.Effect<void>
}

/** The port's state as the driver may use it. */
export interface VenueView {
  /** orders we believe open */
  readonly live: Effect.Effect<ReadonlyArray<Order.Order>>
  readonly order: (id: string) => Effect.Effect<Order.Order | undefined>
  readonly snapshot: Effect.Effect<Store.Store>
  /** merges a venue view of one of our orders (a REST read, an emergency stop) */
  readonly apply: (order: Order.Order) => Effect.Effect<Order.Order>
  /** the order with what the store knows and the venue's view may lack */
  readonly annotate: (order: Order.Order) => Effect.Effect<Order.Order>
  /** publishes a fill once per trade id (`rest`: a fill the push stream missed) */
  readonly fill: (fill: Order.Fill, source: S.FillSource) => Effect.Effect<boolean>
  readonly unresolved: Effect.Effect<ReadonlyArray<U.Unresolved>>
  /** looks up every unresolved write now; returns what is still unresolved */
  readonly resolveUnknown: Effect.Effect<ReadonlyArray<U.Unresolved>>
  /** settles an unknown create that another read (a REST list) revealed */
  readonly revealed: (order: Order.Order) => Effect.Effect<void>
  /** re-reads open orders (REST as the truth: at start, after a desync action) */
  readonly resync: Effect.Effect<void, E.ExchangeError>
  /**
   * one audit against the venue's list of our open orders (the driver reads it on its own cadence and
   * budget): publishes `Audited`, looks up due disagreements, and publishes `Desync` (then runs the desync
   * action) for those that stand; returns whether the audit was clean
   */
  readonly audit: (restOpen: ReadonlyArray<Order.Order>) => Effect.Effect<boolean>
  /** tells the port we asked the venue to cancel these orders (all of ours when omitted) outside its writes */
  readonly expectCancels: (ids?: ReadonlyArray<string>) => Effect.Effect<void>
  readonly stats: Effect.Effect<S.PortStats & { readonly desyncs: number; readonly verifyLookups: number }>
}

export interface VenuePort {
  readonly exchange: Exchange.ExchangeService
  readonly view: VenueView
}

export const make = (p: VenuePrimitives, options: Options = {}): Effect.Effect<VenuePort, never, Scope.Scope> =>
  Effect.gen(function* () {
    const venue = p.id as string
    // the clock the port is built under, read in one step (each private event and write reads it)
    const clock = yield* Effect.clock
    const time = () => clock.unsafeCurrentTimeMillis()
    const now = Effect.sync(time)
    // the resolver and the confirmer sleep while they have nothing to do, woken where work is added
    const resolverSignal = Poller.makeSignal()
    const confirmerSignal = Poller.makeSignal()
    const st: S.State = {
      venue,
      primitives: p,
      now,
      time,
      store: yield* Ref.make(Store.empty(options.retention)),
      unknowns: yield* Ref.make(U.empty()),
      stats: yield* Ref.make<S.PortStats>({ resolvedUnknown: 0, lookups: 0, restOnlyFills: 0, duplicateFills: 0 }),
      orders: yield* Fanout.make<Order.Order>(),
      fills: yield* Fanout.make<Order.Fill>(),
      health: yield* PubSub.unbounded<VenueHealthNs.VenueHealth>(),
      createGraceMs: Duration.toMillis(Duration.decode(options.createGrace ?? "3 seconds")),
      resolveLock: yield* Effect.makeSemaphore(1),
      unknownMarked: resolverSignal.wake
    }
    const fillLookbackMs = Duration.toMillis(Duration.decode(options.fillLookback ?? "10 minutes"))

    // client order ids: unique across restarts without stored state (prefix, start time, counter)
    const epoch = (yield* now).toString(36)
    const seq = yield* Ref.make(0)
    const prefix = options.clientIdPrefix ?? "ah"
    const nextCid = Effect.map(
      Ref.getAndUpdate(seq, (n) => n + 1),
      (n) => `${prefix}-${epoch}-${n.toString(36)}` as Ids.ClientOrderId
    )

    const scope = yield* Effect.scope
    const vd: V.Deps = {
      st,
      ref: yield* Ref.make(V.empty),
      graceMs: Duration.toMillis(Duration.decode(options.verifyGrace ?? "1500 millis")),
      action: (d) => options.onDesync?.(d) ?? Effect.asVoid(Effect.ignoreLogged(W.cancelAllOrders(deps))),
      fork: (e) => Effect.asVoid(Effect.forkIn(e, scope)),
      wake: confirmerSignal.wake
    }
    const deps: W.WriteDeps = {
      st,
      verify: vd,
      deadline: Duration.decode(options.writeDeadline ?? "30 seconds"),
      nextCid,
      creates: yield* Queue.unbounded<W.CreateJob>(),
      cancels: yield* Queue.unbounded<W.CancelJob>(),
      ...(p.inProcess === true ? { inProcess: Background.lanes(p, st) } : {})
    }
    // the batchers, the private events' reader, the resolver, the confirmer, the store's prune
    yield* Background.start(
      p,
      deps,
      { resolver: resolverSignal, confirmer: confirmerSignal },
      {
        fillLookbackMs,
        everyMs: Duration.toMillis(Duration.decode(options.resolveEvery ?? "250 millis"))
      }
    )

    const notFound = (message: string, ids: { orderId?: string; clientOrderId?: string }) =>
      new E.OrderNotFound({ venue, message, ...ids })
    const found = (o: Option.Option<Order.Order>, ifNone: () => E.ExchangeError) =>
      Option.match(o, { onNone: () => Effect.fail(ifNone()), onSome: (x) => S.annotate(st, x) })

    const exchange = Exchange.make({
      id: p.id,
      has: { ...p.has, cancelAllOrders: p.cancelAll !== undefined ? p.has.cancelAllOrders : "emulated" },
      features: p.features,
      loadMarkets: p.loadMarkets,
      fetchMarkets: p.fetchMarkets,
      fetchEvents: p.fetchEvents,
      fetchOrderBook: p.fetchOrderBook,
      createOrder: (r) => W.createOrder(deps, r),
      createOrders: (rs) => W.createOrders(deps, rs),
      editOrder: (id, symbol, edit) => A.editOrder(deps, id, symbol, edit),
      cancelOrder: (id, symbol) => W.cancelOrder(deps, id, symbol),
      cancelOrders: (ids, symbol) => W.cancelOrders(deps, ids, symbol),
      cancelAllOrders: (symbol) => W.cancelAllOrders(deps, symbol),
      fetchOrder: (id, symbol) =>
        Effect.flatMap(p.lookup({ _tag: "ByOrderId", id, ...(symbol !== undefined ? { symbol } : {}) }), (o) =>
          found(o, () => notFound(`order ${id} not found`, { orderId: id }))
        ),
      fetchOrderByClientId: (cid, symbol) =>
        Effect.gen(function* () {
          const id = Store.orderIdOf(yield* Ref.get(st.store), cid)
          const key: LookupKey =
            id !== undefined
              ? { _tag: "ByOrderId", id: id as Ids.OrderId, ...(symbol !== undefined ? { symbol } : {}) }
              : { _tag: "ByClientOrderId", clientOrderId: cid, ...(symbol !== undefined ? { symbol } : {}) }
          const o = yield* p.lookup(key)
          return yield* found(o, () => notFound(`no order with client id ${cid}`, { clientOrderId: cid }))
        }),
      fetchOpenOrders: (q) =>
        p.openOrders(q).pipe(
          Effect.flatMap((os) => Effect.forEach(os, (o) => S.annotate(st, o))),
          Effect.map((os) => (q?.limit !== undefined ? os.slice(0, q.limit) : os))
        ),
      fetchMyTrades: (q) => p.fills(q),
      fetchBalance: p.balance,
      fetchPositions: p.positions,
      watchOrderBook: p.watchOrderBook,
      watchBook: p.watchBook,
      ...(p.followBook !== undefined ? { followBook: p.followBook } : {}),
      ...(p.inProcess === true ? { inProcess: true } : {}),
      watchOrders: (symbol) => S.watch(st.orders, symbol),
      watchMyTrades: (symbol) => S.watch(st.fills, symbol),
      subscribeOrders: (accept) => st.orders.subscribe(accept),
      subscribeMyTrades: (accept) => st.fills.subscribe(accept),
      health: Stream.merge(p.health, Stream.unwrapScoped(Effect.map(PubSub.subscribe(st.health), Stream.fromQueue)))
    })

    const view: VenueView = {
      live: Effect.map(Ref.get(st.store), Store.live),
      order: (id) => Effect.map(Ref.get(st.store), (s) => Store.order(s, id)),
      snapshot: Ref.get(st.store),
      apply: (o) => S.apply(st, o),
      annotate: (o) => S.annotate(st, o),
      fill: (f, source) => Effect.tap(S.fill(st, f, source), (fresh) => (fresh ? V.countFill(vd, f) : Effect.void)),
      unresolved: S.unresolved(st),
      resolveUnknown: S.resolveUnknown(st),
      revealed: (o) =>
        o.clientOrderId === undefined
          ? Effect.void
          : Effect.flatMap(S.settle(st, `create:${o.clientOrderId}`), (was) =>
              was ? Effect.asVoid(S.apply(st, o)) : Effect.void
            ),
      resync: S.resync(st, undefined),
      audit: (restOpen) => V.audit(vd, restOpen),
      expectCancels: (ids) => (ids === undefined ? V.noteCancelAll(vd) : V.noteCancels(vd, ids)),
      stats: Effect.zipWith(Ref.get(st.stats), Ref.get(vd.ref), (p, v) => ({
        ...p,
        desyncs: v.desyncs,
        verifyLookups: v.lookups
      }))
    }
    return { exchange, view }
  })
