/**
 * The key algebra of the engine: market and position keys, trading-state scope keys (global, venue, strategy
 * everywhere, strategy on a venue), the keys the incremental totals are kept under, and the state in force.
 */
import { type Risk, StrMap } from "@alpha-hunter/core"
import type { EngineState } from "./model.js"

type TradingState = Risk.TradingState

export const SEP = "\u0000"
export const marketKey = (venue: string, symbol: string): string => venue + SEP + symbol
export const positionKey = (venue: string, strategy: string, symbol: string): string =>
  venue + SEP + strategy + SEP + symbol
/** Key of an order in `orders`: by venue order id, or (an in-flight reservation) by client order id. */
export const orderIdKey = (venue: string, orderId: string): string => `${venue}${SEP}id:${orderId}`
export const clientIdKey = (venue: string, clientOrderId: string): string => `${venue}${SEP}cid:${clientOrderId}`
export const fillKey = (venue: string, fillId: string): string => `${venue}${SEP}${fillId}`

/** Trading-state keys: global, a venue, a strategy (everywhere), a strategy on a venue, a market on a venue. */
export const GLOBAL = "*"
export const venueKey = (venue: string): string => `v:${venue}`
export const strategyKey = (strategy: string): string => `s:${strategy}`
/** A market on a venue (every strategy in it): set by a per-market pause. */
export const marketStateKey = (venue: string, symbol: string): string => `m:${venue}${SEP}${symbol}`

export const scopeKey = (scope: Risk.RiskScope | undefined): string => {
  if (scope?.symbol !== undefined && scope.venue !== GLOBAL) return marketStateKey(scope.venue, scope.symbol)
  if (scope === undefined || scope.venue === GLOBAL) {
    return scope?.strategy === undefined ? GLOBAL : strategyKey(scope.strategy)
  }
  return scope.strategy === undefined ? venueKey(scope.venue) : `vs:${scope.venue}/${scope.strategy}`
}

export const scopeOfKey = (key: string): Risk.RiskScope | undefined => {
  if (key === GLOBAL) return undefined
  if (key.startsWith("v:")) return { venue: key.slice(2) }
  if (key.startsWith("s:")) return { venue: GLOBAL, strategy: key.slice(2) }
  if (key.startsWith("m:")) {
    const [venue, symbol] = key.slice(2).split(SEP) as [string, string]
    return { venue, symbol }
  }
  const [venue, strategy] = key.slice(3).split("/") as [string, string]
  return { venue, strategy }
}

/** Every state key that governs a scope. */
export const governingKeys = (scope: Risk.RiskScope | undefined): ReadonlyArray<string> => {
  if (scope === undefined) return [GLOBAL]
  const keys = [GLOBAL]
  if (scope.venue !== GLOBAL) keys.push(venueKey(scope.venue))
  if (scope.strategy !== undefined) {
    keys.push(strategyKey(scope.strategy))
    if (scope.venue !== GLOBAL) keys.push(`vs:${scope.venue}/${scope.strategy}`)
  }
  if (scope.symbol !== undefined && scope.venue !== GLOBAL) keys.push(marketStateKey(scope.venue, scope.symbol))
  return keys
}

/**
 * Keys of the running totals (open orders, gross exposure, P&L) an order or position of (venue, strategy)
 * counts towards: global, its venue, its strategy (the level keys) and the pair (for `summary`).
 */
export const totalsKeys = (venue: string, strategy: string): readonly [string, string, string, string] => [
  GLOBAL,
  venueKey(venue),
  strategyKey(strategy),
  totalsPairKey(venue, strategy)
]
export const totalsPairKey = (venue: string, strategy: string): string => `vs:${venue}${SEP}${strategy}`

/** Key of an event's worst-case sum: over every strategy, or over one. */
export const eventKey = (venue: string, eventId: string, strategy?: string): string =>
  strategy === undefined ? venue + SEP + eventId : venue + SEP + eventId + SEP + strategy

const rank: Record<TradingState, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 }
export const rankOf = (s: TradingState): number => rank[s]
const stricter = (a: TradingState, b: TradingState): TradingState => (rank[a] >= rank[b] ? a : b)

export const effectiveState = (s: EngineState, scope: Risk.RiskScope | undefined): TradingState => {
  // no state set anywhere (the usual case): no key to build or look up
  if (StrMap.size(s.states) === 0) return "ACTIVE"
  let st: TradingState = "ACTIVE"
  for (const k of governingKeys(scope)) {
    const e = StrMap.get(s.states, k)
    if (e !== undefined) st = stricter(st, e.state)
  }
  return st
}

/** The state set on one market of a venue (ACTIVE when none is): one map read. */
export const marketState = (s: EngineState, venue: string, symbol: string): TradingState => {
  if (StrMap.size(s.states) === 0) return "ACTIVE"
  const e = StrMap.get(s.states, marketStateKey(venue, symbol))
  return e !== undefined ? e.state : "ACTIVE"
}
