/**
 * The qualification report, computed from the journal alone (so it works after the fact, offline):
 * resting orders placed, liquidity provided (time-weighted resting notional), average spread improvement,
 * maker fill rate, maker/taker ratio, 30-day volume, fees, P&L, and an estimate of the Liquidity Incentive
 * Program score per market (Kalshi's rules, REFERENCE §11.2: whole levels down to the target size, the
 * reference level at one fifth of it, discount factor per tick below the reference, normalised per side).
 *
 * Notional of a binary contract order: a bid at p ties up p per contract, an ask at p ties up 1 − p.
 */
import { Decimal as D } from "@alpha-hunter/core"
import type { Entry } from "./Journal.js"

export interface MarketReport {
  readonly venue: string
  readonly symbol: string
  readonly ordersPlaced: number
  readonly contractsPlaced: D.Decimal
  /** time-weighted average resting notional over the window, in dollars */
  readonly restingNotional: D.Decimal
  /** resting notional × time, in dollar-hours */
  readonly liquidityDollarHours: D.Decimal
  readonly avgImprovementTicks: number | undefined
  readonly avgImprovement: D.Decimal | undefined
  readonly makerContracts: D.Decimal
  readonly takerContracts: D.Decimal
  readonly volume30d: D.Decimal
  readonly volume30dDollars: D.Decimal
  readonly fees: D.Decimal
  readonly position: D.Decimal
  readonly pnl: D.Decimal
  /** mean of our per-snapshot LIP share (0..2) over qualifying samples, undefined without samples */
  readonly lipScore: number | undefined
  readonly lipSamples: number
}

export interface Report {
  readonly from: number
  readonly to: number
  readonly markets: ReadonlyArray<MarketReport>
  readonly totals: {
    readonly ordersPlaced: number
    readonly restingNotional: D.Decimal
    readonly liquidityDollarHours: D.Decimal
    readonly avgImprovementTicks: number | undefined
    readonly avgImprovement: D.Decimal | undefined
    /** maker-filled contracts ÷ contracts placed */
    readonly makerFillRate: number | undefined
    /** maker contracts ÷ taker contracts (undefined when no taker volume) */
    readonly makerTakerRatio: number | undefined
    readonly makerContracts: D.Decimal
    readonly takerContracts: D.Decimal
    readonly volume30d: D.Decimal
    readonly volume30dDollars: D.Decimal
    readonly fees: D.Decimal
    readonly pnl: D.Decimal
    readonly desyncs: number
    readonly halts: number
    /** trading resumed (by a person, or by healing after a desync) */
    readonly resumes: number
  }
  /** every desync, halt and resume in the window, in order, with its venue and time (epoch ms) */
  readonly health: ReadonlyArray<{
    readonly kind: "desync" | "halt" | "resume"
    readonly venue: string
    readonly at: number
  }>
}

export interface ReportOptions {
  /** epoch ms; entries before are ignored */
  readonly since?: number
  /** epoch ms; end of the window (default: last entry) */
  readonly now?: number
  /** LIP target size in contracts (default 100) */
  readonly lipTargetSize?: D.Decimal
  /** LIP discount factor per tick (default 0.5) */
  readonly lipDiscount?: number
}

const DAY = 86_400_000
const HOUR = 3_600_000

const dec = (u: unknown): D.Decimal | undefined => {
  if (typeof u !== "string") return undefined
  const r = D.parse(u)
  return r._tag === "Right" ? r.right : undefined
}

interface Resting {
  side: string
  price: D.Decimal
  remaining: D.Decimal
  since: number
}

interface Acc {
  venue: string
  symbol: string
  ordersPlaced: number
  contractsPlaced: D.Decimal
  notionalMs: D.Decimal
  impTicks: Array<number>
  imp: Array<D.Decimal>
  maker: D.Decimal
  taker: D.Decimal
  vol30: D.Decimal
  vol30d: D.Decimal
  fees: D.Decimal
  cash: D.Decimal
  position: D.Decimal
  mark: D.Decimal | undefined
  lipSum: number
  lipSamples: number
}

const notionalOf = (side: string, price: D.Decimal, amount: D.Decimal) =>
  D.mul(side === "buy" ? price : D.sub(D.ONE, price), amount)

/** Our share of one side's LIP score in one snapshot (0..1), or undefined if the side does not qualify. */
export const lipSideShare = (
  levels: ReadonlyArray<readonly [D.Decimal, D.Decimal, D.Decimal]>, // [distance in ticks from best as Decimal int, total, ours], best first
  target: D.Decimal,
  discount: number
): number | undefined => {
  let cum = D.ZERO
  let refIndex = -1
  const fifth = D.div(target, D.int(5))
  const qualifying: Array<readonly [D.Decimal, D.Decimal, D.Decimal]> = []
  for (let i = 0; i < levels.length; i++) {
    const lv = levels[i]!
    qualifying.push(lv)
    cum = D.add(cum, lv[1])
    if (refIndex < 0 && cum >= fifth) refIndex = i
    if (cum >= target) break
  }
  if (cum < target || refIndex < 0) return undefined
  const ref = Number(D.format(qualifying[refIndex]![0]))
  let total = 0
  let ours = 0
  for (const [dist, size, mine] of qualifying) {
    const below = Math.max(0, Number(D.format(dist)) - ref)
    const w = discount ** below
    total += w * Number(D.format(size))
    ours += w * Number(D.format(mine))
  }
  return total > 0 ? ours / total : undefined
}

export const compute = (entries: ReadonlyArray<Entry>, options: ReportOptions = {}): Report => {
  const since = options.since ?? 0
  const inWindow = entries.filter((e) => e.ts >= since)
  const to = options.now ?? inWindow[inWindow.length - 1]?.ts ?? since
  const from = inWindow[0]?.ts ?? since
  const target = options.lipTargetSize ?? D.int(100)
  const discount = options.lipDiscount ?? 0.5
  const markets = new Map<string, Acc>()
  const acc = (venue: string, symbol: string): Acc => {
    const k = `${venue}\u0000${symbol}`
    let a = markets.get(k)
    if (a === undefined) {
      a = {
        venue,
        symbol,
        ordersPlaced: 0,
        contractsPlaced: D.ZERO,
        notionalMs: D.ZERO,
        impTicks: [],
        imp: [],
        maker: D.ZERO,
        taker: D.ZERO,
        vol30: D.ZERO,
        vol30d: D.ZERO,
        fees: D.ZERO,
        cash: D.ZERO,
        position: D.ZERO,
        mark: undefined,
        lipSum: 0,
        lipSamples: 0
      }
      markets.set(k, a)
    }
    return a
  }
  const resting = new Map<string, Resting & { acc: Acc }>()
  const close = (key: string, at: number) => {
    const r = resting.get(key)
    if (r === undefined) return
    const ms = Math.max(0, Math.min(at, to) - Math.max(r.since, from))
    r.acc.notionalMs = D.add(r.acc.notionalMs, D.mulInt(notionalOf(r.side, r.price, r.remaining), ms))
    resting.delete(key)
  }
  const open = (key: string, a: Acc, side: string, price: D.Decimal, remaining: D.Decimal, at: number) => {
    close(key, at)
    if (remaining > 0n) resting.set(key, { acc: a, side, price, remaining, since: at })
  }
  let desyncs = 0
  let halts = 0
  let resumes = 0
  const health: Array<{ readonly kind: "desync" | "halt" | "resume"; readonly venue: string; readonly at: number }> = []

  for (const e of inWindow) {
    if (e.kind === "desync") desyncs++
    if (e.kind === "halt") halts++
    if (e.kind === "resume") resumes++
    if (e.kind === "desync" || e.kind === "halt" || e.kind === "resume") {
      health.push({ kind: e.kind, venue: e.venue, at: e.ts })
    }
    if (e.symbol === undefined) continue
    const a = acc(e.venue, e.symbol)
    const key = `${e.venue}\u0000${e.clientOrderId ?? e.orderId ?? ""}`
    const d = e.data
    switch (e.kind) {
      case "request": {
        if (d["op"] !== "create") break
        const amount = dec(d["amount"])
        if (amount !== undefined) a.contractsPlaced = D.add(a.contractsPlaced, amount)
        if (typeof d["improvementTicks"] === "number") a.impTicks.push(d["improvementTicks"])
        const imp = dec(d["improvement"])
        if (imp !== undefined) a.imp.push(imp)
        break
      }
      case "ack":
      case "update":
      case "reconcile":
      case "resolved": {
        if (e.kind === "ack" && d["op"] !== "amend") a.ordersPlaced++
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
        const fee = dec(d["fee"]) ?? D.ZERO
        const buy = d["side"] === "buy"
        if (d["takerOrMaker"] === "taker") a.taker = D.add(a.taker, amount)
        else a.maker = D.add(a.maker, amount)
        if (e.ts >= to - 30 * DAY) {
          a.vol30 = D.add(a.vol30, amount)
          a.vol30d = D.add(a.vol30d, D.mul(price, amount))
        }
        a.fees = D.add(a.fees, fee)
        a.cash = D.add(a.cash, buy ? D.neg(D.mul(price, amount)) : D.mul(price, amount))
        a.position = D.add(a.position, buy ? amount : D.neg(amount))
        a.mark = price
        const r = resting.get(key)
        if (r !== undefined) open(key, a, r.side, r.price, D.max(D.ZERO, D.sub(r.remaining, amount)), e.ts)
        break
      }
      case "sample": {
        const mid = dec(d["mid"])
        if (mid !== undefined) a.mark = mid
        const side = (k: string) =>
          ((d[k] as ReadonlyArray<readonly [string, string, string]> | undefined) ?? []).map(
            ([dist, size, ours]) => [D.d(dist), D.d(size), D.d(ours)] as const
          )
        if (d["open"] === false) break
        const yes = lipSideShare(side("bids"), target, discount)
        const no = lipSideShare(side("asks"), target, discount)
        // a snapshot counts only when both sides have the target size resting
        if (yes !== undefined && no !== undefined) {
          a.lipSum += yes + no
          a.lipSamples++
        }
        break
      }
      default:
        break
    }
  }
  for (const k of [...resting.keys()]) close(k, to)

  const windowMs = Math.max(1, to - from)
  const rows: Array<MarketReport> = [...markets.values()]
    .filter((a) => a.ordersPlaced > 0 || a.maker > 0n || a.taker > 0n || a.lipSamples > 0)
    .map((a) => ({
      venue: a.venue,
      symbol: a.symbol,
      ordersPlaced: a.ordersPlaced,
      contractsPlaced: a.contractsPlaced,
      restingNotional: D.div(a.notionalMs, D.int(windowMs)),
      liquidityDollarHours: D.div(a.notionalMs, D.int(HOUR)),
      avgImprovementTicks: a.impTicks.length ? a.impTicks.reduce((x, y) => x + y, 0) / a.impTicks.length : undefined,
      avgImprovement: a.imp.length ? D.div(D.sum(a.imp), D.int(a.imp.length)) : undefined,
      makerContracts: a.maker,
      takerContracts: a.taker,
      volume30d: a.vol30,
      volume30dDollars: a.vol30d,
      fees: a.fees,
      position: a.position,
      pnl: D.sub(D.add(a.cash, a.mark === undefined ? D.ZERO : D.mul(a.position, a.mark)), a.fees),
      lipScore: a.lipSamples > 0 ? a.lipSum / a.lipSamples : undefined,
      lipSamples: a.lipSamples
    }))
    .sort((x, y) => (x.venue + x.symbol < y.venue + y.symbol ? -1 : 1))
  const all = [...markets.values()]
  const impTicks = all.flatMap((a) => a.impTicks)
  const imp = all.flatMap((a) => a.imp)
  const maker = D.sum(rows.map((r) => r.makerContracts))
  const taker = D.sum(rows.map((r) => r.takerContracts))
  const placed = D.sum(all.map((a) => a.contractsPlaced))
  const ratio = (x: D.Decimal, y: D.Decimal) => (y > 0n ? D.toNumberLossy(D.div(x, y)) : undefined)
  return {
    from,
    to,
    markets: rows,
    totals: {
      ordersPlaced: rows.reduce((s, r) => s + r.ordersPlaced, 0),
      restingNotional: D.sum(rows.map((r) => r.restingNotional)),
      liquidityDollarHours: D.sum(rows.map((r) => r.liquidityDollarHours)),
      avgImprovementTicks: impTicks.length ? impTicks.reduce((x, y) => x + y, 0) / impTicks.length : undefined,
      avgImprovement: imp.length ? D.div(D.sum(imp), D.int(imp.length)) : undefined,
      makerFillRate: ratio(maker, placed),
      makerTakerRatio: ratio(maker, taker),
      makerContracts: maker,
      takerContracts: taker,
      volume30d: D.sum(rows.map((r) => r.volume30d)),
      volume30dDollars: D.sum(rows.map((r) => r.volume30dDollars)),
      fees: D.sum(rows.map((r) => r.fees)),
      pnl: D.sum(rows.map((r) => r.pnl)),
      desyncs,
      halts,
      resumes
    },
    health
  }
}

const money = (x: D.Decimal, places = 4) =>
  `${x < 0n ? "-" : ""}$${D.format(D.abs(D.round(x, places, "half-even")), places)}`
const num = (x: number | undefined, places = 2) => (x === undefined ? "—" : x.toFixed(places))

/** A plain-text table for the terminal. */
export const formatTable = (r: Report): string => {
  const head = [
    "venue",
    "market",
    "orders",
    "resting $",
    "$·h",
    "impr. ticks",
    "maker",
    "taker",
    "vol 30d",
    "fees",
    "P&L",
    "LIP"
  ]
  const rows = r.markets.map((m) => [
    m.venue,
    m.symbol,
    String(m.ordersPlaced),
    money(m.restingNotional, 2),
    D.format(D.round(m.liquidityDollarHours, 4, "half-even")),
    num(m.avgImprovementTicks),
    D.format(m.makerContracts),
    D.format(m.takerContracts),
    D.format(m.volume30d),
    money(m.fees),
    money(m.pnl),
    m.lipScore === undefined ? "—" : `${m.lipScore.toFixed(3)} (${m.lipSamples})`
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ")
  const t = r.totals
  const summary = [
    `window: ${new Date(r.from).toISOString()} → ${new Date(r.to).toISOString()}`,
    `resting orders placed: ${t.ordersPlaced}`,
    `liquidity provided: ${money(t.restingNotional, 2)} time-weighted resting notional (${D.format(D.round(t.liquidityDollarHours, 4, "half-even"))} $·h)`,
    `average spread improvement: ${num(t.avgImprovementTicks)} ticks${t.avgImprovement === undefined ? "" : ` (${money(t.avgImprovement)})`}`,
    `maker fill rate: ${t.makerFillRate === undefined ? "—" : `${(t.makerFillRate * 100).toFixed(2)} %`}`,
    `maker/taker: ${D.format(t.makerContracts)} / ${D.format(t.takerContracts)} contracts${t.makerTakerRatio === undefined ? "" : ` (ratio ${t.makerTakerRatio.toFixed(2)})`}`,
    `volume (30 days): ${D.format(t.volume30d)} contracts, ${money(t.volume30dDollars, 2)}`,
    `fees paid: ${money(t.fees)}`,
    `P&L (marked): ${money(t.pnl)}`,
    `desyncs: ${t.desyncs}, halts: ${t.halts}, resumes: ${t.resumes}`,
    ...r.health.map((h) => `  ${new Date(h.at).toISOString()} ${h.venue} ${h.kind}`)
  ]
  return [...summary, "", line(head), ...rows.map(line)].join("\n")
}

const jsonValue = (v: unknown): unknown => (typeof v === "bigint" ? D.format(v as D.Decimal) : v)

export const formatJson = (r: Report): string => JSON.stringify(r, (_k, v) => jsonValue(v), 2)

export const formatCsv = (r: Report): string => {
  const cols: ReadonlyArray<keyof MarketReport> = [
    "venue",
    "symbol",
    "ordersPlaced",
    "contractsPlaced",
    "restingNotional",
    "liquidityDollarHours",
    "avgImprovementTicks",
    "avgImprovement",
    "makerContracts",
    "takerContracts",
    "volume30d",
    "volume30dDollars",
    "fees",
    "position",
    "pnl",
    "lipScore",
    "lipSamples"
  ]
  const cell = (v: unknown) => {
    const s = v === undefined ? "" : String(jsonValue(v))
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  return [cols.join(","), ...r.markets.map((m) => cols.map((c) => cell(m[c])).join(","))].join("\n")
}
