/**
 * Structural invariants of the unified Exchange structures, after ccxt's shared test helpers
 * (`test.order.ts`, `test.orderBook.ts`, `test.trade.ts`, ...), as plain functions returning a list of
 * problems (empty when sound). Plugins can call them in their own tests; the conformance suite uses them
 * on everything a venue returns.
 */

import { Decimal as D, Exchange, type Market as M, Order as O, OrderBook, TickGrid } from "@alpha-hunter/core"
import * as Either from "effect/Either"

type Market = M.Market
type Order = O.Order
type Fill = O.Fill
type Balance = O.Balance
type Position = O.Position

/** 2009-01-01T00:00:00Z: nothing a venue returns is older (ccxt uses the same floor). */
export const MIN_TIMESTAMP = 1_230_768_000_000
/** 2038-01-19: beyond any sane epoch-ms timestamp. */
export const MAX_TIMESTAMP = 2_147_483_647_000
/** How far in the future (venue clock skew) a timestamp may be. */
export const CLOCK_SKEW_MS = 60_000

export const ORDER_STATUSES: ReadonlyArray<O.OrderStatus> = O.OrderStatus.literals

const fmt = (x: D.Decimal) => D.format(x)

/** The tick grid of a market, or the reason it cannot be built. */
export const gridOf = (market: Market): Either.Either<TickGrid.TickGrid, string> =>
  Either.mapLeft(TickGrid.make(market.tickGrid), (e) => e.message)

/**
 * A timestamp is a safe integer in epoch ms, after 2009 and not after `now + 60 s`.
 * Pass `now` from the venue's clock; when `now` is before 2009 (a TestClock at 0) only the upper bound
 * relative to `now` and non-negativity are checked.
 */
export const checkTimestamp = (label: string, ts: number, now?: number): ReadonlyArray<string> => {
  const problems: Array<string> = []
  if (!Number.isSafeInteger(ts)) problems.push(`${label}: ${ts} is not an integer`)
  else if (ts < 0) problems.push(`${label}: ${ts} is negative`)
  else {
    const realClock = now === undefined || now >= MIN_TIMESTAMP
    if (realClock && (ts < MIN_TIMESTAMP || ts > MAX_TIMESTAMP)) {
      problems.push(`${label}: ${ts} is not a plausible epoch-ms timestamp`)
    }
    if (now !== undefined && ts > now + CLOCK_SKEW_MS) problems.push(`${label}: ${ts} is in the future (now ${now})`)
  }
  return problems
}

/** A market: its grid builds, amounts are sound, times are ordered. */
export const checkMarket = (market: Market): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const p = (m: string) => problems.push(`market ${market.symbol}: ${m}`)
  Either.match(gridOf(market), { onLeft: (e) => p(`tick grid does not build: ${e}`), onRight: () => undefined })
  if (market.amountStep <= 0n) p("amountStep is not positive")
  if (market.minAmount <= 0n) p("minAmount is not positive")
  if (market.amountStep > 0n && !D.isMultipleOf(market.minAmount, market.amountStep)) {
    p(`minAmount ${fmt(market.minAmount)} is not a multiple of amountStep ${fmt(market.amountStep)}`)
  }
  if (market.openTime !== undefined && market.closeTime !== undefined && market.openTime > market.closeTime) {
    p("openTime is after closeTime")
  }
  if (market.kind._tag === "binary") {
    const g = gridOf(market)
    if (Either.isRight(g) && g.right.maxPrice > market.kind.settlementValue) {
      p(`highest price ${fmt(g.right.maxPrice)} exceeds the settlement value ${fmt(market.kind.settlementValue)}`)
    }
  } else if (market.kind.base.length === 0 || market.kind.quote.length === 0) {
    p("spot market without base or quote currency")
  }
  if (market.currency.length === 0) p("currency is empty")
  return problems
}

/** A book: `OrderBook.validate` (sorted, uncrossed, positive, on grid), right symbol, sane timestamp. */
export const checkOrderBook = (
  book: OrderBook.OrderBook,
  market?: Market,
  options: { readonly now?: number; readonly limit?: number } = {}
): ReadonlyArray<string> => {
  const grid = market === undefined ? undefined : Either.getOrUndefined(gridOf(market))
  const problems = OrderBook.validate(book, grid).map((m) => `book ${book.symbol}: ${m}`)
  if (market !== undefined && book.symbol !== market.symbol) {
    problems.push(`book symbol ${book.symbol} is not ${market.symbol}`)
  }
  if (market !== undefined) {
    for (const [side, levels] of [
      ["bids", book.bids],
      ["asks", book.asks]
    ] as const) {
      for (const [i, [, amount]] of levels.entries()) {
        if (amount > 0n && !D.isMultipleOf(amount, market.amountStep)) {
          problems.push(`book ${book.symbol}: ${side}[${i}] amount ${fmt(amount)} is not a multiple of the lot step`)
        }
      }
    }
  }
  if (options.limit !== undefined && (book.bids.length > options.limit || book.asks.length > options.limit)) {
    problems.push(`book ${book.symbol}: more levels than the limit ${options.limit}`)
  }
  problems.push(...checkTimestamp(`book ${book.symbol}.timestamp`, book.timestamp, options.now))
  return problems
}

/**
 * An order: amount ≥ filled; open orders have remaining = amount − filled and filled < amount; closed
 * orders are fully filled; terminal orders have remaining 0 or amount − filled; cost = Σ fills; price on the
 * grid and amount on the lot step (when the market is given); valid status; sane timestamps.
 */
export const checkOrder = (order: Order, market?: Market, now?: number): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const p = (m: string) => problems.push(`order ${order.id}: ${m}`)
  if (!ORDER_STATUSES.includes(order.status)) p(`invalid status ${JSON.stringify(order.status)}`)
  if (order.side !== "buy" && order.side !== "sell") p(`invalid side ${JSON.stringify(order.side)}`)
  if (order.filled < 0n) p("filled is negative")
  if (order.remaining < 0n) p("remaining is negative")
  if (order.amount < order.filled) p(`amount ${fmt(order.amount)} < filled ${fmt(order.filled)}`)
  if (order.amount < order.remaining) p(`amount ${fmt(order.amount)} < remaining ${fmt(order.remaining)}`)
  const rest = D.sub(order.amount, order.filled)
  switch (order.status) {
    case "open":
    case "pending_new":
    case "pending_amend":
    case "pending_cancel":
      if (order.remaining !== rest) {
        p(`remaining ${fmt(order.remaining)} ≠ amount − filled ${fmt(rest)} on a ${order.status} order`)
      }
      if (order.status === "open" && order.remaining <= 0n) p("open with nothing remaining")
      break
    case "closed":
      if (order.filled !== order.amount) p(`closed but filled ${fmt(order.filled)} ≠ amount ${fmt(order.amount)}`)
      if (order.remaining !== 0n) p("closed with a remaining amount")
      break
    case "canceled":
    case "expired":
    case "rejected":
      if (order.remaining !== 0n && order.remaining !== rest) {
        p(`remaining ${fmt(order.remaining)} of a ${order.status} order is neither 0 nor amount − filled`)
      }
      break
    case "unknown":
      break
  }
  if (order.filled > 0n) {
    if (order.average === undefined) p("filled but no average price")
    else {
      const expected = D.mul(order.average, order.filled, "half-even")
      // average may be a rounded quotient: allow one unit in the last place per fill of rounding
      const diff = D.abs(D.sub(expected, order.cost))
      if (diff > D.fromUnits(1, 9)) p(`cost ${fmt(order.cost)} ≠ filled × average ${fmt(expected)}`)
      if (order.side === "buy" && order.type === "limit" && order.average > order.price) {
        p(`buy filled at average ${fmt(order.average)} above its limit ${fmt(order.price)}`)
      }
      if (order.side === "sell" && order.type === "limit" && order.average < order.price) {
        p(`sell filled at average ${fmt(order.average)} below its limit ${fmt(order.price)}`)
      }
    }
  } else if (order.cost !== 0n) p("cost without any fill")
  if (order.fee !== undefined && order.fee.cost < 0n) p("negative fee")
  if (market !== undefined) {
    if (order.symbol !== market.symbol) p(`symbol ${order.symbol} is not ${market.symbol}`)
    const grid = Either.getOrUndefined(gridOf(market))
    if (grid !== undefined && order.type === "limit" && !grid.isOnGrid(order.price)) {
      p(`price ${fmt(order.price)} is off the tick grid`)
    }
    if (!D.isMultipleOf(order.amount, market.amountStep)) p(`amount ${fmt(order.amount)} is off the lot step`)
    if (!D.isMultipleOf(order.filled, market.amountStep)) p(`filled ${fmt(order.filled)} is off the lot step`)
  }
  problems.push(...checkTimestamp(`order ${order.id}.timestamp`, order.timestamp, now))
  if (order.lastUpdateTimestamp !== undefined) {
    problems.push(...checkTimestamp(`order ${order.id}.lastUpdateTimestamp`, order.lastUpdateTimestamp, now))
    if (order.lastUpdateTimestamp < order.timestamp) p("lastUpdateTimestamp is before timestamp")
  }
  return problems
}

/** A fill: positive amount on the lot step, price on the grid, cost = price × amount, fee ≥ 0. */
export const checkFill = (fill: Fill, market?: Market, now?: number): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const p = (m: string) => problems.push(`fill ${fill.id}: ${m}`)
  if (fill.amount <= 0n) p("amount is not positive")
  if (fill.price <= 0n) p("price is not positive")
  if (fill.cost !== D.mul(fill.price, fill.amount, "half-even")) {
    p(`cost ${fmt(fill.cost)} ≠ price × amount ${fmt(D.mul(fill.price, fill.amount, "half-even"))}`)
  }
  if (fill.fee.cost < 0n) p("negative fee")
  if (fill.takerOrMaker !== "maker" && fill.takerOrMaker !== "taker") p("takerOrMaker is neither maker nor taker")
  if (market !== undefined) {
    if (fill.symbol !== market.symbol) p(`symbol ${fill.symbol} is not ${market.symbol}`)
    const grid = Either.getOrUndefined(gridOf(market))
    if (grid !== undefined && !grid.isOnGrid(fill.price)) p(`price ${fmt(fill.price)} is off the tick grid`)
    if (!D.isMultipleOf(fill.amount, market.amountStep)) p(`amount ${fmt(fill.amount)} is off the lot step`)
    if (fill.fee.currency !== market.currency) p(`fee currency ${fill.fee.currency} is not ${market.currency}`)
  }
  problems.push(...checkTimestamp(`fill ${fill.id}.timestamp`, fill.timestamp, now))
  return problems
}

/** A balance: total = free + used, used ≥ 0, total ≥ 0. */
export const checkBalance = (b: Balance): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const p = (m: string) => problems.push(`balance ${b.currency}: ${m}`)
  if (b.currency.length === 0) p("empty currency")
  if (D.add(b.free, b.used) !== b.total) p(`free ${fmt(b.free)} + used ${fmt(b.used)} ≠ total ${fmt(b.total)}`)
  if (b.used < 0n) p("used is negative")
  if (b.total < 0n) p("total is negative")
  return problems
}

/** A position: flat positions carry no cost, the cost has the sign of the amount, fees ≥ 0. */
export const checkPosition = (pos: Position, market?: Market, now?: number): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const p = (m: string) => problems.push(`position ${pos.symbol}: ${m}`)
  if (pos.amount === 0n && pos.cost !== 0n) p(`flat but cost ${fmt(pos.cost)}`)
  if (pos.amount !== 0n && pos.cost !== 0n && D.sign(pos.amount) !== D.sign(pos.cost)) {
    p(`cost ${fmt(pos.cost)} does not have the sign of amount ${fmt(pos.amount)}`)
  }
  if (pos.feesPaid < 0n) p("feesPaid is negative")
  if (market !== undefined && !D.isMultipleOf(pos.amount, market.amountStep)) {
    p(`amount ${fmt(pos.amount)} is off the lot step`)
  }
  problems.push(...checkTimestamp(`position ${pos.symbol}.timestamp`, pos.timestamp, now))
  return problems
}

/** `has` lists every method with a valid capability, and `features` agrees with it. */
export const checkCapabilities = (has: Exchange.Has, features: Exchange.Features): ReadonlyArray<string> => {
  const problems: Array<string> = []
  for (const m of Exchange.methods) {
    const v = (has as Partial<Record<string, unknown>>)[m]
    if (v !== true && v !== false && v !== "emulated")
      problems.push(`has.${m} is ${String(v)}, not true/false/"emulated"`)
  }
  const intAtLeast1 = (n: number) => Number.isSafeInteger(n) && n >= 1
  if (!intAtLeast1(features.maxBatchCreate)) problems.push(`features.maxBatchCreate ${features.maxBatchCreate} < 1`)
  if (!intAtLeast1(features.maxBatchCancel)) problems.push(`features.maxBatchCancel ${features.maxBatchCancel} < 1`)
  if (has.createOrders === false && features.maxBatchCreate > 1) {
    problems.push("features.maxBatchCreate > 1 but has.createOrders is false")
  }
  if (has.cancelOrders === false && features.maxBatchCancel > 1) {
    problems.push("features.maxBatchCancel > 1 but has.cancelOrders is false")
  }
  if (features.cancelAll && has.cancelAllOrders === false) {
    problems.push("features.cancelAll but has.cancelAllOrders is false")
  }
  if (features.amend && has.editOrder === false) problems.push("features.amend but has.editOrder is false")
  if (features.timeInForce.length === 0) problems.push("features.timeInForce is empty")
  if (!features.timeInForce.includes("GTC")) problems.push("features.timeInForce lacks GTC")
  for (const m of ["loadMarkets", "fetchOrderBook", "createOrder", "cancelOrder", "fetchOrder"] as const) {
    if (has[m] === false) problems.push(`has.${m} is false: every venue must support it`)
  }
  return problems
}
