/**
 * The three writes (create batch, cancel batch, amend), each: write-ahead journal → venue → one
 * `WriteOutcome` per item → tracker, Risk and journal. What an outcome does to the order:
 * - `Done`: the venue's view is stored (a terminal order leaves the tracker);
 * - `Refused` / `NotSent`: certainly nothing happened — a create is dropped, a cancel or amend leaves the
 *   order as it was; the market is not blocked;
 * - `Unknown`: the order is marked `unknown` and its market blocked until a lookup resolves it
 *   (`resolveOne`); a cancel refused as "not found" is looked up too.
 */
import { Decimal as D, type Order, type Strategy, WriteOutcome } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Ref from "effect/Ref"
import type { NewEntry } from "../ExecutionJournal.js"
import * as Tracker from "../OrderTracker.js"
import { about, bump, type Ctx, copyStats, orderData, outcomes, put, record, writeAhead } from "./context.js"

export const failed = (o: WriteOutcome.WriteOutcome) =>
  o._tag === "Done"
    ? {}
    : { error: o.error._tag, message: o.error.message, ...(o._tag === "NotSent" ? { notSent: true } : {}) }

/** Marks an order unknown: its market takes no writes until a lookup resolves it. */
export const markUnknown = (ctx: Ctx, t: Tracker.Tracked, o: WriteOutcome.WriteOutcome, op: string) =>
  Effect.gen(function* () {
    yield* put(ctx, { ...t, status: "unknown" })
    yield* bump(ctx, "unknown")
    yield* record(ctx, [{ kind: "unknown", ...about(ctx, t), data: { op, ...failed(o) } }])
    yield* Effect.logWarning(
      `${ctx.venue}: ${op} of ${t.clientOrderId} on ${t.symbol}: outcome unknown (${o._tag === "Done" ? "" : o.error.message}); writes on ${t.symbol} wait for a lookup`
    )
  })

/** Looks one order up by client order id; true when its state is known again. */
export const resolveOne = (ctx: Ctx, t: Tracker.Tracked): Effect.Effect<boolean> =>
  ctx.exchange.fetchOrderByClientId(t.clientOrderId, t.symbol).pipe(
    Effect.flatMap((o) =>
      Effect.gen(function* () {
        yield* put(ctx, { ...Tracker.fromOrder(o, t.strategy, t.createdAt), clientOrderId: t.clientOrderId })
        yield* ctx.risk.onOrder({ venue: ctx.venue, strategy: t.strategy }, o)
        yield* bump(ctx, "resolved")
        yield* record(ctx, [
          { kind: "resolved", ...about(ctx, t), orderId: o.id, data: { status: o.status, filled: D.format(o.filled) } }
        ])
        return true
      })
    ),
    Effect.catchAll((e) =>
      e._tag === "OrderNotFound" && t.orderId === undefined
        ? // a create that never reached the venue: nothing rests, the id stays used
          Effect.gen(function* () {
            yield* put(ctx, { ...t, status: "rejected" })
            yield* bump(ctx, "resolved")
            yield* record(ctx, [{ kind: "resolved", ...about(ctx, t), data: { status: "not_found" } }])
            return true
          })
        : Effect.succeed(false)
    )
  )

/**
 * Cancels our orders in one market as one batch (orders the venue has not numbered yet are skipped).
 * A cancel goes out even when the journal cannot write: pulling quotes is always safe, and its record is
 * not needed to find an order again.
 */
export const sendCancels = (ctx: Ctx, ts: ReadonlyArray<Tracker.Tracked>, carried: ReadonlyArray<NewEntry>) =>
  Effect.gen(function* () {
    const withId = ts.filter((t) => t.orderId !== undefined)
    if (withId.length === 0) return yield* record(ctx, carried)
    const symbol = withId[0]!.symbol
    yield* record(ctx, [
      ...carried,
      ...withId.map((t) => ({ kind: "request" as const, ...about(ctx, t), data: { op: "cancel" } }))
    ])
    yield* Ref.update(ctx.tracker, (s) =>
      withId.reduce((acc, t) => Tracker.put(acc, { ...t, status: "pending_cancel" }), s)
    )
    yield* bump(ctx, "cancels", withId.length)
    yield* ctx.onWrite(symbol, "cancel", withId.length)
    const results = yield* outcomes(
      ctx,
      "cancel",
      withId.length,
      Effect.map(
        ctx.exchange.cancelOrders(
          withId.map((t) => t.orderId!),
          withId[0]!.symbol
        ),
        (rs) => rs.map(WriteOutcome.fromEither)
      ),
      { symbol }
    )
    // the tracker first, in one update: each certain answer (canceled, or certainly not canceled: as it was;
    // "not found" is looked up below); then Risk per order and one journal record
    const answered: Array<Tracker.Tracked> = []
    let rejected = 0
    let notSent = 0
    for (let i = 0; i < withId.length; i++) {
      const t = withId[i]!
      const r = results[i]!
      if (r._tag === "Done")
        answered.push({ ...Tracker.fromOrder(r.order, t.strategy, t.createdAt), clientOrderId: t.clientOrderId })
      else if (r._tag === "Unknown" || (r._tag === "Refused" && r.error._tag === "OrderNotFound")) continue
      else {
        answered.push(t)
        if (r._tag === "Refused") rejected++
        else notSent++
      }
    }
    if (answered.length > 0) yield* Ref.update(ctx.tracker, (s) => answered.reduce(Tracker.put, s))
    if (rejected + notSent > 0)
      yield* Ref.update(ctx.stats, (s) => {
        const c = copyStats(s)
        c.rejected += rejected
        c.notSent += notSent
        return c
      })
    const entries: Array<NewEntry> = []
    for (let i = 0; i < withId.length; i++) {
      const t = withId[i]!
      const r = results[i]!
      if (r._tag === "Done") {
        yield* ctx.risk.onOrder({ venue: ctx.venue, strategy: t.strategy }, r.order)
        entries.push({
          kind: "cancel",
          ...about(ctx, t),
          data: { status: r.order.status, filled: D.format(r.order.filled) }
        })
      } else if (r._tag === "Refused" && r.error._tag === "OrderNotFound") {
        // already gone (filled or canceled): confirm by lookup before forgetting it
        yield* put(ctx, { ...t, status: "unknown" })
        if (!(yield* resolveOne(ctx, { ...t, status: "unknown" }))) yield* markUnknown(ctx, t, r, "cancel")
      } else if (r._tag === "Unknown") {
        yield* markUnknown(ctx, t, r, "cancel")
      } else {
        entries.push({ kind: "reject", ...about(ctx, t), data: { op: "cancel", ...failed(r) } })
      }
    }
    yield* record(ctx, entries)
  })

/** Amends one order to a new quote (already risk-approved). True when the venue applied it. */
export const sendAmend = (
  ctx: Ctx,
  t: Tracker.Tracked,
  q: Strategy.Quote,
  edit: Order.OrderEdit,
  carried: ReadonlyArray<NewEntry>
) =>
  Effect.gen(function* () {
    yield* writeAhead(
      ctx,
      [
        ...carried,
        {
          kind: "request",
          ...about(ctx, t),
          data: { op: "amend", price: D.format(q.price), amount: D.format(edit.amount ?? q.amount) }
        }
      ],
      t.symbol
    )
    yield* put(ctx, { ...t, status: "pending_amend" })
    yield* bump(ctx, "amends")
    yield* ctx.onWrite(t.symbol, "amend", 1)
    const [r] = yield* outcomes(
      ctx,
      "amend",
      1,
      Effect.map(Effect.either(ctx.exchange.editOrder(t.orderId!, t.symbol, edit)), (e) => [
        WriteOutcome.fromEither(Either.isRight(e) ? Either.right(e.right) : Either.left(e.left))
      ]),
      { symbol: t.symbol, clientOrderIds: [t.clientOrderId] }
    )
    switch (r!._tag) {
      case "Done": {
        const o = r!.order
        yield* put(ctx, { ...Tracker.fromOrder(o, t.strategy, t.createdAt), clientOrderId: t.clientOrderId })
        yield* ctx.risk.onOrder({ venue: ctx.venue, strategy: t.strategy }, o)
        yield* record(ctx, [
          { kind: "ack", ...about(ctx, t), orderId: o.id, data: { op: "amend", status: o.status, ...orderData(o) } }
        ])
        return true
      }
      case "Unknown":
        yield* markUnknown(ctx, t, r!, "amend")
        return false
      default: {
        yield* put(ctx, t)
        yield* bump(ctx, r!._tag === "Refused" ? "rejected" : "notSent")
        yield* record(ctx, [{ kind: "reject", ...about(ctx, t), data: { op: "amend", ...failed(r!) } }])
        if (r!._tag === "Refused" && r!.error._tag === "OrderNotFound")
          yield* resolveOne(ctx, { ...t, status: "unknown" })
        return false
      }
    }
  })
