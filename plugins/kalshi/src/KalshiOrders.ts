/**
 * The plugin's local view of our orders and fills (the execution cache), and the unknown-outcome tracker.
 *
 * - The view is `internal/store.ts`, an immutable value in a `Ref`: monotonic merge, request metadata,
 *   client-id index, fill de-duplication window, and retention (terminal orders leave after 60 s), so it
 *   stays bounded however long the process runs.
 * - A write whose outcome is unknown is *unresolved*: writes to its market are refused (`checkWritable`)
 *   until a lookup (by client order id for creates, by order id for cancels/amends) settles it. A background
 *   resolver runs every 250 ms while anything is unresolved; a create not found after the lookup grace is
 *   declared not created.
 */
import { type Order as CoreOrder, ExchangeError as E } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashMap from "effect/HashMap"
import * as MutableRef from "effect/MutableRef"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as parse from "./internal/parse.js"
import type { Endpoints } from "./internal/rest.js"
import * as store from "./internal/store.js"
import type * as wire from "./internal/wire.js"
import type { Unresolved, VerificationStats } from "./KalshiClient.js"

export type { Meta, Sizes } from "./internal/store.js"

/** How long a client order id whose create was once unknown is remembered (a 409 on its retry = "it landed"). */
export const unknownCidMs = 10 * 60_000

interface Unknowns {
  readonly unresolved: HashMap.HashMap<string, Unresolved>
  /** client order id → epoch ms it was marked unknown */
  readonly cids: HashMap.HashMap<string, number>
}

const keyOf = (u: Pick<Unresolved, "operation" | "clientOrderId" | "orderId">) =>
  u.operation === "create" ? `create:${u.clientOrderId}` : `${u.operation}:${u.orderId}`

export interface KalshiOrders {
  readonly upsert: (o: CoreOrder.Order, meta?: store.Meta) => Effect.Effect<void>
  /** Publishes a fill once per trade id; `fromRest` counts fills only REST delivered. */
  readonly publishFill: (f: CoreOrder.Fill, fromRest: boolean) => Effect.Effect<void>
  readonly snapshot: Effect.Effect<store.Store>
  readonly order: (id: string) => Effect.Effect<CoreOrder.Order | undefined>
  readonly orderIdOf: (cid: string) => Effect.Effect<string | undefined>
  readonly meta: (id: string) => Effect.Effect<store.Meta | Record<string, never>>
  /** a wire order in core terms, with the metadata we recorded for it */
  readonly parse: (o: wire.Order) => Effect.Effect<CoreOrder.Order>
  readonly live: Effect.Effect<ReadonlyArray<CoreOrder.Order>>
  readonly watchOrders: (symbol?: string) => Stream.Stream<CoreOrder.Order>
  readonly watchFills: (symbol?: string) => Stream.Stream<CoreOrder.Fill>
  readonly markUnknown: (u: Omit<Unresolved, "since" | "key">) => Effect.Effect<void>
  /** Settles an unresolved write (by its key); `true` if it was unresolved. */
  readonly settle: (key: string) => Effect.Effect<boolean>
  /** whether a create with this client order id was ever unknown (recently) */
  readonly wasUnknown: (cid: string) => Effect.Effect<boolean>
  readonly unresolved: Effect.Effect<ReadonlyArray<Unresolved>>
  /** lookups for every unresolved write now (single-flight); returns what is still unresolved */
  readonly resolveUnknown: Effect.Effect<ReadonlyArray<Unresolved>>
  /** fails with `UnknownOutcome` while a write on the market is unresolved (after one resolution attempt) */
  readonly checkWritable: (symbol: string, op: E.UnknownOutcome["operation"]) => Effect.Effect<void, E.UnknownOutcome>
  readonly findByCid: (
    cid: string,
    symbol: string | undefined,
    sinceMs?: number
  ) => Effect.Effect<Option.Option<wire.Order>, E.ExchangeError>
  /** the order with this client id, as the venue has it now */
  readonly fetchByClientId: (cid: string, symbol?: string) => Effect.Effect<CoreOrder.Order, E.ExchangeError>
  readonly stats: MutableRef.MutableRef<VerificationStats>
  readonly count: (field: Exclude<keyof VerificationStats, "lastPollAt">, n?: number) => Effect.Effect<void>
}

export interface OrdersOptions {
  readonly venue: string
  readonly api: Endpoints
  readonly sub: Readonly<Record<string, number>>
  /** a create not found by lookup after min(graceMs, 3 s) is declared not created */
  readonly graceMs: number
  readonly retention?: store.Retention
}

export const make = (o: OrdersOptions): Effect.Effect<KalshiOrders, never, Scope.Scope> =>
  Effect.gen(function* () {
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()
    const view = yield* Ref.make(store.empty(o.retention))
    const unknowns = yield* Ref.make<Unknowns>({ unresolved: HashMap.empty(), cids: HashMap.empty() })
    const ordersHub = yield* PubSub.unbounded<CoreOrder.Order>()
    const fillsHub = yield* PubSub.unbounded<CoreOrder.Fill>()
    const stats = MutableRef.make<VerificationStats>({
      polls: 0,
      desyncs: 0,
      resolvedUnknown: 0,
      lookups: 0,
      restOnlyFills: 0,
      duplicateFills: 0,
      lastPollAt: 0
    })
    const count: KalshiOrders["count"] = (field, n = 1) =>
      Effect.sync(() => MutableRef.update(stats, (s) => ({ ...s, [field]: s[field] + n })))

    const upsert = (x: CoreOrder.Order, meta?: store.Meta) =>
      Effect.flatMap(
        Ref.modify(view, (s) => store.upsert(s, x, now(), meta)),
        (changed) => (changed === undefined ? Effect.void : Effect.asVoid(PubSub.publish(ordersHub, changed)))
      )

    const publishFill = (f: CoreOrder.Fill, fromRest: boolean) =>
      Effect.flatMap(
        Ref.modify(view, (s) => store.seeFill(s, f.id, now())),
        (fresh) =>
          fresh
            ? Effect.zipRight(
                fromRest ? count("restOnlyFills") : Effect.void,
                Effect.asVoid(PubSub.publish(fillsHub, f))
              )
            : count("duplicateFills")
      )

    const meta = (id: string) => Effect.map(Ref.get(view), (s) => store.metaOf(s, id))

    const markUnknown = (u: Omit<Unresolved, "since" | "key">) =>
      Effect.gen(function* () {
        const t = now()
        const key = keyOf(u)
        yield* Ref.update(unknowns, (s) => ({
          unresolved: HashMap.set(s.unresolved, key, { ...u, key, since: t }),
          cids:
            u.clientOrderId === undefined
              ? s.cids
              : HashMap.set(
                  HashMap.filter(s.cids, (at) => t - at < unknownCidMs),
                  u.clientOrderId,
                  t
                )
        }))
        yield* Effect.logWarning(
          `kalshi: ${u.operation} outcome UNKNOWN (${u.clientOrderId ?? u.orderId}) on ${u.symbol}; writes to ${u.symbol} blocked until resolved`
        )
      })

    const settle = (key: string) =>
      Effect.tap(
        Ref.modify(unknowns, (s) =>
          HashMap.has(s.unresolved, key) ? [true, { ...s, unresolved: HashMap.remove(s.unresolved, key) }] : [false, s]
        ),
        (was) => (was ? count("resolvedUnknown") : Effect.void)
      )

    const unresolved = Effect.map(Ref.get(unknowns), (s) => [...HashMap.values(s.unresolved)])

    const findByCid = (cid: string, symbol: string | undefined, sinceMs?: number) =>
      Effect.gen(function* () {
        yield* count("lookups")
        const list = yield* o.api.getOrders({
          ...(symbol !== undefined ? { ticker: symbol } : {}),
          ...(sinceMs !== undefined ? { min_ts: Math.floor(sinceMs / 1000) - 60 } : {}),
          ...o.sub
        })
        return Option.fromNullable(list.find((x) => x.client_order_id === cid))
      })

    const parseWire = (w: wire.Order) => Effect.map(meta(w.order_id), (m) => parse.order(w, m))

    /** One lookup per unresolved write. */
    const lookup = (u: Unresolved) =>
      u.operation === "create"
        ? findByCid(u.clientOrderId!, u.symbol, u.since).pipe(
            Effect.flatMap(
              Option.match({ onNone: () => Effect.succeedNone, onSome: (w) => Effect.asSome(parseWire(w)) })
            )
          )
        : o.api.getOrder(u.orderId!).pipe(
            Effect.flatMap((w) => Effect.asSome(parseWire(w))),
            Effect.catchTag("OrderNotFound", () => Effect.succeedNone)
          )

    const resolveAll: Effect.Effect<ReadonlyArray<Unresolved>> = Effect.gen(function* () {
      for (const u of yield* unresolved) {
        const r = yield* Effect.either(lookup(u))
        if (Either.isLeft(r)) continue // still unknown (venue unreachable): keep blocking
        if (Option.isSome(r.right)) {
          yield* upsert(r.right.value)
          yield* settle(u.key)
          yield* Effect.logInfo(
            `kalshi: unknown ${u.operation} resolved: order ${r.right.value.id} is ${r.right.value.status}`
          )
        } else if (u.operation !== "create" || now() - u.since > Math.min(o.graceMs, 3_000)) {
          yield* settle(u.key)
          yield* Effect.logInfo(`kalshi: unknown ${u.operation} resolved: not at the venue`)
        }
      }
      return yield* unresolved
    })
    const lock = yield* Effect.makeSemaphore(1)
    const resolveUnknown = lock.withPermits(1)(resolveAll)

    // the background resolver and the idle sweep of the view
    yield* Effect.flatMap(Ref.get(unknowns), (s) =>
      HashMap.size(s.unresolved) > 0 ? resolveUnknown : Effect.void
    ).pipe(Effect.repeat(Schedule.spaced("250 millis")), Effect.forkScoped)
    yield* Ref.update(view, (s) => store.prune(s, now())).pipe(
      Effect.repeat(Schedule.spaced("5 seconds")),
      Effect.forkScoped
    )

    const checkWritable = (symbol: string, op: E.UnknownOutcome["operation"]) =>
      Effect.gen(function* () {
        const blocked = (us: ReadonlyArray<Unresolved>) => us.find((u) => u.symbol === symbol)
        if (blocked(yield* unresolved) === undefined) return
        const still = blocked(yield* resolveUnknown)
        if (still === undefined) return
        return yield* new E.UnknownOutcome({
          venue: o.venue,
          operation: op,
          symbol,
          message: `writes to ${symbol} are blocked: an earlier ${still.operation} (${still.clientOrderId ?? still.orderId}) is unresolved`,
          ...(still.clientOrderId !== undefined ? { clientOrderId: still.clientOrderId } : {}),
          ...(still.orderId !== undefined ? { orderId: still.orderId } : {})
        })
      })

    const fetchByClientId = (cid: string, symbol?: string) =>
      Effect.gen(function* () {
        const known = store.orderIdOf(yield* Ref.get(view), cid)
        if (known !== undefined) return yield* Effect.flatMap(o.api.getOrder(known), parseWire)
        const hit = yield* findByCid(cid, symbol)
        if (Option.isNone(hit)) {
          return yield* new E.OrderNotFound({
            venue: o.venue,
            clientOrderId: cid,
            message: `no order with client id ${cid}`
          })
        }
        return yield* parseWire(hit.value)
      })

    const watch = <A extends { readonly symbol: string }>(hub: PubSub.PubSub<A>, symbol?: string) =>
      Stream.unwrapScoped(
        Effect.map(PubSub.subscribe(hub), (q) =>
          Stream.fromQueue(q).pipe(Stream.filter((x) => symbol === undefined || x.symbol === symbol))
        )
      )

    return {
      upsert,
      publishFill,
      snapshot: Ref.get(view),
      order: (id) => Effect.map(Ref.get(view), (s) => store.order(s, id)),
      orderIdOf: (cid) => Effect.map(Ref.get(view), (s) => store.orderIdOf(s, cid)),
      meta,
      parse: parseWire,
      live: Effect.map(Ref.get(view), store.live),
      watchOrders: (symbol) => watch(ordersHub, symbol),
      watchFills: (symbol) => watch(fillsHub, symbol),
      markUnknown,
      settle,
      wasUnknown: (cid) =>
        Effect.map(Ref.get(unknowns), (s) =>
          Option.match(HashMap.get(s.cids, cid), { onNone: () => false, onSome: (at) => now() - at < unknownCidMs })
        ),
      unresolved,
      resolveUnknown,
      checkWritable,
      findByCid,
      fetchByClientId,
      stats,
      count
    } satisfies KalshiOrders
  })
