/**
 * Cash, collateral and positions, exact.
 *
 * Binary markets (settlement value S, prices in YES terms):
 * - buying YES at p costs p per contract; selling YES at p against a long returns p;
 * - selling YES at p with no long to close opens a short (≡ buying NO at S − p) and costs S − p;
 *   buying YES at p against a short closes it and returns S − p;
 * - at settlement value V a long receives V per contract, a short S − V.
 * Spot markets move base and quote balances. Fees are paid in the market's currency.
 *
 * Positions (both kinds) track the signed amount, the signed cost of the open part, realized P&L (before
 * fees) and fees. Reducing a position removes cost pro rata (cost × closed ÷ held, half-even at 18 digits);
 * closing it completely removes exactly what is left, so realized P&L over a round trip is exact.
 */
import { Decimal as D, Fee, type Ids, type Market, type Order } from "@alpha-hunter/core"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import type { Draft, OrderRec, PositionRec, State } from "./state.js"

const ZERO = D.ZERO

export const emptyPosition = (now: number): PositionRec => ({
  amount: ZERO,
  cost: ZERO,
  realized: ZERO,
  fees: ZERO,
  timestamp: now
})

const addCash = (d: Draft, currency: string, delta: D.Decimal): void => {
  const cur = Option.getOrElse(HashMap.get(d.cash, currency), () => ZERO)
  d.cash = HashMap.set(d.cash, currency, D.add(cur, delta))
}

export const cashOf = (s: State, currency: string): D.Decimal =>
  Option.getOrElse(HashMap.get(s.cash, currency), () => ZERO)

export const positionOf = (s: State, symbol: Ids.Symbol): PositionRec | undefined =>
  Option.getOrUndefined(HashMap.get(s.positions, symbol))

/** Books one of our fills: cash (or base/quote), position, realized P&L and the fee. */
export const applyTrade = (
  d: Draft,
  market: Market.Market,
  side: Order.Side,
  price: D.Decimal,
  amount: D.Decimal,
  fee: D.Decimal,
  now: number
): void => {
  const pos = positionOf(d, market.symbol) ?? emptyPosition(now)
  const dir = side === "buy" ? 1 : -1
  let posAmount = pos.amount
  let cost = pos.cost
  let realized = pos.realized
  let rest = amount
  const S = market.kind._tag === "binary" ? market.kind.settlementValue : undefined

  // closing part
  if (posAmount !== 0n && D.sign(posAmount) !== dir) {
    const held = D.abs(posAmount)
    const c = D.min(rest, held)
    const removed = c === held ? cost : D.div(D.mul(cost, c, "half-even"), held, "half-even")
    const proceeds = D.mul(price, c, "half-even")
    realized = D.add(realized, D.sub(D.sign(posAmount) > 0 ? proceeds : D.neg(proceeds), removed))
    cost = D.sub(cost, removed)
    posAmount = D.add(posAmount, dir > 0 ? c : D.neg(c))
    rest = D.sub(rest, c)
    if (S !== undefined) {
      // closing a long returns p; covering a short returns S − p
      addCash(d, market.currency, dir < 0 ? proceeds : D.mul(D.sub(S, price), c, "half-even"))
    }
  }
  // opening part
  if (rest > 0n) {
    const signed = dir > 0 ? rest : D.neg(rest)
    cost = D.add(cost, D.mul(signed, price, "half-even"))
    posAmount = D.add(posAmount, signed)
    if (S !== undefined) {
      addCash(
        d,
        market.currency,
        D.neg(dir > 0 ? D.mul(price, rest, "half-even") : D.mul(D.sub(S, price), rest, "half-even"))
      )
    }
  }
  if (market.kind._tag === "spot") {
    const notional = D.mul(price, amount, "half-even")
    addCash(d, market.kind.quote, dir > 0 ? D.neg(notional) : notional)
    addCash(d, market.kind.base, dir > 0 ? amount : D.neg(amount))
  }
  addCash(d, market.currency, D.neg(fee))
  if (posAmount === 0n) cost = ZERO
  d.positions = HashMap.set(d.positions, market.symbol, {
    amount: posAmount,
    cost,
    realized,
    fees: D.add(pos.fees, fee),
    timestamp: now
  })
}

/**
 * Settles a binary market at value V: longs receive V per contract, shorts S − V; the position is closed
 * with its P&L realized.
 */
export const settlePosition = (d: Draft, market: Market.Market, value: D.Decimal, now: number): void => {
  if (market.kind._tag !== "binary") return
  const pos = positionOf(d, market.symbol)
  if (pos === undefined || pos.amount === 0n) return
  const S = market.kind.settlementValue
  const held = D.abs(pos.amount)
  const long = pos.amount > 0n
  const received = D.mul(long ? value : D.sub(S, value), held, "half-even")
  addCash(d, market.currency, received)
  const gross = D.mul(value, held, "half-even")
  const realized = D.add(pos.realized, D.sub(long ? gross : D.neg(gross), pos.cost))
  d.positions = HashMap.set(d.positions, market.symbol, {
    amount: ZERO,
    cost: ZERO,
    realized,
    fees: pos.fees,
    timestamp: now
  })
}

/** Remaining amount of an order still resting. */
export const remainingOf = (o: OrderRec): D.Decimal => D.sub(o.amount, o.filled)

/**
 * Collateral reserved by our resting orders, per currency. Binary: a buy reserves p × amount, a sell
 * (S − p) × amount, except the part that closes the current position (allocated to orders in arrival
 * order), which reserves nothing. Spot: buys reserve quote, sells reserve base. Every resting order also
 * reserves its maker fee, so maker fills can never overdraw the account.
 */
export const reserved = (s: State): Map<string, D.Decimal> => {
  const used = new Map<string, D.Decimal>()
  const add = (c: string, x: D.Decimal) => used.set(c, D.add(used.get(c) ?? ZERO, x))
  for (const symbol of s.symbols) {
    const ms = Option.getOrUndefined(HashMap.get(s.markets, symbol))
    if (ms === undefined) continue
    const mine: Array<OrderRec> = []
    for (const side of [ms.bids, ms.asks]) {
      for (const lvl of side) {
        for (const id of lvl.orders) {
          const o = Option.getOrUndefined(HashMap.get(s.orders, id))
          if (o !== undefined && o.owner === "self") mine.push(o)
        }
      }
    }
    if (mine.length === 0) continue
    mine.sort((a, b) => a.seq - b.seq)
    const m = ms.market
    const posAmount = positionOf(s, symbol)?.amount ?? ZERO
    let closeBuys = posAmount < 0n ? D.neg(posAmount) : ZERO
    let closeSells = posAmount > 0n ? posAmount : ZERO
    for (const o of mine) {
      const rem = remainingOf(o)
      add(m.currency, Fee.compute(m.fees, o.price, rem, "maker"))
      if (m.kind._tag === "spot") {
        if (o.side === "buy") add(m.kind.quote, D.mul(o.price, rem, "half-even"))
        else add(m.kind.base, rem)
        continue
      }
      const S = m.kind.settlementValue
      if (o.side === "buy") {
        const c = D.min(rem, closeBuys)
        closeBuys = D.sub(closeBuys, c)
        add(m.currency, D.mul(o.price, D.sub(rem, c), "half-even"))
      } else {
        const c = D.min(rem, closeSells)
        closeSells = D.sub(closeSells, c)
        add(m.currency, D.mul(D.sub(S, o.price), D.sub(rem, c), "half-even"))
      }
    }
  }
  return used
}

export interface BalanceRow {
  readonly currency: string
  readonly total: D.Decimal
  readonly used: D.Decimal
  readonly free: D.Decimal
}

/** Every currency with a total or a reservation. */
export const balances = (s: State): ReadonlyArray<BalanceRow> => {
  const used = reserved(s)
  const currencies = new Set<string>([...HashMap.keys(s.cash), ...used.keys()])
  return [...currencies].sort().map((currency) => {
    const total = cashOf(s, currency)
    const u = used.get(currency) ?? ZERO
    return { currency, total, used: u, free: D.sub(total, u) }
  })
}

/** Currencies whose free balance is negative (an order that leads here is refused). */
export const overdrawn = (s: State, currencies: ReadonlyArray<string>): ReadonlyArray<BalanceRow> =>
  balances(s).filter((b) => currencies.includes(b.currency) && b.free < 0n)

/** Currencies a market's orders touch. */
export const currenciesOf = (m: Market.Market): ReadonlyArray<string> =>
  m.kind._tag === "spot" ? [m.kind.base, m.kind.quote, m.currency] : [m.currency]
