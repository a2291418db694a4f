/**
 * The book's parts of the dashboard, read from a market's book view and our open orders there, each only as
 * far as it is shown:
 *
 * - `ours`: our orders' figures (best bid and ask, resting notional), when our orders change;
 * - `top`: the row of every market — best bid and ask, the spread with and without us — from integer levels,
 *   formatted only when one of them moved (the same object otherwise: the row is not rebuilt);
 * - `ladder`: the selected market's best levels with our size at each (the page's book), for the selected
 *   market(s) only;
 * - `lipNow`: the LIP score of this snapshot under the market's own program (our orders at the back of their
 *   level's queue).
 */
import { Decimal as D, Lip, type OrderBook, type TickGrid } from "@alpha-hunter/core"
import type { OrderTracker } from "@alpha-hunter/execution"
import * as LipSample from "./LipSample.js"

/** [price, size, ours] — price in dollars, size and ours in contracts. */
export type Level = readonly [string, string, string]

/** Grid levels' prices as the page shows them, formatted once per grid and level (the collector keeps one). */
export type PriceTexts = WeakMap<TickGrid.TickGrid, Map<number, string>>

export const priceText = (cache: PriceTexts, grid: TickGrid.TickGrid, level: number): string => {
  let texts = cache.get(grid)
  if (texts === undefined) {
    texts = new Map()
    cache.set(grid, texts)
  }
  let s = texts.get(level)
  if (s === undefined) {
    s = D.format(grid.priceAt(level))
    texts.set(level, s)
  }
  return s
}

/** Our open orders in one market, summed. */
export interface Ours {
  /** what they are (side, price, remaining of each): equal signatures, equal figures */
  readonly sig: string
  readonly orders: ReadonlyArray<OrderTracker.Tracked>
  readonly bid: D.Decimal | undefined
  readonly ask: D.Decimal | undefined
  /** notional: a bid at p ties up p, an ask 1 − p per contract */
  readonly resting: D.Decimal
  readonly restingText: string
  readonly bidText: string | undefined
  readonly askText: string | undefined
}

export const oursSig = (mine: ReadonlyArray<OrderTracker.Tracked>): string => {
  let s = ""
  for (const t of mine) s += `${t.side}${t.price}/${t.remaining},`
  return s
}

export const ours = (sig: string, mine: ReadonlyArray<OrderTracker.Tracked>): Ours => {
  let resting = D.ZERO
  let bid: D.Decimal | undefined
  let ask: D.Decimal | undefined
  for (const t of mine) {
    resting = D.add(resting, D.mul(t.side === "buy" ? t.price : D.sub(D.ONE, t.price), t.remaining))
    if (t.side === "buy" && (bid === undefined || t.price > bid)) bid = t.price
    if (t.side === "sell" && (ask === undefined || t.price < ask)) ask = t.price
  }
  return {
    sig,
    orders: mine,
    bid,
    ask,
    resting,
    restingText: D.format(D.round(resting, 2, "half-even")),
    bidText: bid === undefined ? undefined : D.format(bid),
    askText: ask === undefined ? undefined : D.format(ask)
  }
}

/** The row's book figures. */
export interface Top {
  /** best levels: the book's, and the others' (the first level with more than our size); -1 when none */
  readonly sig: string
  readonly bid: string | undefined
  readonly ask: string | undefined
  /** best ask − best bid, in dollars and in levels of the grid */
  readonly spread: string | undefined
  readonly spreadTicks: number | undefined
  /** the same without our orders (what the book would show if we left) */
  readonly spreadWithoutUs: string | undefined
  readonly improvementTicks: number | undefined
  readonly mid: D.Decimal | undefined
}

export const noTop: Top = {
  sig: "",
  bid: undefined,
  ask: undefined,
  spread: undefined,
  spreadTicks: undefined,
  spreadWithoutUs: undefined,
  improvementTicks: undefined,
  mid: undefined
}

/** Our size at a price on one side (a scan: a market holds a few of our orders). */
const oursAtPrice = (o: Ours, side: "buy" | "sell", price: D.Decimal): D.Decimal | undefined => {
  let sum: D.Decimal | undefined
  for (const t of o.orders) if (t.side === side && t.price === price) sum = D.add(sum ?? D.ZERO, t.remaining)
  return sum
}

/** The best level of a side not made of our orders only: reads as many levels as we have orders there, plus one. */
const othersBest = (view: OrderBook.BookView, side: "bid" | "ask", o: Ours): number => {
  const ourSide = side === "bid" ? "buy" : "sell"
  let n = 0
  for (const t of o.orders) if (t.side === ourSide) n++
  if (n === 0) return view.bestLevel(side)
  const s = view.levels(side, n + 1)
  for (let i = 0; i < s.levels.length; i++) {
    const mine = oursAtPrice(o, ourSide, view.grid.priceAt(s.levels[i]!))
    if (mine === undefined || D.mulInt(view.lotStep, s.lots[i]!) > mine) return s.levels[i]!
  }
  return -1
}

/** The row's book figures; `prev` itself when none of the four levels moved. */
export const top = (cache: PriceTexts, view: OrderBook.BookView | undefined, o: Ours, prev: Top): Top => {
  if (view === undefined) return prev === noTop ? prev : noTop
  const bb = view.bestLevel("bid")
  const ba = view.bestLevel("ask")
  const ob = othersBest(view, "bid", o)
  const oa = othersBest(view, "ask", o)
  const sig = `${bb},${ba},${ob},${oa}`
  if (sig === prev.sig) return prev
  const g = view.grid
  const both = bb >= 0 && ba >= 0
  const spreadTicks = both ? ba - bb : undefined
  const othersTicks = ob >= 0 && oa >= 0 ? oa - ob : undefined
  const bidPrice = bb >= 0 ? g.priceAt(bb) : undefined
  const askPrice = ba >= 0 ? g.priceAt(ba) : undefined
  return {
    sig,
    bid: bb >= 0 ? priceText(cache, g, bb) : undefined,
    ask: ba >= 0 ? priceText(cache, g, ba) : undefined,
    spread: both ? D.format(D.sub(askPrice!, bidPrice!)) : undefined,
    spreadTicks,
    spreadWithoutUs: othersTicks !== undefined ? D.format(D.sub(g.priceAt(oa), g.priceAt(ob))) : undefined,
    improvementTicks:
      spreadTicks !== undefined && othersTicks !== undefined ? Math.max(0, othersTicks - spreadTicks) : undefined,
    mid: both ? D.div(D.add(bidPrice!, askPrice!), D.int(2)) : undefined
  }
}

/** The best `depth` levels of each side, best first, with our size at each. */
export const ladder = (
  cache: PriceTexts,
  view: OrderBook.BookView | undefined,
  o: Ours,
  depth: number
): { readonly bids: ReadonlyArray<Level>; readonly asks: ReadonlyArray<Level> } => {
  if (view === undefined) return { bids: [], asks: [] }
  const show = (side: "bid" | "ask"): ReadonlyArray<Level> => {
    const s = view.levels(side, depth)
    const ourSide = side === "bid" ? "buy" : "sell"
    return Array.from({ length: s.levels.length }, (_, i) => {
      const price = view.grid.priceAt(s.levels[i]!)
      return [
        priceText(cache, view.grid, s.levels[i]!),
        D.format(D.mulInt(view.lotStep, s.lots[i]!)),
        D.format(oursAtPrice(o, ourSide, price) ?? D.ZERO)
      ] as const
    })
  }
  return { bids: show("bid"), asks: show("ask") }
}

/**
 * This snapshot's LIP score, 0..2 (YES share + NO share), rounded to 4 places; undefined when excluded. The
 * levels the scoring can use, as the sampler reads them (`LipSample.scoringLevels`): from the best until the
 * Target Size is reached, and the levels of our orders (which rest at the back of their level's queue).
 */
export const lipNow = (
  view: OrderBook.BookView | undefined,
  o: Ours,
  open: boolean,
  params: Lip.Params
): string | undefined => {
  if (view === undefined) return undefined
  const g = view.grid
  const side = (s: "bid" | "ask") => {
    const ourSide = s === "bid" ? "buy" : "sell"
    const mine = new Set<number>()
    for (const t of o.orders) if (t.side === ourSide) mine.add(g.levelOf(t.price))
    return LipSample.scoringLevels(view.levels(s), view.lotStep, g, mine, params.targetSize)
  }
  const bids = side("bid")
  const asks = side("ask")
  const ourOrders: Array<Lip.OurOrder> = o.orders.map((t) => {
    const level = (t.side === "buy" ? bids : asks).find(([p]) => p === t.price)
    const ahead =
      level === undefined ? D.ZERO : D.max(D.ZERO, D.sub(level[1], oursAtPrice(o, t.side, t.price) ?? D.ZERO))
    return { side: t.side, price: t.price, size: t.remaining, ahead }
  })
  const lip = Lip.scoreSnapshot(Lip.fromBook(g, bids, asks, ourOrders, open), params)
  return lip.included ? D.format(D.round(lip.score, 4, "half-even")) : undefined
}
