/**
 * Applying the tape: one record at its time changes the recorded books (snapshots, deltas, seq gaps), fills
 * our resting orders against recorded trades (the fill model, `book.ts`), updates market definitions and
 * settles markets whose lifecycle says so. Synchronous: the feed (ReplayVenue) calls it and publishes.
 */
import { Decimal as D, Ids, Market, type Order } from "@alpha-hunter/core"
import type { Tape } from "@alpha-hunter/tape"
import * as Schema from "effect/Schema"
import * as B from "./book.js"
import * as F from "./frames.js"
import { bookFills, retire, type State, toOrder } from "./state.js"

export const decodeMarket = Schema.decodeUnknownSync(Market.Market)

/** What one record changed: the markets whose book moved, and what to publish. */
export interface Applied {
  readonly touched: Set<string>
  readonly updates: Array<Order.Order>
  readonly fills: Array<Order.Fill>
}

/** A market settles: our orders there are canceled and our position is paid out at the settlement value. */
const settle = (st: State, b: B.MarketBook, value: D.Decimal, t: number) => {
  const updates: Array<Order.Order> = []
  for (const o of b.orders) {
    if (o.status !== "open") continue
    o.status = "canceled"
    o.updated = t
    updates.push(toOrder(o, b))
  }
  retire(st, b)
  const pos = st.positions.get(b.market.symbol) ?? D.ZERO
  st.cash = D.add(st.cash, D.mul(pos, value))
  st.positions.set(b.market.symbol, D.ZERO)
  b.settlement = value
  b.market = Market.Market.make({ ...b.market, status: "settled" })
  return updates
}

const invalidate = (st: State, symbols: Iterable<string>, touched: Set<string>) => {
  for (const s of symbols) {
    const b = st.books.get(s)
    if (b === undefined) continue
    b.valid = false
    touched.add(s)
  }
}

/** A frame's event as `F.parse` gives it: `UNUSED` for a frame replay does not use, `MALFORMED` where it threw. */
export const MALFORMED = Symbol("malformed")
export const UNUSED = Symbol("unused")
export type Decoded = F.Event | typeof UNUSED | typeof MALFORMED

const decode = (raw: string): Decoded => {
  try {
    return F.parse(raw) ?? UNUSED
  } catch {
    return MALFORMED
  }
}

/** A record with its frame decoded ahead (`undefined` for a record that is not a frame). */
export interface Ahead {
  readonly rec: Tape.TapeRecord
  readonly ev: Decoded | undefined
}

/**
 * The records of `it`, their frames decoded `batch` at a time ahead of their replay (a frame's event depends on
 * its text alone). In one pass over a batch the JSON parser's code and tables stay in the processor's caches;
 * called once per record between the replay's other work it ran about 4× slower (measured: ~10 µs a frame in a
 * replay, ~2.6 µs in a loop). At most `batch` records are held.
 */
export function* decodeAhead(it: Iterator<Tape.TapeRecord, void>, batch: number): Generator<Ahead, void> {
  for (let more = true; more; ) {
    const buf: Array<Ahead> = []
    while (buf.length < batch) {
      const r = it.next()
      if (r.done === true) {
        more = false
        break
      }
      const rec = r.value
      buf.push({ rec, ev: rec.k === "frame" ? decode(rec.raw) : undefined })
    }
    yield* buf
  }
}

/**
 * One record at its time: returns the markets whose book changed and what to publish. `decoded` is its frame's
 * event when decoded ahead (`decodeAhead`); without it the frame is decoded here.
 */
export const apply = (st: State, rec: Tape.TapeRecord, t: number, decoded?: Decoded): Applied => {
  const r: Applied = { touched: new Set(), updates: [], fills: [] }
  const stats = st.stats
  stats.records++
  stats.lastMs = t
  if (rec.k === "gap") {
    stats.gaps++
    invalidate(st, rec.symbols ?? [...st.books.keys()], r.touched)
    return r
  }
  if (rec.k === "market") {
    const m = decodeMarket(rec.market)
    const b = st.books.get(m.symbol)
    if (b !== undefined && b.market.status !== "settled") {
      b.market = Market.Market.make({ ...m, venue: Ids.VenueId.make(st.venue) })
    }
    return r
  }
  if (rec.k !== "frame") return r
  stats.frames++
  const ev = decoded ?? decode(rec.raw)
  if (ev === MALFORMED) {
    stats.malformed++
    return r
  }
  if (ev === UNUSED) return r
  const b = st.books.get(ev.symbol)
  if (b === undefined) return r
  if (ev._tag !== "Trade") B.settlePending(b, st.fm.kind, st.draw)
  switch (ev._tag) {
    case "Snapshot": {
      if (ev.sid !== undefined && ev.seq !== undefined) st.lastSeq.set(ev.sid, ev.seq)
      B.snapshot(b, ev.bids, ev.asks)
      b.sequence = ev.seq
      break
    }
    case "Delta": {
      if (ev.sid !== undefined && ev.seq !== undefined) {
        const prev = st.lastSeq.get(ev.sid)
        st.lastSeq.set(ev.sid, ev.seq)
        if (prev !== undefined && ev.seq !== prev + 1) {
          // a seq gap: every book of the subscription is unknown until its next snapshot
          stats.gaps++
          invalidate(st, st.books.keys(), r.touched)
          return r
        }
      }
      if (!b.valid) return r
      const level = b.grid.levelOf(ev.price)
      if (level < 0) break
      B.delta(b, ev.side, level, Number(D.divToInt(ev.delta, b.lotStep, "down")))
      b.sequence = ev.seq
      break
    }
    case "Trade": {
      if (!b.valid) break
      const level = b.grid.levelOf(ev.price)
      if (level < 0) break
      const fs = B.trade(b, ev.taker, level, B.lotsOf(b, ev.size), st.fm.kind)
      if (fs.length > 0) {
        const booked = bookFills(st, b, fs, t)
        r.updates.push(...booked.updates)
        r.fills.push(...booked.fills)
        retire(st, b)
      }
      break
    }
    case "Lifecycle": {
      const value = ev.settlementValue ?? (ev.result === "yes" ? D.ONE : ev.result === "no" ? D.ZERO : undefined)
      if ((ev.event === "settled" || ev.event === "determined") && value !== undefined && b.settlement === undefined) {
        r.updates.push(...settle(st, b, value, t))
      } else if (ev.event === "deactivated" || ev.deactivated === true) {
        b.market = Market.Market.make({ ...b.market, status: "paused" })
      } else if (ev.event === "activated" || ev.deactivated === false) {
        if (b.market.status === "paused") b.market = Market.Market.make({ ...b.market, status: "open" })
      }
      break
    }
  }
  b.version++
  b.timestamp = t
  const m = B.mid(b)
  if (m !== undefined) st.lastMid.set(b.market.symbol, m)
  r.touched.add(b.market.symbol)
  return r
}
