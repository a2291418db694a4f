/**
 * The matching engine: price-time priority per market, fills at the resting order's price, partial fills,
 * post-only, IOC / FOK / GTC, GTD expiry, reduce-only, self-trade prevention (our taker stops at our own
 * resting order and its remainder is canceled, like Kalshi's "taker at cross").
 *
 * All functions work on a `Tx` and return `Either`: a Left leaves the caller free to drop the draft.
 */
import { Decimal as D, ExchangeError as E, Fee, Ids, type Order, Order as OrderModule } from "@alpha-hunter/core"
import * as Chunk from "effect/Chunk"
import * as Either from "effect/Either"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as Acc from "./accounting.js"
import type { Level, MarketState, OrderRec, Owner, State, Tx } from "./state.js"

type ExchangeError = E.ExchangeError
type Result<A> = Either.Either<A, ExchangeError>

const ok = Either.right
const ZERO = D.ZERO

// ---- lookups -----------------------------------------------------------------------------------

export const marketState = (s: State, symbol: Ids.Symbol): MarketState | undefined =>
  Option.getOrUndefined(HashMap.get(s.markets, symbol))

export const orderRec = (s: State, id: Ids.OrderId): OrderRec | undefined =>
  Option.getOrUndefined(HashMap.get(s.orders, id))

export const requireMarket = (tx: Tx, symbol: Ids.Symbol): Result<MarketState> => {
  const ms = marketState(tx.d, symbol)
  return ms === undefined
    ? Either.left(new E.BadSymbol({ venue: tx.d.venue, symbol, message: `unknown market ${symbol}` }))
    : ok(ms)
}

const setMarket = (tx: Tx, ms: MarketState): void => {
  tx.d.markets = HashMap.set(tx.d.markets, ms.market.symbol, ms)
}

const putOrder = (tx: Tx, o: OrderRec): void => {
  tx.d.orders = HashMap.set(tx.d.orders, o.id, o)
}

/** Records a change to the book of a market (bumps its sequence once per transaction). */
const touch = (tx: Tx, ms: MarketState): MarketState => {
  if (tx.touched.has(ms.market.symbol)) return { ...ms, timestamp: tx.now }
  tx.touched.add(ms.market.symbol)
  return { ...ms, sequence: ms.sequence + 1, timestamp: tx.now }
}

const emitOrder = (tx: Tx, o: OrderRec): void => {
  if (o.owner === "self") tx.events.push({ _tag: "Order", order: o })
}

// ---- book primitives ---------------------------------------------------------------------------

const levelOf = (ms: MarketState, o: OrderRec): number => ms.grid.levelOf(o.price)

/** Inserts an order at the back of its level's queue. */
const insert = (ms: MarketState, o: OrderRec): MarketState => {
  const lvl = levelOf(ms, o)
  const side = o.side === "buy" ? ms.bids : ms.asks
  const better = (a: number, b: number) => (o.side === "buy" ? a > b : a < b)
  const out: Array<Level> = []
  let placed = false
  for (const l of side) {
    if (!placed && l.level === lvl) {
      out.push({ level: lvl, orders: [...l.orders, o.id] })
      placed = true
    } else if (!placed && better(lvl, l.level)) {
      out.push({ level: lvl, orders: [o.id] }, l)
      placed = true
    } else out.push(l)
  }
  if (!placed) out.push({ level: lvl, orders: [o.id] })
  return o.side === "buy" ? { ...ms, bids: out } : { ...ms, asks: out }
}

const remove = (ms: MarketState, o: OrderRec): MarketState => {
  const lvl = levelOf(ms, o)
  const side = o.side === "buy" ? ms.bids : ms.asks
  const out: Array<Level> = []
  for (const l of side) {
    if (l.level !== lvl) out.push(l)
    else {
      const orders = l.orders.filter((id) => id !== o.id)
      if (orders.length > 0) out.push({ level: lvl, orders })
    }
  }
  return o.side === "buy" ? { ...ms, bids: out } : { ...ms, asks: out }
}

const restingIds = (ms: MarketState): ReadonlyArray<Ids.OrderId> => [
  ...ms.bids.flatMap((l) => l.orders),
  ...ms.asks.flatMap((l) => l.orders)
]

/** Resting orders of a market (ours and others'), bids then asks, best first. */
export const resting = (s: State, ms: MarketState): ReadonlyArray<OrderRec> =>
  restingIds(ms).flatMap((id) => {
    const o = orderRec(s, id)
    return o === undefined ? [] : [o]
  })

// ---- validation --------------------------------------------------------------------------------

export interface Submit {
  readonly symbol: Ids.Symbol
  readonly side: Order.Side
  readonly type: Order.OrderType
  readonly price: D.Decimal
  readonly amount: D.Decimal
  readonly timeInForce: Order.TimeInForce
  readonly postOnly: boolean
  readonly reduceOnly: boolean
  readonly clientOrderId: Ids.ClientOrderId | undefined
  readonly expiry: number | undefined
}

export const fromRequest = (r: Order.OrderRequest): Submit => ({
  symbol: r.symbol,
  side: r.side,
  type: r.type,
  price: r.price,
  amount: r.amount,
  timeInForce: r.timeInForce,
  postOnly: r.postOnly,
  reduceOnly: r.reduceOnly,
  clientOrderId: r.clientOrderId,
  expiry: r.expiry
})

const invalid = (tx: Tx, message: string): Result<never> =>
  Either.left(new E.InvalidOrder({ venue: tx.d.venue, message }))

const checkAmount = (tx: Tx, ms: MarketState, amount: D.Decimal, what = "amount"): Result<void> => {
  const m = ms.market
  if (amount <= 0n) return invalid(tx, `${what} must be positive`)
  if (!D.isMultipleOf(amount, m.amountStep)) {
    return invalid(tx, `${what} ${D.format(amount)} is not a multiple of the lot step ${D.format(m.amountStep)}`)
  }
  if (amount < m.minAmount)
    return invalid(tx, `${what} ${D.format(amount)} is below the minimum ${D.format(m.minAmount)}`)
  return ok(undefined)
}

const checkPrice = (tx: Tx, ms: MarketState, price: D.Decimal): Result<number> => {
  const level = ms.grid.levelOf(price)
  return level < 0 ? invalid(tx, `price ${D.format(price)} is not on the tick grid of ${ms.market.symbol}`) : ok(level)
}

const checkOpen = (tx: Tx, ms: MarketState): Result<void> =>
  ms.status === "open"
    ? ok(undefined)
    : Either.left(
        new E.MarketClosed({
          venue: tx.d.venue,
          symbol: ms.market.symbol,
          message: `market ${ms.market.symbol} is ${ms.status}`
        })
      )

/** Does an order at `level` on `side` cross the opposite best? */
const crosses = (ms: MarketState, side: Order.Side, level: number): boolean => {
  if (side === "buy") {
    const a = ms.asks[0]
    return a !== undefined && a.level <= level
  }
  const b = ms.bids[0]
  return b !== undefined && b.level >= level
}

/** How far a taker may walk: the worst level it accepts. */
const limitLevel = (ms: MarketState, o: { side: Order.Side; type: Order.OrderType; price: D.Decimal }): number => {
  const exact = ms.grid.levelOf(o.price)
  if (exact >= 0) return exact
  // market orders carry a price cap that may be off the grid
  return o.side === "buy" ? ms.grid.floorLevel(o.price) : ms.grid.ceilLevel(o.price)
}

/** Amount a taker could fill right now (stops at our own resting orders when the taker is ours). */
const fillable = (s: State, ms: MarketState, owner: Owner, side: Order.Side, limit: number): D.Decimal => {
  let total = ZERO
  for (const l of side === "buy" ? ms.asks : ms.bids) {
    if (side === "buy" ? l.level > limit : l.level < limit) break
    for (const id of l.orders) {
      const m = orderRec(s, id)
      if (m === undefined) continue
      if (owner === "self" && m.owner === "self") return total
      total = D.add(total, Acc.remainingOf(m))
    }
  }
  return total
}

/** Our position amount in a market (0 when none). */
const positionAmount = (s: State, symbol: Ids.Symbol): D.Decimal => Acc.positionOf(s, symbol)?.amount ?? ZERO

const checkReduceOnly = (tx: Tx, symbol: Ids.Symbol, side: Order.Side, amount: D.Decimal): Result<void> => {
  const pos = positionAmount(tx.d, symbol)
  const closable = side === "buy" ? D.neg(pos) : pos
  if (closable <= 0n) return invalid(tx, `reduce-only ${side} would increase the position (${D.format(pos)})`)
  if (amount > closable) {
    return invalid(tx, `reduce-only ${side} of ${D.format(amount)} exceeds the position ${D.format(D.abs(pos))}`)
  }
  return ok(undefined)
}

// ---- matching ----------------------------------------------------------------------------------

const nextTradeId = (tx: Tx): Ids.TradeId => {
  const id = Ids.TradeId.make(`T-${tx.d.nextTrade}`)
  tx.d.nextTrade += 1
  return id
}

/** Books one execution of an order (maker or taker side) and returns the updated record. */
const execute = (
  tx: Tx,
  ms: MarketState,
  o: OrderRec,
  price: D.Decimal,
  amount: D.Decimal,
  role: "maker" | "taker",
  tradeId: Ids.TradeId
): OrderRec => {
  const m = ms.market
  const fee = o.owner === "self" ? Fee.compute(m.fees, price, amount, role) : ZERO
  const cost = D.mul(price, amount, "half-even")
  const filled = D.add(o.filled, amount)
  const next: OrderRec = {
    ...o,
    filled,
    cost: D.add(o.cost, cost),
    fee: D.add(o.fee, fee),
    status: filled === o.amount ? "closed" : o.status,
    lastUpdateTimestamp: tx.now
  }
  if (o.owner === "self") {
    Acc.applyTrade(tx.d, m, o.side, price, amount, fee, tx.now)
    const fill = OrderModule.Fill.make({
      id: tradeId,
      orderId: o.id,
      ...(o.clientOrderId === undefined ? {} : { clientOrderId: o.clientOrderId }),
      symbol: o.symbol,
      side: o.side,
      price,
      amount,
      cost,
      fee: OrderModule.FeePaid.make({ cost: fee, currency: m.currency }),
      takerOrMaker: role,
      timestamp: tx.now
    })
    tx.d.fills = Chunk.append(tx.d.fills, fill)
    tx.events.push({ _tag: "Fill", fill })
  }
  putOrder(tx, next)
  return next
}

/**
 * Matches a taker against the opposite side up to `limit`; returns the taker after matching and whether it
 * stopped at one of our own orders (self-trade prevention).
 */
const match = (tx: Tx, taker: OrderRec, limit: number): { taker: OrderRec; selfTrade: boolean } => {
  let ms = marketState(tx.d, taker.symbol)!
  let t = taker
  let selfTrade = false
  const opposite = taker.side === "buy" ? "asks" : "bids"
  outer: while (D.isPositive(Acc.remainingOf(t))) {
    const best = ms[opposite][0]
    if (best === undefined) break
    if (taker.side === "buy" ? best.level > limit : best.level < limit) break
    const price = ms.grid.priceAt(best.level)
    for (const id of best.orders) {
      if (!D.isPositive(Acc.remainingOf(t))) break outer
      const maker = orderRec(tx.d, id)!
      if (t.owner === "self" && maker.owner === "self") {
        selfTrade = true
        break outer
      }
      const qty = D.min(Acc.remainingOf(t), Acc.remainingOf(maker))
      const tradeId = nextTradeId(tx)
      const m2 = execute(tx, ms, maker, price, qty, "maker", tradeId)
      t = execute(tx, ms, t, price, qty, "taker", tradeId)
      ms = touch(tx, ms)
      if (m2.status === "closed") ms = remove(ms, m2)
      emitOrder(tx, m2)
      setMarket(tx, ms)
    }
  }
  setMarket(tx, ms)
  return { taker: t, selfTrade }
}

/** Cancels resting reduce-only orders that no longer fit the position (newest first). */
const trimReduceOnly = (tx: Tx, symbol: Ids.Symbol): void => {
  const ms = marketState(tx.d, symbol)
  if (ms === undefined) return
  const pos = positionAmount(tx.d, symbol)
  const ro = resting(tx.d, ms)
    .filter((o) => o.owner === "self" && o.reduceOnly)
    .sort((a, b) => a.seq - b.seq)
  for (const side of ["buy", "sell"] as const) {
    let capacity = side === "buy" ? (pos < 0n ? D.neg(pos) : ZERO) : pos > 0n ? pos : ZERO
    for (const o of ro.filter((x) => x.side === side)) {
      const rem = Acc.remainingOf(o)
      if (rem <= capacity) capacity = D.sub(capacity, rem)
      else finish(tx, o, "canceled")
    }
  }
}

/** Takes a resting order off its book with a terminal status. */
const finish = (tx: Tx, o: OrderRec, status: "canceled" | "expired"): OrderRec => {
  const ms = marketState(tx.d, o.symbol)!
  setMarket(tx, touch(tx, remove(ms, o)))
  const next: OrderRec = { ...o, status, lastUpdateTimestamp: tx.now }
  putOrder(tx, next)
  emitOrder(tx, next)
  return next
}

const refreshExpiry = (tx: Tx): void => {
  let next: number | undefined
  for (const ms of HashMap.values(tx.d.markets)) {
    for (const o of resting(tx.d, ms)) {
      if (o.expiry !== undefined && (next === undefined || o.expiry < next)) next = o.expiry
    }
  }
  tx.d.nextExpiry = next
}

/** Expires every resting order whose expiry is due. */
export const sweepExpired = (tx: Tx): void => {
  if (tx.d.nextExpiry === undefined || tx.d.nextExpiry > tx.now) return
  for (const ms of [...HashMap.values(tx.d.markets)]) {
    for (const o of resting(tx.d, ms)) {
      if (o.expiry !== undefined && o.expiry <= tx.now) finish(tx, o, "expired")
    }
  }
  refreshExpiry(tx)
}

/** Refuses an op of ours that leaves a touched currency overdrawn (relative to where it started). */
const checkFunds = (tx: Tx, before: State, ms: MarketState): Result<void> => {
  const currencies = Acc.currenciesOf(ms.market)
  const was = new Map(Acc.balances(before).map((b) => [b.currency, b.free] as const))
  const bad = Acc.overdrawn(tx.d, currencies).filter((b) => b.free < (was.get(b.currency) ?? ZERO))
  if (bad.length === 0) return ok(undefined)
  return Either.left(
    new E.InsufficientFunds({
      venue: tx.d.venue,
      message: bad.map((b) => `${b.currency}: free would be ${D.format(b.free)}`).join("; ")
    })
  )
}

// ---- commands ----------------------------------------------------------------------------------

/** Places an order (ours or another participant's), matching it first. */
export const submit = (tx: Tx, req: Submit, owner: Owner): Result<OrderRec> => {
  const before: State = { ...tx.d }
  const msE = requireMarket(tx, req.symbol)
  if (Either.isLeft(msE)) return Either.left(msE.left)
  const ms = msE.right
  const open = checkOpen(tx, ms)
  if (Either.isLeft(open)) return Either.left(open.left)
  const isMarket = req.type === "market"
  if (!isMarket) {
    const lvl = checkPrice(tx, ms, req.price)
    if (Either.isLeft(lvl)) return Either.left(lvl.left)
  }
  const amt = checkAmount(tx, ms, req.amount)
  if (Either.isLeft(amt)) return Either.left(amt.left)
  if (req.postOnly && (isMarket || req.timeInForce !== "GTC")) {
    return invalid(tx, "post-only orders must be GTC limit orders")
  }
  if (req.expiry !== undefined) {
    if (!Number.isSafeInteger(req.expiry)) return invalid(tx, "expiry must be an integer epoch-ms")
    if (req.timeInForce !== "GTC" || isMarket) return invalid(tx, "only GTC limit orders can carry an expiry")
    if (req.expiry <= tx.now) return invalid(tx, `expiry ${req.expiry} is not in the future (now ${tx.now})`)
  }
  if (req.clientOrderId !== undefined) {
    if (owner === "external") return invalid(tx, "external orders carry no client order id")
    if (HashMap.has(tx.d.clientIds, req.clientOrderId)) {
      return Either.left(
        new E.DuplicateClientOrderId({
          venue: tx.d.venue,
          clientOrderId: req.clientOrderId,
          message: `client order id ${req.clientOrderId} was already used`
        })
      )
    }
  }
  const limit = limitLevel(ms, req)
  if (req.postOnly && crosses(ms, req.side, limit)) {
    return Either.left(
      new E.PostOnlyWouldCross({
        venue: tx.d.venue,
        message: `post-only ${req.side} at ${D.format(req.price)} would cross the book`
      })
    )
  }
  if (req.reduceOnly) {
    if (owner === "external") return invalid(tx, "external orders cannot be reduce-only")
    const r = checkReduceOnly(tx, req.symbol, req.side, req.amount)
    if (Either.isLeft(r)) return Either.left(r.left)
  }

  const id = Ids.OrderId.make(`${owner === "self" ? "P" : "X"}-${tx.d.nextOrder}`)
  tx.d.nextOrder += 1
  const tif: Order.TimeInForce = isMarket && req.timeInForce === "GTC" ? "IOC" : req.timeInForce
  let order: OrderRec = {
    id,
    owner,
    clientOrderId: req.clientOrderId,
    symbol: req.symbol,
    side: req.side,
    type: req.type,
    price: req.price,
    amount: req.amount,
    filled: ZERO,
    cost: ZERO,
    fee: ZERO,
    status: "open",
    timeInForce: tif,
    postOnly: req.postOnly,
    reduceOnly: req.reduceOnly,
    expiry: req.expiry,
    timestamp: tx.now,
    lastUpdateTimestamp: tx.now,
    seq: tx.d.nextSeq
  }
  tx.d.nextSeq += 1
  if (req.clientOrderId !== undefined) tx.d.clientIds = HashMap.set(tx.d.clientIds, req.clientOrderId, id)
  putOrder(tx, order)

  const clampedLimit = Math.max(-1, Math.min(ms.grid.size, limit))
  if (tif === "FOK" && fillable(tx.d, ms, owner, req.side, clampedLimit) < req.amount) {
    order = { ...order, status: "canceled" }
  } else {
    const r = match(tx, order, clampedLimit)
    order = r.taker
    if (order.status !== "closed") {
      if (r.selfTrade || tif !== "GTC") order = { ...order, status: "canceled", lastUpdateTimestamp: tx.now }
      else {
        setMarket(tx, touch(tx, insert(marketState(tx.d, req.symbol)!, order)))
        if (order.expiry !== undefined && (tx.d.nextExpiry === undefined || order.expiry < tx.d.nextExpiry)) {
          tx.d.nextExpiry = order.expiry
        }
      }
    }
  }
  putOrder(tx, order)
  emitOrder(tx, order)
  if (D.isPositive(order.filled) || owner === "external") trimReduceOnly(tx, req.symbol)
  if (owner === "self") {
    const funds = checkFunds(tx, before, ms)
    if (Either.isLeft(funds)) return Either.left(funds.left)
  }
  return ok(order)
}

const notFound = (tx: Tx, id: string, message: string): Result<never> =>
  Either.left(new E.OrderNotFound({ venue: tx.d.venue, orderId: id, message }))

/** Looks up one of `owner`'s orders (others' orders are not found). */
export const lookup = (tx: Tx, id: Ids.OrderId, owner: Owner, symbol?: Ids.Symbol): Result<OrderRec> => {
  const o = orderRec(tx.d, id)
  if (o === undefined || o.owner !== owner || (symbol !== undefined && o.symbol !== symbol)) {
    return notFound(tx, id, `no order ${id}${symbol === undefined ? "" : ` in ${symbol}`}`)
  }
  return ok(o)
}

/** Cancels a resting order; a terminal or unknown order is OrderNotFound. */
export const cancel = (tx: Tx, id: Ids.OrderId, owner: Owner, symbol?: Ids.Symbol): Result<OrderRec> => {
  const o = lookup(tx, id, owner, symbol)
  if (Either.isLeft(o)) return Either.left(o.left)
  if (OrderModule.isTerminal(o.right.status)) return notFound(tx, id, `order ${id} is ${o.right.status}, not open`)
  return ok(finish(tx, o.right, "canceled"))
}

export interface Amend {
  readonly price?: D.Decimal | undefined
  readonly amount?: D.Decimal | undefined
}

/**
 * Amends one of our resting orders in place (same id). A smaller amount at the same price keeps the queue
 * position; a new price or a larger amount goes to the back of the queue, and a new price that crosses
 * trades (or, post-only, is refused).
 */
export const amend = (tx: Tx, id: Ids.OrderId, edit: Amend, symbol?: Ids.Symbol): Result<OrderRec> => {
  const before: State = { ...tx.d }
  const found = lookup(tx, id, "self", symbol)
  if (Either.isLeft(found)) return Either.left(found.left)
  const o = found.right
  if (OrderModule.isTerminal(o.status)) return invalid(tx, `order ${id} is ${o.status} and cannot be edited`)
  const ms = marketState(tx.d, o.symbol)!
  const open = checkOpen(tx, ms)
  if (Either.isLeft(open)) return Either.left(open.left)
  const price = edit.price ?? o.price
  const amount = edit.amount ?? o.amount
  const lvl = checkPrice(tx, ms, price)
  if (Either.isLeft(lvl)) return Either.left(lvl.left)
  const amt = checkAmount(tx, ms, amount)
  if (Either.isLeft(amt)) return Either.left(amt.left)
  if (amount <= o.filled) {
    return invalid(tx, `new amount ${D.format(amount)} is not above the filled ${D.format(o.filled)}`)
  }
  if (price === o.price && amount === o.amount) return ok(o)
  const keepsPriority = price === o.price && amount < o.amount
  let base = ms
  if (!keepsPriority) {
    base = remove(ms, o)
    if (o.postOnly && crosses(base, o.side, lvl.right)) {
      return Either.left(
        new E.PostOnlyWouldCross({
          venue: tx.d.venue,
          message: `post-only ${o.side} moved to ${D.format(price)} would cross the book`
        })
      )
    }
  }
  if (o.reduceOnly) {
    const r = checkReduceOnly(tx, o.symbol, o.side, D.sub(amount, o.filled))
    if (Either.isLeft(r)) return Either.left(r.left)
  }
  let next: OrderRec = { ...o, price, amount, lastUpdateTimestamp: tx.now }
  if (keepsPriority) {
    putOrder(tx, next)
    setMarket(tx, touch(tx, ms))
  } else {
    next = { ...next, seq: tx.d.nextSeq }
    tx.d.nextSeq += 1
    setMarket(tx, touch(tx, base))
    putOrder(tx, next)
    const r = match(tx, next, lvl.right)
    next = r.taker
    if (next.status !== "closed") {
      // our own resting order on the other side: the moved order is canceled rather than crossing it
      if (r.selfTrade) next = { ...next, status: "canceled", lastUpdateTimestamp: tx.now }
      else setMarket(tx, touch(tx, insert(marketState(tx.d, o.symbol)!, next)))
    }
    putOrder(tx, next)
  }
  emitOrder(tx, next)
  if (D.isPositive(D.sub(next.filled, o.filled))) trimReduceOnly(tx, o.symbol)
  const funds = checkFunds(tx, before, ms)
  if (Either.isLeft(funds)) return Either.left(funds.left)
  return ok(next)
}

/** Cancels every resting order of `owner` (in one market or all). */
export const cancelAll = (tx: Tx, owner: Owner, symbol?: Ids.Symbol): ReadonlyArray<OrderRec> => {
  const out: Array<OrderRec> = []
  for (const s of tx.d.symbols) {
    if (symbol !== undefined && s !== symbol) continue
    const ms = marketState(tx.d, s)!
    for (const o of resting(tx.d, ms)) if (o.owner === owner) out.push(finish(tx, o, "canceled"))
  }
  return out
}

/** Changes a market's status; closing or settling it cancels every resting order. */
export const setStatus = (tx: Tx, symbol: Ids.Symbol, status: MarketState["status"]): Result<MarketState> => {
  const found = requireMarket(tx, symbol)
  if (Either.isLeft(found)) return Either.left(found.left)
  if (status === "closed" || status === "settled") {
    for (const o of resting(tx.d, found.right)) finish(tx, o, "canceled")
  }
  const ms = { ...marketState(tx.d, symbol)!, status }
  setMarket(tx, ms)
  return ok(ms)
}

/** Settles a binary market at `value` (0 … settlement value): cancels resting orders, pays positions out. */
export const settle = (tx: Tx, symbol: Ids.Symbol, value: D.Decimal): Result<MarketState> => {
  const found = requireMarket(tx, symbol)
  if (Either.isLeft(found)) return Either.left(found.left)
  const m = found.right.market
  if (m.kind._tag !== "binary") {
    return Either.left(
      new E.NotSupported({ venue: tx.d.venue, message: `${symbol} is a spot market: nothing settles` })
    )
  }
  if (value < 0n || value > m.kind.settlementValue) {
    return invalid(tx, `settlement value ${D.format(value)} is outside 0…${D.format(m.kind.settlementValue)}`)
  }
  if (found.right.status === "settled") return invalid(tx, `${symbol} is already settled`)
  const closed = setStatus(tx, symbol, "settled")
  if (Either.isLeft(closed)) return Either.left(closed.left)
  Acc.settlePosition(tx.d, m, value, tx.now)
  const ms = { ...marketState(tx.d, symbol)!, settlement: value }
  setMarket(tx, ms)
  return ok(ms)
}
