import { Decimal as D, Ids, Order } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import { kinds, M, q, setup, target } from "./helpers.js"

describe("ExecutionEngine", () => {
  it.scoped("keeps matching orders, amends price changes, cancels what is no longer wanted", () =>
    Effect.gen(function* () {
      const { engine, gateway, calls, real } = yield* setup()
      yield* gateway.setQuotes(target([q("0.40", "5")], [q("0.60", "5")]))
      assert.deepStrictEqual(yield* Ref.get(calls), { creates: 2, cancels: 0, edits: 0 })
      const open = yield* real.fetchOpenOrders({ symbol: M })
      assert.strictEqual(open.length, 2)
      assert.isTrue(open.every((o) => o.postOnly && o.clientOrderId?.startsWith("ah-mm-")))
      // the same target again: no write at all
      yield* gateway.setQuotes(target([q("0.40", "5")], [q("0.60", "5")]))
      assert.deepStrictEqual(yield* Ref.get(calls), { creates: 2, cancels: 0, edits: 0 })
      // a new bid price: one amend (the venue can amend), the ask is kept
      yield* gateway.setQuotes(target([q("0.41", "5")], [q("0.60", "5")]))
      assert.deepStrictEqual(yield* Ref.get(calls), { creates: 2, cancels: 0, edits: 1 })
      const bids = (yield* real.fetchOpenOrders({ symbol: M })).filter((o) => o.side === "buy")
      assert.deepStrictEqual(
        bids.map((o) => D.format(o.price)),
        ["0.41"]
      )
      // no asks wanted any more: one cancel
      yield* gateway.setQuotes(target([q("0.41", "5")], []))
      assert.deepStrictEqual(yield* Ref.get(calls), { creates: 2, cancels: 1, edits: 1 })
      assert.strictEqual((yield* engine.live).filter((t) => t.status === "open").length, 1)
      yield* gateway.cancelAll()
      assert.strictEqual((yield* real.fetchOpenOrders({ symbol: M })).length, 0)
    })
  )

  it.scoped("a lost answer: the order is unknown, the market blocked until a lookup; never re-sent", () =>
    Effect.gen(function* () {
      const { engine, gateway, calls, faults, real, journal } = yield* setup()
      yield* Ref.update(faults, (f) => ({ ...f, lose: 1 }))
      yield* gateway.setQuotes(target([q("0.40", "5")], []))
      assert.strictEqual((yield* real.fetchOpenOrders({ symbol: M })).length, 1)
      assert.deepStrictEqual(
        (yield* engine.live).map((t) => t.status),
        ["unknown"]
      )
      yield* gateway.setQuotes(target([q("0.40", "5")], []))
      assert.strictEqual((yield* Ref.get(calls)).creates, 1)
      assert.strictEqual((yield* real.fetchOpenOrders({ symbol: M })).length, 1)
      assert.deepStrictEqual(
        (yield* engine.live).map((t) => t.status),
        ["open"]
      )
      assert.includeMembers(kinds(yield* journal.entries), ["request", "unknown", "resolved"])
      assert.strictEqual((yield* engine.stats).unknown, 1)
    })
  )

  it.scoped("a malformed 2xx body on a create is Unknown, then resolved by lookup; the caller never hangs", () =>
    Effect.gen(function* () {
      const { engine, gateway, calls, faults, real, journal } = yield* setup()
      yield* Ref.update(faults, (f) => ({ ...f, malformed: 1 }))
      yield* gateway.setQuotes(target([q("0.40", "5")], [q("0.60", "5")]))
      assert.deepStrictEqual(
        (yield* engine.live).map((t) => t.status),
        ["unknown", "unknown"]
      )
      const unknownEntry = (yield* journal.entries).find((e) => e.kind === "unknown")
      assert.strictEqual(unknownEntry?.data["error"], "BadVenueData")
      // both orders rest on the venue; the lookup finds them and nothing is created twice
      yield* gateway.setQuotes(target([q("0.40", "5")], [q("0.60", "5")]))
      assert.strictEqual((yield* Ref.get(calls)).creates, 2)
      assert.strictEqual((yield* real.fetchOpenOrders({ symbol: M })).length, 2)
      assert.deepStrictEqual(
        (yield* engine.live).map((t) => t.status),
        ["open", "open"]
      )
    })
  )

  it.scoped("a malformed 2xx body on a cancel is Unknown, then resolved as canceled", () =>
    Effect.gen(function* () {
      const { engine, gateway, faults, real } = yield* setup()
      yield* gateway.setQuotes(target([q("0.40", "5")], []))
      yield* Ref.update(faults, (f) => ({ ...f, malformed: 1 }))
      yield* gateway.setQuotes(target([], []))
      assert.deepStrictEqual(
        (yield* engine.live).map((t) => t.status),
        ["unknown"]
      )
      assert.strictEqual((yield* real.fetchOpenOrders({ symbol: M })).length, 0)
      assert.strictEqual(yield* engine.resolveUnknown(), 0)
      assert.strictEqual((yield* engine.live).length, 0)
    })
  )

  it.scoped("429 after retries and a refused connection certainly did nothing: no unknown, market not blocked", () =>
    Effect.gen(function* () {
      const { engine, gateway, calls, faults, real, journal } = yield* setup()
      yield* Ref.update(faults, (f) => ({ ...f, rateLimit: 1 }))
      yield* gateway.setQuotes(target([q("0.40", "5")], []))
      assert.strictEqual((yield* engine.live).length, 0)
      assert.strictEqual((yield* engine.stats).unknown, 0)
      assert.strictEqual((yield* engine.stats).notSent, 1)
      const rejected = (yield* journal.entries).find((e) => e.kind === "reject")
      assert.strictEqual(rejected?.data["notSent"], true)
      // the next decision writes at once: nothing to look up
      yield* gateway.setQuotes(target([q("0.40", "5")], []))
      assert.strictEqual((yield* Ref.get(calls)).creates, 2)
      assert.strictEqual((yield* real.fetchOpenOrders({ symbol: M })).length, 1)

      yield* Ref.update(faults, (f) => ({ ...f, refuse: 1 }))
      yield* gateway.setQuotes(target([q("0.40", "5"), q("0.39", "5")], []))
      assert.strictEqual((yield* engine.stats).unknown, 0)
      yield* gateway.setQuotes(target([q("0.40", "5"), q("0.39", "5")], []))
      assert.strictEqual((yield* real.fetchOpenOrders({ symbol: M })).length, 2)
      assert.isFalse(kinds(yield* journal.entries).includes("unknown"))
    })
  )

  it.scoped("a write with no answer past the deadline is Unknown (the caller returns), then resolved", () =>
    Effect.gen(function* () {
      const { engine, gateway, faults, real } = yield* setup({ writeDeadlineMs: 5_000 })
      yield* Ref.update(faults, (f) => ({ ...f, hang: 1 }))
      const fiber = yield* Effect.fork(gateway.setQuotes(target([q("0.40", "5")], [])))
      yield* TestClock.adjust("6 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(
        (yield* engine.live).map((t) => t.status),
        ["unknown"]
      )
      assert.strictEqual(yield* engine.resolveUnknown(M), 0)
      assert.strictEqual((yield* real.fetchOpenOrders({ symbol: M })).length, 1)
    })
  )

  it.scoped(
    "a slow answer past the deadline is Unknown; from an in-process exchange it is waited for (no deadline)",
    () =>
      Effect.gen(function* () {
        for (const inProcess of [false, true]) {
          const { engine, gateway, faults } = yield* setup({ writeDeadlineMs: 5_000, inProcess })
          yield* Ref.update(faults, (f) => ({ ...f, slow: 1 }))
          const fiber = yield* Effect.fork(gateway.setQuotes(target([q("0.40", "5")], [])))
          yield* TestClock.adjust("6 seconds")
          // past the deadline: answered Unknown, unless the exchange is in process (its write is still awaited)
          assert.strictEqual(fiber.unsafePoll() === null, inProcess, `inProcess ${inProcess}`)
          yield* TestClock.adjust("3 seconds")
          yield* Fiber.join(fiber)
          assert.deepStrictEqual(
            (yield* engine.live).map((t) => t.status),
            [inProcess ? "open" : "unknown"]
          )
        }
      })
  )

  it.scoped(
    "a defect in the driver after sending is Unknown, never a hang or a dead strategy (queued or in process)",
    () =>
      Effect.gen(function* () {
        for (const inProcess of [false, true]) {
          const { engine, gateway, faults } = yield* setup({ inProcess })
          yield* Ref.update(faults, (f) => ({ ...f, defect: 1 }))
          yield* gateway.setQuotes(target([q("0.40", "5")], []))
          assert.deepStrictEqual(
            (yield* engine.live).map((t) => t.status),
            ["unknown"],
            `inProcess ${inProcess}`
          )
          assert.strictEqual(yield* engine.resolveUnknown(), 0)
        }
      })
  )

  it.scoped(
    "in process, a decision interrupted while its create is out still settles it: tracked open, journaled",
    () =>
      Effect.gen(function* () {
        const { engine, gateway, faults, journal } = yield* setup({ inProcess: true })
        yield* Ref.update(faults, (f) => ({ ...f, slow: 1 }))
        const fiber = yield* Effect.fork(gateway.setQuotes(target([q("0.40", "5")], [])))
        yield* TestClock.adjust("1 second")
        // the interruption waits for the write to be answered and settled
        const stopping = yield* Effect.fork(Fiber.interrupt(fiber))
        yield* TestClock.adjust("1 second")
        assert.isNull(stopping.unsafePoll())
        yield* TestClock.adjust("8 seconds")
        yield* Fiber.join(stopping)
        assert.deepStrictEqual(
          (yield* engine.live).map((t) => t.status),
          ["open"]
        )
        const kinds = (yield* journal.entries).map((e) => e.kind)
        assert.includeMembers(kinds, ["request", "ack"])
      })
  )

  it.scoped("risk denials send nothing and say why", () =>
    Effect.gen(function* () {
      const { gateway, calls, journal } = yield* setup({ riskInput: { global: { maxOrderSize: "4" } } })
      const r = yield* Effect.flip(gateway.setQuotes(target([q("0.40", "5")], [])))
      assert.strictEqual(r._tag, "RiskDenied")
      if (r._tag === "RiskDenied") assert.strictEqual(r.reason, "MAX_ORDER_SIZE")
      assert.strictEqual((yield* Ref.get(calls)).creates, 0)
      const denied = (yield* journal.entries).find((e) => e.kind === "risk")
      assert.strictEqual(denied?.data["decision"], "denied")
      assert.strictEqual(denied?.data["reason"], "MAX_ORDER_SIZE")
      yield* gateway.setQuotes(target([q("0.40", "4")], []))
      assert.strictEqual((yield* Ref.get(calls)).creates, 1)
    })
  )

  it.scoped("a journal that cannot write halts trading through Risk with the reason; nothing is sent", () =>
    Effect.gen(function* () {
      const { gateway, calls, journal, risk, real } = yield* setup()
      yield* gateway.setQuotes(target([q("0.40", "5")], []))
      yield* journal.failWith("disk full")
      const r = yield* Effect.flip(gateway.setQuotes(target([q("0.40", "5"), q("0.39", "5")], [])))
      assert.strictEqual(r._tag, "RiskDenied")
      assert.strictEqual((yield* Ref.get(calls)).creates, 1)
      assert.strictEqual(yield* risk.state(), "HALTED")
      assert.isTrue(
        (yield* risk.history).some((c) => c.state === "HALTED" && c.reason === "journal unavailable: disk full")
      )
      // pulling quotes still works while the journal is down
      yield* gateway.cancelAll()
      assert.strictEqual((yield* real.fetchOpenOrders({ symbol: M })).length, 0)
    })
  )

  it.scoped("a strategy cannot cancel another strategy's order, nor pass raw venue params", () =>
    Effect.gen(function* () {
      const { engine, gateway, real } = yield* setup()
      const other = yield* engine.gateway("b", "ah-b-")
      yield* gateway.setQuotes(target([q("0.40", "5")], []))
      const [mine] = yield* real.fetchOpenOrders({ symbol: M })
      const denied = yield* Effect.flip(other.cancel(M, mine!.id))
      assert.strictEqual(denied._tag, "PermissionDenied")
      yield* other.cancelAll()
      assert.strictEqual((yield* real.fetchOpenOrders({ symbol: M })).length, 1)
      const withParams = Order.OrderRequest.make({
        symbol: M,
        side: "buy",
        price: D.d("0.30"),
        amount: D.d("1"),
        params: { orderGroupId: "someone-elses" }
      })
      const refused = yield* Effect.flip(other.submit(withParams))
      assert.strictEqual(refused._tag, "InvalidOrder")
      // its own cancel works
      yield* gateway.cancel(M, mine!.id)
      assert.strictEqual((yield* real.fetchOpenOrders({ symbol: M })).length, 0)
    })
  )

  it.scoped(
    "creates of many markets decided at once go out in ⌈2N / max batch⌉ requests, one journal commit each",
    () =>
      Effect.gen(function* () {
        const n = 30
        const { gateway, calls, batches, real } = yield* setup({ markets: n })
        const max = real.features.maxBatchCreate
        const symbols = Array.from({ length: n }, (_, i) => Ids.Symbol.make(`PAPER-${i + 1}`))
        yield* Effect.forEach(symbols, (s) => gateway.setQuotes(target([q("0.40", "1")], [q("0.60", "1")], s)), {
          concurrency: "unbounded"
        })
        assert.strictEqual((yield* Ref.get(calls)).creates, 2 * n)
        assert.strictEqual(yield* Ref.get(batches), Math.ceil((2 * n) / max))
        assert.strictEqual((yield* real.fetchOpenOrders()).length, 2 * n)
      })
  )

  it.scoped("fills are booked once per trade id (an hour's window), only ours, to Risk and the journal", () =>
    Effect.gen(function* () {
      const { engine, journal, risk } = yield* setup()
      const fill = (id: string, cid: string) =>
        Order.Fill.make({
          id: Ids.TradeId.make(id),
          orderId: Ids.OrderId.make("o1"),
          clientOrderId: Ids.ClientOrderId.make(cid),
          symbol: M,
          side: "buy",
          price: D.d("0.40"),
          amount: D.d("2"),
          cost: D.d("0.80"),
          fee: Order.FeePaid.make({ cost: D.ZERO, currency: "USD" }),
          takerOrMaker: "maker",
          timestamp: 0
        })
      assert.isTrue(yield* engine.onFill(fill("t1", "ah-mm-x-1")))
      assert.isFalse(yield* engine.onFill(fill("t1", "ah-mm-x-1")))
      assert.isFalse(yield* engine.onFill(fill("t2", "someone-else-1")))
      yield* engine.seenFills(["t3"])
      assert.isFalse(yield* engine.onFill(fill("t3", "ah-mm-x-1")))
      assert.strictEqual((yield* engine.stats).fills, 1)
      assert.strictEqual((yield* journal.entries).filter((e) => e.kind === "fill").length, 1)
      assert.strictEqual(D.format(yield* risk.position("paper", M, "mm")), "2")
      assert.strictEqual((yield* engine.sizes).fills, 2)
      // re-delivered within the hour (the engine's clock): still booked once
      yield* TestClock.adjust("59 minutes")
      assert.isFalse(yield* engine.onFill(fill("t1", "ah-mm-x-1")))
      // past the hour: the next fill's arrival drops the ids older than that (memory follows the fill rate)
      yield* TestClock.adjust("2 minutes")
      assert.isTrue(yield* engine.onFill(fill("t4", "ah-mm-x-1")))
      assert.strictEqual((yield* engine.sizes).fills, 1)
      assert.strictEqual(D.format(yield* risk.position("paper", M, "mm")), "4")
    })
  )

  it.scoped("a requote storm keeps the tracker bounded by what is live", () =>
    Effect.gen(function* () {
      const { engine, gateway, calls } = yield* setup({ amend: false, closedCapacity: 100 })
      for (let i = 0; i < 1_000; i++) {
        const c = 30 + (i % 20)
        yield* gateway.setQuotes(target([q(`0.${c}`, "1")], [q(`0.${c + 30}`, "1")]))
      }
      assert.isAtLeast((yield* Ref.get(calls)).cancels, 1_900)
      const sizes = yield* engine.sizes
      assert.strictEqual(sizes.live, 2)
      assert.strictEqual(sizes.fills, 0)
      assert.isAtMost(sizes.closed, 200)
    })
  )
})
