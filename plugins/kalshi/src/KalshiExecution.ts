/**
 * The write and lookup primitives of the Kalshi driver (what `Venue.make` builds the port from): each write
 * encodes its items, sends one signed request (a single item → the single endpoint, several → the batched
 * one) and answers one `WriteOutcome` per item, never failing as a whole. The certainty rules:
 * - a decoded 2xx answer → `Done`; a refusal → `Refused` (a "duplicate client order id" too: the port
 *   knows whether it is the retry of an unknown create that landed);
 * - a 429 past the re-admission budget, a refused connection → `NotSent` (certainly never executed);
 * - a timeout, a 5xx/408, a lost answer, a 2xx answer that does not decode, an item-level 5xx or a missing
 *   item → `Unknown` (the port looks it up by client order id / order id);
 * - inside the halt window after an emergency cancel-all, creates and amends are refused (`halted`).
 * Batches are admitted by the limiter as a whole (`admit`), sized to what its bucket can ever grant.
 */
import { Order as CoreOrder, Decimal as D, ExchangeError as E, type Venue, WriteOutcome } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as encode from "./internal/encode.js"
import type { WriteResult } from "./internal/outcome.js"
import * as parse from "./internal/parse.js"
import * as rest from "./internal/rest.js"
import { make as writesOf } from "./internal/writes.js"
import type { KalshiConfig } from "./KalshiConfig.js"
import type { KalshiInstruments } from "./KalshiInstruments.js"
import type { Costs, KalshiLimiter } from "./KalshiLimiter.js"
import type { KalshiSafety } from "./KalshiSafety.js"

/** Kalshi's code for a create refused because its order group tripped (refused until the group is reset) */
const GROUP_TRIPPED = "exceeded_order_group_risk_limit"

export type KalshiExecution = Pick<
  Venue.VenuePrimitives,
  "admit" | "prepare" | "submit" | "cancel" | "amend" | "cancelAll" | "lookup" | "openOrders" | "fills"
> & {
  readonly maxBatchCreate: () => number
  readonly maxBatchCancel: () => number
}

/** The largest batch a lane can carry at `unit` tokens per item (what the bucket can ever grant at once). */
export const maxBatch = (limiter: KalshiLimiter, lane: "create" | "cancel", unit: number): number =>
  Math.max(1, Math.floor(limiter.maxCost(lane) / unit))

export const make = (o: {
  readonly venue: string
  readonly config: KalshiConfig
  readonly transport: rest.Transport
  readonly api: rest.Endpoints
  readonly limiter: KalshiLimiter
  readonly costs: () => Costs
  readonly instruments: KalshiInstruments
  readonly safety: KalshiSafety
}): Effect.Effect<KalshiExecution> =>
  Effect.gen(function* () {
    const { venue, config: cfg, transport, api } = o
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()
    const sub = cfg.subaccount !== undefined ? { subaccount: cfg.subaccount } : {}
    const writes = writesOf(transport, venue, sub)
    const unit = (lane: "create" | "cancel") =>
      o.costs().of(lane === "create" ? "POST" : "DELETE", "/portfolio/events/orders/batched")

    const unknown = (operation: "create" | "cancel" | "amend", detail: string): WriteOutcome.WriteOutcome => ({
      _tag: "Unknown",
      error: new E.UnknownOutcome({ venue, operation, message: detail })
    })
    /** A certain failure: a duplicate client id stays a refusal (the port decides what it means). */
    const certain = (e: E.ExchangeError): WriteOutcome.WriteOutcome =>
      e._tag === "DuplicateClientOrderId" ? { _tag: "Refused", error: e } : WriteOutcome.fromError(e)
    const outcome = <A>(
      r: WriteResult<A>,
      operation: "create" | "cancel" | "amend",
      done: (a: A) => WriteOutcome.WriteOutcome
    ): WriteOutcome.WriteOutcome =>
      r._tag === "Ok" ? done(r.value) : r._tag === "Err" ? certain(r.error) : unknown(operation, r.detail)

    const encodeCreate = (request: Venue.CreateItem) =>
      Effect.gen(function* () {
        const m = yield* o.instruments.entry(request.symbol)
        const isMaker = request.postOnly && request.timeInForce === "GTC"
        const group = isMaker ? yield* o.safety.orderGroup(m.exchangeIndex) : undefined
        const target = { exchangeIndex: m.exchangeIndex, group }
        return {
          request,
          exchangeIndex: m.exchangeIndex,
          ...encode.createBody(request, request.clientOrderId, target, o.safety.policy, now())
        }
      })

    const submit = (items: ReadonlyArray<Venue.CreateItem>) =>
      Effect.gen(function* () {
        const halted = yield* Effect.either(o.safety.checkNotHalted("creates"))
        if (Either.isLeft(halted)) return items.map((): WriteOutcome.WriteOutcome => certain(halted.left))
        const encoded = yield* Effect.forEach(items, (r) => Effect.either(encodeCreate(r)))
        const ready = encoded.flatMap((e) => (Either.isRight(e) ? [e.right] : []))
        const results =
          ready.length === 0
            ? []
            : yield* writes.creates(
                ready.map((e) => ({ symbol: e.request.symbol, cid: e.request.clientOrderId, body: e.body }))
              )
        // a create refused because its order group tripped: pause creates, the group is reset after
        const tripped = new Set<number>()
        for (const [i, r] of results.entries()) {
          if (r._tag === "Err" && r.error.code?.toLowerCase() === GROUP_TRIPPED) tripped.add(ready[i]!.exchangeIndex)
        }
        for (const i of tripped) yield* o.safety.groupTripped(i)
        let k = 0
        return encoded.map((e): WriteOutcome.WriteOutcome => {
          if (Either.isLeft(e)) return certain(e.left)
          const r = results[k++]!
          return outcome(r, "create", (v) =>
            WriteOutcome.done(
              parse.createdOrder(e.right.request, e.right.request.clientOrderId, v, now(), e.right.expiry)
            )
          )
        })
      })

    const readBack = (id: string) =>
      Effect.map(
        Effect.option(api.getOrder(id)),
        Option.map((w) => parse.order(w))
      )

    const cancel = (items: ReadonlyArray<Venue.CancelItem>) =>
      Effect.gen(function* () {
        const results = yield* writes.cancels(items.map((i) => ({ orderId: i.id, symbol: i.symbol })))
        return yield* Effect.forEach(items, (it, i) => {
          const r = results[i]!
          if (r._tag !== "Ok") return Effect.succeed(outcome(r, "cancel", () => unknown("cancel", "")))
          return Effect.map(
            it.known !== undefined ? Effect.succeed(Option.some(it.known)) : readBack(it.id),
            Option.match({
              // canceled, but not readable back: the port looks it up
              onNone: () => unknown("cancel", `canceled order ${it.id} cannot be read back`),
              onSome: (base) =>
                WriteOutcome.done(
                  CoreOrder.fromDecoded({
                    ...base,
                    status: "canceled",
                    remaining: D.ZERO,
                    lastUpdateTimestamp: r.value.ts_ms ?? now()
                  })
                )
            })
          )
        })
      })

    const amend = ({ order: current, edit }: Venue.AmendItem) =>
      Effect.gen(function* () {
        const halted = yield* Effect.either(o.safety.checkNotHalted("amends"))
        if (Either.isLeft(halted)) return certain(halted.left)
        const price = edit.price ?? current.price
        const amount = edit.amount ?? current.amount
        const body = encode.amendBody(current.symbol, current, price, amount)
        const r = yield* writes.amend(current.id, current.symbol, body, cfg.writeDeadlineMs)
        return outcome(r, "amend", (v) => WriteOutcome.done(encode.amended(current, price, amount, v, now())))
      })

    const resting = (symbol?: string) =>
      api.getOrders({ status: "resting", ...(symbol !== undefined ? { ticker: symbol } : {}), ...sub })

    const cancelAll = () =>
      Effect.gen(function* () {
        const before = yield* resting()
        yield* transport
          .send({
            method: "DELETE",
            path: "/portfolio/events/orders",
            lane: "cancel",
            ...(cfg.subaccount !== undefined ? { query: sub } : {})
          })
          .pipe(Effect.mapError((f) => rest.readError(f, { venue })))
        return before.map((w) =>
          CoreOrder.fromDecoded({
            ...parse.order(w),
            status: "canceled",
            remaining: D.ZERO,
            lastUpdateTimestamp: now()
          })
        )
      })

    const lookup = (key: Venue.LookupKey): Effect.Effect<Option.Option<CoreOrder.Order>, E.ExchangeError> =>
      key._tag === "ByOrderId"
        ? api.getOrder(key.id).pipe(
            Effect.map((w) => Option.some(parse.order(w))),
            Effect.catchTag("OrderNotFound", () => Effect.succeedNone)
          )
        : api
            .getOrders({
              ...(key.symbol !== undefined ? { ticker: key.symbol } : {}),
              ...(key.since !== undefined ? { min_ts: Math.floor(key.since / 1000) - 60 } : {}),
              ...sub
            })
            .pipe(
              Effect.map((ws) =>
                Option.map(Option.fromNullable(ws.find((w) => w.client_order_id === key.clientOrderId)), (w) =>
                  parse.order(w)
                )
              )
            )

    // the order groups a batch of maker orders joins exist before the batch is admitted (creating one is a
    // write of its own: done after admission, it held the admitted batch back and bunched it with the next)
    const prepare = (items: ReadonlyArray<Venue.CreateItem>) =>
      Effect.gen(function* () {
        const indexes = new Set<number>()
        for (const r of items) {
          if (!(r.postOnly && r.timeInForce === "GTC")) continue
          const m = yield* Effect.option(o.instruments.entry(r.symbol))
          if (m._tag === "Some") indexes.add(m.value.exchangeIndex)
        }
        // a shard whose group cannot be used is refused item by item at submit, with its reason
        for (const i of indexes) yield* Effect.ignore(o.safety.orderGroup(i))
      })

    return {
      prepare,
      admit: (lane, items) =>
        o.limiter
          .acquire(lane, items * unit(lane))
          .pipe(Effect.mapError((e) => new E.InvalidOrder({ venue, message: e.message }))),
      submit,
      cancel,
      amend,
      cancelAll,
      lookup,
      openOrders: (q) => Effect.map(resting(q?.symbol), (ws) => ws.map((w) => parse.order(w))),
      fills: (q) =>
        api
          .getFills({
            ...(q?.symbol !== undefined ? { ticker: q.symbol } : {}),
            ...(q?.since !== undefined ? { min_ts: Math.floor(q.since / 1000) } : {}),
            ...sub
          })
          .pipe(Effect.map((fs) => fs.map(parse.fill).slice(0, q?.limit ?? fs.length))),
      maxBatchCreate: () => maxBatch(o.limiter, "create", unit("create")),
      maxBatchCancel: () => maxBatch(o.limiter, "cancel", unit("cancel"))
    } satisfies KalshiExecution
  })
