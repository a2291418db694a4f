import { assert, describe, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import * as Q from "../src/Quoting.js"

const SIZE = 99 // levels 0..98 (a 1¢ grid 0.01..0.99)

/** A random uncrossed book with our own orders resting inside it. */
const scenario = fc
  .record({
    bestBid: fc.integer({ min: 0, max: SIZE - 2 }),
    gap: fc.integer({ min: 1, max: 12 }),
    bidDepth: fc.array(fc.record({ skip: fc.integer({ min: 0, max: 3 }), lots: fc.integer({ min: 1, max: 500 }) }), {
      minLength: 1,
      maxLength: 8
    }),
    askDepth: fc.array(fc.record({ skip: fc.integer({ min: 0, max: 3 }), lots: fc.integer({ min: 1, max: 500 }) }), {
      minLength: 1,
      maxLength: 8
    }),
    ownBid: fc.option(fc.record({ index: fc.nat(7), lots: fc.integer({ min: 1, max: 600 }) }), { nil: undefined }),
    ownAsk: fc.option(fc.record({ index: fc.nat(7), lots: fc.integer({ min: 1, max: 600 }) }), { nil: undefined }),
    position: fc.integer({ min: -300, max: 300 }),
    minSpreadTicks: fc.integer({ min: 1, max: 4 }),
    maxPosition: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
    skew: fc.double({ min: 0, max: 1, noNaN: true }),
    size: fc.integer({ min: 1, max: 200 }),
    minLevel: fc.integer({ min: 0, max: 20 }),
    maxLevel: fc.integer({ min: 78, max: SIZE - 1 }),
    tight: fc.constantFrom<"join" | "skip">("join", "skip")
  })
  .map((s) => {
    const bidLevels: Array<number> = []
    const bidLots: Array<number> = []
    let l = s.bestBid
    for (const d of s.bidDepth) {
      if (l < 0) break
      bidLevels.push(l)
      bidLots.push(d.lots)
      l -= 1 + d.skip
    }
    const askLevels: Array<number> = []
    const askLots: Array<number> = []
    l = Math.min(SIZE - 1, s.bestBid + s.gap)
    for (const d of s.askDepth) {
      if (l >= SIZE) break
      askLevels.push(l)
      askLots.push(d.lots)
      l += 1 + d.skip
    }
    const own: Array<Q.OwnOrder> = []
    // our own order is part of the public book: it adds its size to a level (maybe a level of its own)
    if (s.ownBid !== undefined) {
      const i = Math.min(s.ownBid.index, bidLevels.length - 1)
      bidLots[i] = bidLots[i]! + s.ownBid.lots
      own.push({ id: "b", side: "buy", level: bidLevels[i]!, lots: s.ownBid.lots, createdAt: 0 })
    }
    if (s.ownAsk !== undefined) {
      const i = Math.min(s.ownAsk.index, askLevels.length - 1)
      askLots[i] = askLots[i]! + s.ownAsk.lots
      own.push({ id: "a", side: "sell", level: askLevels[i]!, lots: s.ownAsk.lots, createdAt: 0 })
    }
    const input: Q.QuoteInput = {
      bids: { levels: bidLevels, lots: bidLots },
      asks: { levels: askLevels, lots: askLots },
      own,
      positionLots: s.position,
      now: 1_000,
      open: true,
      closeTime: undefined,
      lastBuyFillAt: undefined,
      lastSellFillAt: undefined
    }
    const params: Q.QuoteParams = {
      minSpreadTicks: s.minSpreadTicks,
      minSizeAheadLots: 0,
      sizeCurve: [{ minSpreadTicks: 0, lots: s.size }],
      maxPositionLots: s.maxPosition ?? Number.POSITIVE_INFINITY,
      inventorySkew: s.skew,
      requoteToleranceTicks: 0,
      requoteSizeTolerance: 0,
      maxOrderAgeMs: 60_000,
      filledOrderDelayMs: 0,
      stopBeforeCloseMs: 0,
      minLevel: s.minLevel,
      maxLevel: s.maxLevel,
      tightSpread: s.tight
    }
    // best levels without our own size
    const exBest = (levels: Array<number>, lots: Array<number>, side: "buy" | "sell") => {
      for (let i = 0; i < levels.length; i++) {
        const mine = own.filter((o) => o.side === side && o.level === levels[i]).reduce((a, o) => a + o.lots, 0)
        if (lots[i]! - mine > 0) return levels[i]!
      }
      return -1
    }
    return {
      input,
      params,
      exBid: exBest(bidLevels, bidLots, "buy"),
      exAsk: exBest(askLevels, askLots, "sell")
    }
  })

describe("quoting properties", () => {
  it.prop("quotes never cross, are on the grid and inside the allowed range", [scenario], ([s]) => {
    const q = Q.quote(s.input, s.params)
    for (const side of [q.bid, q.ask]) {
      if (side === undefined) continue
      assert.isTrue(Number.isInteger(side.level) && side.level >= 0 && side.level < SIZE, "on the grid")
      assert.isTrue(side.level >= s.params.minLevel && side.level <= s.params.maxLevel, "within the range")
      assert.isTrue(Number.isInteger(side.lots) && side.lots > 0, "whole positive lots")
    }
    if (q.bid !== undefined && q.ask !== undefined) assert.isTrue(q.bid.level < q.ask.level, "bid < ask")
    // post-only safe against everyone else: strictly inside the book without our orders
    if (q.bid !== undefined && s.exAsk >= 0) assert.isTrue(q.bid.level < s.exAsk)
    if (q.ask !== undefined && s.exBid >= 0) assert.isTrue(q.ask.level > s.exBid)
  })

  it.prop("exactly one tick inside when allowed; never in front of our own order", [scenario], ([s]) => {
    const q = Q.quote(s.input, s.params)
    const spread = s.exBid >= 0 && s.exAsk >= 0 ? s.exAsk - s.exBid : Number.POSITIVE_INFINITY
    if (spread < s.params.minSpreadTicks) {
      assert.isUndefined(q.bid)
      assert.isUndefined(q.ask)
      return
    }
    if (q.bid !== undefined) {
      // the improvement is measured on the book without us: at most one tick above the best other bid
      assert.isTrue(q.bid.level <= s.exBid + 1, "never jumps itself")
      const ideal = Math.min(s.exBid + 1, s.params.maxLevel)
      if (q.bidSkip === undefined && q.ask !== undefined && ideal < q.ask.level) {
        assert.strictEqual(q.bid.level, ideal, "one tick above the best bid")
      }
    }
    if (q.ask !== undefined) {
      assert.isTrue(q.ask.level >= s.exAsk - 1, "never jumps itself")
      const ideal = Math.max(s.exAsk - 1, s.params.minLevel)
      if (q.bid !== undefined && ideal > q.bid.level)
        assert.strictEqual(q.ask.level, ideal, "one tick below the best ask")
    }
    // spreads wide enough for two inside levels: both sides exactly one tick inside (range permitting)
    if (spread >= 3 && spread !== Number.POSITIVE_INFINITY && s.params.maxPositionLots === Number.POSITIVE_INFINITY) {
      if (s.exBid + 1 <= s.params.maxLevel && s.exBid + 1 >= s.params.minLevel && q.bid !== undefined) {
        assert.strictEqual(q.bid.level, s.exBid + 1)
      }
      if (s.exAsk - 1 >= s.params.minLevel && s.exAsk - 1 <= s.params.maxLevel && q.ask !== undefined) {
        assert.strictEqual(q.ask.level, s.exAsk - 1)
      }
    }
  })

  it.prop("inventory limits count the quote as exposure; skew never exceeds twice the base size", [scenario], ([s]) => {
    const q = Q.quote(s.input, s.params)
    const max = s.params.maxPositionLots
    const pos = s.input.positionLots
    const base = s.params.sizeCurve[0]!.lots
    if (q.bid !== undefined) {
      assert.isTrue(pos + q.bid.lots <= max, "long side within the limit")
      assert.isTrue(q.bid.lots <= 2 * base)
    }
    if (q.ask !== undefined) {
      assert.isTrue(pos - q.ask.lots >= -max, "short side within the limit")
      assert.isTrue(q.ask.lots <= 2 * base)
    }
  })

  it.prop(
    "depth-aware: the bid steps one tick in front of the first level where the size ahead reaches the threshold",
    [scenario, fc.integer({ min: 1, max: 1500 })],
    ([s, minAhead]) => {
      const params = { ...s.params, minSizeAheadLots: minAhead, minSpreadTicks: 1 }
      const q = Q.quote(s.input, params)
      const { levels, lots } = s.input.bids
      let ref = -1
      let cum = 0
      for (let i = 0; i < levels.length; i++) {
        const mine = s.input.own
          .filter((o) => o.side === "buy" && o.level === levels[i])
          .reduce((a, o) => a + o.lots, 0)
        cum += Math.max(0, lots[i]! - mine)
        if (cum >= minAhead && lots[i]! - mine > 0) {
          ref = levels[i]!
          break
        }
      }
      if (ref < 0) {
        assert.isUndefined(q.bid, "too thin: no bid")
        return
      }
      if (q.bid === undefined) return
      const expected = Math.min(ref + 1, params.maxLevel, s.exAsk >= 0 ? s.exAsk - 1 : params.maxLevel)
      assert.isTrue(q.bid.level <= expected)
      if (q.bid.level < expected) {
        assert.isTrue(q.ask !== undefined && q.ask.level === q.bid.level + 1, "only a tight spread moves it back")
      }
    }
  )
})
