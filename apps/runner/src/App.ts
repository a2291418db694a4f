/**
 * The runner: loads and checks a config file, opens venues, builds one Risk engine and one journal, starts
 * each strategy with venue-scoped market data, portfolio and a risk-checked order gateway (the order
 * of the execution engine), reconciles with the venue on start, and on stop cancels our resting orders, verifies none
 * rests, and prints the report.
 */
import {
  Decimal as D,
  Diagnostics,
  Exchange,
  ExchangeError,
  Ids,
  type Market,
  type Order,
  type OrderBook,
  Strategy,
  TickGrid
} from "@alpha-hunter/core"
import { ExecutionEngine, OrderTracker } from "@alpha-hunter/execution"
import { RiskConfig, RiskEngine } from "@alpha-hunter/risk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { AppConfig, type MarketSelector, type StrategySection } from "./AppConfig.js"
import * as ConfigFile from "./ConfigFile.js"
import * as Journal from "./Journal.js"
import * as Metrics from "./Metrics.js"
import { type AnyExchangePlugin, type AnyStrategyPlugin, decodeSection, type Registry } from "./Registry.js"
import * as Report from "./Report.js"
import type { HealthView } from "./VenueHealthRouter.js"
import * as VenueHealthRouter from "./VenueHealthRouter.js"

export type { AnyExchangePlugin, AnyStrategyPlugin, Registry } from "./Registry.js"

export interface ResolvedStrategy {
  readonly name: string
  readonly section: StrategySection
  readonly plugin: AnyStrategyPlugin
  /** the plugin's own keys (everything but plugin/venue/markets/clientIdPrefix) */
  readonly pluginInput: Record<string, unknown>
  readonly prefix: string
}

export interface Resolved {
  readonly file: string
  readonly config: AppConfig
  readonly venues: ReadonlyArray<{
    readonly name: string
    readonly plugin: AnyExchangePlugin
    readonly config: unknown
  }>
  readonly strategies: ReadonlyArray<ResolvedStrategy>
  readonly risk: RiskConfig.RiskConfig
}

const runnerKeys = new Set(["plugin", "venue", "markets", "clientIdPrefix"])
const placeholder = "__selected_markets__"

/** Everything a config needs to be valid, checked before anything connects. Issues name their paths. */
export const resolve = (
  file: string,
  raw: unknown,
  registry: Registry
): Either.Either<Resolved, ConfigFile.ConfigError> => {
  const fail = (issues: ReadonlyArray<ConfigFile.Issue>) => Either.left(new ConfigFile.ConfigError({ file, issues }))
  const envelope = ConfigFile.decodeWith(AppConfig, raw)
  if (Either.isLeft(envelope)) return fail(envelope.left)
  const config = envelope.right
  const issues: Array<ConfigFile.Issue> = []
  const venues: Array<Resolved["venues"][number]> = []
  if (Object.keys(config.venues).length === 0) issues.push({ path: "venues", message: "at least one venue is needed" })
  for (const [name, section] of Object.entries(config.venues)) {
    const plugin = registry.venues[section.type]
    if (plugin === undefined) {
      issues.push({
        path: `venues.${name}.type`,
        message: `unknown venue plugin "${section.type}"; expected one of ${Object.keys(registry.venues).join(", ")}`
      })
      continue
    }
    const { type: _type, ...rest } = section
    const decoded = decodeSection(plugin.config, rest)
    if (Either.isLeft(decoded)) issues.push(...ConfigFile.issuesOf(decoded.left, ["venues", name]))
    else venues.push({ name, plugin, config: decoded.right })
  }
  const strategies: Array<ResolvedStrategy> = []
  const prefixes = new Set<string>()
  for (const [name, section] of Object.entries(config.strategies)) {
    const plugin = registry.strategies[section.plugin]
    if (plugin === undefined) {
      issues.push({
        path: `strategies.${name}.plugin`,
        message: `unknown strategy plugin "${section.plugin}"; expected one of ${Object.keys(registry.strategies).join(", ")}`
      })
      continue
    }
    if (config.venues[section.venue] === undefined) {
      issues.push({
        path: `strategies.${name}.venue`,
        message: `no venue named "${section.venue}"; expected one of ${Object.keys(config.venues).join(", ")}`
      })
    }
    const pluginInput = Object.fromEntries(Object.entries(section).filter(([k]) => !runnerKeys.has(k)))
    // the markets are selected after connecting: check the rest now, with a stand-in list
    const probe = Array.isArray(section.markets) ? section.markets : [placeholder]
    const decoded = Schema.decodeUnknownEither(plugin.config, { onExcessProperty: "error", errors: "all" })({
      ...pluginInput,
      markets: probe
    })
    if (Either.isLeft(decoded)) issues.push(...ConfigFile.issuesOf(decoded.left, ["strategies", name]))
    const prefix = section.clientIdPrefix ?? `ah-${name.replace(/[^A-Za-z0-9]/g, "").slice(0, 8)}-`
    if ([...prefixes].some((p) => p.startsWith(prefix) || prefix.startsWith(p))) {
      issues.push({
        path: `strategies.${name}.clientIdPrefix`,
        message: `client order id prefix "${prefix}" overlaps another strategy's; set a distinct clientIdPrefix`
      })
    }
    prefixes.add(prefix)
    strategies.push({ name, section, plugin, pluginInput, prefix })
  }
  const risk = Schema.decodeUnknownEither(RiskConfig.RiskConfig, { onExcessProperty: "error", errors: "all" })(
    config.risk
  )
  if (Either.isLeft(risk)) issues.push(...ConfigFile.issuesOf(risk.left, ["risk"]))
  if (issues.length > 0 || Either.isLeft(risk)) return fail(issues)
  return Either.right({ file, config, venues, strategies, risk: risk.right })
}

/** Reads, env-resolves and checks a config file. */
export const load = (
  file: string,
  registry: Registry,
  env: Readonly<Record<string, string | undefined>> = process.env
) => Effect.flatMap(ConfigFile.readFile(file, env), (raw) => resolve(file, raw, registry))

/** Markets picked by a selector, in the venue's order. */
export const select = (
  markets: ReadonlyArray<Market.Market>,
  selector: MarketSelector
): ReadonlyArray<Market.Market> => {
  if (Array.isArray(selector)) {
    const bySymbol = new Map(markets.map((m) => [m.symbol as string, m]))
    return selector.flatMap((s) => {
      const m = bySymbol.get(s)
      return m === undefined ? [] : [m]
    })
  }
  const s = selector as Exclude<MarketSelector, ReadonlyArray<string>>
  const picked = markets.filter(
    (m) =>
      (s.status === "any" || m.status === "open") &&
      (s.prefixes === undefined || s.prefixes.some((p) => m.symbol.startsWith(p))) &&
      (s.events === undefined || (m.eventId !== undefined && s.events.includes(m.eventId)))
  )
  return s.limit === undefined ? picked : picked.slice(0, s.limit)
}

/** The symbols a strategy trades: an explicit list as written (unknown ones included, to be reported), or a selection. */
export const selectedSymbols = (
  markets: ReadonlyArray<Market.Market>,
  selector: MarketSelector
): ReadonlyArray<string> =>
  Array.isArray(selector)
    ? (selector as ReadonlyArray<string>)
    : select(markets, selector).map((m) => m.symbol as string)

// ---------------------------------------------------------------------------------------------------------

export interface VenueSession {
  readonly name: string
  readonly diagnostics: Diagnostics.DiagnosticsService
  readonly exchange: Exchange.ExchangeService
  readonly engine: ExecutionEngine.ExecutionEngine
  /** the venue's health as routed to Risk and the journal */
  readonly health: Ref.Ref<HealthView>
  readonly markets: ReadonlyMap<string, Market.Market>
  readonly book: (
    symbol: Ids.Symbol
  ) => Effect.Effect<SubscriptionRef.SubscriptionRef<Option.Option<OrderBook.OrderBook>>>
  readonly fills: Ref.Ref<number>
}

export interface RunHandle {
  readonly sessions: ReadonlyArray<VenueSession>
  readonly risk: RiskEngine.RiskEngineService
  readonly journal: Journal.JournalService
  readonly startedAt: number
  readonly quoted: Ref.Ref<ReadonlySet<string>>
  /** cancels our resting orders everywhere and verifies none rests; returns what is still resting */
  readonly pullQuotes: Effect.Effect<number>
  /** venue totals already exported as Prometheus counters */
  readonly exportedTotals: Map<string, number>
}

const strategyOf = (resolved: Resolved, clientOrderId: string | undefined): string | undefined =>
  clientOrderId === undefined ? undefined : resolved.strategies.find((s) => clientOrderId.startsWith(s.prefix))?.name

const fillData = (f: Order.Fill) => ({
  tradeId: f.id,
  side: f.side,
  price: D.format(f.price),
  amount: D.format(f.amount),
  fee: D.format(f.fee.cost),
  takerOrMaker: f.takerOrMaker
})

/** Builds a venue plugin's layer in the current scope: its `Exchange` and `Diagnostics`. */
export const openPlugin = (v: Resolved["venues"][number]) =>
  Effect.map(Layer.build(v.plugin.layer(v.config, { venue: v.name })), (ctx) => ({
    exchange: Context.get(ctx, Exchange.Exchange),
    diagnostics: Context.get(ctx, Diagnostics.Diagnostics)
  }))

/** Opens one venue: markets, execution engine, health routing, order/fill streams, restart reconciliation. */
const openVenue = (
  resolved: Resolved,
  v: Resolved["venues"][number],
  risk: RiskEngine.RiskEngineService,
  journal: Journal.JournalService,
  log: (line: string) => Effect.Effect<void>
) =>
  Effect.gen(function* () {
    const { exchange, diagnostics } = yield* openPlugin(v)
    for (const line of diagnostics.banner) yield* log(`[${v.name}] ${line}`)
    const marketList = yield* exchange.fetchMarkets()
    const markets = new Map(marketList.map((m) => [m.symbol as string, m]))
    yield* risk.registerMarkets(v.name, marketList)
    // when each book last changed (high-resolution), for the tick-to-order histogram
    const bookSeenAt = new Map<string, bigint>()
    const onWrite = (symbol: string, kind: "create" | "cancel" | "amend", count: number) =>
      Effect.gen(function* () {
        yield* Metric.incrementBy(
          Metric.tagged(Metric.tagged(Metrics.ordersSent, "venue", v.name), "kind", kind),
          count
        )
        const seen = bookSeenAt.get(symbol)
        if (seen !== undefined && kind !== "cancel") {
          const now = yield* Clock.currentTimeNanos
          yield* Metric.update(Metric.tagged(Metrics.tickToOrder, "venue", v.name), Number(now - seen) / 1e9)
          bookSeenAt.delete(symbol) // one write per book change is attributed to it
        }
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
    const health = yield* VenueHealthRouter.follow(v.name, exchange, { risk, journal, log })
    const fills = yield* Ref.make(0)
    const seenTrades = new Set<string>(
      (yield* journal.query({ kinds: ["fill"], venue: v.name })).map((e) => String(e.data["tradeId"]))
    )
    const recordFill = (f: Order.Fill) =>
      Effect.gen(function* () {
        if (seenTrades.has(f.id)) return
        seenTrades.add(f.id)
        const strategy = strategyOf(resolved, f.clientOrderId)
        yield* Ref.update(fills, (n) => n + 1)
        yield* risk.onFill({ venue: v.name, ...(strategy ? { strategy } : {}) }, f)
        yield* journal.append({
          kind: "fill",
          venue: v.name,
          strategy,
          symbol: f.symbol,
          clientOrderId: f.clientOrderId,
          orderId: f.id === undefined ? undefined : f.orderId,
          data: fillData(f)
        })
      }).pipe(Effect.catchAll((e) => log(`[${v.name}] could not record fill ${f.id}: ${e.message}`)))

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
    const entries = yield* journal.query({
      venue: v.name,
      kinds: ["request", "ack", "reject", "resolved", "cancel", "update", "reconcile"]
    })
    const settled = new Set<string>()
    const requested = new Map<string, string>()
    for (const e of entries) {
      if (e.clientOrderId === undefined) continue
      if (e.kind === "request" && e.data["op"] === "create") requested.set(e.clientOrderId, e.symbol ?? "")
      else if (e.kind !== "request") settled.add(e.clientOrderId)
    }
    const openIds = new Set<string>(
      openOnVenue.flatMap((o) => (o.clientOrderId === undefined ? [] : [o.clientOrderId]))
    )
    let resolvedOnStart = 0
    for (const [coid, symbol] of requested) {
      if (settled.has(coid) || openIds.has(coid) || !ours(coid)) continue
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
    // fills we missed while down
    const lastFill = (yield* journal.query({ venue: v.name, kinds: ["fill"] })).at(-1)?.ts
    const missed = yield* exchange
      .fetchMyTrades(lastFill === undefined ? {} : { since: lastFill })
      .pipe(Effect.catchAll(() => Effect.succeed([] as ReadonlyArray<Order.Fill>)))
    for (const f of missed) if (ours(f.clientOrderId)) yield* recordFill(f)
    yield* journal.append({
      kind: "reconcile",
      venue: v.name,
      data: { openOnVenue: openOnVenue.length, adopted, canceledForeign, resolvedOnStart, missedFills: missed.length }
    })
    yield* log(
      `[${v.name}] ${marketList.length} markets; reconciled: ${adopted} of our orders adopted, ${resolvedOnStart} looked up, ${canceledForeign} foreign canceled`
    )

    // --- live streams ---------------------------------------------------------------------------------
    yield* exchange.watchOrders().pipe(
      Stream.runForEach((o) => (ours(o.clientOrderId) ? engine.onOrder(o) : Effect.void)),
      Effect.catchAllCause((c) => log(`[${v.name}] order stream ended: ${String(c)}`)),
      Effect.forkScoped
    )
    yield* exchange.watchMyTrades().pipe(
      Stream.runForEach((f) => (ours(f.clientOrderId) ? recordFill(f) : Effect.void)),
      Effect.catchAllCause((c) => log(`[${v.name}] fill stream ended: ${String(c)}`)),
      Effect.forkScoped
    )

    // one book subscription per market, shared by every strategy and the sampler
    const books = new Map<string, SubscriptionRef.SubscriptionRef<Option.Option<OrderBook.OrderBook>>>()
    const scope = yield* Effect.scope
    const book = (symbol: Ids.Symbol) =>
      Effect.gen(function* () {
        const existing = books.get(symbol)
        if (existing !== undefined) return existing
        const ref = yield* SubscriptionRef.make(Option.none<OrderBook.OrderBook>())
        books.set(symbol, ref)
        yield* exchange.watchOrderBook(symbol).pipe(
          Stream.runForEach((b) =>
            Effect.zipRight(
              Effect.map(Clock.currentTimeNanos, (t) => bookSeenAt.set(symbol, t)),
              SubscriptionRef.set(ref, Option.some(b))
            )
          ),
          Effect.catchAllCause((c) => log(`[${v.name}] book ${symbol} stream ended: ${String(c)}`)),
          Effect.forkIn(scope)
        )
        return ref
      })
    return { name: v.name, diagnostics, exchange, engine, health, markets, book, fills } satisfies VenueSession
  })

/** Builds a strategy's environment: read-only data for its venue and a gateway through the execution engine. */
const strategyEnv = (
  session: VenueSession,
  s: ResolvedStrategy,
  symbols: ReadonlyArray<string>,
  risk: RiskEngine.RiskEngineService,
  quoted: Ref.Ref<ReadonlySet<string>>
) =>
  Effect.gen(function* () {
    const gateway = yield* session.engine.gateway(s.name, s.prefix)
    const venueId = Ids.VenueId.make(session.name)
    const marketData = Strategy.MarketData.of({
      venue: venueId,
      markets: Effect.succeed(symbols.map((x) => session.markets.get(x)!).filter((m) => m !== undefined)),
      market: (symbol) => {
        const m = session.markets.get(symbol)
        return m === undefined
          ? Effect.fail(
              new ExchangeError.BadSymbol({ venue: session.name, message: `unknown market ${symbol}`, symbol })
            )
          : Effect.succeed(m)
      },
      book: (symbol) =>
        Stream.unwrap(Effect.map(session.book(symbol), (ref) => ref.changes.pipe(Stream.filterMap((o) => o))))
    })
    const mine = (t: OrderTracker.Tracked) => t.strategy === s.name
    const portfolio = Strategy.Portfolio.of({
      openOrders: (symbol) =>
        Effect.map(symbol === undefined ? session.engine.live : session.engine.liveIn(symbol), (ts) =>
          ts.filter(mine).map(OrderTracker.toOrder)
        ),
      positions: Effect.gen(function* () {
        const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
        const out: Array<Order.Position> = []
        for (const symbol of symbols) {
          const amount = yield* risk.position(session.name, symbol, s.name)
          out.push({
            symbol: Ids.Symbol.make(symbol),
            amount,
            cost: D.ZERO,
            realizedPnl: D.ZERO,
            feesPaid: D.ZERO,
            timestamp: now
          } as Order.Position)
        }
        return out
      }),
      position: (symbol) => risk.position(session.name, symbol, s.name),
      orders: session.exchange.watchOrders().pipe(Stream.filter((o) => o.clientOrderId?.startsWith(s.prefix) === true)),
      fills: session.exchange.watchMyTrades().pipe(Stream.filter((f) => f.clientOrderId?.startsWith(s.prefix) === true))
    })
    const trackingGateway = Strategy.OrderGateway.of({
      ...gateway,
      setQuotes: (target) =>
        Effect.zipRight(
          Ref.update(quoted, (q) => new Set([...q, `${session.name}:${target.symbol}`])),
          gateway.setQuotes(target)
        )
    })
    return Context.make(Strategy.MarketData, marketData).pipe(
      Context.add(Strategy.Portfolio, portfolio),
      Context.add(Strategy.OrderGateway, trackingGateway)
    )
  })

const restingNotional = (ts: ReadonlyArray<OrderTracker.Tracked>) =>
  D.sum(
    ts
      .filter((t) => t.status === "open")
      .map((t) => D.mul(t.side === "buy" ? t.price : D.sub(D.ONE, t.price), t.remaining))
  )

/** Starts everything in the current scope; returns a handle. Strategies run until the scope closes. */
export const start = (
  resolved: Resolved,
  options: { readonly log: (line: string) => Effect.Effect<void> }
): Effect.Effect<RunHandle, unknown, Scope.Scope | Journal.Journal> =>
  Effect.gen(function* () {
    const { log } = options
    const journal = yield* Journal.Journal
    const risk = yield* RiskEngine.make(resolved.risk)
    const startedAt = yield* Effect.clockWith((c) => c.currentTimeMillis)
    yield* journal.append({ kind: "run", venue: "*", data: { config: resolved.file, startedAt } })
    const sessions: Array<VenueSession> = []
    for (const v of resolved.venues) sessions.push(yield* openVenue(resolved, v, risk, journal, log))
    const quoted = yield* Ref.make<ReadonlySet<string>>(new Set())

    // risk state changes are journaled (halts, resumes, reasons)
    yield* risk.changes.pipe(
      Stream.runForEach((c) =>
        Effect.zipRight(
          journal.append({
            kind: c.state === "ACTIVE" ? "resume" : "halt",
            venue: c.scope?.venue ?? "*",
            strategy: c.scope?.strategy,
            data: { state: c.state, previous: c.previous, reason: c.reason }
          }),
          log(
            `[risk] ${c.scope ? `${c.scope.venue}${c.scope.strategy ? `/${c.scope.strategy}` : ""}` : "global"}: ${c.previous} → ${c.state} (${c.reason})`
          )
        ).pipe(Effect.ignore)
      ),
      Effect.forkScoped
    )

    const strategyFibers: Array<Fiber.RuntimeFiber<void, unknown>> = []
    for (const s of resolved.strategies) {
      const session = sessions.find((x) => x.name === s.section.venue)!
      const symbols = selectedSymbols([...session.markets.values()], s.section.markets)
      const unknownSymbols = symbols.filter((x) => !session.markets.has(x))
      if (unknownSymbols.length > 0) {
        return yield* new ConfigFile.ConfigError({
          file: resolved.file,
          issues: [
            { path: `strategies.${s.name}.markets`, message: `not on ${session.name}: ${unknownSymbols.join(", ")}` }
          ]
        })
      }
      const config = yield* Schema.decodeUnknown(s.plugin.config, { onExcessProperty: "error", errors: "all" })({
        ...s.pluginInput,
        markets: symbols
      }).pipe(
        Effect.mapError(
          (e) =>
            new ConfigFile.ConfigError({ file: resolved.file, issues: ConfigFile.issuesOf(e, ["strategies", s.name]) })
        )
      )
      const env = yield* strategyEnv(session, s, symbols, risk, quoted)
      const ctx = yield* Layer.build(
        s.plugin.layer(config, { id: s.name }).pipe(Layer.provide(Layer.succeedContext(env)))
      )
      const strategy = Context.get(ctx, Strategy.Strategy)
      yield* log(
        `[${s.name}] ${s.plugin.name} on ${session.name}: ${symbols.length} markets (${symbols.slice(0, 6).join(", ")}${symbols.length > 6 ? ", …" : ""})`
      )
      const fiber = yield* strategy.run.pipe(
        Effect.catchAllCause((c) => log(`[${s.name}] strategy stopped: ${String(c)}`)),
        Effect.forkScoped
      )
      strategyFibers.push(fiber)
    }

    // LIP sampling: one snapshot per quoted market per interval
    const grids = new Map<string, TickGrid.TickGrid>()
    const gridOf = (m: Market.Market) => {
      const key = `${m.venue}:${m.symbol}`
      let g = grids.get(key)
      if (g === undefined) {
        g = TickGrid.unsafeMake(m.tickGrid)
        grids.set(key, g)
      }
      return g
    }
    if (resolved.config.run.sampleIntervalMs > 0) {
      yield* Effect.gen(function* () {
        for (const session of sessions) {
          const live = yield* session.engine.live
          const symbols = new Set(live.map((t) => t.symbol as string))
          for (const symbol of symbols) {
            const ref = yield* session.book(Ids.Symbol.make(symbol))
            const b = yield* SubscriptionRef.get(ref)
            if (Option.isNone(b)) continue
            const m = session.markets.get(symbol)
            const mineAt = (side: Order.Side, price: D.Decimal) =>
              D.sum(
                live
                  .filter((t) => t.symbol === symbol && t.side === side && t.price === price && t.status === "open")
                  .map((t) => t.remaining)
              )
            const grid = m === undefined ? undefined : gridOf(m)
            // [distance from the best level in ticks, size, ours], best first
            const levels = (side: Order.Side, ls: ReadonlyArray<OrderBook.Level>) => {
              const best = ls[0] === undefined || grid === undefined ? -1 : grid.levelOf(ls[0][0])
              return ls
                .slice(0, 50)
                .map(([p, a]) => [
                  String(best < 0 ? 0 : Math.abs(best - grid!.levelOf(p))),
                  D.format(a),
                  D.format(mineAt(side, p))
                ])
            }
            const bb = b.value.bids[0]?.[0]
            const ba = b.value.asks[0]?.[0]
            yield* journal.append({
              kind: "sample",
              venue: session.name,
              symbol,
              data: {
                open: m?.status === "open",
                ...(bb !== undefined && ba !== undefined ? { mid: D.format(D.div(D.add(bb, ba), D.int(2))) } : {}),
                bids: levels("buy", b.value.bids),
                asks: levels("sell", b.value.asks)
              }
            })
          }
        }
      }).pipe(
        Effect.catchAll((e) => log(`sampler: ${String(e)}`)),
        Effect.repeat(Schedule.spaced(Duration.millis(resolved.config.run.sampleIntervalMs))),
        Effect.forkScoped
      )
    }

    /**
     * Stop: interrupt the strategies, cancel our orders, and verify through the venue that none rests.
     * A write that was in flight when a strategy stopped can still land after a first clean look, so the
     * venue must look clean twice, at least a second apart (and our own order view must have no write in
     * flight) before we say so.
     */
    const pullQuotes = Effect.gen(function* () {
      yield* Fiber.interruptAll(strategyFibers)
      let resting = 0
      for (const session of sessions) {
        let clean = 0
        let still: ReadonlyArray<Order.Order> = []
        for (let attempt = 0; attempt < 12 && clean < 2; attempt++) {
          const live = yield* session.engine.live
          for (const st of new Set(live.filter((t) => t.status === "open").map((t) => t.strategy))) {
            const s = resolved.strategies.find((x) => x.name === st)
            if (s === undefined) continue
            const gw = yield* session.engine.gateway(s.name, s.prefix)
            yield* gw.cancelAll().pipe(Effect.catchAll((e) => log(`[${session.name}] cancel: ${e.message}`)))
          }
          still = (yield* session.exchange.fetchOpenOrders().pipe(Effect.orElseSucceed(() => still))).filter(
            (o) => strategyOf(resolved, o.clientOrderId) !== undefined
          )
          for (const o of still) {
            yield* session.exchange
              .cancelOrder(o.id, o.symbol)
              .pipe(
                Effect.catchAll((e) =>
                  attempt >= 3
                    ? log(`[${session.name}] cancel ${o.clientOrderId ?? o.id}: ${errorText(e)}`)
                    : Effect.void
                )
              )
          }
          const inFlight = (yield* session.engine.live).some((t) => t.status.startsWith("pending"))
          clean = still.length === 0 && (!inFlight || attempt >= 4) ? clean + 1 : 0
          if (clean < 2) yield* Effect.sleep(Duration.millis(clean === 1 ? 1000 : 250 * (attempt + 1)))
        }
        if (clean < 2) resting += still.length
      }
      return resting
    })

    return { sessions, risk, journal, startedAt, quoted, pullQuotes, exportedTotals: new Map() } satisfies RunHandle
  })

/** Venue diagnostics → Prometheus: token gauges, message age, and counters advanced by the totals' growth. */
const exportGauges = (
  venue: string,
  d: Diagnostics.DiagnosticsService,
  desyncs: number,
  lastTotals: Map<string, number>
) =>
  Effect.gen(function* () {
    for (const b of yield* d.budgets) {
      yield* Metric.set(
        Metric.tagged(Metric.tagged(Metrics.tokenHeadroom, "venue", venue), "bucket", b.name),
        b.available
      )
    }
    const c = yield* d.counters
    yield* Metric.set(Metric.tagged(Metrics.wsMessageAge, "venue", venue), c.messageAgeMs)
    const counters = [
      ["rateLimited", c.rateLimited, Metrics.rateLimited],
      ["desyncs", desyncs, Metrics.desyncs],
      ["bookResyncs", c.bookResyncs, Metrics.bookResyncs]
    ] as const
    for (const [name, total, counter] of counters) {
      const key = `${venue}\u0000${name}`
      const delta = total - (lastTotals.get(key) ?? 0)
      lastTotals.set(key, total)
      if (delta > 0) yield* Metric.incrementBy(Metric.tagged(counter, "venue", venue), delta)
    }
  })

/** One status line: markets quoted, resting orders, fills, position, P&L, headroom, desyncs. */
export const statusLine = (h: RunHandle) =>
  Effect.gen(function* () {
    const quoted = (yield* Ref.get(h.quoted)).size
    let resting = 0
    let fills = 0
    let desyncs = 0
    const venueNotes: Array<string> = []
    let unknown = 0
    const headroom: Array<string> = []
    const live: Array<OrderTracker.Tracked> = []
    for (const s of h.sessions) {
      const l = yield* s.engine.live
      live.push(...l)
      resting += l.filter((t) => t.status === "open").length
      unknown += l.filter((t) => t.status === "unknown").length
      fills += yield* Ref.get(s.fills)
      const hv = yield* Ref.get(s.health)
      desyncs += hv.desyncs
      if (!hv.connected) venueNotes.push(`${s.name} stream down`)
      const budgets = yield* s.diagnostics.budgets
      if (budgets.length > 0) {
        const c = yield* s.diagnostics.counters
        headroom.push(
          `${s.name} ${Diagnostics.formatBudgets(budgets)}${c.rateLimited > 0 ? ` 429s ${c.rateLimited}` : ""}`
        )
      }
      yield* exportGauges(s.name, s.diagnostics, hv.desyncs, h.exportedTotals)
    }
    const summary = yield* h.risk.summary()
    let position = D.ZERO
    for (const key of yield* Ref.get(h.quoted)) {
      const [venue, symbol] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)]
      position = D.add(position, D.abs(yield* h.risk.position(venue, symbol)))
    }
    const notional = restingNotional(live)
    yield* Metric.set(Metrics.restingOrders, resting)
    yield* Metric.set(Metrics.unresolvedOrders, unknown)
    yield* Metric.set(Metrics.restingNotional, D.toNumberLossy(notional))
    return [
      `quoted ${quoted}`,
      `resting ${resting} ($${D.format(D.round(notional, 2, "half-even"), 2)})`,
      `fills ${fills}`,
      `position ${D.format(position)}`,
      `exposure $${D.format(D.round(summary.grossExposure, 2, "half-even"), 2)}`,
      `P&L $${D.format(D.round(summary.pnl, 4, "half-even"), 4)}`,
      ...(headroom.length > 0 ? [`tokens ${headroom.join(", ")}`] : []),
      `desyncs ${desyncs}`,
      ...(unknown > 0 ? [`unresolved ${unknown}`] : []),
      ...(yield* h.risk.statuses).map(
        (st) =>
          `${st.scope?.venue ?? "all"}${st.scope?.strategy ? `/${st.scope.strategy}` : ""} ${st.state} (${st.reason})`
      ),
      ...venueNotes
    ].join(" | ")
  })

/** The `verify` checks, each ✅ or ❌ with a detail. Never throws: every failure becomes a check. */
export const verify = (resolved: Resolved): Effect.Effect<ReadonlyArray<Diagnostics.Check>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const checks: Array<Diagnostics.Check> = [{ name: "config valid", ok: true, detail: resolved.file }]
    const add = (name: string, ok: boolean, detail: string) => Effect.sync(() => checks.push({ name, ok, detail }))
    for (const v of resolved.venues) {
      const opened = yield* Effect.either(openPlugin(v))
      if (Either.isLeft(opened)) {
        yield* add(`${v.name}: connect`, false, errorText(opened.left))
        continue
      }
      const ex = opened.right.exchange
      const balance = yield* Effect.either(ex.fetchBalance())
      yield* add(
        `${v.name}: credentials accepted (signed balance read)`,
        Either.isRight(balance),
        Either.isRight(balance)
          ? balance.right.map((b) => `${b.currency} ${D.format(b.total)}`).join(", ") || "no balances"
          : errorText(balance.left)
      )
      const markets = yield* Effect.either(ex.fetchMarkets())
      yield* add(
        `${v.name}: markets readable`,
        Either.isRight(markets) && markets.right.length > 0,
        Either.isRight(markets) ? `${markets.right.length} markets` : errorText(markets.left)
      )
      checks.push(...(yield* opened.right.diagnostics.checks))
      const known = Either.isRight(markets) ? markets.right : []
      for (const s of resolved.strategies.filter((x) => x.section.venue === v.name)) {
        const symbols = selectedSymbols(known, s.section.markets)
        const missing = symbols.filter((x) => !known.some((m) => m.symbol === x))
        yield* add(
          `${s.name}: markets exist`,
          missing.length === 0 && symbols.length > 0,
          missing.length > 0 ? `not found on ${v.name}: ${missing.join(", ")}` : `${symbols.length} markets`
        )
        for (const symbol of symbols.filter((x) => !missing.includes(x)).slice(0, 20)) {
          const b = yield* Effect.either(ex.fetchOrderBook(Ids.Symbol.make(symbol)))
          if (Either.isLeft(b)) yield* add(`${s.name}: order book ${symbol}`, false, errorText(b.left))
        }
        yield* add(`${s.name}: order books readable`, true, `checked ${Math.min(symbols.length, 20)}`)
        const params = s.pluginInput["params"] as Record<string, unknown> | undefined
        const minSpread = params?.["minSpreadTicks"] ?? 2
        yield* add(`${s.name}: min spread`, true, `${String(minSpread)} ticks`)
      }
      yield* add(
        `${v.name}: batch orders`,
        ex.has.createOrders !== false,
        `create ≤ ${ex.features.maxBatchCreate}, cancel ≤ ${ex.features.maxBatchCancel} per request`
      )
      yield* add(
        `${v.name}: emergency cancel path`,
        ex.has.cancelAllOrders !== false,
        ex.has.cancelAllOrders === true ? "native cancel-all" : `cancel-all is ${String(ex.has.cancelAllOrders)}`
      )
    }
    return checks
  }).pipe(Effect.catchAllCause((c) => Effect.succeed([{ name: "verify", ok: false, detail: String(c) }])))

export const errorText = (e: unknown): string => {
  if (typeof e === "object" && e !== null && "_tag" in e) {
    const tag = String((e as { _tag: unknown })._tag)
    const msg = "message" in e ? String((e as { message: unknown }).message) : ""
    return msg ? `${tag}: ${msg}` : tag
  }
  return String(e)
}

/** Computes the report for a run (or the whole journal). */
export const report = (journal: Journal.JournalService, options: Report.ReportOptions) =>
  Effect.map(journal.query(options.since === undefined ? {} : { since: options.since }), (entries) =>
    Report.compute(entries, options)
  )
