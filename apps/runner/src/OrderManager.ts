/**
 * The order manager: turns each strategy's target quotes into venue orders with the fewest writes.
 *
 * Per market and side it keeps orders that already match, amends when only price/size differ and the venue
 * can amend, and otherwise cancels and creates; cancels and creates go out as batches. Every create and
 * amend passes Risk first (cancels always pass). Every write is journaled before it is sent (the client
 * order id first), and its result after.
 *
 * The unknown-outcome rule: a write whose result is not proven marks the order `unknown` and blocks further
 * writes on that market until a lookup by client order id resolves it. It is never re-sent blindly.
 *
 * Targets for one market are applied one at a time, latest wins: a target superseded while waiting is dropped.
 */
import { Decimal as D, type Exchange, ExchangeError, type Ids, Order, Risk, type Strategy } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Ref from "effect/Ref"
import type { JournalService } from "./Journal.js"

export interface Tracked {
  readonly clientOrderId: Ids.ClientOrderId
  readonly orderId: Ids.OrderId | undefined
  readonly symbol: Ids.Symbol
  readonly side: Order.Side
  readonly price: D.Decimal
  /** total ordered (filled + remaining) */
  readonly amount: D.Decimal
  readonly filled: D.Decimal
  readonly remaining: D.Decimal
  readonly status: Order.OrderStatus
  readonly strategy: string
  /** epoch ms of creation */
  readonly createdAt: number
}

export interface ManagerStats {
  readonly creates: number
  readonly cancels: number
  readonly amends: number
  readonly kept: number
  readonly denied: number
  readonly rejected: number
  readonly unknown: number
  readonly resolved: number
}

const zeroStats: ManagerStats = {
  creates: 0,
  cancels: 0,
  amends: 0,
  kept: 0,
  denied: 0,
  rejected: 0,
  unknown: 0,
  resolved: 0
}

export interface OrderManager {
  readonly venue: string
  /** A risk-checked gateway for one strategy; its client order ids start with `prefix`. */
  readonly gateway: (strategy: string, prefix: string) => Effect.Effect<Strategy.OrderGatewayService>
  /** Orders we track (open, in flight or unknown). */
  readonly live: Effect.Effect<ReadonlyArray<Tracked>>
  /** The same, for one market (indexed: the per-book-update path). */
  readonly liveIn: (symbol: string) => Effect.Effect<ReadonlyArray<Tracked>>
  /** Applies a venue order update (from the stream or a poll). */
  readonly onOrder: (order: Order.Order) => Effect.Effect<void>
  /** Adopts an order found on the venue (restart reconciliation). */
  readonly adopt: (order: Order.Order, strategy: string) => Effect.Effect<void>
  /** Looks up every unknown order by client order id; returns how many remain unknown. */
  readonly resolveUnknown: Effect.Effect<number>
  readonly stats: Effect.Effect<ManagerStats>
}

export interface ManagerOptions {
  readonly venue: string
  readonly exchange: Exchange.ExchangeService
  readonly risk: Risk.RiskService
  readonly journal: JournalService
  /** called just before each write is sent (metrics: orders sent by kind, tick-to-order latency) */
  readonly onWrite?: (symbol: string, kind: "create" | "cancel" | "amend", count: number) => Effect.Effect<void>
}

const isLive = (s: Order.OrderStatus) => !Order.isTerminal(s)

const fromOrder = (o: Order.Order, strategy: string, createdAt: number): Tracked => ({
  clientOrderId: o.clientOrderId ?? (`venue:${o.id}` as Ids.ClientOrderId),
  orderId: o.id,
  symbol: o.symbol,
  side: o.side,
  price: o.price,
  amount: o.amount,
  filled: o.filled,
  remaining: o.remaining,
  status: o.status,
  strategy,
  createdAt
})

const orderData = (o: { readonly side: string; readonly price: D.Decimal; readonly amount: D.Decimal }) => ({
  side: o.side,
  price: D.format(o.price),
  amount: D.format(o.amount)
})

export const make = (options: ManagerOptions): Effect.Effect<OrderManager> =>
  Effect.gen(function* () {
    const { exchange, risk, journal, venue } = options
    const onWrite = options.onWrite ?? (() => Effect.void)
    // live orders by client order id, and the same ids by market; owned by this manager, mutated in place
    const byId = new Map<string, Tracked>()
    const bySymbol = new Map<string, Set<string>>()
    const orders = {
      get: Effect.sync(() => byId as ReadonlyMap<string, Tracked>)
    }
    const inSymbol = (symbol: string): Array<Tracked> => {
      const ids = bySymbol.get(symbol)
      if (ids === undefined) return []
      const out: Array<Tracked> = []
      for (const id of ids) out.push(byId.get(id)!)
      return out
    }
    const stats = yield* Ref.make(zeroStats)
    // latest target number per strategy and market (latest wins)
    const generations = new Map<string, number>()
    const locks = new Map<string, Effect.Semaphore>()
    const lockFor = (symbol: string) =>
      Effect.sync(() => {
        let l = locks.get(symbol)
        if (l === undefined) {
          l = Effect.unsafeMakeSemaphore(1)
          locks.set(symbol, l)
        }
        return l
      })
    const bump = (k: keyof ManagerStats, n = 1) => Ref.update(stats, (s) => ({ ...s, [k]: s[k] + n }))
    const now = Effect.clockWith((c) => c.currentTimeMillis)
    const put = (t: Tracked) =>
      Effect.sync(() => {
        if (isLive(t.status)) {
          byId.set(t.clientOrderId, t)
          let ids = bySymbol.get(t.symbol)
          if (ids === undefined) {
            ids = new Set()
            bySymbol.set(t.symbol, ids)
          }
          ids.add(t.clientOrderId)
        } else {
          byId.delete(t.clientOrderId)
          bySymbol.get(t.symbol)?.delete(t.clientOrderId)
        }
      })
    // entries written with the next request in one transaction (intent, risk decisions): one disk write
    // per decision on the hot path instead of one per entry
    const pending: Array<Parameters<JournalService["append"]>[0]> = []
    const defer = (e: Parameters<JournalService["append"]>[0]) => Effect.sync(() => void pending.push(e))
    const flushWith = (entries: ReadonlyArray<Parameters<JournalService["append"]>[0]>) =>
      Effect.suspend(() => journal.appendAll([...pending.splice(0), ...entries]))
    const flush = flushWith([]).pipe(
      Effect.catchAll((err) => Effect.logError(`journal append failed: ${err.message}`, err.cause))
    )
    const journalLog = (e: Parameters<JournalService["append"]>[0]) =>
      journal.append(e).pipe(
        Effect.catchAll((err) => Effect.logError(`journal append failed: ${err.message}`, err.cause)),
        Effect.asVoid
      )

    const onOrder = (o: Order.Order) =>
      Effect.gen(function* () {
        const key = o.clientOrderId ?? `venue:${o.id}`
        const current = (yield* orders.get).get(key)
        if (current === undefined && !isLive(o.status)) return
        const t = fromOrder(o, current?.strategy ?? "", current?.createdAt ?? o.timestamp)
        yield* put(t)
        if (current === undefined || current.status !== o.status || current.filled !== o.filled) {
          yield* risk.onOrder({ venue, strategy: t.strategy }, o)
          yield* journalLog({
            kind: "update",
            venue,
            strategy: t.strategy,
            symbol: o.symbol,
            clientOrderId: key,
            orderId: o.id,
            data: { status: o.status, filled: D.format(o.filled), remaining: D.format(o.remaining), ...orderData(o) }
          })
        }
      })

    const adopt = (o: Order.Order, strategy: string) =>
      Effect.gen(function* () {
        yield* put(fromOrder(o, strategy, o.timestamp))
        yield* risk.onOrder({ venue, strategy }, o)
        yield* journalLog({
          kind: "reconcile",
          venue,
          strategy,
          symbol: o.symbol,
          clientOrderId: o.clientOrderId,
          orderId: o.id,
          data: { adopted: true, status: o.status, ...orderData(o) }
        })
      })

    /** The journal fields that identify a tracked order. */
    const about = (t: Tracked) => ({ venue, strategy: t.strategy, symbol: t.symbol, clientOrderId: t.clientOrderId })

    const markUnknown = (t: Tracked, e: ExchangeError.ExchangeError) =>
      Effect.gen(function* () {
        yield* put({ ...t, status: "unknown" })
        yield* bump("unknown")
        yield* journalLog({
          kind: "unknown",
          ...about(t),
          orderId: t.orderId,
          data: { error: e._tag, message: e.message }
        })
        yield* Effect.logWarning(
          `order ${t.clientOrderId} on ${t.symbol}: outcome unknown (${e.message}); writes on ${t.symbol} wait for a lookup`
        )
      })

    const resolveOne = (t: Tracked) =>
      exchange.fetchOrderByClientId(t.clientOrderId, t.symbol).pipe(
        Effect.flatMap((o) =>
          Effect.gen(function* () {
            yield* put(fromOrder(o, t.strategy, t.createdAt))
            yield* bump("resolved")
            yield* journalLog({
              kind: "resolved",
              ...about(t),
              orderId: o.id,
              data: { status: o.status, filled: D.format(o.filled) }
            })
            return true
          })
        ),
        Effect.catchAll((e) =>
          e._tag === "OrderNotFound" && t.orderId === undefined
            ? // a create that never reached the venue: nothing rests, the id stays used
              Effect.gen(function* () {
                yield* put({ ...t, status: "rejected" })
                yield* bump("resolved")
                yield* journalLog({
                  kind: "resolved",
                  ...about(t),
                  data: { status: "not_found" }
                })
                return true
              })
            : Effect.succeed(false)
        )
      )

    const resolveUnknown = Effect.gen(function* () {
      const unknown = [...(yield* orders.get).values()].filter((t) => t.status === "unknown")
      let remaining = 0
      for (const t of unknown) if (!(yield* resolveOne(t))) remaining++
      return remaining
    })

    const gateway = (strategy: string, prefix: string) =>
      Effect.gen(function* () {
        const scope: Risk.RiskScope = { venue, strategy }
        const epoch = (yield* now).toString(36)
        const counter = yield* Ref.make(0)
        const nextClientOrderId = Ref.getAndUpdate(counter, (n) => n + 1).pipe(
          Effect.map((n) => `${prefix}${epoch}-${n.toString(36)}` as Ids.ClientOrderId)
        )

        const checkCreate = (request: Order.OrderRequest) =>
          Effect.gen(function* () {
            const decision = yield* risk.check({ _tag: "Create", scope, request })
            yield* defer({
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
            if (decision._tag === "Denied") yield* bump("denied")
            return decision
          })

        /** Sends creates (already risk-approved) as one batch; records each item's outcome. */
        const sendCreates = (
          requests: ReadonlyArray<Order.OrderRequest>,
          extras: ReadonlyMap<string, Record<string, unknown>> = new Map()
        ) =>
          Effect.gen(function* () {
            if (requests.length === 0) return []
            const at = yield* now
            const pending: Array<Tracked> = requests.map((r) => ({
              clientOrderId: r.clientOrderId!,
              orderId: undefined,
              symbol: r.symbol,
              side: r.side,
              price: r.price,
              amount: r.amount,
              filled: D.ZERO,
              remaining: r.amount,
              status: "pending_new",
              strategy,
              createdAt: at
            }))
            // the ids are on disk before anything is sent
            yield* flushWith(
              requests.map((r) => ({
                kind: "request" as const,
                venue,
                strategy,
                symbol: r.symbol,
                clientOrderId: r.clientOrderId,
                data: {
                  op: "create",
                  ...orderData(r),
                  postOnly: r.postOnly,
                  timeInForce: r.timeInForce,
                  ...extras.get(r.clientOrderId!)
                }
              }))
            ).pipe(Effect.orDie)
            for (const t of pending) yield* put(t)
            yield* bump("creates", requests.length)
            yield* onWrite(requests[0]!.symbol, "create", requests.length)
            const results = yield* exchange
              .createOrders(requests)
              .pipe(Effect.catchAll((e) => Effect.succeed(requests.map(() => Either.left(e)))))
            const out: Array<Either.Either<Order.Order, ExchangeError.ExchangeError>> = []
            for (let i = 0; i < pending.length; i++) {
              const t = pending[i]!
              const r =
                results[i] ??
                Either.left(
                  new ExchangeError.UnknownOutcome({
                    venue,
                    message: "the venue returned fewer results than orders sent",
                    operation: "create",
                    clientOrderId: t.clientOrderId
                  })
                )
              out.push(r)
              if (Either.isRight(r)) {
                const o = r.right
                yield* put(fromOrder(o, strategy, at))
                yield* risk.onOrder(scope, o)
                yield* journalLog({
                  kind: "ack",
                  venue,
                  strategy,
                  symbol: o.symbol,
                  clientOrderId: t.clientOrderId,
                  orderId: o.id,
                  data: { status: o.status, filled: D.format(o.filled), ...orderData(o) }
                })
              } else if (ExchangeError.isUnknownOutcome(r.left) || ExchangeError.isNetworkError(r.left)) {
                // a network error on a write may still have reached the venue: treat as unknown
                yield* markUnknown(t, r.left)
              } else if (r.left._tag === "DuplicateClientOrderId") {
                // the venue has it already: that is our order, look it up
                yield* markUnknown(t, r.left)
                yield* resolveOne({ ...t, status: "unknown" })
              } else {
                yield* put({ ...t, status: "rejected" })
                yield* bump("rejected")
                yield* journalLog({
                  kind: "reject",
                  ...about(t),
                  data: { error: r.left._tag, message: r.left.message }
                })
              }
            }
            return out
          })

        const sendCancels = (ts: ReadonlyArray<Tracked>) =>
          Effect.gen(function* () {
            const withId = ts.filter((t) => t.orderId !== undefined)
            if (withId.length === 0) return
            yield* flushWith(
              withId.map((t) => ({
                kind: "request" as const,
                ...about(t),
                orderId: t.orderId,
                data: { op: "cancel" }
              }))
            ).pipe(Effect.orDie)
            for (const t of withId) yield* put({ ...t, status: "pending_cancel" })
            yield* bump("cancels", withId.length)
            yield* onWrite(withId[0]!.symbol, "cancel", withId.length)
            const results = yield* exchange
              .cancelOrders(
                withId.map((t) => t.orderId!),
                withId[0]!.symbol
              )
              .pipe(Effect.catchAll((e) => Effect.succeed(withId.map(() => Either.left(e)))))
            for (let i = 0; i < withId.length; i++) {
              const t = withId[i]!
              const r = results[i]
              if (r !== undefined && Either.isRight(r)) {
                yield* put(fromOrder(r.right, strategy, t.createdAt))
                yield* risk.onOrder(scope, r.right)
                yield* journalLog({
                  kind: "cancel",
                  ...about(t),
                  orderId: t.orderId,
                  data: { status: r.right.status, filled: D.format(r.right.filled) }
                })
              } else if (r !== undefined && r.left._tag === "OrderNotFound") {
                // already gone (filled or canceled): confirm by lookup before forgetting it
                yield* resolveOne({ ...t, status: "unknown" })
              } else {
                const e =
                  r?.left ??
                  new ExchangeError.UnknownOutcome({ venue, message: "no result for a cancel", operation: "cancel" })
                yield* markUnknown(t, e)
              }
            }
          })

        const sendAmend = (t: Tracked, q: Strategy.Quote) =>
          Effect.gen(function* () {
            const newTotal = D.add(t.filled, q.amount)
            const current = Order.OrderRequest.make({
              symbol: t.symbol,
              side: t.side,
              price: t.price,
              amount: t.remaining,
              postOnly: true,
              clientOrderId: t.clientOrderId
            })
            const edit = Order.OrderEdit.make({ price: q.price, amount: newTotal })
            const decision = yield* risk.check({
              _tag: "Amend",
              scope,
              symbol: t.symbol,
              orderId: t.orderId!,
              edit,
              current
            })
            if (decision._tag === "Denied") {
              yield* bump("denied")
              yield* journalLog({
                kind: "risk",
                ...about(t),
                data: { decision: "denied", reason: decision.reason, message: decision.message, op: "amend" }
              })
              return false
            }
            yield* flushWith([
              {
                kind: "request",
                ...about(t),
                orderId: t.orderId,
                data: { op: "amend", price: D.format(q.price), amount: D.format(newTotal) }
              }
            ]).pipe(Effect.orDie)
            yield* put({ ...t, status: "pending_amend" })
            yield* bump("amends")
            yield* onWrite(t.symbol, "amend", 1)
            const r = yield* Effect.either(exchange.editOrder(t.orderId!, t.symbol, edit))
            if (Either.isRight(r)) {
              yield* put(fromOrder(r.right, strategy, t.createdAt))
              yield* risk.onOrder(scope, r.right)
              yield* journalLog({
                kind: "ack",
                ...about(t),
                orderId: r.right.id,
                data: { op: "amend", status: r.right.status, ...orderData(r.right) }
              })
              return true
            }
            if (ExchangeError.isUnknownOutcome(r.left) || ExchangeError.isNetworkError(r.left)) {
              yield* markUnknown(t, r.left)
            } else {
              yield* put(t)
              yield* bump("rejected")
              yield* journalLog({
                kind: "reject",
                ...about(t),
                data: { op: "amend", error: r.left._tag, message: r.left.message }
              })
              if (r.left._tag === "OrderNotFound") yield* resolveOne({ ...t, status: "unknown" })
            }
            return false
          })

        const reconcile = (target: Strategy.QuoteTarget) =>
          Effect.gen(function* () {
            const symbol = target.symbol
            const mineAll = () => Effect.sync(() => inSymbol(symbol).filter((t) => t.strategy === strategy))
            let mine = yield* mineAll()
            if (mine.some((t) => t.status === "unknown")) {
              yield* resolveUnknown
              mine = yield* mineAll()
              if (mine.some((t) => t.status === "unknown")) {
                return yield* new Risk.RiskDenied({
                  reason: "UNRESOLVED_ORDER",
                  message: `an order on ${symbol} has an unknown outcome; writes wait for its lookup`,
                  venue,
                  symbol
                })
              }
            }
            // in-flight orders are left alone this round
            if (mine.some((t) => t.status.startsWith("pending"))) return
            yield* defer({
              kind: "intent",
              venue,
              strategy,
              symbol,
              data: {
                bids: target.bids.map((q) => [D.format(q.price), D.format(q.amount)]),
                asks: target.asks.map((q) => [D.format(q.price), D.format(q.amount)])
              }
            })
            const toCancel: Array<Tracked> = []
            const toAmend: Array<[Tracked, Strategy.Quote]> = []
            const toCreate: Array<Strategy.Quote & { side: Order.Side }> = []
            for (const [side, wanted] of [
              ["buy", target.bids],
              ["sell", target.asks]
            ] as const) {
              const existing = mine.filter((t) => t.side === side && t.status === "open")
              const kept = new Set<Tracked>()
              const missing: Array<Strategy.Quote> = []
              for (const q of wanted) {
                const hit = existing.find((t) => !kept.has(t) && t.price === q.price && t.remaining === q.amount)
                if (hit !== undefined) kept.add(hit)
                else missing.push(q)
              }
              yield* bump("kept", kept.size)
              const stale = existing.filter((t) => !kept.has(t))
              let i = 0
              if (exchange.features.amend) {
                for (; i < Math.min(stale.length, missing.length); i++) toAmend.push([stale[i]!, missing[i]!])
              }
              toCancel.push(...stale.slice(i))
              toCreate.push(...missing.slice(i).map((q) => ({ ...q, side })))
            }
            yield* sendCancels(toCancel)
            for (const [t, q] of toAmend) yield* sendAmend(t, q)
            const approved: Array<Order.OrderRequest> = []
            const extras = new Map<string, Record<string, unknown>>()
            let firstDenial: Risk.Denied | undefined
            for (const q of toCreate) {
              const request = Order.OrderRequest.make({
                symbol,
                side: q.side,
                price: q.price,
                amount: q.amount,
                postOnly: true,
                timeInForce: "GTC",
                clientOrderId: yield* nextClientOrderId
              })
              const decision = yield* checkCreate(request)
              if (decision._tag === "Approved") {
                approved.push(request)
                extras.set(request.clientOrderId!, {
                  ...(q.improvementTicks !== undefined ? { improvementTicks: q.improvementTicks } : {}),
                  ...(q.improvement !== undefined ? { improvement: D.format(q.improvement) } : {})
                })
              } else firstDenial ??= decision
            }
            yield* sendCreates(approved, extras)
            yield* flush // what no write took along (an intent that changed nothing, denials)
            if (firstDenial !== undefined) {
              return yield* new Risk.RiskDenied({
                reason: firstDenial.reason,
                message: firstDenial.message,
                venue,
                symbol
              })
            }
          })

        const setQuotes = (target: Strategy.QuoteTarget) =>
          Effect.gen(function* () {
            const key = `${strategy}\u0000${target.symbol}`
            const gen = (generations.get(key) ?? 0) + 1
            generations.set(key, gen)
            const lock = yield* lockFor(target.symbol)
            yield* lock.withPermits(1)(
              Effect.gen(function* () {
                const latest = generations.get(key) ?? 0
                if (latest !== gen) return // superseded by a newer target
                yield* reconcile(target)
              })
            )
          })

        const submit = (request: Order.OrderRequest) =>
          Effect.gen(function* () {
            const req =
              request.clientOrderId === undefined
                ? Order.OrderRequest.make({ ...request, clientOrderId: yield* nextClientOrderId })
                : request
            const lock = yield* lockFor(req.symbol)
            return yield* lock.withPermits(1)(
              Effect.gen(function* () {
                const unknown = inSymbol(req.symbol).some((t) => t.status === "unknown")
                if (unknown && (yield* resolveUnknown) > 0) {
                  return yield* new Risk.RiskDenied({
                    reason: "UNRESOLVED_ORDER",
                    message: `an order on ${req.symbol} has an unknown outcome; writes wait for its lookup`,
                    venue,
                    symbol: req.symbol
                  })
                }
                const decision = yield* checkCreate(req)
                if (decision._tag === "Denied") {
                  yield* flush
                  return yield* new Risk.RiskDenied({
                    reason: decision.reason,
                    message: decision.message,
                    venue,
                    symbol: req.symbol
                  })
                }
                const [r] = yield* sendCreates([req])
                yield* flush
                if (r === undefined) return yield* Effect.die("no result")
                return yield* r
              })
            )
          })

        const cancelMine = (symbol?: Ids.Symbol) =>
          Effect.gen(function* () {
            const mine = [...(yield* orders.get).values()].filter(
              (t) => t.strategy === strategy && (symbol === undefined || t.symbol === symbol) && t.status === "open"
            )
            const bySymbol = new Map<string, Array<Tracked>>()
            for (const t of mine) bySymbol.set(t.symbol, [...(bySymbol.get(t.symbol) ?? []), t])
            for (const [s, ts] of bySymbol) {
              const lock = yield* lockFor(s)
              yield* lock.withPermits(1)(sendCancels(ts))
            }
          })

        return {
          venue: exchange.id,
          setQuotes,
          submit,
          cancel: (symbol, id) =>
            Effect.gen(function* () {
              const t = [...(yield* orders.get).values()].find((x) => x.orderId === id)
              if (t !== undefined) yield* sendCancels([t])
              else yield* Effect.asVoid(exchange.cancelOrder(id, symbol))
            }),
          cancelAll: cancelMine,
          nextClientOrderId
        } satisfies Strategy.OrderGatewayService
      })

    return {
      venue,
      gateway,
      live: Effect.sync(() => [...byId.values()]),
      liveIn: (symbol) => Effect.sync(() => inSymbol(symbol)),
      onOrder,
      adopt,
      resolveUnknown,
      stats: Ref.get(stats)
    }
  })
