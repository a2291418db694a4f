/**
 * The strategy contract.
 *
 * A strategy reads market data (`MarketData`) and its own orders and positions (`Portfolio`), and emits
 * intents through a risk-checked `OrderGateway`: target quotes per market (`setQuotes`, the maker's
 * normal output) or one-off orders (`submit`). It never calls the exchange: a strategy plugin's layer may
 * only require `StrategyEnv`, and `StrategyPlugin` (see Plugin.ts) rejects at compile time any layer that
 * asks for the raw `Exchange`.
 */
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as D from "./Decimal.js"
import type { BadSymbol, ExchangeError } from "./ExchangeError.js"
import type { ClientOrderId, OrderId, Symbol, VenueId } from "./Ids.js"
import { Symbol as SymbolSchema } from "./Ids.js"
import { construct } from "./internal/construct.js"
import type { Market } from "./Market.js"
import type { Fill, Order, OrderRequest, Position } from "./Order.js"
import type { BookView } from "./OrderBook.js"
import type { RiskDenied, TradingState } from "./Risk.js"

/** One resting quote a strategy wants: a price and an amount. */
export class Quote extends Schema.Class<Quote>("Quote")({
  price: D.Positive,
  amount: D.Positive,
  /**
   * How far this quote improves on the best price on its side excluding our own orders, in ticks
   * (for reports; e.g. 1 when the maker steps one tick inside the spread).
   */
  improvementTicks: Schema.optional(Schema.Int),
  /** the same improvement as a price difference */
  improvement: Schema.optional(D.Decimal)
}) {}

/**
 * The quotes a strategy wants resting in one market, per side, best first. An empty side means
 * "nothing resting on that side". The gateway turns this into the fewest writes.
 */
export class QuoteTarget extends Schema.Class<QuoteTarget>("QuoteTarget")({
  symbol: SymbolSchema,
  bids: Schema.Array(Quote),
  asks: Schema.Array(Quote)
}) {}

/**
 * Per-update constructors: the schema's checks done by hand (price and amount positive) instead of by the
 * schema, which costs ~0.15 ms per target with two quotes (measured) — too much for every book change.
 * They throw, like `make`, on a violation.
 */
export const quote = (fields: ConstructorParameters<typeof Quote>[0]): Quote => {
  if (fields.price <= 0n || fields.amount <= 0n) {
    throw new Error(`quote ${D.format(fields.price)} × ${D.format(fields.amount)}: price and amount must be positive`)
  }
  return construct(Quote, fields)
}
export const quoteTarget = (fields: ConstructorParameters<typeof QuoteTarget>[0]): QuoteTarget => {
  for (const q of [...fields.bids, ...fields.asks]) {
    if (!(q instanceof Quote)) return QuoteTarget.make(fields)
  }
  return construct(QuoteTarget, fields)
}

/** Market data, read-only, for one venue. */
export interface MarketDataService {
  readonly venue: VenueId
  readonly markets: Effect.Effect<ReadonlyArray<Market>, ExchangeError>
  readonly market: (symbol: Symbol) => Effect.Effect<Market, BadSymbol | ExchangeError>
  /**
   * The current book then its changes, as integer views (levels of the market's grid, lots), conflated once,
   * here at the strategy edge: a strategy that is busy when several changes arrive gets only the newest
   * (latest wins, never a backlog). Each view is immutable. Books marked invalid by the feed are not emitted
   * until healed. `view.toOrderBook()` builds the Decimal book when one is really needed.
   */
  readonly book: (symbol: Symbol) => Stream.Stream<BookView, ExchangeError>
  /**
   * Optional (the runner sets it where the venue offers `Exchange.followBook`: in-process venues): runs `f` on
   * each view `book` would emit, in order, by a loop rather than a stream, until `f` fails. Read books through
   * `forEachView`, which uses it when present and `book` otherwise.
   */
  readonly followBook?: <E, R>(
    symbol: Symbol,
    f: (view: BookView) => Effect.Effect<unknown, E, R>
  ) => Effect.Effect<void, ExchangeError | E, R>
}
export class MarketData extends Context.Tag("@alpha-hunter/core/MarketData")<MarketData, MarketDataService>() {}

/**
 * Runs `f` on every view of a market's book (latest wins: a busy `f` gets the newest view next, never a
 * backlog), until `f` fails or the book ends: `followBook` when the market data has it, else `book` read chunk
 * by chunk (a conflated book's chunk is one view).
 */
export const forEachView = <E, R>(
  md: MarketDataService,
  symbol: Symbol,
  f: (view: BookView) => Effect.Effect<unknown, E, R>
): Effect.Effect<void, ExchangeError | E, R> =>
  md.followBook !== undefined
    ? md.followBook(symbol, f)
    : Stream.runForEachChunk(md.book(symbol), (views) =>
        views.length === 1 ? f(Chunk.unsafeGet(views, 0)) : Effect.forEach(views, f, { discard: true })
      )

/**
 * Runs `f` on each batch of the strategy's fills from now on, until `f` fails or the fills end: `followFills` when
 * the portfolio has it, else `fills` read chunk by chunk.
 */
export const forEachFills = <E, R>(
  pf: PortfolioService,
  f: (fills: ReadonlyArray<Fill>) => Effect.Effect<unknown, E, R>
): Effect.Effect<void, ExchangeError | E, R> =>
  pf.followFills !== undefined
    ? pf.followFills(f)
    : Stream.runForEachChunk(pf.fills, (c) => f(Chunk.toReadonlyArray(c)))

/** The strategy's own orders, fills and positions, read-only. */
export interface PortfolioService {
  readonly openOrders: (symbol?: Symbol) => Effect.Effect<ReadonlyArray<Order>, ExchangeError>
  readonly positions: Effect.Effect<ReadonlyArray<Position>, ExchangeError>
  /** Net position in one market (> 0 long, < 0 short; YES for binary markets): the per-update fast path. */
  readonly position: (symbol: Symbol) => Effect.Effect<D.Decimal, ExchangeError>
  readonly orders: Stream.Stream<Order, ExchangeError>
  readonly fills: Stream.Stream<Fill, ExchangeError>
  /**
   * Optional (the runner sets it): runs `f` on each batch of `fills` (the ones waiting when it reads), from now
   * on, until `f` fails — a loop, without a stream's channel per batch. Read it through `forEachFills`, which
   * uses it when present and `fills` otherwise.
   */
  readonly followFills?: <E, R>(
    f: (fills: ReadonlyArray<Fill>) => Effect.Effect<unknown, E, R>
  ) => Effect.Effect<void, ExchangeError | E, R>
}
export class Portfolio extends Context.Tag("@alpha-hunter/core/Portfolio")<Portfolio, PortfolioService>() {}

export type GatewayError = ExchangeError | RiskDenied

/** The only way a strategy trades: every write passes Risk first. */
export interface OrderGatewayService {
  readonly venue: VenueId
  /** Declares the quotes wanted in one market; the gateway keeps, amends, cancels and creates to match. */
  readonly setQuotes: (target: QuoteTarget) => Effect.Effect<void, GatewayError>
  /** Places one order (e.g. an IOC take). */
  readonly submit: (request: OrderRequest) => Effect.Effect<Order, GatewayError>
  readonly cancel: (symbol: Symbol, id: OrderId) => Effect.Effect<void, ExchangeError>
  readonly cancelAll: (symbol?: Symbol) => Effect.Effect<void, ExchangeError>
  /** Next client order id for this strategy (deterministic, unique). */
  readonly nextClientOrderId: Effect.Effect<ClientOrderId>
}
export class OrderGateway extends Context.Tag("@alpha-hunter/core/OrderGateway")<OrderGateway, OrderGatewayService>() {}

/** Price bounds of a new order per side, inclusive (undefined: none). */
export interface PriceBounds {
  readonly minBuy: D.Decimal | undefined
  readonly maxBuy: D.Decimal | undefined
  readonly minSell: D.Decimal | undefined
  readonly maxSell: D.Decimal | undefined
}

/**
 * The tightest pre-trade limits Risk applies to a new order of one strategy in one market, as they stand now:
 * the strictest of the levels that apply (global, the venue, the strategy). Undefined = no limit. An order within
 * `largestOrder` passes Risk's size, cost, price band and position checks (per market and per event); the
 * other checks (order rate, open orders, gross exposure, loss) remain Risk's alone.
 */
export interface MarketLimits {
  /** the trading state in force for the strategy in this market */
  readonly state: TradingState
  /** most contracts in one order */
  readonly maxOrderSize: D.Decimal | undefined
  /** most cost of one order: a buy costs price × amount, a sell of a binary contract (settlement − price) × amount */
  readonly maxOrderNotional: D.Decimal | undefined
  /** the market's settlement value when binary (a sell's cost, above); undefined: a sell costs price × amount */
  readonly settlement: D.Decimal | undefined
  /**
   * Most contracts the strategy's buy orders in this market may total before a position limit (per market or
   * per event, worst case: every resting order filled) — its own resting buys counted as replaced, as a
   * `setQuotes` target replaces them. 0 while halted; while reducing, only what reduces the position.
   */
  readonly maxBuy: D.Decimal | undefined
  readonly maxSell: D.Decimal | undefined
  readonly priceBand: PriceBounds
  /** more orders that may be open (resting plus in flight) */
  readonly openOrdersLeft: number | undefined
  /** dollars of exposure left before the gross exposure limit, counting everything resting now */
  readonly grossExposureLeft: D.Decimal | undefined
}

/**
 * The largest amount of one order at `price` on `side` within `limits` (exact; undefined = no limit; 0 = none
 * allowed: out of the price band, halted, or no room). A strategy rounds it down to its market's lot.
 */
// (module-level helpers, not closures made per call: the TypeScript loader names each closure it makes)
const capAt = (cap: D.Decimal | undefined, x: D.Decimal): D.Decimal => (cap === undefined ? x : D.min(cap, x))

export const largestOrder = (limits: MarketLimits, side: "buy" | "sell", price: D.Decimal): D.Decimal | undefined => {
  const band = limits.priceBand
  const [lo, hi] = side === "buy" ? [band.minBuy, band.maxBuy] : [band.minSell, band.maxSell]
  if ((lo !== undefined && price < lo) || (hi !== undefined && price > hi)) return D.ZERO
  let cap = side === "buy" ? limits.maxBuy : limits.maxSell
  if (limits.maxOrderSize !== undefined) cap = capAt(cap, limits.maxOrderSize)
  if (limits.maxOrderNotional !== undefined) {
    const unit =
      side === "sell" && limits.settlement !== undefined ? D.max(D.ZERO, D.sub(limits.settlement, price)) : price
    // floor(notional / unit) at 18 digits: unit × it, rounded up as Risk rounds a cost, stays within the notional
    if (unit > 0n) cap = capAt(cap, D.div(limits.maxOrderNotional, unit, "floor"))
  }
  return cap === undefined ? undefined : D.max(D.ZERO, cap)
}

/**
 * Reads the pre-trade limits for the strategy's orders: read-only, no request, no clock. Optional for a strategy
 * (`Effect.serviceOption`): the runner provides it from its Risk engine; a strategy must work without it.
 */
export interface OrderLimitsService {
  readonly limits: (symbol: Symbol) => Effect.Effect<MarketLimits>
}
export class OrderLimits extends Context.Tag("@alpha-hunter/core/OrderLimits")<OrderLimits, OrderLimitsService>() {}

/**
 * Everything a strategy may depend on. Note: no `Exchange`. A strategy may also read the venue's incentive
 * programs (`Incentive.IncentivePrograms`, read-only) as an optional service, `Effect.serviceOption`: the
 * runner provides it when the venue's plugin has programs, and a strategy must work without it. The same goes
 * for `OrderLimits` (the Risk limits on its next order, read-only).
 */
export type StrategyEnv = MarketData | Portfolio | OrderGateway

/** A strategy failed in a way it cannot handle itself. */
export class StrategyError extends Schema.TaggedError<StrategyError>()("StrategyError", {
  strategy: Schema.String,
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

export interface StrategyService {
  readonly id: string
  /** Runs until interrupted. Cleanup (e.g. pulling quotes) belongs in the strategy layer's finalizers. */
  readonly run: Effect.Effect<void, StrategyError | GatewayError>
}
export class Strategy extends Context.Tag("@alpha-hunter/core/Strategy")<Strategy, StrategyService>() {}
