/**
 * What both recorders (`Record.ts`, its own connection; `RecordRun.ts`, a tap on the run's feed) read off a
 * raw Kalshi frame, and the one rule by which they find a `seq` gap (`SeqWatch`): per subscription (`sid`),
 * each numbered frame follows the last one by exactly one; a book snapshot with a higher number heals its
 * subscription (the feed asked for it); `subscribed`/`unsubscribed` answers carry no stream position. A new
 * connection starts every subscription afresh; after frames were dropped, the next number of each
 * subscription is taken as it comes (the drop itself is already on the tape as a gap).
 */
import type { Tape } from "@alpha-hunter/tape"

/** Frame types that go on the tape; private channels (`user_order`, `fill`, `market_position`) never do. */
export const PUBLIC_TYPES: ReadonlySet<string> = new Set([
  "orderbook_snapshot",
  "orderbook_delta",
  "trade",
  "ticker",
  "market_lifecycle_v2",
  "subscribed",
  "unsubscribed",
  "error"
])

/** The channels whose subscriptions are recorded. */
export const PUBLIC_CHANNELS: ReadonlySet<string> = new Set([
  "orderbook_delta",
  "trade",
  "ticker",
  "market_lifecycle_v2"
])

/** A frame's `type` (read from its first bytes, without parsing it). */
export const frameType = (raw: string): string | undefined => {
  const i = raw.indexOf('"type":"')
  if (i < 0 || i > 64) return undefined
  const end = raw.indexOf('"', i + 8)
  return end < 0 ? undefined : raw.slice(i + 8, end)
}

/** A frame's `market_ticker`, when it has one. */
export const tickerOf = (raw: string): string | undefined => {
  const i = raw.indexOf('"market_ticker":"')
  if (i < 0) return undefined
  const end = raw.indexOf('"', i + 17)
  return end < 0 ? undefined : raw.slice(i + 17, end)
}

/** A `seq` gap found on one subscription. */
export interface SeqGap {
  /** the subscription's channel (`unknown` when its `subscribed` answer was not seen) */
  readonly channel: string
  readonly sid: number
  readonly from: number
  readonly to: number
  /** the wanted markets seen on this book subscription so far */
  readonly symbols: ReadonlyArray<string>
  /** the gap's line on the tape */
  readonly reason: string
}

/** Follows each subscription's `seq` across frames (one per connection; local state of one consumer). */
export class SeqWatch {
  private readonly channelOf = new Map<number, string>()
  private readonly lastSeq = new Map<number, number>()
  private readonly sidSymbols = new Map<number, Set<string>>()

  /** A new connection: every subscription starts afresh. */
  reset(): void {
    this.channelOf.clear()
    this.lastSeq.clear()
    this.sidSymbols.clear()
  }

  /** Frames were dropped (a gap is on the tape already): each subscription's next number is taken as it comes. */
  forgetPositions(): void {
    this.lastSeq.clear()
  }

  /**
   * One frame, in arrival order: learns its subscription's channel and markets, and returns the gap when its
   * `seq` does not follow. `wanted`: the markets recorded (a book subscription's markets are listed in its gaps).
   */
  observe(
    rec: Tape.FrameRecord,
    type: string | undefined,
    ticker: string | undefined,
    wanted: ReadonlySet<string>
  ): SeqGap | undefined {
    if (type === "subscribed" || type === "unsubscribed") {
      if (type === "subscribed" && rec.sid !== undefined) {
        const m = /"channel":"([a-z_0-9]+)"/.exec(rec.raw)
        if (m !== null) this.channelOf.set(rec.sid, m[1]!)
      }
      return undefined
    }
    if (rec.sid === undefined) return undefined
    if (ticker !== undefined && wanted.has(ticker) && type?.startsWith("orderbook_")) {
      const on = this.sidSymbols.get(rec.sid)
      if (on === undefined) this.sidSymbols.set(rec.sid, new Set([ticker]))
      else on.add(ticker)
    }
    if (rec.seq === undefined) return undefined
    const prev = this.lastSeq.get(rec.sid)
    this.lastSeq.set(rec.sid, rec.seq)
    const healed = type === "orderbook_snapshot" && prev !== undefined && rec.seq > prev
    if (prev === undefined || rec.seq === prev + 1 || healed) return undefined
    const channel = this.channelOf.get(rec.sid) ?? "unknown"
    return {
      channel,
      sid: rec.sid,
      from: prev,
      to: rec.seq,
      symbols: [...(this.sidSymbols.get(rec.sid) ?? [])],
      reason: `seq gap on ${channel} (sid ${rec.sid}): ${prev} → ${rec.seq}`
    }
  }
}
