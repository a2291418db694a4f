/** One YES book per market: price levels with FIFO queues (price-time priority). */
import type { Order } from "./types.js"

export interface Level {
  readonly price: number
  readonly orders: Array<Order>
  total: number
}

export interface BookSide {
  readonly levels: Map<number, Level>
  /** ascending prices that currently hold at least one order */
  readonly prices: Array<number>
}

export interface Book {
  readonly bids: BookSide
  readonly asks: BookSide
}

export const makeBook = (): Book => ({
  bids: { levels: new Map(), prices: [] },
  asks: { levels: new Map(), prices: [] }
})

const lowerBound = (xs: ReadonlyArray<number>, v: number): number => {
  let lo = 0
  let hi = xs.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (xs[mid]! < v) lo = mid + 1
    else hi = mid
  }
  return lo
}

export const sideOf = (book: Book, side: "bid" | "ask"): BookSide => (side === "bid" ? book.bids : book.asks)

/** Append to the back of its price level's queue. */
export const insert = (book: Book, o: Order): void => {
  const s = sideOf(book, o.side)
  let level = s.levels.get(o.price)
  if (level === undefined) {
    level = { price: o.price, orders: [], total: 0 }
    s.levels.set(o.price, level)
    s.prices.splice(lowerBound(s.prices, o.price), 0, o.price)
  }
  level.orders.push(o)
  level.total += o.remaining
}

/** Remove an order from its level (no-op when absent). */
export const remove = (book: Book, o: Order): void => {
  const s = sideOf(book, o.side)
  const level = s.levels.get(o.price)
  if (level === undefined) return
  const i = level.orders.indexOf(o)
  if (i === -1) return
  level.orders.splice(i, 1)
  level.total -= o.remaining
  if (level.orders.length === 0) dropLevel(s, level.price)
}

export const dropLevel = (s: BookSide, price: number): void => {
  s.levels.delete(price)
  const i = lowerBound(s.prices, price)
  if (s.prices[i] === price) s.prices.splice(i, 1)
}

export const bestBid = (book: Book): Level | undefined => {
  const p = book.bids.prices[book.bids.prices.length - 1]
  return p === undefined ? undefined : book.bids.levels.get(p)
}

export const bestAsk = (book: Book): Level | undefined => {
  const p = book.asks.prices[0]
  return p === undefined ? undefined : book.asks.levels.get(p)
}

/** Crossing levels for an incoming order, best first. */
export function* crossing(book: Book, side: "bid" | "ask", limit: number): Generator<Level> {
  if (side === "bid") {
    const s = book.asks
    for (const p of [...s.prices]) {
      if (p > limit) return
      const l = s.levels.get(p)
      if (l !== undefined) yield l
    }
  } else {
    const s = book.bids
    const ps = [...s.prices]
    for (let i = ps.length - 1; i >= 0; i--) {
      const p = ps[i]!
      if (p < limit) return
      const l = s.levels.get(p)
      if (l !== undefined) yield l
    }
  }
}

/** Contracts ahead of `o` at its level (0-based queue position). */
export const queuePosition = (book: Book, o: Order): number | undefined => {
  const level = sideOf(book, o.side).levels.get(o.price)
  if (level === undefined) return undefined
  let ahead = 0
  for (const x of level.orders) {
    if (x === o) return ahead
    ahead += x.remaining
  }
  return undefined
}
