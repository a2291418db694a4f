/**
 * The book's part of a dashboard row: the top levels with our size at each, our best bid and ask, the
 * spread with and without us, our resting notional, and the LIP score of this snapshot under the market's own
 * program (our orders at the back of their level's queue; no program: no score). Recomputed only when the
 * book's version or our orders change.
 */
import { Decimal as D, Lip, type OrderBook } from "@alpha-hunter/core"
import type { OrderTracker } from "@alpha-hunter/execution"

/** levels read per side for the LIP score (the ones shown are the first `depth`) */
const LIP_LEVELS = 25

type Level = readonly [string, string, string]

export interface BookPart {
  readonly sig: string
  readonly row: {
    readonly bids: ReadonlyArray<Level>
    readonly asks: ReadonlyArray<Level>
    readonly ourBid: string | undefined
    readonly ourAsk: string | undefined
    readonly spread: string | undefined
    readonly spreadTicks: number | undefined
    readonly spreadWithoutUs: string | undefined
    readonly improvementTicks: number | undefined
    readonly resting: string
    readonly lipTarget: string | undefined
    readonly lipScore: string | undefined
  }
  readonly restingValue: D.Decimal
  readonly mid: D.Decimal | undefined
}

type Full = ReadonlyArray<readonly [D.Decimal, D.Decimal, D.Decimal]>

export const read = (
  sig: string,
  view: OrderBook.BookView | undefined,
  mine: ReadonlyArray<OrderTracker.Tracked>,
  open: boolean,
  depth: number,
  params: Lip.Params | undefined
): BookPart => {
  const oursAt = new Map<string, D.Decimal>()
  let resting = D.ZERO
  let ourBid: D.Decimal | undefined
  let ourAsk: D.Decimal | undefined
  for (const t of mine) {
    const k = `${t.side}:${t.price}`
    oursAt.set(k, D.add(oursAt.get(k) ?? D.ZERO, t.remaining))
    resting = D.add(resting, D.mul(t.side === "buy" ? t.price : D.sub(D.ONE, t.price), t.remaining))
    if (t.side === "buy" && (ourBid === undefined || t.price > ourBid)) ourBid = t.price
    if (t.side === "sell" && (ourAsk === undefined || t.price < ourAsk)) ourAsk = t.price
  }
  const full = (side: "bid" | "ask"): Full => {
    if (view === undefined) return []
    const s = view.levels(side, LIP_LEVELS)
    return Array.from({ length: s.levels.length }, (_, i) => {
      const price = view.grid.priceAt(s.levels[i]!)
      const size = D.mulInt(view.lotStep, s.lots[i]!)
      return [price, size, oursAt.get(`${side === "bid" ? "buy" : "sell"}:${price}`) ?? D.ZERO] as const
    })
  }
  const bids = full("bid")
  const asks = full("ask")
  const others = (ls: Full) => ls.find(([, size, ours]) => D.sub(size, ours) > 0n)?.[0]
  const bb = bids[0]?.[0]
  const ba = asks[0]?.[0]
  const ob = others(bids)
  const oa = others(asks)
  const grid = view?.grid
  const ticks = (lo: D.Decimal, hi: D.Decimal) => (grid === undefined ? undefined : grid.levelOf(hi) - grid.levelOf(lo))
  const spreadTicks = bb !== undefined && ba !== undefined ? ticks(bb, ba) : undefined
  const othersTicks = ob !== undefined && oa !== undefined ? ticks(ob, oa) : undefined
  let lip: Lip.SnapshotScore | undefined
  if (grid !== undefined && params !== undefined) {
    const ourOrders: Array<Lip.OurOrder> = mine.map((t) => {
      const level = (t.side === "buy" ? bids : asks).find(([p]) => p === t.price)
      const ahead = level === undefined ? D.ZERO : D.max(D.ZERO, D.sub(level[1], level[2]))
      return { side: t.side, price: t.price, size: t.remaining, ahead }
    })
    const pairs = (ls: Full) => ls.map(([p, s]) => [p, s] as const)
    lip = Lip.scoreSnapshot(Lip.fromBook(grid, pairs(bids), pairs(asks), ourOrders, open), params)
  }
  const show = (ls: Full): ReadonlyArray<Level> =>
    ls.slice(0, depth).map(([p, s, m]) => [D.format(p), D.format(s), D.format(m)] as const)
  return {
    sig,
    row: {
      bids: show(bids),
      asks: show(asks),
      ourBid: ourBid === undefined ? undefined : D.format(ourBid),
      ourAsk: ourAsk === undefined ? undefined : D.format(ourAsk),
      spread: bb !== undefined && ba !== undefined ? D.format(D.sub(ba, bb)) : undefined,
      spreadTicks,
      spreadWithoutUs: ob !== undefined && oa !== undefined ? D.format(D.sub(oa, ob)) : undefined,
      improvementTicks:
        spreadTicks !== undefined && othersTicks !== undefined ? Math.max(0, othersTicks - spreadTicks) : undefined,
      resting: D.format(D.round(resting, 2, "half-even")),
      lipTarget: params === undefined ? undefined : D.format(params.targetSize),
      lipScore: lip?.included === true ? D.format(D.round(lip.score, 4, "half-even")) : undefined
    },
    restingValue: resting,
    mid: bb !== undefined && ba !== undefined ? D.div(D.add(bb, ba), D.int(2)) : undefined
  }
}
