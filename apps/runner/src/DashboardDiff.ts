/** The dashboard's deltas: what a connected page is sent after its first snapshot. Pure. */
import type { Delta, MarketRow, Snapshot } from "./DashboardTypes.js"

/**
 * What changed from `prev` to `next`; updates `prev` in place. Rows are compared by reference: the collector
 * hands back the same row object while nothing in it changed.
 */
export const diff = (
  prev: { portfolio: string; venues: string; markets: Map<string, MarketRow> },
  next: Snapshot
): Delta => {
  const portfolio = JSON.stringify(next.portfolio)
  const venues = JSON.stringify(next.venues)
  const markets: Array<MarketRow> = []
  for (const m of next.markets) {
    if (prev.markets.get(m.key) !== m) {
      prev.markets.set(m.key, m)
      markets.push(m)
    }
  }
  const changedPortfolio = portfolio !== prev.portfolio
  const changedVenues = venues !== prev.venues
  prev.portfolio = portfolio
  prev.venues = venues
  return {
    t: next.t,
    ...(changedPortfolio ? { portfolio: next.portfolio } : {}),
    ...(changedVenues ? { venues: next.venues } : {}),
    markets
  }
}
