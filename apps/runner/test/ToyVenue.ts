/**
 * A venue plugin written against core alone (no runner, no other plugin): an in-memory exchange with a
 * fixed two-sided book and no matching. It provides primitives only and gets the full `Exchange` from
 * `Venue.make` (ids, validation, order store, batching, unknown outcomes). It is what the README's "Adding a
 * venue plugin" describes, and the test beside it shows the runner composing it from one registry line.
 */
import {
  Decimal as D,
  Diagnostics,
  Exchange,
  ExchangeError,
  Fee,
  Ids,
  Market,
  Order,
  OrderBook,
  Plugin,
  TickGrid,
  Venue,
  WriteOutcome
} from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"

export const ToyConfig = Schema.Struct({ symbol: Schema.String, bid: Schema.String, ask: Schema.String })
export type ToyConfig = typeof ToyConfig.Type

const make = (config: ToyConfig, venue: string) =>
  Effect.gen(function* () {
    const symbol = Ids.Symbol.make(config.symbol)
    const market = Market.Market.make({
      venue: Ids.VenueId.make(venue),
      symbol,
      title: "toy market",
      kind: { _tag: "binary", settlementValue: D.ONE, outcomes: Market.yesNo() },
      currency: "USD",
      status: "open",
      tickGrid: { ranges: [TickGrid.PriceRange.make({ start: D.d("0.01"), end: D.d("0.99"), step: D.d("0.01") })] },
      amountStep: D.ONE,
      minAmount: D.ONE,
      fees: Fee.NoFee.make({})
    })
    const grid = TickGrid.unsafeMake(market.tickGrid)
    const orders = yield* Ref.make(new Map<string, Order.Order>())
    const updates = yield* PubSub.unbounded<Order.Order>()
    const seq = yield* Ref.make(0)
    const now = Effect.clockWith((c) => c.currentTimeMillis)
    const book = Effect.map(now, (timestamp) =>
      OrderBook.OrderBook.make({
        symbol,
        bids: [[D.d(config.bid), D.d("100")]],
        asks: [[D.d(config.ask), D.d("100")]],
        timestamp
      })
    )
    const store = (o: Order.Order) =>
      Effect.zipRight(
        Ref.update(orders, (m) => new Map(m).set(o.id, o)),
        PubSub.publish(updates, o)
      ).pipe(Effect.as(o))
    const create = (r: Venue.CreateItem) =>
      Effect.gen(function* () {
        const n = yield* Ref.getAndUpdate(seq, (x) => x + 1)
        return yield* store(
          Order.Order.make({
            id: Ids.OrderId.make(`toy-${n}`),
            clientOrderId: r.clientOrderId,
            symbol,
            side: r.side,
            type: "limit",
            price: r.price,
            amount: r.amount,
            filled: D.ZERO,
            remaining: r.amount,
            cost: D.ZERO,
            status: "open",
            timeInForce: r.timeInForce,
            postOnly: r.postOnly,
            reduceOnly: r.reduceOnly,
            timestamp: yield* now
          })
        )
      })
    const cancel = (id: Ids.OrderId) =>
      Effect.gen(function* () {
        const o = (yield* Ref.get(orders)).get(id)
        if (o === undefined || o.status !== "open") {
          return WriteOutcome.fromError(
            new ExchangeError.OrderNotFound({ venue, message: `no order ${id}`, orderId: id })
          )
        }
        return WriteOutcome.done(yield* store(Order.Order.make({ ...o, status: "canceled", remaining: D.ZERO })))
      })
    const open = Effect.map(Ref.get(orders), (m) => [...m.values()].filter((o) => o.status === "open"))
    const unsupported = (what: string) => new ExchangeError.NotSupported({ venue, message: `${what} is not supported` })
    const primitives: Venue.VenuePrimitives = {
      id: Ids.VenueId.make(venue),
      has: Exchange.hasAll(true, { fetchEvents: false, editOrder: false }),
      features: {
        maxBatchCreate: 10,
        maxBatchCancel: 10,
        amend: false,
        postOnly: true,
        reduceOnly: false,
        cancelAll: false,
        orderGroups: false,
        clientOrderId: true,
        timeInForce: ["GTC"],
        expiry: false
      },
      loadMarkets: () => Effect.succeed(new Map([[symbol, market]])),
      fetchMarkets: () => Effect.succeed([market]),
      fetchEvents: () => Effect.fail(unsupported("fetchEvents")),
      instrument: (s) =>
        s === symbol
          ? Effect.succeed({ market, grid })
          : Effect.fail(new ExchangeError.BadSymbol({ venue, message: "unknown", symbol: s })),
      fetchOrderBook: () => book,
      watchOrderBook: () => Stream.concat(Stream.fromEffect(book), Stream.never),
      // a venue with only Decimal books derives its integer views from them
      watchBook: () => OrderBook.viewsOf(Stream.concat(Stream.fromEffect(book), Stream.never), grid, market.amountStep),
      // writes: one outcome per item (no amend, no native cancel-all: the port emulates it)
      submit: (items) => Effect.forEach(items, (r) => Effect.map(create(r), WriteOutcome.done)),
      cancel: (items) => Effect.forEach(items, (c) => cancel(c.id)),
      lookup: (key) =>
        Effect.map(Ref.get(orders), (m) =>
          Option.fromNullable(
            key._tag === "ByOrderId"
              ? m.get(key.id)
              : [...m.values()].find((x) => x.clientOrderId === key.clientOrderId)
          )
        ),
      openOrders: () => open,
      fills: () => Effect.succeed([]),
      balance: () => Effect.succeed([]),
      positions: () => Effect.succeed([]),
      privateEvents: Effect.map(PubSub.subscribe(updates), (q) =>
        Stream.map(Stream.fromQueue(q), (order): Venue.PrivateEvent => ({ _tag: "OrderUpdate", order }))
      ),
      health: Stream.empty
    }
    const { exchange } = yield* Venue.make(primitives, { clientIdPrefix: "toy" })
    return exchange
  })

export const plugin = Plugin.exchangePlugin({
  name: "toy",
  description: "a fixed book and no matching (an example of a venue plugin)",
  config: ToyConfig,
  layer: (config: ToyConfig, context: { readonly venue: string }) =>
    Layer.merge(
      Layer.scoped(Exchange.Exchange, make(config, context.venue)),
      Layer.succeed(Diagnostics.Diagnostics, Diagnostics.minimal([`toy venue: ${config.symbol}`]))
    )
})
