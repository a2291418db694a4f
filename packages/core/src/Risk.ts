/**
 * The `Risk` port: a venue-agnostic pre-trade check and trading-state machine, after NautilusTrader's
 * RiskEngine. Every order a strategy wants passes `check` first; a denial carries a reason code.
 * Cancels always pass. Post-trade, fills and order updates flow back through `onFill` / `onOrder`.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type { Decimal } from "./Decimal.js"
import type { Fill, Order } from "./Order.js"
import { OrderEdit, OrderRequest } from "./Order.js"

/**
 * ACTIVE: trade normally. REDUCING: only orders that shrink a position. HALTED: no new orders (cancels pass).
 */
export const TradingState = Schema.Literal("ACTIVE", "REDUCING", "HALTED")
export type TradingState = typeof TradingState.Type

/** Standard reason codes for a denial. */
export const DenyReason = Schema.Literal(
  "TRADING_HALTED",
  "REDUCING_ONLY",
  "MAX_ORDER_SIZE",
  "MAX_ORDER_NOTIONAL",
  "MAX_POSITION",
  "MAX_EVENT_POSITION",
  "MAX_GROSS_EXPOSURE",
  "MAX_OPEN_ORDERS",
  "ORDER_RATE",
  "PRICE_BAND",
  "DAILY_LOSS",
  "DRAWDOWN",
  "SELF_CROSS",
  "UNKNOWN_MARKET",
  "MARKET_NOT_OPEN",
  "UNRESOLVED_ORDER"
)
export type DenyReason = typeof DenyReason.Type

/**
 * Who is asking: the venue instance and the strategy instance. A trading state can also be set on one market
 * of a venue (`{ venue, symbol }`: every strategy in that market); intents never carry `symbol`.
 */
export const RiskScope = Schema.Struct({
  venue: Schema.String,
  strategy: Schema.optional(Schema.String),
  symbol: Schema.optional(Schema.String)
})
export type RiskScope = typeof RiskScope.Type

/** What is being asked. */
export const RiskIntent = Schema.Union(
  Schema.TaggedStruct("Create", { scope: RiskScope, request: OrderRequest }),
  Schema.TaggedStruct("Amend", {
    scope: RiskScope,
    /** the order as it stands */
    symbol: Schema.String,
    orderId: Schema.String,
    edit: OrderEdit,
    /** the request the order was created from, with its current price/amount */
    current: OrderRequest
  }),
  Schema.TaggedStruct("Cancel", { scope: RiskScope, symbol: Schema.String, orderId: Schema.String })
)
export type RiskIntent = typeof RiskIntent.Type

export class Approved extends Schema.TaggedClass<Approved>()("Approved", {}) {}
export class Denied extends Schema.TaggedClass<Denied>()("Denied", {
  reason: DenyReason,
  message: Schema.String
}) {}
export const RiskDecision = Schema.Union(Approved, Denied)
export type RiskDecision = typeof RiskDecision.Type
export const approved: RiskDecision = new Approved()

/** The error a gateway fails with when Risk denies an order. */
export class RiskDenied extends Schema.TaggedError<RiskDenied>()("RiskDenied", {
  reason: DenyReason,
  message: Schema.String,
  venue: Schema.String,
  symbol: Schema.optional(Schema.String)
}) {
  get retryable(): boolean {
    return false
  }
}

/** A change of trading state, with who/why. `scope` absent = global. */
export class StateChange extends Schema.Class<StateChange>("StateChange")({
  state: TradingState,
  previous: TradingState,
  reason: Schema.String,
  scope: Schema.optional(RiskScope),
  /** epoch ms */
  at: Schema.Int
}) {}

export interface RiskService {
  /** Pre-trade check. Cancels always pass. */
  readonly check: (intent: RiskIntent) => Effect.Effect<RiskDecision>
  /** The state in force for a scope (the strictest of global, venue and strategy). */
  readonly state: (scope?: RiskScope) => Effect.Effect<TradingState>
  /** Every state change, as it happens. */
  readonly changes: Stream.Stream<StateChange>
  /** Sets the state of a scope (global when omitted), recording the reason. */
  readonly setState: (state: TradingState, reason: string, scope?: RiskScope) => Effect.Effect<void>
  /** HALTED → paused, keeping what halted it on record; `resume` returns to ACTIVE. */
  readonly pause: (reason: string, scope?: RiskScope) => Effect.Effect<void>
  readonly resume: (reason: string, scope?: RiskScope) => Effect.Effect<void>
  /** Post-trade: a fill updates positions, exposure and P&L (and may trip limits). */
  readonly onFill: (scope: RiskScope, fill: Fill) => Effect.Effect<void>
  /** Post-trade: an order update keeps open-order counts and resting exposure current. */
  readonly onOrder: (scope: RiskScope, order: Order) => Effect.Effect<void>
  /** Marks to market (for drawdown / unrealized P&L): last price per symbol. */
  readonly onMark: (scope: RiskScope, symbol: string, price: Decimal) => Effect.Effect<void>
}

export class Risk extends Context.Tag("@alpha-hunter/core/Risk")<Risk, RiskService>() {}
