/**
 * The time series behind the HTML report's charts, read from the journal alone: per market and per time
 * bucket, our time-weighted resting notional, maker and taker contracts filled, the position and the P&L
 * (fills' cash + position marked at the last mid or fill price − fees) at the bucket's end, the mid; and the
 * incentive programs from the sampler's minute aggregates (`sample` entries, `LipSample`), each minute in the
 * bucket (and day) where it starts, as the report counts them: our LIP score of the bucket against the
 * market's own program, and the reward projected so far over the window — whose last point is the report's
 * projected reward of the market's programs (`lipPrograms`). Per UTC day, the same totals, with the day's
 * projected reward as the report's day rows (`lip`) add it up.
 *
 * Money is exact: every dollar figure is a Decimal, formatted as a string for the page.
 */
import { Decimal as D, Lip } from "@alpha-hunter/core"
import type { Entry } from "./Journal.js"
import * as LipSample from "./LipSample.js"
import { type LipDayRow, lipSection } from "./ReportLip.js"

export interface MarketSeries {
  readonly venue: string
  readonly symbol: string
  /** dollars, time-weighted average over the bucket, 2 decimals */
  readonly resting: ReadonlyArray<string>
  /** contracts filled in the bucket */
  readonly maker: ReadonlyArray<string>
  readonly taker: ReadonlyArray<string>
  /** contracts at the bucket's end */
  readonly position: ReadonlyArray<string>
  /** dollars at the bucket's end, 4 decimals */
  readonly pnl: ReadonlyArray<string>
  /** the last mid (or fill price) seen by the bucket's end, dollars */
  readonly mid: ReadonlyArray<string | null>
  /**
   * our LIP score of the bucket (0..1, 4 decimals): our summed snapshot scores ÷ everyone's over the minutes
   * starting in it, for the market's (first) program; null: no sampled minute with a program
   */
  readonly lip: ReadonlyArray<string | null>
  /**
   * the reward projected so far, dollars: the market's programs over the window's minutes up to the bucket's
   * end, each rounded down to the cent, added up; null before the first minute with a program
   */
  readonly lipReward: ReadonlyArray<string | null>
}

export interface DaySeries {
  /** UTC day, YYYY-MM-DD */
  readonly day: string
  readonly dollarHours: string
  readonly maker: string
  readonly taker: string
  readonly volume: string
  readonly fees: string
  /** the P&L made that day (end of day − start of day), dollars */
  readonly pnl: string
  /** the day's projected LIP reward, dollars: the report's day rows (per program and market) added up */
  readonly lipProjected: string
  /** share of the day's sampled snapshots with our qualifying quotes on both sides (all markets); null: none */
  readonly lipCoverage: number | null
  readonly desyncs: number
  readonly halts: number
}

export interface Series {
  readonly from: number
  readonly to: number
  readonly bucketMs: number
  /** each bucket's start, epoch ms */
  readonly t: ReadonlyArray<number>
  readonly markets: ReadonlyArray<MarketSeries>
  readonly days: ReadonlyArray<DaySeries>
}

const DAY = 86_400_000
const HOUR = 3_600_000
const NICE = [10_000, 30_000, 60_000, 300_000, 900_000, 1_800_000, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY]

/** A bucket size that keeps a chart under ~400 points. */
export const bucketFor = (windowMs: number) => NICE.find((b) => windowMs / b <= 400) ?? DAY

const dec = (u: unknown): D.Decimal | undefined => {
  if (typeof u !== "string") return undefined
  const r = D.parse(u)
  return r._tag === "Right" ? r.right : undefined
}

interface Acc {
  readonly venue: string
  readonly symbol: string
  readonly notionalMs: Array<D.Decimal>
  readonly maker: Array<D.Decimal>
  readonly taker: Array<D.Decimal>
  readonly position: Array<D.Decimal | undefined>
  readonly pnl: Array<D.Decimal | undefined>
  readonly mid: Array<D.Decimal | undefined>
  /** the sampler's minutes starting in each bucket, added up */
  readonly lip: Array<LipSample.MarketTally | undefined>
  cash: D.Decimal
  fees: D.Decimal
  net: D.Decimal
  mark: D.Decimal | undefined
}

const CENT = D.d("0.01")

/** The bucket's score against the market's (first) program: our summed snapshot scores ÷ everyone's. */
const bucketScore = (t: LipSample.MarketTally | undefined): string | null => {
  const p = t?.programs[0]
  return p === undefined ? null : D.format(D.round(Lip.project(p.period, D.ZERO).periodScore, 4, "half-even"))
}

/**
 * The reward projected at each bucket's end over the window so far: each program's minutes up to then added
 * up (exactly, `LipSample.combine`), its reward rounded down to the cent (`LipSample.accruedReward`), summed.
 */
const rewardSoFar = (buckets: ReadonlyArray<LipSample.MarketTally | undefined>): Array<string | null> => {
  let running = LipSample.emptyTally
  let last: string | null = null
  return buckets.map((t) => {
    if (t !== undefined && t.programs.length > 0) {
      running = LipSample.combine(running, { ...LipSample.emptyTally, programs: t.programs })
      const reward = D.sum(running.programs.map((p) => D.roundToStep(LipSample.accruedReward(p), CENT, "floor")))
      last = D.format(reward, 2)
    }
    return last
  })
}

export interface SeriesOptions {
  readonly since?: number
  readonly now?: number
  readonly bucketMs?: number
  /** the report's day rows (`Report.lip`) when already computed over the same window (else computed here) */
  readonly lipRows?: ReadonlyArray<LipDayRow>
}

export const compute = (entries: ReadonlyArray<Entry>, options: SeriesOptions = {}): Series => {
  const since = options.since ?? 0
  const inWindow = entries.filter((e) => e.ts >= since)
  if (inWindow.length === 0)
    return { from: since, to: options.now ?? since, bucketMs: 60_000, t: [], markets: [], days: [] }
  const from = inWindow[0]?.ts ?? since
  const to = Math.max(from + 1, options.now ?? inWindow[inWindow.length - 1]?.ts ?? from)
  const bucketMs = options.bucketMs ?? bucketFor(to - from)
  const start = from - (from % bucketMs)
  const n = Math.max(1, Math.ceil((to - start) / bucketMs))
  const bucketOf = (ts: number) => Math.min(n - 1, Math.max(0, Math.floor((ts - start) / bucketMs)))
  const markets = new Map<string, Acc>()
  const acc = (venue: string, symbol: string): Acc => {
    const k = `${venue}\u0000${symbol}`
    let a = markets.get(k)
    if (a === undefined) {
      a = {
        venue,
        symbol,
        notionalMs: Array.from({ length: n }, () => D.ZERO),
        maker: Array.from({ length: n }, () => D.ZERO),
        taker: Array.from({ length: n }, () => D.ZERO),
        position: new Array(n).fill(undefined),
        pnl: new Array(n).fill(undefined),
        mid: new Array(n).fill(undefined),
        lip: new Array(n).fill(undefined),
        cash: D.ZERO,
        fees: D.ZERO,
        net: D.ZERO,
        mark: undefined
      }
      markets.set(k, a)
    }
    return a
  }
  // resting orders: notional × time, split over the buckets each one spans
  const resting = new Map<string, { acc: Acc; side: string; price: D.Decimal; remaining: D.Decimal; since: number }>()
  const close = (key: string, at: number) => {
    const r = resting.get(key)
    if (r === undefined) return
    resting.delete(key)
    const notional = D.mul(r.side === "buy" ? r.price : D.sub(D.ONE, r.price), r.remaining)
    const end = Math.min(at, to)
    for (let t = Math.max(r.since, from); t < end; ) {
      const b = bucketOf(t)
      const bucketEnd = Math.min(end, start + (b + 1) * bucketMs)
      r.acc.notionalMs[b] = D.add(r.acc.notionalMs[b]!, D.mulInt(notional, bucketEnd - t))
      t = bucketEnd
    }
  }
  const open = (key: string, a: Acc, side: string, price: D.Decimal, remaining: D.Decimal, at: number) => {
    close(key, at)
    if (remaining > 0n) resting.set(key, { acc: a, side, price, remaining, since: at })
  }
  const mark = (a: Acc, ts: number) => {
    const b = bucketOf(ts)
    a.position[b] = a.net
    a.pnl[b] = D.sub(D.add(a.cash, a.mark === undefined ? D.ZERO : D.mul(a.net, a.mark)), a.fees)
    a.mid[b] = a.mark
  }
  const dayHealth = new Map<string, { desyncs: number; halts: number }>()
  const dayOf = (ts: number) => new Date(ts - (ts % DAY)).toISOString().slice(0, 10)

  for (const e of inWindow) {
    if (e.kind === "desync" || e.kind === "halt") {
      const h = dayHealth.get(dayOf(e.ts)) ?? { desyncs: 0, halts: 0 }
      if (e.kind === "desync") h.desyncs++
      else h.halts++
      dayHealth.set(dayOf(e.ts), h)
    }
    if (e.symbol === undefined) continue
    const a = acc(e.venue, e.symbol)
    const key = `${e.venue}\u0000${e.clientOrderId ?? e.orderId ?? ""}`
    const d = e.data
    switch (e.kind) {
      case "ack":
      case "update":
      case "reconcile":
      case "resolved": {
        const status = d["status"]
        const price = dec(d["price"]) ?? resting.get(key)?.price
        const side = typeof d["side"] === "string" ? d["side"] : resting.get(key)?.side
        const amount = dec(d["amount"])
        const filled = dec(d["filled"]) ?? D.ZERO
        const remaining = dec(d["remaining"]) ?? (amount !== undefined ? D.sub(amount, filled) : undefined)
        if (status === "open" && price !== undefined && side !== undefined && remaining !== undefined) {
          open(key, a, side, price, remaining, e.ts)
        } else if (status !== "open" && status !== undefined) close(key, e.ts)
        break
      }
      case "cancel":
        close(key, e.ts)
        break
      case "fill": {
        const price = dec(d["price"])
        const amount = dec(d["amount"])
        if (price === undefined || amount === undefined) break
        const b = bucketOf(e.ts)
        const buy = d["side"] === "buy"
        if (d["takerOrMaker"] === "taker") a.taker[b] = D.add(a.taker[b]!, amount)
        else a.maker[b] = D.add(a.maker[b]!, amount)
        a.fees = D.add(a.fees, dec(d["fee"]) ?? D.ZERO)
        a.cash = D.add(a.cash, buy ? D.neg(D.mul(price, amount)) : D.mul(price, amount))
        a.net = D.add(a.net, buy ? amount : D.neg(amount))
        a.mark = price
        const r = resting.get(key)
        if (r !== undefined) open(key, a, r.side, r.price, D.max(D.ZERO, D.sub(r.remaining, amount)), e.ts)
        mark(a, e.ts)
        break
      }
      case "sample": {
        const mid = dec(d["mid"])
        if (mid !== undefined) a.mark = mid
        // a minute's aggregate counts in the bucket where the minute starts (the report's day rule)
        const t = LipSample.decode(d)
        if (t !== undefined) {
          const b = bucketOf(typeof d["from"] === "number" ? d["from"] : e.ts)
          a.lip[b] = LipSample.combine(a.lip[b] ?? LipSample.emptyTally, t)
        }
        mark(a, e.ts)
        break
      }
      default:
        break
    }
  }
  for (const k of [...resting.keys()]) close(k, to)

  const rows = [...markets.values()]
    .filter((a) => a.notionalMs.some((x) => x > 0n) || a.maker.some((x) => x > 0n) || a.taker.some((x) => x > 0n))
    .sort((x, y) => (x.venue + x.symbol < y.venue + y.symbol ? -1 : 1))
  const r2 = (x: D.Decimal) => D.format(D.round(x, 2, "half-even"), 2)
  const r4 = (x: D.Decimal) => D.format(D.round(x, 4, "half-even"), 4)
  // a value at a bucket's end carries forward until the next one that changes it
  const carry = <A>(xs: ReadonlyArray<A | undefined>, initial: A): Array<A> => {
    let last = initial
    return xs.map((x) => {
      if (x !== undefined) last = x
      return last
    })
  }
  const out: Array<MarketSeries> = rows.map((a) => ({
    venue: a.venue,
    symbol: a.symbol,
    resting: a.notionalMs.map((x) => r2(D.div(x, D.int(bucketMs)))),
    maker: a.maker.map((x) => D.format(x)),
    taker: a.taker.map((x) => D.format(x)),
    position: carry(a.position, D.ZERO).map((x) => D.format(x)),
    pnl: carry(a.pnl, D.ZERO).map(r4),
    mid: carry<D.Decimal | undefined>(a.mid, undefined).map((x) => (x === undefined ? null : D.format(x))),
    lip: a.lip.map(bucketScore),
    lipReward: rewardSoFar(a.lip)
  }))

  // per UTC day, over every market
  const days = new Map<
    string,
    {
      ms: D.Decimal
      maker: D.Decimal
      taker: D.Decimal
      volume: D.Decimal
      fees: D.Decimal
      snapshots: number
      covered: number
      last: Array<number>
    }
  >()
  for (let b = 0; b < n; b++) {
    const day = dayOf(start + b * bucketMs)
    const x = days.get(day) ?? {
      ms: D.ZERO,
      maker: D.ZERO,
      taker: D.ZERO,
      volume: D.ZERO,
      fees: D.ZERO,
      snapshots: 0,
      covered: 0,
      last: []
    }
    for (const a of rows) {
      x.ms = D.add(x.ms, a.notionalMs[b]!)
      x.maker = D.add(x.maker, a.maker[b]!)
      x.taker = D.add(x.taker, a.taker[b]!)
    }
    // coverage over every sampled market (with or without orders or fills)
    for (const a of markets.values()) {
      x.snapshots += a.lip[b]?.snapshots ?? 0
      x.covered += a.lip[b]?.coveredBoth ?? 0
    }
    x.last.push(b)
    days.set(day, x)
  }
  // volume, fees and P&L by day come from the fills themselves
  const dayFills = new Map<string, { volume: D.Decimal; fees: D.Decimal }>()
  for (const e of inWindow) {
    if (e.kind !== "fill" || e.symbol === undefined) continue
    const price = dec(e.data["price"])
    const amount = dec(e.data["amount"])
    if (price === undefined || amount === undefined) continue
    const f = dayFills.get(dayOf(e.ts)) ?? { volume: D.ZERO, fees: D.ZERO }
    f.volume = D.add(f.volume, D.mul(price, amount))
    f.fees = D.add(f.fees, dec(e.data["fee"]) ?? D.ZERO)
    dayFills.set(dayOf(e.ts), f)
  }
  // the day's projected reward: the report's own day rows (per program and market), added up
  const dayReward = new Map<string, D.Decimal>()
  for (const row of options.lipRows ?? lipSection(inWindow, from, to).rows) {
    dayReward.set(row.day, D.add(dayReward.get(row.day) ?? D.ZERO, row.projectedReward))
  }
  const pnlAt = (b: number) => D.sum(out.map((m) => D.d(m.pnl[b]!)))
  let previousPnl = D.ZERO
  const daySeries: Array<DaySeries> = [...days.entries()].map(([day, x]) => {
    const endPnl = pnlAt(x.last[x.last.length - 1]!)
    const made = D.sub(endPnl, previousPnl)
    previousPnl = endPnl
    const f = dayFills.get(day)
    return {
      day,
      dollarHours: D.format(D.round(D.div(x.ms, D.int(HOUR)), 4, "half-even")),
      maker: D.format(x.maker),
      taker: D.format(x.taker),
      volume: r2(f?.volume ?? D.ZERO),
      fees: r4(f?.fees ?? D.ZERO),
      pnl: r4(made),
      lipProjected: D.format(dayReward.get(day) ?? D.ZERO, 2),
      lipCoverage: x.snapshots > 0 ? x.covered / x.snapshots : null,
      desyncs: dayHealth.get(day)?.desyncs ?? 0,
      halts: dayHealth.get(day)?.halts ?? 0
    }
  })
  return {
    from,
    to,
    bucketMs,
    t: Array.from({ length: n }, (_, i) => start + i * bucketMs),
    markets: out,
    days: daySeries
  }
}
