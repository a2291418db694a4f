/**
 * Venue sessions: each configured venue plugin built in the run's scope (its `Exchange` and `Diagnostics`),
 * with the execution engine, health routing, the order and fill streams, restart reconciliation and the
 * markets' integer book views (`Exchange.watchBook`, read straight by each strategy: no relay fiber).
 */
import {
  Decimal as D,
  Diagnostics,
  Exchange,
  type ExchangeError,
  Ids,
  Incentive,
  type Market,
  type Order,
  type OrderBook,
  type Strategy
} from "@alpha-hunter/core"
import { ExecutionEngine } from "@alpha-hunter/execution"
import type { RiskEngine } from "@alpha-hunter/risk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"
import type * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import type * as Journal from "./Journal.js"
import * as Metrics from "./Metrics.js"
import * as Positions from "./Positions.js"
import { type Resolved, selectedSymbols, strategyOf } from "./Resolve.js"
import type { HealthView } from "./VenueHealthRouter.js"
import * as VenueHealthRouter from "./VenueHealthRouter.js"
export interface VenueSession {
  readonly name: string
  readonly diagnostics: Diagnostics.DiagnosticsService
  readonly exchange: Exchange.ExchangeService
  readonly engine: ExecutionEngine.ExecutionEngine
  /** the venue's health as routed to Risk and the journal */
  readonly health: Ref.Ref<HealthView>
  readonly markets: ReadonlyMap<string, Market.Market>
  /** the venue's incentive programs, when its plugin provides them (the sampler; strategies as an optional service) */
  readonly incentives: Option.Option<Incentive.IncentiveProgramsService>
  /** replaces a market's facts (a drift in fees, grid or status) for strategies, the sampler and Risk */
  readonly updateMarket: (market: Market.Market) => Effect.Effect<void>
  /** the venue runs inside this process (its orders die with it); false for a venue reached over a network */
  readonly inProcess: boolean
  /**
   * One reader's views of a market (`Exchange.watchBook`: the venue keeps one subscription per market however
   * many read it, and a reader takes the newest view when it pulls: latest wins, conflated once, at the
   * strategy's edge, with no fiber in between). Each view delivered is noted as the market's latest seen.
   */
  readonly book: (symbol: Ids.Symbol) => Stream.Stream<OrderBook.BookView, ExchangeError.ExchangeError>
  /** `book` read by a loop, each view noted the same way (venues with `Exchange.followBook`) */
  readonly followBook?: Strategy.MarketDataService["followBook"]
  /** The newest view any reader of the market was handed (none until the first): what the sampler reads. */
  readonly lastView: (symbol: Ids.Symbol) => Effect.Effect<Option.Option<OrderBook.BookView>>
  /** everything the venue's plugin provides (add-ons that know a plugin's own services look here: the recorder) */
  readonly services?: Context.Context<unknown>
}

/** At most this many orders that ended while we were down are looked up at a restart (the rest: see the report). */
const MAX_END_LOOKUPS = 200

/** Builds a venue plugin's layer in the current scope: its `Exchange` and `Diagnostics`. */
export const openPlugin = (v: Resolved["venues"][number]) =>
  Effect.map(Layer.build(v.plugin.layer(v.config, { venue: v.name })), (ctx) => ({
    exchange: Context.get(ctx, Exchange.Exchange),
    diagnostics: Context.get(ctx, Diagnostics.Diagnostics),
    // a plugin that has programs provides them beside Exchange (not part of the declared plugin layer type)
    incentives: Context.getOption(ctx as Context.Context<unknown>, Incentive.IncentivePrograms),
    services: ctx as Context.Context<unknown>
  }))

/** Opens one venue: markets, execution engine, health routing, order/fill streams, restart reconciliation. */
export const openVenue = (
  resolved: Resolved,
  v: Resolved["venues"][number],
  risk: RiskEngine.RiskEngineService,
  journal: Journal.JournalService,
  log: (line: string) => Effect.Effect<void>
) =>
  Effect.gen(function* () {
    const { exchange, diagnostics, incentives, services } = yield* openPlugin(v)
    const inProcess = v.plugin.account?.(v.config) === undefined
    for (const line of diagnostics.banner) yield* log(`[${v.name}] ${line}`)
    const marketList = yield* exchange.fetchMarkets()
    const markets = new Map(marketList.map((m) => [m.symbol as string, m]))
    const updateMarket = (m: Market.Market) =>
      Effect.zipRight(
        Effect.sync(() => markets.set(m.symbol, m)),
        risk.registerMarkets(v.name, [m])
      )
    yield* risk.registerMarkets(v.name, marketList)
    // when each book last changed (high-resolution), for the tick-to-order histogram
    const bookSeenAt = new Map<string, bigint>()
    // tagged once, with all its labels in one step: a tagged metric is a new key (hashed, looked up) every time
    // it is built, and a metric tagged twice builds one on every update (its labels are a new array each time,
    // which misses the metric's own cache)
    const sentAs = (kind: string) =>
      Metric.taggedWithLabels(Metrics.ordersSent, [MetricLabel.make("venue", v.name), MetricLabel.make("kind", kind)])
    const sent = { create: sentAs("create"), cancel: sentAs("cancel"), amend: sentAs("amend") }
    const tickToOrder = Metric.tagged(Metrics.tickToOrder, "venue", v.name)
    // before every write: a plain chain (no generator)
    const onWrite = (symbol: string, kind: "create" | "cancel" | "amend", count: number) =>
      Effect.suspend(() => {
        const counted = Metric.incrementBy(sent[kind], count)
        const seen = bookSeenAt.get(symbol)
        if (seen === undefined || kind === "cancel") return counted
        bookSeenAt.delete(symbol) // one write per book change is attributed to it
        return Effect.zipRight(
          counted,
          Effect.flatMap(Clock.currentTimeNanos, (now) => Metric.update(tickToOrder, Number(now - seen) / 1e9))
        )
      })
    const engine = yield* ExecutionEngine.make({
      venue: v.name,
      exchange,
      risk,
      journal,
      onWrite,
      strategyOf: (cid) => strategyOf(resolved, cid)
    })
    // health first: a desync during reconciliation must already halt
    const health = yield* VenueHealthRouter.follow(v.name, exchange, {
      risk,
      journal,
      log,
      healing: resolved.config.run.healing
    })
    const recordFill = (f: Order.Fill) =>
      engine.onFill(f).pipe(
        Effect.asVoid,
        Effect.catchAllCause((c) => log(`[${v.name}] could not record fill ${f.id}: ${String(c)}`))
      )

    // --- restart reconciliation, before any strategy runs --------------------------------------------
    const ours = (coid: string | undefined) => strategyOf(resolved, coid) !== undefined
    const openOnVenue = yield* exchange.fetchOpenOrders()
    let adopted = 0
    let canceledForeign = 0
    for (const o of openOnVenue) {
      const strategy = strategyOf(resolved, o.clientOrderId)
      if (strategy !== undefined) {
        yield* engine.adopt(o, strategy)
        adopted++
      } else if (resolved.config.run.cancelUnknownOnStart) {
        yield* exchange.cancelOrder(o.id, o.symbol).pipe(Effect.ignore)
        canceledForeign++
      }
    }
    // creates we wrote down but never saw an outcome for: look each up (never re-send)
    const unsettled = yield* journal.unsettledCreates(v.name)
    const openIds = new Set<string>(
      openOnVenue.flatMap((o) => (o.clientOrderId === undefined ? [] : [o.clientOrderId]))
    )
    let resolvedOnStart = 0
    for (const { clientOrderId: coid, symbol } of unsettled) {
      if (openIds.has(coid) || !ours(coid)) continue
      const r = yield* Effect.either(
        exchange.fetchOrderByClientId(Ids.ClientOrderId.make(coid), Ids.Symbol.make(symbol))
      )
      yield* journal.append({
        kind: "resolved",
        venue: v.name,
        strategy: strategyOf(resolved, coid),
        symbol,
        clientOrderId: coid,
        ...(Either.isRight(r) ? { orderId: r.right.id } : {}),
        data: Either.isRight(r)
          ? {
              status: r.right.status,
              filled: D.format(r.right.filled),
              side: r.right.side,
              price: D.format(r.right.price),
              amount: D.format(r.right.amount)
            }
          : { status: r.left._tag === "OrderNotFound" ? "not_found" : "lookup_failed", error: r.left.message }
      })
      if (Either.isRight(r) && r.right.status === "open") {
        yield* engine.adopt(r.right, strategyOf(resolved, coid)!)
        adopted++
      }
      resolvedOnStart++
    }
    // orders the journal believes rest but the venue does not list: they ended while we were down. Each is
    // looked up for its venue-known end (the report ends its resting interval there); beyond a budget of
    // lookups, or when a lookup fails, the report ends it at the previous process's last activity
    const unsettledIds = new Set(unsettled.map((u) => u.clientOrderId))
    // (an in-process venue started afresh: its orders died with the last process, the report knows that)
    const gone = (inProcess ? [] : yield* journal.believedOpen(v.name)).filter(
      (b) => !openIds.has(b.clientOrderId) && !unsettledIds.has(b.clientOrderId) && ours(b.clientOrderId)
    )
    let endedWhileDown = 0
    for (const [i, b] of gone.entries()) {
      const r =
        i < MAX_END_LOOKUPS
          ? yield* Effect.either(
              exchange.fetchOrderByClientId(Ids.ClientOrderId.make(b.clientOrderId), Ids.Symbol.make(b.symbol))
            )
          : undefined
      const found = r !== undefined && Either.isRight(r) ? r.right : undefined
      yield* journal.append({
        kind: "resolved",
        venue: v.name,
        strategy: strategyOf(resolved, b.clientOrderId),
        symbol: b.symbol,
        clientOrderId: b.clientOrderId,
        ...(found !== undefined ? { orderId: found.id } : b.orderId !== undefined ? { orderId: b.orderId } : {}),
        data:
          found !== undefined
            ? {
                status: found.status,
                filled: D.format(found.filled),
                ...(found.status !== "open" && found.lastUpdateTimestamp !== undefined
                  ? { terminalAt: found.lastUpdateTimestamp }
                  : {}),
                endedWhileDown: true
              }
            : {
                status:
                  r === undefined
                    ? "not_looked_up"
                    : Either.isLeft(r) && r.left._tag === "OrderNotFound"
                      ? "not_found"
                      : "lookup_failed",
                endedWhileDown: true
              }
      })
      if (found !== undefined && found.status === "open") {
        yield* engine.adopt(found, strategyOf(resolved, b.clientOrderId)!)
        adopted++
      } else endedWhileDown++
    }
    // fills we missed while down: from the last one we recorded (and those recorded just before it are
    // remembered, so a re-delivered one is not booked twice)
    const lastFill = yield* journal.lastTs(v.name, "fill")
    if (lastFill !== undefined) {
      const recent = yield* journal.query({ venue: v.name, kinds: ["fill"], since: lastFill - 10 * 60_000 })
      yield* engine.seenFills(recent.map((e) => String(e.data["tradeId"])))
    }
    const missed = yield* exchange
      .fetchMyTrades(lastFill === undefined ? {} : { since: lastFill })
      .pipe(Effect.catchAll(() => Effect.succeed([] as ReadonlyArray<Order.Fill>)))
    // what the account holds (less what the missed fills account for) opens Risk's positions
    const held = yield* exchange.fetchPositions().pipe(Effect.either)
    if (Either.isLeft(held)) yield* log(`[${v.name}] positions could not be read: ${held.left.message}`)
    const owners = resolved.strategies
      .filter((s) => s.section.venue === v.name)
      .map((s) => ({ name: s.name, symbols: new Set<string>(selectedSymbols(marketList, s.section.markets)) }))
    const ownerOf = (symbol: string) => {
      const os = owners.filter((o) => o.symbols.has(symbol))
      return os.length === 1 ? os[0]!.name : undefined
    }
    const opening = Positions.openings(
      Either.getOrElse(held, () => []),
      // only the missed fills the engine books (ours) are booked on their own; the rest are in the opening
      missed.filter((f) => strategyOf(resolved, f.clientOrderId) !== undefined),
      ownerOf,
      yield* Clock.currentTimeMillis
    )
    for (const o of opening) {
      yield* risk.onFill({ venue: v.name, ...(o.strategy !== undefined ? { strategy: o.strategy } : {}) }, o.fill)
    }
    for (const f of missed) yield* recordFill(f)
    yield* journal.append({
      kind: "reconcile",
      venue: v.name,
      data: {
        openOnVenue: openOnVenue.length,
        adopted,
        canceledForeign,
        resolvedOnStart,
        endedWhileDown,
        inProcess,
        missedFills: missed.length,
        positions: opening.map((o) => ({
          symbol: o.symbol,
          ...(o.strategy !== undefined ? { strategy: o.strategy } : {}),
          amount: D.format(o.fill.side === "buy" ? o.fill.amount : D.neg(o.fill.amount)),
          price: D.format(o.fill.price)
        }))
      }
    })
    yield* log(
      `[${v.name}] ${marketList.length} markets; reconciled: ${adopted} of our orders adopted, ${resolvedOnStart} looked up, ${canceledForeign} foreign canceled${opening.length > 0 ? `; positions held: ${opening.map((o) => `${o.symbol} ${D.format(o.fill.side === "buy" ? o.fill.amount : D.neg(o.fill.amount))}`).join(", ")}` : ""}`
    )

    // --- live streams ---------------------------------------------------------------------------------
    // (read in batches from the port's own subscription when it has one: no stream per update)
    // the engine decides what is ours (by client order id, or by venue id for an order it tracks)
    yield* Exchange.runOrders(exchange, engine.onOrder).pipe(
      Effect.catchAllCause((c) => log(`[${v.name}] order stream ended: ${String(c)}`)),
      Effect.forkScoped
    )
    yield* Exchange.runMyTrades(exchange, recordFill).pipe(
      Effect.catchAllCause((c) => log(`[${v.name}] fill stream ended: ${String(c)}`)),
      Effect.forkScoped
    )

    // the newest view handed to any reader of each market (read by the sampler; a market's first reader of a
    // version also starts its tick-to-order clock). Noted synchronously as each view passes (a pure-looking
    // map with a local write: a tap's effect per view costs a dozen runtime steps on the hot path), with the
    // reader's clock read once when its stream starts.
    const lastViews = new Map<string, OrderBook.BookView>()
    const seen = (clock: Clock.Clock, symbol: Ids.Symbol, view: OrderBook.BookView) => {
      const prev = lastViews.get(symbol)
      if (prev === undefined || prev.version !== view.version) {
        bookSeenAt.set(symbol, clock.unsafeCurrentTimeNanos())
        lastViews.set(symbol, view)
      }
      return view
    }
    const book = (symbol: Ids.Symbol) =>
      Stream.unwrap(
        Effect.map(Effect.clock, (clock) => Stream.map(exchange.watchBook(symbol), (view) => seen(clock, symbol, view)))
      )
    // the same views by a loop where the venue offers one (in-process venues: no stream channel per view)
    const followBook: VenueSession["followBook"] =
      exchange.followBook === undefined
        ? undefined
        : (symbol, f) =>
            Effect.flatMap(Effect.clock, (clock) =>
              Exchange.runBook(exchange, symbol, (view) => f(seen(clock, symbol, view)))
            )
    const lastView = (symbol: Ids.Symbol) => Effect.sync(() => Option.fromNullable(lastViews.get(symbol)))
    return {
      name: v.name,
      diagnostics,
      exchange,
      engine,
      health,
      markets,
      incentives,
      updateMarket,
      inProcess,
      book,
      ...(followBook !== undefined ? { followBook } : {}),
      lastView,
      services
    } satisfies VenueSession
  })
