import { Decimal as D, Exchange, Ids, Order, OrderBook } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { ExchangeConformance, Invariants } from "../src/index.js"
import * as Fake from "./FakeExchange.js"

const options: ExchangeConformance.Options = { symbol: Fake.symbol, streamTimeout: "1 second" }

// an honest venue that declares most capabilities false passes every case that needs no counterparty and no
// fault injection (the `false` ones are checked to fail with NotSupported)
ExchangeConformance.suite("fake venue", Fake.layer(), { ...options, select: (c) => c.requires === undefined })

const caught = (id: string, broken: Fake.Broken) =>
  it.live(`${id} catches ${Object.keys(broken).join(", ")}`, () =>
    Effect.gen(function* () {
      const c = ExchangeConformance.caseById(options, id)
      const good = yield* Effect.either(Effect.provide(c.run, Fake.layer()))
      assert.isTrue(Either.isRight(good), Either.isLeft(good) ? good.left.message : "")
      const bad = yield* Effect.flip(Effect.provide(c.run, Fake.layer(broken)))
      assert.strictEqual(bad._tag, "ConformanceFailure")
      assert.isTrue(bad.problems.length > 0)
    })
  )

describe("the suite bites", () => {
  caught("orders.lifecycle", { cancelLeavesOpen: true })
  caught("orders.cancelAll", { cancelLeavesOpen: true })
  caught("structure.orderBook", { unsortedAsks: true })
  caught("orders.postOnlyCross", { postOnlyCrosses: true })
  caught("orders.duplicateClientOrderId", { duplicateIds: true })
  caught("streams.orders", { silentUnsupported: true })

  it("every case id is unique and registered", () => {
    const ids = ExchangeConformance.cases(options).map((c) => c.id)
    assert.strictEqual(new Set(ids).size, ids.length)
    assert.isTrue(ids.length >= 20)
    assert.throws(() => ExchangeConformance.caseById(options, "no.such.case"))
  })
})

describe("Invariants", () => {
  const symbol = Ids.Symbol.make("X")
  const order = (fields: Partial<ConstructorParameters<typeof Order.Order>[0]>) =>
    Order.Order.make({
      id: Ids.OrderId.make("o1"),
      symbol,
      side: "buy",
      type: "limit",
      price: D.d("0.5"),
      amount: D.int(10),
      filled: D.ZERO,
      remaining: D.int(10),
      cost: D.ZERO,
      status: "open",
      timeInForce: "GTC",
      postOnly: false,
      reduceOnly: false,
      timestamp: 1_700_000_000_000,
      ...fields
    })

  it("checkOrder accepts a sound order and names each problem of a broken one", () => {
    assert.deepStrictEqual(Invariants.checkOrder(order({})), [])
    const problems = Invariants.checkOrder(
      order({ filled: D.int(4), remaining: D.int(7), cost: D.d("2"), timestamp: 5 }),
      undefined,
      1_700_000_000_000
    )
    assert.isTrue(problems.some((p) => p.includes("remaining 7 ≠ amount − filled 6")))
    assert.isTrue(problems.some((p) => p.includes("no average price")))
    assert.isTrue(problems.some((p) => p.includes("not a plausible epoch-ms")))
    assert.isTrue(Invariants.checkOrder(order({ status: "closed" })).some((p) => p.includes("closed but filled")))
    assert.isTrue(
      Invariants.checkOrder(order({ filled: D.int(12), remaining: D.ZERO, status: "canceled" })).some((p) =>
        p.includes("amount 10 < filled 12")
      )
    )
  })

  it("checkOrderBook flags unsorted, crossed and non-positive levels", () => {
    const book = OrderBook.OrderBook.make({
      symbol,
      bids: [
        [D.d("0.4"), D.int(1)],
        [D.d("0.45"), D.int(1)]
      ],
      asks: [[D.d("0.38"), D.ZERO]],
      timestamp: 1_700_000_000_000
    })
    const problems = Invariants.checkOrderBook(book)
    assert.isTrue(problems.some((p) => p.includes("strictly descending")))
    assert.isTrue(problems.some((p) => p.includes("crossed book")))
    assert.isTrue(problems.some((p) => p.includes("not positive")))
  })

  it("checkBalance, checkPosition, checkFill and checkCapabilities", () => {
    assert.deepStrictEqual(
      Invariants.checkBalance(
        Order.Balance.make({ currency: "USD", free: D.int(9), used: D.int(1), total: D.int(10) })
      ),
      []
    )
    assert.strictEqual(
      Invariants.checkBalance(
        Order.Balance.make({ currency: "USD", free: D.int(10), used: D.int(1), total: D.int(10) })
      ).length,
      1
    )
    assert.strictEqual(
      Invariants.checkPosition(
        Order.Position.make({
          symbol,
          amount: D.ZERO,
          cost: D.int(1),
          realizedPnl: D.ZERO,
          feesPaid: D.ZERO,
          timestamp: 1_700_000_000_000
        })
      ).length,
      1
    )
    const fill = Order.Fill.make({
      id: Ids.TradeId.make("t"),
      orderId: Ids.OrderId.make("o"),
      symbol,
      side: "buy",
      price: D.d("0.5"),
      amount: D.int(2),
      cost: D.d("1.1"),
      fee: Order.FeePaid.make({ cost: D.ZERO, currency: "USD" }),
      takerOrMaker: "taker",
      timestamp: 1_700_000_000_000
    })
    assert.isTrue(Invariants.checkFill(fill).some((p) => p.includes("cost 1.1")))
    const features: Exchange.Features = {
      maxBatchCreate: 0,
      maxBatchCancel: 1,
      amend: true,
      postOnly: true,
      reduceOnly: true,
      cancelAll: true,
      orderGroups: false,
      clientOrderId: true,
      timeInForce: ["IOC"],
      expiry: false
    }
    const problems = Invariants.checkCapabilities(Exchange.hasAll(true, { editOrder: false }), features)
    assert.deepStrictEqual(problems.length, 3)
  })
})
