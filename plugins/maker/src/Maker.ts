/**
 * The maker strategy: a thin Effect layer around the pure quoting rule (Quoting.ts).
 *
 * Per market it follows `MarketData.book` (integer views, already conflated: latest wins), reads its own orders
 * and position from `Portfolio`, computes the target quotes on levels and lots and hands them to
 * `OrderGateway.setQuotes` (or `submit` for an IOC take in execution mode). The book is never converted from
 * Decimals: the view's levels and lots go to `Quoting` as they are. It never touches the exchange. On stop, a
 * finalizer cancels every order it has resting.
 */
import {
  Decimal as D,
  type ExchangeError,
  Ids,
  type Market,
  Order,
  type OrderBook,
  Plugin,
  Strategy
} from "@alpha-hunter/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberMap from "effect/FiberMap"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import { MakerConfig, paramsFor, type Target } from "./MakerConfig.js"
import { bookSide, capsOf, lotsOf, ownOrders, type Prepared, prepare, toQuote } from "./Prepared.js"
import * as ProgramQuoting from "./ProgramQuoting.js"
import * as Q from "./Quoting.js"
import * as Signals from "./Signals.js"
import * as Take from "./Take.js"

export { bookSide, capsOf, lotsOf, ownOrders, type Prepared, prepare, toQuote } from "./Prepared.js"

/** True when the resting orders already are exactly the wanted quotes (nothing to send). */
const alreadyMatches = (
  own: ReadonlyArray<Order.Order>,
  bids: ReadonlyArray<Strategy.Quote>,
  asks: ReadonlyArray<Strategy.Quote>
) => sameSide(own, "buy", bids) && sameSide(own, "sell", asks)

// (helpers at module level, not closures made per decision: the TypeScript loader names each closure it makes)
const sameSide = (own: ReadonlyArray<Order.Order>, side: "buy" | "sell", wanted: ReadonlyArray<Strategy.Quote>) => {
  const mine = own.filter((o) => o.side === side)
  return (
    mine.length === wanted.length &&
    wanted.every((q) => mine.some((o) => o.price === q.price && o.remaining === q.amount))
  )
}

/** The quote target of a decision's quotes (the best of the others' book beside each, for the journal). */
const targetOf = (p: Prepared, quotes: Q.Quotes, input: Q.QuoteInput | undefined) => {
  const bestBid = input === undefined ? -1 : Q.viewSide(input.bids, input.own, "buy", 0).best
  const bestAsk = input === undefined ? -1 : Q.viewSide(input.asks, input.own, "sell", 0).best
  return {
    bids: quotes.bid === undefined ? [] : [toQuote(quotes.bid, p, "buy", bestBid)],
    asks: quotes.ask === undefined ? [] : [toQuote(quotes.ask, p, "sell", bestAsk)]
  }
}

interface FillTimes {
  readonly buy: number | undefined
  readonly sell: number | undefined
}

/** A market's facts are read again at most this often by its quoting loop. */
const MARKET_TTL_MS = 60_000

/** Refusals a quoting loop meets in normal operation (the state change itself is logged once by the runner). */
const routine: ReadonlySet<string> = new Set(["TRADING_HALTED", "REDUCING_ONLY", "UNRESOLVED_ORDER"])

export const make = (config: MakerConfig, id: string) =>
  Effect.gen(function* () {
    const md = yield* Strategy.MarketData
    const pf = yield* Strategy.Portfolio
    const gw = yield* Strategy.OrderGateway
    // the Risk limits on our next order, when the runner provides them: every size is planned within them
    const orderLimits = yield* Effect.serviceOption(Strategy.OrderLimits)
    // a persistent map: a fill updates its market's entry, not a copy of every market's
    const lastFills = yield* Ref.make(HashMap.empty<string, FillTimes>())
    const lastTakes = yield* Ref.make(new Map<string, number>())
    const targets = yield* Ref.make(
      new Map<string, Target>((config.execution?.targets ?? []).map((t) => [t.symbol, t]))
    )
    const touched = yield* Ref.make(new Set<string>(config.markets))
    const exec = config.execution
    const programs = yield* ProgramQuoting.make(config, id)

    // one line per failure, no stack; a refusal because trading is halted or reduced (already said once, where
    // the state changed) or waits for a lookup is routine: debug only, so a halted bot stays quiet
    const log = (symbol: string, what: string) => (e: unknown) => {
      const t =
        typeof e === "object" && e !== null && "_tag" in e
          ? (e as { readonly _tag: string; readonly message?: string; readonly reason?: string })
          : undefined
      const line = `maker ${id}: ${what} failed in ${symbol}: ${
        t === undefined ? String(e) : `${t._tag}${t.reason ? ` ${t.reason}` : ""}${t.message ? `: ${t.message}` : ""}`
      }`
      return t?._tag === "RiskDenied" && t.reason !== undefined && routine.has(t.reason)
        ? Effect.logDebug(line)
        : Effect.logWarning(line)
    }

    /**
     * Cancels aged orders, then sends the wanted quotes unless they already rest. Called where it runs (inside a
     * decision): with nothing to cancel, what to send is worked out at once and a match sends nothing (hot path).
     */
    const apply = (p: Prepared, wanted: Q.Quotes, own: ReadonlyArray<Order.Order>, input?: Q.QuoteInput) => {
      const symbol = p.market.symbol
      // one step from what rests: a quote that would meet our own resting order on the other side waits a round
      const quotes = input === undefined ? wanted : Q.stepFrom(wanted, input.own)
      if (quotes.cancel.length === 0) {
        const t = targetOf(p, quotes, input)
        return alreadyMatches(own, t.bids, t.asks) ? Effect.void : sendQuotes(symbol, t)
      }
      return Effect.gen(function* () {
        for (const orderId of quotes.cancel) {
          yield* gw.cancel(symbol, Ids.OrderId.make(orderId)).pipe(Effect.catchAll(log(symbol, "cancel")))
        }
        yield* sendQuotes(symbol, targetOf(p, quotes, input))
      })
    }
    const sendQuotes = (symbol: Ids.Symbol, t: ReturnType<typeof targetOf>) =>
      gw
        .setQuotes(Strategy.quoteTarget({ symbol, bids: t.bids, asks: t.asks }))
        .pipe(Effect.catchAll(log(symbol, "setQuotes")))

    const take = (
      p: Prepared,
      view: OrderBook.BookView,
      side: "buy" | "sell",
      lots: number,
      target: Target,
      own: ReadonlyArray<Order.Order>
    ) =>
      Effect.gen(function* () {
        if (exec === undefined || lots <= 0) return
        const symbol = p.market.symbol
        const now = yield* Clock.currentTimeMillis
        const last = (yield* Ref.get(lastTakes)).get(symbol)
        if (last !== undefined && now - last < exec.takeCooldownMs) return
        // pull our resting quotes first: a take must not meet our own order
        if (own.length > 0)
          yield* apply(p, { bid: undefined, ask: undefined, cancel: [], bidSkip: "target", askSkip: "target" }, own)
        const cap = side === "buy" ? (target.maxPrice ?? exec.maxPrice) : (target.minPrice ?? exec.minPrice)
        const planned = Take.plan({
          book: view.toOrderBook(), // the taker path walks Decimal levels; built only here
          side,
          amount: D.mulInt(p.step, Math.min(lots, lotsOf(exec.maxOrderSize, p.step))),
          cap,
          fees: p.market.fees,
          maxCostPerContract: exec.maxTakeCostPerContract
        })
        if (Either.isLeft(planned)) {
          yield* Effect.logInfo(`maker ${id}: take refused in ${symbol}: ${planned.left}`)
          return
        }
        // within the Risk limits at the take's limit price
        const limits = Option.isSome(orderLimits) ? yield* orderLimits.value.limits(symbol) : undefined
        const largest = limits === undefined ? undefined : Strategy.largestOrder(limits, side, planned.right.limitPrice)
        const amount =
          largest === undefined
            ? planned.right.amount
            : D.min(planned.right.amount, D.mulInt(p.step, lotsOf(largest, p.step)))
        if (amount <= 0n) {
          yield* Effect.logInfo(`maker ${id}: take refused in ${symbol}: no room within the risk limits`)
          return
        }
        yield* Ref.update(lastTakes, (m) => new Map(m).set(symbol, now))
        const plan = { ...planned.right, amount }
        yield* gw
          .submit(
            Order.OrderRequest.make({
              symbol,
              side,
              price: plan.limitPrice,
              amount: plan.amount,
              timeInForce: "IOC",
              postOnly: false
            })
          )
          .pipe(Effect.catchAll(log(symbol, "take")))
      })

    /** One decision on a book view, at `now` (the loop's clock, read with the market's facts). */
    /**
     * One decision on a book view (every book change of every market): its four reads as one chain (no
     * generator: this runs ~30 times for each order placed), then the quote rule.
     */
    const noLimits = Effect.succeed(undefined)
    const step = (p: Prepared, book: OrderBook.BookView, now: number, forProgram?: ProgramQuoting.MarketQuoting) => {
      const symbol = p.market.symbol
      return Effect.flatMap(pf.openOrders(symbol), (open) =>
        Effect.flatMap(pf.position(symbol), (position) =>
          Effect.flatMap(Ref.get(lastFills), (lastFilled) =>
            Effect.flatMap(Option.isSome(orderLimits) ? orderLimits.value.limits(symbol) : noLimits, (limits) => {
              const orders = open.filter((o) => o.symbol === symbol && !Order.isTerminal(o.status))
              const fills = Option.getOrUndefined(HashMap.get(lastFilled, symbol))
              const input: Q.QuoteInput = {
                bids: bookSide(book, "bid", p),
                asks: bookSide(book, "ask", p),
                own: ownOrders(orders, p),
                positionLots: lotsOf(position, p.step),
                now,
                open: p.market.status === "open",
                closeTime: p.market.closeTime,
                lastBuyFillAt: fills?.buy,
                lastSellFillAt: fills?.sell,
                // named, not spread in (a spread in a literal is V8's slow path): undefined when no limits are read
                capLots: limits === undefined ? undefined : capsOf(limits, p)
              }
              if (config.mode === "liquidity" || exec === undefined) {
                // program-aware where the venue lists a liquidity program for the market, else the plain rule
                return forProgram === undefined
                  ? apply(p, Q.quote(input, p.quote), orders, input)
                  : Effect.flatMap(forProgram(p, input), (planned) =>
                      apply(p, planned ?? Q.quote(input, p.quote), orders, input)
                    )
              }
              return toTarget(p, book, input, orders, position, exec)
            })
          )
        )
      )
    }

    /** Execution mode: works the market's position toward the operator's target. */
    const toTarget = (
      p: Prepared,
      book: OrderBook.BookView,
      input: Q.QuoteInput,
      orders: ReadonlyArray<Order.Order>,
      position: D.Decimal,
      exec: NonNullable<typeof config.execution>
    ) =>
      Effect.gen(function* () {
        const symbol = p.market.symbol
        const target = (yield* Ref.get(targets)).get(symbol)
        const idle: Q.Quotes = { bid: undefined, ask: undefined, cancel: [], bidSkip: "target", askSkip: "target" }
        if (target === undefined) return yield* apply(p, idle, orders)
        const deltaLots = lotsOf(D.sub(target.position, position), p.step)
        if (deltaLots === 0) return yield* apply(p, idle, orders)
        const side = deltaLots > 0 ? "buy" : "sell"
        const path = Take.rolloutPath(exec.seed, target.id ?? symbol, exec.rolloutFraction)
        if (path === "taker") return yield* take(p, book, side, Math.abs(deltaLots), target, orders)
        const cap = side === "buy" ? (target.maxPrice ?? exec.maxPrice) : (target.minPrice ?? exec.minPrice)
        const capLevel =
          cap === undefined
            ? side === "buy"
              ? p.quote.maxLevel
              : p.quote.minLevel
            : side === "buy"
              ? p.grid.floorLevel(cap)
              : p.grid.ceilLevel(cap)
        const r = Q.work({ ...input, deltaLots, capLevel, maxOrderLots: lotsOf(exec.maxOrderSize, p.step) }, p.quote)
        switch (r._tag) {
          case "Quote":
            return yield* apply(p, r.quotes, orders, input)
          case "Idle":
            return yield* apply(p, idle, orders)
          case "Tight":
            if (exec.fallback === "take") return yield* take(p, book, r.side, r.lots, target, orders)
            return yield* apply(p, idle, orders)
        }
      })

    /** Follows one market's book until interrupted; a failed stream is logged and resubscribed. */
    const runMarket = (symbol: string) =>
      Effect.gen(function* () {
        yield* Ref.update(touched, (s) => new Set(s).add(symbol))
        const sym = Ids.Symbol.make(symbol)
        // the market's facts, read again at most once a minute (its outcome kept: a failure too); a hand-made
        // cache checked with the decision's clock read (Effect.cachedWithTTL costs a semaphore per decision)
        const clock = yield* Effect.clock
        let marketEnd = 0
        let marketRead: Exit.Exit<Market.Market, ExchangeError.ExchangeError> | undefined
        const readMarket = (t: number) =>
          Effect.flatten(
            Effect.tap(Effect.exit(md.market(sym)), (e) => {
              marketRead = e
              marketEnd = t + MARKET_TTL_MS
            })
          )
        const params = paramsFor(config, symbol)
        const forProgram = config.mode === "liquidity" ? programs.market(symbol) : undefined
        // the sizes are prepared once per market snapshot and book grid, not per book update (hot path)
        let prepared: Prepared | undefined
        const preparedFor = (m: Market.Market, view: OrderBook.BookView): Prepared => {
          if (
            prepared === undefined ||
            prepared.market !== m ||
            prepared.grid !== view.grid ||
            prepared.lotStep !== view.lotStep
          ) {
            prepared = prepare(m, params, view.grid, view.lotStep)
          }
          return prepared
        }
        // a decision at the clock's time: straight to the step while the market's facts are fresh
        const decide = (book: OrderBook.BookView) =>
          Effect.catchAll(
            Effect.suspend(() => {
              const t = clock.unsafeCurrentTimeMillis()
              const m = marketRead !== undefined && marketEnd - t > 0 ? marketRead : undefined
              return m !== undefined && Exit.isSuccess(m)
                ? step(preparedFor(m.value, book), book, t, forProgram)
                : Effect.flatMap(m ?? readMarket(t), (market) => step(preparedFor(market, book), book, t, forProgram))
            }),
            log(symbol, "quote")
          )
        // MarketData.book is conflated at the strategy edge (latest wins): no buffer of our own; read by a loop
        // where the venue offers one (`followBook`), else chunk by chunk
        yield* Strategy.forEachView(md, sym, decide)
      }).pipe(Effect.catchAll(log(symbol, "book stream")), Effect.repeat(Schedule.spaced("1 second")), Effect.asVoid)

    /** Cancels every order we have resting in the markets we worked. */
    const pullAll = Effect.gen(function* () {
      const symbols = yield* Ref.get(touched)
      const open = yield* pf.openOrders()
      for (const o of open) {
        if (symbols.has(o.symbol) && !Order.isTerminal(o.status)) {
          yield* gw.cancel(o.symbol, o.id).pipe(
            // the order left our live set between the listing and the cancel (the runner's own stop pull, or a
            // fill): nothing of ours rests there, nothing to say
            Effect.catchIf(
              (e) => e._tag === "PermissionDenied",
              () => Effect.logDebug(`maker ${id}: ${o.id} in ${o.symbol} finished before its cancel on stop`)
            ),
            Effect.catchAll(log(o.symbol, "cancel on stop"))
          )
        }
      }
    }).pipe(Effect.catchAll((e) => Effect.logWarning(`maker ${id}: pulling quotes on stop failed`, e)))

    yield* Effect.addFinalizer(() => pullAll)

    const run = Effect.scoped(
      Effect.gen(function* () {
        const loops = yield* FiberMap.make<string>()
        const start = (symbol: string) => FiberMap.run(loops, symbol, runMarket(symbol), { onlyIfMissing: true })
        // one clock read and one update per batch of fills (the ones waiting when the loop reads)
        yield* Strategy.forEachFills(pf, (fs) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Ref.update(lastFills, (m) => {
              let next = m
              for (const f of fs) {
                const prev = Option.getOrUndefined(HashMap.get(next, f.symbol))
                next = HashMap.set(
                  next,
                  f.symbol,
                  f.side === "buy" ? { buy: now, sell: prev?.sell } : { buy: prev?.buy, sell: now }
                )
              }
              return next
            })
          )
        ).pipe(
          Effect.catchAll((e) => Effect.logWarning(`maker ${id}: fill stream failed`, e)),
          Effect.repeat(Schedule.spaced("1 second")),
          Effect.forkScoped
        )
        if (config.mode === "liquidity") {
          for (const s of config.markets) yield* start(s)
        } else {
          for (const s of config.markets) yield* start(s)
          for (const s of (yield* Ref.get(targets)).keys()) yield* start(s)
          if (exec?.file !== undefined) {
            const file = exec.file
            yield* Signals.watchFile(file.path, file.pollMs, (next) =>
              Effect.gen(function* () {
                yield* Ref.update(targets, (m) => new Map([...m, ...next]))
                for (const s of next.keys()) yield* start(s)
              })
            ).pipe(Effect.forkScoped)
          }
        }
        return yield* Effect.never
      })
    )

    return Strategy.Strategy.of({ id, run })
  })

/** The strategy layer for a decoded config. Requires only `StrategyEnv`. */
export const layer = (config: MakerConfig, context: { readonly id: string }) =>
  Layer.scoped(Strategy.Strategy, make(config, context.id))

/** Registry entry: the runner decodes `MakerConfig` (before connecting) and builds `layer`. */
export const plugin = Plugin.strategyPlugin({
  name: "maker",
  description:
    "Rests post-only limit orders one tick inside the spread, sized and placed for the venue's liquidity programs where it lists one (liquidity mode), or works position targets as maker orders with a taker fallback (execution mode).",
  config: MakerConfig,
  layer
})
