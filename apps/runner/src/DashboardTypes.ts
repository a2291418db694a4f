/**
 * What the live dashboard sends the page (`DashboardData` builds it): every market's row, the selected market's
 * detail, the venues and the portfolio; one snapshot, then deltas. Money is a Decimal formatted as a string.
 */

/** One configured market of the run. */
export interface Configured {
  readonly venue: string
  readonly strategy: string
  readonly symbol: string
}

export type Level = readonly [string, string, string]

/** One market's row: what the page's table shows for every configured market. */
export interface MarketRow {
  readonly key: string
  readonly venue: string
  readonly strategy: string
  readonly symbol: string
  readonly open: boolean
  /** best bid and ask of the book (ours included), dollars */
  readonly bid: string | undefined
  readonly ask: string | undefined
  readonly ourBid: string | undefined
  readonly ourAsk: string | undefined
  /** best ask − best bid, in dollars and in levels of the grid */
  readonly spread: string | undefined
  readonly spreadTicks: number | undefined
  /** how many levels our quotes narrow the spread */
  readonly improvementTicks: number | undefined
  /** our open orders here and their notional (a bid at p ties up p, an ask 1 − p per contract) */
  readonly orders: number
  readonly resting: string
  readonly position: string
  readonly fills: number
  /** cash of this run's fills + their net position marked at the mid − fees */
  readonly pnl: string
  /** the Target Size of the market's liquidity program in force; undefined: the market has no program */
  readonly lipTarget: string | undefined
  /**
   * this snapshot's LIP score under that program, 0..2 (YES share + NO share); undefined when excluded.
   * Re-scored at most every `lipEveryMs` per market (the selected market at every change).
   */
  readonly lipScore: string | undefined
  /** today's (UTC) LIP score of the market's (first) program from the sampler's minutes, 0..1 */
  readonly lipToday: string | undefined
  /** today's projected reward of the market's programs, dollars: the report's day rows of the market, added up */
  readonly lipProjected: string | undefined
  /** the trading state in force here (the strictest of global, venue, strategy and market) */
  readonly state: string
  /** that state is a pause (resume lifts it) */
  readonly paused: boolean
  /** the market's own scope is paused or halted (not only its venue, strategy or everything) */
  readonly own: boolean
}

/** What the page shows of the market it has selected: the book's best levels and this run's fills there. */
export interface Detail {
  readonly key: string
  /** best first, at most `depth` levels */
  readonly bids: ReadonlyArray<Level>
  readonly asks: ReadonlyArray<Level>
  /** the spread without our orders (what the book would show if we left) */
  readonly spreadWithoutUs: string | undefined
  readonly makerContracts: string
  readonly takerContracts: string
}

export interface VenueSnap {
  readonly venue: string
  readonly stream: "up" | "down"
  readonly state: string
  readonly desyncs: number
  readonly halts: number
  readonly resumes: number
  readonly reconnects: number
  readonly rateLimited: number
  readonly bookResyncs: number
  readonly messageAgeMs: number
  readonly last: string | undefined
  readonly budgets: ReadonlyArray<{ readonly name: string; readonly available: number; readonly capacity: number }>
}

export interface Portfolio {
  readonly state: string
  readonly reasons: ReadonlyArray<string>
  readonly markets: number
  readonly orders: number
  readonly resting: string
  readonly position: string
  readonly fills: number
  readonly pnl: string
  readonly exposure: string
  readonly startedAt: number
}

export interface Snapshot {
  readonly t: number
  readonly portfolio: Portfolio
  readonly venues: ReadonlyArray<VenueSnap>
  readonly markets: ReadonlyArray<MarketRow>
}

/** One SSE payload: the portfolio and venues when they changed, and only the rows that changed. */
export interface Delta {
  readonly t: number
  readonly portfolio?: Portfolio
  readonly venues?: ReadonlyArray<VenueSnap>
  readonly markets: ReadonlyArray<MarketRow>
}
