/**
 * The risk engine as pure functions over an immutable state: `(state, input, now) → (state', decision, changes)`.
 * The Effect layer (RiskEngine.ts) keeps the state in a Ref and runs each function inside `Ref.modify`, so a
 * check and its bookkeeping (rate window, in-flight reservation) are atomic.
 *
 * Modules: model (state and results), scope (keys, state in force), limits (levels, actions), exposure (cost
 * and P&L arithmetic), aggregates (running totals), window (bounded dedupe), stateMachine, time (tick), check
 * (pre-trade), accounting (post-trade and read-outs). This file only re-exports what the layer uses.
 */
export {
  CARRIED_SYMBOL,
  carryDaily,
  onFill,
  onMark,
  onOrder,
  positionOf,
  registerMarket,
  registerMarkets,
  summary
} from "./accounting.js"
export { check } from "./check.js"
export type { Change, EngineState, Result } from "./model.js"
export { dayStartOf, empty } from "./model.js"
export { orderLimits } from "./orderLimits.js"
export { effectiveState, GLOBAL, marketKey, marketState, scopeKey, scopeOfKey } from "./scope.js"
export { setState } from "./stateMachine.js"
export { tick } from "./time.js"
