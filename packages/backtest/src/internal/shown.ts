/**
 * The shown book lags the truth by `feedLatencyMs`: after each change, a copy of the changed market's
 * recorded book waits here in time order, and becomes what the strategy is shown when its time comes.
 */
import type * as B from "./book.js"

interface Copy {
  readonly at: number
  readonly symbol: string
  readonly bids: Float64Array
  readonly asks: Float64Array
  readonly valid: boolean
}

export class Shown {
  private queue: Array<Copy> = []
  private head = 0

  constructor(private readonly latencyMs: number) {}

  /** when the next copy is due (undefined: none waits) */
  get nextAt(): number | undefined {
    return this.queue[this.head]?.at
  }

  /** Copies the truth of these markets (changed at `t`), to be shown at `t + latency`. */
  push(books: ReadonlyMap<string, B.MarketBook>, symbols: Iterable<string>, t: number): void {
    for (const s of symbols) {
      const b = books.get(s)
      if (b === undefined) continue
      this.queue.push({ at: t + this.latencyMs, symbol: s, bids: b.bids.slice(), asks: b.asks.slice(), valid: b.valid })
    }
  }

  /** Shows every copy due by `t`; returns the markets whose shown book changed. */
  due(books: ReadonlyMap<string, B.MarketBook>, t: number): Set<string> {
    const done = new Set<string>()
    while (this.head < this.queue.length && this.queue[this.head]!.at <= t) {
      const s = this.queue[this.head++]!
      const b = books.get(s.symbol)!
      b.vbids = s.bids
      b.vasks = s.asks
      b.vvalid = s.valid
      b.version++
      done.add(s.symbol)
    }
    // drop what was shown (amortized: not one shift per copy)
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }
    return done
  }
}
