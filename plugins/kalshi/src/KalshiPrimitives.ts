/**
 * The Kalshi driver as core `Venue.VenuePrimitives`: markets and books (instruments, feed, REST), the write
 * and lookup primitives (`KalshiExecution`), account reads, and the private stream in core terms. The port
 * (`Venue.make`) adds everything generic on top.
 */
import { OrderBook as CoreBook, Exchange, Ids, type Venue, type VenueHealth } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as PubSub from "effect/PubSub"
import * as Stream from "effect/Stream"
import * as encode from "./internal/encode.js"
import * as parse from "./internal/parse.js"
import type { Endpoints } from "./internal/rest.js"
import type { KalshiConfig } from "./KalshiConfig.js"
import type { KalshiExecution } from "./KalshiExecution.js"
import type { KalshiFeed, PrivateEvent } from "./KalshiFeed.js"
import type { KalshiInstruments } from "./KalshiInstruments.js"

/** A feed event in core terms (positions and lifecycle messages are the driver's own). */
export const toCore = (ev: PrivateEvent): Venue.PrivateEvent | undefined => {
  switch (ev._tag) {
    case "UserOrder":
      return { _tag: "OrderUpdate", order: parse.order(ev.order) }
    case "Fill":
      return { _tag: "OrderFill", fill: parse.fill(ev.fill) }
    case "PrivateGap":
      return { _tag: "Gap", channel: ev.channel, reason: ev.reason }
    case "Disconnected":
      return { _tag: "Disconnected", reason: ev.reason }
    case "Connected":
      return ev.reconnect ? { _tag: "Reconnected" } : undefined
    default:
      return undefined
  }
}

export const make = (o: {
  readonly venue: string
  readonly config: KalshiConfig
  readonly api: Endpoints
  readonly feed: KalshiFeed
  readonly instruments: KalshiInstruments
  readonly execution: KalshiExecution
  readonly health: PubSub.PubSub<VenueHealth.VenueHealth>
  readonly now: () => number
}): Venue.VenuePrimitives => {
  const { api, feed, instruments, execution: x, config: cfg, now } = o
  const sub = cfg.subaccount !== undefined ? { subaccount: cfg.subaccount } : {}
  return {
    id: Ids.VenueId.make(o.venue),
    has: Exchange.hasAll(true),
    features: {
      get maxBatchCreate() {
        return x.maxBatchCreate()
      },
      get maxBatchCancel() {
        return x.maxBatchCancel()
      },
      amend: true,
      postOnly: true,
      reduceOnly: true,
      cancelAll: true,
      orderGroups: true,
      clientOrderId: true,
      timeInForce: ["GTC", "IOC", "FOK"],
      expiry: true
    },
    loadMarkets: (reload) => instruments.markets(reload),
    fetchMarkets: () => Effect.map(instruments.loadAll, (es) => es.map((e) => e.market)),
    fetchEvents: () => instruments.events(cfg.markets.status),
    instrument: (symbol) => instruments.entry(symbol),
    fetchOrderBook: (symbol, limit) =>
      Effect.map(api.getOrderbook(symbol, limit), (b) => {
        const book = parse.orderBook(symbol, b.orderbook_fp.yes_dollars ?? [], b.orderbook_fp.no_dollars ?? [], now())
        return limit === undefined
          ? book
          : CoreBook.OrderBook.make({ ...book, bids: book.bids.slice(0, limit), asks: book.asks.slice(0, limit) })
      }),
    watchOrderBook: (symbol) => Stream.unwrap(Effect.map(instruments.entry(symbol), (e) => feed.book(symbol, e.grid))),
    watchBook: (symbol) => Stream.unwrap(Effect.map(instruments.entry(symbol), (e) => feed.view(symbol, e.grid))),
    admit: x.admit!,
    prepare: x.prepare!,
    submit: x.submit,
    cancel: x.cancel,
    amend: x.amend!,
    cancelAll: x.cancelAll!,
    lookup: x.lookup,
    openOrders: x.openOrders,
    fills: x.fills,
    balance: () => Effect.map(api.getBalance(sub), (b) => [encode.balance(b)]),
    positions: (symbols) =>
      Effect.map(api.getPositions(sub), (ps) =>
        ps
          .filter((p) => symbols === undefined || symbols.includes(Ids.Symbol.make(p.ticker)))
          .map((p) => encode.position(p, now()))
      ),
    privateEvents: Effect.map(feed.subscribeEvents, (q) =>
      Stream.fromQueue(q).pipe(
        Stream.mapEffect((ev) =>
          Effect.sync(() => Option.fromNullable(toCore(ev))).pipe(
            Effect.catchAllDefect((d) =>
              Effect.as(Effect.logWarning(`kalshi: private ${ev._tag} not readable: ${String(d)}`), Option.none())
            )
          )
        ),
        Stream.filterMap((x) => x)
      )
    ),
    health: Stream.fromPubSub(o.health)
  }
}
