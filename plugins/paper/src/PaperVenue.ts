/**
 * The paper venue: an in-memory exchange with a real matching engine. One layer provides both the core
 * `Exchange` port and `PaperVenue`, the paper-specific control surface (other participants' liquidity and
 * flow, market status, settlement), the way `PgClient.layer` provides `PgClient` and `SqlClient`.
 *
 * All state lives in one `SynchronizedRef` created by the layer. Every operation runs as one transaction
 * under it: GTD expiries due at the current `Clock` time are applied first, then the operation on a draft
 * that is committed only if it succeeds, then its events are published (order updates, fills, books) on
 * unbounded PubSubs, so streams never drop an order event or a fill and see them in venue order. Decimal
 * books are built per change only while a `watchOrderBook` stream is open; `watchBook` takes integer views
 * of the (immutable) state when its consumer pulls.
 */
import {
  Decimal as D,
  ExchangeError as E,
  Exchange,
  type Ids,
  Market,
  Order,
  OrderBook,
  TickGrid,
  Venue,
  WriteOutcome
} from "@alpha-hunter/core"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SynchronizedRef from "effect/SynchronizedRef"
import * as Acc from "./internal/accounting.js"
import * as Engine from "./internal/engine.js"
import * as Flow from "./internal/flow.js"
import * as St from "./internal/state.js"
import * as Views from "./internal/views.js"
import { allMarkets, PaperConfig } from "./PaperConfig.js"

type ExchangeError = E.ExchangeError

/** The configuration cannot build a venue (bad grid, duplicate symbol, ...). */
export class PaperConfigError extends Data.TaggedError("PaperConfigError")<{ readonly message: string }> {}

/** An order of another participant. */
export interface ExternalOrder {
  readonly symbol: Ids.Symbol
  readonly side: Order.Side
  readonly price: D.Decimal
  readonly amount: D.Decimal
  /** GTC rests what does not trade; IOC / FOK never rest (default GTC) */
  readonly timeInForce?: Order.TimeInForce
  /** refuse (PostOnlyWouldCross) instead of trading (default false) */
  readonly postOnly?: boolean
  /** epoch ms at which a resting order expires */
  readonly expiry?: number
}

export interface Liquidity {
  readonly symbol: Ids.Symbol
  readonly side: Order.Side
  readonly price: D.Decimal
  readonly amount: D.Decimal
  readonly expiry?: number
}

export interface PaperVenueService {
  readonly venue: Ids.VenueId
  /** Rests another participant's order (post-only: fails with PostOnlyWouldCross instead of trading). */
  readonly addLiquidity: (liquidity: Liquidity) => Effect.Effect<Order.Order, ExchangeError>
  /** Another participant's order that trades against the book (ours included) and may rest (GTC). */
  readonly submitExternal: (order: ExternalOrder) => Effect.Effect<Order.Order, ExchangeError>
  /** Another participant takes liquidity: an IOC order up to `price`. */
  readonly take: (liquidity: Omit<Liquidity, "expiry">) => Effect.Effect<Order.Order, ExchangeError>
  readonly cancelExternal: (id: Ids.OrderId) => Effect.Effect<Order.Order, ExchangeError>
  readonly cancelAllExternal: (symbol?: Ids.Symbol) => Effect.Effect<ReadonlyArray<Order.Order>, ExchangeError>
  /** Other participants' resting orders, oldest first. */
  readonly externalOrders: (symbol?: Ids.Symbol) => Effect.Effect<ReadonlyArray<Order.Order>, ExchangeError>
  /** Changes a market's status; "closed" and "settled" cancel every resting order. */
  readonly setMarketStatus: (
    symbol: Ids.Symbol,
    status: Market.MarketStatus
  ) => Effect.Effect<Market.Market, ExchangeError>
  /** Settles a binary market at `value` (e.g. 1 for YES, 0 for NO) and pays positions out. */
  readonly settle: (symbol: Ids.Symbol, value: D.Decimal) => Effect.Effect<Market.Market, ExchangeError>
  /** Adds (or with a negative amount, removes) funds. */
  readonly deposit: (currency: string, amount: D.Decimal) => Effect.Effect<void>
  /** Applies every expiry due at the current Clock time (operations do this on their own too). */
  readonly expireDue: Effect.Effect<void>
}

export class PaperVenue extends Context.Tag("@alpha-hunter/paper/PaperVenue")<PaperVenue, PaperVenueService>() {}

export const has: Exchange.Has = Exchange.hasAll(true)

export const features: Exchange.Features = {
  maxBatchCreate: 20,
  maxBatchCancel: 20,
  amend: true,
  postOnly: true,
  reduceOnly: true,
  cancelAll: true,
  orderGroups: false,
  clientOrderId: true,
  timeInForce: ["GTC", "IOC", "FOK"],
  expiry: true
}

const buildMarkets = (
  config: PaperConfig,
  now: number
): Either.Either<ReadonlyArray<St.MarketState>, PaperConfigError> => {
  const out: Array<St.MarketState> = []
  const seen = new Set<string>()
  for (const m0 of allMarkets(config)) {
    if (seen.has(m0.symbol)) return Either.left(new PaperConfigError({ message: `duplicate market ${m0.symbol}` }))
    seen.add(m0.symbol)
    const grid = TickGrid.make(m0.tickGrid)
    if (Either.isLeft(grid)) {
      return Either.left(new PaperConfigError({ message: `market ${m0.symbol}: ${grid.left.message}` }))
    }
    if (!D.isMultipleOf(m0.minAmount, m0.amountStep)) {
      return Either.left(new PaperConfigError({ message: `market ${m0.symbol}: minAmount is off the lot step` }))
    }
    const market = m0.venue === config.venue ? m0 : Market.Market.make({ ...m0, venue: config.venue })
    out.push({
      market,
      grid: grid.right,
      status: market.status,
      bids: [],
      asks: [],
      sequence: 0,
      timestamp: now,
      settlement: undefined
    })
  }
  return Either.right(out)
}

/** A change of the venue's primitives before the port is built on them (fault injection in tests). */
export type Wrap = (primitives: Venue.VenuePrimitives) => Effect.Effect<Venue.VenuePrimitives, never, Scope.Scope>

/** Builds the venue; its fibers (expiry, synthetic flow) live in the scope. */
export const make = (
  config: PaperConfig,
  wrap: Wrap = Effect.succeed
): Effect.Effect<
  { readonly venue: PaperVenueService; readonly exchange: Exchange.ExchangeService },
  PaperConfigError,
  Scope.Scope
> =>
  Effect.gen(function* () {
    const venueId = config.venue
    const start = yield* Clock.currentTimeMillis
    const markets = yield* buildMarkets(config, start)
    const ref = yield* SynchronizedRef.make(St.empty(venueId, markets, Object.entries(config.balances)))
    const ordersHub = yield* PubSub.unbounded<Order.Order>()
    const fillsHub = yield* PubSub.unbounded<Order.Fill>()
    const booksHub = yield* PubSub.unbounded<OrderBook.OrderBook>()
    /** how many watchOrderBook streams are open (Decimal books are built only for them) */
    const decimalReaders = yield* Ref.make(0)
    /** the markets each transaction touched (wakes watchBook streams) */
    const touchedHub = yield* PubSub.unbounded<Ids.Symbol>()
    const wakeup = yield* Queue.sliding<void>(1)
    yield* Effect.addFinalizer(() =>
      Effect.all(
        [PubSub.shutdown(ordersHub), PubSub.shutdown(fillsHub), PubSub.shutdown(booksHub), PubSub.shutdown(touchedHub)],
        { discard: true }
      )
    )

    const publish = (s: St.State, events: ReadonlyArray<St.EngineEvent>, touched: Iterable<Ids.Symbol>) =>
      Effect.gen(function* () {
        const orders: Array<Order.Order> = []
        const fills: Array<Order.Fill> = []
        for (const ev of events) {
          if (ev._tag === "Order") orders.push(Views.toOrder(s, ev.order))
          else fills.push(ev.fill)
        }
        const books: Array<OrderBook.OrderBook> = []
        if ((yield* Ref.get(decimalReaders)) > 0) {
          for (const symbol of touched) {
            const ms = Engine.marketState(s, symbol)
            if (ms !== undefined) books.push(Views.toBook(s, ms))
          }
        }
        if (orders.length > 0) yield* PubSub.publishAll(ordersHub, orders)
        if (fills.length > 0) yield* PubSub.publishAll(fillsHub, fills)
        if (books.length > 0) yield* PubSub.publishAll(booksHub, books)
        const symbols = [...touched]
        if (symbols.length > 0) yield* PubSub.publishAll(touchedHub, symbols)
      })

    /** One transaction: expiries due now, then `f` on a draft (committed on success), then events. */
    const transact = <A>(f: (tx: St.Tx) => Either.Either<A, ExchangeError>): Effect.Effect<A, ExchangeError> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        SynchronizedRef.modifyEffect(ref, (s0) => {
          const sweep = St.begin(s0, now)
          Engine.sweepExpired(sweep)
          const s1 = St.commit(sweep)
          const tx = St.begin(s1, now)
          const r = f(tx)
          const ok = Either.isRight(r)
          const state = ok ? St.commit(tx) : s1
          const events = ok ? [...sweep.events, ...tx.events] : sweep.events
          const touched = ok ? new Set([...sweep.touched, ...tx.touched]) : sweep.touched
          return Effect.as(publish(state, events, touched), [r, state] as const)
        })
      ).pipe(Effect.flatten)

    /** Reads the state under the lock (after applying due expiries). */
    const read = <A>(f: (s: St.State) => Either.Either<A, ExchangeError>) => transact((tx) => f(tx.d))

    const marketOrFail = (s: St.State, symbol: Ids.Symbol): Either.Either<St.MarketState, ExchangeError> => {
      const ms = Engine.marketState(s, symbol)
      return ms === undefined
        ? Either.left(new E.BadSymbol({ venue: venueId, symbol, message: `unknown market ${symbol}` }))
        : Either.right(ms)
    }

    const wake = Queue.offer(wakeup, undefined)

    // ---- Exchange ------------------------------------------------------------------------------

    const loadMarkets = () =>
      read((s) =>
        Either.right(
          new Map(
            s.symbols.flatMap((sym) => {
              const ms = Engine.marketState(s, sym)
              return ms === undefined ? [] : [[sym, Views.toMarket(ms)] as const]
            })
          ) as ReadonlyMap<Ids.Symbol, Market.Market>
        )
      )

    const createOrder = (request: Order.OrderRequest) =>
      transact((tx) =>
        Either.map(Engine.submit(tx, Engine.fromRequest(request), "self"), (o) => Views.toOrder(tx.d, o))
      ).pipe(Effect.tap(() => (request.expiry === undefined ? Effect.void : wake)))

    const cancelOrder = (id: Ids.OrderId, symbol?: Ids.Symbol) =>
      transact((tx) => Either.map(Engine.cancel(tx, id, "self", symbol), (o) => Views.toOrder(tx.d, o)))

    const selfOpen = (s: St.State, symbol?: Ids.Symbol): ReadonlyArray<St.OrderRec> =>
      s.symbols
        .filter((sym) => symbol === undefined || sym === symbol)
        .flatMap((sym) => {
          const ms = Engine.marketState(s, sym)
          return ms === undefined ? [] : Engine.resting(s, ms).filter((o) => o.owner === "self")
        })
        .sort((a, b) => a.seq - b.seq)

    const checkSymbol = (s: St.State, symbol?: Ids.Symbol): Either.Either<void, ExchangeError> =>
      symbol === undefined ? Either.right(undefined) : Either.map(marketOrFail(s, symbol), () => undefined)

    const outcome = (r: Either.Either<Order.Order, ExchangeError>) => WriteOutcome.fromEither(r)
    const refusal = (r: Either.Either<Order.Order, ExchangeError>): WriteOutcome.WriteOutcome =>
      // a duplicate client id is a plain refusal here (the port decides what it means)
      Either.isLeft(r) && r.left._tag === "DuplicateClientOrderId" ? { _tag: "Refused", error: r.left } : outcome(r)
    const answer = <A>(eff: Effect.Effect<A, ExchangeError>) => Effect.either(eff)

    // the paper venue's primitives; the generic port adds ids, validation, the order store, batching, ...
    const primitives: Venue.VenuePrimitives = {
      id: venueId,
      has,
      features,
      instrument: (symbol) =>
        read((s) => Either.map(marketOrFail(s, symbol), (ms) => ({ market: Views.toMarket(ms), grid: ms.grid }))),
      loadMarkets: () => loadMarkets(),
      fetchMarkets: () => Effect.map(loadMarkets(), (m) => [...m.values()]),
      fetchEvents: () =>
        Effect.map(loadMarkets(), (ms) => {
          const byEvent = new Map<Ids.EventId, Array<Ids.Symbol>>()
          for (const m of ms.values()) {
            if (m.eventId === undefined) continue
            byEvent.set(m.eventId, [...(byEvent.get(m.eventId) ?? []), m.symbol])
          }
          return [...byEvent].map(([id, symbols]) =>
            Market.Event.make({ venue: venueId, id, title: id, markets: symbols })
          )
        }),
      fetchOrderBook: (symbol, limit) =>
        read((s) => Either.map(marketOrFail(s, symbol), (ms) => Views.toBook(s, ms, limit))),
      submit: (items) => Effect.forEach(items, (r) => Effect.map(answer(createOrder(r)), refusal)),
      cancel: (items) => Effect.forEach(items, (c) => Effect.map(answer(cancelOrder(c.id, c.symbol)), outcome)),
      amend: ({ order, edit }) =>
        Effect.map(
          answer(
            transact((tx) =>
              Either.map(Engine.amend(tx, order.id, { price: edit.price, amount: edit.amount }, order.symbol), (o) =>
                Views.toOrder(tx.d, o)
              )
            )
          ),
          outcome
        ),
      cancelAll: () => transact((tx) => Either.right(Engine.cancelAll(tx, "self").map((o) => Views.toOrder(tx.d, o)))),
      lookup: (key) =>
        read((s) => {
          const id =
            key._tag === "ByOrderId" ? key.id : Option.getOrUndefined(HashMap.get(s.clientIds, key.clientOrderId))
          const o = id === undefined ? undefined : Engine.orderRec(s, id)
          return Either.right(
            o === undefined || o.owner !== "self" || (key.symbol !== undefined && o.symbol !== key.symbol)
              ? Option.none()
              : Option.some(Views.toOrder(s, o))
          )
        }),
      openOrders: (options = {}) =>
        read((s) =>
          Either.map(checkSymbol(s, options.symbol), () => {
            const open = selfOpen(s, options.symbol).filter(
              (o) => options.since === undefined || o.timestamp >= options.since
            )
            return (options.limit === undefined ? open : open.slice(0, options.limit)).map((o) => Views.toOrder(s, o))
          })
        ),
      fills: (options = {}) =>
        read((s) =>
          Either.map(checkSymbol(s, options.symbol), () => {
            const fills = Chunk.toReadonlyArray(s.fills).filter(
              (f) =>
                (options.symbol === undefined || f.symbol === options.symbol) &&
                (options.since === undefined || f.timestamp >= options.since)
            )
            if (options.limit === undefined) return fills
            return options.since === undefined ? fills.slice(-options.limit) : fills.slice(0, options.limit)
          })
        ),
      balance: () =>
        read((s) =>
          Either.right(
            Acc.balances(s).map((b) =>
              Order.Balance.make({ currency: b.currency, free: b.free, used: b.used, total: b.total })
            )
          )
        ),
      positions: (symbols) =>
        read((s) =>
          Either.right(
            s.symbols
              .filter((sym) => symbols === undefined || symbols.includes(sym))
              .flatMap((sym) => {
                const p = Acc.positionOf(s, sym)
                return p === undefined ? [] : [Views.toPosition(sym, p)]
              })
          )
        ),
      watchOrderBook: (symbol) =>
        Stream.unwrapScoped(
          // subscribe and snapshot under the lock: no update can fall between them
          SynchronizedRef.modifyEffect(ref, (s) =>
            Effect.gen(function* (): Effect.fn.Return<
              readonly [Stream.Stream<OrderBook.OrderBook, ExchangeError>, St.State],
              never,
              Scope.Scope
            > {
              const ms = marketOrFail(s, symbol)
              if (Either.isLeft(ms)) return [Stream.fail(ms.left), s] as const
              yield* Effect.acquireRelease(
                Ref.update(decimalReaders, (n) => n + 1),
                () => Ref.update(decimalReaders, (n) => n - 1)
              )
              const sub = yield* PubSub.subscribe(booksHub)
              const snap = Views.toBook(s, ms.right)
              const updates = Stream.fromQueue(sub).pipe(
                Stream.filter((b) => b.symbol === symbol && (b.sequence ?? 0) > (snap.sequence ?? 0))
              )
              return [Stream.concat(Stream.succeed(snap), updates), s] as const
            })
          )
        ),
      watchBook: (symbol) =>
        Stream.unwrapScoped(
          Effect.gen(function* () {
            const ms = marketOrFail(yield* SynchronizedRef.get(ref), symbol)
            if (Either.isLeft(ms)) return Stream.fail(ms.left)
            const sub = yield* PubSub.subscribe(touchedHub)
            const read = Effect.map(SynchronizedRef.get(ref), (s) => {
              const m = Engine.marketState(s, symbol)
              return m === undefined ? undefined : Views.toView(s, m)
            })
            return OrderBook.pullLatest(
              Stream.filter(Stream.fromQueue(sub), (x) => x === symbol),
              read
            )
          })
        ),
      privateEvents: Effect.map(
        Effect.all([PubSub.subscribe(ordersHub), PubSub.subscribe(fillsHub)]),
        ([orders, fills]) =>
          Stream.merge(
            Stream.map(Stream.fromQueue(orders), (order): Venue.PrivateEvent => ({ _tag: "OrderUpdate", order })),
            Stream.map(Stream.fromQueue(fills), (fill): Venue.PrivateEvent => ({ _tag: "OrderFill", fill }))
          )
      ),
      // an in-memory venue cannot desync, disconnect or halt on its own
      health: Stream.empty
    }
    const { exchange } = yield* Venue.make(yield* wrap(primitives), { clientIdPrefix: "paper" })

    // ---- PaperVenue ----------------------------------------------------------------------------

    const submitExternal = (o: ExternalOrder) =>
      transact((tx) =>
        Either.map(
          Engine.submit(
            tx,
            {
              symbol: o.symbol,
              side: o.side,
              type: "limit",
              price: o.price,
              amount: o.amount,
              timeInForce: o.timeInForce ?? "GTC",
              postOnly: o.postOnly ?? false,
              reduceOnly: false,
              clientOrderId: undefined,
              expiry: o.expiry
            },
            "external"
          ),
          (rec) => Views.toOrder(tx.d, rec)
        )
      ).pipe(Effect.tap(() => (o.expiry === undefined ? Effect.void : wake)))

    const venue: PaperVenueService = {
      venue: venueId,
      addLiquidity: (l) =>
        submitExternal({
          symbol: l.symbol,
          side: l.side,
          price: l.price,
          amount: l.amount,
          postOnly: true,
          ...(l.expiry === undefined ? {} : { expiry: l.expiry })
        }),
      submitExternal,
      take: (l) => submitExternal({ ...l, timeInForce: "IOC" }),
      cancelExternal: (id) =>
        transact((tx) => Either.map(Engine.cancel(tx, id, "external"), (o) => Views.toOrder(tx.d, o))),
      cancelAllExternal: (symbol) =>
        transact((tx) =>
          Either.map(checkSymbol(tx.d, symbol), () =>
            Engine.cancelAll(tx, "external", symbol).map((o) => Views.toOrder(tx.d, o))
          )
        ),
      externalOrders: (symbol) =>
        read((s) =>
          Either.map(checkSymbol(s, symbol), () =>
            s.symbols
              .filter((sym) => symbol === undefined || sym === symbol)
              .flatMap((sym) => Engine.resting(s, Engine.marketState(s, sym)!).filter((o) => o.owner === "external"))
              .sort((a, b) => a.seq - b.seq)
              .map((o) => Views.toOrder(s, o))
          )
        ),
      setMarketStatus: (symbol, status) =>
        transact((tx) => Either.map(Engine.setStatus(tx, symbol, status), Views.toMarket)),
      settle: (symbol, value) => transact((tx) => Either.map(Engine.settle(tx, symbol, value), Views.toMarket)),
      deposit: (currency, amount) =>
        transact((tx) => {
          const cur = Acc.cashOf(tx.d, currency)
          tx.d.cash = HashMap.set(tx.d.cash, currency, D.add(cur, amount))
          return Either.right(undefined)
        }).pipe(Effect.orDie),
      expireDue: Effect.ignore(transact(() => Either.right(undefined)))
    }

    // ---- background fibers ---------------------------------------------------------------------

    const expiryLoop = Effect.gen(function* () {
      while (true) {
        const s = yield* SynchronizedRef.get(ref)
        const now = yield* Clock.currentTimeMillis
        if (s.nextExpiry === undefined) yield* Queue.take(wakeup)
        else if (s.nextExpiry > now) {
          yield* Effect.raceFirst(Effect.sleep(Duration.millis(s.nextExpiry - now)), Queue.take(wakeup))
        }
        yield* venue.expireDue
      }
    })
    yield* Effect.forkScoped(expiryLoop)
    if (config.flow.enabled) yield* Effect.forkScoped(Flow.run(config, venue, exchange))

    return { venue, exchange }
  })

/** The paper venue as a layer providing both `PaperVenue` and the core `Exchange`. */
export const layer = (
  config: PaperConfig = PaperConfig.make({}),
  wrap?: Wrap
): Layer.Layer<PaperVenue | Exchange.Exchange, PaperConfigError> =>
  Layer.scopedContext(
    Effect.map(make(config, wrap), ({ exchange, venue }) =>
      Context.make(PaperVenue, venue).pipe(Context.add(Exchange.Exchange, exchange))
    )
  )
