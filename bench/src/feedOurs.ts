/**
 * "Ours" in the feed benchmark: one raw WebSocket frame string → the Kalshi plugin's own frame step
 * (`KalshiFeed.FrameStep.step`, the code the feed's processor fiber runs over every frame) → what a strategy's
 * `watchBook` receives (`FrameStep.viewOf`: the immutable integer `BookView` of the ladder). Nothing is
 * restated. The view is taken after every delta, as if the strategy pulled each one (the feed conflates: a real
 * strategy takes at most one per socket batch), so this is the costlier case.
 *
 * Books start as the feed makes them valid: each market gets an empty `orderbook_snapshot` frame first
 * (untimed, through the same step).
 */
import type { TickGrid } from "@alpha-hunter/core"
import { KalshiFeed } from "@alpha-hunter/kalshi"

const { FrameStep } = KalshiFeed

export interface FeedMarket {
  readonly ticker: string
  readonly grid: TickGrid.TickGrid
}

export interface FeedPath {
  /** One raw frame in; returns a number read from what the strategy sees (so nothing is optimised away). */
  readonly onFrame: (raw: string) => number
  /** The final integer books (lots per level), to check the three implementations agree. */
  readonly ladders: () => ReadonlyArray<{ readonly bids: ArrayLike<number>; readonly asks: ArrayLike<number> }>
  /** Books the path marked invalid, malformed frames and gaps (must stay 0 on a valid stream). */
  readonly invalid: () => number
}

export const makeOurs = (markets: ReadonlyArray<FeedMarket>): FeedPath => {
  const state = FrameStep.makeState({ useYes: true })
  const books = markets.map((m) => FrameStep.makeBook(m.ticker, m.grid))
  for (const b of books) FrameStep.track(state, b)
  const now = Date.now()
  for (const m of markets) {
    FrameStep.step(state, JSON.stringify({ type: "orderbook_snapshot", sid: 1, msg: { market_ticker: m.ticker } }), now)
  }
  const onFrame = (raw: string): number => {
    const c = FrameStep.step(state, raw, now)
    if (c._tag !== "Book") return 0
    const view = FrameStep.viewOf(c.book)
    return view === undefined ? 0 : view.version + view.bids.levels.length
  }
  return {
    onFrame,
    ladders: () => books.map((b) => ({ bids: b.ladder.bids, asks: b.ladder.asks })),
    invalid: () =>
      books.filter((b) => !b.valid).length + state.stats.malformed + state.stats.gaps + state.stats.invalidations
  }
}
