/**
 * One strategy's gateway: `setQuotes` (plan → cancels → amends → creates), `submit`, ownership-checked
 * `cancel` and `cancelAll`. Every create and amend passes Risk first; cancels always pass Risk but only
 * touch this strategy's own orders.
 */
import { Decimal as D, ExchangeError, type Ids, Order, Risk, type Strategy, Tracing } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import type { NewEntry } from "../ExecutionJournal.js"
import * as Tracker from "../OrderTracker.js"
import * as QuotePlanner from "../QuotePlanner.js"
import { bump, type Ctx, now, orderData, record } from "./context.js"
import { type CreateQueue, sendCreates } from "./creates.js"
import { sendAmend, sendCancels } from "./writes.js"

export interface GatewayDeps {
  readonly strategy: string
  readonly prefix: string
  readonly lockFor: (symbol: string) => Effect.Effect<Effect.Semaphore>
  readonly resolveUnknown: (symbol?: string) => Effect.Effect<number>
  readonly creates: CreateQueue
}

const unresolved = (venue: string, symbol: string) =>
  new Risk.RiskDenied({
    reason: "UNRESOLVED_ORDER",
    message: `an order on ${symbol} has an unknown outcome; writes wait for its lookup`,
    venue,
    symbol
  })

export const makeGateway = (ctx: Ctx, deps: GatewayDeps) =>
  Effect.gen(function* () {
    const { strategy, prefix } = deps
    const venue = ctx.venue
    const scope = { venue, strategy }
    const epoch = (yield* now).toString(36)
    const counter = yield* Ref.make(0)
    const generations = yield* Ref.make(HashMap.empty<string, number>())
    const nextClientOrderId = Ref.getAndUpdate(counter, (n) => n + 1).pipe(
      Effect.map((n) => `${prefix}${epoch}-${n.toString(36)}` as Ids.ClientOrderId)
    )
    const mineIn = (symbol: string) =>
      Effect.map(Ref.get(ctx.tracker), (s) => Tracker.inSymbol(s, symbol).filter((t) => t.strategy === strategy))

    /** Our orders in a market once no unknown outcome is left there (looked up first), or UNRESOLVED_ORDER. */
    const settledIn = (symbol: string) =>
      Effect.flatMap(
        mineIn(symbol),
        (mine): Effect.Effect<ReadonlyArray<Tracker.Tracked>, Risk.RiskDenied> =>
          mine.some((t) => t.status === "unknown")
            ? Effect.zipRight(
                deps.resolveUnknown(symbol),
                Effect.flatMap(mineIn(symbol), (again) =>
                  again.some((t) => t.status === "unknown") ? unresolved(venue, symbol) : Effect.succeed(again)
                )
              )
            : Effect.succeed(mine)
      )

    /** Risk's decision on a create, its record added to `carried` (one chain per create: no generator). */
    const checkCreate = (request: Order.OrderRequest, carried: Array<NewEntry>) =>
      Effect.flatMap(
        ctx.risk.check({ _tag: "Create", scope, request }),
        (decision): Effect.Effect<Risk.RiskDecision> => {
          carried.push({
            kind: "risk",
            venue,
            strategy,
            symbol: request.symbol,
            clientOrderId: request.clientOrderId,
            data:
              decision._tag === "Approved"
                ? { decision: "approved", ...orderData(request) }
                : { decision: "denied", reason: decision.reason, message: decision.message, ...orderData(request) }
          })
          return decision._tag === "Denied" ? Effect.as(bump(ctx, "denied"), decision) : Effect.succeed(decision)
        }
      )

    /**
     * `pause`: the decision waits on the venue (its cancels, an amend), not computing — it is not "deciding"
     * meanwhile, so the create sender does not hold a batch for it; `resume` when it computes again.
     */
    const reconcile = (target: Strategy.QuoteTarget, pause: Effect.Effect<void>, resume: Effect.Effect<void>) => {
      const symbol = target.symbol
      // one chain per decision (no generator): every decision that changes a quote runs it
      return Effect.flatMap(settledIn(symbol), (mine) => {
        const plan = QuotePlanner.plan(target, mine, ctx.exchange.features)
        if (plan.blocked) return Effect.void // in-flight orders are left alone this round
        const kept = bump(ctx, "kept", plan.keep.length)
        if (QuotePlanner.writes(plan) === 0) return kept
        // carried into the first write-ahead commit (one disk write per decision)
        const carried: Array<NewEntry> = [
          {
            kind: "intent",
            venue,
            strategy,
            symbol,
            data: {
              bids: target.bids.map((q) => [D.format(q.price), D.format(q.amount)]),
              asks: target.asks.map((q) => [D.format(q.price), D.format(q.amount)])
            }
          }
        ]
        // cancels go out before creates: a new quote never meets one of our stale ones
        const cancels =
          plan.cancel.length === 0
            ? kept
            : Effect.zipRight(
                kept,
                Effect.suspend(() =>
                  Effect.zipRight(pause, Effect.zipRight(sendCancels(ctx, plan.cancel, carried.splice(0)), resume))
                )
              )
        const amends =
          plan.amend.length === 0 ? Effect.succeed(undefined) : amendAll(plan.amend, symbol, carried, pause, resume)
        return Effect.zipRight(
          cancels,
          Effect.flatMap(amends, (denied) => createAll(plan.create, symbol, carried, pause, denied))
        )
      })
    }

    /** The planned amends, each risk-checked; returns the first denial. */
    const amendAll = (
      amends: ReadonlyArray<readonly [Tracker.Tracked, Strategy.Quote]>,
      symbol: Ids.Symbol,
      carried: Array<NewEntry>,
      pause: Effect.Effect<void>,
      resume: Effect.Effect<void>
    ) =>
      Effect.gen(function* () {
        let firstDenial: Risk.Denied | undefined
        for (const [t, q] of amends) {
          const edit = Order.edit({ price: q.price, amount: D.add(t.filled, q.amount) })
          const current = Order.request({
            symbol: t.symbol,
            side: t.side,
            price: t.price,
            amount: t.remaining,
            postOnly: true,
            clientOrderId: t.clientOrderId
          })
          const decision = yield* ctx.risk.check({ _tag: "Amend", scope, symbol, orderId: t.orderId!, edit, current })
          if (decision._tag === "Denied") {
            yield* bump(ctx, "denied")
            carried.push({
              kind: "risk",
              venue,
              strategy,
              symbol,
              clientOrderId: t.clientOrderId,
              data: { decision: "denied", reason: decision.reason, message: decision.message, op: "amend" }
            })
            firstDenial ??= decision
            continue
          }
          yield* pause
          yield* sendAmend(ctx, t, q, edit, carried.splice(0))
          yield* resume
        }
        return firstDenial
      })

    /** The planned creates, each with a new client order id and risk-checked; the approved ones sent as one batch. */
    const createAll = (
      creates: QuotePlanner.Plan<Tracker.Tracked>["create"],
      symbol: Ids.Symbol,
      carried: Array<NewEntry>,
      pause: Effect.Effect<void>,
      denied: Risk.Denied | undefined
    ): Effect.Effect<void, Risk.RiskDenied> => {
      const approved: Array<Order.OrderRequest> = []
      const extras = new Map<string, Record<string, unknown>>()
      let firstDenial = denied
      // each create in turn: a new client order id, then Risk (an inline callback: no named closure per decision)
      const each = Effect.forEach(
        creates,
        ({ side, quote }) =>
          Effect.flatMap(nextClientOrderId, (clientOrderId) => {
            const request = Order.request({
              symbol,
              side,
              price: quote.price,
              amount: quote.amount,
              postOnly: true,
              timeInForce: "GTC",
              clientOrderId
            })
            return Effect.map(checkCreate(request, carried), (decision) => {
              if (decision._tag === "Approved") {
                approved.push(request)
                extras.set(clientOrderId, {
                  ...(quote.improvementTicks !== undefined ? { improvementTicks: quote.improvementTicks } : {}),
                  ...(quote.improvement !== undefined ? { improvement: D.format(quote.improvement) } : {})
                })
              } else firstDenial ??= decision
            })
          }),
        { discard: true }
      )
      return Effect.zipRight(
        each,
        Effect.suspend(() =>
          Effect.zipRight(
            sendCreates(ctx, deps.creates, scope, approved, carried.splice(0), extras, pause),
            firstDenial === undefined
              ? Effect.void
              : Effect.fail(
                  new Risk.RiskDenied({ reason: firstDenial.reason, message: firstDenial.message, venue, symbol })
                )
          )
        )
      )
    }

    // latest target wins: a target superseded while waiting for the market's lock is dropped
    const inProcess = ctx.exchange.inProcess === true
    const setQuotes = (target: Strategy.QuoteTarget) => {
      const symbol = target.symbol
      return Effect.flatMap(
        Ref.modify(generations, (m) => {
          const g = Option.getOrElse(HashMap.get(m, symbol), () => 0) + 1
          return [g, HashMap.set(m, symbol, g)] as const
        }),
        (gen) =>
          Effect.flatMap(deps.lockFor(symbol), (lock) =>
            lock.withPermits(1)(
              Effect.flatMap(Ref.get(generations), (m) => {
                if (Option.getOrElse(HashMap.get(m, symbol), () => 0) !== gen) return Effect.void
                // an in-process venue's creates go out on this fiber (no shared sender waits for deciders)
                if (inProcess) return reconcile(target, Effect.void, Effect.void)
                // "deciding" from the lock until the creates are queued (or the decision ends without any), but
                // not while it waits on the venue
                let counted = false
                const resume = Effect.suspend(() => {
                  if (counted) return Effect.void
                  counted = true
                  return Ref.update(ctx.deciding, (n) => n + 1)
                })
                const pause = Effect.suspend(() => {
                  if (!counted) return Effect.void
                  counted = false
                  return Ref.update(ctx.deciding, (n) => n - 1)
                })
                return Effect.zipRight(resume, reconcile(target, pause, resume).pipe(Effect.ensuring(pause)))
              })
            )
          )
      ).pipe(Tracing.traced("Execution.setQuotes", { attributes: { venue, strategy, symbol } }))
    }

    const submit = (request: Order.OrderRequest) =>
      Effect.gen(function* () {
        if (request.params !== undefined) {
          return yield* new ExchangeError.InvalidOrder({
            venue,
            message: "strategies cannot pass venue params; use the typed order fields"
          })
        }
        const req =
          request.clientOrderId === undefined
            ? Order.request({ ...request, clientOrderId: yield* nextClientOrderId })
            : request
        if (!req.clientOrderId!.startsWith(prefix)) {
          return yield* new ExchangeError.InvalidOrder({
            venue,
            message: `client order id ${req.clientOrderId} does not start with this strategy's prefix ${prefix}`
          })
        }
        const lock = yield* deps.lockFor(req.symbol)
        return yield* lock.withPermits(1)(
          Effect.gen(function* () {
            yield* settledIn(req.symbol)
            const carried: Array<NewEntry> = []
            const decision = yield* checkCreate(req, carried)
            if (decision._tag === "Denied") {
              yield* record(ctx, carried)
              return yield* new Risk.RiskDenied({
                reason: decision.reason,
                message: decision.message,
                venue,
                symbol: req.symbol
              })
            }
            const [r] = yield* sendCreates(ctx, deps.creates, scope, [req], carried)
            if (r!._tag === "Done") return r!.order
            return yield* Effect.fail(r!.error)
          })
        )
      }).pipe(Tracing.traced("Execution.submit", { attributes: { venue, strategy, symbol: request.symbol } }))

    const cancelIn = (symbol: string, ts: ReadonlyArray<Tracker.Tracked>) =>
      Effect.flatMap(deps.lockFor(symbol), (lock) => lock.withPermits(1)(sendCancels(ctx, ts, [])))

    const cancel = (symbol: Ids.Symbol, id: Ids.OrderId) =>
      Effect.gen(function* () {
        const t = Tracker.byOrderId(yield* Ref.get(ctx.tracker), id)
        if (t === undefined || t.strategy !== strategy) {
          return yield* new ExchangeError.PermissionDenied({
            venue,
            message: `order ${id} on ${symbol} is not one of ${strategy}'s live orders; not canceled`
          })
        }
        yield* cancelIn(t.symbol, [t])
      })

    // only this strategy's orders: other strategies on the venue keep theirs
    const cancelAll = (symbol?: Ids.Symbol) =>
      Effect.gen(function* () {
        const s = yield* Ref.get(ctx.tracker)
        const mine = (symbol === undefined ? Tracker.all(s) : Tracker.inSymbol(s, symbol)).filter(
          (t) => t.strategy === strategy && t.status === "open"
        )
        const bySymbol = new Map<string, Array<Tracker.Tracked>>()
        for (const t of mine) bySymbol.set(t.symbol, [...(bySymbol.get(t.symbol) ?? []), t])
        for (const [sym, ts] of bySymbol) yield* cancelIn(sym, ts)
      })

    return {
      venue: ctx.exchange.id,
      setQuotes,
      submit,
      cancel,
      cancelAll,
      nextClientOrderId
    } satisfies Strategy.OrderGatewayService
  })
