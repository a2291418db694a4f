/**
 * The pre-trade check: `(state, intent, now) → (state', decision)`. Every figure comes from the running totals
 * (aggregates.ts), so a check costs O(limit levels) map reads, independent of how many markets, orders and
 * positions the engine holds. Approved creates and amends are recorded (rate window, in-flight reservation).
 */
import { Decimal as D, Risk, StrMap } from "@alpha-hunter/core"
import * as SortedMap from "effect/SortedMap"
import type { RiskConfig } from "../RiskConfig.js"
import { bookIn, bookOf, eventSum, marketTotals, putOrder, scopeTotals } from "./aggregates.js"
import { eventOf, marketInfo, openOrderCost, orderCost, settlementOf, withResting, worstCase } from "./exposure.js"
import { actionFor, type Level, levelMatches, levelStrategy, levelsFor, limitOfReason } from "./limits.js"
import type { Book, Change, EngineState, MarketInfo, MarketTotals, OpenOrder, Result, ScopeTotals } from "./model.js"
import { clientIdKey, effectiveState, marketState, orderIdKey } from "./scope.js"
import { applyAction } from "./stateMachine.js"
import { rateCount, recordRate, tick } from "./time.js"

type Decimal = D.Decimal
type DenyReason = Risk.DenyReason

export interface Proposed {
  readonly venue: string
  readonly strategy: string
  readonly symbol: string
  readonly side: "buy" | "sell"
  readonly price: Decimal
  readonly amount: Decimal
  readonly newOrder: boolean
  /** the order being amended: its contribution is replaced by the proposed one */
  readonly replaced: OpenOrder | undefined
}

interface Hit {
  readonly reason: DenyReason
  readonly message: string
}

const fmt = (x: Decimal) => D.format(x)

const denied = (reason: DenyReason, message: string): Risk.RiskDecision => new Risk.Denied({ reason, message })

/** Whether the replaced order counts in a level's figures (any level when `level` is undefined). */
const replacedIn = (p: Proposed, level: Level | undefined): OpenOrder | undefined =>
  p.replaced !== undefined && (level === undefined || levelMatches(level, p.replaced.venue, p.replaced.strategy))
    ? p.replaced
    : undefined

/** A market's book at a level (from the market's totals `m`), without the replaced order. */
const levelBookIn = (m: MarketTotals, level: Level | undefined, p: Proposed, symbol: string): Book => {
  const b = bookIn(m, level === undefined ? undefined : levelStrategy(level))
  const r = replacedIn(p, level)
  return r !== undefined && r.venue === p.venue && r.symbol === symbol ? withResting(b, r.side, r.remaining, -1) : b
}

/** A market's book at a level, without the replaced order. */
export const levelBook = (s: EngineState, level: Level | undefined, p: Proposed, symbol: string): Book =>
  levelBookIn(marketTotals(s, p.venue, symbol), level, p, symbol)

/**
 * The event's worst-case sum at a level with the proposed order in place of the replaced one (`m`: the
 * proposed order's market totals).
 */
export const eventPosition = (
  s: EngineState,
  level: Level,
  p: Proposed,
  event: string,
  m: MarketTotals = marketTotals(s, p.venue, p.symbol)
): Decimal => {
  const strategy = levelStrategy(level)
  const here = bookIn(m, strategy)
  let total = D.add(
    D.sub(eventSum(s, p.venue, event, strategy), worstCase(here)),
    worstCase(levelBookIn(m, level, p, p.symbol), p.side, p.amount)
  )
  const r = replacedIn(p, level)
  if (r !== undefined && r.venue === p.venue && r.symbol !== p.symbol && eventOf(s, r.venue, r.symbol) === event) {
    const there = bookOf(s, r.venue, r.symbol, strategy)
    total = D.add(total, D.sub(worstCase(withResting(there, r.side, r.remaining, -1)), worstCase(there)))
  }
  return total
}

/** A level's gross exposure with the proposed order (cost `cost`) in place of the replaced one. */
export const grossWith = (
  s: EngineState,
  level: Level,
  p: Proposed,
  cost: Decimal,
  totals: ScopeTotals = scopeTotals(s, level.key)
): Decimal => {
  const gross = totals.gross
  const r = replacedIn(p, level)
  return D.add(r === undefined ? gross : D.sub(gross, openOrderCost(r, settlementOf(s, r.venue, r.symbol))), cost)
}

const priceBandHit = (level: Level, p: Proposed, at: string): Hit | undefined => {
  const band = level.limits.priceBand
  if (band === undefined) return undefined
  // the message is formatted only for a hit (every check of every order passes here)
  if (p.side === "buy") {
    if (band.maxBuy !== undefined && p.price > band.maxBuy)
      return { reason: "PRICE_BAND", message: `buy at ${fmt(p.price)} is above ${fmt(band.maxBuy)}${at}` }
    if (band.minBuy !== undefined && p.price < band.minBuy)
      return { reason: "PRICE_BAND", message: `buy at ${fmt(p.price)} is below ${fmt(band.minBuy)}${at}` }
  } else {
    if (band.maxSell !== undefined && p.price > band.maxSell)
      return { reason: "PRICE_BAND", message: `sell at ${fmt(p.price)} is above ${fmt(band.maxSell)}${at}` }
    if (band.minSell !== undefined && p.price < band.minSell)
      return { reason: "PRICE_BAND", message: `sell at ${fmt(p.price)} is below ${fmt(band.minSell)}${at}` }
  }
  return undefined
}

/** What one check reads once: the proposed order's market (its totals and facts). */
interface Here {
  readonly m: MarketTotals
  readonly info: MarketInfo | undefined
}

/** Limits that grow exposure (skipped for a reducing order); `totals`: the level's running totals. */
const exposureHit = (
  s: EngineState,
  here: Here,
  level: Level,
  totals: ScopeTotals,
  p: Proposed,
  cost: Decimal,
  at: string
): Hit | undefined => {
  const L = level.limits
  if (L.maxPosition !== undefined) {
    const worst = worstCase(levelBookIn(here.m, level, p, p.symbol), p.side, p.amount)
    if (worst > L.maxPosition) {
      const message = `worst-case position ${fmt(worst)} in ${p.symbol} exceeds ${fmt(L.maxPosition)}${at}`
      return { reason: "MAX_POSITION", message }
    }
  }
  if (L.maxEventPosition !== undefined) {
    const event = here.info?.eventId
    if (event !== undefined) {
      const total = eventPosition(s, level, p, event, here.m)
      if (total > L.maxEventPosition) {
        const message = `worst-case position ${fmt(total)} in event ${event} exceeds ${fmt(L.maxEventPosition)}${at}`
        return { reason: "MAX_EVENT_POSITION", message }
      }
    }
  }
  if (L.maxGrossExposure !== undefined) {
    const gross = grossWith(s, level, p, cost, totals)
    if (gross > L.maxGrossExposure) {
      return {
        reason: "MAX_GROSS_EXPOSURE",
        message: `gross exposure ${fmt(gross)} would exceed ${fmt(L.maxGrossExposure)}${at}`
      }
    }
  }
  if (L.maxDailyLoss !== undefined && D.neg(D.sub(totals.pnl, totals.baseline)) > L.maxDailyLoss) {
    const loss = D.neg(D.sub(totals.pnl, totals.baseline))
    return { reason: "DAILY_LOSS", message: `daily loss ${fmt(loss)} exceeds ${fmt(L.maxDailyLoss)}${at}` }
  }
  if (L.maxDrawdown !== undefined) {
    const peak = D.max(StrMap.get(s.peaks, level.key) ?? D.ZERO, totals.pnl)
    const dd = D.sub(peak, totals.pnl)
    if (dd > L.maxDrawdown)
      return { reason: "DRAWDOWN", message: `drawdown ${fmt(dd)} exceeds ${fmt(L.maxDrawdown)}${at}` }
  }
  return undefined
}

/** Checks one level's limits for a proposed order; undefined = passes. */
const checkLevel = (s: EngineState, here: Here, level: Level, p: Proposed, reducing: boolean): Hit | undefined => {
  const L = level.limits
  const at = ` (${level.name})`
  const band = priceBandHit(level, p, at)
  if (band !== undefined) return band
  if (L.maxOrderSize !== undefined && p.amount > L.maxOrderSize) {
    return { reason: "MAX_ORDER_SIZE", message: `amount ${fmt(p.amount)} exceeds ${fmt(L.maxOrderSize)}${at}` }
  }
  const cost = orderCost(p.side, p.price, p.amount, here.info?.settlement)
  if (L.maxOrderNotional !== undefined && cost > L.maxOrderNotional) {
    return { reason: "MAX_ORDER_NOTIONAL", message: `order cost ${fmt(cost)} exceeds ${fmt(L.maxOrderNotional)}${at}` }
  }
  if (L.orderRate !== undefined) {
    const n = rateCount(s, level.key)
    if (n + 1 > L.orderRate.max) {
      const message = `${n} orders in the last ${L.orderRate.windowMs} ms; at most ${L.orderRate.max}${at}`
      return { reason: "ORDER_RATE", message }
    }
  }
  const totals = scopeTotals(s, level.key)
  if (p.newOrder && L.maxOpenOrders !== undefined) {
    const n = totals.openOrders
    if (n + 1 > L.maxOpenOrders) {
      return { reason: "MAX_OPEN_ORDERS", message: `${n} open orders; at most ${L.maxOpenOrders}${at}` }
    }
  }
  return reducing ? undefined : exposureHit(s, here, level, totals, p, cost, at)
}

/** The best price among resting orders on one side (keys as stored), leaving out one order at `skip`. */
const bestPrice = (prices: SortedMap.SortedMap<Decimal, number>, skip: Decimal | undefined): Decimal | undefined => {
  for (const [k, n] of SortedMap.entries(prices)) {
    if (k === skip && n === 1) continue
    return k
  }
  return undefined
}

/** The price of one of our own resting orders (any strategy, this venue) the proposed order would trade with. */
const selfCrossPrice = (m: MarketTotals, p: Proposed): Decimal | undefined => {
  const r = replacedIn(p, undefined)
  const inMarket = r !== undefined && r.venue === p.venue && r.symbol === p.symbol && r.side !== p.side
  if (p.side === "buy") {
    const ask = bestPrice(m.sells, inMarket ? r.price : undefined)
    return ask !== undefined && p.price >= ask ? ask : undefined
  }
  const negBid = bestPrice(m.buys, inMarket ? D.neg(r.price) : undefined)
  return negBid !== undefined && p.price <= D.neg(negBid) ? D.neg(negBid) : undefined
}

export const proposedOf = (
  s: EngineState,
  intent: Risk.RiskIntent & { readonly _tag: "Create" | "Amend" }
): Proposed => {
  const venue = intent.scope.venue
  const strategy = intent.scope.strategy ?? ""
  if (intent._tag === "Create") {
    const r = intent.request
    return {
      venue,
      strategy,
      symbol: r.symbol,
      side: r.side,
      price: r.price,
      amount: r.amount,
      newOrder: true,
      replaced: undefined
    }
  }
  const c = intent.current
  const replaced = StrMap.get(s.orders, orderIdKey(venue, intent.orderId))
  // an edit's amount is the order's new total: what would rest (and is checked) is that less what has filled
  const amount =
    intent.edit.amount === undefined
      ? c.amount
      : replaced === undefined
        ? intent.edit.amount
        : D.max(D.ZERO, D.sub(intent.edit.amount, replaced.filled))
  return {
    venue,
    strategy,
    symbol: intent.symbol,
    side: c.side,
    price: intent.edit.price ?? c.price,
    amount,
    newOrder: false,
    replaced
  }
}

/** What a check measures at one level (exported for the tests, which recompute each figure by scanning). */
export const levelFigures = (s: EngineState, level: Level, p: Proposed) => {
  const event = eventOf(s, p.venue, p.symbol)
  const totals = scopeTotals(s, level.key)
  return {
    worstCase: worstCase(levelBook(s, level, p, p.symbol), p.side, p.amount),
    eventPosition: event === undefined ? undefined : eventPosition(s, level, p, event),
    gross: grossWith(s, level, p, orderCost(p.side, p.price, p.amount, settlementOf(s, p.venue, p.symbol))),
    openOrders: totals.openOrders,
    pnl: totals.pnl,
    dailyPnl: D.sub(totals.pnl, totals.baseline)
  }
}

/** A check's result (module level: not a closure made per check). */
const decided = (s: EngineState, changes: Array<Change>, decision: Risk.RiskDecision): Result<Risk.RiskDecision> => ({
  state: s,
  value: decision,
  changes
})

/** The pre-trade check. Approved creates/amends are recorded (rate window, in-flight reservation). */
export const check = (
  s0: EngineState,
  cfg: RiskConfig,
  intent: Risk.RiskIntent,
  now: number
): Result<Risk.RiskDecision> => {
  const changes: Array<Change> = []
  let s = tick(s0, cfg, now, changes)
  if (intent._tag === "Cancel") return { state: s, value: Risk.approved, changes }
  const p = proposedOf(s, intent)
  const { venue, strategy } = p

  // the proposed order's market, read once
  const m = marketTotals(s, venue, p.symbol)
  // trading state
  const agg = levelBookIn(m, undefined, p, p.symbol)
  const reducing =
    p.side === "buy"
      ? D.add(D.add(agg.position, agg.restingBuys), p.amount) <= 0n
      : D.sub(D.sub(agg.position, agg.restingSells), p.amount) >= 0n
  const st = effectiveState(s, intent.scope)
  if (st === "HALTED") return decided(s, changes, denied("TRADING_HALTED", `trading is halted for ${venue}`))
  if (marketState(s, venue, p.symbol) === "HALTED") {
    return decided(s, changes, denied("TRADING_HALTED", `market ${p.symbol} on ${venue} is paused`))
  }
  if (st === "REDUCING" && !reducing) {
    return decided(
      s,
      changes,
      denied("REDUCING_ONLY", `only orders that reduce the position in ${p.symbol} are allowed`)
    )
  }

  // market checks
  const info = marketInfo(s, venue, p.symbol)
  if (info === undefined && cfg.requireKnownMarkets) {
    return decided(s, changes, denied("UNKNOWN_MARKET", `market ${p.symbol} on ${venue} is not registered`))
  }
  if (info !== undefined && info.status !== "open") {
    return decided(s, changes, denied("MARKET_NOT_OPEN", `market ${p.symbol} is ${info.status}`))
  }
  const r = replacedIn(p, undefined)
  const unresolvedHere = r?.unresolved && r.venue === venue && r.symbol === p.symbol ? 1 : 0
  if (m.unresolved - unresolvedHere > 0) {
    return decided(s, changes, denied("UNRESOLVED_ORDER", `an order in ${p.symbol} has an unresolved outcome`))
  }

  const levels = levelsFor(cfg, venue, strategy)
  // self-cross: against any of our resting orders in the market (every strategy on this venue)
  const selfCrossOn = levels.some((l) => l.limits.selfCross === true) || cfg.global.selfCross !== false
  const crossed = selfCrossOn ? selfCrossPrice(m, p) : undefined
  if (crossed !== undefined) {
    const level = levels[0]!
    const other = p.side === "buy" ? "sell" : "buy"
    const message = `${p.side} at ${fmt(p.price)} would cross our own ${other} at ${fmt(crossed)}`
    const action = actionFor(cfg, level, "selfCross")
    s = applyAction(s, { action, level, venue, strategy, limit: "selfCross", reason: message }, now, changes)
    return decided(s, changes, denied("SELF_CROSS", message))
  }

  const here: Here = { m, info }
  for (const level of levels) {
    const hit = checkLevel(s, here, level, p, reducing)
    if (hit !== undefined) {
      const limit = limitOfReason[hit.reason]!
      const action = actionFor(cfg, level, limit)
      s = applyAction(s, { action, level, venue, strategy, limit, reason: hit.message }, now, changes)
      return decided(s, changes, denied(hit.reason, hit.message))
    }
  }

  // approved: record for the rate window, and reserve a new order until its acknowledgement arrives
  for (const level of levels) {
    const rate = level.limits.orderRate
    if (rate !== undefined) s = recordRate(s, level.key, rate.windowMs, now)
  }
  if (intent._tag === "Create" && intent.request.clientOrderId !== undefined) {
    s = putOrder(s, clientIdKey(venue, intent.request.clientOrderId), {
      venue,
      strategy,
      symbol: p.symbol,
      side: p.side,
      price: p.price,
      remaining: p.amount,
      filled: D.ZERO,
      unresolved: false,
      expiresAt: now + cfg.pendingTtlMs
    })
  }
  return decided(s, changes, Risk.approved)
}
