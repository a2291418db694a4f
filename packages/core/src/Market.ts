/**
 * Event → Market → Outcome.
 *
 * A binary market (a prediction-market contract) has two outcomes, YES and NO, quoted on one book in YES
 * terms: buying NO at q is selling YES at 1 − q. A spot market has a base and a quote currency.
 * Both carry a tick grid, a lot step, a fee model, status and times, so strategies and risk treat them alike.
 */
import * as Schema from "effect/Schema"
import * as D from "./Decimal.js"
import { FeeModel } from "./Fee.js"
import { EventId, Symbol, VenueId } from "./Ids.js"
import { TickGridSpec } from "./TickGrid.js"

/** Market lifecycle, venue-neutral. */
export const MarketStatus = Schema.Literal("upcoming", "open", "paused", "closed", "settled")
export type MarketStatus = typeof MarketStatus.Type

export class Outcome extends Schema.Class<Outcome>("Outcome")({
  /** "yes" / "no" for binary markets */
  id: Schema.String,
  name: Schema.String
}) {}

export const BinaryKind = Schema.TaggedStruct("binary", {
  /** value of one contract at settlement when the outcome is yes, e.g. 1 (dollar) */
  settlementValue: D.Positive,
  outcomes: Schema.Tuple(Outcome, Outcome)
})
export const SpotKind = Schema.TaggedStruct("spot", {
  base: Schema.String,
  quote: Schema.String
})
export const MarketKind = Schema.Union(BinaryKind, SpotKind)
export type MarketKind = typeof MarketKind.Type

export class Market extends Schema.Class<Market>("Market")({
  venue: VenueId,
  symbol: Symbol,
  eventId: Schema.optional(EventId),
  title: Schema.String,
  kind: MarketKind,
  /** currency prices, fees and balances are in ("USD") */
  currency: Schema.String,
  status: MarketStatus,
  /** epoch ms */
  openTime: Schema.optional(Schema.Int),
  /** epoch ms */
  closeTime: Schema.optional(Schema.Int),
  tickGrid: TickGridSpec,
  /** smallest amount increment, e.g. 0.01 contract */
  amountStep: D.Positive,
  minAmount: D.Positive,
  fees: FeeModel,
  /** the venue's own payload, for debugging */
  raw: Schema.optional(Schema.Unknown)
}) {}

export class Event extends Schema.Class<Event>("Event")({
  venue: VenueId,
  id: EventId,
  title: Schema.String,
  series: Schema.optional(Schema.String),
  category: Schema.optional(Schema.String),
  markets: Schema.Array(Symbol),
  raw: Schema.optional(Schema.Unknown)
}) {}

/** The standard YES/NO outcome pair. */
export const yesNo = (): readonly [Outcome, Outcome] => [
  Outcome.make({ id: "yes", name: "Yes" }),
  Outcome.make({ id: "no", name: "No" })
]
