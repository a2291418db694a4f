/**
 * What a backtest adds to the live report: markouts of our fills (the mid 5 s, 60 s and 5 min after each
 * fill, against its price, signed so that positive is good for us) and P&L attributed to spread (fill price
 * against the mid at the fill), inventory drift (the mid at the fill against the final value: the settlement
 * value when the market settled on the tape, else the last mid), fees and rewards. Exact decimals; the parts
 * add up to the total: Σ side × amount × (final − price) − fees + rewards.
 *
 * Memory: a fill waits here only until its longest horizon has passed.
 */
import { Decimal as D } from "@alpha-hunter/core"

export const HORIZONS = [5_000, 60_000, 300_000] as const

interface Pending {
  readonly due: number
  readonly horizon: number
  readonly symbol: string
  readonly sign: 1 | -1
  readonly price: D.Decimal
  readonly amount: D.Decimal
}

export interface MarketPnl {
  spread: D.Decimal
  /** Σ side × amount × mid at fill (closed against the final value at the end) */
  midCost: D.Decimal
  position: D.Decimal
  fees: D.Decimal
  fills: number
  contracts: D.Decimal
  makerContracts: D.Decimal
}

export const emptyPnl = (): MarketPnl => ({
  spread: D.ZERO,
  midCost: D.ZERO,
  position: D.ZERO,
  fees: D.ZERO,
  fills: 0,
  contracts: D.ZERO,
  makerContracts: D.ZERO
})

export interface Markout {
  readonly horizonMs: number
  /** fills measured (a fill whose market had no mid at the horizon is not) */
  readonly fills: number
  readonly contracts: D.Decimal
  /** Σ side × amount × (mid later − price), dollars */
  readonly total: D.Decimal
}

export class Analytics {
  /** per horizon, the fills waiting for it, in due order (fills come in time order: a queue each) */
  private readonly pending: Array<{ items: Array<Pending>; head: number }> = HORIZONS.map(() => ({
    items: [],
    head: 0
  }))
  private readonly sums = HORIZONS.map(() => ({ fills: 0, contracts: D.ZERO, total: D.ZERO }))
  readonly markets = new Map<string, MarketPnl>()

  private market(symbol: string): MarketPnl {
    let m = this.markets.get(symbol)
    if (m === undefined) {
      m = emptyPnl()
      this.markets.set(symbol, m)
    }
    return m
  }

  /** A fill of ours at `now`, with the truth mid then (the price itself when the book has no mid). */
  fill(
    now: number,
    symbol: string,
    side: "buy" | "sell",
    price: D.Decimal,
    amount: D.Decimal,
    fee: D.Decimal,
    role: "maker" | "taker",
    mid: D.Decimal | undefined
  ): void {
    const sign = side === "buy" ? 1 : -1
    const m = this.market(symbol)
    const at = mid ?? price
    const signed = sign === 1 ? amount : D.neg(amount)
    m.spread = D.add(m.spread, D.mul(signed, D.sub(at, price)))
    m.midCost = D.add(m.midCost, D.mul(signed, at))
    m.position = D.add(m.position, signed)
    m.fees = D.add(m.fees, fee)
    m.fills++
    m.contracts = D.add(m.contracts, amount)
    if (role === "maker") m.makerContracts = D.add(m.makerContracts, amount)
    for (let i = 0; i < HORIZONS.length; i++) {
      this.pending[i]!.items.push({ due: now + HORIZONS[i]!, horizon: HORIZONS[i]!, symbol, sign, price, amount })
    }
  }

  /** Measures every markout due before `now` with the current mids (the book as it stood until `now`). */
  measure(now: number, midOf: (symbol: string) => D.Decimal | undefined): void {
    for (let i = 0; i < HORIZONS.length; i++) {
      const q = this.pending[i]!
      const s = this.sums[i]!
      while (q.head < q.items.length && q.items[q.head]!.due < now) {
        const p = q.items[q.head++]!
        const m = midOf(p.symbol)
        if (m === undefined) continue
        s.fills++
        s.contracts = D.add(s.contracts, p.amount)
        const edge = D.mul(p.amount, D.sub(m, p.price))
        s.total = D.add(s.total, p.sign === 1 ? edge : D.neg(edge))
      }
      // drop what was measured (amortized)
      if (q.head > 1024 && q.head * 2 > q.items.length) {
        q.items = q.items.slice(q.head)
        q.head = 0
      }
    }
  }

  markouts(): ReadonlyArray<Markout> {
    return HORIZONS.map((h, i) => ({ horizonMs: h, ...this.sums[i]! }))
  }
}

export interface Attribution {
  readonly spread: D.Decimal
  readonly inventory: D.Decimal
  readonly fees: D.Decimal
  readonly rewards: D.Decimal
  readonly total: D.Decimal
}

/** The parts of one market's P&L, with `final` its settlement value or last mid. */
export const attribute = (m: MarketPnl, final: D.Decimal, rewards: D.Decimal = D.ZERO): Attribution => {
  const inventory = D.sub(D.mul(m.position, final), m.midCost)
  const fees = D.neg(m.fees)
  return { spread: m.spread, inventory, fees, rewards, total: D.add(D.add(D.add(m.spread, inventory), fees), rewards) }
}
