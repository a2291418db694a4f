/**
 * The write calls on the wire, each answering one `WriteResult` per item (never failing, never dying):
 * create and cancel (one item → the single endpoint, several → the batched one, matched back to the items by
 * client order id / order id, else by position) and amend. The caller settles each result.
 */
import type { Decimal as D } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import { classify, decodeItem, itemResult, type WriteResult } from "./outcome.js"
import type * as parse from "./parse.js"
import * as rest from "./rest.js"
import * as wire from "./wire.js"

export type Created = Parameters<typeof parse.createdOrder>[2]
export interface Canceled {
  readonly reduced_by?: D.Decimal | null | undefined
  readonly ts_ms?: number | null | undefined
}
export type Amended = typeof wire.AmendResponse.Type

export interface CreateCall {
  readonly symbol: string
  readonly cid: string
  readonly body: Record<string, unknown>
}
export interface CancelCall {
  readonly orderId: string
  readonly symbol: string
}

const decodeCreateItem = decodeItem(wire.BatchCreateItem)
const decodeCancelItem = decodeItem(wire.BatchCancelItem)

export const make = (transport: rest.Transport, venue: string, sub: Readonly<Record<string, number>>) => {
  const call = <A, I>(c: rest.Call, schema: Schema.Schema<A, I>) =>
    transport.send(c).pipe(Effect.flatMap(rest.decodeWriteBody(schema, venue)))

  /** The whole batch's result for every item, or each item's own. */
  const perItem = <X, A, C>(
    items: ReadonlyArray<C>,
    r: WriteResult<{ readonly orders: ReadonlyArray<unknown> }>,
    decode: (u: unknown) => X | undefined,
    mine: (x: X | undefined, c: C) => boolean,
    result: (x: X | undefined, present: boolean, c: C) => WriteResult<A>
  ): ReadonlyArray<WriteResult<A>> => {
    if (r._tag !== "Ok") return items.map(() => r)
    const res = r.value.orders.map(decode)
    return items.map((c, i) => result(res.find((x) => mine(x, c)) ?? res[i], i < res.length, c))
  }

  /** Creates (the limiter grant for the first attempt is already held). */
  const creates = (items: ReadonlyArray<CreateCall>): Effect.Effect<ReadonlyArray<WriteResult<Created>>> => {
    if (items.length === 1) {
      const it = items[0]!
      const c: rest.Call = {
        method: "POST",
        path: "/portfolio/events/orders",
        body: it.body,
        lane: "create",
        preAcquired: true
      }
      return Effect.map(
        classify(venue, call(c, wire.CreateOrderResponse), { symbol: it.symbol, clientOrderId: it.cid }),
        (r) => [r]
      )
    }
    const c: rest.Call = {
      method: "POST",
      path: "/portfolio/events/orders/batched",
      body: { orders: items.map((i) => i.body) },
      lane: "create",
      items: items.length,
      preAcquired: true
    }
    return Effect.map(classify(venue, call(c, wire.BatchCreateResponse), {}), (r) =>
      perItem(
        items,
        r,
        decodeCreateItem,
        (x, it) => x?.client_order_id === it.cid,
        (x, present, it) =>
          itemResult(venue, x, present, { symbol: it.symbol, clientOrderId: it.cid }, (y) =>
            y.order_id && y.fill_count != null && y.remaining_count != null
              ? { ...y, order_id: y.order_id, fill_count: y.fill_count, remaining_count: y.remaining_count }
              : undefined
          )
      )
    )
  }

  /** Cancels (the limiter grant for the first attempt is already held). */
  const cancels = (items: ReadonlyArray<CancelCall>): Effect.Effect<ReadonlyArray<WriteResult<Canceled>>> => {
    if (items.length === 1) {
      const it = items[0]!
      const c: rest.Call = {
        method: "DELETE",
        path: `/portfolio/events/orders/${encodeURIComponent(it.orderId)}`,
        query: { market_ticker: it.symbol, ...sub },
        lane: "cancel",
        preAcquired: true
      }
      return Effect.map(
        classify(venue, call(c, wire.CancelResponse), { orderId: it.orderId, symbol: it.symbol }),
        (r) => [r]
      )
    }
    const c: rest.Call = {
      method: "DELETE",
      path: "/portfolio/events/orders/batched",
      body: { orders: items.map((i) => ({ order_id: i.orderId, market_ticker: i.symbol, ...sub })) },
      lane: "cancel",
      items: items.length,
      preAcquired: true
    }
    return Effect.map(classify(venue, call(c, wire.BatchCancelResponse), {}), (r) =>
      perItem(
        items,
        r,
        decodeCancelItem,
        (x, it) => x?.order_id === it.orderId,
        (x, present, it) => itemResult(venue, x, present, { orderId: it.orderId }, (y): Canceled => y)
      )
    )
  }

  /** An amend, bounded by `deadlineMs` (past it: unknown). */
  const amend = (
    orderId: string,
    symbol: string,
    body: Record<string, unknown>,
    deadlineMs: number
  ): Effect.Effect<WriteResult<Amended>> =>
    classify(
      venue,
      call(
        {
          method: "POST",
          path: `/portfolio/events/orders/${encodeURIComponent(orderId)}/amend`,
          lane: "amend",
          ...(Object.keys(sub).length > 0 ? { query: sub } : {}),
          body
        },
        wire.AmendResponse
      ),
      { orderId, symbol }
    ).pipe(
      Effect.timeoutTo({
        duration: deadlineMs,
        onSuccess: (x): WriteResult<Amended> => x,
        onTimeout: (): WriteResult<Amended> => ({ _tag: "Unknown", detail: `no answer within ${deadlineMs} ms` })
      })
    )

  return { creates, cancels, amend }
}

export type Writes = ReturnType<typeof make>
