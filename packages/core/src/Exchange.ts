/**
 * The `Exchange` port, ccxt-style: ccxt's unified method names, but every call returns an Effect (or a
 * Stream for `watch*`) with a typed error channel and no requirements, so callers never see how a venue
 * is reached. A plugin provides it with a Layer (and usually also its own venue-specific client tag).
 */
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { ExchangeError } from "./ExchangeError.js"
import * as Fanout from "./Fanout.js"
import type { ClientOrderId, OrderId, Symbol, VenueId } from "./Ids.js"
import type { Event, Market } from "./Market.js"
import type { Balance, Fill, Order, OrderEdit, OrderRequest, Position, TimeInForce } from "./Order.js"
import type { BookView, OrderBook } from "./OrderBook.js"
import * as Tracing from "./Tracing.js"
import type { VenueHealth } from "./VenueHealth.js"

/** ccxt's `has` values: supported natively, not supported, or emulated by the plugin. */
export type Capability = true | false | "emulated"

export const methods = [
  "loadMarkets",
  "fetchMarkets",
  "fetchEvents",
  "fetchOrderBook",
  "createOrder",
  "createOrders",
  "editOrder",
  "cancelOrder",
  "cancelOrders",
  "cancelAllOrders",
  "fetchOrder",
  "fetchOpenOrders",
  "fetchMyTrades",
  "fetchBalance",
  "fetchPositions",
  "watchOrderBook",
  "watchBook",
  "watchOrders",
  "watchMyTrades"
] as const
export type Method = (typeof methods)[number]
export type Has = { readonly [K in Method]: Capability }

/** What the venue offers beyond method support. */
export interface Features {
  /** most orders one batch create may carry (1 = no batching) */
  readonly maxBatchCreate: number
  readonly maxBatchCancel: number
  /** editOrder changes the order in place (keeps id; may keep queue priority on size decreases) */
  readonly amend: boolean
  readonly postOnly: boolean
  readonly reduceOnly: boolean
  readonly cancelAll: boolean
  /** venue-side order groups with a contracts limit */
  readonly orderGroups: boolean
  readonly clientOrderId: boolean
  readonly timeInForce: ReadonlyArray<TimeInForce>
  /** resting orders can carry an expiry time */
  readonly expiry: boolean
}

export interface FetchOrdersOptions {
  readonly symbol?: Symbol
  /** epoch ms */
  readonly since?: number
  readonly limit?: number
}

/** Per-item results of a batch: each item's Order or its own typed error, in request order. */
export type BatchResult = ReadonlyArray<Either.Either<Order, ExchangeError>>

export interface ExchangeService {
  readonly id: VenueId
  readonly has: Has
  readonly features: Features
  /** Markets by symbol; cached after the first call unless `reload`. */
  readonly loadMarkets: (reload?: boolean) => Effect.Effect<ReadonlyMap<Symbol, Market>, ExchangeError>
  readonly fetchMarkets: () => Effect.Effect<ReadonlyArray<Market>, ExchangeError>
  readonly fetchEvents: () => Effect.Effect<ReadonlyArray<Event>, ExchangeError>
  readonly fetchOrderBook: (symbol: Symbol, limit?: number) => Effect.Effect<OrderBook, ExchangeError>
  readonly createOrder: (request: OrderRequest) => Effect.Effect<Order, ExchangeError>
  /** One result per request, in order; the outer error is for failures of the whole call. */
  readonly createOrders: (requests: ReadonlyArray<OrderRequest>) => Effect.Effect<BatchResult, ExchangeError>
  readonly editOrder: (id: OrderId, symbol: Symbol, edit: OrderEdit) => Effect.Effect<Order, ExchangeError>
  readonly cancelOrder: (id: OrderId, symbol: Symbol) => Effect.Effect<Order, ExchangeError>
  readonly cancelOrders: (ids: ReadonlyArray<OrderId>, symbol?: Symbol) => Effect.Effect<BatchResult, ExchangeError>
  /** Cancels every resting order (of one market, or all); returns the canceled orders. */
  readonly cancelAllOrders: (symbol?: Symbol) => Effect.Effect<ReadonlyArray<Order>, ExchangeError>
  readonly fetchOrder: (id: OrderId, symbol?: Symbol) => Effect.Effect<Order, ExchangeError>
  /** Looks an order up by our client order id (resolves unknown outcomes). */
  readonly fetchOrderByClientId: (clientOrderId: ClientOrderId, symbol?: Symbol) => Effect.Effect<Order, ExchangeError>
  readonly fetchOpenOrders: (options?: FetchOrdersOptions) => Effect.Effect<ReadonlyArray<Order>, ExchangeError>
  readonly fetchMyTrades: (options?: FetchOrdersOptions) => Effect.Effect<ReadonlyArray<Fill>, ExchangeError>
  readonly fetchBalance: () => Effect.Effect<ReadonlyArray<Balance>, ExchangeError>
  readonly fetchPositions: (symbols?: ReadonlyArray<Symbol>) => Effect.Effect<ReadonlyArray<Position>, ExchangeError>
  /** Snapshot then every change of one book; a gap is healed inside the stream (re-snapshot), never skipped. */
  readonly watchOrderBook: (symbol: Symbol) => Stream.Stream<OrderBook, ExchangeError>
  /**
   * The hot path's book: the current integer view (`BookView`: levels of the market's grid, lots), then views
   * as it changes, latest wins (a consumer that falls behind gets the newest view, never a backlog). No Decimal
   * book is built unless a view's `toOrderBook` is read. Invalid books are not emitted until healed.
   */
  readonly watchBook: (symbol: Symbol) => Stream.Stream<BookView, ExchangeError>
  /** Every change to our orders. */
  readonly watchOrders: (symbol?: Symbol) => Stream.Stream<Order, ExchangeError>
  /** Every fill of our orders, each once. */
  readonly watchMyTrades: (symbol?: Symbol) => Stream.Stream<Fill, ExchangeError>
  /**
   * Optional, for in-process consumers (a port built by `Venue.make` has both): what `watchOrders` /
   * `watchMyTrades` deliver, subscribed now in the caller's scope and read in batches without a stream
   * (`Fanout.forEach`); `accept` filters before anything is buffered. Read them through `runOrders`,
   * `runMyTrades`, `ordersWhere`, `myTradesWhere`. A wrapper that changes `watchOrders` / `watchMyTrades`
   * must drop (or wrap) these too.
   */
  readonly subscribeOrders?: (
    accept?: (o: Order) => boolean
  ) => Effect.Effect<Fanout.Subscription<Order>, never, Scope.Scope>
  readonly subscribeMyTrades?: (
    accept?: (f: Fill) => boolean
  ) => Effect.Effect<Fanout.Subscription<Fill>, never, Scope.Scope>
  /**
   * Optional, for in-process venues: what `watchBook` delivers, read by a loop instead of a stream (a stream
   * pays its channel's bookkeeping on every view: on a replay, a tenth of the run). Joined now, left when the
   * caller's scope closes. Read it through `runBook`. A wrapper that changes `watchBook` must drop it.
   */
  readonly followBook?: (symbol: Symbol) => Effect.Effect<BookReader, ExchangeError, Scope.Scope>
  /**
   * Optional: set by a port over an in-process driver (`VenuePrimitives.inProcess`): every call answers
   * promptly (nothing can hang), so a caller's own write deadline guards nothing. A wrapper that can make a
   * call hang must drop it.
   */
  readonly inProcess?: boolean
  /**
   * The venue's health events (desyncs, its own halts, disconnects, private-stream gaps) for every
   * subscriber, from subscription on. The venue publishes; the runner acts (Risk, journal, report).
   */
  readonly health: Stream.Stream<VenueHealth>
}

/**
 * One reader of a market's book (`followBook`): `next` answers the first view at once, then waits for a view
 * it has not had — the newest when it asks (latest wins, as `watchBook`). One loop per reader.
 */
export interface BookReader {
  readonly next: Effect.Effect<BookView, ExchangeError>
}

export class Exchange extends Context.Tag("@alpha-hunter/core/Exchange")<Exchange, ExchangeService>() {}

/** `has` with every method at one value, to override per venue. */
export const hasAll = (value: Capability, overrides: Partial<Has> = {}): Has =>
  ({ ...Object.fromEntries(methods.map((m) => [m, value])), ...overrides }) as Has

/**
 * Wraps a venue implementation once for every venue ("fat interface, thin driver"): adds a tracing span per
 * call named `Exchange.<method>` with the venue and symbol (when a tracer is installed: `Tracing.traced`).
 */
export const make = (impl: ExchangeService): ExchangeService => {
  const span =
    (name: string) =>
    <A, E>(eff: Effect.Effect<A, E>, symbol?: string): Effect.Effect<A, E> =>
      Tracing.traced(`Exchange.${name}`, { attributes: { venue: impl.id, ...(symbol ? { symbol } : {}) } })(eff)
  return {
    ...impl,
    loadMarkets: (reload) => span("loadMarkets")(impl.loadMarkets(reload)),
    fetchMarkets: () => span("fetchMarkets")(impl.fetchMarkets()),
    fetchEvents: () => span("fetchEvents")(impl.fetchEvents()),
    fetchOrderBook: (s, l) => span("fetchOrderBook")(impl.fetchOrderBook(s, l), s),
    createOrder: (r) => span("createOrder")(impl.createOrder(r), r.symbol),
    createOrders: (rs) => span("createOrders")(impl.createOrders(rs)),
    editOrder: (id, s, e) => span("editOrder")(impl.editOrder(id, s, e), s),
    cancelOrder: (id, s) => span("cancelOrder")(impl.cancelOrder(id, s), s),
    cancelOrders: (ids, s) => span("cancelOrders")(impl.cancelOrders(ids, s), s),
    cancelAllOrders: (s) => span("cancelAllOrders")(impl.cancelAllOrders(s), s),
    fetchOrder: (id, s) => span("fetchOrder")(impl.fetchOrder(id, s), s),
    fetchOrderByClientId: (c, s) => span("fetchOrderByClientId")(impl.fetchOrderByClientId(c, s), s),
    fetchOpenOrders: (o) => span("fetchOpenOrders")(impl.fetchOpenOrders(o), o?.symbol),
    fetchMyTrades: (o) => span("fetchMyTrades")(impl.fetchMyTrades(o), o?.symbol),
    fetchBalance: () => span("fetchBalance")(impl.fetchBalance()),
    fetchPositions: (ss) => span("fetchPositions")(impl.fetchPositions(ss))
  }
}

/**
 * Runs `f` on every change to our orders from now on, in order, until `f` fails (the venue's subscription
 * read in batches when it has one, `watchOrders` otherwise).
 */
export const runOrders = <E, R>(ex: ExchangeService, f: (o: Order) => Effect.Effect<unknown, E, R>) =>
  ex.subscribeOrders !== undefined
    ? Effect.scoped(Effect.flatMap(ex.subscribeOrders(), (s) => Fanout.forEach(s, f)))
    : Stream.runForEach(ex.watchOrders(), f)

/** Runs `f` on every fill of our orders from now on, in order, until `f` fails (see `runOrders`). */
export const runMyTrades = <E, R>(ex: ExchangeService, f: (fill: Fill) => Effect.Effect<unknown, E, R>) =>
  ex.subscribeMyTrades !== undefined
    ? Effect.scoped(Effect.flatMap(ex.subscribeMyTrades(), (s) => Fanout.forEach(s, f)))
    : Stream.runForEach(ex.watchMyTrades(), f)

/**
 * Runs `f` on each batch of the fills of our orders that `accept` keeps, from now on, in order, until `f` fails:
 * the venue's subscription read batch by batch (filtered before buffering) when it has one, `watchMyTrades` read
 * chunk by chunk otherwise.
 */
export const runMyTradeBatches = <E, R>(
  ex: ExchangeService,
  accept: (f: Fill) => boolean,
  f: (fills: ReadonlyArray<Fill>) => Effect.Effect<unknown, E, R>
): Effect.Effect<void, ExchangeError | E, R> =>
  ex.subscribeMyTrades !== undefined
    ? Effect.scoped(Effect.flatMap(ex.subscribeMyTrades(accept), (s) => Fanout.forEachBatch(s, f)))
    : Stream.runForEachChunk(Stream.filter(ex.watchMyTrades(), accept), (c) => f(Chunk.toReadonlyArray(c)))

/**
 * Runs `f` on every view of a market's book from now on (latest wins), until `f` fails or the book ends: the
 * venue's `followBook` loop when it has one, `watchBook` otherwise.
 */
export const runBook = <E, R>(
  ex: ExchangeService,
  symbol: Symbol,
  f: (view: BookView) => Effect.Effect<unknown, E, R>
): Effect.Effect<void, ExchangeError | E, R> =>
  ex.followBook !== undefined
    ? Effect.scoped(
        Effect.flatMap(ex.followBook(symbol), (r) => {
          // no yield per view (`Effect.forever` adds one): `next` suspends until the book changes, and the
          // runtime still yields a fiber that runs long
          const loop: Effect.Effect<never, ExchangeError | E, R> = Effect.flatMap(r.next, (v) =>
            Effect.zipRight(f(v), loop)
          )
          return loop
        })
      )
    : Stream.runForEach(ex.watchBook(symbol), f)

/** `watchOrders` with only what `accept` keeps (filtered before buffering when the venue allows). */
export const ordersWhere = (ex: ExchangeService, accept: (o: Order) => boolean): Stream.Stream<Order, ExchangeError> =>
  ex.subscribeOrders !== undefined
    ? Stream.unwrapScoped(Effect.map(ex.subscribeOrders(accept), Fanout.toStream))
    : Stream.filter(ex.watchOrders(), accept)

/** `watchMyTrades` with only what `accept` keeps (filtered before buffering when the venue allows). */
export const myTradesWhere = (ex: ExchangeService, accept: (f: Fill) => boolean): Stream.Stream<Fill, ExchangeError> =>
  ex.subscribeMyTrades !== undefined
    ? Stream.unwrapScoped(Effect.map(ex.subscribeMyTrades(accept), Fanout.toStream))
    : Stream.filter(ex.watchMyTrades(), accept)
