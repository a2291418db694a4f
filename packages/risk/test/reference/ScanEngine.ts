/**
 * TEST ORACLE: the risk engine as it was before the running totals (every check scans the whole state), kept
 * verbatim except for the import path, the exported scans and their `Facts` parameter type. The property tests
 * run it side by side with the engine in src/internal and compare decisions, state changes and read-outs, and
 * use its scans to recompute the running totals from scratch over the new engine's facts.
 */
import { Decimal as D, type Market, type Order, Risk } from "@alpha-hunter/core"
import * as HashMap from "effect/HashMap"
import * as HashSet from "effect/HashSet"
import * as Option from "effect/Option"
import type { BreachAction, LimitName, Limits, RiskConfig } from "../../src/RiskConfig.js"

type Decimal = D.Decimal
type TradingState = Risk.TradingState
type DenyReason = Risk.DenyReason

export interface MarketInfo {
  readonly eventId: string | undefined
  readonly status: Market.MarketStatus
  /** settlement value of a binary contract (its sell cost is settlement − price); undefined for spot */
  readonly settlement: Decimal | undefined
}

export interface PositionEntry {
  readonly venue: string
  readonly strategy: string
  readonly symbol: string
  /** signed: > 0 long */
  readonly amount: Decimal
  /** cost of the open position, signed like amount */
  readonly cost: Decimal
  readonly realized: Decimal
  readonly fees: Decimal
  readonly lastPrice: Decimal
  /** P&L at the start of the current day */
  readonly baseline: Decimal
}

export interface OpenOrder {
  readonly venue: string
  readonly strategy: string
  readonly symbol: string
  readonly side: "buy" | "sell"
  readonly price: Decimal
  readonly remaining: Decimal
  /** the venue's result is unknown: block the market until resolved */
  readonly unresolved: boolean
  readonly filled: Decimal
  /** in-flight reservation (approved, not yet acknowledged) expiring at this time */
  readonly expiresAt: number | undefined
}

export interface ScopeState {
  readonly state: TradingState
  readonly reason: string
  /** the limit that set it, when a breach did */
  readonly cause: LimitName | undefined
  readonly paused: boolean
  readonly at: number
}

export interface EngineState {
  readonly positions: HashMap.HashMap<string, PositionEntry>
  readonly orders: HashMap.HashMap<string, OpenOrder>
  readonly marks: HashMap.HashMap<string, Decimal>
  readonly markets: HashMap.HashMap<string, MarketInfo>
  readonly states: HashMap.HashMap<string, ScopeState>
  /** times of approved creates/amends, newest last */
  readonly rate: ReadonlyArray<{ readonly at: number; readonly venue: string; readonly strategy: string }>
  readonly peaks: HashMap.HashMap<string, Decimal>
  readonly seenFills: HashSet.HashSet<string>
  /** orders seen terminal: a late non-terminal update never brings them back */
  readonly closedOrders: HashSet.HashSet<string>
  readonly dayStart: number
}

/** A state change produced by a function (the layer publishes it). */
/** The facts every figure is derived from (the new engine's state has the same fields). */
export type Facts = Pick<EngineState, "positions" | "orders" | "marks" | "markets">

export interface Change {
  readonly state: TradingState
  readonly previous: TradingState
  readonly reason: string
  readonly scope: Risk.RiskScope | undefined
  readonly at: number
}

export interface Result<A> {
  readonly state: EngineState
  readonly value: A
  readonly changes: ReadonlyArray<Change>
}

const DAY = 86_400_000
const HOUR = 3_600_000

export const dayStartOf = (now: number, hourUtc: number): number =>
  Math.floor((now - hourUtc * HOUR) / DAY) * DAY + hourUtc * HOUR

export const empty = (now: number, cfg: RiskConfig): EngineState => ({
  positions: HashMap.empty(),
  orders: HashMap.empty(),
  marks: HashMap.empty(),
  markets: HashMap.empty(),
  states: HashMap.empty(),
  rate: [],
  peaks: HashMap.empty(),
  seenFills: HashSet.empty(),
  closedOrders: HashSet.empty(),
  dayStart: dayStartOf(now, cfg.dailyResetHourUtc)
})

// ---- keys and scopes -------------------------------------------------------------------------------

const SEP = "\u0000"
export const marketKey = (venue: string, symbol: string) => venue + SEP + symbol
const positionKey = (venue: string, strategy: string, symbol: string) => venue + SEP + strategy + SEP + symbol

/** Trading-state keys: global, a venue, a strategy (everywhere), a strategy on a venue. */
export const GLOBAL = "*"
export const scopeKey = (scope: Risk.RiskScope | undefined): string => {
  if (scope === undefined || scope.venue === GLOBAL) {
    return scope?.strategy === undefined ? GLOBAL : `s:${scope.strategy}`
  }
  return scope.strategy === undefined ? `v:${scope.venue}` : `vs:${scope.venue}/${scope.strategy}`
}
export const scopeOfKey = (key: string): Risk.RiskScope | undefined => {
  if (key === GLOBAL) return undefined
  if (key.startsWith("v:")) return { venue: key.slice(2) }
  if (key.startsWith("s:")) return { venue: GLOBAL, strategy: key.slice(2) }
  const [venue, strategy] = key.slice(3).split("/") as [string, string]
  return { venue, strategy }
}
/** Every state key that governs a scope. */
const governingKeys = (scope: Risk.RiskScope | undefined): ReadonlyArray<string> => {
  if (scope === undefined) return [GLOBAL]
  const keys = [GLOBAL]
  if (scope.venue !== GLOBAL) keys.push(`v:${scope.venue}`)
  if (scope.strategy !== undefined) {
    keys.push(`s:${scope.strategy}`)
    if (scope.venue !== GLOBAL) keys.push(`vs:${scope.venue}/${scope.strategy}`)
  }
  return keys
}

const rank: Record<TradingState, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 }
const stricter = (a: TradingState, b: TradingState): TradingState => (rank[a] >= rank[b] ? a : b)

export const effectiveState = (s: EngineState, scope: Risk.RiskScope | undefined): TradingState => {
  let st: TradingState = "ACTIVE"
  for (const k of governingKeys(scope)) {
    const e = HashMap.get(s.states, k)
    if (Option.isSome(e)) st = stricter(st, e.value.state)
  }
  return st
}

// ---- levels ------------------------------------------------------------------------------------------

interface Level {
  readonly name: string
  readonly limits: Limits
  /** state key that `reduce` / `halt` target */
  readonly key: string
  readonly matches: (venue: string, strategy: string) => boolean
}

const levelsFor = (cfg: RiskConfig, venue: string, strategy: string): ReadonlyArray<Level> => {
  const out: Array<Level> = [{ name: "global", limits: cfg.global, key: GLOBAL, matches: () => true }]
  const v = cfg.venues[venue]
  if (v !== undefined) out.push({ name: `venue ${venue}`, limits: v, key: `v:${venue}`, matches: (x) => x === venue })
  const st = strategy === "" ? undefined : cfg.strategies[strategy]
  if (st !== undefined) {
    out.push({ name: `strategy ${strategy}`, limits: st, key: `s:${strategy}`, matches: (_, y) => y === strategy })
  }
  return out
}

/** All configured levels (for post-trade checks that are not tied to one order). */
const allLevels = (cfg: RiskConfig): ReadonlyArray<Level> => {
  const out: Array<Level> = [{ name: "global", limits: cfg.global, key: GLOBAL, matches: () => true }]
  for (const [venue, limits] of Object.entries(cfg.venues)) {
    out.push({ name: `venue ${venue}`, limits, key: `v:${venue}`, matches: (x) => x === venue })
  }
  for (const [strategy, limits] of Object.entries(cfg.strategies)) {
    out.push({ name: `strategy ${strategy}`, limits, key: `s:${strategy}`, matches: (_, y) => y === strategy })
  }
  return out
}

const actionFor = (cfg: RiskConfig, level: Level, limit: LimitName): BreachAction =>
  level.limits.onBreach?.[limit] ?? cfg.onBreach[limit] ?? "deny"

// ---- metrics -----------------------------------------------------------------------------------------

export const markOf = (s: Facts, venue: string, symbol: string, fallback: Decimal): Decimal =>
  Option.getOrElse(HashMap.get(s.marks, marketKey(venue, symbol)), () => fallback)

export const settlementOf = (s: Facts, venue: string, symbol: string): Decimal | undefined =>
  Option.match(HashMap.get(s.markets, marketKey(venue, symbol)), {
    onNone: () => undefined,
    onSome: (m) => m.settlement
  })

/** Money at risk of an order: buys pay price; binary sells pay settlement − price; spot sells price. */
export const orderCost = (
  side: "buy" | "sell",
  price: Decimal,
  amount: Decimal,
  settlement: Decimal | undefined
): Decimal =>
  D.mul(side === "sell" && settlement !== undefined ? D.max(D.ZERO, D.sub(settlement, price)) : price, amount, "ceil")

export const pnlOf = (s: Facts, e: PositionEntry): Decimal => {
  const mark = markOf(s, e.venue, e.symbol, e.lastPrice)
  // realized + amount × mark − cost − fees
  return D.sub(D.add(e.realized, D.sub(D.mul(e.amount, mark, "floor"), e.cost)), e.fees)
}

export interface MarketBook {
  position: Decimal
  restingBuys: Decimal
  restingSells: Decimal
}

export const marketBook = (
  s: Facts,
  venue: string,
  symbol: string,
  match: (venue: string, strategy: string) => boolean,
  exclude?: string
): MarketBook => {
  let position = D.ZERO
  let restingBuys = D.ZERO
  let restingSells = D.ZERO
  for (const e of HashMap.values(s.positions)) {
    if (e.venue === venue && e.symbol === symbol && match(e.venue, e.strategy)) position = D.add(position, e.amount)
  }
  for (const [k, o] of s.orders) {
    if (k === exclude || o.venue !== venue || o.symbol !== symbol || !match(o.venue, o.strategy)) continue
    if (o.side === "buy") restingBuys = D.add(restingBuys, o.remaining)
    else restingSells = D.add(restingSells, o.remaining)
  }
  return { position, restingBuys, restingSells }
}

/** Worst-case |position| of a market if every resting order (and the new one) fills. */
export const worstCase = (b: MarketBook, side?: "buy" | "sell", amount?: Decimal): Decimal => {
  const buys = side === "buy" && amount !== undefined ? D.add(b.restingBuys, amount) : b.restingBuys
  const sells = side === "sell" && amount !== undefined ? D.add(b.restingSells, amount) : b.restingSells
  return D.max(D.abs(D.add(b.position, buys)), D.abs(D.sub(b.position, sells)))
}

export const grossExposure = (
  s: Facts,
  match: (venue: string, strategy: string) => boolean,
  exclude?: string
): Decimal => {
  let total = D.ZERO
  for (const e of HashMap.values(s.positions)) {
    if (!match(e.venue, e.strategy) || D.isZero(e.amount)) continue
    const mark = markOf(s, e.venue, e.symbol, e.lastPrice)
    total = D.add(
      total,
      orderCost(e.amount > 0n ? "buy" : "sell", mark, D.abs(e.amount), settlementOf(s, e.venue, e.symbol))
    )
  }
  for (const [k, o] of s.orders) {
    if (k === exclude || !match(o.venue, o.strategy)) continue
    total = D.add(total, orderCost(o.side, o.price, o.remaining, settlementOf(s, o.venue, o.symbol)))
  }
  return total
}

export const pnlTotals = (
  s: Facts,
  match: (venue: string, strategy: string) => boolean
): { readonly total: Decimal; readonly daily: Decimal } => {
  let total = D.ZERO
  let daily = D.ZERO
  for (const e of HashMap.values(s.positions)) {
    if (!match(e.venue, e.strategy)) continue
    const p = pnlOf(s, e)
    total = D.add(total, p)
    daily = D.add(daily, D.sub(p, e.baseline))
  }
  return { total, daily }
}

export const openOrderCount = (s: Facts, match: (venue: string, strategy: string) => boolean): number => {
  let n = 0
  for (const o of HashMap.values(s.orders)) if (match(o.venue, o.strategy)) n++
  return n
}

export const eventOf = (s: Facts, venue: string, symbol: string): string | undefined =>
  Option.match(HashMap.get(s.markets, marketKey(venue, symbol)), { onNone: () => undefined, onSome: (m) => m.eventId })

// ---- state changes -----------------------------------------------------------------------------------

const setScopeState = (
  s: EngineState,
  key: string,
  state: TradingState,
  reason: string,
  cause: LimitName | undefined,
  paused: boolean,
  now: number,
  changes: Array<Change>
): EngineState => {
  const prev = Option.getOrUndefined(HashMap.get(s.states, key))
  const previous = prev?.state ?? "ACTIVE"
  if (prev !== undefined && prev.state === state && prev.paused === paused) return s
  if (prev === undefined && state === "ACTIVE") return s
  changes.push({ state, previous, reason, scope: scopeOfKey(key), at: now })
  return { ...s, states: HashMap.set(s.states, key, { state, reason, cause, paused, at: now }) }
}

/** Raises a scope's state (never lowers it): what breach actions do. */
const escalate = (
  s: EngineState,
  key: string,
  state: TradingState,
  reason: string,
  cause: LimitName,
  now: number,
  changes: Array<Change>
): EngineState => {
  const prev = Option.getOrUndefined(HashMap.get(s.states, key))
  if (prev !== undefined && rank[prev.state] >= rank[state]) return s
  return setScopeState(s, key, state, reason, cause, false, now, changes)
}

const applyAction = (
  s: EngineState,
  action: BreachAction,
  level: Level,
  venue: string,
  strategy: string,
  limit: LimitName,
  reason: string,
  now: number,
  changes: Array<Change>
): EngineState => {
  if (action === "deny") return s
  const [verb, target] = action.split("-") as ["reduce" | "halt", "venue" | "strategy" | "all" | undefined]
  const state: TradingState = verb === "halt" ? "HALTED" : "REDUCING"
  const key =
    target === undefined
      ? level.key
      : target === "all"
        ? GLOBAL
        : target === "venue"
          ? `v:${venue}`
          : strategy === ""
            ? `v:${venue}`
            : `s:${strategy}`
  return escalate(s, key, state, `${limit} breached (${level.name}): ${reason}`, limit, now, changes)
}

/** Sets a scope's state by hand (operator or runner). */
export const setState = (
  s: EngineState,
  state: TradingState,
  reason: string,
  scope: Risk.RiskScope | undefined,
  paused: boolean,
  now: number
): Result<void> => {
  const changes: Array<Change> = []
  const next = setScopeState(s, scopeKey(scope), state, reason, undefined, paused, now, changes)
  return { state: next, value: undefined, changes }
}

// ---- time --------------------------------------------------------------------------------------------

/** Rolls the day (new P&L baselines, optional resume), drops expired reservations and old rate entries. */
export const tick = (s: EngineState, cfg: RiskConfig, now: number, changes: Array<Change>): EngineState => {
  let next = s
  const day = dayStartOf(now, cfg.dailyResetHourUtc)
  if (day !== s.dayStart) {
    next = {
      ...next,
      dayStart: day,
      positions: HashMap.map(next.positions, (e) => ({ ...e, baseline: pnlOf(next, e) }))
    }
    if (cfg.resumeOnDailyReset) {
      for (const [k, st] of next.states) {
        if (st.cause === "maxDailyLoss" && st.state !== "ACTIVE") {
          next = setScopeState(next, k, "ACTIVE", "daily reset", undefined, false, now, changes)
        }
      }
    }
  }
  let expired = false
  for (const o of HashMap.values(next.orders)) {
    if (o.expiresAt !== undefined && o.expiresAt <= now) {
      expired = true
      break
    }
  }
  if (expired) {
    next = { ...next, orders: HashMap.filter(next.orders, (o) => o.expiresAt === undefined || o.expiresAt > now) }
  }
  const windows = rateWindows(cfg)
  if (next.rate.length > 0 && next.rate[0]!.at <= now - windows) {
    next = { ...next, rate: next.rate.filter((r) => r.at > now - windows) }
  }
  return next
}

const rateWindows = (cfg: RiskConfig): number => {
  let w = cfg.global.orderRate?.windowMs ?? 0
  for (const l of Object.values(cfg.venues)) w = Math.max(w, l.orderRate?.windowMs ?? 0)
  for (const l of Object.values(cfg.strategies)) w = Math.max(w, l.orderRate?.windowMs ?? 0)
  return w
}

// ---- pre-trade check ---------------------------------------------------------------------------------

interface Proposed {
  readonly venue: string
  readonly strategy: string
  readonly symbol: string
  readonly side: "buy" | "sell"
  readonly price: Decimal
  readonly amount: Decimal
  readonly newOrder: boolean
  /** order key of the order being amended (its contribution is replaced) */
  readonly exclude: string | undefined
}

const denied = (reason: DenyReason, message: string): Risk.RiskDecision => new Risk.Denied({ reason, message })

const fmt = (x: Decimal) => D.format(x)

const limitOfReason: Partial<Record<DenyReason, LimitName>> = {
  MAX_ORDER_SIZE: "maxOrderSize",
  MAX_ORDER_NOTIONAL: "maxOrderNotional",
  MAX_POSITION: "maxPosition",
  MAX_EVENT_POSITION: "maxEventPosition",
  MAX_GROSS_EXPOSURE: "maxGrossExposure",
  MAX_OPEN_ORDERS: "maxOpenOrders",
  ORDER_RATE: "orderRate",
  PRICE_BAND: "priceBand",
  DAILY_LOSS: "maxDailyLoss",
  DRAWDOWN: "maxDrawdown",
  SELF_CROSS: "selfCross"
}

/** Checks one level's limits for a proposed order; undefined = passes. */
const checkLevel = (
  s: EngineState,
  level: Level,
  p: Proposed,
  reducing: boolean,
  now: number
): { readonly reason: DenyReason; readonly message: string } | undefined => {
  const L = level.limits
  const at = ` (${level.name})`
  const band = L.priceBand
  if (band !== undefined) {
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
  }
  if (L.maxOrderSize !== undefined && p.amount > L.maxOrderSize) {
    return { reason: "MAX_ORDER_SIZE", message: `amount ${fmt(p.amount)} exceeds ${fmt(L.maxOrderSize)}${at}` }
  }
  const settlement = settlementOf(s, p.venue, p.symbol)
  if (L.maxOrderNotional !== undefined) {
    const cost = orderCost(p.side, p.price, p.amount, settlement)
    if (cost > L.maxOrderNotional) {
      return {
        reason: "MAX_ORDER_NOTIONAL",
        message: `order cost ${fmt(cost)} exceeds ${fmt(L.maxOrderNotional)}${at}`
      }
    }
  }
  if (L.orderRate !== undefined) {
    const since = now - L.orderRate.windowMs
    let n = 0
    for (const r of s.rate) if (r.at > since && level.matches(r.venue, r.strategy)) n++
    if (n + 1 > L.orderRate.max) {
      return {
        reason: "ORDER_RATE",
        message: `${n} orders in the last ${L.orderRate.windowMs} ms; at most ${L.orderRate.max}${at}`
      }
    }
  }
  if (p.newOrder && L.maxOpenOrders !== undefined) {
    const n = openOrderCount(s, level.matches)
    if (n + 1 > L.maxOpenOrders) {
      return { reason: "MAX_OPEN_ORDERS", message: `${n} open orders; at most ${L.maxOpenOrders}${at}` }
    }
  }
  if (!reducing) {
    if (L.maxPosition !== undefined) {
      const b = marketBook(s, p.venue, p.symbol, level.matches, p.exclude)
      const worst = worstCase(b, p.side, p.amount)
      if (worst > L.maxPosition) {
        return {
          reason: "MAX_POSITION",
          message: `worst-case position ${fmt(worst)} in ${p.symbol} exceeds ${fmt(L.maxPosition)}${at}`
        }
      }
    }
    if (L.maxEventPosition !== undefined) {
      const event = eventOf(s, p.venue, p.symbol)
      if (event !== undefined) {
        const symbols = new Set<string>([p.symbol])
        for (const [k, m] of s.markets) {
          if (m.eventId === event && k.startsWith(p.venue + SEP)) symbols.add(k.slice(p.venue.length + 1))
        }
        let total = D.ZERO
        for (const sym of symbols) {
          const b = marketBook(s, p.venue, sym, level.matches, p.exclude)
          total = D.add(total, sym === p.symbol ? worstCase(b, p.side, p.amount) : worstCase(b))
        }
        if (total > L.maxEventPosition) {
          return {
            reason: "MAX_EVENT_POSITION",
            message: `worst-case position ${fmt(total)} in event ${event} exceeds ${fmt(L.maxEventPosition)}${at}`
          }
        }
      }
    }
    if (L.maxGrossExposure !== undefined) {
      const gross = D.add(grossExposure(s, level.matches, p.exclude), orderCost(p.side, p.price, p.amount, settlement))
      if (gross > L.maxGrossExposure) {
        return {
          reason: "MAX_GROSS_EXPOSURE",
          message: `gross exposure ${fmt(gross)} would exceed ${fmt(L.maxGrossExposure)}${at}`
        }
      }
    }
    if (L.maxDailyLoss !== undefined || L.maxDrawdown !== undefined) {
      const pnl = pnlTotals(s, level.matches)
      if (L.maxDailyLoss !== undefined && D.neg(pnl.daily) > L.maxDailyLoss) {
        return {
          reason: "DAILY_LOSS",
          message: `daily loss ${fmt(D.neg(pnl.daily))} exceeds ${fmt(L.maxDailyLoss)}${at}`
        }
      }
      if (L.maxDrawdown !== undefined) {
        const peak = D.max(
          Option.getOrElse(HashMap.get(s.peaks, level.key), () => D.ZERO),
          pnl.total
        )
        const dd = D.sub(peak, pnl.total)
        if (dd > L.maxDrawdown) {
          return { reason: "DRAWDOWN", message: `drawdown ${fmt(dd)} exceeds ${fmt(L.maxDrawdown)}${at}` }
        }
      }
    }
  }
  return undefined
}

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
  const venue = intent.scope.venue
  const strategy = intent.scope.strategy ?? ""
  let p: Proposed
  let clientKey: string | undefined
  if (intent._tag === "Create") {
    const r = intent.request
    p = {
      venue,
      strategy,
      symbol: r.symbol,
      side: r.side,
      price: r.price,
      amount: r.amount,
      newOrder: true,
      exclude: undefined
    }
    clientKey = r.clientOrderId === undefined ? undefined : `${venue}${SEP}cid:${r.clientOrderId}`
  } else {
    const c = intent.current
    const replaced = Option.getOrUndefined(HashMap.get(s.orders, `${venue}${SEP}id:${intent.orderId}`))
    p = {
      venue,
      strategy,
      symbol: intent.symbol,
      side: c.side,
      price: intent.edit.price ?? c.price,
      amount:
        intent.edit.amount === undefined
          ? c.amount
          : replaced === undefined
            ? intent.edit.amount
            : D.max(D.ZERO, D.sub(intent.edit.amount, replaced.filled)),
      newOrder: false,
      exclude: `${venue}${SEP}id:${intent.orderId}`
    }
  }
  const done = (decision: Risk.RiskDecision): Result<Risk.RiskDecision> => ({ state: s, value: decision, changes })

  // trading state
  const agg = marketBook(s, venue, p.symbol, () => true, p.exclude)
  const reducing =
    p.side === "buy"
      ? D.add(D.add(agg.position, agg.restingBuys), p.amount) <= 0n
      : D.sub(D.sub(agg.position, agg.restingSells), p.amount) >= 0n
  const st = effectiveState(s, intent.scope)
  if (st === "HALTED") return done(denied("TRADING_HALTED", `trading is halted for ${venue}`))
  if (st === "REDUCING" && !reducing) {
    return done(denied("REDUCING_ONLY", `only orders that reduce the position in ${p.symbol} are allowed`))
  }

  // market checks
  const info = Option.getOrUndefined(HashMap.get(s.markets, marketKey(venue, p.symbol)))
  if (info === undefined && cfg.requireKnownMarkets) {
    return done(denied("UNKNOWN_MARKET", `market ${p.symbol} on ${venue} is not registered`))
  }
  if (info !== undefined && info.status !== "open") {
    return done(denied("MARKET_NOT_OPEN", `market ${p.symbol} is ${info.status}`))
  }
  for (const [k, o] of s.orders) {
    if (o.unresolved && o.venue === venue && o.symbol === p.symbol && k !== p.exclude) {
      return done(denied("UNRESOLVED_ORDER", `an order in ${p.symbol} has an unresolved outcome`))
    }
  }

  const levels = levelsFor(cfg, venue, strategy)
  // self-cross: against any of our resting orders in the market (every strategy on this venue)
  const selfCrossOn = levels.some((l) => l.limits.selfCross === true) || cfg.global.selfCross !== false
  if (selfCrossOn) {
    for (const [k, o] of s.orders) {
      if (k === p.exclude || o.venue !== venue || o.symbol !== p.symbol || o.side === p.side) continue
      if (p.side === "buy" ? p.price >= o.price : p.price <= o.price) {
        const level = levels[0]!
        const message = `${p.side} at ${fmt(p.price)} would cross our own ${o.side} at ${fmt(o.price)}`
        s = applyAction(
          s,
          actionFor(cfg, level, "selfCross"),
          level,
          venue,
          strategy,
          "selfCross",
          message,
          now,
          changes
        )
        return done(denied("SELF_CROSS", message))
      }
    }
  }

  for (const level of levels) {
    const hit = checkLevel(s, level, p, reducing, now)
    if (hit !== undefined) {
      const limit = limitOfReason[hit.reason]!
      s = applyAction(s, actionFor(cfg, level, limit), level, venue, strategy, limit, hit.message, now, changes)
      return done(denied(hit.reason, hit.message))
    }
  }

  // approved: record for the rate window, and reserve a new order until its acknowledgement arrives
  s = { ...s, rate: [...s.rate, { at: now, venue, strategy }] }
  if (p.newOrder && clientKey !== undefined) {
    s = {
      ...s,
      orders: HashMap.set(s.orders, clientKey, {
        venue,
        strategy,
        symbol: p.symbol,
        side: p.side,
        price: p.price,
        remaining: p.amount,
        unresolved: false,
        filled: D.ZERO,
        expiresAt: now + cfg.pendingTtlMs
      })
    }
  }
  return done(Risk.approved)
}

// ---- post-trade ----------------------------------------------------------------------------------------

export const onOrder = (s0: EngineState, cfg: RiskConfig, scope: Risk.RiskScope, order: Order.Order, now: number) => {
  const changes: Array<Change> = []
  let s = tick(s0, cfg, now, changes)
  const venue = scope.venue
  let orders = s.orders
  if (order.clientOrderId !== undefined) orders = HashMap.remove(orders, `${venue}${SEP}cid:${order.clientOrderId}`)
  const key = `${venue}${SEP}id:${order.id}`
  const terminal =
    order.status === "closed" ||
    order.status === "canceled" ||
    order.status === "expired" ||
    order.status === "rejected"
  let closedOrders = s.closedOrders
  if (terminal || (order.remaining <= 0n && order.status !== "unknown")) {
    orders = HashMap.remove(orders, key)
    closedOrders = HashSet.add(closedOrders, key)
  } else if (!HashSet.has(closedOrders, key)) {
    orders = HashMap.set(orders, key, {
      venue,
      strategy: scope.strategy ?? "",
      symbol: order.symbol,
      side: order.side,
      price: order.price,
      remaining: order.remaining,
      filled: order.filled,
      unresolved: order.status === "unknown",
      expiresAt: undefined
    })
  }
  s = { ...s, orders, closedOrders }
  return { state: s, value: undefined, changes }
}

export const registerMarket = (s: EngineState, venue: string, market: Market.Market): EngineState => ({
  ...s,
  markets: HashMap.set(s.markets, marketKey(venue, market.symbol), {
    eventId: market.eventId,
    status: market.status,
    settlement: market.kind._tag === "binary" ? market.kind.settlementValue : undefined
  })
})

const applyFillToEntry = (e: PositionEntry, signed: Decimal, price: Decimal, fee: Decimal): PositionEntry => {
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
  return { ...e, amount, cost, realized, fees: D.add(e.fees, fee), lastPrice: price }
}

/** Peaks and post-trade breaches (loss, drawdown, position) for every configured level. */
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
    const pnl = pnlTotals(s, level.matches)
    const peak = D.max(
      Option.getOrElse(HashMap.get(peaks, level.key), () => D.ZERO),
      pnl.total
    )
    peaks = HashMap.set(peaks, level.key, peak)
    if (L.maxDailyLoss !== undefined && D.neg(pnl.daily) > L.maxDailyLoss) {
      const msg = `daily loss ${fmt(D.neg(pnl.daily))} exceeds ${fmt(L.maxDailyLoss)}`
      s = applyAction(
        s,
        actionFor(cfg, level, "maxDailyLoss"),
        level,
        venue,
        strategy,
        "maxDailyLoss",
        msg,
        now,
        changes
      )
    }
    const dd = D.sub(peak, pnl.total)
    if (L.maxDrawdown !== undefined && dd > L.maxDrawdown) {
      const msg = `drawdown ${fmt(dd)} exceeds ${fmt(L.maxDrawdown)}`
      s = applyAction(s, actionFor(cfg, level, "maxDrawdown"), level, venue, strategy, "maxDrawdown", msg, now, changes)
    }
  }
  return { ...s, peaks }
}

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
  const fillKey = `${venue}${SEP}${fill.id}`
  if (HashSet.has(s.seenFills, fillKey)) return { state: s, value: undefined, changes }
  const key = positionKey(venue, strategy, fill.symbol)
  const prev = Option.getOrElse(
    HashMap.get(s.positions, key),
    (): PositionEntry => ({
      venue,
      strategy,
      symbol: fill.symbol,
      amount: D.ZERO,
      cost: D.ZERO,
      realized: D.ZERO,
      fees: D.ZERO,
      lastPrice: fill.price,
      baseline: D.ZERO
    })
  )
  const signed = fill.side === "buy" ? fill.amount : D.neg(fill.amount)
  const next = applyFillToEntry(prev, signed, fill.price, fill.fee.cost)
  s = { ...s, positions: HashMap.set(s.positions, key, next), seenFills: HashSet.add(s.seenFills, fillKey) }
  // a position above its limit after a fill (e.g. a race) triggers the configured action
  for (const level of levelsFor(cfg, venue, strategy)) {
    const max = level.limits.maxPosition
    if (max === undefined) continue
    const b = marketBook(s, venue, fill.symbol, level.matches)
    if (D.abs(b.position) > max) {
      const msg = `position ${fmt(b.position)} in ${fill.symbol} exceeds ${fmt(max)}`
      s = applyAction(s, actionFor(cfg, level, "maxPosition"), level, venue, strategy, "maxPosition", msg, now, changes)
    }
  }
  s = postTrade(s, cfg, venue, strategy, now, changes)
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
  s = { ...s, marks: HashMap.set(s.marks, marketKey(scope.venue, symbol), price) }
  s = postTrade(s, cfg, scope.venue, scope.strategy ?? "", now, changes)
  return { state: s, value: undefined, changes }
}

/** P&L and exposure of a level, for snapshots and tests. */
export const summary = (
  s: EngineState,
  filter: { readonly venue?: string; readonly strategy?: string }
): {
  readonly pnl: Decimal
  readonly dailyPnl: Decimal
  readonly grossExposure: Decimal
  readonly openOrders: number
} => {
  const match = (v: string, st: string) =>
    (filter.venue === undefined || filter.venue === v) && (filter.strategy === undefined || filter.strategy === st)
  const pnl = pnlTotals(s, match)
  return {
    pnl: pnl.total,
    dailyPnl: pnl.daily,
    grossExposure: grossExposure(s, match),
    openOrders: openOrderCount(s, match)
  }
}

export const positionOf = (s: EngineState, venue: string, symbol: string, strategy?: string): Decimal =>
  marketBook(s, venue, symbol, (_, st) => strategy === undefined || st === strategy).position
