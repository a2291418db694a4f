import { Tape } from "@alpha-hunter/tape"
import { assert, describe, it } from "@effect/vitest"
import { frameType, SeqWatch, tickerOf } from "../src/internal/tapeSeq.js"

const wanted: ReadonlySet<string> = new Set(["M-A", "M-B"])
const subscribed = (sid: number, channel: string) =>
  `{"id":1,"type":"subscribed","msg":{"channel":"${channel}","sid":${sid}}}`
const delta = (sid: number, seq: number, ticker = "M-A") =>
  `{"type":"orderbook_delta","sid":${sid},"seq":${seq},"msg":{"market_ticker":"${ticker}","price_dollars":"0.40","delta_fp":"1.00","side":"yes"}}`
const snapshot = (sid: number, seq: number, ticker = "M-A") =>
  `{"type":"orderbook_snapshot","sid":${sid},"seq":${seq},"msg":{"market_ticker":"${ticker}","yes_dollars_fp":[],"no_dollars_fp":[]}}`
const trade = (sid: number, seq: number) =>
  `{"type":"trade","sid":${sid},"seq":${seq},"msg":{"market_ticker":"M-B","yes_price_dollars":"0.41","count_fp":"2.00"}}`

/** feeds frames in order; returns the gap reasons found, in order */
const gaps = (w: SeqWatch, frames: ReadonlyArray<string>) =>
  frames.flatMap((raw, i) => {
    const g = w.observe(Tape.frameRecord(i, raw), frameType(raw), tickerOf(raw), wanted)
    return g === undefined ? [] : [g]
  })

describe("SeqWatch (the recorders' one seq-gap rule)", () => {
  it("numbered frames in sequence make no gap; a skipped number is one gap naming channel, sid, numbers and markets", () => {
    const w = new SeqWatch()
    const found = gaps(w, [
      subscribed(1, "orderbook_delta"),
      snapshot(1, 1),
      delta(1, 2),
      delta(1, 3, "M-B"),
      delta(1, 4),
      delta(1, 7)
    ])
    assert.strictEqual(found.length, 1)
    const g = found[0]!
    assert.deepStrictEqual([g.channel, g.sid, g.from, g.to], ["orderbook_delta", 1, 4, 7])
    assert.deepStrictEqual([...g.symbols].sort(), ["M-A", "M-B"])
    assert.strictEqual(g.reason, "seq gap on orderbook_delta (sid 1): 4 → 7")
  })

  it("a book snapshot with a higher number heals its subscription; a lower one or a delta does not", () => {
    const w = new SeqWatch()
    assert.strictEqual(gaps(w, [subscribed(1, "orderbook_delta"), delta(1, 1), snapshot(1, 9), delta(1, 10)]).length, 0)
    assert.strictEqual(gaps(w, [snapshot(1, 3)]).length, 1)
  })

  it("subscriptions are followed apart; answers to subscribe carry no position; unknown channels say so", () => {
    const w = new SeqWatch()
    const found = gaps(w, [
      subscribed(1, "orderbook_delta"),
      delta(1, 1),
      trade(2, 1),
      subscribed(3, "ticker"),
      delta(1, 2),
      trade(2, 2),
      trade(2, 4)
    ])
    assert.deepStrictEqual(
      found.map((g) => g.reason),
      ["seq gap on unknown (sid 2): 2 → 4"]
    )
    assert.deepStrictEqual(found[0]!.symbols, [])
  })

  it("a new connection starts every subscription afresh; after dropped frames the next number is taken as it comes", () => {
    const w = new SeqWatch()
    assert.strictEqual(gaps(w, [subscribed(1, "orderbook_delta"), delta(1, 1), delta(1, 2)]).length, 0)
    w.reset()
    // same sid on the new connection, numbers from 1 again: no gap, and the channel is no longer known
    assert.strictEqual(gaps(w, [delta(1, 1), delta(1, 2)]).length, 0)
    w.forgetPositions()
    assert.strictEqual(gaps(w, [delta(1, 40), delta(1, 41)]).length, 0)
    assert.strictEqual(gaps(w, [delta(1, 43)])[0]!.reason, "seq gap on unknown (sid 1): 41 → 43")
  })

  it("reads a frame's type and market without parsing it", () => {
    assert.strictEqual(frameType(delta(1, 1)), "orderbook_delta")
    assert.strictEqual(frameType(`{"id":3,"msg":{"event_type":"x"}}`), undefined)
    assert.strictEqual(tickerOf(trade(2, 1)), "M-B")
    assert.strictEqual(tickerOf(subscribed(1, "trade")), undefined)
  })
})
