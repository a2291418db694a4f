/**
 * Creates, coalesced across markets: every decision's approved creates join one queue; a single sender
 * takes what has gathered (up to the venue's largest batch), commits all their write-ahead entries in one
 * journal transaction, sends one batch, and settles each decision's items. Under load this is group commit
 * (one disk write and one request for many decisions); at start-up, N markets' quotes go out in about
 * ⌈2N / max batch⌉ requests instead of N.
 *
 * Over an in-process venue (`Exchange.inProcess`: its writes apply in the process and answer at once, and a
 * backtest's journal buffers its commits) a decision sends its own batch on its fiber instead: nothing is
 * shared by queueing, and the two fiber hops (to the sender and back) are saved.
 *
 * Every decision completes: its outcomes, or `RiskDenied` when the journal cannot write (nothing was sent),
 * or — should the sender itself fail unexpectedly — `Unknown` outcomes for its items, which are then
 * looked up like any other.
 */
import { Decimal as D, ExchangeError, type Order, type Risk, WriteOutcome } from "@alpha-hunter/core"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import type { NewEntry } from "../ExecutionJournal.js"
import * as Tracker from "../OrderTracker.js"
import { about, bump, type Ctx, copyStats, now, orderData, outcomes, record, writeAhead } from "./context.js"
import { failed, markUnknown, resolveOne } from "./writes.js"

export interface CreateJob {
  readonly scope: Risk.RiskScope & { readonly strategy: string }
  readonly requests: ReadonlyArray<Order.OrderRequest>
  readonly carried: ReadonlyArray<NewEntry>
  readonly extras: ReadonlyMap<string, Record<string, unknown>>
}

/** A decision's answer: its outcomes, or `RiskDenied` when the journal could not write (nothing was sent). */
type Answer = Either.Either<ReadonlyArray<WriteOutcome.WriteOutcome>, Risk.RiskDenied>

/** A job waiting in the queue, with where its decision waits for the answer. */
export interface QueuedJob extends CreateJob {
  readonly done: Deferred.Deferred<ReadonlyArray<WriteOutcome.WriteOutcome>, Risk.RiskDenied>
}

export type CreateQueue = Queue.Queue<QueuedJob>

/** Sends risk-approved creates (one decision's); `carried` entries (intent, risk decisions) go in the same commit. */
export const sendCreates = (
  ctx: Ctx,
  queue: CreateQueue,
  scope: CreateJob["scope"],
  requests: ReadonlyArray<Order.OrderRequest>,
  carried: ReadonlyArray<NewEntry>,
  extras: ReadonlyMap<string, Record<string, unknown>> = new Map(),
  /** runs once the job is queued (the decision is no longer "deciding") */
  onQueued: Effect.Effect<void> = Effect.void
): Effect.Effect<ReadonlyArray<WriteOutcome.WriteOutcome>, Risk.RiskDenied> =>
  requests.length === 0
    ? Effect.as(record(ctx, carried), [])
    : ctx.exchange.inProcess === true
      ? // an in-process venue answers at once and commits cost nothing to share: the decision sends its own
        // batch on its fiber (no queue, no sender hop, nothing to wait on), uninterruptibly — written ahead,
        // sent and settled
        Effect.zipRight(
          onQueued,
          Effect.flatMap(
            Effect.uninterruptible(guarded(ctx, [{ scope, requests, carried, extras }])),
            ([answer]) => answer!
          )
        )
      : Effect.gen(function* () {
          const done = yield* Deferred.make<ReadonlyArray<WriteOutcome.WriteOutcome>, Risk.RiskDenied>()
          yield* Queue.offer(queue, { scope, requests, carried, extras, done })
          yield* onQueued
          return yield* Deferred.await(done)
        })

const pendingOf = (job: CreateJob, at: number): ReadonlyArray<Tracker.Tracked> =>
  job.requests.map((r) => ({
    clientOrderId: r.clientOrderId!,
    orderId: undefined,
    symbol: r.symbol,
    side: r.side,
    price: r.price,
    amount: r.amount,
    filled: D.ZERO,
    remaining: r.amount,
    status: "pending_new",
    strategy: job.scope.strategy,
    postOnly: r.postOnly,
    timeInForce: r.timeInForce,
    createdAt: at,
    order: undefined
  }))

const requestEntries = (ctx: Ctx, job: CreateJob): ReadonlyArray<NewEntry> =>
  job.requests.map((r) => ({
    kind: "request" as const,
    venue: ctx.venue,
    strategy: job.scope.strategy,
    symbol: r.symbol,
    clientOrderId: r.clientOrderId,
    data: {
      op: "create",
      ...orderData(r),
      postOnly: r.postOnly,
      timeInForce: r.timeInForce,
      ...job.extras.get(r.clientOrderId!)
    }
  }))

/**
 * Applies one decision's outcomes to the tracker, Risk and the journal: the tracker first (every answered
 * item in one update, so it is never behind Risk), then Risk per order, then one journal record. Built as one
 * chain of steps (no generator: every decision runs it), in item order; the entries of items before an
 * unknown one are recorded before it is marked.
 */
const settle = (
  ctx: Ctx,
  job: CreateJob,
  pending: ReadonlyArray<Tracker.Tracked>,
  results: ReadonlyArray<WriteOutcome.WriteOutcome>,
  at: number
): Effect.Effect<void> => {
  const answered: Array<Tracker.Tracked> = []
  let rejected = 0
  let notSent = 0
  for (let i = 0; i < pending.length; i++) {
    const t = pending[i]!
    const r = results[i]!
    if (r._tag === "Done") {
      const tracked = Tracker.fromOrder(r.order, job.scope.strategy, at) as {
        -readonly [K in keyof Tracker.Tracked]: Tracker.Tracked[K]
      }
      tracked.clientOrderId = t.clientOrderId
      answered.push(tracked)
    } else if (r._tag !== "Unknown") {
      answered.push({ ...t, status: "rejected" })
      if (r._tag === "Refused") rejected++
      else notSent++
    }
  }
  // (steps joined in place, not through a helper closure: the TypeScript loader names each closure it makes)
  let steps: Effect.Effect<void> =
    answered.length > 0 ? Ref.update(ctx.tracker, (s) => answered.reduce(Tracker.put, s)) : Effect.void
  if (rejected + notSent > 0)
    steps = Effect.zipRight(
      steps,
      Ref.update(ctx.stats, (s) => {
        const c = copyStats(s)
        c.rejected += rejected
        c.notSent += notSent
        return c
      })
    )
  let entries: Array<NewEntry> = []
  for (let i = 0; i < pending.length; i++) {
    const t = pending[i]!
    const r = results[i]!
    switch (r._tag) {
      case "Done": {
        steps = Effect.zipRight(steps, ctx.risk.onOrder(job.scope, r.order))
        entries.push({
          kind: "ack",
          ...about(ctx, t),
          orderId: r.order.id,
          data: { status: r.order.status, filled: D.format(r.order.filled), ...orderData(r.order) }
        })
        break
      }
      case "Refused":
      case "NotSent": {
        entries.push({ kind: "reject", ...about(ctx, t), data: failed(r) })
        break
      }
      case "Unknown": {
        steps = Effect.zipRight(steps, record(ctx, entries))
        entries = []
        steps = Effect.zipRight(steps, markUnknown(ctx, t, r, "create"))
        // the venue has an order with our id already: that is ours, look it up now
        if (r.error._tag === "DuplicateClientOrderId")
          steps = Effect.zipRight(steps, Effect.asVoid(resolveOne(ctx, { ...t, status: "unknown" })))
      }
    }
  }
  return Effect.zipRight(steps, record(ctx, entries))
}

/** One batch: one write-ahead commit, one venue call, each decision settled and completed. */
/** `answers[k]` is set as job k is settled (a failure part-way leaves the rest to `rescue`). */
const runBatch = (ctx: Ctx, jobs: ReadonlyArray<CreateJob>, answers: Array<Answer | undefined>) =>
  Effect.flatMap(now, (at) => {
    const requests = jobs.length === 1 ? jobs[0]!.requests : jobs.flatMap((j) => j.requests)
    const ahead = jobs.flatMap((j) => [...j.carried, ...requestEntries(ctx, j)])
    // the ids are on disk before anything is sent
    return Effect.flatMap(Effect.either(writeAhead(ctx, ahead, requests[0]!.symbol)), (committed) => {
      if (Either.isLeft(committed)) {
        for (let k = 0; k < jobs.length; k++) answers[k] = Either.left(committed.left)
        return Effect.void
      }
      const pending = jobs.map((j) => pendingOf(j, at))
      let sent: Effect.Effect<void> = Effect.zipRight(
        Ref.update(ctx.tracker, (s) => pending.flat().reduce(Tracker.put, s)),
        bump(ctx, "creates", requests.length)
      )
      for (const j of jobs)
        sent = Effect.zipRight(sent, ctx.onWrite(j.requests[0]!.symbol, "create", j.requests.length))
      const call = outcomes(
        ctx,
        "create",
        requests.length,
        Effect.map(ctx.exchange.createOrders(requests), (rs) => rs.map(WriteOutcome.fromEither)),
        { symbol: requests[0]!.symbol, clientOrderIds: requests.map((r) => r.clientOrderId) }
      )
      return Effect.zipRight(
        sent,
        Effect.flatMap(call, (results) => {
          let settled: Effect.Effect<void> = Effect.void
          let offset = 0
          for (let k = 0; k < jobs.length; k++) {
            const j = jobs[k]!
            const mine = results.slice(offset, offset + j.requests.length)
            offset += j.requests.length
            settled = Effect.zipRight(
              settled,
              Effect.map(settle(ctx, j, pending[k]!, mine, at), () => {
                answers[k] = Either.right(mine)
              })
            )
          }
          return settled
        })
      )
    })
  })

/**
 * Should the sender itself fail, no decision is left without an answer: the items of those not answered yet
 * become unknown and are looked up.
 */
const rescue = (
  ctx: Ctx,
  jobs: ReadonlyArray<CreateJob>,
  answers: Array<Answer | undefined>,
  cause: Cause.Cause<unknown>
) =>
  Effect.gen(function* () {
    yield* Effect.logError(`${ctx.venue}: the create sender failed; outcomes unknown, looking them up`, cause)
    for (let k = 0; k < jobs.length; k++) {
      if (answers[k] !== undefined) continue
      const j = jobs[k]!
      const unknown = j.requests.map((r) =>
        WriteOutcome.fromError(
          new ExchangeError.UnknownOutcome({
            venue: ctx.venue,
            message: "the create sender failed",
            operation: "create",
            symbol: r.symbol,
            ...(r.clientOrderId !== undefined ? { clientOrderId: r.clientOrderId } : {})
          })
        )
      )
      const s = yield* Ref.get(ctx.tracker)
      for (let i = 0; i < j.requests.length; i++) {
        const t = Tracker.get(s, j.requests[i]!.clientOrderId!)
        if (t !== undefined && t.status === "pending_new") yield* markUnknown(ctx, t, unknown[i]!, "create")
      }
      answers[k] = Either.right(unknown)
    }
  })

/** `runBatch`, with every decision answered should it fail unexpectedly (`rescue`): one answer per job. */
const guarded = (ctx: Ctx, jobs: ReadonlyArray<CreateJob>): Effect.Effect<ReadonlyArray<Answer>> =>
  Effect.suspend(() => {
    const answers: Array<Answer | undefined> = new Array(jobs.length)
    return runBatch(ctx, jobs, answers).pipe(
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : rescue(ctx, jobs, answers, cause)
      ),
      Effect.as(answers as ReadonlyArray<Answer>)
    )
  })

/** Takes the jobs that fit one batch, in order; the rest wait for the next. */
const split = (
  jobs: ReadonlyArray<QueuedJob>,
  max: number
): readonly [ReadonlyArray<QueuedJob>, ReadonlyArray<QueuedJob>] => {
  let n = 0
  let k = 0
  while (k < jobs.length && (k === 0 || n + jobs[k]!.requests.length <= max)) n += jobs[k++]!.requests.length
  return [jobs.slice(0, k), jobs.slice(k)]
}

/** The sender loop, forked once per engine for the engine's lifetime. */
const lingerYields = 64
const count = (jobs: ReadonlyArray<CreateJob>) => jobs.reduce((n, j) => n + j.requests.length, 0)

export const sender = (ctx: Ctx, queue: CreateQueue, maxBatch: number): Effect.Effect<never> =>
  Effect.iterate([] as ReadonlyArray<QueuedJob>, {
    while: () => true,
    body: (waiting) =>
      Effect.gen(function* () {
        let all = waiting
        // no waiting window: what gathers while a batch is in flight goes in the next one (group commit),
        // so an idle engine sends a decision at once
        if (all.length === 0) all = [yield* Queue.take(queue)]
        all = [...all, ...(yield* Queue.takeAll(queue))]
        // decisions still computing (every market at startup) join this batch: yield to them while any is,
        // a bounded number of times; an idle engine (nobody deciding) sends at once
        for (let i = 0; i < lingerYields && count(all) < maxBatch && (yield* Ref.get(ctx.deciding)) > 0; i++) {
          yield* Effect.yieldNow()
          all = [...all, ...(yield* Queue.takeAll(queue))]
        }
        const [batch, rest] = split(all, Math.max(1, maxBatch))
        const answers = yield* guarded(ctx, batch)
        for (let k = 0; k < batch.length; k++) yield* Deferred.complete(batch[k]!.done, answers[k]!)
        return rest
      })
  }) as Effect.Effect<never>
