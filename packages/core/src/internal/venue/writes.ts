/**
 * The port's writes. Each caller gets exactly one answer: the order, a certain error (a refusal, `NotSent`,
 * `WriteBlocked`), or `UnknownOutcome` — the write is then marked for lookup and its market blocked until
 * the resolver settles it. Creates and cancels go through the coalescing batchers (an in-process driver's go
 * out on the caller's fiber: `VenuePrimitives.inProcess`); amends go one by one.
 * - a create is validated locally first (no request sent for an invalid one) and always carries a client
 *   order id; a create whose outcome was unknown is never sent twice: its retry returns the order found,
 *   and a "duplicate client order id" answer to it means the earlier attempt landed (looked up);
 * - a cancel or amend refused as "not found" is looked up before anything is declared.
 * Amends are in `amends.ts`.
 */

import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as E from "../../ExchangeError.js"
import type * as Ids from "../../Ids.js"
import * as CoreOrder from "../../Order.js"
import * as Store from "../../OrderStore.js"
import * as Validation from "../../Validation.js"
import type * as Venue from "../../Venue.js"
import * as WriteOutcome from "../../WriteOutcome.js"
import { awaitOutcomes, type Item, type Lane, sendNow, type Wait } from "./batcher.js"
import * as S from "./state.js"
import * as U from "./unknowns.js"
import * as V from "./verify.js"

export interface CreateJob extends Item {
  readonly request: Venue.CreateItem
}
export interface CancelJob extends Item {
  readonly item: Venue.CancelItem
}

/** The write lanes an in-process driver's calls go out on directly (see `VenuePrimitives.inProcess`). */
export interface Lanes {
  readonly creates: Lane<CreateJob>
  readonly cancels: Lane<CancelJob>
}

export interface WriteDeps {
  readonly st: S.State
  readonly verify: V.Deps
  readonly deadline: Duration.Duration
  readonly nextCid: Effect.Effect<Ids.ClientOrderId>
  readonly creates: Queue.Queue<CreateJob>
  readonly cancels: Queue.Queue<CancelJob>
  /** set for an in-process driver: its writes are sent on the caller's fiber (no queue, no deadline) */
  readonly inProcess?: Lanes
}

const metaOf = (r: { readonly timeInForce: CoreOrder.TimeInForce; readonly postOnly: boolean }): Store.Meta => ({
  timeInForce: r.timeInForce,
  postOnly: r.postOnly
})

export const unknownError = (
  st: S.State,
  operation: "create" | "cancel" | "amend",
  ids: { readonly symbol: string; readonly clientOrderId?: string; readonly orderId?: string },
  detail: string
) =>
  new E.UnknownOutcome({
    venue: st.venue,
    operation,
    ...ids,
    message: `${operation} of ${ids.clientOrderId ?? ids.orderId} on ${ids.symbol}: outcome unknown (${detail}); resolving by lookup`
  })

/** The outcome a caller gets when its deadline passes first (the write is then looked up). */
export const lateOutcome = (st: S.State): WriteOutcome.WriteOutcome => ({
  _tag: "Unknown",
  error: new E.UnknownOutcome({ venue: st.venue, operation: "create", message: "no answer within the write deadline" })
})

/**
 * Every item's answer, in order, on the caller's fiber: sent at once by an in-process driver (`lane`: `sendNow`
 * settled each), else queued for the batcher with each item's deadline armed now.
 */
const answersOf = <I extends Item>(
  d: WriteDeps,
  jobs: ReadonlyArray<I>,
  lane: Lane<I> | undefined,
  queue: Queue.Queue<I>,
  wait: (job: I) => Wait
): Effect.Effect<ReadonlyArray<WriteOutcome.WriteOutcome>> =>
  jobs.length === 0
    ? Effect.succeed([])
    : lane !== undefined
      ? sendNow(lane, jobs)
      : Effect.zipRight(Queue.offerAll(queue, jobs), awaitOutcomes(jobs.map(wait), d.deadline))

// ---- creates ----------------------------------------------------------------------------------

/**
 * The bookkeeping of a create's real outcome (also when it comes after the caller's deadline); completes a
 * queued job's `done` and returns its caller's answer.
 */
export const settleCreate = (
  st: S.State,
  job: CreateJob,
  o: WriteOutcome.WriteOutcome
): Effect.Effect<WriteOutcome.WriteOutcome> =>
  o._tag === "Done"
    ? // the usual answer, as one chain: the venue's answer carries what it made of the request (a market
      // order becomes IOC)
      Effect.flatMap(S.apply(st, o.order, metaOf(o.order)), (merged) =>
        Effect.zipRight(S.settle(st, `create:${job.request.clientOrderId}`), answer(job, WriteOutcome.done(merged)))
      )
    : settleCreateOther(st, job, o)

/** A queued job's caller is answered through its `done`; the answer is returned either way. */
const answer = (job: Item, out: WriteOutcome.WriteOutcome): Effect.Effect<WriteOutcome.WriteOutcome> =>
  job.done === undefined ? Effect.succeed(out) : Effect.as(Deferred.succeed(job.done, out), out)

const settleCreateOther = (st: S.State, job: CreateJob, o: Exclude<WriteOutcome.WriteOutcome, { _tag: "Done" }>) =>
  Effect.gen(function* () {
    const r = job.request
    const key = `create:${r.clientOrderId}`
    let out: WriteOutcome.WriteOutcome = o
    switch (o._tag) {
      case "Unknown":
        yield* S.markUnknown(st, { operation: "create", symbol: r.symbol, clientOrderId: r.clientOrderId })
        break
      default:
        if (o.error._tag === "DuplicateClientOrderId" && (yield* S.wasUnknown(st, r.clientOrderId))) {
          // the retry of a create whose outcome was unknown: the earlier attempt landed — find it
          const found = yield* Effect.either(
            st.primitives.lookup({ _tag: "ByClientOrderId", clientOrderId: r.clientOrderId, symbol: r.symbol })
          )
          if (Either.isRight(found) && Option.isSome(found.right)) {
            out = WriteOutcome.done(yield* S.apply(st, found.right.value, metaOf(r)))
            yield* S.settle(st, key)
          }
        } else yield* S.settle(st, key) // certainly nothing (it may have been marked at the deadline)
    }
    return yield* answer(job, out)
  })

/** Validates and completes a request; `known` when it is the retry of an unknown create already found. */
const prepare = (d: WriteDeps, request: CoreOrder.OrderRequest): Effect.Effect<Ready, E.ExchangeError> =>
  Effect.flatMap(d.st.primitives.instrument(request.symbol), ({ market, grid }) => {
    const valid = Validation.validateOrderRequest(market, grid, request)
    if (Either.isLeft(valid)) return Effect.fail(valid.left)
    // one read of the unknown writes for both questions
    return Effect.flatMap(
      Ref.get(d.st.unknowns),
      (unknowns): Effect.Effect<Ready, E.ExchangeError> =>
        // the usual create, as one chain: its id given, nothing unknown about it or its market, sent in process
        d.inProcess !== undefined &&
        request.clientOrderId !== undefined &&
        U.blocking(unknowns, request.symbol) === undefined &&
        !U.remembers(unknowns, request.clientOrderId)
          ? Effect.succeed({ request: request as Venue.CreateItem, done: undefined })
          : prepareWith(d, request, unknowns)
    )
  })

type Ready = { readonly known: CoreOrder.Order } | CreateJob

const prepareWith = (
  d: WriteDeps,
  request: CoreOrder.OrderRequest,
  read: U.Unknowns
): Effect.Effect<Ready, E.ExchangeError> =>
  Effect.gen(function* () {
    const { st } = d
    // a blocked market is resolved first (the slow path)
    let unknowns = read
    if (U.blocking(unknowns, request.symbol) !== undefined) {
      yield* S.checkWritable(st, request.symbol)
      unknowns = yield* Ref.get(st.unknowns)
    }
    const cid = request.clientOrderId ?? (yield* d.nextCid)
    if (U.remembers(unknowns, cid) && U.wasUnknown(unknowns, cid, yield* st.now)) {
      const s = yield* Ref.get(st.store)
      const id = Store.orderIdOf(s, cid)
      const known = id === undefined ? undefined : Store.order(s, id)
      if (known !== undefined) return { known } as const
    }
    const item = (
      request.clientOrderId === cid ? request : CoreOrder.OrderRequest.make({ ...request, clientOrderId: cid }, true)
    ) as Venue.CreateItem
    // a queued job's caller waits on `done`; an in-process one gets its answer from `sendNow`
    const done = d.inProcess === undefined ? yield* Deferred.make<WriteOutcome.WriteOutcome>() : undefined
    return { request: item, done } satisfies CreateJob
  })

const createResult = (
  d: WriteDeps,
  job: CreateJob,
  o: WriteOutcome.WriteOutcome
): Either.Either<CoreOrder.Order, E.ExchangeError> => {
  const r = job.request
  if (o._tag === "Done") return Either.right(o.order)
  if (o._tag === "Unknown") {
    const ids = { symbol: r.symbol, clientOrderId: r.clientOrderId }
    return Either.left(unknownError(d.st, "create", ids, o.error.message))
  }
  return Either.left(o.error)
}

const createWait = (d: WriteDeps, job: CreateJob): Wait => ({
  done: job.done!,
  late: () => lateOutcome(d.st),
  mark: S.markUnknown(d.st, {
    operation: "create",
    symbol: job.request.symbol,
    clientOrderId: job.request.clientOrderId
  })
})

type Prepared = Either.Either<Ready, E.ExchangeError>

export const createOrders = (d: WriteDeps, requests: ReadonlyArray<CoreOrder.OrderRequest>) =>
  Effect.flatMap(
    Effect.forEach(requests, (r) => Effect.either(prepare(d, r))),
    (prepared: ReadonlyArray<Prepared>) => {
      const jobs: Array<CreateJob> = []
      for (const p of prepared) if (Either.isRight(p) && !("known" in p.right)) jobs.push(p.right)
      return Effect.map(
        answersOf(d, jobs, d.inProcess?.creates, d.creates, (j) => createWait(d, j)),
        (outs) => {
          let k = 0
          return prepared.map((p): Either.Either<CoreOrder.Order, E.ExchangeError> => {
            if (Either.isLeft(p)) return Either.left(p.left)
            if ("known" in p.right) return Either.right(p.right.known)
            return createResult(d, p.right, outs[k++]!)
          })
        }
      )
    }
  )

export const createOrder = (d: WriteDeps, request: CoreOrder.OrderRequest) =>
  Effect.flatMap(createOrders(d, [request]), ([r]) => r!)

// ---- cancels ----------------------------------------------------------------------------------

/** The bookkeeping of a cancel's real outcome; completes a queued job's `done`, returns its caller's answer. */
export const settleCancel = (
  st: S.State,
  job: CancelJob,
  o: WriteOutcome.WriteOutcome
): Effect.Effect<WriteOutcome.WriteOutcome> =>
  o._tag === "Done"
    ? Effect.flatMap(S.apply(st, o.order), (merged) =>
        Effect.zipRight(S.settle(st, `cancel:${job.item.id}`), answer(job, WriteOutcome.done(merged)))
      )
    : settleCancelOther(st, job, o)

const settleCancelOther = (st: S.State, job: CancelJob, o: Exclude<WriteOutcome.WriteOutcome, { _tag: "Done" }>) =>
  Effect.gen(function* () {
    const { id, symbol } = job.item
    const key = `cancel:${id}`
    let out: WriteOutcome.WriteOutcome = o
    if (o._tag === "Unknown") {
      yield* S.markUnknown(st, { operation: "cancel", symbol, orderId: id })
    } else {
      yield* S.settle(st, key)
      if (o.error._tag === "OrderNotFound") {
        // "not found" does not say whether it filled or was canceled: look it up before declaring anything
        const got = yield* Effect.option(st.primitives.lookup({ _tag: "ByOrderId", id, symbol }))
        if (Option.isSome(got) && Option.isSome(got.value)) {
          const x = yield* S.apply(st, got.value.value)
          if (!CoreOrder.isTerminal(x.status)) out = o
          else {
            const message = `order ${id} is not open (it is ${x.status})`
            out = {
              _tag: "Refused",
              error: new E.OrderNotFound({ venue: st.venue, orderId: id, message, code: "not_found" })
            }
          }
        }
      }
    }
    return yield* answer(job, out)
  })

const cancelWait = (d: WriteDeps, job: CancelJob): Wait => ({
  done: job.done!,
  late: () => lateOutcome(d.st),
  mark: S.markUnknown(d.st, { operation: "cancel", symbol: job.item.symbol, orderId: job.item.id })
})

const cancelResult = (
  d: WriteDeps,
  job: CancelJob,
  o: WriteOutcome.WriteOutcome
): Either.Either<CoreOrder.Order, E.ExchangeError> =>
  o._tag === "Done"
    ? Either.right(o.order)
    : o._tag === "Unknown"
      ? Either.left(unknownError(d.st, "cancel", { symbol: job.item.symbol, orderId: job.item.id }, o.error.message))
      : Either.left(o.error)

/** The market of an order not in the store and given without one: looked up. */
const symbolOf = (st: S.State, id: Ids.OrderId) =>
  Effect.flatMap(st.primitives.lookup({ _tag: "ByOrderId", id }), (got) =>
    Option.isNone(got)
      ? Effect.fail(new E.OrderNotFound({ venue: st.venue, orderId: id, message: `order ${id} not found` }))
      : Effect.succeed({ symbol: got.value.symbol, known: got.value })
  )

type PreparedCancel = Either.Either<CancelJob, E.ExchangeError>

export const cancelOrders = (d: WriteDeps, ids: ReadonlyArray<Ids.OrderId>, symbol?: Ids.Symbol) =>
  Effect.gen(function* () {
    yield* V.noteCancels(d.verify, ids)
    const prepared: Array<PreparedCancel> = []
    const jobs: Array<CancelJob> = []
    const store = yield* Ref.get(d.st.store)
    for (const id of ids) {
      // the market: given, else from the store, else looked up
      const known = Store.order(store, id)
      let where: { readonly symbol: Ids.Symbol; readonly known: CoreOrder.Order | undefined }
      if (symbol !== undefined) where = { symbol, known }
      else if (known !== undefined) where = { symbol: known.symbol, known }
      else {
        const got = yield* Effect.either(symbolOf(d.st, id))
        if (Either.isLeft(got)) {
          prepared.push(Either.left(got.left))
          continue
        }
        where = got.right
      }
      const job: CancelJob = {
        item: { id, symbol: where.symbol, known: where.known },
        done: d.inProcess === undefined ? yield* Deferred.make<WriteOutcome.WriteOutcome>() : undefined
      }
      jobs.push(job)
      prepared.push(Either.right(job))
    }
    const outs = yield* answersOf(d, jobs, d.inProcess?.cancels, d.cancels, (j) => cancelWait(d, j))
    let k = 0
    return prepared.map((p) => (Either.isLeft(p) ? Either.left(p.left) : cancelResult(d, p.right, outs[k++]!)))
  })

export const cancelOrder = (d: WriteDeps, id: Ids.OrderId, symbol: Ids.Symbol) =>
  Effect.gen(function* () {
    yield* S.checkWritable(d.st, symbol)
    const [r] = yield* cancelOrders(d, [id], symbol)
    return yield* r!
  })

// ---- cancel-all -------------------------------------------------------------------------------

/** The venue's native cancel-all for every market, else open orders → cancel batches (per market). */
export const cancelAllOrders = (d: WriteDeps, symbol?: Ids.Symbol) =>
  Effect.gen(function* () {
    const { st } = d
    const native = st.primitives.cancelAll
    if (symbol === undefined && native !== undefined) {
      yield* V.noteCancelAll(d.verify)
      const canceled = yield* native()
      return yield* Effect.forEach(canceled, (o) => S.apply(st, o))
    }
    const open = yield* st.primitives.openOrders(symbol !== undefined ? { symbol } : {})
    const bySymbol = new Map<Ids.Symbol, Array<Ids.OrderId>>()
    for (const o of open) bySymbol.set(o.symbol, [...(bySymbol.get(o.symbol) ?? []), o.id])
    const out: Array<CoreOrder.Order> = []
    for (const [sym, ids] of bySymbol) {
      for (const r of yield* cancelOrders(d, ids, sym)) if (Either.isRight(r)) out.push(r.right)
    }
    return out
  })
