/**
 * Post-trade accounting: order updates, fills (average-cost positions, realized P&L, fees), marks, market
 * registration, the breaches they can trigger (position, daily loss, drawdown), and the read-outs.
 */
import { Decimal as D, type Market, type Order, type Risk, StrMap, KeyWindow as Window } from "@alpha-hunter/core"
import type { RiskConfig } from "../RiskConfig.js"
import { bookOf, putMark, putOrder, putPosition, rebuild, scopeTotals } from "./aggregates.js"
import { marketInfo } from "./exposure.js"
import { actionFor, allLevels, levelStrategy, levelsFor } from "./limits.js"
import {
  type Change,
  copyPosition,
  copyState,
  type EngineState,
  type MarketInfo,
  type PositionEntry,
  type Result
} from "./model.js"
import {
  clientIdKey,
  fillKey,
  GLOBAL,
  marketKey,
  orderIdKey,
  positionKey,
  strategyKey,
  totalsPairKey,
  venueKey
} from "./scope.js"
import { applyAction } from "./stateMachine.js"
import { tick } from "./time.js"

type Decimal = D.Decimal

const fmt = (x: Decimal) => D.format(x)

export const onOrder = (
  s0: EngineState,
  cfg: RiskConfig,
  scope: Risk.RiskScope,
  order: Order.Order,
  now: number
): Result<void> => {
  const changes: Array<Change> = []
  let s = tick(s0, cfg, now, changes)
  const venue = scope.venue
  // the order's reservation (by client order id, from its approval) leaves in the same step as it is booked
  const reservation = order.clientOrderId !== undefined ? clientIdKey(venue, order.clientOrderId) : undefined
  const key = orderIdKey(venue, order.id)
  const terminal =
    order.status === "closed" ||
    order.status === "canceled" ||
    order.status === "expired" ||
    order.status === "rejected"
  if (terminal || (order.remaining <= 0n && order.status !== "unknown")) {
    s = putOrder(s, key, undefined, reservation)
    const closed = copyState(s)
    closed.closedOrders = Window.add(s.closedOrders, key, now)
    s = closed
  } else if (Window.has(s.closedOrders, key)) {
    if (reservation !== undefined) s = putOrder(s, reservation, undefined)
  } else {
    s = putOrder(
      s,
      key,
      {
        venue,
        strategy: scope.strategy ?? "",
        symbol: order.symbol,
        side: order.side,
        price: order.price,
        remaining: order.remaining,
        filled: order.filled,
        unresolved: order.status === "unknown",
        expiresAt: undefined
      },
      reservation
    )
  }
  return { state: s, value: undefined, changes }
}

const infoOf = (market: Market.Market): MarketInfo => ({
  eventId: market.eventId,
  status: market.status,
  settlement: market.kind._tag === "binary" ? market.kind.settlementValue : undefined
})

/** Records a market; true when its settlement or event changed while it had orders or positions counted. */
const setMarket = (s: EngineState, venue: string, market: Market.Market): readonly [EngineState, boolean] => {
  const info = infoOf(market)
  const prev = marketInfo(s, venue, market.symbol)
  const mk = marketKey(venue, market.symbol)
  const next = { ...s, markets: StrMap.set(s.markets, mk, info) }
  const shifted = prev?.settlement !== info.settlement || prev?.eventId !== info.eventId
  return [next, shifted && StrMap.has(s.totals.markets, mk)]
}

export const registerMarket = (s: EngineState, venue: string, market: Market.Market): EngineState =>
  registerMarkets(s, venue, [market])

/**
 * Records market facts (event, status, settlement). Registering a market that already has orders or positions
 * with a different settlement or event re-derives the totals once for the batch (O(orders + positions)).
 */
export const registerMarkets = (s: EngineState, venue: string, markets: Iterable<Market.Market>): EngineState => {
  let next = s
  let stale = false
  for (const m of markets) {
    const [after, shifted] = setMarket(next, venue, m)
    next = after
    stale = stale || shifted
  }
  return stale ? rebuild(next) : next
}

export const applyFillToEntry = (e: PositionEntry, signed: Decimal, price: Decimal, fee: Decimal): PositionEntry => {
  let { amount, cost, realized } = e
  if (D.isZero(amount) || D.sign(amount) === D.sign(signed)) {
    amount = D.add(amount, signed)
    cost = D.add(cost, D.mul(signed, price, "half-even"))
  } else {
    const closing = D.min(D.abs(signed), D.abs(amount))
    const avg = D.div(cost, amount)
    const dir = amount > 0n ? D.ONE : D.neg(D.ONE)
    realized = D.add(realized, D.mul(D.mul(closing, D.sub(price, avg), "half-even"), dir))
    const remainingAbs = D.sub(D.abs(amount), closing)
    cost = D.mul(cost, D.div(remainingAbs, D.abs(amount)), "half-even")
    amount = D.mul(dir, remainingAbs)
    const rest = D.sub(D.abs(signed), closing)
    if (rest > 0n) {
      const opened = signed > 0n ? rest : D.neg(rest)
      amount = opened
      cost = D.mul(opened, price, "half-even")
    }
  }
  const n = copyPosition(e)
  n.amount = amount
  n.cost = cost
  n.realized = realized
  n.fees = D.add(e.fees, fee)
  n.lastPrice = price
  return n
}

/** Peaks and post-trade breaches (loss, drawdown) for every configured level: O(configured levels). */
const postTrade = (
  s0: EngineState,
  cfg: RiskConfig,
  venue: string,
  strategy: string,
  now: number,
  changes: Array<Change>
): EngineState => {
  let s = s0
  let peaks = s.peaks
  for (const level of allLevels(cfg)) {
    const L = level.limits
    if (L.maxDailyLoss === undefined && L.maxDrawdown === undefined) continue
    const totals = scopeTotals(s, level.key)
    const was = StrMap.get(peaks, level.key)
    const peak = D.max(was ?? D.ZERO, totals.pnl)
    // a new peak only: most fills leave it where it was (and then the state keeps its map)
    if (was === undefined || peak !== was) peaks = StrMap.set(peaks, level.key, peak)
    const daily = D.sub(totals.pnl, totals.baseline)
    if (L.maxDailyLoss !== undefined && D.neg(daily) > L.maxDailyLoss) {
      const reason = `daily loss ${fmt(D.neg(daily))} exceeds ${fmt(L.maxDailyLoss)}`
      const action = actionFor(cfg, level, "maxDailyLoss")
      s = applyAction(s, { action, level, venue, strategy, limit: "maxDailyLoss", reason }, now, changes)
    }
    const dd = D.sub(peak, totals.pnl)
    if (L.maxDrawdown !== undefined && dd > L.maxDrawdown) {
      const reason = `drawdown ${fmt(dd)} exceeds ${fmt(L.maxDrawdown)}`
      const action = actionFor(cfg, level, "maxDrawdown")
      s = applyAction(s, { action, level, venue, strategy, limit: "maxDrawdown", reason }, now, changes)
    }
  }
  if (peaks === s.peaks) return s
  const out = copyState(s)
  out.peaks = peaks
  return out
}

/** Books a fill once (de-duplicated by venue and trade id within the fill window, see window.ts). */
export const onFill = (
  s0: EngineState,
  cfg: RiskConfig,
  scope: Risk.RiskScope,
  fill: Order.Fill,
  now: number
): Result<void> => {
  const changes: Array<Change> = []
  let s = tick(s0, cfg, now, changes)
  const venue = scope.venue
  const strategy = scope.strategy ?? ""
  const seen = fillKey(venue, fill.id)
  if (Window.has(s.seenFills, seen)) return { state: s, value: undefined, changes }
  const key = positionKey(venue, strategy, fill.symbol)
  const prev: PositionEntry = StrMap.get(s.positions, key) ?? {
    venue,
    strategy,
    symbol: fill.symbol,
    amount: D.ZERO,
    cost: D.ZERO,
    realized: D.ZERO,
    fees: D.ZERO,
    lastPrice: fill.price,
    baseline: D.ZERO
  }
  const signed = fill.side === "buy" ? fill.amount : D.neg(fill.amount)
  s = putPosition(s, key, applyFillToEntry(prev, signed, fill.price, fill.fee.cost))
  const seenNow = copyState(s)
  seenNow.seenFills = Window.add(s.seenFills, seen, now)
  s = seenNow
  // a position above its limit after a fill (e.g. a race) triggers the configured action
  for (const level of levelsFor(cfg, venue, strategy)) {
    const max = level.limits.maxPosition
    if (max === undefined) continue
    const position = bookOf(s, venue, fill.symbol, levelStrategy(level)).position
    if (D.abs(position) > max) {
      const reason = `position ${fmt(position)} in ${fill.symbol} exceeds ${fmt(max)}`
      const action = actionFor(cfg, level, "maxPosition")
      s = applyAction(s, { action, level, venue, strategy, limit: "maxPosition", reason }, now, changes)
    }
  }
  s = postTrade(s, cfg, venue, strategy, now, changes)
  return { state: s, value: undefined, changes }
}

/** Where P&L realised before a restart is booked: a flat position of its own per venue and strategy. */
export const CARRIED_SYMBOL = "(realised earlier today)"

/**
 * Books P&L realised (and fees paid) earlier today, before a restart, for (venue, strategy): it counts in
 * today's P&L (the daily loss limit) and leaves it at the next daily reset, like any other realised P&L.
 * Replaces what an earlier call booked for the same pair.
 */
export const carryDaily = (
  s0: EngineState,
  cfg: RiskConfig,
  scope: Risk.RiskScope,
  realized: Decimal,
  fees: Decimal,
  now: number
): Result<void> => {
  const changes: Array<Change> = []
  let s = tick(s0, cfg, now, changes)
  const strategy = scope.strategy ?? ""
  s = putPosition(s, positionKey(scope.venue, strategy, CARRIED_SYMBOL), {
    venue: scope.venue,
    strategy,
    symbol: CARRIED_SYMBOL,
    amount: D.ZERO,
    cost: D.ZERO,
    realized,
    fees,
    lastPrice: D.ZERO,
    baseline: D.ZERO
  })
  s = postTrade(s, cfg, scope.venue, strategy, now, changes)
  return { state: s, value: undefined, changes }
}

export const onMark = (
  s0: EngineState,
  cfg: RiskConfig,
  scope: Risk.RiskScope,
  symbol: string,
  price: Decimal,
  now: number
): Result<void> => {
  const changes: Array<Change> = []
  let s = tick(s0, cfg, now, changes)
  s = putMark(s, scope.venue, symbol, price)
  s = postTrade(s, cfg, scope.venue, scope.strategy ?? "", now, changes)
  return { state: s, value: undefined, changes }
}

/** P&L and exposure of a level, for snapshots and tests: one read of the running totals. */
export const summary = (
  s: EngineState,
  filter: { readonly venue?: string; readonly strategy?: string }
): {
  readonly pnl: Decimal
  readonly dailyPnl: Decimal
  readonly grossExposure: Decimal
  readonly openOrders: number
} => {
  const key =
    filter.venue === undefined
      ? filter.strategy === undefined
        ? GLOBAL
        : strategyKey(filter.strategy)
      : filter.strategy === undefined
        ? venueKey(filter.venue)
        : totalsPairKey(filter.venue, filter.strategy)
  const t = scopeTotals(s, key)
  return { pnl: t.pnl, dailyPnl: D.sub(t.pnl, t.baseline), grossExposure: t.gross, openOrders: t.openOrders }
}

export const positionOf = (s: EngineState, venue: string, symbol: string, strategy?: string): Decimal =>
  bookOf(s, venue, symbol, strategy).position
