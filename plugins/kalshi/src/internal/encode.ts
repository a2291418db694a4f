/**
 * Core domain → Kalshi wire bodies for writes, pure (the inverse of `parse.ts`): the V2 create body (with the
 * dead-man expiry and the venue safety flags) and the V2 amend body. Also the two account mappings that
 * read more than one wire field (positions, balance).
 */
import { Order as CoreOrder, Decimal as D, Ids } from "@alpha-hunter/core"
import * as parse from "./parse.js"
import type * as wire from "./wire.js"

export interface CreatePolicy {
  /** GTC orders without an expiry get one this many seconds ahead; 0 disables */
  readonly deadManSeconds: number
  /** GTC orders ask Kalshi to cancel them when trading pauses */
  readonly cancelOrderOnPause: boolean
  /** `{ subaccount }` or `{}` */
  readonly sub: Readonly<Record<string, number>>
}

export const timeInForce = (tif: CoreOrder.TimeInForce): string =>
  tif === "IOC" ? "immediate_or_cancel" : tif === "FOK" ? "fill_or_kill" : "good_till_canceled"

/** The dead-man expiry of a create (epoch ms), if any: the caller's, else `deadManSeconds` ahead for a GTC. */
export const expiryOf = (request: CoreOrder.OrderRequest, policy: CreatePolicy, nowMs: number): number | undefined => {
  if (request.timeInForce !== "GTC") return undefined
  if (request.expiry !== undefined) return request.expiry
  return policy.deadManSeconds > 0 ? nowMs + policy.deadManSeconds * 1000 : undefined
}

/** `POST /portfolio/events/orders` body (also one item of a batch create). */
export const createBody = (
  request: CoreOrder.OrderRequest,
  cid: string,
  target: { readonly exchangeIndex: number; readonly group: string | undefined },
  policy: CreatePolicy,
  nowMs: number
): { readonly body: Record<string, unknown>; readonly expiry: number | undefined } => {
  const expiry = expiryOf(request, policy, nowMs)
  const gtc = request.timeInForce === "GTC"
  const stp = (request.params?.selfTradePrevention as string | undefined) ?? "taker_at_cross"
  const explicitGroup = request.params?.orderGroupId as string | undefined
  const group = explicitGroup ?? target.group
  const body: Record<string, unknown> = {
    ticker: request.symbol,
    side: parse.toBookSide(request.side),
    count: parse.formatCount(request.amount),
    price: parse.formatPrice(request.price),
    time_in_force: timeInForce(request.timeInForce),
    self_trade_prevention_type: stp,
    client_order_id: cid,
    ...(request.postOnly ? { post_only: true } : {}),
    ...(request.reduceOnly ? { reduce_only: true } : {}),
    ...(gtc && expiry !== undefined ? { expiration_time: Math.ceil(expiry / 1000) } : {}),
    ...(gtc && policy.cancelOrderOnPause ? { cancel_order_on_pause: true } : {}),
    ...(group !== undefined ? { order_group_id: group } : {}),
    ...(target.exchangeIndex > 0 ? { exchange_index: target.exchangeIndex } : {}),
    ...policy.sub
  }
  return { body, expiry }
}

/** `POST /portfolio/events/orders/{id}/amend` body: the full new price and size (not a delta). */
export const amendBody = (
  symbol: string,
  current: CoreOrder.Order,
  price: D.Decimal,
  amount: D.Decimal
): Record<string, unknown> => ({
  ticker: symbol,
  side: parse.toBookSide(current.side),
  price: parse.formatPrice(price),
  count: parse.formatCount(amount),
  ...(current.clientOrderId !== undefined ? { client_order_id: current.clientOrderId } : {})
})

/** The order after an amend answer (fills added, remaining from the venue when it says). */
export const amended = (
  current: CoreOrder.Order,
  price: D.Decimal,
  amount: D.Decimal,
  answer: {
    readonly fill_count?: D.Decimal | null | undefined
    readonly remaining_count?: D.Decimal | null | undefined
    readonly ts_ms?: number | null | undefined
  },
  nowMs: number
): CoreOrder.Order => {
  const filled = D.add(current.filled, answer.fill_count ?? D.ZERO)
  const remaining = answer.remaining_count ?? D.max(D.ZERO, D.sub(amount, filled))
  return CoreOrder.Order.make({
    ...current,
    price,
    amount,
    filled,
    remaining,
    status: remaining > 0n ? "open" : D.gte(filled, amount) ? "closed" : "canceled",
    lastUpdateTimestamp: answer.ts_ms ?? nowMs
  })
}

/** A REST market position → core `Position` (the venue's timestamp is seconds or ms, or an ISO string). */
export const position = (p: typeof wire.MarketPosition.Type, nowMs: number): CoreOrder.Position =>
  CoreOrder.Position.make({
    symbol: Ids.Symbol.make(p.ticker),
    amount: p.position_fp,
    cost:
      p.position_fp < 0n ? D.neg(D.abs(p.market_exposure_dollars ?? D.ZERO)) : (p.market_exposure_dollars ?? D.ZERO),
    realizedPnl: p.realized_pnl_dollars ?? D.ZERO,
    feesPaid: D.abs(p.fees_paid_dollars ?? D.ZERO),
    timestamp:
      typeof p.last_updated_ts === "number"
        ? p.last_updated_ts * (p.last_updated_ts < 1e12 ? 1000 : 1)
        : (parse.timeMs(p.last_updated_ts ?? undefined) ?? nowMs),
    raw: p
  })

/** `GET /portfolio/balance` → the one USD balance (dollars string preferred, else cents). */
export const balance = (b: typeof wire.Balance.Type): CoreOrder.Balance => {
  const free = b.balance_dollars ?? D.fromUnits(b.balance ?? 0, 2)
  return CoreOrder.Balance.make({ currency: "USD", free, used: D.ZERO, total: free })
}
