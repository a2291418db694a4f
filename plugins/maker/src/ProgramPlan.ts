/**
 * Program-aware quoting, the pure part: where and how much to quote in a market with a liquidity incentive
 * program, judged by the exact LIP scorer (core `Lip`) on the book as it would be with our quote in it.
 *
 * Per side (YES bids; NO bids = our asks) the candidates are: join the others' best price, or improve it by one
 * tick (never onto or past the other side's best); sizes from the least that makes the side's whole book reach
 * Target Size up to the cap (`maxLots`: the program size cap ∩ the inventory room ∩ the Risk limits at that price). Each candidate's value per
 * day is
 *
 *   reward − expected fill cost − hurdle × collateral
 *   reward     = pool per day ÷ 2 × our share of the side (Lip.scoreSide with our order in the book)
 *   fill cost  = fillRate × size × queue factor × (maker fee + adverseTicks × tick)   (queue factor: our size ÷
 *                (ours + others ahead at our price), 1 when we improve and stand alone)
 *   collateral = size × price (YES bid) or size × (1 − price) (NO bid)
 *
 * so the marginal reward per dollar of collateral (the research note's ρ·S / (2·p·(q+S)²)) is weighed against the
 * hurdle, and improving with at least Target/5 (which moves the reference price to us and discounts everyone
 * behind) is chosen when it pays more than joining. A side whose others' best sits at the edge (top of the grid,
 * or no legal price left below the other side's best) can never score and is skipped; the market is then
 * quoted on one side only if the other side still reaches Target without us. Markets compete for one collateral
 * budget by net reward per dollar (`allocate`). A resting quote stays for `minRestMs` and afterwards is replaced only
 * by a plan worth `requoteGain` more (`settleSide`): no flicker, no cancel when the price approaches.
 */
import { Decimal as D, Fee, Lip } from "@alpha-hunter/core"
import type { OwnOrder, SideLevels } from "./Quoting.js"

export interface Terms {
  readonly target: D.Decimal
  readonly discountFactor: D.Decimal
  /** the program's reward per day, dollars */
  readonly rewardPerDay: D.Decimal
}

export interface Settings {
  readonly hurdle: D.Decimal
  readonly fillRate: D.Decimal
  readonly adverseTicks: number
  readonly rules: Lip.Rules
  readonly minRestMs: number
  readonly requoteGain: D.Decimal
}

/** The market in the quoting rule's terms: levels of its grid and lots. */
export interface Geometry {
  /** highest level of the grid (99¢ on a cent grid) */
  readonly top: number
  readonly minLevel: number
  readonly maxLevel: number
  readonly priceAt: (level: number) => D.Decimal
  /** contracts per lot */
  readonly step: D.Decimal
  readonly fees: Fee.FeeModel
}

export type Side = "buy" | "sell"

export interface Option {
  readonly side: Side
  readonly level: number
  readonly lots: number
  readonly improve: boolean
  /** $/day */
  readonly reward: D.Decimal
  readonly cost: D.Decimal
  readonly collateral: D.Decimal
  readonly value: D.Decimal
}

export type SkipReason = "pinned" | "empty" | "short" | "range"

export interface SidePlan {
  readonly side: Side
  /** best value first, at most one per candidate level (join, improve); empty when the side is skipped */
  readonly options: ReadonlyArray<Option>
  readonly skip: SkipReason | undefined
  /** the others' whole size on this side, lots */
  readonly depthLots: number
  readonly bestLevel: number
}

/** One side of the book without our own orders, best first. */
export const others = (book: SideLevels, own: ReadonlyArray<OwnOrder>, side: Side) => {
  const levels: Array<number> = []
  const lots: Array<number> = []
  for (let i = 0; i < book.levels.length; i++) {
    const level = book.levels[i]!
    let n = book.lots[i]!
    for (const o of own) if (o.side === side && o.level === level) n -= o.lots
    if (n > 0) {
      levels.push(level)
      lots.push(n)
    }
  }
  return { levels, lots }
}

const collateralPrice = (g: Geometry, side: Side, level: number) =>
  side === "buy" ? g.priceAt(level) : D.sub(D.ONE, g.priceAt(level))

const tickAt = (g: Geometry, level: number) =>
  level < g.top ? D.sub(g.priceAt(level + 1), g.priceAt(level)) : D.sub(g.priceAt(level), g.priceAt(level - 1))

/** Our share of one side (0..1) with `lots` of ours at `level`, behind the others already there. */
export const shareWith = (
  book: { readonly levels: ReadonlyArray<number>; readonly lots: ReadonlyArray<number> },
  side: Side,
  level: number,
  lots: number,
  terms: Terms,
  g: Geometry,
  rules: Lip.Rules
): D.Decimal => {
  const tick = (l: number) => (side === "buy" ? l : g.top - l)
  const levels: Array<Lip.Level> = []
  let placed = lots <= 0
  for (let i = 0; i < book.levels.length; i++) {
    const l = book.levels[i]!
    const theirs: Lip.QueueOrder = { size: D.mulInt(g.step, book.lots[i]!), ours: false }
    if (!placed && tick(level) > tick(l)) {
      levels.push({ tick: tick(level), orders: [{ size: D.mulInt(g.step, lots), ours: true }] })
      placed = true
    }
    if (!placed && l === level) {
      levels.push({ tick: tick(l), orders: [theirs, { size: D.mulInt(g.step, lots), ours: true }] })
      placed = true
    } else levels.push({ tick: tick(l), orders: [theirs] })
  }
  if (!placed) levels.push({ tick: tick(level), orders: [{ size: D.mulInt(g.step, lots), ours: true }] })
  const s = Lip.scoreSide(
    { levels, topTick: g.top },
    { targetSize: terms.target, discountFactor: terms.discountFactor },
    rules
  )
  return s.status === "qualifies" ? s.share : D.ZERO
}

/** Value per day of `lots` at `level` on one side (see the module comment). */
export const evaluate = (
  book: { readonly levels: ReadonlyArray<number>; readonly lots: ReadonlyArray<number> },
  side: Side,
  level: number,
  lots: number,
  terms: Terms,
  g: Geometry,
  s: Settings
): Option => {
  const share = shareWith(book, side, level, lots, terms, g, s.rules)
  const reward = D.mul(D.div(terms.rewardPerDay, D.int(2), "floor"), share, "floor")
  const size = D.mulInt(g.step, lots)
  const collateral = D.mul(size, collateralPrice(g, side, level), "ceil")
  const i = book.levels.indexOf(level)
  const ahead = i < 0 ? 0 : book.lots[i]!
  // fees per contract, rounded up like a fill's fee; the adverse move in ticks of the grid at our price
  const perContract = D.add(
    Fee.compute(g.fees, g.priceAt(level), D.ONE, "maker"),
    D.mulInt(tickAt(g, level), s.adverseTicks)
  )
  const filled = D.div(D.mul(D.mul(s.fillRate, size, "ceil"), D.int(lots), "ceil"), D.int(lots + ahead), "ceil")
  const cost = D.mul(filled, perContract, "ceil")
  const value = D.sub(D.sub(reward, cost), D.mul(s.hurdle, collateral, "ceil"))
  return { side, level, lots, improve: i < 0, reward, cost, collateral, value }
}

/** Sizes worth trying: the least that reaches Target, Target/5 (moves the reference), Target/2, Target, the cap. */
export const sizes = (needLots: number, targetLots: number, maxLots: number): ReadonlyArray<number> => {
  const from = Math.max(1, needLots)
  if (from > maxLots) return []
  const all = [from, Math.ceil(targetLots / 5), Math.ceil(targetLots / 2), targetLots, maxLots]
  return [...new Set(all.filter((q) => q >= from && q <= maxLots))].sort((a, b) => a - b)
}

/** A size cap: one number, or per level (the Risk limits on an order depend on its price). */
export type Cap = number | ((level: number) => number)
const capOf = (cap: Cap, level: number): number => (typeof cap === "number" ? cap : cap(level))

const better = (a: Option, b: Option) => a.value > b.value || (a.value === b.value && a.collateral < b.collateral)

/** The candidates of one side: the best size at each candidate level (join, improve), best value first. */
export const planSide = (
  side: Side,
  book: SideLevels,
  opposite: SideLevels,
  own: ReadonlyArray<OwnOrder>,
  maxLots: Cap,
  terms: Terms,
  g: Geometry,
  s: Settings
): SidePlan => {
  const mine = others(book, own, side)
  const theirs = others(opposite, own, side === "buy" ? "sell" : "buy")
  const depthLots = mine.lots.reduce((a, b) => a + b, 0)
  const best = mine.levels[0] ?? -1
  const oppBest = theirs.levels[0] ?? -1
  const skip = (reason: SkipReason): SidePlan => ({ side, options: [], skip: reason, depthLots, bestLevel: best })
  if (best < 0) return skip("empty")
  const dir = side === "buy" ? 1 : -1
  // pinned: the best is at the top of this side's grid, or nothing legal is left between it and the other side
  const edge = side === "buy" ? best >= g.top : best <= 0
  if (edge) return skip("pinned")
  const legal = (l: number) =>
    l >= g.minLevel && l <= g.maxLevel && (oppBest < 0 || (side === "buy" ? l < oppBest : l > oppBest))
  const levels = [best, best + dir].filter(legal)
  if (levels.length === 0) return skip("range")
  const step = g.step
  const targetLots = Number(D.divToInt(terms.target, step, "ceil"))
  const options: Array<Option> = []
  for (const level of levels) {
    // a level where the cap is short of what reaches Target has no candidate
    const candidates = sizes(Math.max(0, targetLots - depthLots), targetLots, capOf(maxLots, level))
    if (candidates.length === 0) continue
    let top: Option | undefined
    for (const lots of candidates) {
      const o = evaluate(mine, side, level, lots, terms, g, s)
      if (top === undefined || better(o, top)) top = o
    }
    options.push(top!)
  }
  if (options.length === 0) return skip("short")
  options.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0))
  return { side, options, skip: undefined, depthLots, bestLevel: best }
}

export interface MarketPlan {
  readonly bid: Option | undefined
  readonly ask: Option | undefined
  /** undefined when the market is quoted program-style */
  readonly fallback: string | undefined
  readonly reward: D.Decimal
  readonly collateral: D.Decimal
  readonly value: D.Decimal
}

const sumOf = (os: ReadonlyArray<Option | undefined>, f: (o: Option) => D.Decimal) =>
  D.sum(os.flatMap((o) => (o === undefined ? [] : [f(o)])))

/**
 * Both sides together: two-sided by default; one side only when the other can never score and still reaches
 * Target without us; a fallback (plain quoting) when a side that could score cannot qualify within the limits
 * or the whole plan is worth nothing.
 */
export const planMarket = (yes: SidePlan, no: SidePlan, terms: Terms, g: Geometry): MarketPlan => {
  const targetLots = Number(D.divToInt(terms.target, g.step, "ceil"))
  const fallback = (why: string): MarketPlan => ({
    bid: undefined,
    ask: undefined,
    fallback: why,
    reward: D.ZERO,
    collateral: D.ZERO,
    value: D.ZERO
  })
  for (const [p, q] of [
    [yes, no],
    [no, yes]
  ] as const) {
    if (p.skip === undefined) continue
    if (p.skip !== "pinned") return fallback(`${p.side === "buy" ? "bid" : "ask"} side ${p.skip}`)
    if (p.depthLots < targetLots) return fallback("a pinned side is short of Target")
    if (q.skip !== undefined) return fallback("neither side can score")
  }
  // the best pair that does not cross (our bid below our ask)
  let pick: readonly [Option | undefined, Option | undefined] | undefined
  let pickValue = D.ZERO
  const bids: ReadonlyArray<Option | undefined> = yes.skip === undefined ? yes.options : [undefined]
  const asks: ReadonlyArray<Option | undefined> = no.skip === undefined ? no.options : [undefined]
  for (const b of bids) {
    for (const a of asks) {
      if (b !== undefined && a !== undefined && b.level >= a.level) continue
      const v = sumOf([b, a], (o) => o.value)
      if (pick === undefined || v > pickValue) {
        pick = [b, a]
        pickValue = v
      }
    }
  }
  if (pick === undefined) return fallback("no pair of prices fits inside the spread")
  const [bid, ask] = pick
  const value = sumOf(pick, (o) => o.value)
  if (value <= 0n) return fallback("worth less than its collateral's hurdle")
  return {
    bid,
    ask,
    fallback: undefined,
    reward: sumOf(pick, (o) => o.reward),
    collateral: sumOf(pick, (o) => o.collateral),
    value
  }
}

export interface Bid {
  readonly symbol: string
  /** the plan's value per day: reward net of expected fill costs and the hurdle */
  readonly net: D.Decimal
  readonly collateral: D.Decimal
}

/**
 * How the collateral budget is shared: markets in order of net reward per dollar of collateral (ties by symbol),
 * each granted its plan's collateral while the budget lasts; the market where it runs out gets what is left
 * (its sizes shrink to fit), the ones after it nothing.
 */
export const allocate = (bids: ReadonlyArray<Bid>, budget: D.Decimal): ReadonlyMap<string, D.Decimal> => {
  // net_a / coll_a > net_b / coll_b  ⇔  net_a × coll_b > net_b × coll_a (collateral > 0)
  const sorted = [...bids]
    .filter((b) => b.collateral > 0n && b.net > 0n)
    .sort((a, b) => {
      // on the raw scaled integers: exact, no rounding
      const l = D.toScaled(a.net) * D.toScaled(b.collateral)
      const r = D.toScaled(b.net) * D.toScaled(a.collateral)
      return l > r ? -1 : l < r ? 1 : a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0
    })
  const granted = new Map<string, D.Decimal>()
  let left = budget
  for (const b of sorted) {
    if (left <= 0n) break
    const g = D.min(b.collateral, left)
    granted.set(b.symbol, g)
    left = D.sub(left, g)
  }
  return granted
}

export interface Settled {
  readonly level: number
  readonly lots: number
  /** the resting order kept as it is */
  readonly keep: string | undefined
}

/**
 * Hysteresis for one side: our oldest resting order on the side stays while it is sound (legal price, within
 * the cap, enough size for the side to reach Target) and either younger than `minRestMs` or within
 * `requoteGain` of the best plan's value; otherwise the plan's quote replaces it.
 */
export const settleSide = (
  plan: Option,
  side: Side,
  own: ReadonlyArray<OwnOrder>,
  book: SideLevels,
  opposite: SideLevels,
  maxLots: Cap,
  terms: Terms,
  g: Geometry,
  s: Settings,
  now: number
): Settled => {
  let mine: OwnOrder | undefined
  for (const o of own) if (o.side === side && (mine === undefined || o.createdAt < mine.createdAt)) mine = o
  const fresh: Settled = { level: plan.level, lots: plan.lots, keep: undefined }
  if (mine === undefined || mine.lots <= 0) return fresh
  if (mine.level === plan.level && mine.lots === plan.lots) return { ...fresh, keep: mine.id }
  const rest = others(book, own, side)
  const opp = others(opposite, own, side === "buy" ? "sell" : "buy")
  const oppBest = opp.levels[0] ?? -1
  const targetLots = Number(D.divToInt(terms.target, g.step, "ceil"))
  const depth = rest.lots.reduce((a, b) => a + b, 0)
  const sound =
    mine.level >= g.minLevel &&
    mine.level <= g.maxLevel &&
    (oppBest < 0 || (side === "buy" ? mine.level < oppBest : mine.level > oppBest)) &&
    mine.lots <= capOf(maxLots, mine.level) &&
    depth + mine.lots >= targetLots
  if (!sound) return fresh
  if (now - mine.createdAt < s.minRestMs) return { level: mine.level, lots: mine.lots, keep: mine.id }
  const current = evaluate(rest, side, mine.level, mine.lots, terms, g, s)
  const gain = D.mul(D.abs(current.value), s.requoteGain, "ceil")
  if (plan.value > D.add(current.value, gain)) return fresh
  return { level: mine.level, lots: mine.lots, keep: mine.id }
}
