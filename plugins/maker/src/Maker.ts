/**
 * The maker strategy: a thin Effect layer around the pure quoting rule (Quoting.ts).
 *
 * Per market it follows `MarketData.book` (integer views, already conflated: latest wins), reads its own orders
 * and position from `Portfolio`, computes the target quotes on levels and lots and hands them to
 * `OrderGateway.setQuotes` (or `submit` for an IOC take in execution mode). The book is never converted from
 * Decimals: the view's levels and lots go to `Quoting` as they are. It never touches the exchange. On stop, a
 * finalizer cancels every order it has resting.
 */
import { Decimal as D, Ids, type Market, Order, type OrderBook, Plugin, Strategy, TickGrid } from "@alpha-hunter/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberMap from "effect/FiberMap"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { MakerConfig, paramsFor, type ResolvedParams, type Target } from "./MakerConfig.js"
import * as ProgramQuoting from "./ProgramQuoting.js"
import * as Q from "./Quoting.js"
import * as Signals from "./Signals.js"
import * as Take from "./Take.js"

type Decimal = D.Decimal

/** A market prepared for the hot path: its grid, lot step and parameters in levels/lots. */
export interface Prepared {
  readonly market: Market.Market
  readonly grid: TickGrid.TickGrid
  readonly step: Decimal
  readonly params: ResolvedParams
  readonly quote: Q.QuoteParams
  /**
   * How a book lot converts to a market lot: `lotStep` is the book's lot; when the market's step is a whole
   * number `lotRatio` of them, a size is `floor(lots / lotRatio)` (1: the same lot, no conversion).
   */
  readonly lotStep: Decimal
  readonly lotRatio: number | undefined
}

/** Whole lots in an amount (floor toward zero). */
export const lotsOf = (x: Decimal, step: Decimal): number => Number(D.divToInt(x, step, "down"))

/**
 * Prepares a market once per market snapshot and book grid (not per update). `grid` is the grid the book's
 * levels are on (the view's); `lotStep` the book's lot.
 */
export const prepare = (
  market: Market.Market,
  params: ResolvedParams,
  grid: TickGrid.TickGrid = TickGrid.unsafeMake(market.tickGrid),
  lotStep: Decimal = market.amountStep
): Prepared => {
  const step = market.amountStep
  const lots = (x: Decimal) => lotsOf(x, step)
  const curve = [
    { minSpreadTicks: 0, lots: lots(params.orderSize) },
    ...[...params.sizeCurve]
      .sort((a, b) => a.minSpreadTicks - b.minSpreadTicks)
      .map((e) => ({ minSpreadTicks: e.minSpreadTicks, lots: lots(e.size) }))
  ]
  const minLevel = params.minPrice === undefined ? 0 : Math.max(0, grid.ceilLevel(params.minPrice))
  const maxLevel =
    params.maxPrice === undefined ? grid.size - 1 : Math.min(grid.size - 1, grid.floorLevel(params.maxPrice))
  return {
    market,
    grid,
    step,
    params,
    lotStep,
    lotRatio: D.isMultipleOf(step, lotStep) ? Number(D.divToInt(step, lotStep)) : undefined,
    quote: {
      minSpreadTicks: params.minSpreadTicks,
      minSizeAheadLots: lots(params.minSizeAhead),
      sizeCurve: curve,
      maxPositionLots: params.maxPosition === undefined ? Number.POSITIVE_INFINITY : lots(params.maxPosition),
      inventorySkew: params.inventorySkew,
      requoteToleranceTicks: params.requoteToleranceTicks,
      requoteSizeTolerance: params.requoteSizeTolerance,
      maxOrderAgeMs: params.maxOrderAgeMs,
      filledOrderDelayMs: params.filledOrderDelayMs,
      stopBeforeCloseMs: params.stopBeforeCloseMs,
      minLevel,
      maxLevel,
      tightSpread: params.tightSpread
    }
  }
}

/**
 * One side of the book in the market's levels and lots, best first. When the book's lot is the market's
 * (every venue so far) this is the view's own arrays: nothing is converted or copied.
 */
export const bookSide = (view: OrderBook.BookView, side: OrderBook.BookSide, p: Prepared): Q.SideLevels => {
  const s = view.levels(side)
  const r = p.lotRatio
  if (r === 1) return s
  const lots: Array<number> = new Array(s.lots.length)
  for (let i = 0; i < s.lots.length; i++) {
    lots[i] = r === undefined ? lotsOf(D.mulInt(p.lotStep, s.lots[i]!), p.step) : Math.floor(s.lots[i]! / r)
  }
  return { levels: s.levels, lots }
}

export const ownOrders = (orders: ReadonlyArray<Order.Order>, p: Prepared): ReadonlyArray<Q.OwnOrder> => {
  const out: Array<Q.OwnOrder> = []
  for (const o of orders) {
    if (o.symbol !== p.market.symbol || Order.isTerminal(o.status)) continue
    const level = p.grid.levelOf(o.price)
    if (level < 0) continue
    out.push({ id: o.id, side: o.side, level, lots: lotsOf(o.remaining, p.step), createdAt: o.timestamp })
  }
  return out
}

/**
 * A side quote as a core Quote. `best` is the best level on that side without our own orders (-1 when
 * empty); the quote records how many ticks (and how much price) it improves on it, for the report.
 */
export const toQuote = (q: Q.SideQuote, p: Prepared, side?: "buy" | "sell", best = -1): Strategy.Quote => {
  const price = p.grid.priceAt(q.level)
  if (side === undefined || best < 0) return Strategy.quote({ price, amount: D.mulInt(p.step, q.lots) })
  const ticks = side === "buy" ? q.level - best : best - q.level
  return Strategy.quote({
    price,
    amount: D.mulInt(p.step, q.lots),
    improvementTicks: ticks,
    improvement: side === "buy" ? D.sub(price, p.grid.priceAt(best)) : D.sub(p.grid.priceAt(best), price)
  })
}

/**
 * The most lots of one order at a level under the Risk limits (size, cost at the level's price, price band,
 * position room), in the market's lots (rounded down to its step).
 */
export const capsOf =
  (limits: Strategy.MarketLimits, p: Prepared) =>
  (side: "buy" | "sell", level: number): number => {
    const x = Strategy.largestOrder(limits, side, p.grid.priceAt(level))
    return x === undefined ? Number.POSITIVE_INFINITY : lotsOf(x, p.step)
  }

/** True when the resting orders already are exactly the wanted quotes (nothing to send). */
const alreadyMatches = (
  own: ReadonlyArray<Order.Order>,
  bids: ReadonlyArray<Strategy.Quote>,
  asks: ReadonlyArray<Strategy.Quote>
) => {
  const same = (side: "buy" | "sell", wanted: ReadonlyArray<Strategy.Quote>) => {
    const mine = own.filter((o) => o.side === side)
    return (
      mine.length === wanted.length &&
      wanted.every((q) => mine.some((o) => o.price === q.price && o.remaining === q.amount))
    )
  }
  return same("buy", bids) && same("sell", asks)
}

interface FillTimes {
  readonly buy: number | undefined
  readonly sell: number | undefined
}

/** Refusals a quoting loop meets in normal operation (the state change itself is logged once by the runner). */
const routine: ReadonlySet<string> = new Set(["TRADING_HALTED", "REDUCING_ONLY", "UNRESOLVED_ORDER"])

export const make = (config: MakerConfig, id: string) =>
  Effect.gen(function* () {
    const md = yield* Strategy.MarketData
    const pf = yield* Strategy.Portfolio
    const gw = yield* Strategy.OrderGateway
    // the Risk limits on our next order, when the runner provides them: every size is planned within them
    const orderLimits = yield* Effect.serviceOption(Strategy.OrderLimits)
    const lastFills = yield* Ref.make(new Map<string, FillTimes>())
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

    /** Cancels aged orders, then sends the wanted quotes unless they already rest. */
    const apply = (p: Prepared, wanted: Q.Quotes, own: ReadonlyArray<Order.Order>, input?: Q.QuoteInput) =>
      Effect.gen(function* () {
        const symbol = p.market.symbol
        // one step from what rests: a quote that would meet our own resting order on the other side waits a round
        const quotes = input === undefined ? wanted : Q.stepFrom(wanted, input.own)
        for (const orderId of quotes.cancel) {
          yield* gw.cancel(symbol, Ids.OrderId.make(orderId)).pipe(Effect.catchAll(log(symbol, "cancel")))
        }
        const bestBid = input === undefined ? -1 : Q.viewSide(input.bids, input.own, "buy", 0).best
        const bestAsk = input === undefined ? -1 : Q.viewSide(input.asks, input.own, "sell", 0).best
        const bids = quotes.bid === undefined ? [] : [toQuote(quotes.bid, p, "buy", bestBid)]
        const asks = quotes.ask === undefined ? [] : [toQuote(quotes.ask, p, "sell", bestAsk)]
        const resting = own.filter((o) => !quotes.cancel.includes(o.id))
        if (quotes.cancel.length === 0 && alreadyMatches(resting, bids, asks)) return
        yield* gw
          .setQuotes(Strategy.quoteTarget({ symbol, bids, asks }))
          .pipe(Effect.catchAll(log(symbol, "setQuotes")))
      })

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

    const step = (p: Prepared, book: OrderBook.BookView, forProgram?: ProgramQuoting.MarketQuoting) =>
      Effect.gen(function* () {
        const symbol = p.market.symbol
        const now = yield* Clock.currentTimeMillis
        const orders = (yield* pf.openOrders(symbol)).filter((o) => o.symbol === symbol && !Order.isTerminal(o.status))
        const position = yield* pf.position(symbol)
        const fills = (yield* Ref.get(lastFills)).get(symbol)
        const limits = Option.isSome(orderLimits) ? yield* orderLimits.value.limits(symbol) : undefined
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
          ...(limits === undefined ? {} : { capLots: capsOf(limits, p) })
        }
        if (config.mode === "liquidity" || exec === undefined) {
          // program-aware where the venue lists a liquidity program for the market, else the plain rule
          const planned = forProgram === undefined ? undefined : yield* forProgram(p, input)
          return yield* apply(p, planned ?? Q.quote(input, p.quote), orders, input)
        }
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
        const market = yield* Effect.cachedWithTTL(md.market(sym), "60 seconds")
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
        // MarketData.book is conflated at the strategy edge (latest wins): no buffer of our own
        yield* md.book(sym).pipe(
          Stream.runForEach((book) =>
            market.pipe(
              Effect.flatMap((m) => step(preparedFor(m, book), book, forProgram)),
              Effect.catchAll(log(symbol, "quote"))
            )
          )
        )
      }).pipe(Effect.catchAll(log(symbol, "book stream")), Effect.repeat(Schedule.spaced("1 second")), Effect.asVoid)

    /** Cancels every order we have resting in the markets we worked. */
    const pullAll = Effect.gen(function* () {
      const symbols = yield* Ref.get(touched)
      const open = yield* pf.openOrders()
      for (const o of open) {
        if (symbols.has(o.symbol) && !Order.isTerminal(o.status)) {
          yield* gw.cancel(o.symbol, o.id).pipe(Effect.catchAll(log(o.symbol, "cancel on stop")))
        }
      }
    }).pipe(Effect.catchAll((e) => Effect.logWarning(`maker ${id}: pulling quotes on stop failed`, e)))

    yield* Effect.addFinalizer(() => pullAll)

    const run = Effect.scoped(
      Effect.gen(function* () {
        const loops = yield* FiberMap.make<string>()
        const start = (symbol: string) => FiberMap.run(loops, symbol, runMarket(symbol), { onlyIfMissing: true })
        yield* pf.fills.pipe(
          Stream.runForEach((f) =>
            Effect.flatMap(Clock.currentTimeMillis, (now) =>
              Ref.update(lastFills, (m) => {
                const prev = m.get(f.symbol) ?? { buy: undefined, sell: undefined }
                return new Map(m).set(f.symbol, f.side === "buy" ? { ...prev, buy: now } : { ...prev, sell: now })
              })
            )
          ),
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
