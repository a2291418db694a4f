import { Decimal as D, Ids } from "@alpha-hunter/core"
import { type Tape, TapeReader } from "@alpha-hunter/tape"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { FillModel, ReplayVenue, SimRuntime } from "../src/index.js"
import * as F from "../src/internal/frames.js"
import * as T from "../src/internal/tape.js"
import { delta as bookDelta, SYMBOL, snapshot, T0, writeTape } from "./helpers.js"

const frame = (t: number, raw: string): Tape.TapeRecord => ({ k: "frame", t, raw })
const delta = (t: number, price: string) =>
  frame(
    t,
    JSON.stringify({
      type: "orderbook_delta",
      sid: 1,
      seq: t,
      msg: { market_ticker: "M", price_dollars: price, delta_fp: "5.00", side: "yes" }
    })
  )

/** an iterator over `xs` that counts how many records were pulled from it */
const counted = (xs: ReadonlyArray<Tape.TapeRecord>) => {
  let pulled = 0
  const it: Iterator<Tape.TapeRecord, void> = {
    next: () => (pulled < xs.length ? { done: false, value: xs[pulled++]! } : { done: true, value: undefined })
  }
  return { it, pulled: () => pulled }
}

describe("decodeAhead", () => {
  it("gives every record in order with its frame decoded as F.parse does; unused and malformed frames marked", () => {
    const recs: Array<Tape.TapeRecord> = [
      { k: "gap", t: 1, reason: "reconnect" },
      delta(2, "0.45"),
      frame(3, '{"type":"ticker","msg":{"market_ticker":"M"}}'),
      frame(4, "{not json"),
      delta(5, "0.46")
    ]
    const it = T.decodeAhead(counted(recs).it, 2)
    const out: Array<T.Ahead> = []
    for (let r = it.next(); r.done !== true; r = it.next()) out.push(r.value)
    assert.deepStrictEqual(
      out.map((a) => a.rec),
      recs
    )
    assert.strictEqual(out[0]!.ev, undefined)
    assert.deepStrictEqual(out[1]!.ev, F.parse((recs[1] as Tape.FrameRecord).raw))
    assert.strictEqual(out[2]!.ev, T.UNUSED)
    assert.strictEqual(out[3]!.ev, T.MALFORMED)
    assert.deepStrictEqual(out[4]!.ev, F.parse((recs[4] as Tape.FrameRecord).raw))
    // ended: stays ended
    assert.strictEqual(it.next().done, true)
  })

  it("holds at most one batch: pulls the next batch only when the last is used up", () => {
    const recs = Array.from({ length: 10 }, (_, i) => delta(i, "0.50"))
    const src = counted(recs)
    const it = T.decodeAhead(src.it, 4)
    it.next()
    assert.strictEqual(src.pulled(), 4)
    for (let i = 0; i < 3; i++) it.next()
    assert.strictEqual(src.pulled(), 4)
    it.next()
    assert.strictEqual(src.pulled(), 8)
  })

  it.effect("a replay skips a malformed frame among decoded ones, counts it, and applies the frames after it", () =>
    Effect.gen(function* () {
      const dir = yield* writeTape([
        [0, snapshot([["0.50", "100.00"]], [["0.55", "20.00"]])],
        [1_000, bookDelta("yes", "0.50", "10.00")],
        [2_000, '{"type":"orderbook_delta","msg":{"market_ticker":'],
        [3_000, bookDelta("yes", "0.50", "5.00")]
      ])
      const program = Effect.scoped(
        Effect.gen(function* () {
          const reader = yield* TapeReader.open(dir)
          const v = yield* ReplayVenue.make(
            ReplayVenue.readHead(reader, "rec"),
            FillModel.ReplayConfig.make({ fill: FillModel.FillModel.make({ kind: "queue" }) }),
            "rec"
          )
          yield* v.feed
          const book = yield* v.exchange.fetchOrderBook(Ids.Symbol.make(SYMBOL))
          return { stats: v.stats(), bid: book.bids[0] }
        })
      )
      const r = SimRuntime.run(program, { startMs: T0, seed: 1 })
      assert.isTrue(Exit.isSuccess(r.exit))
      if (!Exit.isSuccess(r.exit)) return
      const { stats, bid } = r.exit.value
      assert.strictEqual(stats.frames, 4)
      assert.strictEqual(stats.malformed, 1)
      // 100 + 10 + 5 at 0.50: the delta after the malformed frame applied
      assert.deepStrictEqual([D.format(bid![0]), D.format(bid![1])], ["0.5", "115"])
    })
  )
})
