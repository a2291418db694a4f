import { Decimal as D, TickGrid } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import { type Batch, type Registry, runBatch } from "../src/internal/feedProcessor.js"
import * as Session from "../src/internal/feedSession.js"
import * as Frames from "../src/internal/frames.js"
import { makeScratch, scanDelta } from "../src/internal/scan.js"

const range = (start: string, end: string, step: string) =>
  TickGrid.PriceRange.make({ start: D.d(start), end: D.d(end), step: D.d(step) })
const CENT = TickGrid.unsafeMake({ ranges: [range("0", "1", "0.01")] })
const TAPERED = TickGrid.unsafeMake({
  ranges: [range("0", "0.1", "0.001"), range("0.1", "0.9", "0.01"), range("0.9", "1", "0.001")]
})
const TICKERS = ["KXA-26DEC31-T1", "KXB-26DEC31-T2", "KXC-26DEC31-T3"] as const
const GRIDS = [CENT, TAPERED, CENT]

const prng = (seed: number) => {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0
    return s / 0x1_0000_0000
  }
}

/** A state with the three books valid (an empty snapshot each, on sid 1 without seq). */
const fresh = (scan: boolean) => {
  const st = Frames.makeState({ useYes: true, scan })
  const books = TICKERS.map((t, i) => Frames.makeBook(t, GRIDS[i]!))
  for (const b of books) Frames.track(st, b)
  for (const t of TICKERS) {
    Frames.step(st, JSON.stringify({ type: "orderbook_snapshot", sid: 1, msg: { market_ticker: t } }), 1)
  }
  return { st, books }
}

/** A change, described without object identity (so two states can be compared). */
const describeChange = (c: Frames.Change): string => {
  switch (c._tag) {
    case "Book":
      return `Book ${c.book.symbol}`
    case "Invalid":
      return `Invalid ${c.book.symbol}`
    case "Malformed":
      return `Malformed ${c.invalid?.symbol ?? "-"} ${c.privateGap ?? "-"}`
    case "Gap":
      return `Gap ${c.sid} ${c.expected}→${c.got} [${c.invalidated.map((b) => b.symbol)}] ${describeChange(c.next)}`
    case "Reply":
      return `Reply ${c.id} ${describeChange(c.next)}`
    default:
      return c._tag
  }
}

const snapshotOf = (books: ReadonlyArray<Frames.BookSlot>) =>
  books.map((b) => ({
    valid: b.valid,
    sequence: b.ladder.sequence,
    timestamp: b.ladder.timestamp,
    bids: Array.from(b.ladder.bids),
    asks: Array.from(b.ladder.asks)
  }))

/** Random delta frames, mostly in Kalshi's layout, sometimes reordered or with optional fields. */
const genFrame = (rnd: () => number, seq: number): string => {
  const m = Math.floor(rnd() * (TICKERS.length + 0.3))
  const ticker = m < TICKERS.length ? TICKERS[m]! : "KXUNKNOWN-1"
  const grid = GRIDS[m % GRIDS.length]!
  const level = Math.floor(rnd() * grid.size)
  const onGrid = D.format(grid.priceAt(level), 4)
  const price =
    rnd() < 0.9
      ? onGrid
      : [`${onGrid}5`, "0.12345", "1.5", "-0.0100", "0.0150", "0.50", "+0.2500"][Math.floor(rnd() * 7)]!
  const contracts = 1 + Math.floor(rnd() * 50)
  const delta =
    rnd() < 0.7
      ? `${contracts}.00`
      : rnd() < 0.5
        ? `-${contracts}.00`
        : ["0.005", "3.10", "-1", "7"][Math.floor(rnd() * 4)]!
  const msg: Record<string, unknown> = {
    market_ticker: ticker,
    market_id: "00000000-0000-4000-8000-000000000001",
    price_dollars: price,
    delta_fp: delta,
    side: rnd() < 0.5 ? "yes" : "no",
    ts: "2026-09-21T14:13:20.001Z",
    ts_ms: 1_790_000_000_000 + seq
  }
  if (rnd() < 0.1) msg.client_order_id = rnd() < 0.5 ? "abc" : null
  if (rnd() < 0.05) msg.ts_ms = null
  if (rnd() < 0.05) msg.subaccount = 0
  const entries = Object.entries(msg)
  if (rnd() < 0.2) entries.reverse()
  const body = Object.fromEntries(entries)
  return rnd() < 0.05
    ? JSON.stringify({ sid: 1, type: "orderbook_delta", seq, msg: body }) // another envelope order
    : JSON.stringify({ type: "orderbook_delta", sid: 1, seq, msg: body })
}

/** One random edit of a frame: the kinds of damage a wire or a buggy venue could do. */
const mutate = (rnd: () => number, f: string): string => {
  const at = Math.floor(rnd() * f.length)
  const chars = ['"', "\\", ",", ":", "{", "}", "[", "]", "0", "9", "-", ".", "e", " ", "\n", "\u0001", "x", "é"]
  const ch = chars[Math.floor(rnd() * chars.length)]!
  switch (Math.floor(rnd() * 5)) {
    case 0:
      return f.slice(0, at) + f.slice(at + 1) // delete
    case 1:
      return f.slice(0, at) + ch + f.slice(at) // insert
    case 2:
      return f.slice(0, at) + ch + f.slice(at + 1) // replace
    case 3:
      return f.slice(0, at) // truncate
    default: {
      // duplicate a member of msg
      const i = f.indexOf('"side"')
      return i < 0 ? f : `${f.slice(0, i)}"side":"no",${f.slice(i)}`
    }
  }
}

describe("frame step: the delta scanner never changes a result", () => {
  it("on Kalshi's layout it reads exactly what JSON.parse reads", () => {
    const rnd = prng(7)
    const sc = makeScratch()
    for (let n = 1; n <= 2000; n++) {
      const f = genFrame(rnd, n)
      const j = JSON.parse(f) as { sid: number; seq: number; msg: Record<string, unknown> }
      if (!scanDelta(f, sc)) continue
      assert.strictEqual(sc.sid, j.sid)
      assert.strictEqual(sc.seq, j.seq)
      assert.strictEqual(f.slice(sc.tickerStart, sc.tickerEnd), j.msg.market_ticker)
      assert.strictEqual(sc.pips, D.parseUnits(j.msg.price_dollars as string, 4))
      assert.strictEqual(sc.lots, D.parseUnits(j.msg.delta_fp as string, 2))
      assert.strictEqual(sc.yes, j.msg.side === "yes")
      assert.isTrue(Object.is(sc.tsMs, (j.msg.ts_ms as number | null) ?? Number.NaN))
    }
  })

  it("generated frames and mutations: same changes, counters and books with and without the scanner", () => {
    const rnd = prng(42)
    const a = fresh(true)
    const b = fresh(false)
    let scanned = 0
    let mutated = 0
    const sc = makeScratch()
    for (let n = 1; n <= 6000; n++) {
      let f = genFrame(rnd, n)
      if (rnd() < 0.3) {
        f = mutate(rnd, f)
        mutated++
      }
      if (scanDelta(f, sc)) scanned++
      const ca = describeChange(Frames.step(a.st, f, 5))
      const cb = describeChange(Frames.step(b.st, f, 5))
      assert.strictEqual(ca, cb, `frame ${n}: ${f}`)
      // heal every book now and then so deltas keep applying
      if (n % 50 === 0) {
        for (const s of [a, b]) {
          for (const t of TICKERS) {
            Frames.step(
              s.st,
              JSON.stringify({ type: "orderbook_snapshot", sid: 1, seq: n, msg: { market_ticker: t } }),
              5
            )
          }
        }
      }
    }
    assert.deepStrictEqual(a.st.stats, b.st.stats)
    assert.deepStrictEqual(snapshotOf(a.books), snapshotOf(b.books))
    assert.isAbove(scanned, 2000) // the scanner did take most plain frames
    assert.isAbove(mutated, 1000)
    assert.isAbove(a.st.stats.malformed, 100)
  })

  it("every mutation the scanner accepts is a frame JSON.parse reads the same way", () => {
    const rnd = prng(99)
    const sc = makeScratch()
    for (let n = 1; n <= 20000; n++) {
      const f = mutate(rnd, genFrame(rnd, n))
      if (!scanDelta(f, sc)) continue
      const j = JSON.parse(f) as { type: string; sid: number; seq: number; msg: Record<string, unknown> }
      assert.strictEqual(j.type, "orderbook_delta", f)
      assert.strictEqual(f.slice(sc.tickerStart, sc.tickerEnd), j.msg.market_ticker, f)
      assert.strictEqual(sc.pips, D.parseUnits(j.msg.price_dollars as string, 4), f)
      assert.strictEqual(sc.lots, D.parseUnits(j.msg.delta_fp as string, 2), f)
      assert.strictEqual(sc.seq, j.seq, f)
    }
  })
})

describe("frame step: integrity", () => {
  const delta = (seq: number, price: string, size: string, side = "yes") =>
    JSON.stringify({
      type: "orderbook_delta",
      sid: 1,
      seq,
      msg: { market_ticker: TICKERS[0], price_dollars: price, delta_fp: size, side, ts_ms: 10 + seq }
    })

  it("a seq gap invalidates the sid's books; the next snapshot makes them valid again", () => {
    const { st, books } = fresh(true)
    const b = books[0]!
    Frames.step(st, JSON.stringify({ type: "subscribed", id: 1, msg: { channel: "orderbook_delta", sid: 1 } }), 1)
    Frames.step(
      st,
      JSON.stringify({ type: "orderbook_snapshot", sid: 1, seq: 1, msg: { market_ticker: TICKERS[0] } }),
      1
    )
    assert.strictEqual(Frames.step(st, delta(2, "0.4500", "10.00"), 2)._tag, "Book")
    assert.strictEqual(b.ladder.bids[45], 1000)
    const gap = Frames.step(st, delta(4, "0.4500", "5.00"), 3)
    assert.strictEqual(describeChange(gap), `Gap 1 3→4 [${TICKERS.join(",")}] None`)
    assert.isFalse(b.valid)
    assert.strictEqual(b.ladder.bids[45], 1000) // the delta after the gap was not applied
    assert.isUndefined(Frames.viewOf(b))
    assert.strictEqual(st.stats.gaps, 1)
    const snap = JSON.stringify({
      type: "orderbook_snapshot",
      sid: 1,
      seq: 5,
      msg: { market_ticker: TICKERS[0], yes_dollars_fp: [["0.4400", "3.00"]] }
    })
    assert.strictEqual(Frames.step(st, snap, 4)._tag, "Book")
    assert.isTrue(b.valid)
    const v = Frames.viewOf(b)!
    assert.strictEqual(v.bestLevel("bid"), 44)
    assert.strictEqual(v.bestLots("bid"), 300)
    assert.strictEqual(Frames.step(st, delta(6, "0.4400", "-1.00"), 5)._tag, "Book")
    assert.strictEqual(Frames.viewOf(b)!.bestLots("bid"), 200)
  })

  it("malformed frames are counted and skipped; a malformed delta invalidates its book", () => {
    const { st, books } = fresh(true)
    assert.strictEqual(Frames.step(st, "{not json", 1)._tag, "Malformed")
    const bad = JSON.stringify({ type: "orderbook_delta", sid: 1, msg: { market_ticker: 42, price_dollars: 0.5 } })
    assert.strictEqual(Frames.step(st, bad, 1)._tag, "Malformed")
    assert.strictEqual(st.stats.malformed, 2)
    assert.isTrue(books[0]!.valid)
    const c = Frames.step(st, delta(1, "0.4500", "abc"), 1)
    assert.strictEqual(describeChange(c), `Malformed ${TICKERS[0]} -`)
    assert.isFalse(books[0]!.valid)
    assert.strictEqual(st.stats.malformed, 3)
    // impossible deltas and off-grid prices invalidate without counting as malformed
    const s2 = fresh(true)
    assert.strictEqual(Frames.step(s2.st, delta(1, "0.4500", "-1.00"), 1)._tag, "Invalid")
    const s3 = fresh(true)
    assert.strictEqual(Frames.step(s3.st, delta(1, "0.4550", "1.00"), 1)._tag, "Invalid")
    const s4 = fresh(true)
    assert.strictEqual(Frames.step(s4.st, delta(1, "0.4500", "0.005"), 1)._tag, "Invalid") // not a whole lot
  })

  it("private events come out of a batch in venue order, a private gap before the frame that revealed it", () => {
    const { st } = fresh(true)
    const order = (id: string, seq?: number) =>
      JSON.stringify({
        type: "user_order",
        sid: 2,
        ...(seq === undefined ? {} : { seq }),
        msg: {
          order_id: id,
          ticker: TICKERS[0],
          status: "resting",
          yes_price_dollars: "0.4500",
          fill_count_fp: "0.00",
          remaining_count_fp: "1.00"
        }
      })
    const fill = JSON.stringify({
      type: "fill",
      sid: 3,
      msg: { trade_id: "t1", order_id: "o2", market_ticker: TICKERS[0], yes_price_dollars: "0.45", count_fp: "1.00" }
    })
    const out: Batch = { changed: new Set(), notes: [], recover: false, activity: false }
    const registry: Registry = new Map()
    runBatch(
      st,
      [
        JSON.stringify({ type: "subscribed", msg: { channel: "user_orders", sid: 2 } }),
        order("o1", 1),
        delta(1, "0.4500", "1.00"),
        fill,
        order("o3", 3), // seq 2 lost
        "{garbage",
        JSON.stringify({ type: "user_order", sid: 2, seq: 4, msg: { order_id: 7 } })
      ],
      1,
      registry,
      Session.initial,
      true,
      out
    )
    const events = out.notes.flatMap((n) =>
      n._tag !== "Publish"
        ? []
        : [
            n.event._tag === "UserOrder"
              ? `order ${n.event.order.order_id}`
              : n.event._tag === "Fill"
                ? `fill ${n.event.fill.trade_id}`
                : n.event._tag === "PrivateGap"
                  ? `gap ${n.event.channel}`
                  : n.event._tag
          ]
    )
    assert.deepStrictEqual(events, ["order o1", "fill t1", "gap user_orders", "order o3", "gap user_orders"])
    assert.deepStrictEqual(
      [...out.changed].map((b) => b.symbol),
      [TICKERS[0]]
    )
    assert.strictEqual(st.stats.malformed, 2)
  })
})
