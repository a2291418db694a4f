/** Branded identifiers. A market symbol of one venue cannot be passed where an order id is expected. */
import * as Schema from "effect/Schema"

const id = <B extends string>(brand: B, description: string) =>
  Schema.String.pipe(Schema.minLength(1), Schema.brand(brand)).annotations({ identifier: brand, description })

/** A venue instance name as used in config ("kalshi", "paper", "kalshi-demo"). */
export const VenueId = id("VenueId", "a venue id")
export type VenueId = typeof VenueId.Type
/** A market's symbol on its venue (Kalshi: the market ticker). */
export const Symbol = id("Symbol", "a market symbol")
export type Symbol = typeof Symbol.Type
export const EventId = id("EventId", "an event id")
export type EventId = typeof EventId.Type
export const OrderId = id("OrderId", "a venue order id")
export type OrderId = typeof OrderId.Type
/** Client order id: chosen by us, unique forever on venues like Kalshi. */
export const ClientOrderId = id("ClientOrderId", "a client order id")
export type ClientOrderId = typeof ClientOrderId.Type
export const TradeId = id("TradeId", "a venue trade id")
export type TradeId = typeof TradeId.Type
export const StrategyId = id("StrategyId", "a strategy instance id")
export type StrategyId = typeof StrategyId.Type
