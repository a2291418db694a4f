/**
 * The Kalshi driver layer: provides the venue-specific `KalshiClient` and the core `Exchange` port from one
 * scoped construction (the `PgClient` + `SqlClient` pattern). It only composes the driver's parts:
 *
 * - `internal/session.ts`: key, signer, limiter (limits and costs discovery), signed rate-limited transport;
 * - `KalshiInstruments`: the market catalog, lifecycle-driven refresh and re-grid;
 * - `KalshiFeed`: the WebSocket (books, private events);
 * - `KalshiOrders`: the bounded local view of our orders and fills, the unknown-outcome tracker;
 * - `KalshiExecution`: create / cancel / amend with batching and one outcome per caller;
 * - `KalshiSafety`: order groups, dead-man expiry, emergency cancel-all and the halt window;
 * - `KalshiReconciler`: the private-event router and the REST auditor (desyncs → health).
 *
 * Health (`exchange.health`) is published here and acted on by the runner; the venue never depends on Risk.
 */
import {
  OrderBook as CoreBook,
  Decimal as D,
  type ExchangeError as E,
  Exchange,
  Ids,
  type VenueHealth
} from "@alpha-hunter/core"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as MutableRef from "effect/MutableRef"
import type * as ParseResult from "effect/ParseResult"
import * as PubSub from "effect/PubSub"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as encode from "./internal/encode.js"
import type { RawHttp } from "./internal/http.js"
import * as http from "./internal/http.js"
import * as parse from "./internal/parse.js"
import * as session from "./internal/session.js"
import type * as sign from "./internal/sign.js"
import { type DesyncReport, KalshiClient, type KalshiClientService } from "./KalshiClient.js"
import * as KalshiConfig from "./KalshiConfig.js"
import * as KalshiExecution from "./KalshiExecution.js"
import * as KalshiFeed from "./KalshiFeed.js"
import * as KalshiInstruments from "./KalshiInstruments.js"
import * as KalshiOrders from "./KalshiOrders.js"
import * as KalshiReconciler from "./KalshiReconciler.js"
import * as KalshiSafety from "./KalshiSafety.js"

/** What to do on a desync. The default cancels everything and halts locally (health carries it to Risk). */
export type DesyncAction = (report: DesyncReport, client: KalshiClientService) => Effect.Effect<void>

export interface Hooks {
  /** venue id of this instance (default "kalshi") */
  readonly venue?: string
  readonly onDesync?: DesyncAction
}

/** Programmatic options: the config section (private key as PEM text or `Redacted`) plus hooks. */
export type KalshiOptions = Omit<KalshiConfig.KalshiConfigInput, "privateKey"> & {
  readonly privateKey?: string | Redacted.Redacted<string>
} & Hooks

export type LayerError = sign.KalshiKeyError | E.AuthenticationError | ParseResult.ParseError

const defaultDesyncAction: DesyncAction = (report, client) =>
  client.emergencyCancelAll(`desync on ${report.disagreements.map((d) => d.orderId).join(", ")}`).pipe(
    Effect.catchAll((e) => Effect.logError(`kalshi: cancel-all after desync failed: ${e.message}`)),
    Effect.asVoid
  )

/** Builds the client and the exchange. Needs the transport's `RawHttp`; lives as long as the scope. */
export const make = (
  cfg: KalshiConfig.KalshiConfig,
  hooks: Hooks = {}
): Effect.Effect<
  { readonly client: KalshiClientService; readonly exchange: Exchange.ExchangeService },
  LayerError,
  RawHttp | Scope.Scope
> =>
  Effect.gen(function* () {
    const venue = hooks.venue ?? "kalshi"
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()
    const sub = cfg.subaccount !== undefined ? { subaccount: cfg.subaccount } : {}
    const health = yield* PubSub.unbounded<VenueHealth.VenueHealth>()
    const { limiter, transport, api, costs, signer } = yield* session.make(cfg, venue, health)
    const feed = yield* KalshiFeed.make({ url: KalshiConfig.urls(cfg).ws, signer, config: cfg.feed })
    const instruments = yield* KalshiInstruments.make({ venue, api, filter: cfg.markets, feed })
    const orders = yield* KalshiOrders.make({ venue, api, sub, graceMs: cfg.reconcile.graceMs })
    const safety = yield* KalshiSafety.make({ venue, safety: cfg.safety, sub, transport, api, orders, health })
    const execution = yield* KalshiExecution.make({
      venue,
      config: cfg,
      transport,
      api,
      limiter,
      costs,
      orders,
      instruments,
      safety
    })
    // the desync action gets the client, which is built after the reconciler
    const clientReady = yield* Deferred.make<KalshiClientService>()
    const reconciler = yield* KalshiReconciler.make({
      venue,
      config: cfg.reconcile,
      api,
      sub,
      feed,
      orders,
      instruments,
      health,
      haltedUntil: safety.haltedUntil,
      onDesync: (report) =>
        Effect.flatMap(Deferred.await(clientReady), (c) => (hooks.onDesync ?? defaultDesyncAction)(report, c))
    })

    const client: KalshiClientService = {
      venue,
      config: cfg,
      rest: api,
      feed,
      limiter,
      market: (symbol) => Effect.map(instruments.entry(symbol), (e) => e.market),
      emergencyCancelAll: safety.emergencyCancelAll,
      haltedUntil: safety.haltedUntil,
      unresolved: orders.unresolved,
      resolveUnknown: orders.resolveUnknown,
      verifyNow: reconciler.verifyNow,
      openOrdersView: orders.live,
      verificationStats: () => MutableRef.get(orders.stats),
      orderGroup: safety.orderGroup,
      position: (symbol) =>
        api
          .getPositions({ ticker: symbol, ...sub })
          .pipe(Effect.map((ps) => ps.find((p) => p.ticker === symbol)?.position_fp ?? D.ZERO))
    }
    yield* Deferred.succeed(clientReady, client)

    const features: Exchange.Features = {
      get maxBatchCreate() {
        return execution.maxBatchCreate()
      },
      get maxBatchCancel() {
        return execution.maxBatchCancel()
      },
      amend: true,
      postOnly: true,
      reduceOnly: true,
      cancelAll: true,
      orderGroups: true,
      clientOrderId: true,
      timeInForce: ["GTC", "IOC", "FOK"],
      expiry: true
    }

    const exchange = Exchange.make({
      id: Ids.VenueId.make(venue),
      has: Exchange.hasAll(true),
      features,
      loadMarkets: (reload) => instruments.markets(reload),
      fetchMarkets: () => Effect.map(instruments.loadAll, (es) => es.map((e) => e.market)),
      fetchEvents: () => instruments.events(cfg.markets.status),
      fetchOrderBook: (symbol, limit) =>
        Effect.map(api.getOrderbook(symbol, limit), (b) => {
          const book = parse.orderBook(symbol, b.orderbook_fp.yes_dollars ?? [], b.orderbook_fp.no_dollars ?? [], now())
          return limit === undefined
            ? book
            : CoreBook.OrderBook.make({ ...book, bids: book.bids.slice(0, limit), asks: book.asks.slice(0, limit) })
        }),
      createOrder: execution.createOrder,
      createOrders: execution.createOrders,
      editOrder: execution.editOrder,
      cancelOrder: execution.cancelOrder,
      cancelOrders: execution.cancelOrders,
      cancelAllOrders: execution.cancelAllOrders,
      fetchOrder: (id) => Effect.flatMap(api.getOrder(id), orders.parse),
      fetchOrderByClientId: orders.fetchByClientId,
      fetchOpenOrders: (q) =>
        api.getOrders({ status: "resting", ...(q?.symbol !== undefined ? { ticker: q.symbol } : {}), ...sub }).pipe(
          Effect.flatMap((ws) => Effect.forEach(ws, orders.parse)),
          Effect.map((os) => (q?.limit !== undefined ? os.slice(0, q.limit) : os))
        ),
      fetchMyTrades: (q) =>
        api
          .getFills({
            ...(q?.symbol !== undefined ? { ticker: q.symbol } : {}),
            ...(q?.since !== undefined ? { min_ts: Math.floor(q.since / 1000) } : {}),
            ...sub
          })
          .pipe(Effect.map((fs) => fs.map(parse.fill).slice(0, q?.limit ?? fs.length))),
      fetchBalance: () => Effect.map(api.getBalance(sub), (b) => [encode.balance(b)]),
      fetchPositions: (symbols) =>
        Effect.map(api.getPositions(sub), (ps) =>
          ps
            .filter((p) => symbols === undefined || symbols.includes(Ids.Symbol.make(p.ticker)))
            .map((p) => encode.position(p, now()))
        ),
      watchOrderBook: (symbol) =>
        Stream.unwrap(Effect.map(instruments.entry(symbol), (e) => feed.book(symbol, e.grid))),
      watchBook: (symbol) => Stream.unwrap(Effect.map(instruments.entry(symbol), (e) => feed.view(symbol, e.grid))),
      watchOrders: orders.watchOrders,
      watchMyTrades: orders.watchFills,
      health: Stream.fromPubSub(health)
    })

    return { client, exchange }
  })

/** A keep-alive `@effect/platform` `HttpClient`, for `layerWithHttp` (the default transport does not need one). */
export const httpLayer: Layer.Layer<HttpClient.HttpClient> = NodeHttpClient.layerWithoutAgent.pipe(
  Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true, maxSockets: 64 }))
)

const contextOf = (cfg: KalshiConfig.KalshiConfig, hooks: Hooks) =>
  Layer.scopedContext(
    Effect.map(make(cfg, hooks), ({ client, exchange }) =>
      Context.make(KalshiClient, client).pipe(Context.add(Exchange.Exchange, exchange))
    )
  )

/** From a decoded config; needs an `HttpClient` (use `layerFromConfig` for the default keep-alive one). */
export const layerWithHttp = (
  cfg: KalshiConfig.KalshiConfig,
  hooks: Hooks = {}
): Layer.Layer<KalshiClient | Exchange.Exchange, LayerError, HttpClient.HttpClient> =>
  contextOf(cfg, hooks).pipe(Layer.provide(http.layerFromHttpClient))

/** From a decoded config, with the default transport (`node:http`, keep-alive; see `internal/http.ts`). */
export const layerFromConfig = (
  cfg: KalshiConfig.KalshiConfig,
  hooks: Hooks = {}
): Layer.Layer<KalshiClient | Exchange.Exchange, LayerError> =>
  contextOf(cfg, hooks).pipe(Layer.provide(http.layerNode))

/** `KalshiExchange.layer(options)`: programmatic options → `KalshiClient` + `Exchange`. */
export const layer = (options: KalshiOptions): Layer.Layer<KalshiClient | Exchange.Exchange, LayerError> => {
  const { privateKey, onDesync, venue, ...section } = options
  const hooks: Hooks = { ...(onDesync !== undefined ? { onDesync } : {}), ...(venue !== undefined ? { venue } : {}) }
  return Layer.unwrapEffect(
    Effect.map(KalshiConfig.decode(section), (cfg) =>
      layerFromConfig(
        privateKey === undefined
          ? cfg
          : { ...cfg, privateKey: Redacted.isRedacted(privateKey) ? privateKey : Redacted.make(privateKey) },
        hooks
      )
    )
  )
}

/** `KalshiExchange.layerConfig`: settings from the environment (`KALSHI_*`). */
export const layerConfig = (
  hooks: Hooks = {}
): Layer.Layer<KalshiClient | Exchange.Exchange, LayerError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(KalshiConfig.fromEnv, (cfg) => layerFromConfig(cfg, hooks)))
