/**
 * Schemas of Kalshi's raw REST and WebSocket payloads (venue field names; fixed-point strings decode to exact
 * `Decimal`s). Decoding is lenient about extra fields and strict about the ones we use.
 */
import { Decimal as D } from "@alpha-hunter/core"
import * as Schema from "effect/Schema"

const Dec = D.Decimal
const opt = <S extends Schema.Schema.Any>(s: S) => Schema.optional(Schema.NullOr(s))

// ---- markets -----------------------------------------------------------------------------------

export const PriceRange = Schema.Struct({ start: Dec, end: Dec, step: Dec })

export const Market = Schema.Struct({
  ticker: Schema.String,
  event_ticker: Schema.String,
  market_type: opt(Schema.String),
  title: opt(Schema.String),
  subtitle: opt(Schema.String),
  yes_sub_title: opt(Schema.String),
  no_sub_title: opt(Schema.String),
  open_time: opt(Schema.String),
  close_time: opt(Schema.String),
  status: Schema.String,
  notional_value_dollars: opt(Dec),
  price_level_structure: opt(Schema.String),
  price_ranges: opt(Schema.Array(PriceRange)),
  exchange_index: opt(Schema.Number),
  yes_bid_dollars: opt(Dec),
  yes_ask_dollars: opt(Dec)
})
export type Market = typeof Market.Type

export const MarketsPage = Schema.Struct({ markets: Schema.Array(Market), cursor: opt(Schema.String) })
export const MarketEnvelope = Schema.Struct({ market: Market })

export const Event = Schema.Struct({
  event_ticker: Schema.String,
  series_ticker: opt(Schema.String),
  title: opt(Schema.String),
  sub_title: opt(Schema.String),
  category: opt(Schema.String),
  exchange_index: opt(Schema.Number),
  markets: opt(Schema.Array(Market)),
  /** event-level fee overrides (null = the series' own) */
  fee_type_override: opt(Schema.String),
  fee_multiplier_override: opt(Schema.Number)
})
export type Event = typeof Event.Type
export const EventEnvelope = Schema.Struct({ event: Event })

/** `Series` (REFERENCE §4.5): the fields the fee model needs. */
/** `GET /series/fee_changes` (REFERENCE §4.5, §10.1): scheduled (and, with show_historical, past) changes */
export const SeriesFeeChange = Schema.Struct({
  id: Schema.String,
  series_ticker: Schema.String,
  fee_type: opt(Schema.String),
  fee_multiplier: opt(Schema.Number),
  scheduled_ts: opt(Schema.String)
})
export const SeriesFeeChanges = Schema.Struct({ series_fee_change_arr: opt(Schema.Array(SeriesFeeChange)) })

export const Series = Schema.Struct({
  ticker: Schema.String,
  fee_type: opt(Schema.String),
  fee_multiplier: opt(Schema.Number)
})
export type Series = typeof Series.Type
export const SeriesEnvelope = Schema.Struct({ series: Series })

/** `IncentiveProgram` (REFERENCE §11.1): rewards in centi-cents (int64), DF in basis points. */
export const IncentiveProgram = Schema.Struct({
  id: Schema.String,
  market_id: opt(Schema.String),
  market_ticker: Schema.String,
  incentive_type: Schema.String,
  incentive_description: opt(Schema.String),
  start_date: Schema.String,
  end_date: Schema.String,
  period_reward: Schema.Int,
  paid_out: opt(Schema.Boolean),
  discount_factor_bps: opt(Schema.Int),
  target_size_fp: opt(Dec),
  max_reward_per_account: opt(Schema.Int)
})
export type IncentiveProgram = typeof IncentiveProgram.Type
export const IncentiveProgramsPage = Schema.Struct({
  incentive_programs: opt(Schema.Array(IncentiveProgram)),
  next_cursor: opt(Schema.String)
})
export const EventsPage = Schema.Struct({ events: Schema.Array(Event), cursor: opt(Schema.String) })

/** `[price_dollars, count_fp]` */
export const BookLevel = Schema.Tuple(Dec, Dec)
export const OrderbookEnvelope = Schema.Struct({
  orderbook_fp: Schema.Struct({
    yes_dollars: opt(Schema.Array(BookLevel)),
    no_dollars: opt(Schema.Array(BookLevel))
  })
})

// ---- orders ------------------------------------------------------------------------------------

export const ItemError = Schema.Struct({
  code: opt(Schema.String),
  message: opt(Schema.String),
  details: opt(Schema.String)
})
export type ItemError = typeof ItemError.Type

export const CreateOrderResponse = Schema.Struct({
  order_id: Schema.String,
  client_order_id: opt(Schema.String),
  fill_count: Dec,
  remaining_count: Dec,
  average_fill_price: opt(Dec),
  average_fee_paid: opt(Dec),
  ts_ms: opt(Schema.Number)
})
export type CreateOrderResponse = typeof CreateOrderResponse.Type

export const BatchCreateItem = Schema.Struct({
  order_id: opt(Schema.String),
  client_order_id: opt(Schema.String),
  fill_count: opt(Dec),
  remaining_count: opt(Dec),
  average_fill_price: opt(Dec),
  average_fee_paid: opt(Dec),
  ts_ms: opt(Schema.Number),
  error: opt(ItemError)
})
export type BatchCreateItem = typeof BatchCreateItem.Type
/** Items are decoded one by one (one bad item makes that item's outcome unknown, not the whole batch's). */
export const BatchCreateResponse = Schema.Struct({ orders: Schema.Array(Schema.Unknown) })

export const CancelResponse = Schema.Struct({
  order_id: Schema.String,
  client_order_id: opt(Schema.String),
  reduced_by: opt(Dec),
  ts_ms: opt(Schema.Number)
})
export const BatchCancelItem = Schema.Struct({
  order_id: opt(Schema.String),
  client_order_id: opt(Schema.String),
  reduced_by: opt(Dec),
  ts_ms: opt(Schema.Number),
  error: opt(ItemError)
})
export type BatchCancelItem = typeof BatchCancelItem.Type
export const BatchCancelResponse = Schema.Struct({ orders: Schema.Array(Schema.Unknown) })

export const AmendResponse = Schema.Struct({
  order_id: Schema.String,
  client_order_id: opt(Schema.String),
  remaining_count: opt(Dec),
  fill_count: opt(Dec),
  average_fill_price: opt(Dec),
  average_fee_paid: opt(Dec),
  ts_ms: opt(Schema.Number)
})

/** Price, counts, costs and fees of an order: the same fields on REST orders and WS `user_order`. */
const orderAmounts = {
  yes_price_dollars: Dec,
  fill_count_fp: Dec,
  remaining_count_fp: Dec,
  initial_count_fp: opt(Dec),
  taker_fill_cost_dollars: opt(Dec),
  maker_fill_cost_dollars: opt(Dec),
  taker_fees_dollars: opt(Dec),
  maker_fees_dollars: opt(Dec)
}

export const Order = Schema.Struct({
  order_id: Schema.String,
  client_order_id: opt(Schema.String),
  ticker: Schema.String,
  outcome_side: opt(Schema.String),
  book_side: opt(Schema.Literal("bid", "ask")),
  side: opt(Schema.String),
  action: opt(Schema.String),
  status: Schema.String,
  ...orderAmounts,
  expiration_time: opt(Schema.String),
  created_time: opt(Schema.String),
  last_update_time: opt(Schema.String),
  order_group_id: opt(Schema.String),
  exchange_index: opt(Schema.Number)
})
export type Order = typeof Order.Type
export const OrdersPage = Schema.Struct({ orders: Schema.Array(Order), cursor: opt(Schema.String) })
export const OrderEnvelope = Schema.Struct({ order: Order })

export const Fill = Schema.Struct({
  fill_id: opt(Schema.String),
  trade_id: opt(Schema.String),
  order_id: Schema.String,
  client_order_id: opt(Schema.String),
  ticker: opt(Schema.String),
  market_ticker: opt(Schema.String),
  book_side: opt(Schema.Literal("bid", "ask")),
  outcome_side: opt(Schema.String),
  side: opt(Schema.String),
  action: opt(Schema.String),
  count_fp: Dec,
  yes_price_dollars: Dec,
  is_taker: opt(Schema.Boolean),
  fee_cost: opt(Dec),
  created_time: opt(Schema.String),
  ts: opt(Schema.Number),
  ts_ms: opt(Schema.Number)
})
export type Fill = typeof Fill.Type
export const FillsPage = Schema.Struct({ fills: Schema.Array(Fill), cursor: opt(Schema.String) })

export const Balance = Schema.Struct({
  balance: opt(Schema.Number),
  balance_dollars: opt(Dec),
  portfolio_value: opt(Schema.Number)
})

export const MarketPosition = Schema.Struct({
  ticker: Schema.String,
  position_fp: Dec,
  market_exposure_dollars: opt(Dec),
  realized_pnl_dollars: opt(Dec),
  fees_paid_dollars: opt(Dec),
  last_updated_ts: opt(Schema.Union(Schema.Number, Schema.String))
})
export const PositionsPage = Schema.Struct({
  market_positions: opt(Schema.Array(MarketPosition)),
  cursor: opt(Schema.String)
})

// ---- account -----------------------------------------------------------------------------------

export const BucketLimit = Schema.Struct({ refill_rate: Schema.Number, bucket_capacity: Schema.Number })
export const Limits = Schema.Struct({ usage_tier: opt(Schema.String), read: BucketLimit, write: BucketLimit })
export type Limits = typeof Limits.Type
export const EndpointCosts = Schema.Struct({
  default_cost: Schema.Number,
  endpoint_costs: Schema.Array(Schema.Struct({ method: Schema.String, path: Schema.String, cost: Schema.Number }))
})
export type EndpointCosts = typeof EndpointCosts.Type

export const OrderGroupCreated = Schema.Struct({ order_group_id: Schema.String })

// ---- WebSocket ---------------------------------------------------------------------------------

/** The envelope of every server frame; `msg` is decoded per type afterwards. */
export const Frame = Schema.Struct({
  type: Schema.String,
  id: opt(Schema.Number),
  sid: opt(Schema.Number),
  seq: opt(Schema.Number),
  msg: Schema.optional(Schema.Unknown)
})
export type Frame = typeof Frame.Type

export const WsSubscribed = Schema.Struct({ channel: Schema.String, sid: Schema.Number })
export const WsError = Schema.Struct({ code: Schema.Number, msg: opt(Schema.String) })

export const WsBookSnapshot = Schema.Struct({
  market_ticker: Schema.String,
  yes_dollars_fp: opt(Schema.Array(BookLevel)),
  no_dollars_fp: opt(Schema.Array(BookLevel))
})
export type WsBookSnapshot = typeof WsBookSnapshot.Type

export const WsBookDelta = Schema.Struct({
  market_ticker: Schema.String,
  price_dollars: Dec,
  delta_fp: Dec,
  side: Schema.Literal("yes", "no"),
  ts_ms: opt(Schema.Number),
  client_order_id: opt(Schema.String)
})
export type WsBookDelta = typeof WsBookDelta.Type

export const WsUserOrder = Schema.Struct({
  order_id: Schema.String,
  client_order_id: opt(Schema.String),
  ticker: Schema.String,
  status: Schema.String,
  book_side: opt(Schema.Literal("bid", "ask")),
  outcome_side: opt(Schema.String),
  ...orderAmounts,
  order_group_id: opt(Schema.String),
  created_ts_ms: opt(Schema.Number),
  last_updated_ts_ms: opt(Schema.Number),
  expiration_ts_ms: opt(Schema.Number),
  last_update_reason: opt(Schema.String)
})
export type WsUserOrder = typeof WsUserOrder.Type

export const WsFill = Schema.Struct({
  trade_id: Schema.String,
  order_id: Schema.String,
  client_order_id: opt(Schema.String),
  market_ticker: Schema.String,
  book_side: opt(Schema.Literal("bid", "ask")),
  outcome_side: opt(Schema.String),
  side: opt(Schema.String),
  action: opt(Schema.String),
  yes_price_dollars: Dec,
  count_fp: Dec,
  fee_cost: opt(Dec),
  is_taker: opt(Schema.Boolean),
  post_position_fp: opt(Dec),
  ts_ms: opt(Schema.Number),
  ts: opt(Schema.Number)
})

export const WsMarketPosition = Schema.Struct({
  market_ticker: Schema.String,
  position_fp: Dec,
  position_cost_dollars: opt(Dec),
  realized_pnl_dollars: opt(Dec),
  fees_paid_dollars: opt(Dec)
})

/** `order_group_updates`: a group was created, triggered (its orders canceled), reset, deleted, or its limit changed. */
export const WsOrderGroupUpdate = Schema.Struct({
  event_type: Schema.String,
  order_group_id: Schema.String,
  contracts_limit_fp: opt(Schema.String),
  ts_ms: opt(Schema.Number)
})

export const WsLifecycle = Schema.Struct({
  market_ticker: opt(Schema.String),
  event_type: opt(Schema.String),
  is_deactivated: opt(Schema.Boolean),
  close_ts: opt(Schema.Number),
  price_ranges: opt(Schema.Array(PriceRange))
})
