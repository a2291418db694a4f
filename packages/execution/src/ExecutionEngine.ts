/**
 * The execution engine of one venue: the only path from a strategy to the venue.
 *
 * One write = Risk.check → write-ahead journal → Exchange → `WriteOutcome` → tracker, Risk and journal.
 * It owns, once for every venue:
 * - client order ids (`<prefix><start time>-<n>`: unique across restarts without stored state);
 * - the order tracker (bounded: terminal orders leave);
 * - the unknown-outcome rule: a write that may have executed marks its order `unknown` and blocks writes
 *   on that market until a lookup by client order id resolves it — never re-sent blindly; a write that
 *   certainly did nothing (refused, 429, never sent) blocks nothing;
 * - a deadline on every venue write (a hang becomes `Unknown`), and no defect escapes as a hang;
 * - journal failure → trading halted through Risk with the reason, nothing sent;
 * - fills once per trade id (a bounded window), to Risk and the journal;
 * - per-market serialisation with "latest target wins";
 * - creates coalesced across markets into the venue's largest batch, with one journal commit per batch.
 *
 * `gateway(strategy, prefix)` is what a strategy sees (core `OrderGateway`): cancels are checked for
 * ownership, and strategies cannot pass raw venue `params`.
 */
import { Decimal as D, type Exchange, KeyWindow, type Order, type Risk, type Strategy } from "@alpha-hunter/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import type { ExecutionJournalService } from "./ExecutionJournal.js"
import {
  about,
  bump,
  type Ctx,
  now,
  orderData,
  record,
  type Stats,
  type WriteKind,
  zeroStats
} from "./internal/context.js"
import { type QueuedJob, sender } from "./internal/creates.js"
import { makeGateway } from "./internal/gateway.js"
import { resolveOne } from "./internal/writes.js"
import * as Tracker from "./OrderTracker.js"

export type { Stats, WriteKind } from "./internal/context.js"

export interface Options {
  readonly venue: string
  readonly exchange: Exchange.ExchangeService
  readonly risk: Risk.RiskService
  readonly journal: ExecutionJournalService
  /** the owning strategy of a client order id, or undefined when it is not ours */
  readonly strategyOf: (clientOrderId: string | undefined) => string | undefined
  /** longest wait for the venue's answer to a write before it counts as unknown (default 30 s) */
  readonly writeDeadline?: Duration.DurationInput
  /** ids of finished orders remembered per generation, against late updates (default 10,000) */
  readonly closedCapacity?: number
  /**
   * trade ids remembered against re-delivered fills: each for at least `windowMs` of the engine's clock unless
   * `capacity` newer fills come first (default one hour, 50,000: what the risk engine remembers)
   */
  readonly fillWindow?: KeyWindow.WindowBounds
  /** called just before each write is sent (metrics: orders sent by kind, tick-to-order latency) */
  readonly onWrite?: (symbol: string, kind: WriteKind, count: number) => Effect.Effect<void>
}

export interface ExecutionEngine {
  readonly venue: string
  /** A risk-checked gateway for one strategy; its client order ids start with `prefix`. */
  readonly gateway: (strategy: string, prefix: string) => Effect.Effect<Strategy.OrderGatewayService>
  /** Our live orders (open, in flight or unknown). */
  readonly live: Effect.Effect<ReadonlyArray<Tracker.Tracked>>
  /** The same, for one market (indexed: the per-book-update path). */
  readonly liveIn: (symbol: string) => Effect.Effect<ReadonlyArray<Tracker.Tracked>>
  /** Applies a venue order update (stream or poll); orders that are not ours are ignored. */
  readonly onOrder: (order: Order.Order) => Effect.Effect<void>
  /**
   * Applies one of our fills (stream, poll or catch-up after a restart), once per trade id within a bounded
   * window: Risk, the journal and the fill count. Returns false for a duplicate or a fill that is not ours.
   */
  readonly onFill: (fill: Order.Fill) => Effect.Effect<boolean>
  /** Marks trade ids as already recorded (the journal's recent fills, at start). */
  readonly seenFills: (tradeIds: Iterable<string>) => Effect.Effect<void>
  /** Adopts an order found on the venue (restart reconciliation). */
  readonly adopt: (order: Order.Order, strategy: string) => Effect.Effect<void>
  /** Looks up every unknown order (of one market, or all) by client order id; returns how many remain unknown. */
  readonly resolveUnknown: (symbol?: string) => Effect.Effect<number>
  readonly stats: Effect.Effect<Stats>
  /** sizes of the bounded maps (live orders, remembered finished ids, remembered trade ids) */
  readonly sizes: Effect.Effect<{ readonly live: number; readonly closed: number; readonly fills: number }>
}

export const make = (options: Options): Effect.Effect<ExecutionEngine, never, Scope.Scope> =>
  Effect.gen(function* () {
    const ctx: Ctx = {
      venue: options.venue,
      exchange: options.exchange,
      risk: options.risk,
      journal: options.journal,
      tracker: yield* Ref.make(Tracker.empty(options.closedCapacity)),
      stats: yield* Ref.make(zeroStats),
      deadline: Duration.decode(options.writeDeadline ?? Duration.seconds(30)),
      onWrite: options.onWrite ?? (() => Effect.void),
      journalDown: yield* Ref.make<string | undefined>(undefined),
      deciding: yield* Ref.make(0)
    }
    const creates = yield* Queue.unbounded<QueuedJob>()
    yield* Effect.forkScoped(sender(ctx, creates, options.exchange.features.maxBatchCreate))
    // one lock per market, made on first use: one Ref.modify per decision (a new semaphore is a plain object)
    const locks = yield* Ref.make(HashMap.empty<string, Effect.Semaphore>())
    const lockFor = (symbol: string) =>
      Ref.modify(locks, (m) => {
        const known = HashMap.get(m, symbol)
        if (Option.isSome(known)) return [known.value, m] as const
        const l = Effect.unsafeMakeSemaphore(1)
        return [l, HashMap.set(m, symbol, l)] as const
      })

    const resolveUnknown = (symbol?: string) =>
      Effect.gen(function* () {
        const s = yield* Ref.get(ctx.tracker)
        const unknown = (symbol === undefined ? Tracker.all(s) : Tracker.inSymbol(s, symbol)).filter(
          (t) => t.status === "unknown"
        )
        let remaining = 0
        for (const t of unknown) if (!(yield* resolveOne(ctx, t))) remaining++
        return remaining
      })

    // the two per-event paths are plain chains (no generator): each venue order update and fill runs them
    const onOrder = (o: Order.Order): Effect.Effect<void> => {
      const owner = options.strategyOf(o.clientOrderId)
      return Effect.flatMap(
        Ref.modify(ctx.tracker, (s) => {
          const known = Tracker.get(s, o.clientOrderId ?? `venue:${o.id}`) ?? Tracker.byOrderId(s, o.id)
          if (known === undefined && owner === undefined) return [undefined, s] as const
          const [c, next] = Tracker.merge(s, o, known?.strategy ?? owner ?? "")
          return [c, next] as const
        }),
        (change) => {
          if (change === undefined) return Effect.void
          const t = change.after
          return Effect.zipRight(
            ctx.risk.onOrder({ venue: ctx.venue, strategy: t.strategy }, o),
            record(ctx, [
              {
                kind: "update",
                ...about(ctx, t),
                data: {
                  status: o.status,
                  filled: D.format(o.filled),
                  remaining: D.format(o.remaining),
                  ...orderData(o)
                }
              }
            ])
          )
        }
      )
    }

    const fillWindow = yield* Ref.make(KeyWindow.make(options.fillWindow))
    /** whether a trade id is new (then remembered from `at`: adding a known id gives the same window back) */
    const fresh = (w: KeyWindow.Window, id: string, at: number): readonly [boolean, KeyWindow.Window] => {
      const next = KeyWindow.add(w, id, at)
      return [next !== w, next]
    }
    const onFill = (f: Order.Fill): Effect.Effect<boolean> => {
      const strategy = options.strategyOf(f.clientOrderId)
      if (strategy === undefined) return Effect.succeed(false)
      return Effect.flatMap(
        Effect.flatMap(now, (at) => Ref.modify(fillWindow, (w) => fresh(w, f.id, at))),
        (fresh): Effect.Effect<boolean> =>
          fresh
            ? Effect.zipRight(
                bump(ctx, "fills"),
                Effect.zipRight(
                  ctx.risk.onFill({ venue: ctx.venue, strategy }, f),
                  Effect.as(
                    record(ctx, [
                      {
                        kind: "fill",
                        venue: ctx.venue,
                        strategy,
                        symbol: f.symbol,
                        clientOrderId: f.clientOrderId,
                        orderId: f.orderId,
                        data: {
                          tradeId: f.id,
                          side: f.side,
                          price: D.format(f.price),
                          amount: D.format(f.amount),
                          fee: D.format(f.fee.cost),
                          takerOrMaker: f.takerOrMaker
                        }
                      }
                    ]),
                    true
                  )
                )
              )
            : Effect.succeed(false)
      )
    }
    const seenFills = (ids: Iterable<string>) =>
      Effect.flatMap(now, (at) =>
        Ref.update(fillWindow, (w) => {
          let next = w
          for (const id of ids) next = KeyWindow.add(next, id, at)
          return next
        })
      )

    const adopt = (o: Order.Order, strategy: string) =>
      Effect.gen(function* () {
        const t = Tracker.fromOrder(o, strategy, o.timestamp)
        yield* Ref.update(ctx.tracker, (s) => Tracker.put(s, t))
        yield* ctx.risk.onOrder({ venue: ctx.venue, strategy }, o)
        yield* record(ctx, [
          { kind: "reconcile", ...about(ctx, t), data: { adopted: true, status: o.status, ...orderData(o) } }
        ])
      })

    return {
      venue: options.venue,
      gateway: (strategy, prefix) => makeGateway(ctx, { strategy, prefix, lockFor, resolveUnknown, creates }),
      // read on every decision: one runtime step each (a modify that keeps the state, not a get and a map)
      live: Ref.modify(ctx.tracker, (s) => [Tracker.all(s), s]),
      liveIn: (symbol) => Ref.modify(ctx.tracker, (s) => [Tracker.inSymbol(s, symbol), s]),
      onOrder,
      onFill,
      seenFills,
      adopt,
      resolveUnknown,
      stats: Ref.get(ctx.stats),
      sizes: Effect.gen(function* () {
        const s = yield* Ref.get(ctx.tracker)
        return {
          live: Tracker.size(s),
          closed: Tracker.closedSize(s),
          fills: KeyWindow.size(yield* Ref.get(fillWindow))
        }
      })
    }
  })
