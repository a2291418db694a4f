/**
 * The write primitives: create, cancel and amend, each ending in exactly one outcome for its caller — the
 * order, a certain error (refusal, `RateLimited`, `ExchangeUnavailable` `notSent`) or `UnknownOutcome`
 * (marked for lookup, its market blocked until resolved). Creates and cancels requested close together are
 * coalesced into batched calls (`internal/batcher.ts`); every caller gets its own item's result. Each create
 * carries a deterministic `client_order_id`; a retry of an unknown create is never sent twice.
 */
import { Order as CoreOrder, Decimal as D, ExchangeError as E, Ids, Validation } from "@alpha-hunter/core"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as batcher from "./internal/batcher.js"
import * as encode from "./internal/encode.js"
import type { WriteResult } from "./internal/outcome.js"
import * as parse from "./internal/parse.js"
import * as rest from "./internal/rest.js"
import { type Canceled, type Created, make as writesOf } from "./internal/writes.js"
import type { KalshiConfig } from "./KalshiConfig.js"
import type { KalshiInstruments } from "./KalshiInstruments.js"
import type { Costs, KalshiLimiter } from "./KalshiLimiter.js"
import type { KalshiOrders } from "./KalshiOrders.js"
import type { KalshiSafety } from "./KalshiSafety.js"

interface CreateItem extends batcher.Item {
  readonly request: CoreOrder.OrderRequest
  readonly cid: string
  readonly body: Record<string, unknown>
  readonly expiry: number | undefined
}
interface CancelItem extends batcher.Item {
  readonly orderId: string
  readonly symbol: string
}

export interface KalshiExecution {
  readonly createOrder: (r: CoreOrder.OrderRequest) => Effect.Effect<CoreOrder.Order, E.ExchangeError>
  readonly createOrders: (
    rs: ReadonlyArray<CoreOrder.OrderRequest>
  ) => Effect.Effect<ReadonlyArray<Either.Either<CoreOrder.Order, E.ExchangeError>>>
  readonly cancelOrder: (id: Ids.OrderId, symbol: Ids.Symbol) => Effect.Effect<CoreOrder.Order, E.ExchangeError>
  readonly cancelOrders: (
    ids: ReadonlyArray<Ids.OrderId>,
    symbol?: Ids.Symbol
  ) => Effect.Effect<ReadonlyArray<Either.Either<CoreOrder.Order, E.ExchangeError>>>
  readonly editOrder: (
    id: Ids.OrderId,
    symbol: Ids.Symbol,
    edit: CoreOrder.OrderEdit
  ) => Effect.Effect<CoreOrder.Order, E.ExchangeError>
  readonly cancelAllOrders: (symbol?: Ids.Symbol) => Effect.Effect<ReadonlyArray<CoreOrder.Order>, E.ExchangeError>
  readonly maxBatchCreate: () => number
  readonly maxBatchCancel: () => number
}

export const make = (o: {
  readonly venue: string
  readonly config: KalshiConfig
  readonly transport: rest.Transport
  readonly api: rest.Endpoints
  readonly limiter: KalshiLimiter
  readonly costs: () => Costs
  readonly orders: KalshiOrders
  readonly instruments: KalshiInstruments
  readonly safety: KalshiSafety
}): Effect.Effect<KalshiExecution, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { venue, config: cfg, transport, api, orders } = o
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()
    const sub = cfg.subaccount !== undefined ? { subaccount: cfg.subaccount } : {}
    const deadline = cfg.writeDeadlineMs
    // client order ids: deterministic, unique forever (prefix, start time, counter)
    const epoch = now().toString(36)
    const seq = yield* Ref.make(0)
    const nextCid = Effect.map(
      Ref.getAndUpdate(seq, (n) => n + 1),
      (n) => `${cfg.clientIdPrefix}-${epoch}-${n.toString(36)}`
    )

    const unknownCreate = (it: CreateItem, detail: string) =>
      new E.UnknownOutcome({
        venue,
        operation: "create",
        symbol: it.request.symbol,
        clientOrderId: it.cid,
        message: `create ${it.cid} on ${it.request.symbol}: outcome unknown (${detail}); resolving by lookup`
      })
    const unknownCancel = (it: CancelItem, detail: string) =>
      new E.UnknownOutcome({
        venue,
        operation: "cancel",
        symbol: it.symbol,
        orderId: it.orderId,
        message: `cancel of ${it.orderId}: outcome unknown (${detail}); resolving by lookup`
      })
    const markCreate = (it: CreateItem) =>
      orders.markUnknown({ operation: "create", symbol: it.request.symbol, clientOrderId: it.cid })
    const markCancel = (it: CancelItem) =>
      orders.markUnknown({ operation: "cancel", symbol: it.symbol, orderId: it.orderId })
    const metaOf = (r: CoreOrder.OrderRequest) => ({ timeInForce: r.timeInForce, postOnly: r.postOnly })
    const stored = (x: CoreOrder.Order) => Effect.map(orders.order(x.id), (s) => s ?? x)

    const settleCreate = (it: CreateItem, r: WriteResult<Created>): Effect.Effect<void> =>
      Effect.gen(function* () {
        if (r._tag === "Ok") {
          const order = parse.createdOrder(it.request, it.cid, r.value, now(), it.expiry)
          yield* orders.upsert(order, metaOf(it.request))
          yield* orders.settle(`create:${it.cid}`) // a definite answer after the caller's deadline
          yield* Deferred.succeed(it.done, yield* stored(order))
          return
        }
        if (r._tag === "Err") {
          if (r.error._tag === "DuplicateClientOrderId" && (yield* orders.wasUnknown(it.cid))) {
            // a retry of a create whose outcome was unknown: the earlier attempt landed — find it
            const found = yield* Effect.either(orders.findByCid(it.cid, it.request.symbol))
            if (Either.isRight(found) && Option.isSome(found.right)) {
              const x = parse.order(found.right.value, metaOf(it.request))
              yield* orders.upsert(x, metaOf(it.request))
              yield* Deferred.succeed(it.done, x)
              return
            }
          }
          yield* Deferred.fail(it.done, r.error)
          return
        }
        yield* markCreate(it)
        yield* Deferred.fail(it.done, unknownCreate(it, r.detail))
      })

    const settleCancel = (it: CancelItem, r: WriteResult<Canceled>): Effect.Effect<void> =>
      Effect.gen(function* () {
        if (r._tag === "Ok") {
          yield* orders.settle(`cancel:${it.orderId}`)
          const base =
            (yield* orders.order(it.orderId)) ??
            Option.getOrUndefined(yield* Effect.option(Effect.map(api.getOrder(it.orderId), (w) => parse.order(w))))
          if (base === undefined) {
            const e = new E.BadVenueData({ venue, message: `canceled order ${it.orderId} cannot be read back` })
            return yield* Deferred.fail(it.done, e)
          }
          const x = CoreOrder.fromDecoded({
            ...base,
            status: "canceled",
            remaining: D.ZERO,
            lastUpdateTimestamp: r.value.ts_ms ?? now()
          })
          yield* orders.upsert(x)
          return yield* Deferred.succeed(it.done, x)
        }
        if (r._tag === "Err") {
          if (r.error._tag === "OrderNotFound") {
            // 404 does not say whether it filled: look it up before declaring anything
            const w = yield* Effect.option(api.getOrder(it.orderId))
            if (Option.isSome(w)) {
              const x = yield* orders.parse(w.value)
              yield* orders.upsert(x)
              const message = `order ${it.orderId} is not open (it is ${x.status})`
              return yield* Deferred.fail(
                it.done,
                new E.OrderNotFound({ venue, orderId: it.orderId, message, code: "not_found" })
              )
            }
          }
          return yield* Deferred.fail(it.done, r.error)
        }
        yield* markCancel(it)
        return yield* Deferred.fail(it.done, unknownCancel(it, r.detail))
      })

    const writes = writesOf(transport, venue, sub)
    const sendCreates = (items: ReadonlyArray<CreateItem>) =>
      Effect.flatMap(writes.creates(items.map((i) => ({ symbol: i.request.symbol, cid: i.cid, body: i.body }))), (rs) =>
        Effect.forEach(items, (it, i) => settleCreate(it, rs[i]!), { discard: true })
      )
    const sendCancels = (items: ReadonlyArray<CancelItem>) =>
      Effect.flatMap(writes.cancels(items), (rs) =>
        Effect.forEach(items, (it, i) => settleCancel(it, rs[i]!), { discard: true })
      )

    const createQueue = yield* Queue.unbounded<CreateItem>()
    const cancelQueue = yield* Queue.unbounded<CancelItem>()
    const createUnit = () => o.costs().of("POST", "/portfolio/events/orders/batched")
    const cancelUnit = () => o.costs().of("DELETE", "/portfolio/events/orders/batched")
    const common = { venue, limiter: o.limiter, windowMs: cfg.batchWindowMs }
    yield* Effect.forkScoped(
      batcher.run<CreateItem>({
        ...common,
        queue: createQueue,
        lane: "create",
        unit: createUnit,
        send: sendCreates,
        abandon: (it, why) => Effect.zipRight(markCreate(it), Deferred.fail(it.done, unknownCreate(it, why)))
      })
    )
    yield* Effect.forkScoped(
      batcher.run<CancelItem>({
        ...common,
        queue: cancelQueue,
        lane: "cancel",
        unit: cancelUnit,
        send: sendCancels,
        abandon: (it, why) => Effect.zipRight(markCancel(it), Deferred.fail(it.done, unknownCancel(it, why)))
      })
    )
    const awaitCreate = (it: CreateItem) =>
      batcher.awaitAnswer(it.done, deadline, () => ({
        error: unknownCreate(it, `no answer within ${deadline} ms`),
        mark: markCreate(it)
      }))
    const awaitCancel = (it: CancelItem) =>
      batcher.awaitAnswer(it.done, deadline, () => ({
        error: unknownCancel(it, `no answer within ${deadline} ms`),
        mark: markCancel(it)
      }))

    const prepareCreate = (request: CoreOrder.OrderRequest) =>
      Effect.gen(function* () {
        yield* o.safety.checkNotHalted("creates")
        const m = yield* o.instruments.entry(request.symbol)
        const valid = Validation.validateOrderRequest(m.market, m.grid, request)
        if (Either.isLeft(valid)) return yield* valid.left
        yield* orders.checkWritable(request.symbol, "create")
        const cid = request.clientOrderId ?? (yield* nextCid)
        if (yield* orders.wasUnknown(cid)) {
          // the retry of an unknown create that has since been found: never send it twice
          const id = yield* orders.orderIdOf(cid)
          const known = id === undefined ? undefined : yield* orders.order(id)
          if (known !== undefined) return { known } as const
        }
        const isMaker = request.postOnly && request.timeInForce === "GTC"
        const group = isMaker ? yield* o.safety.orderGroup(m.exchangeIndex) : undefined
        const { body, expiry } = encode.createBody(
          request,
          cid,
          { exchangeIndex: m.exchangeIndex, group },
          o.safety.policy,
          now()
        )
        const done = yield* Deferred.make<CoreOrder.Order, E.ExchangeError>()
        return { request, cid, body, expiry, done } satisfies CreateItem
      })

    const newCancel = (orderId: string, symbol: string) =>
      Effect.map(Deferred.make<CoreOrder.Order, E.ExchangeError>(), (done): CancelItem => ({ orderId, symbol, done }))

    const cancelOrders = (ids: ReadonlyArray<Ids.OrderId>, symbol?: Ids.Symbol) =>
      Effect.gen(function* () {
        const items = yield* Effect.forEach(ids, (id) =>
          Effect.gen(function* () {
            const known = symbol ?? (yield* orders.order(id))?.symbol
            const s =
              known ??
              (yield* api.getOrder(id).pipe(
                Effect.map((w) => w.ticker),
                Effect.orElseSucceed(() => undefined)
              ))
            const it = yield* newCancel(id, s ?? "")
            if (s === undefined) {
              yield* Deferred.fail(
                it.done,
                new E.OrderNotFound({ venue, orderId: id, message: `order ${id} not found` })
              )
            } else yield* Queue.offer(cancelQueue, it)
            return it
          })
        )
        return yield* Effect.forEach(items, (it) => Effect.either(awaitCancel(it)), { concurrency: "unbounded" })
      })

    const editOrder = (id: Ids.OrderId, symbol: Ids.Symbol, edit: CoreOrder.OrderEdit) =>
      Effect.gen(function* () {
        yield* orders.checkWritable(symbol, "amend")
        yield* o.safety.checkNotHalted("amends")
        const current = (yield* orders.order(id)) ?? parse.order(yield* api.getOrder(id))
        const m = yield* o.instruments.entry(symbol)
        const price = edit.price ?? current.price
        const amount = edit.amount ?? current.amount
        if (!m.grid.isOnGrid(price)) {
          return yield* new E.InvalidOrder({
            venue,
            message: `price: ${D.format(price)} is off the tick grid of ${symbol}`
          })
        }
        const r = yield* writes.amend(id, symbol, encode.amendBody(symbol, current, price, amount), deadline)
        if (r._tag === "Err") return yield* r.error
        if (r._tag === "Unknown") {
          yield* orders.markUnknown({ operation: "amend", symbol, orderId: id })
          return yield* new E.UnknownOutcome({
            venue,
            operation: "amend",
            symbol,
            orderId: id,
            message: `amend of ${id}: outcome unknown (${r.detail}); resolving by lookup`
          })
        }
        const x = encode.amended(current, price, amount, r.value, now())
        yield* orders.upsert(x)
        return yield* stored(x)
      })

    const cancelAllOrders = (symbol?: Ids.Symbol) =>
      Effect.gen(function* () {
        if (symbol !== undefined) {
          const open = yield* api.getOrders({ status: "resting", ticker: symbol, ...sub })
          const rs = yield* cancelOrders(
            open.map((w) => Ids.OrderId.make(w.order_id)),
            symbol
          )
          return rs.filter(Either.isRight).map((r) => r.right)
        }
        const before = yield* api.getOrders({ status: "resting", ...sub })
        yield* transport
          .send({
            method: "DELETE",
            path: "/portfolio/events/orders",
            lane: "cancel",
            ...(cfg.subaccount !== undefined ? { query: sub } : {})
          })
          .pipe(Effect.mapError((f) => rest.readError(f, { venue })))
        return yield* Effect.forEach(before, (w) =>
          Effect.gen(function* () {
            const x = CoreOrder.fromDecoded({
              ...(yield* orders.parse(w)),
              status: "canceled",
              remaining: D.ZERO,
              lastUpdateTimestamp: now()
            })
            yield* orders.upsert(x)
            return x
          })
        )
      })

    return {
      createOrder: (request) =>
        Effect.gen(function* () {
          const it = yield* prepareCreate(request)
          if ("known" in it) return it.known
          yield* Queue.offer(createQueue, it)
          return yield* awaitCreate(it)
        }),
      createOrders: (requests) =>
        Effect.gen(function* () {
          const prepared = yield* Effect.forEach(requests, (r) => Effect.either(prepareCreate(r)))
          for (const p of prepared)
            if (Either.isRight(p) && !("known" in p.right)) yield* Queue.offer(createQueue, p.right)
          return yield* Effect.forEach(
            prepared,
            (p) =>
              Either.isLeft(p)
                ? Effect.succeed(Either.left(p.left))
                : "known" in p.right
                  ? Effect.succeed(Either.right(p.right.known))
                  : Effect.either(awaitCreate(p.right)),
            { concurrency: "unbounded" }
          )
        }),
      cancelOrder: (id, symbol) =>
        Effect.gen(function* () {
          yield* orders.checkWritable(symbol, "cancel")
          const it = yield* newCancel(id, symbol)
          yield* Queue.offer(cancelQueue, it)
          return yield* awaitCancel(it)
        }),
      cancelOrders,
      editOrder,
      cancelAllOrders,
      maxBatchCreate: () => batcher.maxBatch(o.limiter, "create", createUnit()),
      maxBatchCancel: () => batcher.maxBatch(o.limiter, "cancel", cancelUnit())
    } satisfies KalshiExecution
  })
