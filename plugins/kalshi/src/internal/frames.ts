/**
 * The feed's frame step: one raw WebSocket frame + the connection's frame state → the change it makes.
 * Synchronous and Effect-free: the feed's processor fiber runs it over every frame the socket queued, then
 * does the (rare) effectful follow-ups the changes ask for — signal views, publish private events, answer
 * commands, log, kick recovery.
 *
 * The state (`FrameState`: seq per sid, sid → channel, the books with their `BookLadder`s) is owned by that
 * one fiber (architecture §4's documented exception); everything else reads it synchronously, between steps.
 *
 * Hot path: `orderbook_delta` is read by the strict scanner (`scan.ts`) into integers on the grid and lots;
 * anything the scanner does not vouch for takes `JSON.parse` + the `wire` schemas. Money stays integer or
 * `Decimal` throughout (no binary float arithmetic on prices or sizes).
 */
import { Decimal as D, OrderBook, type TickGrid } from "@alpha-hunter/core"
import * as Schema from "effect/Schema"
import { type BookSlot, LOT } from "./bookSlot.js"
import { bookLevelYesPrice } from "./parse.js"
import { makeScratch, type ScannedDelta, scanDelta } from "./scan.js"
import * as wire from "./wire.js"

export type PrivateEvent =
  | { readonly _tag: "UserOrder"; readonly order: wire.WsUserOrder }
  | { readonly _tag: "Fill"; readonly fill: typeof wire.WsFill.Type }
  | { readonly _tag: "Position"; readonly position: typeof wire.WsMarketPosition.Type }
  | { readonly _tag: "Lifecycle"; readonly lifecycle: typeof wire.WsLifecycle.Type }
  | { readonly _tag: "GroupUpdate"; readonly update: typeof wire.WsOrderGroupUpdate.Type }
  /** the private stream may have lost messages (gap, terminal error, reconnect): reconcile from REST */
  | { readonly _tag: "PrivateGap"; readonly reason: string; readonly channel: string }
  | { readonly _tag: "Connected"; readonly reconnect: boolean }
  /** an open connection ended (it is being re-established) */
  | { readonly _tag: "Disconnected"; readonly reason: string }

export { type BookSlot, LOT, makeBook, viewOf } from "./bookSlot.js"

export interface Counters {
  frames: number
  malformed: number
  gaps: number
  invalidations: number
}

export interface FrameState {
  readonly useYes: boolean
  /** read deltas with the scanner (false: always `JSON.parse` + schemas; for comparisons) */
  readonly scan: boolean
  readonly books: Map<string, BookSlot>
  readonly lastSeq: Map<number, number>
  readonly sidChannel: Map<number, string>
  readonly stats: Counters
  readonly scratch: ScannedDelta
}

export const makeState = (options: {
  readonly useYes?: boolean
  readonly scan?: boolean
  readonly stats?: Counters
}): FrameState => ({
  useYes: options.useYes ?? true,
  scan: options.scan ?? true,
  books: new Map(),
  lastSeq: new Map(),
  sidChannel: new Map(),
  stats: options.stats ?? { frames: 0, malformed: 0, gaps: 0, invalidations: 0 },
  scratch: makeScratch()
})

export type Change =
  /** a valid book changed (delta applied, or a snapshot made it valid) */
  | { readonly _tag: "Book"; readonly book: BookSlot }
  /** a valid book became invalid (recover it) */
  | { readonly _tag: "Invalid"; readonly book: BookSlot; readonly reason: string }
  | { readonly _tag: "Private"; readonly event: PrivateEvent }
  | { readonly _tag: "Subscribed"; readonly sid: number; readonly channel: string }
  | { readonly _tag: "ChannelError"; readonly id: number | undefined; readonly code: number; readonly text: string }
  /** skipped and counted; `invalid`: the book it invalidated; `privateGap`: the private channel it lost a message of */
  | {
      readonly _tag: "Malformed"
      readonly reason: string
      readonly invalid?: BookSlot | undefined
      readonly privateGap?: string | undefined
    }
  /** a sequence gap on `sid` (books on it invalidated), then what the frame itself did */
  | {
      readonly _tag: "Gap"
      readonly sid: number
      readonly channel: string | undefined
      readonly expected: number
      readonly got: number
      readonly invalidated: ReadonlyArray<BookSlot>
      readonly next: Change
    }
  /** the answer to command `id`, then what the frame itself did */
  | { readonly _tag: "Reply"; readonly id: number; readonly frame: wire.Frame; readonly next: Change }
  | { readonly _tag: "None" }

export const NONE: Change = { _tag: "None" }

const decodeFrame = Schema.decodeUnknownEither(wire.Frame)
const decodeSnapshot = Schema.decodeUnknownEither(wire.WsBookSnapshot)
const decodeDelta = Schema.decodeUnknownEither(wire.WsBookDelta)
const decodeUserOrder = Schema.decodeUnknownEither(wire.WsUserOrder)
const decodeFill = Schema.decodeUnknownEither(wire.WsFill)
const decodePosition = Schema.decodeUnknownEither(wire.WsMarketPosition)
const decodeLifecycle = Schema.decodeUnknownEither(wire.WsLifecycle)
const decodeGroupUpdate = Schema.decodeUnknownEither(wire.WsOrderGroupUpdate)
const decodeSubscribed = Schema.decodeUnknownEither(wire.WsSubscribed)
const decodeWsError = Schema.decodeUnknownEither(wire.WsError)

/** Marks a valid book invalid; `Invalid` when it was valid, else nothing to report. */
export const invalidate = (st: FrameState, b: BookSlot, reason: string): Change => {
  if (!b.valid) return NONE
  b.valid = false
  st.stats.invalidations++
  return { _tag: "Invalid", book: b, reason }
}

const malformed = (
  st: FrameState,
  reason: string,
  extra?: { invalid?: BookSlot | undefined; privateGap?: string | undefined }
): Change => {
  st.stats.malformed++
  if (extra?.invalid !== undefined) invalidate(st, extra.invalid, reason)
  return { _tag: "Malformed", reason, invalid: extra?.invalid, privateGap: extra?.privateGap }
}

/** Lots of a Decimal size, when it is a whole number of lots. */
const lotsOf = (count: D.Decimal): number | undefined =>
  D.isMultipleOf(count, LOT) ? Number(D.divToInt(count, LOT)) : undefined

const unitsText = (units: number): string => D.format(D.fromUnits(units, 4), 4)

/** Applies `lots` (signed) at a grid level of a valid book. */
const applyAt = (
  st: FrameState,
  b: BookSlot,
  seq: number,
  yes: boolean,
  level: number,
  lots: number,
  ts: number,
  now: number
): Change => {
  const ladder = b.ladder
  const current = yes ? ladder.bids[level]! : ladder.asks[level]!
  if (current + lots < 0) return invalidate(st, b, "delta removes more than the level holds")
  if (yes) ladder.addBid(level, lots)
  else ladder.addAsk(level, lots)
  ladder.sequence = Number.isNaN(seq) ? ladder.sequence + 1 : seq
  ladder.timestamp = Number.isNaN(ts) ? now : ts
  b.lastUpdate = now
  return b.changed
}

/** A scanned delta: price in $0.0001 units, size in lots. */
const onScannedDelta = (st: FrameState, b: BookSlot | undefined, sc: ScannedDelta, now: number): Change => {
  if (b === undefined || !b.valid) return NONE
  const yesPips = sc.yes || st.useYes ? sc.pips : 10_000 - sc.pips
  const table = b.table
  const level =
    table !== undefined
      ? yesPips >= 0 && yesPips < table.length
        ? table[yesPips]!
        : -1
      : b.grid.levelOf(D.fromUnits(yesPips, 4))
  if (level < 0) return invalidate(st, b, `delta price ${unitsText(yesPips)} off the grid`)
  return applyAt(st, b, sc.seq, sc.yes, level, sc.lots, sc.tsMs, now)
}

const onDecodedDelta = (st: FrameState, seq: number, msg: unknown, now: number): Change => {
  const r = decodeDelta(msg)
  if (r._tag === "Left") {
    const ticker = (msg as { market_ticker?: unknown } | null | undefined)?.market_ticker
    const b = typeof ticker === "string" ? st.books.get(ticker) : undefined
    return malformed(st, `malformed orderbook_delta skipped: ${r.left.message}`, { invalid: b })
  }
  const d = r.right
  const b = st.books.get(d.market_ticker)
  if (b === undefined || !b.valid) return NONE
  const price = bookLevelYesPrice(d.side, d.price_dollars, st.useYes)
  const level = b.grid.levelOf(price)
  if (level < 0) return invalidate(st, b, `delta price ${D.format(price)} off the grid`)
  const lots = lotsOf(d.delta_fp)
  if (lots === undefined) return invalidate(st, b, `delta size ${D.format(d.delta_fp)} is not a whole number of lots`)
  return applyAt(st, b, seq, d.side === "yes", level, lots, d.ts_ms ?? Number.NaN, now)
}

const onSnapshot = (st: FrameState, sid: number | undefined, seq: number, msg: unknown, now: number): Change => {
  const r = decodeSnapshot(msg)
  if (r._tag === "Left") return malformed(st, `malformed orderbook_snapshot skipped: ${r.left.message}`)
  const s = r.right
  const b = st.books.get(s.market_ticker)
  if (b === undefined) return NONE
  const ladder = new OrderBook.BookLadder(b.grid.size)
  let ok = true
  for (const [p, c] of s.yes_dollars_fp ?? []) {
    const l = b.grid.levelOf(p)
    const lots = lotsOf(c)
    if (l < 0 || lots === undefined || lots < 0) ok = false
    else ladder.setBid(l, lots)
  }
  for (const [p, c] of s.no_dollars_fp ?? []) {
    const l = b.grid.levelOf(bookLevelYesPrice("no", p, st.useYes))
    const lots = lotsOf(c)
    if (l < 0 || lots === undefined || lots < 0) ok = false
    else ladder.setAsk(l, lots)
  }
  if (!ok) {
    b.valid = true // a snapshot we cannot use: report the book invalid even when it already was (recovery retries)
    return malformed(st, "snapshot level off the market's grid or lots", { invalid: b })
  }
  ladder.sequence = Number.isNaN(seq) ? 0 : seq
  ladder.timestamp = now
  ladder.version += b.ladder.version + 1 // views of this book keep growing versions
  b.ladder = ladder
  b.sid = sid
  b.lastUpdate = now
  b.valid = true
  return b.changed
}

/** Per-sid sequence check; a gap invalidates the books on that sid. */
const seqCheck = (
  st: FrameState,
  sid: number,
  seq: number,
  snapshot: boolean
): Omit<Extract<Change, { _tag: "Gap" }>, "next"> | undefined => {
  const prev = st.lastSeq.get(sid)
  st.lastSeq.set(sid, seq)
  if (prev === undefined || seq === prev + 1 || (snapshot && seq > prev)) return undefined
  st.stats.gaps++
  const channel = st.sidChannel.get(sid)
  const invalidated: Array<BookSlot> = []
  if (channel === "orderbook_delta" || channel === undefined) {
    for (const b of st.books.values()) {
      if (b.sid === sid && invalidate(st, b, "gap") !== NONE) invalidated.push(b)
    }
  }
  return { _tag: "Gap", sid, channel, expected: prev + 1, got: seq, invalidated }
}

const privateOr = <A>(
  st: FrameState,
  r: { readonly _tag: "Left"; readonly left: { readonly message: string } } | { readonly _tag: "Right"; right: A },
  what: string,
  gapChannel: string | undefined,
  event: (a: A) => PrivateEvent
): Change =>
  r._tag === "Left"
    ? malformed(st, `malformed ${what} skipped: ${r.left.message}`, { privateGap: gapChannel })
    : { _tag: "Private", event: event(r.right) }

/** The general path: `JSON.parse`, the envelope schema, then the per-type schema. */
const general = (st: FrameState, raw: string, now: number): Change => {
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    return malformed(st, `non-JSON frame skipped (${raw.length} bytes)`)
  }
  const fr = decodeFrame(json)
  if (fr._tag === "Left") return malformed(st, `malformed frame skipped: ${fr.left.message.slice(0, 300)}`)
  const f = fr.right
  const sid = f.sid ?? undefined
  const seq = f.seq ?? Number.NaN
  const gap =
    sid !== undefined && !Number.isNaN(seq) ? seqCheck(st, sid, seq, f.type === "orderbook_snapshot") : undefined
  let c: Change
  switch (f.type) {
    case "subscribed": {
      const s = decodeSubscribed(f.msg)
      if (s._tag === "Right") st.sidChannel.set(s.right.sid, s.right.channel)
      c = s._tag === "Right" ? { _tag: "Subscribed", sid: s.right.sid, channel: s.right.channel } : NONE
      break
    }
    case "orderbook_snapshot":
      c = onSnapshot(st, sid, seq, f.msg, now)
      break
    case "orderbook_delta":
      c = onDecodedDelta(st, seq, f.msg, now)
      break
    case "user_order":
      c = privateOr(st, decodeUserOrder(f.msg), "user_order", "user_orders", (order) => ({ _tag: "UserOrder", order }))
      break
    case "fill":
      c = privateOr(st, decodeFill(f.msg), "fill", "fill", (fill) => ({ _tag: "Fill", fill }))
      break
    case "market_position":
      c = privateOr(st, decodePosition(f.msg), "market_position", undefined, (position) => ({
        _tag: "Position",
        position
      }))
      break
    case "order_group_updates":
      c = privateOr(st, decodeGroupUpdate(f.msg), "order_group_update", "order_group_updates", (update) => ({
        _tag: "GroupUpdate",
        update
      }))
      break
    case "market_lifecycle_v2":
      c = privateOr(st, decodeLifecycle(f.msg), "lifecycle", undefined, (lifecycle) => ({
        _tag: "Lifecycle",
        lifecycle
      }))
      break
    case "error": {
      const e = decodeWsError(f.msg)
      c = {
        _tag: "ChannelError",
        id: f.id ?? undefined,
        code: e._tag === "Right" ? e.right.code : -1,
        text: e._tag === "Right" ? (e.right.msg ?? "") : "?"
      }
      break
    }
    default:
      c = NONE // ok, unsubscribed, list replies, ticker, trade: nothing to do
  }
  if (gap !== undefined) c = { ...gap, next: c }
  return f.id !== undefined && f.id !== null ? { _tag: "Reply", id: f.id, frame: f, next: c } : c
}

/** One frame → its change. `now`: epoch ms (taken once per batch by the caller). */
export const step = (st: FrameState, raw: string, now: number): Change => {
  st.stats.frames++
  // trades and tickers (subscribed only for a tap, e.g. a recorder): nothing for the feed to do
  if (raw.startsWith('{"type":"t') && (raw.startsWith('{"type":"trade"') || raw.startsWith('{"type":"ticker"'))) {
    return NONE
  }
  const sc = st.scratch
  if (!st.scan || !scanDelta(raw, sc)) return general(st, raw, now)
  const gap = Number.isNaN(sc.sid) || Number.isNaN(sc.seq) ? undefined : seqCheck(st, sc.sid, sc.seq, false)
  const c = onScannedDelta(st, st.books.get(raw.slice(sc.tickerStart, sc.tickerEnd)), sc, now)
  return gap === undefined ? c : { ...gap, next: c }
}

// ---- controls: the processor applies them in order with the frames ----------------------------------

export const track = (st: FrameState, b: BookSlot): void => {
  st.books.set(b.symbol, b)
}

/** A new connection: sequences and subscriptions start afresh, every book waits for its snapshot. */
export const opened = (st: FrameState): void => {
  st.lastSeq.clear()
  st.sidChannel.clear()
  for (const b of st.books.values()) {
    b.valid = false
    b.sid = undefined
  }
}

/** The connection ended: nothing is current any more. */
export const closed = (st: FrameState): void => {
  for (const b of st.books.values()) b.valid = false
}

/** Every valid book invalid (a terminal channel error); the ones that were valid. */
export const invalidateAll = (st: FrameState, reason: string): Array<BookSlot> => {
  const out: Array<BookSlot> = []
  for (const b of st.books.values()) if (invalidate(st, b, reason) !== NONE) out.push(b)
  return out
}

/** A book's subscription is being replaced (resubscribe recovery). */
export const detach = (st: FrameState, sid: number): void => {
  for (const b of st.books.values()) if (b.sid === sid) b.sid = undefined
}

/** New price structure: an empty ladder on the new grid, invalid until the next snapshot. */
export const regrid = (st: FrameState, symbol: string, grid: TickGrid.TickGrid): Change => {
  const b = st.books.get(symbol)
  if (b === undefined) return NONE
  const version = b.ladder.version
  b.grid = grid
  b.table = grid.unitIndex(4)
  b.ladder = new OrderBook.BookLadder(grid.size)
  b.ladder.version = version + 1
  b.valid = true
  return invalidate(st, b, "price structure changed")
}
