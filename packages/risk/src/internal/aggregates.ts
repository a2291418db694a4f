/**
 * The running totals (`EngineState.totals`) and the only functions that change the facts they are built from:
 * `putOrder`, `putPosition`, `putMark`, `rollBaselines` and `rebuild`. Each takes the old contribution of what
 * changes out and puts the new one in (an order replaced at the same scope, market, side and price, or a position
 * after a fill: both at once, by the difference), so after any sequence of calls the totals equal a from-scratch
 * recomputation over orders, positions, marks and markets (the property tests check this against the
 * original full-scan engine). Every update costs O(log n) map operations, independent of how many markets,
 * orders or positions exist; `putMark` is O(strategies with a position in that market).
 */
import { Decimal as D, StrMap } from "@alpha-hunter/core"
import * as Option from "effect/Option"
import * as SortedMap from "effect/SortedMap"
import {
  marketInfo,
  markOf,
  openOrderCost,
  positionGross,
  positionPnl,
  withPosition,
  withResting,
  worstCase
} from "./exposure.js"
import {
  type Book,
  copyBook,
  copyMarket,
  copyScope,
  copyState,
  copyTotals,
  EMPTY_BOOK,
  EMPTY_MARKET,
  EMPTY_SCOPE,
  type EngineState,
  emptyTotals,
  type MarketInfo,
  type MarketTotals,
  type OpenOrder,
  type PositionEntry,
  type ScopeTotals,
  type Totals
} from "./model.js"
import { eventKey, marketKey, positionKey, totalsKeys } from "./scope.js"

type Decimal = D.Decimal
type Sign = 1 | -1

const signed = (x: Decimal, sign: Sign): Decimal => (sign === 1 ? x : D.neg(x))

const withScopes = (t: Totals, scopes: Totals["scopes"]): Totals => {
  const out = copyTotals(t)
  out.scopes = scopes
  return out
}

// ---- reads -------------------------------------------------------------------------------------------

export const scopeTotals = (s: EngineState, key: string): ScopeTotals => StrMap.get(s.totals.scopes, key) ?? EMPTY_SCOPE

export const marketTotals = (s: EngineState, venue: string, symbol: string): MarketTotals =>
  StrMap.get(s.totals.markets, marketKey(venue, symbol)) ?? EMPTY_MARKET

/** A market's book over every strategy (`strategy` undefined) or one strategy's, from its totals. */
export const bookIn = (m: MarketTotals, strategy: string | undefined): Book => {
  if (strategy === undefined) return m.all
  return StrMap.get(m.byStrategy, strategy) ?? EMPTY_BOOK
}

/** A market's book over every strategy (`strategy` undefined) or one strategy's. */
export const bookOf = (s: EngineState, venue: string, symbol: string, strategy: string | undefined): Book =>
  bookIn(marketTotals(s, venue, symbol), strategy)

/** Sum over an event's registered markets of each one's worst-case |position| (every strategy, or one). */
export const eventSum = (s: EngineState, venue: string, eventId: string, strategy: string | undefined): Decimal =>
  StrMap.get(s.totals.events, eventKey(venue, eventId, strategy)) ?? D.ZERO

// ---- contributions -----------------------------------------------------------------------------------

const updateScopes = (
  scopes: StrMap.StrMap<ScopeTotals>,
  venue: string,
  strategy: string,
  f: (t: ScopeTotals) => ScopeTotals
): StrMap.StrMap<ScopeTotals> => {
  let out = scopes
  for (const k of totalsKeys(venue, strategy)) {
    out = StrMap.set(out, k, f(StrMap.get(out, k) ?? EMPTY_SCOPE))
  }
  return out
}

const addTo = (m: StrMap.StrMap<Decimal>, key: string, delta: Decimal): StrMap.StrMap<Decimal> =>
  D.isZero(delta) ? m : StrMap.set(m, key, D.add(StrMap.get(m, key) ?? D.ZERO, delta))

/**
 * Changes a market's books (all strategies and `strategy`'s) with `f`, keeping the event sums in step; `g`
 * gets this update's own copy of the market's totals (it may set fields on it) and returns the new totals.
 */
const updateMarket = (
  t: Totals,
  venue: string,
  symbol: string,
  strategy: string,
  info: MarketInfo | undefined,
  f: (b: Book) => Book,
  g: (m: MarketTotals) => MarketTotals
): Totals => {
  const mk = marketKey(venue, symbol)
  const m = StrMap.get(t.markets, mk) ?? EMPTY_MARKET
  const stOld = StrMap.get(m.byStrategy, strategy) ?? EMPTY_BOOK
  const all = f(m.all)
  const st = f(stOld)
  let events = t.events
  if (info?.eventId !== undefined) {
    events = addTo(events, eventKey(venue, info.eventId), D.sub(worstCase(all), worstCase(m.all)))
    events = addTo(events, eventKey(venue, info.eventId, strategy), D.sub(worstCase(st), worstCase(stOld)))
  }
  const m2 = copyMarket(m)
  m2.all = all
  m2.byStrategy = StrMap.set(m.byStrategy, strategy, st)
  const out = copyTotals(t)
  out.markets = StrMap.set(t.markets, mk, g(m2))
  out.events = events
  return out
}

const bump = (
  prices: SortedMap.SortedMap<Decimal, number>,
  key: Decimal,
  sign: Sign
): SortedMap.SortedMap<Decimal, number> => {
  const n = Option.getOrElse(SortedMap.get(prices, key), () => 0) + sign
  return n === 0 ? SortedMap.remove(prices, key) : SortedMap.set(prices, key, n)
}

const applyOrder = (t: Totals, o: OpenOrder, info: MarketInfo | undefined, sign: Sign): Totals => {
  const cost = signed(openOrderCost(o, info?.settlement), sign)
  const scopes = updateScopes(t.scopes, o.venue, o.strategy, (x) => {
    const y = copyScope(x)
    y.openOrders = x.openOrders + sign
    y.gross = D.add(x.gross, cost)
    return y
  })
  return updateMarket(
    withScopes(t, scopes),
    o.venue,
    o.symbol,
    o.strategy,
    info,
    (b) => withResting(b, o.side, o.remaining, sign),
    (m) => {
      // `m` is this update's own copy (updateMarket's): set in place
      const w = m as ReturnType<typeof copyMarket>
      if (o.unresolved) w.unresolved = m.unresolved + sign
      if (o.side === "sell") w.sells = bump(m.sells, o.price, sign)
      else w.buys = bump(m.buys, D.neg(o.price), sign)
      return w
    }
  )
}

const applyPositionTotals = (
  t: Totals,
  e: PositionEntry,
  mark: Decimal | undefined,
  info: MarketInfo | undefined,
  sign: Sign
): Totals => {
  const gross = signed(positionGross(e, mark, info?.settlement), sign)
  const pnl = signed(positionPnl(e, mark), sign)
  const baseline = signed(e.baseline, sign)
  const scopes = updateScopes(t.scopes, e.venue, e.strategy, (x) => {
    const y = copyScope(x)
    y.gross = D.add(x.gross, gross)
    y.pnl = D.add(x.pnl, pnl)
    y.baseline = D.add(x.baseline, baseline)
    return y
  })
  return withScopes(t, scopes)
}

const applyPosition = (
  t: Totals,
  e: PositionEntry,
  mark: Decimal | undefined,
  info: MarketInfo | undefined,
  sign: Sign
) =>
  updateMarket(
    applyPositionTotals(t, e, mark, info, sign),
    e.venue,
    e.symbol,
    e.strategy,
    info,
    (b) => withPosition(b, e.amount, sign),
    (m) => m
  )

// ---- writes ------------------------------------------------------------------------------------------

/** Whether two views of an order count the same (an update that changes nothing: a fifth of all updates). */
const sameOrder = (a: OpenOrder, b: OpenOrder): boolean =>
  a.remaining === b.remaining &&
  a.filled === b.filled &&
  a.price === b.price &&
  a.unresolved === b.unresolved &&
  a.expiresAt === b.expiresAt &&
  a.side === b.side &&
  a.symbol === b.symbol &&
  a.strategy === b.strategy &&
  a.venue === b.venue

/** Whether two orders count at the same place (scope, market, side and price level): one can replace the other in one step. */
const samePlace = (a: OpenOrder, b: OpenOrder): boolean =>
  a.venue === b.venue && a.strategy === b.strategy && a.symbol === b.symbol && a.side === b.side && a.price === b.price

/**
 * `a`'s contribution replaced by `b`'s at the same place (`samePlace`): what taking `a` out and putting `b` in
 * would give, in one update of each total — the open-order counts and price levels do not move, the cost and
 * the resting amount change by the difference, and nothing is touched when that is zero (a fill's update,
 * a reservation acknowledged as it was approved).
 */
const replaceOrder = (t: Totals, a: OpenOrder, b: OpenOrder, info: MarketInfo | undefined): Totals => {
  const settlement = info?.settlement
  const cost = D.sub(openOrderCost(b, settlement), openOrderCost(a, settlement))
  const scopes = D.isZero(cost)
    ? t.scopes
    : updateScopes(t.scopes, b.venue, b.strategy, (x) => {
        const y = copyScope(x)
        y.gross = D.add(x.gross, cost)
        return y
      })
  const resting = D.sub(b.remaining, a.remaining)
  const unresolved = (b.unresolved ? 1 : 0) - (a.unresolved ? 1 : 0)
  if (D.isZero(resting) && unresolved === 0) return scopes === t.scopes ? t : withScopes(t, scopes)
  const side = b.side
  return updateMarket(
    scopes === t.scopes ? t : withScopes(t, scopes),
    b.venue,
    b.symbol,
    b.strategy,
    info,
    (bk) => {
      const n = copyBook(bk)
      if (side === "buy") n.restingBuys = D.add(bk.restingBuys, resting)
      else n.restingSells = D.add(bk.restingSells, resting)
      return n
    },
    (m) => {
      if (unresolved !== 0) (m as ReturnType<typeof copyMarket>).unresolved = m.unresolved + unresolved
      return m
    }
  )
}

const orderAt = (s: EngineState, key: string): OpenOrder | undefined => StrMap.get(s.orders, key)

/**
 * Sets (or removes, with `undefined`) the order at `key`, keeping the totals and the reservation index. With
 * `replacing`, the order at that other key (an acknowledged order's reservation, kept by client order id) is
 * taken out in the same step. One order replaced by one at the same place changes the totals once, by the
 * difference (`replaceOrder`); anything else takes each old contribution out and puts the new one in.
 */
export const putOrder = (s: EngineState, key: string, o: OpenOrder | undefined, replacing?: string): EngineState => {
  const gone = replacing === undefined || replacing === key ? undefined : orderAt(s, replacing)
  const prev = orderAt(s, key)
  if (gone === undefined && (prev === undefined ? o === undefined : o !== undefined && sameOrder(prev, o))) return s
  const orders = gone === undefined ? s.orders : StrMap.remove(s.orders, replacing!)
  let totals = s.totals
  const old = gone === undefined ? prev : prev === undefined ? gone : undefined
  if (old !== undefined && o !== undefined && samePlace(old, o)) {
    totals = replaceOrder(totals, old, o, marketInfo(s, o.venue, o.symbol))
  } else {
    for (const x of [gone, prev])
      if (x !== undefined) totals = applyOrder(totals, x, marketInfo(s, x.venue, x.symbol), -1)
    if (o !== undefined) totals = applyOrder(totals, o, marketInfo(s, o.venue, o.symbol), 1)
  }
  const out = copyState(s)
  out.totals = totals
  if (o === undefined) {
    out.orders = prev === undefined ? orders : StrMap.remove(orders, key)
    return out
  }
  let pending = s.pending
  if (o.expiresAt !== undefined) {
    const at = o.expiresAt
    pending = SortedMap.set(pending, at, [...Option.getOrElse(SortedMap.get(pending, at), () => []), key])
  }
  out.pending = pending
  out.orders = StrMap.set(orders, key, o)
  return out
}

/**
 * `a`'s contribution replaced by `b`'s (the same position after a fill: same scope and market): each scope total
 * and the market's books change once, by the difference, as taking `a` out and putting `b` in would give.
 */
const replacePosition = (
  t: Totals,
  a: PositionEntry,
  b: PositionEntry,
  mark: Decimal | undefined,
  info: MarketInfo | undefined
): Totals => {
  const gross = D.sub(positionGross(b, mark, info?.settlement), positionGross(a, mark, info?.settlement))
  const pnl = D.sub(positionPnl(b, mark), positionPnl(a, mark))
  const baseline = D.sub(b.baseline, a.baseline)
  const scopes =
    D.isZero(gross) && D.isZero(pnl) && D.isZero(baseline)
      ? t.scopes
      : updateScopes(t.scopes, b.venue, b.strategy, (x) => {
          const y = copyScope(x)
          y.gross = D.add(x.gross, gross)
          y.pnl = D.add(x.pnl, pnl)
          y.baseline = D.add(x.baseline, baseline)
          return y
        })
  const moved = D.sub(b.amount, a.amount)
  const out = scopes === t.scopes ? t : withScopes(t, scopes)
  if (D.isZero(moved)) return out
  return updateMarket(
    out,
    b.venue,
    b.symbol,
    b.strategy,
    info,
    (bk) => withPosition(bk, moved, 1),
    (m) => m
  )
}

/** Sets the position at `key` (positions are never removed; a flat one keeps its realized P&L and fees). */
export const putPosition = (s: EngineState, key: string, e: PositionEntry): EngineState => {
  const prev = StrMap.get(s.positions, key)
  const info = marketInfo(s, e.venue, e.symbol)
  const mark = markOf(s, e.venue, e.symbol)
  const totals =
    prev === undefined
      ? applyPosition(s.totals, e, mark, info, 1)
      : prev.venue === e.venue && prev.strategy === e.strategy && prev.symbol === e.symbol
        ? replacePosition(s.totals, prev, e, mark, info)
        : applyPosition(applyPosition(s.totals, prev, mark, info, -1), e, mark, info, 1)
  const out = copyState(s)
  out.totals = totals
  out.positions = StrMap.set(s.positions, key, e)
  return out
}

/** Sets a market's mark, re-valuing the positions in it (one per strategy holding one). */
export const putMark = (s: EngineState, venue: string, symbol: string, price: Decimal): EngineState => {
  const mk = marketKey(venue, symbol)
  const old = markOf(s, venue, symbol)
  const info = marketInfo(s, venue, symbol)
  let totals = s.totals
  for (const strategy of StrMap.keys(marketTotals(s, venue, symbol).byStrategy)) {
    const e = StrMap.get(s.positions, positionKey(venue, strategy, symbol))
    if (e === undefined) continue
    totals = applyPositionTotals(totals, e, old, info, -1)
    totals = applyPositionTotals(totals, e, price, info, 1)
  }
  const out = copyState(s)
  out.totals = totals
  out.marks = StrMap.set(s.marks, mk, price)
  return out
}

/** The daily reset: every position's baseline becomes its current P&L (O(positions), once a day). */
export const rollBaselines = (s: EngineState): EngineState => {
  const positions = StrMap.map(s.positions, (e) => ({ ...e, baseline: positionPnl(e, markOf(s, e.venue, e.symbol)) }))
  const scopes = StrMap.map(s.totals.scopes, (t) => ({ ...t, baseline: t.pnl }))
  return { ...s, positions, totals: { ...s.totals, scopes } }
}

/**
 * Recomputes every total from the facts: O(orders + positions). Only used when a market's settlement or event
 * changes after it has orders or positions (a re-registration), which shifts contributions already counted.
 */
export const rebuild = (s: EngineState): EngineState => {
  let totals = emptyTotals
  for (const o of StrMap.values(s.orders)) totals = applyOrder(totals, o, marketInfo(s, o.venue, o.symbol), 1)
  for (const e of StrMap.values(s.positions)) {
    totals = applyPosition(totals, e, markOf(s, e.venue, e.symbol), marketInfo(s, e.venue, e.symbol), 1)
  }
  const out = copyState(s)
  out.totals = totals
  return out
}
