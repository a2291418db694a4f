/**
 * The Kalshi driver layer: `KalshiClient` and the core `Exchange` from one scoped construction (`PgClient` +
 * `SqlClient`). The driver provides primitives (`KalshiPrimitives`); `Venue.make` adds everything generic.
 *
 * - `internal/session.ts`: key, signer, limiter (limits and costs discovery), signed rate-limited transport;
 * - `KalshiInstruments`: the market catalog, lifecycle-driven refresh and re-grid;
 * - `KalshiFeed`: the WebSocket (books, private events);
 * - `KalshiExecution`: the write and lookup primitives (one outcome per item);
 * - `KalshiSafety`: order groups, dead-man expiry, emergency cancel-all and the halt window;
 * - `KalshiReconciler`: the REST auditor of the port's order store (desyncs → health).
 *
 * Health (`exchange.health`) is published here and acted on by the runner; the venue never depends on Risk.
 */
import { type ExchangeError as E, Exchange, Incentive, Venue, type VenueHealth } from "@alpha-hunter/core"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as ParseResult from "effect/ParseResult"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { RawHttp } from "./internal/http.js"
import * as http from "./internal/http.js"
import * as session from "./internal/session.js"
import type * as sign from "./internal/sign.js"
import type { DesyncReport, KalshiClientService } from "./KalshiClient.js"
import * as KalshiClient from "./KalshiClient.js"
import * as KalshiConfig from "./KalshiConfig.js"
import * as KalshiExecution from "./KalshiExecution.js"
import * as KalshiFeed from "./KalshiFeed.js"
import * as KalshiIncentives from "./KalshiIncentives.js"
import * as KalshiInstruments from "./KalshiInstruments.js"
import * as KalshiPrimitives from "./KalshiPrimitives.js"
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

/** What the layers provide: the venue-specific client, the core port and the venue's incentive programs. */
export type Provides = KalshiClient.KalshiClient | Exchange.Exchange | Incentive.IncentivePrograms

export type LayerError = sign.KalshiKeyError | E.AuthenticationError | ParseResult.ParseError

/** The default desync action: an emergency cancel-all (which also halts creates locally). */
const defaultDesyncAction: DesyncAction = (report, client) =>
  Effect.ignoreLogged(client.emergencyCancelAll(`desync on ${report.disagreements.map((d) => d.orderId).join(", ")}`))

/** Builds the client and the exchange. Needs the transport's `RawHttp`; lives as long as the scope. */
export const make = (
  cfg: KalshiConfig.KalshiConfig,
  hooks: Hooks = {}
): Effect.Effect<
  {
    readonly client: KalshiClientService
    readonly exchange: Exchange.ExchangeService
    readonly incentives: Incentive.IncentiveProgramsService
  },
  LayerError,
  RawHttp | Scope.Scope
> =>
  Effect.gen(function* () {
    const venue = hooks.venue ?? "kalshi"
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()
    const sub = cfg.subaccount !== undefined ? { subaccount: cfg.subaccount } : {}
    const health = yield* PubSub.unbounded<VenueHealth.VenueHealth>()
    const io = yield* session.make(cfg, venue, health) // limiter, transport, api, costs, signer
    const { limiter, api } = io
    const feed = yield* KalshiFeed.make({ url: KalshiConfig.urls(cfg).ws, signer: io.signer, config: cfg.feed })
    const instruments = yield* KalshiInstruments.make({
      venue,
      api,
      filter: cfg.markets,
      feed,
      feesBySeries: cfg.incentives.feesBySeries
    })
    const incentives = yield* KalshiIncentives.make({
      venue,
      api,
      refreshMs: cfg.incentives.refreshMs,
      endedRefreshMs: cfg.incentives.endedRefreshMs
    })
    const viewReady = yield* Deferred.make<Venue.VenueView>()
    const safety = yield* KalshiSafety.make({
      ...io,
      venue,
      safety: cfg.safety,
      sub,
      view: Deferred.await(viewReady),
      health
    })
    // our order groups' lifecycle: a trip seen on the stream pauses creates before any is refused
    yield* Effect.flatMap(feed.subscribeEvents, (q) =>
      Effect.forkScoped(
        Effect.forever(
          Effect.flatMap(Queue.take(q), (ev) =>
            ev._tag === "GroupUpdate"
              ? safety
                  .groupUpdate(ev.update.event_type, ev.update.order_group_id)
                  .pipe(Effect.catchAllCause((c) => Effect.logError("kalshi: order group update handling failed", c)))
              : Effect.void
          )
        )
      )
    )
    const execution = yield* KalshiExecution.make({ ...io, venue, config: cfg, instruments, safety })
    const primitives = KalshiPrimitives.make({ venue, config: cfg, api, feed, instruments, execution, health, now })
    // the desync action gets the client, which is built after the port
    const clientReady = yield* Deferred.make<KalshiClientService>()
    const { exchange, view } = yield* Venue.make(primitives, {
      clientIdPrefix: cfg.clientIdPrefix,
      writeDeadline: cfg.writeDeadlineMs,
      createGrace: Math.min(cfg.reconcile.graceMs, 3_000),
      verifyGrace: cfg.reconcile.graceMs,
      onDesync: (d) =>
        Effect.flatMap(Deferred.await(clientReady), (c) =>
          (hooks.onDesync ?? defaultDesyncAction)(
            {
              venue,
              at: d.at,
              disagreements: d.disagreements.map((x) => ({
                orderId: x.orderId,
                symbol: x.symbol ?? "",
                ws: x.stream,
                rest: x.rest,
                since: d.at
              }))
            },
            c
          )
        )
    })
    yield* Deferred.succeed(viewReady, view)
    const reconciler = yield* KalshiReconciler.make({ venue, config: cfg.reconcile, api, sub, feed, view, instruments })

    const client = KalshiClient.make({ venue, config: cfg, api, feed, limiter, instruments, safety, view, reconciler })
    yield* Deferred.succeed(clientReady, client)
    return { client, exchange, incentives }
  })

/** A keep-alive `@effect/platform` `HttpClient`, for `layerWithHttp` (the default transport does not need one). */
export const httpLayer: Layer.Layer<HttpClient.HttpClient> = NodeHttpClient.layerWithoutAgent.pipe(
  Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true, maxSockets: 64 }))
)

const contextOf = (cfg: KalshiConfig.KalshiConfig, hooks: Hooks) =>
  Layer.scopedContext(
    Effect.map(make(cfg, hooks), ({ client, exchange, incentives }) =>
      Context.make(KalshiClient.KalshiClient, client).pipe(
        Context.add(Exchange.Exchange, exchange),
        Context.add(Incentive.IncentivePrograms, incentives)
      )
    )
  )

/** From a decoded config; needs an `HttpClient` (use `layerFromConfig` for the default keep-alive one). */
export const layerWithHttp = (
  cfg: KalshiConfig.KalshiConfig,
  hooks: Hooks = {}
): Layer.Layer<Provides, LayerError, HttpClient.HttpClient> =>
  contextOf(cfg, hooks).pipe(Layer.provide(http.layerFromHttpClient))

/** From a decoded config, with the default transport (`node:http`, keep-alive; see `internal/http.ts`). */
export const layerFromConfig = (cfg: KalshiConfig.KalshiConfig, hooks: Hooks = {}): Layer.Layer<Provides, LayerError> =>
  contextOf(cfg, hooks).pipe(Layer.provide(http.layerNode))

/** `KalshiExchange.layer(options)`: programmatic options → `KalshiClient` + `Exchange`. */
export const layer = (options: KalshiOptions): Layer.Layer<Provides, LayerError> => {
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
export const layerConfig = (hooks: Hooks = {}): Layer.Layer<Provides, LayerError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(KalshiConfig.fromEnv, (cfg) => layerFromConfig(cfg, hooks)))
