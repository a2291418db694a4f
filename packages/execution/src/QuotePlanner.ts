/**
 * The quote planner: one pure function from what a strategy wants resting in a market and what we have
 * there to the fewest writes. It replaces the three diffs the code used to carry (core `Gateway`, the
 * runner's order manager and the maker's own match check).
 *
 * Rules, per side:
 * - an open order whose price and remaining amount equal a wanted quote is kept (each order matches one
 *   quote at most);
 * - the other open orders are stale: when the venue can amend, stale orders are paired with missing quotes
 *   in order and amended; the rest are canceled, and the remaining missing quotes created;
 * - while any of our orders in the market is in flight (pending) or unknown, nothing is planned: the
 *   caller waits for the venue's answer (or a lookup) rather than write on a state it cannot see.
 */
import type { Decimal as D, Order, Strategy } from "@alpha-hunter/core"

/** The planner's view of one of our orders. */
export interface PlannedOrder {
  readonly side: Order.Side
  readonly price: D.Decimal
  readonly remaining: D.Decimal
  readonly status: Order.OrderStatus
}

export interface Plan<T extends PlannedOrder> {
  /** orders in flight or unknown: nothing else was planned */
  readonly blocked: boolean
  readonly keep: ReadonlyArray<T>
  readonly cancel: ReadonlyArray<T>
  readonly amend: ReadonlyArray<readonly [T, Strategy.Quote]>
  readonly create: ReadonlyArray<{ readonly side: Order.Side; readonly quote: Strategy.Quote }>
}

export interface PlannerFeatures {
  /** the venue amends in place (price and size) */
  readonly amend: boolean
}

const empty = { keep: [], cancel: [], amend: [], create: [] }

const isInFlight = (s: Order.OrderStatus) =>
  s === "pending_new" || s === "pending_cancel" || s === "pending_amend" || s === "unknown"

/** Plans the writes that make `mine` (our orders in the target's market) rest as `target` says. */
export const plan = <T extends PlannedOrder>(
  target: Pick<Strategy.QuoteTarget, "bids" | "asks">,
  mine: ReadonlyArray<T>,
  features: PlannerFeatures
): Plan<T> => {
  for (const t of mine) if (isInFlight(t.status)) return { blocked: true, ...empty }
  const keep: Array<T> = []
  const cancel: Array<T> = []
  const amend: Array<readonly [T, Strategy.Quote]> = []
  const create: Array<{ readonly side: Order.Side; readonly quote: Strategy.Quote }> = []
  const sides = [
    ["buy", target.bids],
    ["sell", target.asks]
  ] as const
  for (const [side, wanted] of sides) {
    const open: Array<T> = []
    for (const t of mine) if (t.side === side && t.status === "open") open.push(t)
    const kept = new Set<T>()
    const missing: Array<Strategy.Quote> = []
    for (const q of wanted) {
      let hit: T | undefined
      for (const t of open) {
        if (!kept.has(t) && t.price === q.price && t.remaining === q.amount) {
          hit = t
          break
        }
      }
      if (hit !== undefined) kept.add(hit)
      else missing.push(q)
    }
    const stale = open.filter((t) => !kept.has(t))
    keep.push(...kept)
    const paired = features.amend ? Math.min(stale.length, missing.length) : 0
    for (let i = 0; i < paired; i++) amend.push([stale[i]!, missing[i]!])
    cancel.push(...stale.slice(paired))
    for (const quote of missing.slice(paired)) create.push({ side, quote })
  }
  return { blocked: false, keep, cancel, amend, create }
}

/** Number of venue writes a plan costs. */
export const writes = (p: Plan<PlannedOrder>): number => p.cancel.length + p.amend.length + p.create.length
