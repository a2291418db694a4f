/**
 * The quoting rule as a pure function on tick-grid levels and integer lots (the hot path: no Decimals here).
 *
 * Input: the public book (best first, our own orders still in it), our own resting orders, our position,
 * the clock and the parameters. Output: at most one bid and one ask (level + lots), which own orders to keep,
 * and which to cancel first (aged out). The book is looked at **without our own orders**, so we never step in
 * front of ourselves.
 */

/** Parameters in levels and lots (converted once per market from the Decimal config). */
export interface QuoteParams {
  /** skip when best ask − best bid (ex own orders, in levels) is below this */
  readonly minSpreadTicks: number
  /** depth-aware: size (lots, ex own) that must rest at or above a level before we step one tick in front of it */
  readonly minSizeAheadLots: number
  /** size by spread width: entries ascending by spread; the last entry with minSpreadTicks ≤ spread applies */
  readonly sizeCurve: ReadonlyArray<{ readonly minSpreadTicks: number; readonly lots: number }>
  /** per-market inventory limit in lots (position + the quote on the side that grows it); Infinity = none */
  readonly maxPositionLots: number
  /** 0..1: how strongly sizes lean against inventory (bid × (1 − k·q/max), ask × (1 + k·q/max)) */
  readonly inventorySkew: number
  /** keep a resting order up to this many levels behind the ideal price (never ahead of it) */
  readonly requoteToleranceTicks: number
  /** keep a resting order whose size is at least (1 − this) × the ideal size (and not above it) */
  readonly requoteSizeTolerance: number
  /** refresh a resting order older than this (ms) */
  readonly maxOrderAgeMs: number
  /** after a fill on a side, place nothing new on that side for this long (ms) */
  readonly filledOrderDelayMs: number
  /** stop quoting (pull everything) this long before the market's close (ms) */
  readonly stopBeforeCloseMs: number
  /** lowest / highest level we may quote (market range ∩ configured price bounds) */
  readonly minLevel: number
  readonly maxLevel: number
  /** when one level only fits inside the spread: `join` = the other side joins its best, `skip` = quote one side */
  readonly tightSpread: "join" | "skip"
}

export interface OwnOrder {
  readonly id: string
  readonly side: "buy" | "sell"
  readonly level: number
  readonly lots: number
  /** epoch ms */
  readonly createdAt: number
}

/** One side of the book, best first: parallel arrays of levels and lots. */
export interface SideLevels {
  readonly levels: ArrayLike<number>
  readonly lots: ArrayLike<number>
}

export interface QuoteInput {
  readonly bids: SideLevels
  readonly asks: SideLevels
  readonly own: ReadonlyArray<OwnOrder>
  /** signed, lots */
  readonly positionLots: number
  /** epoch ms */
  readonly now: number
  readonly open: boolean
  /** epoch ms */
  readonly closeTime: number | undefined
  readonly lastBuyFillAt: number | undefined
  readonly lastSellFillAt: number | undefined
  /**
   * The most lots one order may have at a level under the Risk limits (size, cost at that price, price band,
   * position room; absent: no limit). Every size is clamped to it.
   */
  readonly capLots?: ((side: "buy" | "sell", level: number) => number) | undefined
}

/** The Risk cap of one order at a level (Infinity without limits). */
export const capAt = (input: QuoteInput, side: "buy" | "sell", level: number): number =>
  input.capLots === undefined ? Number.POSITIVE_INFINITY : Math.max(0, input.capLots(side, level))

export interface SideQuote {
  readonly level: number
  readonly lots: number
  /** id of the resting order this quote keeps unchanged */
  readonly keep: string | undefined
}

export type SkipReason =
  | "closed"
  | "closing"
  | "empty"
  | "spread"
  | "thin"
  | "range"
  | "inventory"
  | "tight"
  | "delay"
  | "size"
  | "target"
  | "limit"

export interface Quotes {
  readonly bid: SideQuote | undefined
  readonly ask: SideQuote | undefined
  /** own orders to cancel before syncing (aged out but otherwise identical to the target) */
  readonly cancel: ReadonlyArray<string>
  readonly bidSkip: SkipReason | undefined
  readonly askSkip: SkipReason | undefined
}

const NONE: ReadonlyArray<string> = []

const ownLotsAt = (own: ReadonlyArray<OwnOrder>, side: "buy" | "sell", level: number): number => {
  let n = 0
  for (let i = 0; i < own.length; i++) {
    const o = own[i]!
    if (o.side === side && o.level === level) n += o.lots
  }
  return n
}

export interface SideView {
  /** best level after removing our own size; -1 when the side is empty */
  readonly best: number
  /** first level (from the best) where cumulative size ex own reaches minSizeAhead; -1 when never */
  readonly ref: number
}

/** The best and the depth-aware reference level of one side, our own orders removed. */
export const viewSide = (
  side: SideLevels,
  own: ReadonlyArray<OwnOrder>,
  ownSide: "buy" | "sell",
  minSizeAheadLots: number
): SideView => {
  let best = -1
  let ref = -1
  let cum = 0
  const n = side.levels.length
  for (let i = 0; i < n; i++) {
    const level = side.levels[i]!
    const lots = side.lots[i]! - ownLotsAt(own, ownSide, level)
    if (lots <= 0) continue
    if (best < 0) best = level
    cum += lots
    if (cum >= minSizeAheadLots) {
      ref = level
      break
    }
  }
  return { best, ref }
}

export const sizeForSpread = (curve: QuoteParams["sizeCurve"], spread: number): number => {
  let lots = 0
  for (let i = 0; i < curve.length; i++) {
    const e = curve[i]!
    if (e.minSpreadTicks <= spread) lots = e.lots
  }
  return lots
}

/** Keep, refresh or replace the resting order of one side. */
const settle = (
  side: "buy" | "sell",
  level: number,
  lots: number,
  input: QuoteInput,
  p: QuoteParams,
  cancel: Array<string>
): SideQuote => {
  let chosen: OwnOrder | undefined
  for (const o of input.own) if (o.side === side && (chosen === undefined || o.createdAt < chosen.createdAt)) chosen = o
  if (chosen === undefined) return { level, lots, keep: undefined }
  const aged = input.now - chosen.createdAt >= p.maxOrderAgeMs
  const behind = side === "buy" ? level - chosen.level : chosen.level - level
  const priceOk = behind >= 0 && behind <= p.requoteToleranceTicks
  const sizeOk = chosen.lots <= lots && chosen.lots >= Math.ceil(lots * (1 - p.requoteSizeTolerance))
  if (priceOk && sizeOk && chosen.lots > 0) {
    if (!aged) return { level: chosen.level, lots: chosen.lots, keep: chosen.id }
    cancel.push(chosen.id)
    return { level, lots, keep: undefined }
  }
  if (aged && chosen.level === level && chosen.lots === lots) cancel.push(chosen.id)
  return { level, lots, keep: undefined }
}

/** During the filled-order delay a side places nothing new; a resting order stays if still sound. */
const holdDuringDelay = (
  side: "buy" | "sell",
  input: QuoteInput,
  bestBid: number,
  bestAsk: number,
  capLots: number
): SideQuote | undefined => {
  for (const o of input.own) {
    if (o.side !== side || o.lots > Math.min(capLots, capAt(input, side, o.level))) continue
    const sound =
      side === "buy"
        ? (bestAsk < 0 || o.level < bestAsk) && (bestBid < 0 || o.level <= bestBid + 1)
        : (bestBid < 0 || o.level > bestBid) && (bestAsk < 0 || o.level >= bestAsk - 1)
    if (sound) return { level: o.level, lots: o.lots, keep: o.id }
  }
  return undefined
}

/** Liquidity mode: bid one tick above the best bid, ask one tick below the best ask, ex own orders. */
export const quote = (input: QuoteInput, p: QuoteParams): Quotes => {
  if (!input.open) return { bid: undefined, ask: undefined, cancel: NONE, bidSkip: "closed", askSkip: "closed" }
  if (input.closeTime !== undefined && input.closeTime - input.now <= p.stopBeforeCloseMs) {
    return { bid: undefined, ask: undefined, cancel: NONE, bidSkip: "closing", askSkip: "closing" }
  }
  const b = viewSide(input.bids, input.own, "buy", p.minSizeAheadLots)
  const a = viewSide(input.asks, input.own, "sell", p.minSizeAheadLots)
  if (b.best >= 0 && a.best >= 0 && a.best - b.best < p.minSpreadTicks) {
    return { bid: undefined, ask: undefined, cancel: NONE, bidSkip: "spread", askSkip: "spread" }
  }
  let bidSkip: SkipReason | undefined
  let askSkip: SkipReason | undefined
  // ideal levels: one tick in front of the reference (never past the other side's best, never off the range)
  let bidLevel = -1
  if (b.best < 0) bidSkip = "empty"
  else if (b.ref < 0) bidSkip = "thin"
  else {
    bidLevel = Math.min(b.ref + 1, p.maxLevel, a.best >= 0 ? a.best - 1 : p.maxLevel)
    if (bidLevel < p.minLevel) bidSkip = "range"
  }
  let askLevel = -1
  if (a.best < 0) askSkip = "empty"
  else if (a.ref < 0) askSkip = "thin"
  else {
    askLevel = Math.max(a.ref - 1, p.minLevel, b.best >= 0 ? b.best + 1 : p.minLevel)
    if (askLevel > p.maxLevel) askSkip = "range"
  }
  const q = input.positionLots
  if (bidSkip === undefined && askSkip === undefined && bidLevel >= askLevel) {
    // one level fits: the side that reduces inventory takes it (bid when flat or short)
    const bidFirst = q <= 0
    if (p.tightSpread === "skip") {
      if (bidFirst) askSkip = "tight"
      else bidSkip = "tight"
    } else if (bidFirst) {
      askLevel = bidLevel + 1
      if (askLevel > p.maxLevel) askSkip = "tight"
    } else {
      bidLevel = askLevel - 1
      if (bidLevel < p.minLevel) bidSkip = "tight"
    }
  }
  // sizes: by spread width, leaning against inventory, capped by the inventory limit (quote counts as exposure)
  const spread = b.best >= 0 && a.best >= 0 ? a.best - b.best : Number.MAX_SAFE_INTEGER
  const base = sizeForSpread(p.sizeCurve, spread)
  const max = p.maxPositionLots
  const r = Number.isFinite(max) && max > 0 ? Math.max(-1, Math.min(1, q / max)) : 0
  const bidRoom = Number.isFinite(max) ? max - q : Number.MAX_SAFE_INTEGER
  const askRoom = Number.isFinite(max) ? max + q : Number.MAX_SAFE_INTEGER
  const bidWanted = Math.min(Math.floor(base * Math.max(0, Math.min(2, 1 - p.inventorySkew * r))), bidRoom)
  const askWanted = Math.min(Math.floor(base * Math.max(0, Math.min(2, 1 + p.inventorySkew * r))), askRoom)
  // and by the Risk limits at the level quoted
  const bidLots = bidSkip === undefined ? Math.min(bidWanted, capAt(input, "buy", bidLevel)) : bidWanted
  const askLots = askSkip === undefined ? Math.min(askWanted, capAt(input, "sell", askLevel)) : askWanted
  if (bidSkip === undefined && bidLots <= 0) bidSkip = bidRoom <= 0 ? "inventory" : bidWanted > 0 ? "limit" : "size"
  if (askSkip === undefined && askLots <= 0) askSkip = askRoom <= 0 ? "inventory" : askWanted > 0 ? "limit" : "size"

  const cancel: Array<string> = []
  let bid: SideQuote | undefined
  let ask: SideQuote | undefined
  if (inDelay(input.lastBuyFillAt, input.now, p.filledOrderDelayMs)) {
    bid = holdDuringDelay("buy", input, b.best, a.best, Math.max(0, bidRoom))
    if (bid === undefined) bidSkip = "delay"
  } else if (bidSkip === undefined) bid = settle("buy", bidLevel, bidLots, input, p, cancel)
  if (inDelay(input.lastSellFillAt, input.now, p.filledOrderDelayMs)) {
    ask = holdDuringDelay("sell", input, b.best, a.best, Math.max(0, askRoom))
    if (ask === undefined) askSkip = "delay"
  } else if (askSkip === undefined) ask = settle("sell", askLevel, askLots, input, p, cancel)
  // a kept order may sit behind the ideal level; the pair must still not cross
  if (bid !== undefined && ask !== undefined && bid.level >= ask.level) {
    if (q <= 0) {
      ask = undefined
      askSkip = "tight"
    } else {
      bid = undefined
      bidSkip = "tight"
    }
  }
  return { bid, ask, cancel: cancel.length === 0 ? NONE : cancel, bidSkip, askSkip }
}

/** Execution mode, maker path: work |delta| on one side at one tick inside, capped at a price level. */
export interface WorkInput extends QuoteInput {
  /** target position − position, in lots */
  readonly deltaLots: number
  /** highest level a buy may use / lowest level a sell may use */
  readonly capLevel: number
  readonly maxOrderLots: number
}

export type WorkResult =
  | { readonly _tag: "Quote"; readonly quotes: Quotes }
  /** the spread is too tight to rest one tick inside: the configured fallback decides */
  | { readonly _tag: "Tight"; readonly side: "buy" | "sell"; readonly lots: number }
  | { readonly _tag: "Idle"; readonly reason: SkipReason }

export const work = (input: WorkInput, p: QuoteParams): WorkResult => {
  if (!input.open) return { _tag: "Idle", reason: "closed" }
  if (input.closeTime !== undefined && input.closeTime - input.now <= p.stopBeforeCloseMs) {
    return { _tag: "Idle", reason: "closing" }
  }
  if (input.deltaLots === 0) return { _tag: "Idle", reason: "target" }
  const side: "buy" | "sell" = input.deltaLots > 0 ? "buy" : "sell"
  const lots = Math.min(Math.abs(input.deltaLots), input.maxOrderLots)
  const b = viewSide(input.bids, input.own, "buy", p.minSizeAheadLots)
  const a = viewSide(input.asks, input.own, "sell", p.minSizeAheadLots)
  if (b.best >= 0 && a.best >= 0 && a.best - b.best < p.minSpreadTicks) return { _tag: "Tight", side, lots }
  const cancel: Array<string> = []
  const skip = (reason: SkipReason): WorkResult => ({
    _tag: "Quote",
    quotes: {
      bid: undefined,
      ask: undefined,
      cancel: NONE,
      bidSkip: side === "buy" ? reason : "target",
      askSkip: side === "sell" ? reason : "target"
    }
  })
  if (side === "buy") {
    if (b.best < 0) return skip("empty")
    if (b.ref < 0) return skip("thin")
    const level = Math.min(b.ref + 1, p.maxLevel, input.capLevel, a.best >= 0 ? a.best - 1 : p.maxLevel)
    if (level < p.minLevel) return skip("range")
    const capped = Math.min(lots, capAt(input, "buy", level))
    if (capped <= 0) return skip("limit")
    const bid = settle("buy", level, capped, input, p, cancel)
    return { _tag: "Quote", quotes: { bid, ask: undefined, cancel, bidSkip: undefined, askSkip: "target" } }
  }
  if (a.best < 0) return skip("empty")
  if (a.ref < 0) return skip("thin")
  const level = Math.max(a.ref - 1, p.minLevel, input.capLevel, b.best >= 0 ? b.best + 1 : p.minLevel)
  if (level > p.maxLevel) return skip("range")
  const capped = Math.min(lots, capAt(input, "sell", level))
  if (capped <= 0) return skip("limit")
  const ask = settle("sell", level, capped, input, p, cancel)
  return { _tag: "Quote", quotes: { bid: undefined, ask, cancel, bidSkip: "target", askSkip: undefined } }
}

/**
 * The wanted quotes as one step from the orders resting now. The gateway moves a side's orders one at a time
 * (bids first), and Risk refuses a bid at or above one of our resting asks (or an ask at or below a resting
 * bid) as a self-cross, so a new quote that would meet one of our resting orders on the other side waits a
 * round: the side keeps its resting order where that one does not meet (else it is left out, i.e. canceled,
 * which goes first). The other side moves now; the next book update (our own order moved) moves this one.
 */
export const stepFrom = (q: Quotes, own: ReadonlyArray<OwnOrder>): Quotes => {
  let lowestAsk = Number.POSITIVE_INFINITY
  let highestBid = Number.NEGATIVE_INFINITY
  for (const o of own) {
    if (q.cancel.includes(o.id)) continue
    if (o.side === "sell") lowestAsk = Math.min(lowestAsk, o.level)
    else highestBid = Math.max(highestBid, o.level)
  }
  if (q.bid !== undefined && q.bid.keep === undefined && q.bid.level >= lowestAsk) {
    const bid = holdOldest(q, own, "buy", (l) => l >= lowestAsk)
    return { ...q, bid, bidSkip: bid === undefined ? "tight" : q.bidSkip }
  }
  if (q.ask !== undefined && q.ask.keep === undefined && q.ask.level <= highestBid) {
    const ask = holdOldest(q, own, "sell", (l) => l <= highestBid)
    return { ...q, ask, askSkip: ask === undefined ? "tight" : q.askSkip }
  }
  return q
}

/** The oldest of our orders on `side` that is kept and does not meet `meets` (module level: not made per call). */
const holdOldest = (
  q: Quotes,
  own: ReadonlyArray<OwnOrder>,
  side: "buy" | "sell",
  meets: (level: number) => boolean
): SideQuote | undefined => {
  let keep: OwnOrder | undefined
  for (const o of own) {
    if (o.side !== side || q.cancel.includes(o.id) || meets(o.level)) continue
    if (keep === undefined || o.createdAt < keep.createdAt) keep = o
  }
  return keep === undefined ? undefined : { level: keep.level, lots: keep.lots, keep: keep.id }
}

/** Whether a fill at `t` is recent enough to hold that side (module level: not made per decision). */
export const inDelay = (t: number | undefined, now: number, delayMs: number): boolean =>
  t !== undefined && now - t < delayMs
