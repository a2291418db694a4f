/**
 * A deliberately small, honest venue for the testkit's own tests: one binary market with static liquidity
 * of other participants (asks 0.60/0.70, bids 0.40/0.30) that never trades, our orders resting beside it,
 * and most capabilities declared `false`. `Broken` switches one behaviour off to prove the suite notices.
 */
import {
  Decimal as D,
  ExchangeError as E,
  Exchange,
  Fee,
  Ids,
  Market,
  Order,
  OrderBook,
  TickGrid
} from "@alpha-hunter/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"

export interface Broken {
  /** cancel answers "canceled" but the order stays open */
  readonly cancelLeavesOpen?: boolean
  /** asks are returned worst first */
  readonly unsortedAsks?: boolean
  /** post-only orders that cross rest anyway */
  readonly postOnlyCrosses?: boolean
  /** the same client order id is accepted twice */
  readonly duplicateIds?: boolean
  /** has.watchOrders is false but the stream runs without failing */
  readonly silentUnsupported?: boolean
}

export const symbol = Ids.Symbol.make("FAKE-1")
const venue = "fake"
const grid = TickGrid.uniform("0.01", "0.99", "0.01")
const market = Market.Market.make({
  venue: Ids.VenueId.make(venue),
  symbol,
  title: "fake market",
  kind: { _tag: "binary", settlementValue: D.ONE, outcomes: Market.yesNo() },
  currency: "USD",
  status: "open",
  tickGrid: grid.spec,
  amountStep: D.ONE,
  minAmount: D.ONE,
  fees: Fee.NoFee.make({})
})
const externalAsks: ReadonlyArray<OrderBook.Level> = [
  [D.d("0.60"), D.int(5)],
  [D.d("0.70"), D.int(5)]
]
const externalBids: ReadonlyArray<OrderBook.Level> = [
  [D.d("0.40"), D.int(5)],
  [D.d("0.30"), D.int(5)]
]

interface State {
  readonly orders: ReadonlyMap<Ids.OrderId, Order.Order>
  readonly cids: ReadonlySet<string>
  readonly n: number
}

const notSupported = (what: string) => new E.NotSupported({ venue, message: `${what} is not supported` })

export const layer = (broken: Broken = {}): Layer.Layer<Exchange.Exchange> =>
  Layer.effect(
    Exchange.Exchange,
    Effect.gen(function* () {
      const state = yield* Ref.make<State>({ orders: new Map(), cids: new Set(), n: 1 })
      const checkSymbol = (s: Ids.Symbol) =>
        s === symbol ? Effect.void : Effect.fail(new E.BadSymbol({ venue, symbol: s, message: `unknown ${s}` }))
      const open = (s: State) => [...s.orders.values()].filter((o) => o.status === "open")

      const book = (s: State, limit?: number): Effect.Effect<OrderBook.OrderBook> =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const agg = (side: Order.Side, ext: ReadonlyArray<OrderBook.Level>) => {
            const m = new Map<D.Decimal, D.Decimal>(ext.map(([p, a]) => [p, a]))
            for (const o of open(s)) if (o.side === side) m.set(o.price, D.add(m.get(o.price) ?? D.ZERO, o.remaining))
            return [...m].sort(([a], [b]) => (side === "buy" ? D.cmp(b, a) : D.cmp(a, b))).slice(0, limit)
          }
          const asks = agg("sell", externalAsks)
          return OrderBook.OrderBook.make({
            symbol,
            bids: agg("buy", externalBids),
            asks: broken.unsortedAsks ? asks.reverse() : asks,
            timestamp: now
          })
        })

      const createOrder = (r: Order.OrderRequest) =>
        Effect.gen(function* () {
          yield* checkSymbol(r.symbol)
          if (!grid.isOnGrid(r.price)) return yield* new E.InvalidOrder({ venue, message: "price off the grid" })
          if (!D.isMultipleOf(r.amount, D.ONE))
            return yield* new E.InvalidOrder({ venue, message: "whole contracts only" })
          if (r.timeInForce !== "GTC") return yield* notSupported(r.timeInForce)
          const s = yield* Ref.get(state)
          if (r.clientOrderId !== undefined && s.cids.has(r.clientOrderId) && !broken.duplicateIds) {
            return yield* new E.DuplicateClientOrderId({ venue, clientOrderId: r.clientOrderId, message: "duplicate" })
          }
          const b = yield* book(s)
          const crosses =
            r.side === "buy" ? (b.asks[0]?.[0] ?? D.int(2)) <= r.price : (b.bids[0]?.[0] ?? D.ZERO) >= r.price
          if (crosses && r.postOnly && !broken.postOnlyCrosses) {
            return yield* new E.PostOnlyWouldCross({ venue, message: "would cross" })
          }
          if (crosses && !r.postOnly)
            return yield* new E.InvalidOrder({ venue, message: "the fake venue never trades" })
          const now = yield* Clock.currentTimeMillis
          const order = Order.Order.make({
            id: Ids.OrderId.make(`F-${s.n}`),
            ...(r.clientOrderId === undefined ? {} : { clientOrderId: r.clientOrderId }),
            symbol,
            side: r.side,
            type: "limit",
            price: r.price,
            amount: r.amount,
            filled: D.ZERO,
            remaining: r.amount,
            cost: D.ZERO,
            status: "open",
            timeInForce: "GTC",
            postOnly: r.postOnly,
            reduceOnly: false,
            timestamp: now
          })
          yield* Ref.set(state, {
            orders: new Map([...s.orders, [order.id, order]]),
            cids: r.clientOrderId === undefined ? s.cids : new Set([...s.cids, r.clientOrderId]),
            n: s.n + 1
          })
          return order
        })

      const find = (id: Ids.OrderId) =>
        Effect.flatMap(Ref.get(state), (s) => {
          const o = s.orders.get(id)
          return o === undefined
            ? Effect.fail(new E.OrderNotFound({ venue, orderId: id, message: "not found" }))
            : Effect.succeed(o)
        })

      const cancelOrder = (id: Ids.OrderId) =>
        Effect.gen(function* () {
          const o = yield* find(id)
          if (o.status !== "open") return yield* new E.OrderNotFound({ venue, orderId: id, message: "not open" })
          const now = yield* Clock.currentTimeMillis
          const canceled = Order.Order.make({ ...o, status: "canceled", remaining: D.ZERO, lastUpdateTimestamp: now })
          if (!broken.cancelLeavesOpen) {
            yield* Ref.update(state, (s) => ({ ...s, orders: new Map([...s.orders, [id, canceled]]) }))
          }
          return canceled
        })

      const unsupported = <A>(what: string): Effect.Effect<A, E.ExchangeError> => Effect.fail(notSupported(what))

      return Exchange.make({
        id: Ids.VenueId.make(venue),
        has: Exchange.hasAll(false, {
          loadMarkets: true,
          fetchMarkets: true,
          fetchOrderBook: true,
          createOrder: true,
          cancelOrder: true,
          cancelAllOrders: true,
          fetchOrder: true,
          fetchOpenOrders: true
        }),
        features: {
          maxBatchCreate: 1,
          maxBatchCancel: 1,
          amend: false,
          postOnly: true,
          reduceOnly: false,
          cancelAll: true,
          orderGroups: false,
          clientOrderId: true,
          timeInForce: ["GTC"],
          expiry: false
        },
        loadMarkets: () => Effect.succeed(new Map([[symbol, market]])),
        fetchMarkets: () => Effect.succeed([market]),
        fetchEvents: () => unsupported("fetchEvents"),
        fetchOrderBook: (s, limit) =>
          Effect.zipRight(
            checkSymbol(s),
            Effect.flatMap(Ref.get(state), (st) => book(st, limit))
          ),
        createOrder,
        createOrders: () => unsupported("createOrders"),
        editOrder: () => unsupported("editOrder"),
        cancelOrder: (id) => cancelOrder(id),
        cancelOrders: () => unsupported("cancelOrders"),
        cancelAllOrders: () => Effect.flatMap(Ref.get(state), (s) => Effect.forEach(open(s), (o) => cancelOrder(o.id))),
        fetchOrder: (id) => find(id),
        fetchOrderByClientId: (c) =>
          Effect.flatMap(Ref.get(state), (s) => {
            const o = [...s.orders.values()].find((x) => x.clientOrderId === c)
            return o === undefined
              ? Effect.fail(new E.OrderNotFound({ venue, clientOrderId: c, message: "not found" }))
              : Effect.succeed(o)
          }),
        fetchOpenOrders: () => Effect.map(Ref.get(state), open),
        fetchMyTrades: () => unsupported("fetchMyTrades"),
        fetchBalance: () => unsupported("fetchBalance"),
        fetchPositions: () => unsupported("fetchPositions"),
        watchOrderBook: () => Stream.fail(notSupported("watchOrderBook")),
        watchBook: () => Stream.fail(notSupported("watchBook")),
        watchOrders: () => (broken.silentUnsupported ? Stream.empty : Stream.fail(notSupported("watchOrders"))),
        watchMyTrades: () => Stream.fail(notSupported("watchMyTrades")),
        health: Stream.empty
      })
    })
  )
