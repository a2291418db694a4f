/**
 * Today's realised P&L and fees from a record of fills, for a restart: the runner reads its journal (the
 * positions each run opened with, then every fill it booked) and hands the result to
 * `RiskEngine.carryDaily`, so the daily loss limit counts what was lost before the restart.
 *
 * The replay uses the engine's own average-cost accounting, keyed like the engine (venue, strategy, market),
 * so it realises exactly what the engine realised while it ran. Only fills at or after `dayStart` count; the
 * older ones only build the positions today's fills close. Pure.
 */
import { Decimal as D } from "@alpha-hunter/core"
import { applyFillToEntry } from "./internal/accounting.js"
import type { PositionEntry } from "./internal/model.js"
import { positionKey } from "./internal/scope.js"

type Decimal = D.Decimal

/** A position a run opened with (the venue's, at its average cost); `strategy` "" = the venue's. */
export interface Opening {
  readonly venue: string
  readonly strategy: string
  readonly symbol: string
  /** signed: > 0 long */
  readonly amount: Decimal
  readonly price: Decimal
}

export interface FillRecord {
  readonly venue: string
  readonly strategy: string
  readonly symbol: string
  readonly side: "buy" | "sell"
  readonly price: Decimal
  readonly amount: Decimal
  readonly fee: Decimal
  /** epoch ms */
  readonly at: number
}

/** One step of the record, in journal order. */
export type Step =
  | { readonly _tag: "Open"; readonly venue: string; readonly positions: ReadonlyArray<Opening> }
  | { readonly _tag: "Fill"; readonly fill: FillRecord }

export interface Carried {
  readonly venue: string
  readonly strategy: string
  readonly realized: Decimal
  readonly fees: Decimal
}

const flat = (venue: string, strategy: string, symbol: string): PositionEntry => ({
  venue,
  strategy,
  symbol,
  amount: D.ZERO,
  cost: D.ZERO,
  realized: D.ZERO,
  fees: D.ZERO,
  lastPrice: D.ZERO,
  baseline: D.ZERO
})

/**
 * Realised P&L and fees since `dayStart` per (venue, strategy), pairs with neither left out. An `Open` step
 * sets a venue's positions to what it lists (every other position there is flat): what a run started with.
 */
export const today = (steps: Iterable<Step>, dayStart: number): ReadonlyArray<Carried> => {
  const positions = new Map<string, PositionEntry>()
  const out = new Map<string, { venue: string; strategy: string; realized: Decimal; fees: Decimal }>()
  for (const step of steps) {
    if (step._tag === "Open") {
      for (const [k, e] of positions) if (e.venue === step.venue) positions.delete(k)
      for (const o of step.positions) {
        positions.set(positionKey(o.venue, o.strategy, o.symbol), {
          ...flat(o.venue, o.strategy, o.symbol),
          amount: o.amount,
          cost: D.mul(o.amount, o.price, "half-even"),
          lastPrice: o.price
        })
      }
      continue
    }
    const f = step.fill
    const key = positionKey(f.venue, f.strategy, f.symbol)
    const before = positions.get(key) ?? flat(f.venue, f.strategy, f.symbol)
    const after = applyFillToEntry(before, f.side === "buy" ? f.amount : D.neg(f.amount), f.price, f.fee)
    positions.set(key, after)
    if (f.at < dayStart) continue
    const pair = `${f.venue}\u0000${f.strategy}`
    const acc = out.get(pair) ?? { venue: f.venue, strategy: f.strategy, realized: D.ZERO, fees: D.ZERO }
    acc.realized = D.add(acc.realized, D.sub(after.realized, before.realized))
    acc.fees = D.add(acc.fees, f.fee)
    out.set(pair, acc)
  }
  return [...out.values()].filter((c) => c.realized !== D.ZERO || c.fees !== D.ZERO)
}
