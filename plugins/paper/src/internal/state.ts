/**
 * The paper venue's state: persistent (HashMap/Chunk) at the top, immutable books per market.
 *
 * Every operation runs on a `Draft` (a shallow, mutable shell over the persistent maps) and is committed
 * only if it succeeds, so a refused order (InsufficientFunds after matching, a FOK that cannot fill, ...)
 * leaves no trace: rollback is just dropping the draft.
 */
import type { Decimal as D, Ids, Market, Order, TickGrid } from "@alpha-hunter/core"
import * as Chunk from "effect/Chunk"
import * as HashMap from "effect/HashMap"

export type Owner = "self" | "external"

/** One order on the venue, ours or another participant's. */
export interface OrderRec {
  readonly id: Ids.OrderId
  readonly owner: Owner
  readonly clientOrderId: Ids.ClientOrderId | undefined
  readonly symbol: Ids.Symbol
  readonly side: Order.Side
  readonly type: Order.OrderType
  readonly price: D.Decimal
  readonly amount: D.Decimal
  readonly filled: D.Decimal
  /** Σ price × amount over fills */
  readonly cost: D.Decimal
  readonly fee: D.Decimal
  readonly status: Order.OrderStatus
  readonly timeInForce: Order.TimeInForce
  readonly postOnly: boolean
  readonly reduceOnly: boolean
  readonly expiry: number | undefined
  readonly timestamp: number
  readonly lastUpdateTimestamp: number
  /** arrival sequence: time priority and collateral allocation order */
  readonly seq: number
}

/** One price level of a book: resting order ids in time priority. */
export interface Level {
  readonly level: number
  readonly orders: ReadonlyArray<Ids.OrderId>
}

export interface MarketState {
  readonly market: Market.Market
  readonly grid: TickGrid.TickGrid
  readonly status: Market.MarketStatus
  /** best first: level descending */
  readonly bids: ReadonlyArray<Level>
  /** best first: level ascending */
  readonly asks: ReadonlyArray<Level>
  readonly sequence: number
  readonly timestamp: number
  readonly settlement: D.Decimal | undefined
}

export interface PositionRec {
  readonly amount: D.Decimal
  /** signed like amount: Σ signed amount × entry price of the open part */
  readonly cost: D.Decimal
  readonly realized: D.Decimal
  readonly fees: D.Decimal
  readonly timestamp: number
}

export type EngineEvent =
  | { readonly _tag: "Order"; readonly order: OrderRec }
  | { readonly _tag: "Fill"; readonly fill: Order.Fill }

export interface State {
  readonly venue: Ids.VenueId
  readonly symbols: ReadonlyArray<Ids.Symbol>
  readonly markets: HashMap.HashMap<Ids.Symbol, MarketState>
  readonly orders: HashMap.HashMap<Ids.OrderId, OrderRec>
  /** every client order id ever accepted (unique forever) */
  readonly clientIds: HashMap.HashMap<Ids.ClientOrderId, Ids.OrderId>
  /** account totals per currency */
  readonly cash: HashMap.HashMap<string, D.Decimal>
  readonly positions: HashMap.HashMap<Ids.Symbol, PositionRec>
  /** our fills, oldest first */
  readonly fills: Chunk.Chunk<Order.Fill>
  readonly nextOrder: number
  readonly nextTrade: number
  readonly nextSeq: number
  /** earliest expiry among resting orders (undefined: none) */
  readonly nextExpiry: number | undefined
}

export type Draft = { -readonly [K in keyof State]: State[K] }

/** Working copy of a state plus what happened while working on it. */
export interface Tx {
  readonly d: Draft
  readonly now: number
  readonly events: Array<EngineEvent>
  readonly touched: Set<Ids.Symbol>
}

export const begin = (s: State, now: number): Tx => ({ d: { ...s }, now, events: [], touched: new Set() })

export const commit = (tx: Tx): State => ({ ...tx.d })

export const empty = (
  venue: Ids.VenueId,
  markets: ReadonlyArray<MarketState>,
  cash: ReadonlyArray<readonly [string, D.Decimal]>
): State => ({
  venue,
  symbols: markets.map((m) => m.market.symbol),
  markets: HashMap.fromIterable(markets.map((m) => [m.market.symbol, m] as const)),
  orders: HashMap.empty(),
  clientIds: HashMap.empty(),
  cash: HashMap.fromIterable(cash),
  positions: HashMap.empty(),
  fills: Chunk.empty(),
  nextOrder: 1,
  nextTrade: 1,
  nextSeq: 1,
  nextExpiry: undefined
})
