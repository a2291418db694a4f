/**
 * The pure part of dual-source verification (`verify.ts` has the rules in prose and the effects): the
 * verification state, the comparison of our view with the venue's, and the rules' predicates.
 */
import * as HashMap from "effect/HashMap"
import * as D from "../../Decimal.js"
import * as CoreOrder from "../../Order.js"
import * as Store from "../../OrderStore.js"

export type Kind = "terminal" | "audit"

export interface Candidate {
  readonly orderId: string
  readonly symbol: string | undefined
  readonly clientOrderId: string | undefined
  readonly kind: Kind
  readonly stream: string
  readonly rest: string
  /** epoch ms first seen */
  readonly since: number
  /** no desync before this (REST may lag our view until then) */
  readonly notBefore: number
  /** next targeted lookup */
  readonly checkAt: number
}

export interface Verify {
  readonly pending: HashMap.HashMap<string, Candidate>
  /** order id → epoch ms we asked the venue to cancel it */
  readonly requested: HashMap.HashMap<string, number>
  /** epoch ms of our last cancel-all request */
  readonly requestedAllAt: number
  /** order id → Σ amounts of the distinct fills seen for it */
  readonly fillSums: HashMap.HashMap<string, D.Decimal>
  /** epoch ms of the last `prune` (an audit's, or `tidy`'s) */
  readonly prunedAt: number
  readonly acting: boolean
  readonly desyncs: number
  readonly lookups: number
}

/** The next state, field by field (a spread of a spread is V8's slow clone path on Node 20): set what changed. */
export const copyVerify = (v: Verify): { -readonly [K in keyof Verify]: Verify[K] } => ({
  pending: v.pending,
  requested: v.requested,
  requestedAllAt: v.requestedAllAt,
  fillSums: v.fillSums,
  prunedAt: v.prunedAt,
  acting: v.acting,
  desyncs: v.desyncs,
  lookups: v.lookups
})

export const empty: Verify = {
  pending: HashMap.empty(),
  requested: HashMap.empty(),
  requestedAllAt: Number.NEGATIVE_INFINITY,
  fillSums: HashMap.empty(),
  prunedAt: Number.NEGATIVE_INFINITY,
  acting: false,
  desyncs: 0,
  lookups: 0
}

/** How long a requested cancel explains a terminal update (the venue's answer and stream may be late). */
export const REQUEST_MEMORY_MS = 60_000

// ---- pure rules ---------------------------------------------------------------------------------

export const describe = (o: CoreOrder.Order | undefined): string =>
  o === undefined ? "absent" : `${o.status} filled ${D.format(o.filled)} remaining ${D.format(o.remaining)}`

/** Whether our view and the venue's REST view of one order agree; `undefined` when they do. */
export const compare = (
  local: CoreOrder.Order | undefined,
  rest: CoreOrder.Order | undefined
): { readonly stream: string; readonly rest: string } | undefined => {
  if (local?.status === "unknown") return undefined // an unresolved write: the resolver owns it
  const localLive = local !== undefined && !CoreOrder.isTerminal(local.status)
  const agree =
    rest === undefined
      ? !localLive
      : CoreOrder.isTerminal(rest.status)
        ? local !== undefined && !localLive && !D.gt(rest.filled, local.filled)
        : localLive && D.eq(local.remaining, rest.remaining)
  return agree ? undefined : { stream: describe(local), rest: describe(rest) }
}

/** Rule 2: a terminal update we did not cause (GTC orders only: IOC/FOK remainders end by themselves). */
export const unrequestedTerminal = (
  v: Verify,
  prev: CoreOrder.Order | undefined,
  next: CoreOrder.Order,
  now: number
): boolean =>
  prev !== undefined &&
  !CoreOrder.isTerminal(prev.status) &&
  prev.status !== "unknown" &&
  (next.status === "canceled" || next.status === "expired") &&
  prev.timeInForce === "GTC" &&
  !HashMap.has(v.requested, prev.id) &&
  now - v.requestedAllAt > REQUEST_MEMORY_MS

/** Rule 1: a fill's order after counting it; the disagreement when the fill is impossible. */
export const impossibleFill = (
  order: CoreOrder.Order | undefined,
  filledSeen: D.Decimal
): { readonly stream: string; readonly rest: string } | undefined => {
  if (order === undefined) return undefined
  if (D.gt(filledSeen, order.amount)) {
    return { stream: `fills ${D.format(filledSeen)} beyond the order size ${D.format(order.amount)}`, rest: "-" }
  }
  if (CoreOrder.isTerminal(order.status) && D.gt(filledSeen, order.filled)) {
    return {
      stream: `${order.status} filled ${D.format(order.filled)}, then fills to ${D.format(filledSeen)}`,
      rest: "-"
    }
  }
  return undefined
}

/** Rule 3 for one order, as a candidate (REST may lag our view by `graceMs` from its last change). */
export const candidate = (
  kind: Kind,
  local: CoreOrder.Order | undefined,
  rest: CoreOrder.Order | undefined,
  views: { readonly stream: string; readonly rest: string },
  changedAt: number | undefined,
  prev: Candidate | undefined,
  now: number,
  graceMs: number
): Candidate => {
  const since = prev?.since ?? now
  const notBefore =
    kind === "terminal" ? since + graceMs : Math.max(since, (changedAt ?? Number.NEGATIVE_INFINITY) + graceMs)
  const o = local ?? rest
  return {
    orderId: (o?.id ?? "") as string,
    symbol: o?.symbol,
    clientOrderId: local?.clientOrderId ?? rest?.clientOrderId,
    kind,
    ...views,
    since,
    notBefore,
    checkAt: kind === "terminal" && prev === undefined ? now : Math.max(now, notBefore)
  }
}

export const prune = (v: Verify, s: Store.Store, now: number): Verify => {
  const out = copyVerify(v)
  out.requested = HashMap.filter(v.requested, (at) => now - at < REQUEST_MEMORY_MS)
  out.fillSums = HashMap.filter(v.fillSums, (_, id) => Store.order(s, id) !== undefined)
  out.prunedAt = now
  return out
}

/**
 * `prune` at most once per `REQUEST_MEMORY_MS`, as cancels and fills are noted: a venue whose port is never
 * audited (no reconciler: paper, a backtest's replay) forgets old cancel requests and fill sums too.
 */
export const tidy = (v: Verify, s: Store.Store, now: number): Verify =>
  now - v.prunedAt < REQUEST_MEMORY_MS ? v : prune(v, s, now)
