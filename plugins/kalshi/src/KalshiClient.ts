/**
 * `KalshiClient`: the venue-specific side of the plugin (like `PgClient` next to `SqlClient`). Code that
 * needs Kalshi specifics (the raw REST endpoints, the feed, the limiter, the emergency cancel-all, the
 * verification state) asks for this tag; everything else uses the core `Exchange`.
 */
import { Decimal as D, type ExchangeError, type Market, type Order, type Venue } from "@alpha-hunter/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { Endpoints } from "./internal/rest.js"
import type { KalshiConfig } from "./KalshiConfig.js"
import type { KalshiFeed } from "./KalshiFeed.js"
import type { KalshiInstruments } from "./KalshiInstruments.js"
import type { KalshiLimiter } from "./KalshiLimiter.js"
import type { KalshiReconciler } from "./KalshiReconciler.js"
import type { KalshiSafety } from "./KalshiSafety.js"

/** A write whose outcome is not yet proven (the port's tracker); writes to its market are blocked until it resolves. */
export type Unresolved = Venue.Unresolved

/** One order on which the WebSocket view and the REST view disagree. */
export interface Disagreement {
  readonly orderId: string
  readonly symbol: string
  /** what the WebSocket stream (and our own write responses) say */
  readonly ws: string
  /** what REST says */
  readonly rest: string
  /** epoch ms when first seen */
  readonly since: number
}

export interface DesyncReport {
  readonly venue: string
  readonly disagreements: ReadonlyArray<Disagreement>
  /** epoch ms */
  readonly at: number
}

export interface CancelAllReport {
  /** orders REST still showed resting after the cancel-all and its follow-ups (should be 0) */
  readonly stillResting: number
  readonly attempts: number
  /** epoch ms until which creates are refused locally */
  readonly haltedUntil: number
}

export interface VerificationStats {
  readonly polls: number
  readonly desyncs: number
  /** unknown writes settled by the port */
  readonly resolvedUnknown: number
  /** lookups: the port's (unknown writes) and the auditor's (orders REST's list lacked) */
  readonly lookups: number
  readonly restOnlyFills: number
  readonly duplicateFills: number
  readonly lastPollAt: number
}

export interface KalshiClientService {
  readonly venue: string
  readonly config: KalshiConfig
  readonly rest: Endpoints
  readonly feed: KalshiFeed
  readonly limiter: KalshiLimiter
  /** the market as the plugin knows it (loads it when needed) */
  readonly market: (symbol: string) => Effect.Effect<Market.Market, ExchangeError.ExchangeError>
  /**
   * Emergency cancel-all: `DELETE /portfolio/events/orders` on the reserved lane, then verification through
   * REST that nothing rests (with follow-up cancels); creates stay refused locally for at least
   * `safety.haltAfterCancelAllMs` (≥ 60 s).
   */
  readonly emergencyCancelAll: (reason: string) => Effect.Effect<CancelAllReport, ExchangeError.ExchangeError>
  /** epoch ms until which creates are refused (0 when not halted) */
  readonly haltedUntil: Effect.Effect<number>
  /** writes whose outcome is still unknown (the port's tracker) */
  readonly unresolved: Effect.Effect<ReadonlyArray<Unresolved>>
  /** resolves unknown writes now (lookups); returns what is still unresolved */
  readonly resolveUnknown: Effect.Effect<ReadonlyArray<Unresolved>>
  /** runs one REST-vs-WS verification round now */
  readonly verifyNow: Effect.Effect<void, ExchangeError.ExchangeError>
  /** the port's (WS-driven) view of our open orders */
  readonly openOrdersView: Effect.Effect<ReadonlyArray<Order.Order>>
  readonly verificationStats: Effect.Effect<VerificationStats>
  /** the order group used for maker orders on a shard, created on first use (refused while tripped) */
  readonly orderGroup: (exchangeIndex: number) => Effect.Effect<string | undefined, ExchangeError.ExchangeRejected>
  /** the position REST reports for a market (exact) */
  readonly position: (symbol: string) => Effect.Effect<D.Decimal, ExchangeError.ExchangeError>
}

export class KalshiClient extends Context.Tag("@alpha-hunter/kalshi/KalshiClient")<
  KalshiClient,
  KalshiClientService
>() {}

/** The client from the driver's parts (and the port's view of our orders). */
export const make = (o: {
  readonly venue: string
  readonly config: KalshiConfig
  readonly api: Endpoints
  readonly feed: KalshiFeed
  readonly limiter: KalshiLimiter
  readonly instruments: KalshiInstruments
  readonly safety: KalshiSafety
  readonly view: Venue.VenueView
  readonly reconciler: KalshiReconciler
}): KalshiClientService => {
  const { api, safety, view, reconciler } = o
  const sub = o.config.subaccount !== undefined ? { subaccount: o.config.subaccount } : {}
  return {
    venue: o.venue,
    config: o.config,
    rest: api,
    feed: o.feed,
    limiter: o.limiter,
    market: (symbol) => Effect.map(o.instruments.entry(symbol), (e) => e.market),
    emergencyCancelAll: safety.emergencyCancelAll,
    haltedUntil: safety.haltedUntil,
    unresolved: view.unresolved,
    resolveUnknown: view.resolveUnknown,
    verifyNow: reconciler.verifyNow,
    openOrdersView: view.live,
    verificationStats: Effect.zipWith(view.stats, reconciler.stats, (p, a) => ({
      ...p,
      ...a,
      lookups: p.lookups + a.lookups
    })),
    orderGroup: safety.orderGroup,
    position: (symbol) =>
      api
        .getPositions({ ticker: symbol, ...sub })
        .pipe(Effect.map((ps) => ps.find((p) => p.ticker === symbol)?.position_fp ?? D.ZERO))
  }
}
