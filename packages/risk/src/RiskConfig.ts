/**
 * Risk configuration: limits at three levels (global, per venue instance, per strategy instance) and the
 * action taken when a limit is breached. Decoded with `decode` before anything connects: unknown keys are
 * refused and the ParseError names the path of the offending key.
 */
import { Decimal as D } from "@alpha-hunter/core"
import type * as Effect from "effect/Effect"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * What happens when a limit is breached, beyond denying the order:
 * - `deny`: only the order is refused;
 * - `reduce` / `halt`: the level whose limit broke (global, that venue, or that strategy) goes REDUCING / HALTED;
 * - `reduce-venue` / `halt-venue`: the venue of the order that breached;
 * - `reduce-strategy` / `halt-strategy`: the strategy of the order that breached (everywhere);
 * - `reduce-all` / `halt-all`: every venue and strategy (the global state).
 */
export const BreachAction = Schema.Literal(
  "deny",
  "reduce",
  "reduce-venue",
  "reduce-strategy",
  "reduce-all",
  "halt",
  "halt-venue",
  "halt-strategy",
  "halt-all"
)
export type BreachAction = typeof BreachAction.Type

/** The names of the limits, as written in `onBreach`. */
export const LimitName = Schema.Literal(
  "maxOrderSize",
  "maxOrderNotional",
  "maxPosition",
  "maxEventPosition",
  "maxGrossExposure",
  "maxOpenOrders",
  "orderRate",
  "priceBand",
  "maxDailyLoss",
  "maxDrawdown",
  "selfCross"
)
export type LimitName = typeof LimitName.Type

const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative())
const PositiveInt = Schema.Int.pipe(Schema.positive())

/** An action per limit name; limits not named use `deny`. */
export const OnBreach = Schema.Struct({
  maxOrderSize: Schema.optional(BreachAction),
  maxOrderNotional: Schema.optional(BreachAction),
  maxPosition: Schema.optional(BreachAction),
  maxEventPosition: Schema.optional(BreachAction),
  maxGrossExposure: Schema.optional(BreachAction),
  maxOpenOrders: Schema.optional(BreachAction),
  orderRate: Schema.optional(BreachAction),
  priceBand: Schema.optional(BreachAction),
  maxDailyLoss: Schema.optional(BreachAction),
  maxDrawdown: Schema.optional(BreachAction),
  selfCross: Schema.optional(BreachAction)
})
export type OnBreach = typeof OnBreach.Type

/** Bounds on order prices per side (inclusive). */
export const PriceBand = Schema.Struct({
  /** never buy below this price */
  minBuy: Schema.optional(D.NonNegative),
  /** never buy above this price (e.g. "0.97": never buy YES above 97¢) */
  maxBuy: Schema.optional(D.NonNegative),
  minSell: Schema.optional(D.NonNegative),
  maxSell: Schema.optional(D.NonNegative)
})
export type PriceBand = typeof PriceBand.Type

/** Orders (creates and amends) allowed in a sliding window. */
export const OrderRate = Schema.Struct({ max: NonNegativeInt, windowMs: PositiveInt })
export type OrderRate = typeof OrderRate.Type

/** The limits of one level. Every limit is optional: absent = not checked at this level. */
export const Limits = Schema.Struct({
  /** largest amount (contracts) of one order */
  maxOrderSize: Schema.optional(D.NonNegative),
  /** largest cost of one order (buy: price × amount; binary sell: (settlement − price) × amount) */
  maxOrderNotional: Schema.optional(D.NonNegative),
  /** largest |position| per market, counting resting orders on the side that grows it */
  maxPosition: Schema.optional(D.NonNegative),
  /** largest sum over an event's markets of each market's worst-case |position| (resting included) */
  maxEventPosition: Schema.optional(D.NonNegative),
  /** largest gross exposure: positions at mark plus resting orders at their price (cost terms as above) */
  maxGrossExposure: Schema.optional(D.NonNegative),
  /** most open orders (resting plus in flight) */
  maxOpenOrders: Schema.optional(NonNegativeInt),
  orderRate: Schema.optional(OrderRate),
  priceBand: Schema.optional(PriceBand),
  /** largest loss since the daily reset (realized + unrealized − fees), as a positive amount */
  maxDailyLoss: Schema.optional(D.NonNegative),
  /** largest fall of P&L from its peak, as a positive amount */
  maxDrawdown: Schema.optional(D.NonNegative),
  /** refuse an order that would trade against one of our own resting orders (default true) */
  selfCross: Schema.optional(Schema.Boolean),
  /** actions for this level, overriding the top-level `onBreach` */
  onBreach: Schema.optional(OnBreach)
})
export type Limits = typeof Limits.Type

export const RiskConfig = Schema.Struct({
  global: Schema.optionalWith(Limits, { default: () => ({}) }),
  /** limits per venue instance name ("kalshi", "paper-a") */
  venues: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Limits }), { default: () => ({}) }),
  /** limits per strategy instance id */
  strategies: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Limits }), { default: () => ({}) }),
  /** action per limit (default `deny`) */
  onBreach: Schema.optionalWith(OnBreach, { default: () => ({}) }),
  /** UTC hour (0–23) at which the daily loss resets */
  dailyResetHourUtc: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 23)), { default: () => 0 }),
  /** at the daily reset, states set by a `maxDailyLoss` breach return to ACTIVE */
  resumeOnDailyReset: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** deny orders for markets never registered with `RiskEngine.registerMarkets` (UNKNOWN_MARKET) */
  requireKnownMarkets: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** how long an approved create counts as an open order before its acknowledgement arrives (ms) */
  pendingTtlMs: Schema.optionalWith(PositiveInt, { default: () => 5_000 })
}).annotations({
  identifier: "RiskConfig",
  parseOptions: { onExcessProperty: "error", errors: "all" }
})
export type RiskConfig = typeof RiskConfig.Type
export type RiskConfigInput = typeof RiskConfig.Encoded

/** Decodes a risk configuration; unknown keys and bad values fail with a ParseError naming their path. */
export const decode = (input: unknown): Effect.Effect<RiskConfig, ParseResult.ParseError> =>
  Schema.decodeUnknown(RiskConfig, { onExcessProperty: "error", errors: "all" })(input)

export const decodeSync = (input: unknown): RiskConfig =>
  Schema.decodeUnknownSync(RiskConfig, { onExcessProperty: "error", errors: "all" })(input)
