import { Decimal as D, Exchange, Ids, OrderBook } from "@alpha-hunter/core"
import { Invariants } from "@alpha-hunter/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { PaperConfig, PaperPlugin, PaperVenue } from "../src/index.js"

const input = {
  venue: "paper-test",
  markets: [
    {
      venue: "x",
      symbol: "ELECTION",
      title: "listed market",
      kind: {
        _tag: "binary",
        settlementValue: "1",
        outcomes: [
          { id: "yes", name: "Yes" },
          { id: "no", name: "No" }
        ]
      },
      currency: "USD",
      status: "open",
      tickGrid: {
        ranges: [
          { start: "0.001", end: "0.1", step: "0.001" },
          { start: "0.1", end: "0.9", step: "0.01" },
          { start: "0.9", end: "0.999", step: "0.001" }
        ]
      },
      amountStep: "0.01",
      minAmount: "1",
      fees: { _tag: "QuadraticFee", takerRate: "0.07", makerRate: "0", multiplier: "1", precision: "0.0001" }
    }
  ],
  generate: { count: 2, prefix: "GEN", tick: "0.01" },
  balances: { USD: "250.50" },
  seed: 7
}

describe("config and plugin", () => {
  it.effect("decodes listed and generated markets and balances from their encoded form", () =>
    Effect.gen(function* () {
      const config = yield* PaperConfig.decode(input)
      const ex = yield* Exchange.Exchange
      assert.strictEqual(ex.id, "paper-test")
      const markets = yield* ex.loadMarkets()
      assert.deepStrictEqual([...markets.keys()], ["ELECTION", "GEN-1", "GEN-2"])
      for (const m of markets.values()) {
        assert.deepStrictEqual(Invariants.checkMarket(m), [])
        assert.strictEqual(m.venue, "paper-test")
      }
      const [usd] = yield* ex.fetchBalance()
      assert.strictEqual(usd?.total, D.d("250.5"))
      assert.strictEqual(config.flow.enabled, false)
      const events = yield* ex.fetchEvents()
      assert.deepStrictEqual(
        events.map((e) => e.id),
        ["GEN-E1", "GEN-E2"]
      )
    }).pipe(
      Effect.provide(Layer.unwrapEffect(Effect.map(PaperConfig.decode(input), (c) => PaperVenue.layer(c)))),
      Effect.orDie
    )
  )

  it.effect("refuses floats for money and a bad grid", () =>
    Effect.gen(function* () {
      const floats = yield* Effect.exit(PaperConfig.decode({ balances: { USD: 100.5 } }))
      assert.isTrue(Exit.isFailure(floats))
      const bad = {
        ...input,
        markets: [{ ...input.markets[0]!, tickGrid: { ranges: [{ start: "0.5", end: "0.1", step: "0.01" }] } }]
      }
      const config = yield* PaperConfig.decode(bad)
      const built = yield* Effect.exit(Effect.scoped(PaperVenue.make(config)))
      assert.isTrue(Exit.isFailure(built))
    })
  )

  it.effect("the plugin declares itself and builds an Exchange under the runner's venue name", () =>
    Effect.gen(function* () {
      assert.strictEqual(PaperPlugin.plugin.kind, "exchange")
      assert.strictEqual(PaperPlugin.plugin.name, "paper")
      const config = yield* Schema.decodeUnknown(PaperPlugin.plugin.config)({ generate: { count: 1 } })
      const id = yield* Effect.map(Exchange.Exchange, (ex) => ex.id).pipe(
        Effect.provide(PaperPlugin.plugin.layer(config, { venue: "paper-2" }))
      )
      assert.strictEqual(id, "paper-2")
    }).pipe(Effect.orDie)
  )
})

describe("synthetic flow", () => {
  const flowConfig = (seed: number) =>
    PaperConfig.PaperConfig.make({
      generate: PaperConfig.GeneratedMarkets.make({ count: 2 }),
      seed,
      flow: PaperConfig.FlowConfig.make({ enabled: true, intervalMillis: 100 })
    })

  const runFlow = (seed: number) =>
    Effect.gen(function* () {
      const ex = yield* Exchange.Exchange
      yield* TestClock.adjust("10 seconds")
      const books = yield* Effect.forEach(["PAPER-1", "PAPER-2"], (s) => ex.fetchOrderBook(Ids.Symbol.make(s)))
      return books
    }).pipe(Effect.provide(PaperVenue.layer(flowConfig(seed))))

  it.effect("is off by default, posts/takes on the Clock when enabled, and is deterministic per seed", () =>
    Effect.gen(function* () {
      const a = yield* runFlow(42)
      const b = yield* runFlow(42)
      const c = yield* runFlow(43)
      const show = (bs: ReadonlyArray<OrderBook.OrderBook>) =>
        JSON.stringify(
          bs.map((x) => [x.bids, x.asks].map((side) => side.map(([p, q]) => `${D.format(p)}x${D.format(q)}`)))
        )
      assert.strictEqual(show(a), show(b))
      assert.notStrictEqual(show(a), show(c))
      for (const book of a) {
        assert.deepStrictEqual(OrderBook.validate(book), [])
        assert.isTrue(book.bids.length + book.asks.length > 0)
      }
      const quiet = yield* Effect.gen(function* () {
        const ex = yield* Exchange.Exchange
        yield* TestClock.adjust("1 minute")
        return yield* ex.fetchOrderBook(Ids.Symbol.make("PAPER-1"))
      }).pipe(
        Effect.provide(
          PaperVenue.layer(PaperConfig.PaperConfig.make({ generate: PaperConfig.GeneratedMarkets.make({ count: 1 }) }))
        )
      )
      assert.strictEqual(quiet.bids.length + quiet.asks.length, 0)
    })
  )
})
