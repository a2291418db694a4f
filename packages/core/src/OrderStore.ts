/**
 * The venue port's view of our orders as one immutable value with pure transitions (held in a `Ref` by
 * `Venue.make`): orders by id, the request metadata a venue may not echo back (time in force, post-only),
 * the client-order-id index, and the fill de-duplication window. It feeds `watchOrders` / `watchMyTrades`
 * for every venue.
 *
 * Bounded by construction:
 * - an order that turned terminal leaves (with its metadata and client-id entry) once it has been terminal
 *   for `terminalMs` (60 s): late stream messages about it are still merged monotonically meanwhile;
 * - a trade id is remembered for at least `fillWindowMs` (15 min; at most twice that: two generations of
 *   ids, rotated in O(1)), longer than the REST fill look-back (10 min), so a fill is never emitted twice;
 * - pruning runs inside the transitions at most once a second (and from a periodic sweep when idle); it
 *   visits only the orders that turned terminal, never the whole view.
 */

import * as HashMap from "effect/HashMap"
import * as HashSet from "effect/HashSet"
import * as Option from "effect/Option"
import * as D from "./Decimal.js"
import * as CoreOrder from "./Order.js"

export interface Meta {
  readonly timeInForce: CoreOrder.TimeInForce
  readonly postOnly: boolean
}

export interface Retention {
  /** how long a terminal order stays in the view */
  readonly terminalMs: number
  /** how long a trade id is remembered for de-duplication */
  readonly fillWindowMs: number
  /** prune at most this often */
  readonly pruneEveryMs: number
}
export const defaultRetention: Retention = { terminalMs: 60_000, fillWindowMs: 15 * 60_000, pruneEveryMs: 1_000 }

export interface Store {
  readonly orders: HashMap.HashMap<string, CoreOrder.Order>
  /** order id → epoch ms when it turned terminal (in our view) */
  readonly terminalAt: HashMap.HashMap<string, number>
  /** order id → epoch ms when our view of it last changed (verification: REST may lag this by its grace) */
  readonly changedAt: HashMap.HashMap<string, number>
  readonly meta: HashMap.HashMap<string, Meta>
  /** client order id → order id */
  readonly byCid: HashMap.HashMap<string, string>
  /** trade ids seen in the current generation and the one before */
  readonly fills: HashSet.HashSet<string>
  readonly oldFills: HashSet.HashSet<string>
  /** epoch ms when `fills` became the current generation */
  readonly fillsSince: number
  readonly lastPrune: number
  readonly retention: Retention
}

export const empty = (retention: Retention = defaultRetention): Store => ({
  orders: HashMap.empty(),
  terminalAt: HashMap.empty(),
  changedAt: HashMap.empty(),
  meta: HashMap.empty(),
  byCid: HashMap.empty(),
  fills: HashSet.empty(),
  oldFills: HashSet.empty(),
  fillsSince: 0,
  lastPrune: 0,
  retention
})

const rank = (o: CoreOrder.Order) => (CoreOrder.isTerminal(o.status) ? 2 : 1)

/** Whether `next` may replace `prev`: never regress a terminal order or a fuller fill; skip no-op updates. */
export const supersedes = (prev: CoreOrder.Order | undefined, next: CoreOrder.Order): boolean => {
  if (prev === undefined) return true
  if (rank(prev) > rank(next)) return false
  if (rank(prev) === rank(next) && D.gt(prev.filled, next.filled)) return false
  return !(
    prev.status === next.status &&
    D.eq(prev.filled, next.filled) &&
    D.eq(prev.remaining, next.remaining) &&
    D.eq(prev.price, next.price)
  )
}

/** Drops terminal orders past retention (with their metadata and client id) and fills past the window. */
export const prune = (s: Store, now: number): Store => {
  const r = s.retention
  let orders = s.orders
  let meta = s.meta
  let byCid = s.byCid
  let terminalAt = s.terminalAt
  let changedAt = s.changedAt
  for (const [id, at] of s.terminalAt) {
    if (now - at < r.terminalMs) continue
    const o = HashMap.get(orders, id)
    if (Option.isSome(o) && o.value.clientOrderId !== undefined) byCid = HashMap.remove(byCid, o.value.clientOrderId)
    orders = HashMap.remove(orders, id)
    meta = HashMap.remove(meta, id)
    terminalAt = HashMap.remove(terminalAt, id)
    changedAt = HashMap.remove(changedAt, id)
  }
  const rotate = now - s.fillsSince >= r.fillWindowMs
  const fills = rotate ? { fills: HashSet.empty<string>(), oldFills: s.fills, fillsSince: now } : {}
  return { ...s, orders, meta, byCid, terminalAt, changedAt, ...fills, lastPrune: now }
}

const maybePrune = (s: Store, now: number): Store => (now - s.lastPrune >= s.retention.pruneEveryMs ? prune(s, now) : s)

/**
 * Applies an order state (monotonic merge). The request metadata, when given, is recorded with it; stored
 * metadata overrides what the venue's view lacks, and a known client order id is never lost.
 * Returns the order as now stored when it changed (to publish), else `undefined`.
 */
export const upsert = (
  s: Store,
  o: CoreOrder.Order,
  now: number,
  withMeta?: Meta
): readonly [CoreOrder.Order | undefined, Store] => {
  const meta = withMeta !== undefined ? HashMap.set(s.meta, o.id, withMeta) : s.meta
  const prev = Option.getOrUndefined(HashMap.get(s.orders, o.id))
  if (!supersedes(prev, o)) return [undefined, maybePrune({ ...s, meta }, now)]
  const m = Option.getOrUndefined(HashMap.get(meta, o.id))
  const merged =
    m !== undefined && (o.timeInForce !== m.timeInForce || o.postOnly !== m.postOnly)
      ? CoreOrder.Order.make({ ...o, timeInForce: m.timeInForce, postOnly: m.postOnly }, true) // valid already
      : o
  const stored =
    merged.clientOrderId === undefined && prev?.clientOrderId !== undefined
      ? CoreOrder.Order.make({ ...merged, clientOrderId: prev.clientOrderId }, true)
      : merged
  const terminal = CoreOrder.isTerminal(stored.status)
  const next: Store = {
    ...s,
    meta,
    orders: HashMap.set(s.orders, o.id, stored),
    changedAt: HashMap.set(s.changedAt, o.id, now),
    byCid: stored.clientOrderId !== undefined ? HashMap.set(s.byCid, stored.clientOrderId, o.id) : s.byCid,
    terminalAt: terminal && !HashMap.has(s.terminalAt, o.id) ? HashMap.set(s.terminalAt, o.id, now) : s.terminalAt
  }
  return [stored, maybePrune(next, now)]
}

/** Records a trade id; `true` when it is new (to publish), `false` for a duplicate. */
export const seeFill = (s: Store, tradeId: string, now: number): readonly [boolean, Store] =>
  hasFill(s, tradeId) ? [false, s] : [true, maybePrune({ ...s, fills: HashSet.add(s.fills, tradeId) }, now)]

export const order = (s: Store, id: string): CoreOrder.Order | undefined =>
  Option.getOrUndefined(HashMap.get(s.orders, id))
export const metaOf = (s: Store, id: string): Meta | Record<string, never> =>
  Option.getOrElse(HashMap.get(s.meta, id), () => ({}))
/** When our view of an order last changed (epoch ms), if we hold it. */
export const changedAt = (s: Store, id: string): number | undefined =>
  Option.getOrUndefined(HashMap.get(s.changedAt, id))
export const orderIdOf = (s: Store, cid: string): string | undefined => Option.getOrUndefined(HashMap.get(s.byCid, cid))
export const hasFill = (s: Store, tradeId: string): boolean =>
  HashSet.has(s.fills, tradeId) || HashSet.has(s.oldFills, tradeId)

/** Orders we believe open (not terminal). */
export const live = (s: Store): ReadonlyArray<CoreOrder.Order> => {
  const out: Array<CoreOrder.Order> = []
  for (const o of HashMap.values(s.orders)) if (!CoreOrder.isTerminal(o.status)) out.push(o)
  return out
}
export const all = (s: Store): ReadonlyArray<CoreOrder.Order> => [...HashMap.values(s.orders)]

export interface Sizes {
  readonly orders: number
  readonly meta: number
  readonly byCid: number
  readonly fills: number
}
export const sizes = (s: Store): Sizes => ({
  orders: HashMap.size(s.orders),
  meta: HashMap.size(s.meta),
  byCid: HashMap.size(s.byCid),
  fills: HashSet.size(s.fills) + HashSet.size(s.oldFills)
})
