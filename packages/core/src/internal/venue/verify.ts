/**
 * Dual-source verification, once for every venue: the push stream (primary, it feeds the order store) and
 * the venue's REST view (the auditor) must agree on our orders. The rules:
 *
 * 1. a fill beyond an order's size, or a fill for an order the stream already called finished with less
 *    filled → desync at once (no read can explain it away);
 * 2. a terminal update we did not cause (a cancel we did not request, an expiry, a venue close) → an
 *    immediate targeted lookup of that order and a comparison; a disagreement is looked up again once the
 *    grace has passed (REST lags the stream by design) and is a desync if it stands;
 * 3. an audit (the driver hands over the venue's list of open orders, on its own cadence and read budget):
 *    an open order unknown to us, with another remaining size, one we hold finished, or one we hold open that
 *    the list lacks → a candidate, confirmed by a targeted lookup no sooner than `grace` after our view of
 *    that order last changed (a quiet order is looked up at once: lag cannot explain it); still disagreeing →
 *    desync;
 * 4. a private-stream gap whose re-read moved one of our orders forward (the stream lost an update that
 *    mattered) → desync at once.
 *
 * A desync is published on health (`Desync`, both views of every order), then the desync action runs (the
 * driver's emergency cancel-all, or the port's cancel-all), then REST is adopted as the truth. One action at
 * a time: detections while it runs are logged, not acted on again.
 * State: one `Verify` value (candidates, requested cancels, fill sums, counters) in a `Ref`.
 */
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Ref from "effect/Ref"
import * as D from "../../Decimal.js"
import type * as Ids from "../../Ids.js"
import * as CoreOrder from "../../Order.js"
import * as Store from "../../OrderStore.js"
import type * as Venue from "../../Venue.js"
import * as VenueHealth from "../../VenueHealth.js"
import {
  type Candidate,
  candidate,
  compare,
  copyVerify,
  describe,
  impossibleFill,
  prune,
  REQUEST_MEMORY_MS,
  tidy,
  unrequestedTerminal,
  type Verify
} from "./rules.js"
import * as S from "./state.js"

export * from "./rules.js"

// ---- effects ------------------------------------------------------------------------------------

export interface Deps {
  readonly st: S.State
  readonly ref: Ref.Ref<Verify>
  readonly graceMs: number
  /** the desync action (cancel everything); failures are logged */
  readonly action: (d: VenueHealth.Desync) => Effect.Effect<void>
  /** runs an effect in the port's scope (the action must not hold up the private stream) */
  readonly fork: (e: Effect.Effect<void>) => Effect.Effect<void>
  /** wakes the loop that confirms pending disagreements (called when one is registered) */
  readonly wake?: () => void
}

export const noteCancels = (d: Deps, ids: ReadonlyArray<string>) =>
  Effect.flatMap(d.st.now, (t) =>
    Effect.flatMap(Ref.get(d.st.store), (store) =>
      Ref.update(d.ref, (v0) => {
        const v = tidy(v0, store, t)
        const out = copyVerify(v)
        out.requested = ids.reduce((m, id) => HashMap.set(m, id, t), v.requested)
        return out
      })
    )
  )
export const noteCancelAll = (d: Deps) =>
  Effect.flatMap(d.st.now, (t) => Ref.update(d.ref, (v) => ({ ...v, requestedAllAt: t })))

const toDisagreement = (c: Pick<Candidate, "orderId" | "symbol" | "clientOrderId" | "stream" | "rest">) => ({
  orderId: c.orderId,
  ...(c.clientOrderId !== undefined ? { clientOrderId: c.clientOrderId } : {}),
  ...(c.symbol !== undefined ? { symbol: c.symbol } : {}),
  stream: c.stream,
  rest: c.rest
})

/** Publishes a desync, then (forked, one at a time) the action and the adoption of REST's view. */
export const desync = (
  d: Deps,
  reason: string,
  disagreements: ReadonlyArray<Pick<Candidate, "orderId" | "symbol" | "clientOrderId" | "stream" | "rest">>
) =>
  Effect.gen(function* () {
    const { st } = d
    const first = yield* Ref.modify(d.ref, (v) =>
      v.acting ? [false, v] : [true, { ...v, acting: true, desyncs: v.desyncs + 1 }]
    )
    const text = disagreements.map((x) => `${x.symbol ?? ""} ${x.orderId}: stream [${x.stream}] rest [${x.rest}]`)
    if (!first) {
      yield* Effect.logWarning(`${st.venue}: desync while the desync action runs (${text.join("; ")})`)
      return
    }
    const at = yield* st.now
    yield* Effect.logError(`[CRITICAL] DESYNC ${st.venue}: ${reason}: ${text.join("; ")}`)
    const h = new VenueHealth.Desync({ venue: st.venue, reason, disagreements: disagreements.map(toDisagreement), at })
    yield* PubSub.publish(st.health, h)
    yield* d.fork(
      d.action(h).pipe(
        Effect.catchAllCause((c) => Effect.logError(`${st.venue}: desync action failed`, c)),
        Effect.zipRight(
          S.resync(st, undefined).pipe(
            Effect.catchAll((e) => Effect.logWarning(`${st.venue}: re-read after the desync failed: ${e.message}`))
          )
        ),
        Effect.ensuring(Ref.update(d.ref, (v) => ({ ...v, acting: false, pending: HashMap.empty() })))
      )
    )
  })

const lookup = (d: Deps, c: Candidate) =>
  Effect.zipRight(
    Ref.update(d.ref, (v) => ({ ...v, lookups: v.lookups + 1 })),
    d.st.primitives.lookup({
      _tag: "ByOrderId",
      id: c.orderId as Ids.OrderId,
      ...(c.symbol !== undefined ? { symbol: c.symbol as Ids.Symbol } : {})
    })
  )

/** Looks up the due candidates; returns the ones confirmed (now desynced) — at most one desync per call. */
export const confirmDue = (d: Deps): Effect.Effect<number> =>
  Effect.gen(function* () {
    const { st } = d
    const t = yield* st.now
    const due = [...HashMap.values((yield* Ref.get(d.ref)).pending)].filter((c) => c.checkAt <= t)
    const confirmed: Array<Candidate> = []
    for (const c of due) {
      const got = yield* Effect.either(lookup(d, c))
      if (got._tag === "Left") continue // unreadable: try again on the next round
      const rest = Option.getOrUndefined(got.right)
      const store = yield* Ref.get(st.store)
      const local = Store.order(store, c.orderId)
      const views = compare(local, rest)
      const now = yield* st.now
      if (views === undefined) {
        yield* Ref.update(d.ref, (v) => ({ ...v, pending: HashMap.remove(v.pending, c.orderId) }))
        continue
      }
      const next = candidate(c.kind, local, rest, views, Store.changedAt(store, c.orderId), c, now, d.graceMs)
      if (now >= next.notBefore) confirmed.push(next)
      else yield* Ref.update(d.ref, (v) => ({ ...v, pending: HashMap.set(v.pending, c.orderId, next) }))
    }
    if (confirmed.length > 0) {
      const why = confirmed.some((c) => c.kind === "terminal")
        ? "a terminal update we did not cause disagrees with the venue's REST view"
        : "REST and the push stream disagree"
      yield* desync(d, `${why} on ${confirmed.length} order(s), confirmed by a targeted lookup`, confirmed)
    }
    return confirmed.length
  })

/**
 * Rule 3: one audit against the venue's list of open orders (read at `at`). Returns whether it was clean
 * and publishes `Audited`; due candidates are looked up at once.
 */
export const audit = (d: Deps, restOpen: ReadonlyArray<CoreOrder.Order>) =>
  Effect.gen(function* () {
    const { st } = d
    const t = yield* st.now
    const store = yield* Ref.get(st.store)
    const v0 = yield* Ref.get(d.ref)
    const seen = new Map<string, Candidate>()
    const listed = new Set<string>()
    const note = (local: CoreOrder.Order | undefined, rest: CoreOrder.Order | undefined, id: string) => {
      const views = compare(local, rest)
      if (views === undefined) return
      const prev = Option.getOrUndefined(HashMap.get(v0.pending, id))
      seen.set(id, candidate("audit", local, rest, views, Store.changedAt(store, id), prev, t, d.graceMs))
    }
    for (const r of restOpen) {
      listed.add(r.id)
      note(Store.order(store, r.id), r, r.id)
    }
    for (const o of Store.live(store)) if (!listed.has(o.id)) note(o, undefined, o.id)
    // audit candidates not seen again are gone; terminal-event candidates stay until looked up
    yield* Ref.update(d.ref, (v) => ({
      ...prune(v, store, t),
      pending: HashMap.union(
        HashMap.filter(v.pending, (c) => c.kind === "terminal"),
        HashMap.fromIterable(seen)
      )
    }))
    d.wake?.()
    const clean = seen.size === 0 && HashMap.size((yield* Ref.get(d.ref)).pending) === 0
    yield* PubSub.publish(
      st.health,
      new VenueHealth.Audited({ venue: st.venue, clean, orders: restOpen.length, at: t })
    )
    if (!(yield* Ref.get(d.ref)).acting) yield* confirmDue(d)
    return clean
  })

/** Applies one private event with the stream rules (1, 2, 4) around the port's own handling. */
export const onPrivate = (d: Deps, ev: Venue.PrivateEvent, fillLookbackMs: number): Effect.Effect<void> => {
  // the frequent two in as few steps as their rules allow (one store update each, no generator)
  if (ev._tag === "OrderUpdate") return onUpdate(d, ev.order)
  if (ev._tag === "OrderFill") {
    return Effect.flatMap(S.fill(d.st, ev.fill, "stream"), (fresh) => (fresh ? countFill(d, ev.fill) : Effect.void))
  }
  return Effect.gen(function* () {
    const { st } = d
    switch (ev._tag) {
      case "Gap": {
        const before = new Map(Store.live(yield* Ref.get(st.store)).map((o) => [o.id, o] as const))
        const requested = (yield* Ref.get(d.ref)).requested
        yield* S.onPrivate(st, ev, fillLookbackMs)
        const after = yield* Ref.get(st.store)
        const lost: Array<Pick<Candidate, "orderId" | "symbol" | "clientOrderId" | "stream" | "rest">> = []
        for (const [id, was] of before) {
          const now = Store.order(after, id)
          if (now === undefined || HashMap.has(requested, id)) continue
          if (CoreOrder.isTerminal(now.status) || D.gt(now.filled, was.filled)) {
            lost.push({
              orderId: id,
              symbol: was.symbol,
              clientOrderId: was.clientOrderId,
              stream: describe(was),
              rest: describe(now)
            })
          }
        }
        if (lost.length > 0 && !(yield* Ref.get(d.ref)).acting) {
          yield* desync(d, `a gap on the private ${ev.channel} stream lost updates of ${lost.length} order(s)`, lost)
        }
        return
      }
      default:
        return yield* S.onPrivate(st, ev, fillLookbackMs)
    }
  })
}

/** An order update from the stream: the port's merge (`S.onPrivate`), then rule 2 on what it changed. */
const onUpdate = (d: Deps, o: CoreOrder.Order): Effect.Effect<void> => {
  const { st } = d
  const settled = o.clientOrderId === undefined ? Effect.void : S.settle(st, `create:${o.clientOrderId}`)
  return Effect.zipRight(
    settled,
    Effect.flatMap(S.merge(st, o), ({ prev, t }) =>
      Effect.flatMap(Ref.get(d.ref), (v) =>
        v.acting || !unrequestedTerminal(v, prev, o, t) ? Effect.void : unrequested(d, prev, o, t)
      )
    )
  )
}

const unrequested = (d: Deps, prev: CoreOrder.Order | undefined, o: CoreOrder.Order, t: number) =>
  Effect.gen(function* () {
    const views = { stream: describe(o), rest: "not read yet" }
    const c = candidate("terminal", prev, undefined, views, undefined, undefined, t, d.graceMs)
    yield* Effect.logInfo(`${d.st.venue}: ${o.status} for ${o.id} we did not ask for; looking it up`)
    yield* Ref.update(d.ref, (x) => ({ ...x, pending: HashMap.set(x.pending, c.orderId, c) }))
    d.wake?.()
    yield* confirmDue(d)
  })

/** Rule 1 for a fill the port had not seen (from the stream or a REST re-read). */
export const countFill = (d: Deps, f: CoreOrder.Fill): Effect.Effect<void> =>
  Effect.flatMap(Ref.get(d.st.store), (store) =>
    Effect.flatMap(
      // tidy first: this fill's sum is kept even when its order is not in the store yet (a fill before the ack)
      Ref.modify(d.ref, (v0) => {
        const v = tidy(v0, store, d.st.time())
        const s = D.add(
          Option.getOrElse(HashMap.get(v.fillSums, f.orderId), () => D.ZERO),
          f.amount
        )
        const out = copyVerify(v)
        out.fillSums = HashMap.set(v.fillSums, f.orderId, s)
        return [s, out] as const
      }),
      (sum) => {
        const order = Store.order(store, f.orderId)
        const views = impossibleFill(order, sum)
        return views === undefined || order === undefined ? Effect.void : impossible(d, f, order, sum, views)
      }
    )
  )

const impossible = (
  d: Deps,
  f: CoreOrder.Fill,
  order: CoreOrder.Order,
  sum: D.Decimal,
  views: { readonly stream: string; readonly rest: string }
) =>
  Effect.gen(function* () {
    // our own cancel's answer may close an order before a fill it raced with arrives: only "beyond size" counts
    const v = yield* Ref.get(d.ref)
    const ours = HashMap.has(v.requested, order.id) || (yield* d.st.now) - v.requestedAllAt <= REQUEST_MEMORY_MS
    if (ours && !D.gt(sum, order.amount)) return
    yield* desync(d, `an impossible fill (trade ${f.id})`, [
      { orderId: order.id, symbol: order.symbol, clientOrderId: order.clientOrderId, ...views }
    ])
  })
