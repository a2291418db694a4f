/**
 * The pure parts of the venue port's state: the order store stays bounded, merges monotonically, and the
 * write batcher answers every caller however its sender ends.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import * as D from "../src/Decimal.js"
import * as ExchangeError from "../src/ExchangeError.js"
import * as Ids from "../src/Ids.js"
import * as batcher from "../src/internal/venue/batcher.js"
import * as Order from "../src/Order.js"
import * as store from "../src/OrderStore.js"
import * as WriteOutcome from "../src/WriteOutcome.js"

const symbol = Ids.Symbol.make("KXSIMA-26DEC31-E0-M0")
const order = (i: number, status: Order.OrderStatus, t: number, validate = false) =>
  Order.Order.make(
    {
      id: Ids.OrderId.make(`o-${i}`),
      clientOrderId: Ids.ClientOrderId.make(`c-${i}`),
      symbol,
      side: "buy",
      type: "limit",
      price: D.d("0.40"),
      cost: status === "closed" ? D.d("0.40") : D.ZERO,
      amount: D.d("1"),
      filled: status === "closed" ? D.d("1") : D.ZERO,
      remaining: status === "open" ? D.d("1") : D.ZERO,
      status,
      timeInForce: "GTC",
      postOnly: false,
      reduceOnly: false,
      timestamp: t,
      lastUpdateTimestamp: t
    },
    !validate
  )

describe("order store (OrderStore)", () => {
  it("10k create → cancel cycles (and a fill each) leave it bounded; idle, it empties", () => {
    let s = store.empty()
    const meta = { timeInForce: "GTC", postOnly: true } as const
    let t = 1_000_000
    let peak = { orders: 0, meta: 0, byCid: 0, fills: 0 }
    for (let i = 0; i < 10_000; i++) {
      t += 100 // ten cycles a second, for 1 000 s
      s = store.upsert(s, order(i, "open", t), t, meta)[1]
      s = store.seeFill(s, `trade-${i}`, t)[1]
      s = store.upsert(s, order(i, "canceled", t + 50), t + 50)[1]
      const z = store.sizes(s)
      peak = {
        orders: Math.max(peak.orders, z.orders),
        meta: Math.max(peak.meta, z.meta),
        byCid: Math.max(peak.byCid, z.byCid),
        fills: Math.max(peak.fills, z.fills)
      }
    }
    // at most 60 s of terminal orders (600 cycles) plus the pruning step (1 s), never 10k
    assert.isAtMost(peak.orders, 611)
    assert.isAtMost(peak.meta, 611)
    assert.isAtMost(peak.byCid, 611)
    // trade ids: two generations of at most 15 min each (≤ 18 000 cycles), whatever the run length
    assert.isAtMost(peak.fills, 18_010)
    assert.strictEqual(store.live(s).length, 0)
    // idle: the periodic sweep empties everything within two fill generations
    const idle = store.prune(store.prune(s, t + 16 * 60_000), t + 32 * 60_000)
    assert.deepStrictEqual(store.sizes(idle), { orders: 0, meta: 0, byCid: 0, fills: 0 })
  })

  it("merges monotonically: no regression from terminal, no smaller fill; keeps metadata and client id", () => {
    let s = store.empty()
    const [first, s1] = store.upsert(s, order(1, "open", 1, true), 1, { timeInForce: "GTC", postOnly: true })
    s = s1
    assert.isTrue(first?.postOnly) // recorded metadata wins over the venue's view
    const same = store.upsert(s, order(1, "open", 2), 2)
    assert.isUndefined(same[0]) // nothing changed: nothing to publish
    s = store.upsert(s, order(1, "canceled", 3), 3)[1]
    const stale = store.upsert(s, order(1, "open", 4), 4)
    assert.isUndefined(stale[0])
    assert.strictEqual(store.order(stale[1], "o-1")?.status, "canceled")
    const noCid = Order.Order.make({ ...order(1, "closed", 5), clientOrderId: undefined })
    const [merged] = store.upsert(stale[1], noCid, 5)
    assert.strictEqual(merged?.clientOrderId, "c-1")
  })

  it("fills are de-duplicated within the window", () => {
    const [a, s] = store.seeFill(store.empty(), "t-1", 0)
    const [b] = store.seeFill(s, "t-1", 60_000)
    assert.isTrue(a)
    assert.isFalse(b)
  })
})

describe("write batcher (internal/venue/batcher)", () => {
  type Job = batcher.Item & { readonly n: number }
  const setup = (
    send: (items: ReadonlyArray<Job>) => Effect.Effect<ReadonlyArray<WriteOutcome.WriteOutcome>>,
    admit: (n: number) => Effect.Effect<void, ExchangeError.ExchangeError> = () => Effect.void
  ) =>
    Effect.gen(function* () {
      const queue = yield* Queue.unbounded<Job>()
      const settled: Array<WriteOutcome.WriteOutcome["_tag"]> = []
      yield* Effect.forkScoped(
        batcher.run<Job>({
          venue: "v",
          queue,
          max: () => 4,
          admit,
          send,
          settle: (it, o) =>
            Effect.zipRight(
              Effect.sync(() => settled.push(o._tag)),
              Effect.as(Deferred.succeed(it.done!, o), o)
            )
        })
      )
      const submit = (n: number) =>
        Effect.forEach(Array.from({ length: n }), (_, i) =>
          Effect.tap(Deferred.make<WriteOutcome.WriteOutcome>(), (done) => Queue.offer(queue, { done, n: i }))
        )
      const offer = (done: Deferred.Deferred<WriteOutcome.WriteOutcome>) => Queue.offer(queue, { done, n: -1 })
      return { submit, settled, offer }
    })
  const answered = (items: ReadonlyArray<Job>) => items.map(() => WriteOutcome.done(order(0, "open", 0)))

  it.scopedLive("a sender that dies leaves no caller waiting: each gets Unknown; the batcher goes on", () =>
    Effect.gen(function* () {
      let calls = 0
      const { submit } = yield* setup((items) =>
        Effect.suspend(() => (++calls === 1 ? Effect.dieMessage("boom") : Effect.succeed(answered(items))))
      )
      const first = yield* submit(3)
      const rs = yield* Effect.forEach(first, Deferred.await)
      assert.isTrue(rs.every((r) => r._tag === "Unknown" && r.error.message.includes("boom")))
      const second = yield* submit(2)
      const ok = yield* Effect.forEach(second, Deferred.await)
      assert.isTrue(ok.every((r) => r._tag === "Done"))
    })
  )

  it.live("closing the port interrupts the batches in flight: their callers get Unknown, none is left waiting", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const { submit } = yield* Scope.extend(
        setup(() => Effect.never),
        scope
      )
      const inFlight = yield* submit(2)
      yield* Effect.sleep(Duration.millis(10)) // the batch has left: its sender waits for an answer
      yield* Scope.close(scope, Exit.void)
      const rs = yield* Effect.forEach(inFlight, Deferred.await)
      assert.isTrue(rs.every((r) => r._tag === "Unknown" && r.error.message.includes("interrupted")))
    })
  )

  it.live("a batch admitted while the port closes is answered NotSent and never sent", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const gate = yield* Deferred.make<void>()
      let calls = 0
      let admits = 0
      let sentLater = 0
      const { submit } = yield* Scope.extend(
        setup(
          (items) =>
            ++calls === 1
              ? // the first batch waits for its answer; its interruption takes a while (cleanup)
                Effect.never.pipe(Effect.onInterrupt(() => Effect.sleep(Duration.millis(60))))
              : Effect.sync(() => {
                  sentLater += items.length
                  return answered(items)
                }),
          // the second batch waits in admission (a rate limiter) until the port is closing
          () => (++admits === 1 ? Effect.void : Deferred.await(gate))
        ),
        scope
      )
      const first = yield* submit(2)
      yield* Effect.sleep(Duration.millis(10)) // the first batch is in flight
      const second = yield* submit(2)
      yield* Effect.sleep(Duration.millis(10)) // the second waits in admission
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* Effect.sleep(Duration.millis(10)) // the close is interrupting the first batch's sender
      yield* Deferred.succeed(gate, undefined) // the second is admitted now, before the worker is interrupted
      yield* Fiber.join(closing)
      assert.isTrue((yield* Effect.forEach(first, Deferred.await)).every((r) => r._tag === "Unknown"))
      const rs = yield* Effect.forEach(second, Deferred.await)
      assert.strictEqual(sentLater, 0)
      assert.deepStrictEqual(
        rs.map((r) => r._tag),
        ["NotSent", "NotSent"]
      )
    })
  )

  it.scopedLive("what is queued goes at once, chunked by the largest batch; fewer answers than items → Unknown", () =>
    Effect.gen(function* () {
      const sizes: Array<number> = []
      const { submit } = yield* setup((items) =>
        Effect.sync(() => {
          sizes.push(items.length)
          return answered(items).slice(0, items.length === 2 ? 1 : items.length)
        })
      )
      const ds = yield* submit(6)
      const rs = yield* Effect.forEach(ds, Deferred.await)
      assert.deepStrictEqual(sizes, [4, 2])
      assert.deepStrictEqual(
        rs.map((r) => r._tag),
        ["Done", "Done", "Done", "Done", "Done", "Unknown"]
      )
    })
  )

  it.scopedLive("a batch the driver does not admit is refused whole, unsent", () =>
    Effect.gen(function* () {
      let sent = 0
      const { submit } = yield* setup(
        (items) =>
          Effect.sync(() => {
            sent += items.length
            return answered(items)
          }),
        () => Effect.fail(new ExchangeError.InvalidOrder({ venue: "v", message: "too large" }))
      )
      const rs = yield* Effect.forEach(yield* submit(2), Deferred.await)
      assert.isTrue(rs.every((r) => r._tag === "Refused"))
      assert.strictEqual(sent, 0)
    })
  )

  it.scopedLive("an item whose caller already gave up is not sent", () =>
    Effect.gen(function* () {
      const sent: Array<number> = []
      const { submit, offer } = yield* setup((items) =>
        Effect.sync(() => {
          sent.push(items.length)
          return answered(items)
        })
      )
      const gone = yield* Deferred.make<WriteOutcome.WriteOutcome>()
      yield* Deferred.succeed(gone, batcher.unknown("v", "late"))
      yield* offer(gone)
      const [kept] = yield* submit(1)
      if (kept === undefined) return assert.fail("no item")
      yield* Deferred.await(kept)
      assert.deepStrictEqual(sent, [1])
    })
  )

  // on the live clock the deadline is a plain timer that answers the item itself (no fiber of its own)
  it.live(
    "awaitOutcomes of one item: past the deadline it is answered late and marked, once; a real answer wins before it",
    () =>
      Effect.gen(function* () {
        let marks = 0
        const mark = Effect.sync(() => void marks++)
        const late = () => batcher.unknown("v", "late")
        const one = (done: Deferred.Deferred<WriteOutcome.WriteOutcome>, ms: number) =>
          Effect.map(batcher.awaitOutcomes([{ done, late, mark }], Duration.millis(ms)), (os) => os[0]!)
        const slow = yield* Deferred.make<WriteOutcome.WriteOutcome>()
        const o = yield* one(slow, 20)
        assert.strictEqual(o._tag, "Unknown")
        assert.strictEqual(marks, 1)
        // the real outcome arriving afterwards changes nothing for the caller
        assert.isFalse(yield* Deferred.succeed(slow, WriteOutcome.done(order(0, "open", 0))))
        const fast = yield* Deferred.make<WriteOutcome.WriteOutcome>()
        const waiting = yield* Effect.fork(one(fast, 40))
        yield* Deferred.succeed(fast, WriteOutcome.done(order(1, "open", 0)))
        assert.strictEqual((yield* Fiber.join(waiting))._tag, "Done")
        yield* Effect.sleep(Duration.millis(60))
        assert.strictEqual(marks, 1) // the timer was disarmed
      })
  )

  it.live(
    "awaitOutcomes: several items on one fiber, in order; only the ones past the deadline are answered late and marked",
    () =>
      Effect.gen(function* () {
        const marked: Array<number> = []
        const items = yield* Effect.forEach([0, 1, 2], () => Deferred.make<WriteOutcome.WriteOutcome>())
        const waits = items.map((done, i) => ({
          done,
          late: () => batcher.unknown("v", `late ${i}`),
          mark: Effect.sync(() => void marked.push(i))
        }))
        const waiting = yield* Effect.fork(batcher.awaitOutcomes(waits, Duration.millis(30)))
        // the first and the last are answered in time (out of order); the middle one never is
        yield* Deferred.succeed(items[2]!, WriteOutcome.done(order(2, "open", 0)))
        yield* Deferred.succeed(items[0]!, WriteOutcome.done(order(0, "open", 0)))
        const os = yield* Fiber.join(waiting)
        assert.deepStrictEqual(
          os.map((o) => o._tag),
          ["Done", "Unknown", "Done"]
        )
        assert.deepStrictEqual(
          os.map((o) => (o._tag === "Done" ? o.order.id : undefined)),
          ["o-0", undefined, "o-2"]
        )
        assert.deepStrictEqual(marked, [1])
        // the late answer is the item's: its real outcome afterwards changes nothing
        assert.isFalse(yield* Deferred.succeed(items[1]!, WriteOutcome.done(order(1, "open", 0))))
      })
  )

  it.live(
    "awaitOutcomes: a caller interrupted while waiting leaves the items to their sender (every timer disarmed)",
    () =>
      Effect.gen(function* () {
        let marks = 0
        const items = yield* Effect.forEach([0, 1], () => Deferred.make<WriteOutcome.WriteOutcome>())
        const waiting = yield* Effect.fork(
          batcher.awaitOutcomes(
            items.map((done) => ({
              done,
              late: () => batcher.unknown("v", "late"),
              mark: Effect.sync(() => void marks++)
            })),
            Duration.millis(20)
          )
        )
        yield* Effect.sleep(Duration.millis(5))
        yield* Fiber.interrupt(waiting)
        yield* Effect.sleep(Duration.millis(40))
        for (const done of items) assert.isFalse(yield* Deferred.isDone(done))
        assert.strictEqual(marks, 0)
      })
  )

  it.effect("awaitOutcomes under a TestClock: each item waits on the clock's sleep, late ones marked", () =>
    Effect.gen(function* () {
      const marked: Array<number> = []
      const items = yield* Effect.forEach([0, 1], () => Deferred.make<WriteOutcome.WriteOutcome>())
      const waiting = yield* Effect.fork(
        batcher.awaitOutcomes(
          items.map((done, i) => ({
            done,
            late: () => batcher.unknown("v", "late"),
            mark: Effect.sync(() => void marked.push(i))
          })),
          Duration.seconds(30)
        )
      )
      yield* Deferred.succeed(items[1]!, WriteOutcome.done(order(1, "open", 0)))
      yield* TestClock.adjust(Duration.seconds(31))
      const os = yield* Fiber.join(waiting)
      assert.deepStrictEqual(
        os.map((o) => o._tag),
        ["Unknown", "Done"]
      )
      assert.deepStrictEqual(marked, [0])
    })
  )

  // the in-process lane (`VenuePrimitives.inProcess`): one batch on the caller's fiber, with the batcher's rules
  describe("sendNow", () => {
    const lane = (
      send: (items: ReadonlyArray<Job>) => Effect.Effect<ReadonlyArray<WriteOutcome.WriteOutcome>>,
      admit: (n: number) => Effect.Effect<void, ExchangeError.ExchangeError> = () => Effect.void
    ) => {
      const settled: Array<string> = []
      const o: batcher.Lane<Job> = {
        venue: "v",
        max: () => 4,
        admit,
        send,
        settle: (it, out) =>
          Effect.as(
            Effect.sync(() => settled.push(`${it.n}:${out._tag}`)),
            out
          )
      }
      return { o, settled }
    }
    // items sent on the caller's fiber have no Deferred: `sendNow` returns their answers
    const jobs = (n: number) => Effect.succeed(Array.from({ length: n }, (_, i): Job => ({ done: undefined, n: i })))
    const tags = (os: ReadonlyArray<WriteOutcome.WriteOutcome>) => os.map((x) => x._tag)

    it.effect("sends the batch and settles every item in order, answered when it returns", () =>
      Effect.gen(function* () {
        const sent: Array<number> = []
        const { o, settled } = lane((items) =>
          Effect.sync(() => {
            sent.push(items.length)
            return answered(items)
          })
        )
        const items = yield* jobs(3)
        const answers = yield* batcher.sendNow(o, items)
        assert.deepStrictEqual(sent, [3])
        assert.deepStrictEqual(settled, ["0:Done", "1:Done", "2:Done"])
        assert.deepStrictEqual(tags(answers), ["Done", "Done", "Done"])
      })
    )

    it.effect("a batch the driver does not admit is refused whole, unsent", () =>
      Effect.gen(function* () {
        let sent = 0
        const { o, settled } = lane(
          (items) =>
            Effect.sync(() => {
              sent++
              return answered(items)
            }),
          () => Effect.fail(new ExchangeError.RateLimited({ venue: "v", message: "slow down" }))
        )
        const items = yield* jobs(2)
        const answers = yield* batcher.sendNow(o, items)
        assert.strictEqual(sent, 0)
        assert.deepStrictEqual(settled, ["0:NotSent", "1:NotSent"])
        assert.deepStrictEqual(tags(answers), ["NotSent", "NotSent"])
      })
    )

    it.effect("a send that dies answers every item Unknown (it may have applied); fewer answers → Unknown", () =>
      Effect.gen(function* () {
        const dies = lane(() => Effect.dieMessage("boom"))
        const items = yield* jobs(2)
        assert.deepStrictEqual(tags(yield* batcher.sendNow(dies.o, items)), ["Unknown", "Unknown"])
        assert.deepStrictEqual(dies.settled, ["0:Unknown", "1:Unknown"])
        const short = lane((items) => Effect.succeed(answered(items).slice(0, 1)))
        assert.deepStrictEqual(tags(yield* batcher.sendNow(short.o, yield* jobs(2))), ["Done", "Unknown"])
        assert.deepStrictEqual(short.settled, ["0:Done", "1:Unknown"])
      })
    )

    it.effect(
      "a settle that dies: what is not answered yet is Unknown — settled so, or answered so when it dies again",
      () =>
        Effect.gen(function* () {
          let calls = 0
          const once = lane((items) => Effect.succeed(answered(items)))
          const o: batcher.Lane<Job> = {
            ...once.o,
            settle: (it, out) => (calls++ === 0 ? Effect.dieMessage("settle failed") : once.o.settle(it, out))
          }
          assert.deepStrictEqual(tags(yield* batcher.sendNow(o, yield* jobs(2))), ["Unknown", "Unknown"])
          assert.deepStrictEqual(once.settled, ["0:Unknown", "1:Unknown"])
          const always: batcher.Lane<Job> = { ...once.o, settle: () => Effect.dieMessage("settle failed") }
          assert.deepStrictEqual(tags(yield* batcher.sendNow(always, yield* jobs(2))), ["Unknown", "Unknown"])
        })
    )

    it.effect(
      "a caller interrupted mid-send waits for the write: it is applied and settled, never left half done",
      () =>
        Effect.gen(function* () {
          const { o, settled } = lane((items) => Effect.as(Effect.sleep("10 millis"), answered(items)))
          const items = yield* jobs(2)
          const fiber = yield* Effect.fork(batcher.sendNow(o, items))
          yield* Effect.yieldNow()
          const interrupting = yield* Effect.fork(Fiber.interrupt(fiber))
          yield* TestClock.adjust("10 millis")
          yield* Fiber.join(interrupting)
          assert.deepStrictEqual(settled, ["0:Done", "1:Done"])
        })
    )
  })
})
