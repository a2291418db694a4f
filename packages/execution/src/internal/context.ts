/** What the engine's write paths share: the ports, the tracker and the counters. */
import { Decimal as D, type Exchange, ExchangeError, Risk, Tracing, WriteOutcome } from "@alpha-hunter/core"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import type { ExecutionJournalService, NewEntry } from "../ExecutionJournal.js"
import * as Tracker from "../OrderTracker.js"

export interface Stats {
  readonly creates: number
  readonly cancels: number
  readonly amends: number
  readonly kept: number
  readonly denied: number
  readonly rejected: number
  readonly notSent: number
  readonly unknown: number
  readonly resolved: number
  readonly fills: number
}

/** The counters, field by field (a spread of a spread is V8's slow clone path): the caller adds to them. */
export const copyStats = (s: Stats): { -readonly [K in keyof Stats]: Stats[K] } => ({
  creates: s.creates,
  cancels: s.cancels,
  amends: s.amends,
  kept: s.kept,
  denied: s.denied,
  rejected: s.rejected,
  notSent: s.notSent,
  unknown: s.unknown,
  resolved: s.resolved,
  fills: s.fills
})

export const zeroStats: Stats = {
  creates: 0,
  cancels: 0,
  amends: 0,
  kept: 0,
  denied: 0,
  rejected: 0,
  notSent: 0,
  unknown: 0,
  resolved: 0,
  fills: 0
}

export type WriteKind = "create" | "cancel" | "amend"

export interface Ctx {
  readonly venue: string
  readonly exchange: Exchange.ExchangeService
  readonly risk: Risk.RiskService
  readonly journal: ExecutionJournalService
  readonly tracker: Ref.Ref<Tracker.TrackerState>
  readonly stats: Ref.Ref<Stats>
  readonly deadline: Duration.Duration
  readonly onWrite: (symbol: string, kind: WriteKind, count: number) => Effect.Effect<void>
  /** set while the journal cannot write (trading is halted through Risk) */
  readonly journalDown: Ref.Ref<string | undefined>
  /**
   * decisions computing right now (holding their market's lock, not yet queued): the create sender lets
   * them join the batch it is about to send — at startup every market decides at once
   */
  readonly deciding: Ref.Ref<number>
}

export const now = Effect.clockWith((c) => c.currentTimeMillis)

export const bump = (ctx: Ctx, k: keyof Stats, n = 1) =>
  n === 0
    ? Effect.void
    : Ref.update(ctx.stats, (s) => {
        const c = copyStats(s)
        c[k] += n
        return c
      })

export const put = (ctx: Ctx, t: Tracker.Tracked) => Ref.update(ctx.tracker, (s) => Tracker.put(s, t))

export const orderData = (o: { readonly side: string; readonly price: D.Decimal; readonly amount: D.Decimal }) => ({
  side: o.side,
  price: D.format(o.price),
  amount: D.format(o.amount)
})

/** The journal fields that identify a tracked order. */
export const about = (ctx: Ctx, t: Tracker.Tracked) => ({
  venue: ctx.venue,
  strategy: t.strategy,
  symbol: t.symbol,
  clientOrderId: t.clientOrderId,
  ...(t.orderId !== undefined ? { orderId: t.orderId } : {})
})

/** The journal failed: halt all trading through Risk with the reason (logged once per outage). */
const journalFailed = (ctx: Ctx, message: string) =>
  Effect.gen(function* () {
    const before = yield* Ref.getAndSet(ctx.journalDown, message)
    if (before === undefined) {
      yield* Effect.logError(`journal unavailable (${message}): trading halted; nothing more is sent`)
      yield* ctx.risk.setState("HALTED", `journal unavailable: ${message}`)
    }
  })

/**
 * Write-ahead: entries committed before a write is sent. On failure trading halts and the caller gets a
 * `RiskDenied` — nothing was sent.
 */
export const writeAhead = (ctx: Ctx, entries: ReadonlyArray<NewEntry>, symbol: string) =>
  ctx.journal.appendAll(entries).pipe(
    Effect.zipRight(Ref.set(ctx.journalDown, undefined)),
    Effect.catchAll((e) =>
      Effect.zipRight(
        journalFailed(ctx, e.message),
        Effect.fail(
          new Risk.RiskDenied({
            reason: "TRADING_HALTED",
            message: `journal unavailable (${e.message}): nothing was sent`,
            venue: ctx.venue,
            symbol
          })
        )
      )
    )
  )

/** Records what already happened (an answer, an update). A failure halts trading; the order state stands. */
export const record = (ctx: Ctx, entries: ReadonlyArray<NewEntry>) =>
  entries.length === 0
    ? Effect.void
    : ctx.journal.appendAll(entries).pipe(Effect.catchAll((e) => journalFailed(ctx, e.message)))

/**
 * Runs a venue write with the deadline (none for an in-process exchange: it answers promptly), and turns
 * everything that is not an answer into outcomes: a failure of the whole call applies to every item; a hang
 * past the deadline and a defect are `Unknown` (the venue may have executed the write). Interruption passes
 * through.
 */
export const outcomes = (
  ctx: Ctx,
  operation: ExchangeError.UnknownOutcome["operation"],
  count: number,
  call: Effect.Effect<ReadonlyArray<WriteOutcome.WriteOutcome>, ExchangeError.ExchangeError>,
  ids: { readonly symbol: string; readonly clientOrderIds?: ReadonlyArray<string | undefined> }
): Effect.Effect<ReadonlyArray<WriteOutcome.WriteOutcome>> => {
  // an in-process exchange answers promptly: no deadline (it would cost a fiber per write and guard nothing)
  const bounded =
    ctx.exchange.inProcess === true
      ? call
      : call.pipe(
          Tracing.deadline(
            Duration.toMillis(ctx.deadline),
            () =>
              new ExchangeError.UnknownOutcome({
                venue: ctx.venue,
                message: `no answer within ${Duration.format(ctx.deadline)}`,
                operation,
                symbol: ids.symbol
              })
          )
        )
  return bounded.pipe(
    Effect.map((rs) =>
      times(
        count,
        (i) => rs[i] ?? unknownAt(ctx, operation, ids, "the venue returned fewer results than items sent", i)
      )
    ),
    Effect.catchAll((e) => Effect.succeed(times(count, () => WriteOutcome.fromError(e)))),
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.failCause(cause)
        : Effect.as(
            Effect.logError(`${ctx.venue}: ${operation} failed unexpectedly; outcome unknown`, cause),
            times(count, (i) =>
              unknownAt(ctx, operation, ids, `unexpected failure: ${Cause.pretty(cause).split("\n")[0]}`, i)
            )
          )
    )
  )
}

// (module-level helpers, not closures made per write: the TypeScript loader names each closure it makes)
const times = <A>(count: number, f: (i: number) => A): Array<A> => Array.from({ length: count }, (_, i) => f(i))

const unknownAt = (
  ctx: Ctx,
  operation: ExchangeError.UnknownOutcome["operation"],
  ids: { readonly symbol: string; readonly clientOrderIds?: ReadonlyArray<string | undefined> },
  message: string,
  i: number
): WriteOutcome.WriteOutcome =>
  WriteOutcome.fromError(
    new ExchangeError.UnknownOutcome({
      venue: ctx.venue,
      message,
      operation,
      symbol: ids.symbol,
      ...(ids.clientOrderIds?.[i] !== undefined ? { clientOrderId: ids.clientOrderIds[i] } : {})
    })
  )
