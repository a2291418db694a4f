/**
 * The matching engine and account model: one YES book per market, price-time priority, fills at the
 * resting price, STP, TIF, post-only, fees and rounding, collateral, positions, order groups, lifecycle.
 * Pure synchronous state machine (performance: thousands of orders/s); the Effect wrapper owns its lifetime.
 */
import * as B from "./book.js"
import { applyRounding, tradeFeeMicros } from "./fees.js"
import type { Prng } from "./prng.js"
import type { Scheduler, SimClock } from "./scheduler.js"
import { onGrid, type PriceRange, toWire } from "./ticks.js"
import {
  type ApiError,
  apiError,
  type Fill,
  type Market,
  type Order,
  type OrderGroup,
  type OrderSnapshot,
  type Position,
  type Side,
  type Stp,
  type TimeInForce,
  type Trade,
  type User
} from "./types.js"

export type SimEvent =
  | {
      readonly type: "book"
      readonly market: Market
      readonly side: Side
      readonly price: number
      readonly delta: number
      readonly order: Order | undefined
      readonly ts: number
    }
  | { readonly type: "trade"; readonly market: Market; readonly trade: Trade }
  | { readonly type: "fill"; readonly userId: string; readonly fill: Fill; readonly market: Market }
  | { readonly type: "order"; readonly order: Order; readonly ts: number }
  | { readonly type: "position"; readonly userId: string; readonly market: Market; readonly position: Position }
  | { readonly type: "ticker"; readonly market: Market; readonly ts: number }
  | {
      readonly type: "lifecycle"
      readonly market: Market
      readonly eventType: string
      readonly extra: Record<string, unknown>
    }
  | {
      readonly type: "group"
      readonly userId: string
      readonly group: OrderGroup
      readonly eventType: string
      readonly ts: number
    }

export interface CreateInput {
  readonly ticker: string
  readonly side: Side
  readonly count: number
  readonly price: number
  readonly tif: TimeInForce
  readonly stp: Stp
  readonly clientOrderId: string | undefined
  readonly expirationSec: number | undefined
  readonly postOnly: boolean
  readonly reduceOnly: boolean
  readonly cancelOnPause: boolean
  readonly orderGroupId: string | undefined
  readonly subaccount: number
}

export interface ExecSummary {
  readonly order: Order
  readonly fillCount: number
  /** Σ price × count (pips × centi = micro-dollars) */
  readonly fillNotional: number
  /** Σ trade fees, micro-dollars */
  readonly fees: number
  readonly ts: number
}

export interface AmendInput {
  readonly ticker: string
  readonly side: Side
  readonly price: number
  readonly count: number
  readonly clientOrderId: string | undefined
  readonly updatedClientOrderId: string | undefined
  readonly expirationSec: number | undefined
}

export interface EngineOptions {
  readonly clock: SimClock
  readonly scheduler: Scheduler
  readonly ids: Prng
  readonly initialBalanceMicros: number
}

const GROUP_WINDOW_MS = 15_000

export const makeEngine = (opts: EngineOptions) => {
  const { clock, scheduler, ids } = opts
  const markets = new Map<string, Market>()
  const users = new Map<string, User>()
  const orders = new Map<string, Order>()
  const groups = new Map<string, OrderGroup>()
  const listeners = new Set<(e: SimEvent) => void>()
  const exchange = { exchangeActive: true, tradingActive: true, readsFrozen: false, readLagMs: 0 }

  const emit = (e: SimEvent): void => {
    for (const l of listeners) l(e)
  }

  // ---------------------------------------------------------------- users & positions

  const ensureUser = (id: string, synthetic = false, balanceMicros = opts.initialBalanceMicros): User => {
    let u = users.get(id)
    if (u === undefined) {
      u = {
        id,
        synthetic,
        cash: balanceMicros,
        reserved: 0,
        precision: 100,
        positions: new Map(),
        orders: [],
        fills: [],
        settlements: [],
        clientIds: new Set(),
        groups: new Map(),
        read: undefined,
        write: undefined,
        updatedMs: clock.now()
      }
      users.set(id, u)
    }
    return u
  }

  const positionOf = (u: User, ticker: string): Position => {
    let p = u.positions.get(ticker)
    if (p === undefined) {
      p = {
        ticker,
        position: 0,
        exposure: 0,
        realized: 0,
        feesPaid: 0,
        totalTraded: 0,
        volume: 0,
        updatedMs: clock.now()
      }
      u.positions.set(ticker, p)
    }
    return p
  }

  // ---------------------------------------------------------------- read model (stale-read fault)

  const snapshot = (o: Order): OrderSnapshot => ({
    status: o.status,
    price: o.price,
    filled: o.filled,
    remaining: o.remaining,
    initial: o.initial,
    takerCost: o.takerCost,
    makerCost: o.makerCost,
    takerFees: o.takerFees,
    makerFees: o.makerFees,
    updatedMs: o.updatedMs,
    expirationMs: o.expirationMs,
    clientOrderId: o.clientOrderId
  })
  const touch = (o: Order): void => {
    if (exchange.readsFrozen && o.frozen === null) o.frozen = snapshot(o)
    if (exchange.readLagMs > 0) {
      const now = clock.now()
      const past = (o.past ?? []).filter((p) => p.until > now - exchange.readLagMs)
      past.push({ until: now, snap: snapshot(o) })
      o.past = past
    }
  }
  /** REST lag: whether an order is too new for the read model to show it */
  const hiddenFromReads = (o: Order): boolean =>
    exchange.readLagMs > 0 && !exchange.readsFrozen && o.createdMs > clock.now() - exchange.readLagMs
  /** REST lag: sets each order's read model to its state `readLagMs` ago (before a REST read) */
  const prepareReads = (os: Iterable<Order>): void => {
    if (exchange.readsFrozen || exchange.readLagMs <= 0) return
    const asOf = clock.now() - exchange.readLagMs
    for (const o of os) {
      const p = o.past?.find((x) => x.until > asOf)
      o.frozen = p === undefined ? null : p.snap
    }
  }
  const setReadLag = (ms: number): void => {
    exchange.readLagMs = Math.max(0, ms)
    if (ms <= 0) {
      for (const o of orders.values()) {
        o.past = undefined
        if (!exchange.readsFrozen) o.frozen = null
      }
    }
  }

  // ---------------------------------------------------------------- collateral

  const reserveFor = (m: Market, u: User, o: Order): number => {
    if (u.synthetic || o.status !== "resting") return 0
    const open = Math.max(0, o.remaining - o.closable)
    if (open === 0) return 0
    const per = o.side === "bid" ? o.price : 10_000 - o.price
    return per * open + tradeFeeMicros(m.feeType, true, open, o.price, m.feeMultiplierBp)
  }
  const rereserve = (m: Market, u: User, o: Order): void => {
    const r = reserveFor(m, u, o)
    u.reserved += r - o.reserved
    o.reserved = r
  }
  const available = (u: User): number => u.cash - u.reserved

  // ---------------------------------------------------------------- ticker

  const afterMarketOp = (m: Market): void => {
    const bb = B.bestBid(m.book)
    const ba = B.bestAsk(m.book)
    const sig = `${bb?.price}:${bb?.total}:${ba?.price}:${ba?.total}:${m.lastPrice}:${m.volume}:${m.openInterest}`
    if (sig !== m.tickerSig) {
      m.tickerSig = sig
      emit({ type: "ticker", market: m, ts: clock.now() })
    }
  }

  // ---------------------------------------------------------------- cancel

  const removeResting = (m: Market, o: Order, reason: string, quiet = false): number => {
    touch(o)
    const reduced = o.remaining
    const wasResting = o.status === "resting"
    if (wasResting) B.remove(m.book, o)
    o.remaining = 0
    o.status = "canceled"
    o.updatedMs = clock.now()
    o.lastUpdateReason = reason
    const u = users.get(o.userId)!
    rereserve(m, u, o)
    if (wasResting && reduced > 0) {
      emit({ type: "book", market: m, side: o.side, price: o.price, delta: -reduced, order: o, ts: o.updatedMs })
    }
    if (!quiet) emit({ type: "order", order: o, ts: o.updatedMs })
    return reduced
  }

  // ---------------------------------------------------------------- order groups

  const triggerGroup = (g: OrderGroup): void => {
    if (g.triggered) return
    g.triggered = true
    const now = clock.now()
    for (const id of g.orders) {
      const o = orders.get(id)
      if (o !== undefined && o.status === "resting") {
        const m = markets.get(o.ticker)!
        removeResting(m, o, "OrderGroupCancel")
        afterMarketOp(m)
      }
    }
    emit({ type: "group", userId: g.userId, group: g, eventType: "triggered", ts: now })
  }

  const groupFill = (groupId: string | null, qty: number, ts: number): void => {
    if (groupId === null) return
    const g = groups.get(groupId)
    if (g === undefined) return
    g.window.push({ ts, qty })
    while (g.window.length > 0 && g.window[0]!.ts <= ts - GROUP_WINDOW_MS) g.window.shift()
    let sum = 0
    for (const w of g.window) sum += w.qty
    if (sum > g.limit) triggerGroup(g)
  }

  // ---------------------------------------------------------------- fills

  const applyFill = (m: Market, o: Order, isTaker: boolean, qty: number, price: number, tradeId: string): Fill => {
    const u = users.get(o.userId)!
    const now = clock.now()
    const fee = tradeFeeMicros(m.feeType, isTaker, qty, price, m.feeMultiplierBp)
    const pos = positionOf(u, m.ticker)
    const before = pos.position
    const outcomePrice = o.side === "bid" ? price : 10_000 - price
    let closing: number
    let cashDelta: number
    if (o.side === "bid") {
      closing = Math.min(qty, Math.max(0, -before))
      cashDelta = closing * (10_000 - price) - (qty - closing) * price
      pos.position += qty
    } else {
      closing = Math.min(qty, Math.max(0, before))
      cashDelta = closing * price - (qty - closing) * (10_000 - price)
      pos.position -= qty
    }
    const opening = qty - closing
    if (closing > 0) {
      const removed = Math.round((pos.exposure * closing) / Math.abs(before))
      const proceeds = closing * (o.side === "bid" ? 10_000 - price : price)
      pos.exposure -= removed
      pos.realized += proceeds - removed
    }
    pos.exposure += opening * outcomePrice
    const r = applyRounding(cashDelta, fee, o.roundingAcc, u.precision)
    o.roundingAcc = r.accumulator
    u.cash += r.balanceChange
    u.updatedMs = now
    pos.feesPaid += fee + r.roundingFee - r.rebate
    pos.totalTraded += qty * outcomePrice
    pos.volume += qty
    pos.updatedMs = now
    if (isTaker) {
      o.takerCost += qty * outcomePrice
      o.takerFees += fee
    } else {
      o.makerCost += qty * outcomePrice
      o.makerFees += fee
    }
    m.openInterest += Math.max(pos.position, 0) - Math.max(before, 0)
    const fill: Fill = {
      tradeId,
      orderId: o.id,
      clientOrderId: o.clientOrderId,
      ticker: m.ticker,
      side: o.side,
      count: qty,
      price,
      isTaker,
      fee,
      ts: now,
      subaccount: o.subaccount,
      postPosition: pos.position
    }
    u.fills.push(fill)
    return fill
  }

  const execute = (m: Market, taker: Order, maker: Order, level: B.Level, qty: number): void => {
    const price = maker.price
    const now = clock.now()
    const tradeId = ids.uuid()
    touch(maker)
    touch(taker)
    maker.remaining -= qty
    maker.filled += qty
    level.total -= qty
    taker.remaining -= qty
    taker.filled += qty
    maker.updatedMs = now
    taker.updatedMs = now
    maker.lastUpdateReason = "Trade"
    taker.lastUpdateReason = "Trade"
    if (maker.remaining === 0) {
      level.orders.shift()
      maker.status = "executed"
      if (level.orders.length === 0) B.dropLevel(B.sideOf(m.book, maker.side), level.price)
    }
    const takerFill = applyFill(m, taker, true, qty, price, tradeId)
    const makerFill = applyFill(m, maker, false, qty, price, tradeId)
    rereserve(m, users.get(maker.userId)!, maker)
    m.lastPrice = price
    m.lastTradeSize = qty
    m.volume += qty
    const trade: Trade = { tradeId, ticker: m.ticker, count: qty, price, takerSide: taker.side, ts: now }
    m.trades.push(trade)
    if (m.trades.length > 60_000) m.trades.splice(0, 10_000)
    emit({ type: "book", market: m, side: maker.side, price, delta: -qty, order: undefined, ts: now })
    emit({ type: "trade", market: m, trade })
    emit({ type: "fill", userId: taker.userId, fill: takerFill, market: m })
    emit({ type: "fill", userId: maker.userId, fill: makerFill, market: m })
    emit({ type: "order", order: maker, ts: now })
    const mu = users.get(maker.userId)!
    emit({ type: "position", userId: maker.userId, market: m, position: positionOf(mu, m.ticker) })
    groupFill(maker.groupId, qty, now)
    groupFill(taker.groupId, qty, now)
  }

  /** Sweep the opposite side until limit, size or STP stops the taker. Returns true when STP stopped it. */
  const match = (m: Market, taker: Order, acc: { count: number; notional: number; fees: number }): boolean => {
    const opp = taker.side === "bid" ? m.book.asks : m.book.bids
    while (taker.remaining > 0) {
      const p = taker.side === "bid" ? opp.prices[0] : opp.prices[opp.prices.length - 1]
      if (p === undefined) break
      if (taker.side === "bid" ? p > taker.price : p < taker.price) break
      const level = opp.levels.get(p)!
      const maker = level.orders[0]!
      if (maker.userId === taker.userId) {
        if (taker.stp === "taker_at_cross") return true
        removeResting(m, maker, "SelfTradeCancel")
        continue
      }
      const qty = Math.min(taker.remaining, maker.remaining)
      const feesBefore = taker.takerFees
      execute(m, taker, maker, level, qty)
      acc.count += qty
      acc.notional += qty * p
      acc.fees += taker.takerFees - feesBefore
    }
    return false
  }

  /** FOK pre-check: volume available before any self-cross; `selfCross` makes FOK behave like IOC. */
  const fokCheck = (m: Market, taker: Order): { readonly enough: boolean; readonly selfCross: boolean } => {
    let avail = 0
    for (const level of B.crossing(m.book, taker.side, taker.price)) {
      for (const o of level.orders) {
        if (o.userId === taker.userId) return { enough: avail >= taker.remaining, selfCross: true }
        avail += o.remaining
        if (avail >= taker.remaining) return { enough: true, selfCross: false }
      }
    }
    return { enough: false, selfCross: false }
  }

  const fokAllows = (m: Market, o: Order): boolean => {
    const r = fokCheck(m, o)
    return r.enough || r.selfCross
  }

  const crosses = (m: Market, side: Side, price: number): boolean => {
    const best = side === "bid" ? B.bestAsk(m.book) : B.bestBid(m.book)
    return best !== undefined && (side === "bid" ? best.price <= price : best.price >= price)
  }

  const tradable = (m: Market | undefined, ticker: string): ApiError | Market => {
    if (m === undefined) return apiError(404, "market_not_found", "market not found", ticker)
    if (!exchange.exchangeActive) return apiError(400, "exchange_paused", "exchange paused")
    if (m.status === "closed" || m.status === "determined" || m.status === "finalized") {
      return apiError(409, "market_closed", "market closed")
    }
    if (!exchange.tradingActive) return apiError(400, "trading_paused", "trading paused")
    if (m.status !== "active") return apiError(400, "market_inactive", "market inactive")
    return m
  }

  const rest = (m: Market, o: Order): void => {
    B.insert(m.book, o)
    emit({ type: "book", market: m, side: o.side, price: o.price, delta: o.remaining, order: o, ts: clock.now() })
    if (o.expirationMs !== null) scheduleExpiry(o)
  }

  const scheduleExpiry = (o: Order): void => {
    const at = o.expirationMs
    if (at === null) return
    scheduler.at(at, () => {
      if (o.status === "resting" && o.expirationMs === at) {
        const m = markets.get(o.ticker)!
        removeResting(m, o, "ExpiryCancel")
        afterMarketOp(m)
      }
    })
  }

  // ---------------------------------------------------------------- create

  const createOrder = (userId: string, input: CreateInput): ApiError | ExecSummary => {
    const u = ensureUser(userId)
    const mt = tradable(markets.get(input.ticker), input.ticker)
    if ("code" in mt) return mt
    const m = mt
    const now = clock.now()
    if (!onGrid(m.ranges, input.price)) return apiError(400, "invalid_price", "invalid price")
    if (input.count <= 0) return apiError(400, "invalid_order_size", "invalid order size")
    if (input.expirationSec !== undefined) {
      if (input.tif !== "good_till_canceled") {
        return apiError(400, "invalid_order", "invalid order", "expiration_time requires good_till_canceled")
      }
      if (input.expirationSec * 1000 <= now) {
        return apiError(400, "invalid_order", "invalid order", "expiration_time must be in the future")
      }
    }
    if (input.reduceOnly && input.tif !== "immediate_or_cancel") {
      return apiError(400, "invalid_order", "invalid order", "reduce_only requires immediate_or_cancel")
    }
    let group: OrderGroup | undefined
    if (input.orderGroupId !== undefined && input.orderGroupId !== "") {
      group = groups.get(input.orderGroupId)
      if (group === undefined || group.userId !== userId) {
        return apiError(404, "order_group_not_found", "order group not found")
      }
      if (group.triggered) {
        return apiError(400, "exceeded_order_group_risk_limit", "exceeded order group risk limit")
      }
    }
    if (input.clientOrderId !== undefined && input.clientOrderId !== "" && u.clientIds.has(input.clientOrderId)) {
      return apiError(409, "order_already_exists", "order already exists")
    }
    if (input.postOnly && crosses(m, input.side, input.price)) {
      return apiError(400, "invalid_order", "invalid order", "post only cross")
    }
    const pos = u.positions.get(m.ticker)?.position ?? 0
    let count = input.count
    if (input.reduceOnly) {
      const cap = input.side === "bid" ? Math.max(0, -pos) : Math.max(0, pos)
      count = Math.min(count, cap)
    }
    const closable = Math.min(count, input.side === "bid" ? Math.max(0, -pos) : Math.max(0, pos))
    const o: Order = {
      id: ids.uuid(),
      userId,
      clientOrderId: input.clientOrderId ?? "",
      ticker: m.ticker,
      side: input.side,
      price: input.price,
      initial: count,
      filled: 0,
      remaining: count,
      tif: input.tif,
      stp: input.stp,
      postOnly: input.postOnly,
      cancelOnPause: input.cancelOnPause,
      groupId: group?.id ?? null,
      subaccount: input.subaccount,
      expirationMs: input.expirationSec === undefined ? null : input.expirationSec * 1000,
      createdMs: now,
      updatedMs: now,
      status: "resting",
      takerCost: 0,
      makerCost: 0,
      takerFees: 0,
      makerFees: 0,
      roundingAcc: 0,
      reserved: 0,
      closable,
      lastUpdateReason: "",
      frozen: null
    }
    const need = reserveFor(m, u, o)
    if (!u.synthetic && need > available(u)) return apiError(400, "insufficient_balance", "insufficient balance")
    if (o.clientOrderId !== "") u.clientIds.add(o.clientOrderId)
    o.reserved = need
    u.reserved += need
    orders.set(o.id, o)
    u.orders.push(o)
    group?.orders.add(o.id)
    const acc = { count: 0, notional: 0, fees: 0 }
    if (count === 0) {
      finalizeTaker(m, u, o, "ReduceOnly")
    } else if (input.tif === "fill_or_kill" && !fokAllows(m, o)) {
      finalizeTaker(m, u, o, "FillOrKillCancel")
    } else {
      const stopped = match(m, o, acc)
      const groupTriggered = group?.triggered === true
      if (o.remaining === 0) {
        o.status = "executed"
        rereserve(m, u, o)
        emit({ type: "order", order: o, ts: now })
      } else if (stopped || groupTriggered || input.tif !== "good_till_canceled") {
        finalizeTaker(m, u, o, stopped ? "SelfTradeCancel" : groupTriggered ? "OrderGroupCancel" : "IocCancel")
      } else {
        rereserve(m, u, o)
        rest(m, o)
        emit({ type: "order", order: o, ts: now })
      }
    }
    if (acc.count > 0) {
      emit({ type: "position", userId, market: m, position: positionOf(u, m.ticker) })
    }
    afterMarketOp(m)
    return { order: o, fillCount: acc.count, fillNotional: acc.notional, fees: acc.fees, ts: now }
  }

  const finalizeTaker = (m: Market, u: User, o: Order, reason: string): void => {
    o.remaining = 0
    o.status = o.filled > 0 && o.filled === o.initial ? "executed" : "canceled"
    o.lastUpdateReason = reason
    rereserve(m, u, o)
    emit({ type: "order", order: o, ts: clock.now() })
  }

  // ---------------------------------------------------------------- cancel / decrease / amend

  const findResting = (userId: string, orderId: string): Order | undefined => {
    const o = orders.get(orderId)
    return o !== undefined && o.userId === userId && o.status === "resting" ? o : undefined
  }

  const cancelOrder = (userId: string, orderId: string): ApiError | { order: Order; reducedBy: number; ts: number } => {
    if (!exchange.exchangeActive) return apiError(400, "exchange_paused", "exchange paused")
    const o = findResting(userId, orderId)
    if (o === undefined) return apiError(404, "not_found", "not found")
    const m = markets.get(o.ticker)!
    const reducedBy = removeResting(m, o, "Cancel")
    afterMarketOp(m)
    return { order: o, reducedBy, ts: clock.now() }
  }

  const cancelAll = (userId: string, subaccount: number | undefined): number => {
    const u = ensureUser(userId)
    let n = 0
    for (const o of u.orders) {
      if (o.status === "resting" && (subaccount === undefined || o.subaccount === subaccount)) {
        const m = markets.get(o.ticker)!
        removeResting(m, o, "Cancel")
        afterMarketOp(m)
        n++
      }
    }
    return n
  }

  const decreaseOrder = (
    userId: string,
    orderId: string,
    reduceBy: number | undefined,
    reduceTo: number | undefined
  ): ApiError | { order: Order; ts: number } => {
    if (!exchange.exchangeActive) return apiError(400, "exchange_paused", "exchange paused")
    const o = findResting(userId, orderId)
    if (o === undefined) return apiError(404, "not_found", "not found")
    const target = reduceTo !== undefined ? reduceTo : o.remaining - (reduceBy ?? 0)
    if (target < 0 || target > o.remaining || (reduceBy !== undefined && reduceBy <= 0)) {
      return apiError(400, "invalid_order_size", "invalid order size")
    }
    const m = markets.get(o.ticker)!
    const now = clock.now()
    if (target === 0) {
      removeResting(m, o, "Decrease")
    } else if (target < o.remaining) {
      touch(o)
      const d = o.remaining - target
      const level = B.sideOf(m.book, o.side).levels.get(o.price)!
      level.total -= d
      o.remaining = target
      o.updatedMs = now
      o.lastUpdateReason = "Decrease"
      rereserve(m, users.get(userId)!, o)
      emit({ type: "book", market: m, side: o.side, price: o.price, delta: -d, order: o, ts: now })
      emit({ type: "order", order: o, ts: now })
    }
    afterMarketOp(m)
    return { order: o, ts: now }
  }

  const amendOrder = (
    userId: string,
    orderId: string,
    input: AmendInput
  ): ApiError | { order: Order; exec: ExecSummary | undefined; sizeChanged: boolean; ts: number } => {
    const o0 = orders.get(orderId)
    if (o0 === undefined || o0.userId !== userId || o0.status !== "resting") {
      return apiError(404, "not_found", "not found")
    }
    const o = o0
    const mt = tradable(markets.get(o.ticker), o.ticker)
    if ("code" in mt) return mt
    const m = mt
    const u = users.get(userId)!
    if (input.ticker !== o.ticker) return apiError(400, "order_ticker_mismatch", "order ticker mismatch")
    if (input.side !== o.side) return apiError(400, "order_side_mismatch", "order side mismatch")
    if (input.clientOrderId !== undefined && input.clientOrderId !== "" && input.clientOrderId !== o.clientOrderId) {
      return apiError(400, "order_id_and_client_order_id_mismatch", "order id and client order id mismatch")
    }
    if (!onGrid(m.ranges, input.price)) return apiError(400, "invalid_price", "invalid price")
    const newRemaining = input.count - o.filled
    if (newRemaining <= 0) return apiError(400, "invalid_order_size", "invalid order size")
    const now = clock.now()
    let newExpiry = o.expirationMs
    if (input.expirationSec !== undefined) {
      if (input.expirationSec === 0) newExpiry = null
      else if (input.expirationSec * 1000 <= now) {
        return apiError(400, "invalid_order", "invalid order", "expiration_time must be in the future")
      } else newExpiry = input.expirationSec * 1000
    }
    const upd = input.updatedClientOrderId
    if (upd !== undefined && upd !== "" && upd !== o.clientOrderId && u.clientIds.has(upd)) {
      return apiError(409, "order_already_exists", "order already exists")
    }
    const losesPriority = input.price !== o.price || newRemaining > o.remaining
    // collateral for the amended order
    const trial = { ...o, price: input.price, remaining: newRemaining }
    const need = reserveFor(m, u, trial)
    if (!u.synthetic && need - o.reserved > available(u)) {
      return apiError(400, "insufficient_balance", "insufficient balance")
    }
    touch(o)
    if (upd !== undefined && upd !== "") {
      u.clientIds.add(upd)
      o.clientOrderId = upd
    }
    const oldRemaining = o.remaining
    o.lastUpdateReason = "Amend"
    o.updatedMs = now
    const expiryChanged = newExpiry !== o.expirationMs
    o.expirationMs = newExpiry
    if (!losesPriority) {
      const d = oldRemaining - newRemaining
      if (d > 0) {
        B.sideOf(m.book, o.side).levels.get(o.price)!.total -= d
        o.remaining = newRemaining
        o.initial = input.count
        emit({ type: "book", market: m, side: o.side, price: o.price, delta: -d, order: o, ts: now })
      }
      rereserve(m, u, o)
      if (expiryChanged) scheduleExpiry(o)
      emit({ type: "order", order: o, ts: now })
      afterMarketOp(m)
      return { order: o, exec: undefined, sizeChanged: d > 0, ts: now }
    }
    B.remove(m.book, o)
    emit({ type: "book", market: m, side: o.side, price: o.price, delta: -oldRemaining, order: o, ts: now })
    o.price = input.price
    o.remaining = newRemaining
    o.initial = input.count
    const acc = { count: 0, notional: 0, fees: 0 }
    const stopped = match(m, o, acc)
    const g = o.groupId === null ? undefined : groups.get(o.groupId)
    if (o.remaining === 0) {
      o.status = "executed"
      rereserve(m, u, o)
    } else if (stopped || g?.triggered === true) {
      o.remaining = 0
      o.status = "canceled"
      rereserve(m, u, o)
    } else {
      rereserve(m, u, o)
      rest(m, o)
    }
    emit({ type: "order", order: o, ts: now })
    if (acc.count > 0) emit({ type: "position", userId, market: m, position: positionOf(u, m.ticker) })
    afterMarketOp(m)
    return {
      order: o,
      exec: { order: o, fillCount: acc.count, fillNotional: acc.notional, fees: acc.fees, ts: now },
      sizeChanged: true,
      ts: now
    }
  }

  // ---------------------------------------------------------------- order groups (API)

  const createGroup = (userId: string, limit: number, subaccount: number): OrderGroup => {
    const u = ensureUser(userId)
    const g: OrderGroup = {
      id: ids.uuid(),
      userId,
      subaccount,
      limit,
      triggered: false,
      window: [],
      orders: new Set()
    }
    groups.set(g.id, g)
    u.groups.set(g.id, g)
    emit({ type: "group", userId, group: g, eventType: "created", ts: clock.now() })
    return g
  }
  const groupOf = (userId: string, id: string): OrderGroup | undefined => {
    const g = groups.get(id)
    return g !== undefined && g.userId === userId ? g : undefined
  }
  const resetGroup = (g: OrderGroup): void => {
    g.triggered = false
    g.window.length = 0
    emit({ type: "group", userId: g.userId, group: g, eventType: "reset", ts: clock.now() })
  }
  const setGroupLimit = (g: OrderGroup, limit: number): void => {
    g.limit = limit
    emit({ type: "group", userId: g.userId, group: g, eventType: "limit_updated", ts: clock.now() })
    let sum = 0
    const now = clock.now()
    for (const w of g.window) if (w.ts > now - GROUP_WINDOW_MS) sum += w.qty
    if (sum > limit) triggerGroup(g)
  }
  const deleteGroup = (g: OrderGroup): void => {
    for (const id of g.orders) {
      const o = orders.get(id)
      if (o !== undefined && o.status === "resting") {
        const m = markets.get(o.ticker)!
        removeResting(m, o, "OrderGroupCancel")
        afterMarketOp(m)
      }
    }
    groups.delete(g.id)
    users.get(g.userId)?.groups.delete(g.id)
    emit({ type: "group", userId: g.userId, group: g, eventType: "deleted", ts: clock.now() })
  }

  // ---------------------------------------------------------------- lifecycle

  const cancelMarketOrders = (m: Market, filter: (o: Order) => boolean, reason: string): void => {
    for (const side of [m.book.bids, m.book.asks]) {
      for (const p of [...side.prices]) {
        const level = side.levels.get(p)
        if (level === undefined) continue
        for (const o of [...level.orders]) if (filter(o)) removeResting(m, o, reason)
      }
    }
    afterMarketOp(m)
  }

  const lifecycle = (m: Market, eventType: string, extra: Record<string, unknown> = {}): void => {
    m.updatedMs = clock.now()
    emit({ type: "lifecycle", market: m, eventType, extra })
  }

  const pauseTrading = (): void => {
    exchange.tradingActive = false
    for (const m of markets.values()) cancelMarketOrders(m, (o) => o.cancelOnPause, "PauseCancel")
  }
  const resumeTrading = (): void => {
    exchange.tradingActive = true
  }
  const pauseExchange = (): void => {
    exchange.exchangeActive = false
    pauseTrading()
  }
  const resumeExchange = (): void => {
    exchange.exchangeActive = true
    exchange.tradingActive = true
  }
  const deactivateMarket = (m: Market): void => {
    if (m.status !== "active") return
    m.status = "inactive"
    cancelMarketOrders(m, (o) => o.cancelOnPause, "PauseCancel")
    lifecycle(m, "deactivated", { is_deactivated: true })
  }
  /**
   * A new price level structure (REFERENCE §12.2): the market's grid changes, resting orders are carried over
   * (a price off the new grid stays where it rests), `price_level_structure_updated` tells subscribers.
   */
  const regridMarket = (m: Market, structure: string, ranges: ReadonlyArray<PriceRange>): void => {
    m.structure = structure
    m.ranges = ranges
    lifecycle(m, "price_level_structure_updated", {
      price_level_structure: structure,
      price_ranges: toWire(ranges)
    })
  }
  const activateMarket = (m: Market): void => {
    if (m.status !== "inactive" && m.status !== "initialized") return
    const was = m.status
    m.status = "active"
    if (was === "inactive") {
      cancelMarketOrders(m, () => true, "ReactivationCancel")
      lifecycle(m, "activated", { is_deactivated: false })
    }
  }
  const closeMarket = (m: Market, early: boolean): void => {
    if (m.status === "closed" || m.status === "determined" || m.status === "finalized") return
    const now = clock.now()
    m.status = "closed"
    if (early) {
      m.closeMs = now
      lifecycle(m, "close_date_updated", { close_ts: Math.floor(now / 1000) })
    } else m.updatedMs = now
    cancelMarketOrders(m, () => true, "MarketClosedCancel")
  }
  const determineMarket = (m: Market, result: "yes" | "no" | "scalar", valuePips?: number): void => {
    if (m.status === "finalized") return
    if (m.status !== "closed" && m.status !== "determined") closeMarket(m, true)
    const now = clock.now()
    m.result = result
    m.settlementValue = result === "yes" ? 10_000 : result === "no" ? 0 : (valuePips ?? 5_000)
    m.status = "determined"
    lifecycle(m, "determined", {
      result,
      determination_ts: Math.floor(now / 1000),
      settlement_value: (m.settlementValue / 10_000).toFixed(4)
    })
  }
  const settleMarket = (m: Market, result?: "yes" | "no" | "scalar", valuePips?: number): void => {
    if (m.status === "finalized") return
    if (m.status !== "determined") determineMarket(m, result ?? "yes", valuePips)
    const now = clock.now()
    const v = m.settlementValue ?? 0
    for (const u of users.values()) {
      const p = u.positions.get(m.ticker)
      if (p === undefined) continue
      const yes = Math.max(0, p.position)
      const no = Math.max(0, -p.position)
      const credit = yes * v + no * (10_000 - v)
      if (!u.synthetic) u.cash += credit
      p.realized += credit - p.exposure
      u.settlements.push({
        ticker: m.ticker,
        eventTicker: m.eventTicker,
        result: m.result,
        yesCount: yes,
        yesCost: yes > 0 ? p.exposure : 0,
        noCount: no,
        noCost: no > 0 ? p.exposure : 0,
        revenue: credit,
        valuePips: v,
        ts: now
      })
      p.position = 0
      p.exposure = 0
      p.updatedMs = now
      u.positions.delete(m.ticker)
      emit({ type: "position", userId: u.id, market: m, position: p })
    }
    m.openInterest = 0
    m.status = "finalized"
    m.settledMs = now
    lifecycle(m, "settled", { settled_ts: Math.floor(now / 1000), result: m.result })
  }

  const addMarket = (m: Market): void => {
    markets.set(m.ticker, m)
    if (m.closeMs > clock.now()) {
      scheduler.at(m.closeMs, () => {
        if (m.closeMs <= clock.now()) closeMarket(m, false)
      })
    }
    if (m.status === "initialized" && m.openMs > clock.now()) {
      scheduler.at(m.openMs, () => activateMarket(m))
    }
    lifecycle(m, "created", {
      open_ts: Math.floor(m.openMs / 1000),
      close_ts: Math.floor(m.closeMs / 1000),
      price_level_structure: m.structure
    })
  }

  // ---------------------------------------------------------------- desync faults (no user_order about them)

  /** the user's resting order by id, else its most recent resting one */
  const restingOf = (userId: string, orderId?: string): Order | undefined => {
    if (orderId !== undefined) return findResting(userId, orderId)
    const u = users.get(userId)
    if (u === undefined) return undefined
    for (let i = u.orders.length - 1; i >= 0; i--) if (u.orders[i]!.status === "resting") return u.orders[i]
    return undefined
  }

  /** the venue cancels a resting order and the push stream never says so; returns the order id */
  const silentCancel = (userId: string, orderId?: string): string | undefined => {
    const o = restingOf(userId, orderId)
    if (o === undefined) return undefined
    const m = markets.get(o.ticker)!
    removeResting(m, o, "Cancel", true)
    afterMarketOp(m)
    return o.id
  }

  /** the venue shrinks a resting order by `by` contracts (centi-units) and the push stream never says so */
  const silentShrink = (userId: string, by: number, orderId?: string): string | undefined => {
    const o = restingOf(userId, orderId)
    if (o === undefined || by <= 0 || by >= o.remaining) return undefined
    const m = markets.get(o.ticker)!
    touch(o)
    B.sideOf(m.book, o.side).levels.get(o.price)!.total -= by
    o.remaining -= by
    o.updatedMs = clock.now()
    o.lastUpdateReason = "Decrease"
    rereserve(m, users.get(userId)!, o)
    emit({ type: "book", market: m, side: o.side, price: o.price, delta: -by, order: o, ts: o.updatedMs })
    afterMarketOp(m)
    return o.id
  }

  /**
   * the push stream says a resting order was canceled while it still rests; with `fill`, a synthetic taker
   * then trades one contract against it (the fill arrives for an order the client believes finished)
   */
  const phantomTerminal = (userId: string, fill: boolean, orderId?: string): string | undefined => {
    const o = restingOf(userId, orderId)
    if (o === undefined) return undefined
    const now = clock.now()
    emit({ type: "order", order: { ...o, status: "canceled", remaining: 0, updatedMs: now }, ts: now })
    if (fill) {
      const taker = "sim-fault-taker"
      ensureUser(taker, true, 0)
      createOrder(taker, {
        ticker: o.ticker,
        side: o.side === "bid" ? "ask" : "bid",
        count: Math.min(100, o.remaining),
        price: o.price,
        tif: "immediate_or_cancel",
        stp: "taker_at_cross",
        clientOrderId: undefined,
        expirationSec: undefined,
        postOnly: false,
        reduceOnly: false,
        cancelOnPause: false,
        orderGroupId: undefined,
        subaccount: 0
      })
    }
    return o.id
  }

  const setReadsFrozen = (frozen: boolean): void => {
    exchange.readsFrozen = frozen
    if (!frozen) for (const o of orders.values()) o.frozen = null
  }

  return {
    markets,
    users,
    orders,
    groups,
    exchange,
    listeners,
    ensureUser,
    positionOf,
    available,
    addMarket,
    createOrder,
    cancelOrder,
    cancelAll,
    decreaseOrder,
    amendOrder,
    createGroup,
    groupOf,
    resetGroup,
    triggerGroup,
    setGroupLimit,
    deleteGroup,
    pauseTrading,
    resumeTrading,
    pauseExchange,
    resumeExchange,
    deactivateMarket,
    activateMarket,
    regridMarket,
    closeMarket,
    determineMarket,
    settleMarket,
    setReadsFrozen,
    setReadLag,
    hiddenFromReads,
    prepareReads,
    silentCancel,
    silentShrink,
    phantomTerminal,
    queuePosition: (o: Order) => B.queuePosition(markets.get(o.ticker)!.book, o)
  }
}

export type Engine = ReturnType<typeof makeEngine>
