/**
 * Kalshi wire → core domain, pure and unit-tested (orders, fills, books; the market catalog is `parseMarket.ts`).
 *
 * The one mapping between Kalshi's V2 order vocabulary and the core's (REFERENCE §5.2, §13.1):
 * Kalshi quotes every market on a single YES book. Core `buy` = V2 `bid` (buy YES at p), core `sell` = V2
 * `ask` (sell YES at p ≡ buy NO at 1 − p). Prices are always YES prices. NO-leg prices (REST `no_dollars`,
 * WS `no` side without `use_yes_price`, legacy `no_price`) convert with `yes = 1 − no`.
 */
import { OrderBook as CoreBook, Order as CoreOrder, Decimal as D, Ids } from "@alpha-hunter/core"
import type * as wire from "./wire.js"

export type BookSide = "bid" | "ask"
export type Outcome = "yes" | "no"
export type Action = "buy" | "sell"

// ---- sides and prices --------------------------------------------------------------------------

export const toBookSide = (side: CoreOrder.Side): BookSide => (side === "buy" ? "bid" : "ask")
export const fromBookSide = (side: BookSide): CoreOrder.Side => (side === "bid" ? "buy" : "sell")

/** YES price of a NO-leg price. */
export const noToYes = (noPrice: D.Decimal): D.Decimal => D.sub(D.ONE, noPrice)
export const yesToNo = noToYes

/**
 * Legacy / outcome vocabulary → core side and YES price:
 * buy YES@p = buy@p; sell YES@p = sell@p; buy NO@q = sell@(1−q); sell NO@q = buy@(1−q).
 */
export const fromOutcome = (
  outcome: Outcome,
  action: Action,
  price: D.Decimal
): { readonly side: CoreOrder.Side; readonly yesPrice: D.Decimal } =>
  outcome === "yes"
    ? { side: action, yesPrice: price }
    : { side: action === "buy" ? "sell" : "buy", yesPrice: noToYes(price) }

/** Core side and YES price → what a human would call it (buy YES / buy NO) with that leg's price. */
export const toOutcome = (
  side: CoreOrder.Side,
  yesPrice: D.Decimal
): { readonly outcome: Outcome; readonly action: Action; readonly price: D.Decimal } =>
  side === "buy"
    ? { outcome: "yes", action: "buy", price: yesPrice }
    : { outcome: "no", action: "buy", price: noToYes(yesPrice) }

/** The side of a book level or delta: `yes` levels are YES bids, `no` levels are YES asks. */
export const bookLevelSide = (side: Outcome): CoreOrder.Side => (side === "yes" ? "buy" : "sell")

/** A book level's YES price: `no` levels are at the NO price unless the feed uses YES prices. */
export const bookLevelYesPrice = (side: Outcome, price: D.Decimal, useYesPrice: boolean): D.Decimal =>
  side === "yes" || useYesPrice ? price : noToYes(price)

/** Order side of a REST/WS order or fill, from `book_side`, falling back to the deprecated fields. */
export const sideOf = (o: {
  readonly book_side?: BookSide | null | undefined
  readonly outcome_side?: string | null | undefined
  readonly side?: string | null | undefined
  readonly action?: string | null | undefined
}): CoreOrder.Side => {
  if (o.book_side === "bid" || o.book_side === "ask") return fromBookSide(o.book_side)
  const outcome = (o.outcome_side ?? o.side) === "no" ? "no" : "yes"
  const action = o.action === "sell" ? "sell" : "buy"
  return fromOutcome(outcome, action, D.ZERO).side
}

// ---- fixed point -------------------------------------------------------------------------------

/** Prices go out with 4 decimals ("0.5600"), counts with 2 ("10.00"). */
export const formatPrice = (p: D.Decimal): string => D.format(p, 4)
export const formatCount = (c: D.Decimal): string => D.format(c, 2)
export const COUNT_STEP = D.d("0.01")

export const timeMs = (s: string | null | undefined): number | undefined => {
  if (s === null || s === undefined || s === "") return undefined
  const t = Date.parse(s)
  return Number.isNaN(t) ? undefined : t
}

// ---- books -------------------------------------------------------------------------------------

/** REST book: YES bids are bids; NO bids at q are YES asks at 1 − q. Sorted defensively. */
export const orderBook = (
  symbol: string,
  yes: ReadonlyArray<readonly [D.Decimal, D.Decimal]>,
  no: ReadonlyArray<readonly [D.Decimal, D.Decimal]>,
  timestamp: number,
  useYesPrice = false
): CoreBook.OrderBook => {
  const bids = yes
    .filter(([, c]) => c > 0n)
    .map(([p, c]) => [p, c] as const)
    .sort((a, b) => D.cmp(b[0], a[0]))
  const asks = no
    .filter(([, c]) => c > 0n)
    .map(([p, c]) => [useYesPrice ? p : noToYes(p), c] as const)
    .sort((a, b) => D.cmp(a[0], b[0]))
  return CoreBook.OrderBook.make({ symbol: Ids.Symbol.make(symbol), bids, asks, timestamp })
}

// ---- orders ------------------------------------------------------------------------------------

export const orderStatus = (s: string): CoreOrder.OrderStatus => {
  switch (s) {
    case "resting":
    case "open":
      return "open"
    case "executed":
      return "closed"
    case "canceled":
    case "cancelled":
      return "canceled"
    case "expired":
      return "expired"
    default:
      return "unknown"
  }
}

const sumOpt = (...xs: ReadonlyArray<D.Decimal | null | undefined>): D.Decimal =>
  D.sum(xs.filter((x): x is D.Decimal => x !== null && x !== undefined))

/** A REST `Order` or a WS `user_order`. */
export const order = (
  o: wire.Order | wire.WsUserOrder,
  extra: { readonly timeInForce?: CoreOrder.TimeInForce; readonly postOnly?: boolean } = {}
): CoreOrder.Order => {
  const filled = o.fill_count_fp
  const remaining = o.remaining_count_fp
  const initial = o.initial_count_fp ?? D.add(filled, remaining)
  const amount = D.max(initial, D.add(filled, remaining))
  const cost = sumOpt(o.taker_fill_cost_dollars, o.maker_fill_cost_dollars)
  const fee = sumOpt(o.taker_fees_dollars, o.maker_fees_dollars)
  const ticker = o.ticker
  const created = "created_ts_ms" in o ? (o.created_ts_ms ?? undefined) : timeMs((o as wire.Order).created_time)
  const updated =
    "last_updated_ts_ms" in o ? (o.last_updated_ts_ms ?? undefined) : timeMs((o as wire.Order).last_update_time)
  const expiry = "expiration_ts_ms" in o ? (o.expiration_ts_ms ?? undefined) : timeMs((o as wire.Order).expiration_time)
  let status = orderStatus(o.status)
  if (status === "canceled" && "last_update_reason" in o && o.last_update_reason === "ExpiryCancel") {
    status = "expired"
  }
  return CoreOrder.fromDecoded({
    id: Ids.OrderId.make(o.order_id),
    ...(o.client_order_id ? { clientOrderId: Ids.ClientOrderId.make(o.client_order_id) } : {}),
    symbol: Ids.Symbol.make(ticker),
    side: sideOf(o),
    type: "limit",
    price: o.yes_price_dollars,
    amount,
    filled,
    remaining,
    ...(filled > 0n && cost > 0n ? { average: D.div(cost, filled) } : {}),
    cost: D.abs(cost),
    status,
    timeInForce: extra.timeInForce ?? "GTC",
    postOnly: extra.postOnly ?? false,
    reduceOnly: false,
    ...(fee > 0n ? { fee: CoreOrder.FeePaid.make({ cost: fee, currency: "USD" }) } : {}),
    timestamp: created ?? updated ?? 0,
    ...(updated !== undefined ? { lastUpdateTimestamp: updated } : {}),
    ...(expiry !== undefined ? { expiry } : {}),
    raw: o
  })
}

/**
 * The order a V2 create produced. The response has no status: `remaining > 0` ⇒ resting; everything filled ⇒
 * executed; otherwise canceled (IOC remainder, FOK failure, self-trade prevention).
 */
export const createdOrder = (
  request: CoreOrder.OrderRequest,
  clientOrderId: string,
  r: {
    readonly order_id: string
    readonly fill_count: D.Decimal
    readonly remaining_count: D.Decimal
    readonly average_fill_price?: D.Decimal | null | undefined
    readonly average_fee_paid?: D.Decimal | null | undefined
    readonly ts_ms?: number | null | undefined
  },
  nowMs: number,
  expiry?: number
): CoreOrder.Order => {
  const filled = r.fill_count
  const remaining = r.remaining_count
  const status: CoreOrder.OrderStatus = remaining > 0n ? "open" : D.gte(filled, request.amount) ? "closed" : "canceled"
  const avg = r.average_fill_price ?? undefined
  const feePer = r.average_fee_paid ?? undefined
  return CoreOrder.fromDecoded({
    id: Ids.OrderId.make(r.order_id),
    clientOrderId: Ids.ClientOrderId.make(clientOrderId),
    symbol: request.symbol,
    side: request.side,
    type: request.type,
    price: request.price,
    amount: request.amount,
    filled,
    remaining,
    ...(avg !== undefined && filled > 0n ? { average: avg } : {}),
    cost: avg !== undefined && filled > 0n ? D.mul(avg, filled, "half-even") : D.ZERO,
    status,
    timeInForce: request.timeInForce,
    postOnly: request.postOnly,
    reduceOnly: request.reduceOnly,
    ...(feePer !== undefined && filled > 0n
      ? { fee: CoreOrder.FeePaid.make({ cost: D.mul(feePer, filled, "half-even"), currency: "USD" }) }
      : {}),
    timestamp: r.ts_ms ?? nowMs,
    lastUpdateTimestamp: r.ts_ms ?? nowMs,
    ...(expiry !== undefined ? { expiry } : {}),
    raw: r
  })
}

// ---- fills -------------------------------------------------------------------------------------

/** A wire fill's trade id (what `fill` gives the core fill), read without building the fill. */
export const fillId = (f: {
  readonly trade_id?: string | null | undefined
  readonly fill_id?: string | null | undefined
  readonly order_id: string
  readonly ts_ms?: number | null | undefined
  readonly ts?: number | null | undefined
}): string => f.trade_id ?? f.fill_id ?? `${f.order_id}:${f.ts_ms ?? f.ts ?? 0}`

export const fill = (f: {
  readonly trade_id?: string | null | undefined
  readonly fill_id?: string | null | undefined
  readonly order_id: string
  readonly client_order_id?: string | null | undefined
  readonly market_ticker?: string | null | undefined
  readonly ticker?: string | null | undefined
  readonly book_side?: BookSide | null | undefined
  readonly outcome_side?: string | null | undefined
  readonly side?: string | null | undefined
  readonly action?: string | null | undefined
  readonly yes_price_dollars: D.Decimal
  readonly count_fp: D.Decimal
  readonly fee_cost?: D.Decimal | null | undefined
  readonly is_taker?: boolean | null | undefined
  readonly ts_ms?: number | null | undefined
  readonly ts?: number | null | undefined
  readonly created_time?: string | null | undefined
}): CoreOrder.Fill => {
  const id = fillId(f)
  const ts = f.ts_ms ?? timeMs(f.created_time) ?? (f.ts !== null && f.ts !== undefined ? f.ts * 1000 : 0)
  return CoreOrder.fillFromDecoded({
    id: Ids.TradeId.make(id),
    orderId: Ids.OrderId.make(f.order_id),
    ...(f.client_order_id ? { clientOrderId: Ids.ClientOrderId.make(f.client_order_id) } : {}),
    symbol: Ids.Symbol.make(f.market_ticker ?? f.ticker ?? "?"),
    side: sideOf(f),
    price: f.yes_price_dollars,
    amount: f.count_fp,
    cost: D.mul(f.yes_price_dollars, f.count_fp, "half-even"),
    fee: CoreOrder.FeePaid.make({ cost: f.fee_cost ?? D.ZERO, currency: "USD" }),
    takerOrMaker: f.is_taker === true ? "taker" : "maker",
    timestamp: ts,
    raw: f
  })
}
