/**
 * The time series behind the HTML report's charts, read from the journal alone: per market and per time
 * bucket, our time-weighted resting notional, maker and taker contracts filled, the position and the P&L
 * (fills' cash + position marked at the last mid or fill price − fees) at the bucket's end, the mid, and the
 * mean LIP snapshot score of the sampler's snapshots; per UTC day, the same totals.
 *
 * Money is exact: every dollar figure is a Decimal, formatted as a string for the page.
 */
import { Decimal as D, Lip } from "@alpha-hunter/core"
import type { Entry } from "./Journal.js"

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
  /** mean LIP snapshot score (0..2) of the bucket's included snapshots */
  readonly lip: ReadonlyArray<number | null>
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
  readonly lip: number | null
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
  readonly lipSum: Array<number>
  readonly lipN: Array<number>
  cash: D.Decimal
  fees: D.Decimal
  net: D.Decimal
  mark: D.Decimal | undefined
}

/** The LIP snapshot score of one sample (`bids`/`asks` as [distance in ticks, size, ours]); undefined if excluded. */
const sampleScore = (data: Record<string, unknown>, target: D.Decimal): number | undefined => {
  const side = (k: string): Lip.Side => {
    const raw = data[k]
    const levels = (Array.isArray(raw) ? raw : []).flatMap((l): Array<Lip.Level> => {
      if (!Array.isArray(l) || l.length < 3) return []
      const [dist, size, ours] = [Number(l[0]), dec(l[1]), dec(l[2])]
      if (!Number.isInteger(dist) || size === undefined || ours === undefined) return []
      const others = D.max(D.ZERO, D.sub(size, ours))
      const orders = [
        ...(others > 0n ? [{ size: others, ours: false }] : []),
        ...(ours > 0n ? [{ size: ours, ours: true }] : [])
      ]
      return [{ tick: 1_000_000 - dist, orders }]
    })
    return { levels, topTick: 2_000_000 }
  }
  const s = Lip.scoreSnapshot(
    { open: data["open"] !== false, yes: side("bids"), no: side("asks") },
    { targetSize: target, discountFactor: D.d("0.5") }
  )
  return s.included ? D.toNumberLossy(s.score) : undefined
}

export interface SeriesOptions {
  readonly since?: number
  readonly now?: number
  readonly lipTargetSize?: D.Decimal
  readonly bucketMs?: number
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
  const target = options.lipTargetSize ?? D.int(100)
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
        lipSum: new Array(n).fill(0),
        lipN: new Array(n).fill(0),
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
        const score = sampleScore(d, target)
        if (score !== undefined) {
          const b = bucketOf(e.ts)
          a.lipSum[b] = a.lipSum[b]! + score
          a.lipN[b] = a.lipN[b]! + 1
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
    lip: a.lipSum.map((s, i) => (a.lipN[i]! > 0 ? s / a.lipN[i]! : null))
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
      lipSum: number
      lipN: number
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
      lipSum: 0,
      lipN: 0,
      last: []
    }
    for (const a of rows) {
      x.ms = D.add(x.ms, a.notionalMs[b]!)
      x.maker = D.add(x.maker, a.maker[b]!)
      x.taker = D.add(x.taker, a.taker[b]!)
      x.lipSum += a.lipSum[b]!
      x.lipN += a.lipN[b]!
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
      lip: x.lipN > 0 ? x.lipSum / x.lipN : null,
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
