import { Decimal as D, Ids, type OrderBook } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { cid, d, provideVenue, req, S1, services, settleFibers } from "./utils.js"

const ask = (price: string, amount: string) =>
  Effect.flatMap(services, ({ venue }) =>
    venue.addLiquidity({ symbol: S1, side: "sell", price: d(price), amount: d(amount) })
  )
const bid = (price: string, amount: string) =>
  Effect.flatMap(services, ({ venue }) =>
    venue.addLiquidity({ symbol: S1, side: "buy", price: d(price), amount: d(amount) })
  )

describe("matching engine", () => {
  it.effect("price-time priority: better price first, then arrival order; fills at the resting price", () =>
    Effect.gen(function* () {
      const { ex, venue } = yield* services
      const a1 = yield* ask("0.55", "5")
      const a2 = yield* ask("0.55", "5")
      yield* ask("0.54", "3")
      const o = yield* ex.createOrder(req({ side: "buy", price: "0.55", amount: "10", timeInForce: "IOC" }))
      assert.strictEqual(o.status, "closed")
      assert.strictEqual(o.filled, d("10"))
      const fills = yield* ex.fetchMyTrades({ symbol: S1 })
      assert.deepStrictEqual(
        fills.map((f) => [D.format(f.price), D.format(f.amount), f.takerOrMaker]),
        [
          ["0.54", "3", "taker"],
          ["0.55", "5", "taker"],
          ["0.55", "2", "taker"]
        ]
      )
      // cost = 3 × 0.54 + 7 × 0.55, average = cost / 10
      assert.strictEqual(o.cost, d("5.47"))
      assert.strictEqual(o.average, d("0.547"))
      const ext = yield* venue.externalOrders(S1)
      assert.deepStrictEqual(
        ext.map((x) => [x.id, D.format(x.remaining)]),
        [[a2.id, "3"]]
      )
      assert.isFalse(ext.some((x) => x.id === a1.id))
      const book = yield* ex.fetchOrderBook(S1)
      assert.deepStrictEqual(book.asks, [[d("0.55"), d("3")]])
    }).pipe(provideVenue())
  )

  it.effect("partial fill: the remainder of a GTC order rests", () =>
    Effect.gen(function* () {
      const { ex } = yield* services
      yield* ask("0.50", "4")
      const o = yield* ex.createOrder(req({ side: "buy", price: "0.50", amount: "10" }))
      assert.strictEqual(o.status, "open")
      assert.strictEqual(o.filled, d("4"))
      assert.strictEqual(o.remaining, d("6"))
      const book = yield* ex.fetchOrderBook(S1)
      assert.deepStrictEqual(book.bids, [[d("0.50"), d("6")]])
      assert.deepStrictEqual(book.asks, [])
    }).pipe(provideVenue())
  )

  it.effect("price improvement: a taker pays the resting price, and a resting maker gets its own price", () =>
    Effect.gen(function* () {
      const { ex, venue } = yield* services
      yield* ask("0.52", "10")
      const taker = yield* ex.createOrder(req({ side: "buy", price: "0.60", amount: "10" }))
      assert.strictEqual(taker.average, d("0.52"))
      assert.strictEqual(taker.cost, d("5.2"))
      // our resting sell at 0.70 against another participant's buy up to 0.75: we sell at 0.70
      const maker = yield* ex.createOrder(req({ side: "sell", price: "0.70", amount: "4", postOnly: true }))
      const ext = yield* venue.take({ symbol: S1, side: "buy", price: d("0.75"), amount: d("4") })
      assert.strictEqual(ext.average, d("0.70"))
      const after = yield* ex.fetchOrder(maker.id)
      assert.strictEqual(after.status, "closed")
      const fills = yield* ex.fetchMyTrades({ symbol: S1 })
      const last = fills[fills.length - 1]!
      assert.strictEqual(last.takerOrMaker, "maker")
      assert.strictEqual(last.price, d("0.70"))
      assert.strictEqual(last.orderId, maker.id)
    }).pipe(provideVenue())
  )

  it.effect("FOK is all or nothing", () =>
    Effect.gen(function* () {
      const { ex } = yield* services
      yield* ask("0.50", "3")
      const no = yield* ex.createOrder(req({ side: "buy", price: "0.50", amount: "5", timeInForce: "FOK" }))
      assert.strictEqual(no.status, "canceled")
      assert.strictEqual(no.filled, D.ZERO)
      assert.deepStrictEqual((yield* ex.fetchOrderBook(S1)).asks, [[d("0.50"), d("3")]])
      assert.strictEqual((yield* ex.fetchMyTrades()).length, 0)
      const yes = yield* ex.createOrder(req({ side: "buy", price: "0.50", amount: "3", timeInForce: "FOK" }))
      assert.strictEqual(yes.status, "closed")
      assert.strictEqual(yes.filled, d("3"))
    }).pipe(provideVenue())
  )

  it.effect("IOC: what cannot fill is canceled, never rests", () =>
    Effect.gen(function* () {
      const { ex } = yield* services
      yield* ask("0.50", "3")
      const o = yield* ex.createOrder(req({ side: "buy", price: "0.50", amount: "5", timeInForce: "IOC" }))
      assert.strictEqual(o.status, "canceled")
      assert.strictEqual(o.filled, d("3"))
      assert.strictEqual(o.remaining, D.ZERO)
      assert.deepStrictEqual((yield* ex.fetchOrderBook(S1)).bids, [])
      assert.strictEqual((yield* ex.fetchOpenOrders()).length, 0)
    }).pipe(provideVenue())
  )

  it.effect("post-only: refused with PostOnlyWouldCross when it would cross, rests otherwise", () =>
    Effect.gen(function* () {
      const { ex } = yield* services
      yield* ask("0.50", "3")
      yield* bid("0.45", "3")
      const e = yield* Effect.flip(ex.createOrder(req({ side: "buy", price: "0.50", amount: "1", postOnly: true })))
      assert.strictEqual(e._tag, "PostOnlyWouldCross")
      const e2 = yield* Effect.flip(ex.createOrder(req({ side: "sell", price: "0.45", amount: "1", postOnly: true })))
      assert.strictEqual(e2._tag, "PostOnlyWouldCross")
      const ok = yield* ex.createOrder(req({ side: "buy", price: "0.49", amount: "1", postOnly: true }))
      assert.strictEqual(ok.status, "open")
      assert.strictEqual((yield* ex.fetchMyTrades()).length, 0)
    }).pipe(provideVenue())
  )

  it.effect("self-trade prevention: our taker stops at our own resting order", () =>
    Effect.gen(function* () {
      const { ex } = yield* services
      yield* ex.createOrder(req({ side: "sell", price: "0.50", amount: "3" }))
      const o = yield* ex.createOrder(req({ side: "buy", price: "0.50", amount: "3" }))
      assert.strictEqual(o.status, "canceled")
      assert.strictEqual(o.filled, D.ZERO)
      assert.strictEqual((yield* ex.fetchMyTrades()).length, 0)
      const book = yield* ex.fetchOrderBook(S1)
      assert.deepStrictEqual(book.bids, [])
      assert.deepStrictEqual(book.asks, [[d("0.50"), d("3")]])
    }).pipe(provideVenue())
  )

  it.effect("reduce-only: refused when it would grow the position; trimmed when the position shrinks", () =>
    Effect.gen(function* () {
      const { ex, venue } = yield* services
      const e = yield* Effect.flip(ex.createOrder(req({ side: "sell", price: "0.70", amount: "1", reduceOnly: true })))
      assert.strictEqual(e._tag, "InvalidOrder")
      yield* ask("0.40", "5")
      yield* ex.createOrder(req({ side: "buy", price: "0.40", amount: "5" }))
      const tooBig = yield* Effect.flip(
        ex.createOrder(req({ side: "sell", price: "0.70", amount: "6", reduceOnly: true }))
      )
      assert.strictEqual(tooBig._tag, "InvalidOrder")
      const ro = yield* ex.createOrder(req({ side: "sell", price: "0.70", amount: "5", reduceOnly: true }))
      assert.strictEqual(ro.status, "open")
      // the position shrinks to 3 through another sell: the reduce-only order no longer fits and is canceled
      yield* bid("0.35", "2")
      yield* ex.createOrder(req({ side: "sell", price: "0.35", amount: "2", timeInForce: "IOC" }))
      const after = yield* ex.fetchOrder(ro.id)
      assert.strictEqual(after.status, "canceled")
      // a reduce-only buy while long is refused
      const wrongSide = yield* Effect.flip(
        ex.createOrder(req({ side: "buy", price: "0.30", amount: "1", reduceOnly: true }))
      )
      assert.strictEqual(wrongSide._tag, "InvalidOrder")
      yield* venue.expireDue
    }).pipe(provideVenue())
  )

  it.effect("amend: a smaller size keeps queue priority, a new price loses it", () =>
    Effect.gen(function* () {
      const { ex, venue } = yield* services
      const first = yield* ex.createOrder(req({ side: "buy", price: "0.40", amount: "5", clientOrderId: cid("a") }))
      yield* bid("0.40", "5")
      const smaller = yield* ex.editOrder(first.id, S1, { amount: d("3") })
      assert.strictEqual(smaller.id, first.id)
      assert.strictEqual(smaller.remaining, d("3"))
      // an external seller of 3 hits us first (we kept priority)
      yield* venue.take({ symbol: S1, side: "sell", price: d("0.40"), amount: d("3") })
      assert.strictEqual((yield* ex.fetchOrder(first.id)).status, "closed")

      const second = yield* ex.createOrder(req({ side: "buy", price: "0.39", amount: "2" }))
      yield* bid("0.38", "2")
      const moved = yield* ex.editOrder(second.id, S1, { price: d("0.38") })
      assert.strictEqual(moved.price, d("0.38"))
      // external bids: 2 left at 0.40, 2 at 0.38 ahead of us; a seller of 4 down to 0.38 fills them, not us
      yield* venue.take({ symbol: S1, side: "sell", price: d("0.38"), amount: d("4") })
      const still = yield* ex.fetchOrder(second.id)
      assert.strictEqual(still.status, "open")
      assert.strictEqual(still.filled, D.ZERO)
    }).pipe(provideVenue())
  )

  it.effect("GTD expiry is driven by the Clock (TestClock)", () =>
    Effect.gen(function* () {
      const { ex, venue } = yield* services
      const events = yield* ex.watchOrders(S1).pipe(Stream.take(2), Stream.runCollect, Effect.fork)
      yield* settleFibers
      const o = yield* ex.createOrder(req({ side: "buy", price: "0.40", amount: "5", expiry: 60_000 }))
      const ext = yield* venue.addLiquidity({
        symbol: S1,
        side: "sell",
        price: d("0.60"),
        amount: d("1"),
        expiry: 30_000
      })
      yield* settleFibers
      yield* TestClock.adjust("29999 millis")
      assert.strictEqual((yield* ex.fetchOrderBook(S1)).asks.length, 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* ex.fetchOrderBook(S1)).asks.length, 0)
      assert.isFalse((yield* venue.externalOrders(S1)).some((x) => x.id === ext.id))
      assert.strictEqual((yield* ex.fetchOrder(o.id)).status, "open")
      yield* TestClock.adjust("30 seconds")
      // the expiry fiber publishes the change without any call to the venue
      const seen = Chunk.toReadonlyArray(yield* Fiber.join(events))
      assert.deepStrictEqual(
        seen.map((x) => x.status),
        ["open", "expired"]
      )
      const expired = yield* ex.fetchOrder(o.id)
      assert.strictEqual(expired.status, "expired")
      assert.strictEqual(expired.lastUpdateTimestamp, 60_000)
      assert.strictEqual((yield* ex.fetchOpenOrders()).length, 0)
    }).pipe(provideVenue())
  )

  it.effect("market orders take up to their price cap and never rest", () =>
    Effect.gen(function* () {
      const { ex } = yield* services
      yield* ask("0.50", "2")
      yield* ask("0.60", "2")
      const o = yield* ex.createOrder(req({ side: "buy", type: "market", price: "0.55", amount: "4" }))
      assert.strictEqual(o.filled, d("2"))
      assert.strictEqual(o.status, "canceled")
      assert.strictEqual(o.timeInForce, "IOC")
    }).pipe(provideVenue())
  )

  it.effect("watchMyTrades sees every fill once, in order", () =>
    Effect.gen(function* () {
      const { ex } = yield* services
      const fills = yield* ex.watchMyTrades().pipe(Stream.take(3), Stream.runCollect, Effect.fork)
      yield* settleFibers
      yield* ask("0.51", "1")
      yield* ask("0.52", "1")
      yield* ask("0.53", "1")
      yield* ex.createOrder(req({ side: "buy", price: "0.53", amount: "3", timeInForce: "IOC" }))
      const seen = Chunk.toReadonlyArray(yield* Fiber.join(fills))
      assert.deepStrictEqual(
        seen.map((f) => D.format(f.price)),
        ["0.51", "0.52", "0.53"]
      )
      assert.strictEqual(new Set(seen.map((f) => f.id)).size, 3)
    }).pipe(provideVenue())
  )

  it.effect("watchOrderBook: snapshot first, then every change with a growing sequence", () =>
    Effect.gen(function* () {
      const { ex } = yield* services
      yield* bid("0.40", "1")
      const books = yield* ex.watchOrderBook(S1).pipe(Stream.take(3), Stream.runCollect, Effect.fork)
      yield* settleFibers
      yield* ask("0.60", "2")
      yield* ex.createOrder(req({ side: "sell", price: "0.40", amount: "1", timeInForce: "IOC" }))
      const seen = Chunk.toReadonlyArray(yield* Fiber.join(books))
      assert.deepStrictEqual(
        seen.map((b) => [b.bids.length, b.asks.length]),
        [
          [1, 0],
          [1, 1],
          [0, 1]
        ]
      )
      const seqs = seen.map((b) => b.sequence ?? 0)
      assert.isTrue(seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]!)
      const unknown = yield* Effect.flip(Stream.runHead(ex.watchOrderBook(Ids.Symbol.make("NOPE"))))
      assert.strictEqual(unknown._tag, "BadSymbol")
    }).pipe(provideVenue())
  )

  it.effect("watchBook: integer views equal the Decimal book; a slow consumer gets the latest, never a backlog", () =>
    Effect.gen(function* () {
      const { ex } = yield* services
      yield* bid("0.40", "1")
      yield* bid("0.38", "3")
      const gate = yield* Queue.unbounded<void>()
      const taken = yield* Queue.unbounded<OrderBook.BookView>()
      const views = yield* ex.watchBook(S1).pipe(
        Stream.tap((v) => Queue.offer(taken, v)),
        Stream.mapEffect(() => Queue.take(gate)),
        Stream.take(2),
        Stream.runDrain,
        Effect.fork
      )
      const first = yield* Queue.take(taken)
      assert.deepStrictEqual(first.toOrderBook().bids, (yield* ex.fetchOrderBook(S1)).bids)
      // five changes while the consumer is busy: it then sees only the state after the last one
      yield* ask("0.60", "2")
      yield* ask("0.61", "3")
      yield* ask("0.62", "4")
      yield* bid("0.41", "1")
      yield* ex.createOrder(req({ side: "sell", price: "0.41", amount: "1", timeInForce: "IOC" }))
      yield* Queue.offer(gate, undefined)
      const last = yield* Queue.take(taken)
      yield* Queue.offer(gate, undefined)
      yield* Fiber.join(views)
      const book = yield* ex.fetchOrderBook(S1)
      assert.deepStrictEqual(last.toOrderBook().bids, book.bids)
      assert.deepStrictEqual(last.toOrderBook().asks, book.asks)
      assert.isAbove(last.version, first.version)
      assert.strictEqual(last.version, book.sequence)
      // integers on the market's grid and lot step
      assert.strictEqual(D.format(last.grid.priceAt(last.bestLevel("bid"))), "0.4")
      assert.strictEqual(D.format(D.mulInt(last.lotStep, last.bestLots("ask"))), "2")
      assert.deepStrictEqual(
        Array.from(last.levels("ask", 2).levels, (l) => D.format(last.grid.priceAt(l))),
        ["0.6", "0.61"]
      )
      const unknown = yield* Effect.flip(Stream.runHead(ex.watchBook(Ids.Symbol.make("NOPE"))))
      assert.strictEqual(unknown._tag, "BadSymbol")
    }).pipe(provideVenue())
  )
})
