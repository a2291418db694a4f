/** Engine objects → Kalshi JSON (field names and fixed-point strings exactly as the API prints them). */
import { formatCount, formatMicros, formatMicros6, formatMicrosRounded4, formatPrice } from "../FixedPoint.js"
import * as B from "./book.js"
import type { Engine } from "./engine.js"
import type { Program } from "./incentives.js"
import { toWire } from "./ticks.js"
import type { ApiError, Fill, Market, Order, OrderGroup, Position, Settlement, Trade, User } from "./types.js"

export const iso = (ms: number): string => new Date(ms).toISOString()

export const nestedError = (e: ApiError) => ({
  error:
    e.details === undefined
      ? { code: e.code, message: e.message }
      : { code: e.code, message: e.message, details: e.details }
})

export const itemError = (e: ApiError) =>
  e.details === undefined
    ? { code: e.code, message: e.message }
    : { code: e.code, message: e.message, details: e.details }

export const flatError = (details: string) => ({ code: "bad_request", message: "bad request", details })

export const top = (m: Market) => {
  const bb = B.bestBid(m.book)
  const ba = B.bestAsk(m.book)
  const yesBid = bb?.price ?? 0
  const yesAsk = ba?.price ?? 0
  return {
    yesBid,
    yesAsk,
    yesBidSize: bb?.total ?? 0,
    yesAskSize: ba?.total ?? 0,
    noBid: 10_000 - yesAsk,
    noAsk: 10_000 - yesBid
  }
}

export const market = (m: Market) => {
  const t = top(m)
  return {
    ticker: m.ticker,
    event_ticker: m.eventTicker,
    market_type: "binary",
    title: m.title,
    subtitle: "",
    yes_sub_title: m.yesSubTitle,
    no_sub_title: m.noSubTitle,
    created_time: iso(m.createdMs),
    updated_time: iso(m.updatedMs),
    open_time: iso(m.openMs),
    close_time: iso(m.closeMs),
    expected_expiration_time: iso(m.closeMs + 3_600_000),
    latest_expiration_time: iso(m.closeMs + 7 * 86_400_000),
    settlement_timer_seconds: m.settlementTimerSeconds,
    status: m.status,
    yes_bid_dollars: formatPrice(t.yesBid),
    yes_bid_size_fp: formatCount(t.yesBidSize),
    yes_ask_dollars: formatPrice(t.yesAsk),
    yes_ask_size_fp: formatCount(t.yesAskSize),
    no_bid_dollars: formatPrice(t.noBid),
    no_ask_dollars: formatPrice(t.noAsk),
    last_price_dollars: formatPrice(m.lastPrice),
    previous_yes_bid_dollars: formatPrice(0),
    previous_yes_ask_dollars: formatPrice(0),
    previous_price_dollars: formatPrice(0),
    volume_fp: formatCount(m.volume),
    volume_24h_fp: formatCount(m.volume),
    open_interest_fp: formatCount(m.openInterest),
    notional_value_dollars: "1.0000",
    result: m.result,
    can_close_early: true,
    expiration_value: m.settlementValue === null ? "" : formatPrice(m.settlementValue),
    ...(m.settlementValue === null ? {} : { settlement_value_dollars: formatPrice(m.settlementValue) }),
    ...(m.settledMs === null ? {} : { settlement_ts: iso(m.settledMs) }),
    settlement_bounds_type: "default",
    strike_type: "custom",
    custom_strike: {},
    rules_primary: `If ${m.yesSubTitle}, the market resolves to Yes.`,
    rules_secondary: "",
    price_level_structure: m.structure,
    price_ranges: toWire(m.ranges),
    exchange_index: 0
  }
}

/** `[[price, count], …]` ascending by price (best bid last); `no_dollars` in NO prices. */
export const orderbookFp = (m: Market, depth: number) => {
  const yes: Array<[string, string]> = []
  const bp = m.book.bids.prices
  for (let i = depth > 0 ? Math.max(0, bp.length - depth) : 0; i < bp.length; i++) {
    const p = bp[i]!
    yes.push([formatPrice(p), formatCount(m.book.bids.levels.get(p)!.total)])
  }
  const no: Array<[string, string]> = []
  const ap = m.book.asks.prices
  const stop = depth > 0 ? Math.min(ap.length, depth) : ap.length
  for (let i = stop - 1; i >= 0; i--) {
    const p = ap[i]!
    no.push([formatPrice(10_000 - p), formatCount(m.book.asks.levels.get(p)!.total)])
  }
  return { yes_dollars: yes, no_dollars: no }
}

const view = (o: Order) => o.frozen ?? o

export const order = (o: Order) => {
  const v = view(o)
  return {
    order_id: o.id,
    user_id: o.userId,
    client_order_id: v.clientOrderId,
    ticker: o.ticker,
    side: "yes",
    action: o.side === "bid" ? "buy" : "sell",
    outcome_side: o.side === "bid" ? "yes" : "no",
    book_side: o.side,
    type: "limit",
    status: v.status,
    yes_price_dollars: formatPrice(v.price),
    no_price_dollars: formatPrice(10_000 - v.price),
    fill_count_fp: formatCount(v.filled),
    remaining_count_fp: formatCount(v.remaining),
    initial_count_fp: formatCount(v.initial),
    taker_fill_cost_dollars: formatMicros(v.takerCost),
    maker_fill_cost_dollars: formatMicros(v.makerCost),
    taker_fees_dollars: formatMicros6(v.takerFees),
    maker_fees_dollars: formatMicros6(v.makerFees),
    expiration_time: v.expirationMs === null ? null : iso(v.expirationMs),
    created_time: iso(o.createdMs),
    last_update_time: iso(v.updatedMs),
    self_trade_prevention_type: o.stp,
    order_group_id: o.groupId,
    cancel_order_on_pause: o.cancelOnPause,
    subaccount_number: o.subaccount,
    exchange_index: 0
  }
}

/** WS `user_order` payload (always the live engine state). */
export const userOrder = (o: Order) => ({
  order_id: o.id,
  user_id: o.userId,
  ticker: o.ticker,
  status: o.status,
  outcome_side: o.side === "bid" ? "yes" : "no",
  book_side: o.side,
  side: "yes",
  is_yes: o.side === "bid",
  yes_price_dollars: formatPrice(o.price),
  fill_count_fp: formatCount(o.filled),
  remaining_count_fp: formatCount(o.remaining),
  initial_count_fp: formatCount(o.initial),
  taker_fill_cost_dollars: formatMicros(o.takerCost),
  maker_fill_cost_dollars: formatMicros(o.makerCost),
  taker_fees_dollars: formatMicros6(o.takerFees),
  maker_fees_dollars: formatMicros6(o.makerFees),
  client_order_id: o.clientOrderId,
  order_group_id: o.groupId ?? "",
  self_trade_prevention_type: o.stp,
  created_time: iso(o.createdMs),
  created_ts_ms: o.createdMs,
  last_update_time: iso(o.updatedMs),
  last_updated_ts_ms: o.updatedMs,
  ...(o.expirationMs === null ? {} : { expiration_time: iso(o.expirationMs), expiration_ts_ms: o.expirationMs }),
  subaccount_number: o.subaccount,
  exchange_index: 0,
  last_update_reason: o.lastUpdateReason
})

export const fill = (f: Fill) => ({
  fill_id: f.tradeId,
  trade_id: f.tradeId,
  order_id: f.orderId,
  ticker: f.ticker,
  market_ticker: f.ticker,
  exchange_index: 0,
  outcome_side: f.side === "bid" ? "yes" : "no",
  book_side: f.side,
  side: "yes",
  action: f.side === "bid" ? "buy" : "sell",
  count_fp: formatCount(f.count),
  yes_price_dollars: formatPrice(f.price),
  no_price_dollars: formatPrice(10_000 - f.price),
  is_taker: f.isTaker,
  fee_cost: formatMicros6(f.fee),
  created_time: iso(f.ts),
  ts: Math.floor(f.ts / 1000),
  subaccount_number: f.subaccount
})

export const wsFill = (f: Fill) => ({
  trade_id: f.tradeId,
  order_id: f.orderId,
  client_order_id: f.clientOrderId,
  market_ticker: f.ticker,
  exchange_index: 0,
  is_taker: f.isTaker,
  outcome_side: f.side === "bid" ? "yes" : "no",
  book_side: f.side,
  side: "yes",
  action: f.side === "bid" ? "buy" : "sell",
  purchased_side: f.side === "bid" ? "yes" : "no",
  yes_price_dollars: formatPrice(f.price),
  count_fp: formatCount(f.count),
  fee_cost: formatMicros6(f.fee),
  post_position_fp: formatCount(f.postPosition),
  subaccount: f.subaccount,
  ts: Math.floor(f.ts / 1000),
  ts_ms: f.ts
})

export const trade = (t: Trade) => ({
  trade_id: t.tradeId,
  ticker: t.ticker,
  count_fp: formatCount(t.count),
  yes_price_dollars: formatPrice(t.price),
  no_price_dollars: formatPrice(10_000 - t.price),
  taker_outcome_side: t.takerSide === "bid" ? "yes" : "no",
  taker_book_side: t.takerSide,
  taker_side: t.takerSide === "bid" ? "yes" : "no",
  created_time: iso(t.ts),
  is_block_trade: false
})

export const wsTrade = (t: Trade) => ({
  trade_id: t.tradeId,
  market_ticker: t.ticker,
  yes_price_dollars: formatPrice(t.price),
  no_price_dollars: formatPrice(10_000 - t.price),
  count_fp: formatCount(t.count),
  taker_outcome_side: t.takerSide === "bid" ? "yes" : "no",
  taker_book_side: t.takerSide,
  taker_side: t.takerSide === "bid" ? "yes" : "no",
  is_block_trade: false,
  ts: Math.floor(t.ts / 1000),
  ts_ms: t.ts
})

export const position = (p: Position) => ({
  ticker: p.ticker,
  exchange_index: 0,
  total_traded_dollars: formatMicros6(p.totalTraded),
  position_fp: formatCount(p.position),
  market_exposure_dollars: formatMicros6(p.exposure),
  realized_pnl_dollars: formatMicros6(p.realized),
  fees_paid_dollars: formatMicros6(p.feesPaid),
  last_updated_ts: iso(p.updatedMs)
})

export const wsPosition = (userId: string, p: Position) => ({
  user_id: userId,
  market_ticker: p.ticker,
  position_fp: formatCount(p.position),
  position_cost_dollars: formatMicros(p.exposure),
  realized_pnl_dollars: formatMicros(p.realized),
  fees_paid_dollars: formatMicros(p.feesPaid),
  position_fee_cost_dollars: formatMicros(p.feesPaid),
  volume_fp: formatCount(p.volume),
  subaccount: 0
})

export const eventPositions = (engine: Engine, u: User) => {
  const byEvent = new Map<string, { cost: number; shares: number; exposure: number; realized: number; fees: number }>()
  for (const p of u.positions.values()) {
    const m = engine.markets.get(p.ticker)
    if (m === undefined) continue
    const e = byEvent.get(m.eventTicker) ?? { cost: 0, shares: 0, exposure: 0, realized: 0, fees: 0 }
    e.cost += p.totalTraded
    e.shares += p.volume
    e.exposure += p.exposure
    e.realized += p.realized
    e.fees += p.feesPaid
    byEvent.set(m.eventTicker, e)
  }
  return [...byEvent.entries()].map(([event_ticker, e]) => ({
    event_ticker,
    total_cost_dollars: formatMicros6(e.cost),
    total_cost_shares_fp: formatCount(e.shares),
    event_exposure_dollars: formatMicros6(e.exposure),
    realized_pnl_dollars: formatMicros6(e.realized),
    fees_paid_dollars: formatMicros6(e.fees)
  }))
}

export const settlement = (s: Settlement) => ({
  ticker: s.ticker,
  event_ticker: s.eventTicker,
  exchange_index: 0,
  market_result: s.result,
  yes_count_fp: formatCount(s.yesCount),
  yes_total_cost_dollars: formatMicros(s.yesCost),
  no_count_fp: formatCount(s.noCount),
  no_total_cost_dollars: formatMicros(s.noCost),
  revenue: Math.floor(s.revenue / 10_000),
  value: Math.floor(s.valuePips / 100),
  fee_cost: "0.000000",
  settled_time: iso(s.ts)
})

export const group = (g: OrderGroup) => ({
  id: g.id,
  contracts_limit_fp: formatCount(g.limit),
  is_auto_cancel_enabled: true,
  exchange_index: 0
})

export const execFields = (fillCount: number, notional: number, fees: number) =>
  fillCount > 0
    ? {
        average_fill_price: formatPrice(Math.floor((2 * notional + fillCount) / (2 * fillCount))),
        average_fee_paid: formatMicrosRounded4((fees * 100) / fillCount)
      }
    : {}

export const balance = (u: User) => {
  const avail = u.cash - u.reserved
  let value = 0
  for (const p of u.positions.values()) value += p.exposure
  return {
    balance: Math.floor(avail / 10_000),
    balance_dollars: formatMicros(Math.floor(avail / 100) * 100),
    portfolio_value: Math.floor(value / 10_000),
    updated_ts: Math.floor(u.updatedMs / 1000),
    balance_breakdown: [{ exchange_index: 0, balance: formatMicros(Math.floor(avail / 100) * 100) }]
  }
}

/** `IncentiveProgram` (REFERENCE §11.1): rewards in centi-cents, DF in basis points, target as a count string. */
export const incentiveProgram = (p: Program) => ({
  id: p.id,
  market_id: p.marketId,
  market_ticker: p.ticker,
  incentive_type: p.type,
  incentive_description: p.description,
  start_date: iso(p.startMs),
  end_date: iso(p.endMs),
  period_reward: p.periodReward,
  paid_out: p.paidOut,
  discount_factor_bps: p.discountFactorBps,
  target_size_fp: p.targetSize === null ? null : formatCount(p.targetSize * 100),
  max_reward_per_account: p.maxRewardPerAccount
})
