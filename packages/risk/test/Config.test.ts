import { Decimal as D } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { decode } from "../src/RiskConfig.js"
import { layerFromInput } from "../src/RiskEngine.js"

const failure = (input: unknown) =>
  Effect.gen(function* () {
    const r = yield* Effect.either(decode(input))
    assert.isTrue(Either.isLeft(r), "expected a ParseError")
    if (Either.isRight(r)) throw new Error("unreachable")
    assert.strictEqual(r.left._tag, "ParseError")
    return r.left.message
  })

describe("RiskConfig", () => {
  it.effect("defaults", () =>
    Effect.gen(function* () {
      const c = yield* decode({})
      assert.deepStrictEqual(c.global, {})
      assert.strictEqual(c.dailyResetHourUtc, 0)
      assert.strictEqual(c.pendingTtlMs, 5000)
      const full = yield* decode({
        global: { maxPosition: "100", orderRate: { max: 10, windowMs: 1000 }, priceBand: { maxBuy: "0.97" } },
        venues: { kalshi: { maxOpenOrders: 50 } },
        strategies: { maker: { maxDailyLoss: "25", onBreach: { maxDailyLoss: "halt-strategy" } } },
        onBreach: { maxDrawdown: "halt-all" }
      })
      assert.strictEqual(full.global.maxPosition, D.d("100"))
      assert.strictEqual(full.strategies["maker"]?.onBreach?.maxDailyLoss, "halt-strategy")
    })
  )

  it.effect("an unknown key is refused with its path", () =>
    Effect.gen(function* () {
      const msg = yield* failure({ venues: { kalshi: { maxPositon: "10" } } })
      assert.include(msg, '["venues"]')
      assert.include(msg, '["kalshi"]')
      assert.include(msg, '["maxPositon"]')
      const top = yield* failure({ globl: {} })
      assert.include(top, '["globl"]')
    })
  )

  it.effect("a bad value names its path: numbers are not decimals, actions are checked", () =>
    Effect.gen(function* () {
      const num = yield* failure({ global: { maxPosition: 10 } })
      assert.include(num, '["global"]')
      assert.include(num, '["maxPosition"]')
      const action = yield* failure({ onBreach: { maxPosition: "explode" } })
      assert.include(action, '["onBreach"]')
      assert.include(action, '["maxPosition"]')
      const hour = yield* failure({ dailyResetHourUtc: 24 })
      assert.include(hour, '["dailyResetHourUtc"]')
    })
  )

  it.effect("layerFromInput refuses a bad config before building anything", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(Layer.build(layerFromInput({ global: { maxOpenOrder: 1 } })).pipe(Effect.scoped))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.include(String(exit.cause), "maxOpenOrder")
    })
  )
})
