/**
 * What the strategy is shown: a market's book as it was `feedLatencyMs` ago plus our own resting orders, as
 * an integer `BookSnapshot`, and the per-market wake-ups that tell its readers it changed (the reader takes
 * the view when it pulls: latest wins, as `OrderBook.pullLatest`).
 */
import { OrderBook } from "@alpha-hunter/core"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as B from "./book.js"

/** The shown book with our open orders on it; undefined while it is not known (invalid). */
export const view = (b: B.MarketBook, latency: boolean): OrderBook.BookView | undefined => {
  if (!(latency ? b.vvalid : b.valid)) return undefined
  const n = b.grid.size
  // our open lots are added into the shown levels for the scan and taken out again (whole lots in a Float64Array:
  // exact both ways), rather than summed into arrays made per view: a view is read on every decision
  ours(b, 1)
  try {
    return new OrderBook.BookSnapshot(
      b.market.symbol,
      b.grid,
      b.lotStep,
      b.version,
      b.sequence,
      b.timestamp,
      sideOf(b.vbids, true, n),
      sideOf(b.vasks, false, n)
    )
  } finally {
    ours(b, -1)
  }
}

/** Adds (`sign` 1) or takes out (−1) our open orders' remaining lots at their levels of the shown book. */
const ours = (b: B.MarketBook, sign: 1 | -1): void => {
  for (const o of b.orders) {
    if (o.status !== "open") continue
    const lots = (o.amountLots - o.filledLots) * sign
    if (o.side === "buy") b.vbids[o.level] = b.vbids[o.level]! + lots
    else b.vasks[o.level] = b.vasks[o.level]! + lots
  }
}

/** One side of a view, best first (module level: not a closure made per view). */
const sideOf = (arr: Float64Array, buy: boolean, n: number): OrderBook.SnapshotSide => {
  const levels: Array<number> = []
  const lots: Array<number> = []
  for (let i = 0; i < n; i++) {
    const l = buy ? n - 1 - i : i
    const q = arr[l]!
    if (q > 0) {
      levels.push(l)
      lots.push(q)
    }
  }
  return { levels, lots }
}

/**
 * One reader's wake-up: a pending flag and the reader's waiting callback (a wake already pending counts once,
 * as a sliding queue of one). Cheaper than a queue's take: no deferred and no interrupt handler per wait (an
 * interrupted reader's callback is ignored by its fiber; the reader leaves its market's set on release).
 */
interface Reader {
  pending: boolean
  waiter: ((resume: Effect.Effect<void>) => void) | undefined
}

/** Each market's readers, woken when its shown book (or our orders in it) changed. */
export class Wakers {
  private readonly bySymbol = new Map<string, Set<Reader>>()

  /** Wakes the readers of these markets (a wake already pending counts once). Synchronous. */
  wake(symbols: Iterable<string>): void {
    for (const s of symbols) {
      const set = this.bySymbol.get(s)
      if (set === undefined) continue
      for (const r of set) {
        const w = r.waiter
        if (w === undefined) r.pending = true
        else {
          r.waiter = undefined
          w(Effect.void)
        }
      }
    }
  }

  /** Joins `r` to its market's readers (it leaves when `leave` runs). */
  private join(symbol: string, r: Reader): void {
    const set = this.bySymbol.get(symbol) ?? new Set()
    set.add(r)
    this.bySymbol.set(symbol, set)
  }
  private leave(symbol: string, r: Reader): void {
    const set = this.bySymbol.get(symbol)
    set?.delete(r)
    if (set?.size === 0) this.bySymbol.delete(symbol)
  }

  /**
   * The views of one market, one per change the reader has not seen: the first at once, then one when it
   * pulls after a wake (a view whose version it already has, or none, is skipped; `version` is the book's
   * version now, read before a view is built: a wake that changed nothing shown builds none).
   */
  views(
    symbol: string,
    read: () => OrderBook.BookView | undefined,
    version: () => number
  ): Stream.Stream<OrderBook.BookView> {
    // one reader per run of the stream: it joins its market when the run starts and leaves it when the run
    // ends (the finalizer is in place before it joins)
    return Stream.fromChannel(
      Channel.suspend(() => {
        const r: Reader = { pending: false, waiter: undefined }
        return Channel.ensuring(
          Channel.suspend(() => {
            this.join(symbol, r)
            const next = nextOf(r, read, version)
            const loop: Channel.Channel<Chunk.Chunk<OrderBook.BookView>> = Channel.flatMap(
              Channel.fromEffect(next),
              (v) => Channel.flatMap(Channel.write(Chunk.of(v)), () => loop)
            )
            return loop
          }),
          Effect.sync(() => this.leave(symbol, r))
        )
      })
    )
  }

  /**
   * The same views read by a loop (`Exchange.followBook`): `next` is the stream's pull without the channel
   * around it. The reader joins its market now and leaves it when the scope closes.
   */
  reader(
    symbol: string,
    read: () => OrderBook.BookView | undefined,
    version: () => number
  ): Effect.Effect<{ readonly next: Effect.Effect<OrderBook.BookView> }, never, Scope.Scope> {
    return Effect.acquireRelease(
      Effect.sync(() => {
        const r: Reader = { pending: false, waiter: undefined }
        this.join(symbol, r)
        return { r, next: nextOf(r, read, version) }
      }),
      ({ r }) => Effect.sync(() => this.leave(symbol, r))
    )
  }

  /** readers following `symbol` now (tests: a closed reader is gone) */
  readers(symbol: string): number {
    return this.bySymbol.get(symbol)?.size ?? 0
  }
}

/** One reader's next view: the first at once, then the newest after a wake that changed what is shown. */
const nextOf = (
  r: Reader,
  read: () => OrderBook.BookView | undefined,
  version: () => number
): Effect.Effect<OrderBook.BookView> => {
  let first = true
  let last = -1
  const wait = Effect.async<void>((resume) => {
    r.waiter = resume
  })
  const woken: Effect.Effect<OrderBook.BookView> = Effect.suspend(() => {
    if (version() === last) return next
    const v = read()
    if (v === undefined || v.version === last) return next
    last = v.version
    return Effect.succeed(v)
  })
  const next: Effect.Effect<OrderBook.BookView> = Effect.suspend(() => {
    if (first) {
      first = false
      const v = read()
      if (v !== undefined) {
        last = v.version
        return Effect.succeed(v)
      }
    }
    if (r.pending) {
      r.pending = false
      return woken
    }
    return Effect.zipRight(wait, woken)
  })
  return next
}
