/**
 * Limit levels: which configured limits (global, the order's venue, its strategy) apply to an order, which
 * orders and positions each level measures, and the action a breach takes.
 */
import type { Risk } from "@alpha-hunter/core"
import type { BreachAction, LimitName, Limits, RiskConfig } from "../RiskConfig.js"
import { GLOBAL, strategyKey, venueKey } from "./scope.js"

export interface Level {
  readonly name: string
  readonly limits: Limits
  /** state key that `reduce` / `halt` target, and the key of the level's running totals */
  readonly key: string
  readonly kind: "global" | "venue" | "strategy"
  /** the venue or strategy name ("" for global) */
  readonly id: string
}

const globalLevel = (cfg: RiskConfig): Level => ({
  name: "global",
  limits: cfg.global,
  key: GLOBAL,
  kind: "global",
  id: ""
})
const venueLevel = (venue: string, limits: Limits): Level => ({
  name: `venue ${venue}`,
  limits,
  key: venueKey(venue),
  kind: "venue",
  id: venue
})
const strategyLevel = (strategy: string, limits: Limits): Level => ({
  name: `strategy ${strategy}`,
  limits,
  key: strategyKey(strategy),
  kind: "strategy",
  id: strategy
})

/** The levels an order of (venue, strategy) is checked against: at most three. */
export const levelsFor = (cfg: RiskConfig, venue: string, strategy: string): ReadonlyArray<Level> => {
  const out: Array<Level> = [globalLevel(cfg)]
  const v = cfg.venues[venue]
  if (v !== undefined) out.push(venueLevel(venue, v))
  const st = strategy === "" ? undefined : cfg.strategies[strategy]
  if (st !== undefined) out.push(strategyLevel(strategy, st))
  return out
}

/** All configured levels (for post-trade checks that are not tied to one order). */
export const allLevels = (cfg: RiskConfig): ReadonlyArray<Level> => {
  const out: Array<Level> = [globalLevel(cfg)]
  for (const [venue, limits] of Object.entries(cfg.venues)) out.push(venueLevel(venue, limits))
  for (const [strategy, limits] of Object.entries(cfg.strategies)) out.push(strategyLevel(strategy, limits))
  return out
}

/** Whether a level measures the orders and positions of (venue, strategy). */
export const levelMatches = (level: Level, venue: string, strategy: string): boolean =>
  level.kind === "global" || (level.kind === "venue" ? venue === level.id : strategy === level.id)

/** The strategy whose books a level reads (undefined: every strategy's). */
export const levelStrategy = (level: Level): string | undefined => (level.kind === "strategy" ? level.id : undefined)

export const actionFor = (cfg: RiskConfig, level: Level, limit: LimitName): BreachAction =>
  level.limits.onBreach?.[limit] ?? cfg.onBreach[limit] ?? "deny"

export const limitOfReason: Partial<Record<Risk.DenyReason, LimitName>> = {
  MAX_ORDER_SIZE: "maxOrderSize",
  MAX_ORDER_NOTIONAL: "maxOrderNotional",
  MAX_POSITION: "maxPosition",
  MAX_EVENT_POSITION: "maxEventPosition",
  MAX_GROSS_EXPOSURE: "maxGrossExposure",
  MAX_OPEN_ORDERS: "maxOpenOrders",
  ORDER_RATE: "orderRate",
  PRICE_BAND: "priceBand",
  DAILY_LOSS: "maxDailyLoss",
  DRAWDOWN: "maxDrawdown",
  SELF_CROSS: "selfCross"
}
