/**
 * The ACTIVE / REDUCING / HALTED state per scope: setting it by hand (operator, runner) and raising it when a
 * limit is breached. A breach never lowers a stricter state.
 */
import { type Risk, StrMap } from "@alpha-hunter/core"
import type { BreachAction, LimitName } from "../RiskConfig.js"
import type { Level } from "./limits.js"
import { type Change, copyState, type EngineState, type Result } from "./model.js"
import { GLOBAL, rankOf, scopeKey, scopeOfKey, strategyKey, venueKey } from "./scope.js"

type TradingState = Risk.TradingState

export const setScopeState = (
  s: EngineState,
  key: string,
  state: TradingState,
  reason: string,
  cause: LimitName | undefined,
  paused: boolean,
  now: number,
  changes: Array<Change>
): EngineState => {
  const prev = StrMap.get(s.states, key)
  const previous = prev?.state ?? "ACTIVE"
  if (prev !== undefined && prev.state === state && prev.paused === paused) return s
  if (prev === undefined && state === "ACTIVE") return s
  changes.push({ state, previous, reason, scope: scopeOfKey(key), at: now })
  const out = copyState(s)
  out.states = StrMap.set(s.states, key, { state, reason, cause, paused, at: now })
  return out
}

/** Raises a scope's state (never lowers it): what breach actions do. */
const escalate = (
  s: EngineState,
  key: string,
  state: TradingState,
  reason: string,
  cause: LimitName,
  now: number,
  changes: Array<Change>
): EngineState => {
  const prev = StrMap.get(s.states, key)
  if (prev !== undefined && rankOf(prev.state) >= rankOf(state)) return s
  return setScopeState(s, key, state, reason, cause, false, now, changes)
}

/** What a breach of `limit` at `level` does, for an order or fill of (venue, strategy). */
export interface Breach {
  readonly action: BreachAction
  readonly level: Level
  readonly venue: string
  readonly strategy: string
  readonly limit: LimitName
  readonly reason: string
}

/** The state key a breach action targets. */
const targetKey = (b: Breach, target: "venue" | "strategy" | "all" | undefined): string => {
  if (target === undefined) return b.level.key
  if (target === "all") return GLOBAL
  if (target === "venue" || b.strategy === "") return venueKey(b.venue)
  return strategyKey(b.strategy)
}

export const applyAction = (s: EngineState, b: Breach, now: number, changes: Array<Change>): EngineState => {
  if (b.action === "deny") return s
  const [verb, target] = b.action.split("-") as ["reduce" | "halt", "venue" | "strategy" | "all" | undefined]
  const state: TradingState = verb === "halt" ? "HALTED" : "REDUCING"
  const reason = `${b.limit} breached (${b.level.name}): ${b.reason}`
  return escalate(s, targetKey(b, target), state, reason, b.limit, now, changes)
}

/** Sets a scope's state by hand (operator or runner). */
export const setState = (
  s: EngineState,
  state: TradingState,
  reason: string,
  scope: Risk.RiskScope | undefined,
  paused: boolean,
  now: number
): Result<void> => {
  const changes: Array<Change> = []
  const next = setScopeState(s, scopeKey(scope), state, reason, undefined, paused, now, changes)
  return { state: next, value: undefined, changes }
}
