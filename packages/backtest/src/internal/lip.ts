/**
 * Liquidity programs on the tape, scored as Kalshi scores them (`Lip`): one period per liquidity program of
 * a replayed market, a snapshot of the recorded book plus our resting orders every `lipSampleMs`.
 */
import { Decimal as D, Incentive, Lip } from "@alpha-hunter/core"
import type * as B from "./book.js"

export interface LipResult {
  readonly program: Incentive.IncentiveProgram
  readonly snapshots: number
  readonly periodScore: D.Decimal
  /** the period's reward if the whole period looked like the replay (`Lip.project`) */
  readonly projectedPeriod: D.Decimal
  /** the part of it the replayed span earns: projected × sampled time ÷ the program's length */
  readonly earned: D.Decimal
}

const HALF = D.d("0.5")

/** One side of the book with our open lots on it, ascending levels, as Decimal (price, size) pairs. */
const sideOf = (b: B.MarketBook, arr: Float64Array, buy: boolean) => {
  let mine: Float64Array | undefined
  for (const o of b.orders) {
    if (o.status !== "open" || (o.side === "buy") !== buy) continue
    mine ??= new Float64Array(arr.length)
    mine[o.level] = mine[o.level]! + o.amountLots - o.filledLots
  }
  const out: Array<readonly [D.Decimal, D.Decimal]> = []
  for (let l = 0; l < arr.length; l++) {
    const lots = mine === undefined ? arr[l]! : arr[l]! + mine[l]!
    if (lots > 0) out.push([b.grid.priceAt(l), D.mulInt(b.lotStep, lots)])
  }
  return out
}

export class LipScorer {
  private readonly programs: ReadonlyArray<Incentive.IncentiveProgram>
  private readonly periods: Map<string, Lip.Period>
  /** when the next snapshot is due */
  next: number

  constructor(
    programs: ReadonlyArray<Incentive.IncentiveProgram>,
    private readonly books: ReadonlyMap<string, B.MarketBook>,
    private readonly every: number,
    startMs: number
  ) {
    this.programs = programs.filter(
      (p) => p.kind === "liquidity" && p.targetSize !== undefined && books.has(p.symbol) && every > 0
    )
    this.periods = new Map(this.programs.map((p) => [p.id, Lip.emptyPeriod]))
    this.next = this.programs.length > 0 ? startMs + every : Number.POSITIVE_INFINITY
  }

  /** Scores the snapshot due now (at `next`) and moves `next` on. */
  sample(): void {
    const t = this.next
    this.next += this.every
    for (const p of this.programs) {
      if (Incentive.statusAt(p, t) !== "active") continue
      const b = this.books.get(p.symbol)!
      if (!b.valid) continue
      const ours = b.orders
        .filter((o) => o.status === "open")
        .map((o) => ({
          side: o.side,
          price: o.price,
          size: D.mulInt(b.lotStep, o.amountLots - o.filledLots),
          ahead: D.mulInt(b.lotStep, o.ahead)
        }))
      const snap = Lip.fromBook(
        b.grid,
        sideOf(b, b.bids, true),
        sideOf(b, b.asks, false),
        ours,
        b.market.status === "open"
      )
      const score = Lip.scoreSnapshot(snap, { targetSize: p.targetSize!, discountFactor: p.discountFactor ?? HALF })
      this.periods.set(p.id, Lip.addSnapshot(this.periods.get(p.id)!, score))
    }
  }

  results(): ReadonlyArray<LipResult> {
    return this.programs.map((program) => {
      const period = this.periods.get(program.id)!
      const projection = Lip.project(period, program.periodReward, D.ZERO)
      const length = Math.max(1, program.end - program.start)
      return {
        program,
        snapshots: period.snapshots,
        periodScore: projection.periodScore,
        projectedPeriod: projection.earned,
        earned: D.div(D.mulInt(projection.earned, period.snapshots * this.every), D.int(length), "floor")
      }
    })
  }
}
