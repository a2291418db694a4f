/** Engine data model. All money in micro-dollars, prices in pips, counts in centi-contracts. */
import type { Book } from "./book.js"
import type { Bucket } from "./buckets.js"
import type { FeeType } from "./fees.js"
import type { PriceRange } from "./ticks.js"

export type Side = "bid" | "ask"
export type TimeInForce = "fill_or_kill" | "good_till_canceled" | "immediate_or_cancel"
export type Stp = "taker_at_cross" | "maker"
export type OrderStatus = "resting" | "canceled" | "executed"
export type MarketStatus =
  | "initialized"
  | "inactive"
  | "active"
  | "closed"
  | "determined"
  | "disputed"
  | "amended"
  | "finalized"

export interface OrderSnapshot {
  readonly status: OrderStatus
  readonly price: number
  readonly filled: number
  readonly remaining: number
  readonly initial: number
  readonly takerCost: number
  readonly makerCost: number
  readonly takerFees: number
  readonly makerFees: number
  readonly updatedMs: number
  readonly expirationMs: number | null
  readonly clientOrderId: string
}

export interface Order {
  readonly id: string
  readonly userId: string
  clientOrderId: string
  readonly ticker: string
  readonly side: Side
  price: number
  initial: number
  filled: number
  remaining: number
  readonly tif: TimeInForce
  readonly stp: Stp
  readonly postOnly: boolean
  readonly cancelOnPause: boolean
  readonly groupId: string | null
  readonly subaccount: number
  expirationMs: number | null
  readonly createdMs: number
  updatedMs: number
  status: OrderStatus
  takerCost: number
  makerCost: number
  takerFees: number
  makerFees: number
  roundingAcc: number
  reserved: number
  closable: number
  lastUpdateReason: string
  /** REST read model frozen by the `freeze_order_reads` fault, or lagging (`rest_lag`) (null = live) */
  frozen: OrderSnapshot | null
  /** states before recent changes, while REST lags (`rest_lag`): each was current until `until` */
  past?: Array<{ readonly until: number; readonly snap: OrderSnapshot }> | undefined
}

export interface Position {
  readonly ticker: string
  position: number
  exposure: number
  realized: number
  feesPaid: number
  totalTraded: number
  volume: number
  updatedMs: number
}

export interface Fill {
  readonly tradeId: string
  readonly orderId: string
  readonly clientOrderId: string
  readonly ticker: string
  readonly side: Side
  readonly count: number
  readonly price: number
  readonly isTaker: boolean
  readonly fee: number
  readonly ts: number
  readonly subaccount: number
  readonly postPosition: number
}

export interface Trade {
  readonly tradeId: string
  readonly ticker: string
  readonly count: number
  readonly price: number
  readonly takerSide: Side
  readonly ts: number
}

export interface Settlement {
  readonly ticker: string
  readonly eventTicker: string
  readonly result: string
  readonly yesCount: number
  readonly yesCost: number
  readonly noCount: number
  readonly noCost: number
  readonly revenue: number
  readonly valuePips: number
  readonly ts: number
}

export interface OrderGroup {
  readonly id: string
  readonly userId: string
  readonly subaccount: number
  limit: number
  triggered: boolean
  readonly window: Array<{ readonly ts: number; readonly qty: number }>
  readonly orders: Set<string>
}

export interface User {
  readonly id: string
  readonly synthetic: boolean
  cash: number
  reserved: number
  readonly precision: number
  readonly positions: Map<string, Position>
  readonly orders: Array<Order>
  readonly fills: Array<Fill>
  readonly settlements: Array<Settlement>
  readonly clientIds: Set<string>
  readonly groups: Map<string, OrderGroup>
  read: Bucket | undefined
  write: Bucket | undefined
  updatedMs: number
}

export interface Market {
  readonly ticker: string
  readonly marketId: string
  readonly eventTicker: string
  readonly seriesTicker: string
  readonly title: string
  readonly yesSubTitle: string
  readonly noSubTitle: string
  structure: string
  ranges: ReadonlyArray<PriceRange>
  /** mutable: a series' fee type can change mid-run (`POST /_sim/control` `set_series_fee`) */
  feeType: FeeType
  feeMultiplierBp: number
  status: MarketStatus
  readonly createdMs: number
  updatedMs: number
  openMs: number
  closeMs: number
  readonly settlementTimerSeconds: number
  result: "" | "yes" | "no" | "scalar"
  settlementValue: number | null
  settledMs: number | null
  readonly book: Book
  lastPrice: number
  lastTradeSize: number
  volume: number
  openInterest: number
  readonly trades: Array<Trade>
  /** fair value the synthetic flow orbits (pips) */
  fair: number
  tickerSig: string
}

export interface ApiError {
  readonly status: number
  readonly code: string
  readonly message: string
  readonly details?: string
}

export const apiError = (status: number, code: string, message: string, details?: string): ApiError =>
  details === undefined ? { status, code, message } : { status, code, message, details }
