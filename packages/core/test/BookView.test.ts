import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as fc from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as D from "../src/Decimal.js"
import { Symbol } from "../src/Ids.js"
import * as OrderBook from "../src/OrderBook.js"
import * as TickGrid from "../src/TickGrid.js"

const range = (start: string, end: string, step: string) =>
  TickGrid.PriceRange.make({ start: D.d(start), end: D.d(end), step: D.d(step) })

/** The three Kalshi price structures. */
const grids: ReadonlyArray<readonly [string, TickGrid.TickGrid]> = [
  ["cent", TickGrid.unsafeMake({ ranges: [range("0", "1", "0.01")] })],
  ["deci-cent", TickGrid.unsafeMake({ ranges: [range("0", "1", "0.001")] })],
  [
    "tapered",
    TickGrid.unsafeMake({
      ranges: [range("0", "0.1", "0.001"), range("0.1", "0.9", "0.01"), range("0.9", "1", "0.001")]
    })
  ]
]
const sym = Symbol.make("KXVIEW")
const lot = D.d("0.01")

/** A delta as a feed applies it: side, a level (as a fraction of the grid), a signed change in lots. */
const delta = fc.record({
  bid: fc.boolean(),
  at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  lots: fc.integer({ min: -5_000, max: 5_000 }),
  set: fc.boolean()
})

const fmt = (b: OrderBook.OrderBook) => ({
  bids: b.bids.map(([p, a]) => `${D.format(p)}@${D.format(a)}`),
  asks: b.asks.map(([p, a]) => `${D.format(p)}@${D.format(a)}`),
  sequence: b.sequence,
  timestamp: b.timestamp
})

describe("BookView", () => {
  it.prop(
    "a snapshot's views equal the Decimal book built from the same deltas (cent, deci-cent, tapered grids)",
    [
      fc.integer({ min: 0, max: grids.length - 1 }),
      fc.array(delta, { maxLength: 300 }),
      fc.integer({ min: 1, max: 8 })
    ],
    ([g, deltas, depth]) => {
      const [, grid] = grids[g]!
      const ladder = new OrderBook.BookLadder(grid.size)
      // an independent model: lots per level
      const model = { bid: new Map<number, number>(), ask: new Map<number, number>() }
      let version = ladder.version
      for (const [i, d] of deltas.entries()) {
        const level = Math.floor(d.at * grid.size)
        const m = d.bid ? model.bid : model.ask
        const next = d.set ? Math.abs(d.lots) : Math.max(0, (m.get(level) ?? 0) + d.lots)
        if (next > 0) m.set(level, next)
        else m.delete(level)
        if (d.set) {
          if (d.bid) ladder.setBid(level, next)
          else ladder.setAsk(level, next)
        } else if (d.bid) ladder.addBid(level, d.lots)
        else ladder.addAsk(level, d.lots)
        ladder.sequence = i + 1
        ladder.timestamp = 1_000 + i
        assert.isTrue(ladder.version > version, "version grows with every change")
        version = ladder.version
      }
      const expected = OrderBook.OrderBook.make({
        symbol: sym,
        bids: [...model.bid].sort((a, b) => b[0] - a[0]).map(([l, q]) => [grid.priceAt(l), D.mulInt(lot, q)] as const),
        asks: [...model.ask].sort((a, b) => a[0] - b[0]).map(([l, q]) => [grid.priceAt(l), D.mulInt(lot, q)] as const),
        sequence: ladder.sequence,
        timestamp: ladder.timestamp
      })
      const view = ladder.snapshot(sym, grid, lot)
      assert.deepStrictEqual(fmt(view.toOrderBook()), fmt(expected))
      assert.deepStrictEqual(fmt(view.toOrderBook()), fmt(ladder.toOrderBook(sym, grid, lot)))
      assert.strictEqual(view.toOrderBook(), view.toOrderBook(), "the Decimal book is built once")
      assert.strictEqual(view.version, ladder.version)
      assert.strictEqual(ladder.bidCount, model.bid.size)
      assert.strictEqual(ladder.askCount, model.ask.size)
      // integer reads
      assert.strictEqual(view.bestLevel("bid"), ladder.bestBid)
      assert.strictEqual(view.bestLevel("ask"), ladder.hasAsk() ? ladder.bestAsk : -1)
      assert.strictEqual(view.bestLots("bid"), ladder.hasBid() ? ladder.bids[ladder.bestBid] : 0)
      const top = view.levels("ask", depth)
      const modelTop = [...model.ask].sort((a, b) => a[0] - b[0]).slice(0, depth)
      assert.deepStrictEqual(
        Array.from(top.levels),
        modelTop.map(([l]) => l)
      )
      assert.deepStrictEqual(
        Array.from(top.lots),
        modelTop.map(([, q]) => q)
      )
      // a shallow snapshot is the top of the book
      const shallow = ladder.snapshot(sym, grid, lot, depth)
      assert.deepStrictEqual(fmt(shallow.toOrderBook()), fmt(ladder.toOrderBook(sym, grid, lot, depth)))
      // and the view survives later changes to the ladder
      const before = fmt(view.toOrderBook())
      ladder.clear()
      assert.deepStrictEqual(
        fmt(ladder.snapshot(sym, grid, lot).toOrderBook()),
        fmt(ladder.toOrderBook(sym, grid, lot))
      )
      assert.deepStrictEqual(fmt(view.toOrderBook()), before)
      // a view of the Decimal book is the same view
      const back = OrderBook.BookSnapshot.fromOrderBook(expected, grid, lot, 1)
      assert.deepStrictEqual(Array.from(back.levels("bid").levels), Array.from(view.levels("bid").levels))
      assert.deepStrictEqual(Array.from(back.levels("bid").lots), Array.from(view.levels("bid").lots))
      assert.deepStrictEqual(Array.from(back.levels("ask").lots), Array.from(view.levels("ask").lots))
    },
    { fastCheck: { numRuns: 300 } }
  )

  it("an empty ladder gives an empty view", () => {
    const [, grid] = grids[0]!
    const v = new OrderBook.BookLadder(grid.size).snapshot(sym, grid, lot)
    assert.strictEqual(v.bestLevel("bid"), -1)
    assert.strictEqual(v.bestLevel("ask"), -1)
    assert.strictEqual(v.bestLots("ask"), 0)
    assert.strictEqual(v.levels("bid").levels.length, 0)
    assert.deepStrictEqual(v.toOrderBook().bids, [])
  })
})

describe("conflation", () => {
  it.effect("latest: a consumer that falls behind a SubscriptionRef gets the newest value, never a backlog", () =>
    Effect.gen(function* () {
      const ref = yield* SubscriptionRef.make(0)
      const seen: Array<number> = []
      const gate = yield* Queue.unbounded<void>()
      const sub = yield* Queue.unbounded<void>()
      const fiber = yield* ref.changes.pipe(
        OrderBook.latest,
        Stream.tap((n) => Effect.sync(() => seen.push(n))),
        Stream.tap(() => Queue.offer(sub, undefined)),
        // the consumer is slow: it waits for the test after each element
        Stream.mapEffect(() => Queue.take(gate)),
        Stream.take(2),
        Stream.runDrain,
        Effect.fork
      )
      yield* Queue.take(sub)
      assert.deepStrictEqual(seen, [0])
      for (let i = 1; i <= 50; i++) yield* SubscriptionRef.set(ref, i)
      yield* Queue.offer(gate, undefined)
      yield* Queue.offer(gate, undefined)
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(seen, [0, 50])
    })
  )

  it("latest keeps the last element of each chunk", () =>
    Effect.runSync(
      Effect.map(Stream.runCollect(OrderBook.latest(Stream.fromChunks(Chunk.make(1, 2, 3), Chunk.make(4)))), (c) =>
        assert.deepStrictEqual(Chunk.toReadonlyArray(c), [3, 4])
      )
    ))

  it.effect("pullLatest reads the source when the consumer pulls: the latest state, each version once", () =>
    Effect.gen(function* () {
      const [, grid] = grids[1]!
      const ladder = new OrderBook.BookLadder(grid.size)
      let valid = true
      const wake = yield* PubSub.sliding<void>(1)
      const views: Array<OrderBook.BookView> = []
      const gate = yield* Queue.unbounded<void>()
      const sub = yield* Queue.unbounded<void>()
      const fiber = yield* Stream.unwrapScoped(
        Effect.map(PubSub.subscribe(wake), (q) =>
          OrderBook.pullLatest(
            Stream.fromQueue(q),
            Effect.sync(() => (valid ? ladder.snapshot(sym, grid, lot) : undefined))
          )
        )
      ).pipe(
        Stream.tap((v) => Effect.sync(() => views.push(v))),
        Stream.tap(() => Queue.offer(sub, undefined)),
        Stream.mapEffect(() => Queue.take(gate)),
        Stream.take(3),
        Stream.runDrain,
        Effect.scoped,
        Effect.fork
      )
      yield* Queue.take(sub) // the first view (empty book)
      // a burst the consumer is too busy to see: only the end state is delivered
      for (let l = 100; l < 200; l++) {
        ladder.setBid(l, l)
        yield* PubSub.publish(wake, undefined)
      }
      yield* Queue.offer(gate, undefined)
      yield* Queue.take(sub)
      assert.strictEqual(views.length, 2)
      assert.strictEqual(views[1]!.bestLevel("bid"), 199)
      assert.strictEqual(views[1]!.levels("bid").levels.length, 100)
      // a signal without a change is not a new view; an invalid book is not shown
      yield* PubSub.publish(wake, undefined)
      valid = false
      ladder.setBid(300, 1)
      yield* PubSub.publish(wake, undefined)
      valid = true
      ladder.setBid(301, 1)
      yield* Queue.offer(gate, undefined)
      yield* PubSub.publish(wake, undefined)
      yield* Queue.take(sub)
      yield* Queue.offer(gate, undefined)
      yield* Fiber.join(fiber)
      assert.strictEqual(views.length, 3)
      assert.strictEqual(views[2]!.bestLevel("bid"), 301)
      assert.isTrue(views[1]!.version < views[2]!.version)
      // the earlier views did not change under their reader
      assert.strictEqual(views[0]!.bestLevel("bid"), -1)
      assert.strictEqual(views[1]!.bestLevel("bid"), 199)
    })
  )
})
