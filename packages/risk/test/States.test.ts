import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import type { RiskConfigInput } from "../src/RiskConfig.js"
import { layer, RiskEngine } from "../src/RiskEngine.js"
import { A, B, cfg, create, decide, fill, req } from "./helpers.js"

const withEngine = (input: RiskConfigInput) => Effect.provide(layer(cfg(input)))

describe("trading states", () => {
  it.effect("HALTED denies creates, cancels pass; REDUCING lets only reducing orders through", () =>
    Effect.gen(function* () {
      const r = yield* RiskEngine
      yield* r.onFill(A, fill("buy", "0.50", "5"))
      yield* r.setState("HALTED", "manual", { venue: "paper-a" })
      assert.strictEqual(yield* decide(create(req("sell", "0.50", "1"))), "TRADING_HALTED")
      const c = yield* r.check({ _tag: "Cancel", scope: A, symbol: "M1", orderId: "x" })
      assert.strictEqual(c._tag, "Approved")
      yield* r.setState("REDUCING", "wind down", { venue: "paper-a" })
      assert.strictEqual(yield* decide(create(req("buy", "0.50", "1"))), "REDUCING_ONLY")
      assert.strictEqual(yield* decide(create(req("sell", "0.50", "5"))), "OK")
      // 5 long: a sell of 6 would flip the position
      assert.strictEqual(yield* decide(create(req("sell", "0.50", "6"))), "REDUCING_ONLY")
      // the other venue is untouched
      assert.strictEqual(yield* decide(create(req("buy", "0.50", "1"), B)), "OK")
    }).pipe(withEngine({}))
  )

  it.effect("the state in force is the strictest of global, venue, strategy", () =>
    Effect.gen(function* () {
      const r = yield* RiskEngine
      yield* r.setState("REDUCING", "strategy", { venue: "*", strategy: "maker" })
      assert.strictEqual(yield* r.state(A), "REDUCING")
      assert.strictEqual(yield* r.state({ venue: "paper-a", strategy: "taker" }), "ACTIVE")
      yield* r.setState("HALTED", "venue", { venue: "paper-a" })
      assert.strictEqual(yield* r.state(A), "HALTED")
      assert.strictEqual(yield* r.state(), "ACTIVE")
    }).pipe(withEngine({}))
  )

  it.effect("pause and resume: reasons recorded, changes streamed", () =>
    Effect.gen(function* () {
      const r = yield* RiskEngine
      const collected = yield* r.changes.pipe(Stream.take(3), Stream.runCollect, Effect.fork)
      // let the subscriber attach before anything is published
      for (let i = 0; i < 20; i++) yield* Effect.yieldNow()
      yield* r.onFill(A, fill("buy", "0.50", "10"))
      assert.strictEqual(yield* r.state(A), "ACTIVE")
      // a breach with action "halt" on the venue level
      assert.strictEqual(yield* decide(create(req("buy", "0.50", "1"))), "MAX_POSITION")
      assert.strictEqual(yield* r.state(A), "HALTED")
      yield* r.pause("operator looking", { venue: "paper-a" })
      const [st] = yield* r.statuses
      assert.isTrue(st?.paused)
      assert.include(st?.reason, "operator looking")
      assert.include(st?.reason, "maxPosition breached")
      yield* r.resume("checked", { venue: "paper-a" })
      assert.strictEqual(yield* r.state(A), "ACTIVE")
      const events = Chunk.toReadonlyArray(yield* Fiber.join(collected))
      assert.deepStrictEqual(
        events.map((e) => [e.previous, e.state]),
        [
          ["ACTIVE", "HALTED"],
          ["HALTED", "HALTED"],
          ["HALTED", "ACTIVE"]
        ]
      )
      assert.strictEqual((yield* r.history).length, 3)
    }).pipe(withEngine({ venues: { "paper-a": { maxPosition: "10", onBreach: { maxPosition: "halt" } } } }))
  )
})

describe("breach actions", () => {
  const scenario = (action: string) =>
    Effect.gen(function* () {
      const r = yield* RiskEngine
      yield* r.onFill(A, fill("buy", "0.50", "10"))
      assert.strictEqual(yield* decide(create(req("buy", "0.50", "1"))), "MAX_POSITION")
      return [yield* r.state(A), yield* r.state(B), yield* r.state({ venue: "paper-a", strategy: "x" })] as const
    }).pipe(withEngine({ global: { maxPosition: "10" }, onBreach: { maxPosition: action as "deny" } }))

  it.effect("deny only denies", () =>
    Effect.map(scenario("deny"), (s) => assert.deepStrictEqual(s, ["ACTIVE", "ACTIVE", "ACTIVE"]))
  )
  it.effect("halt-venue halts the venue of the order", () =>
    Effect.map(scenario("halt-venue"), (s) => assert.deepStrictEqual(s, ["HALTED", "ACTIVE", "HALTED"]))
  )
  it.effect("halt-strategy halts the strategy everywhere", () =>
    Effect.map(scenario("halt-strategy"), (s) => assert.deepStrictEqual(s, ["HALTED", "HALTED", "ACTIVE"]))
  )
  it.effect("halt-all halts everything", () =>
    Effect.map(scenario("halt-all"), (s) => assert.deepStrictEqual(s, ["HALTED", "HALTED", "HALTED"]))
  )
  it.effect("reduce (global level) sets REDUCING everywhere", () =>
    Effect.map(scenario("reduce"), (s) => assert.deepStrictEqual(s, ["REDUCING", "REDUCING", "REDUCING"]))
  )
  it.effect("reduce-venue", () =>
    Effect.map(scenario("reduce-venue"), (s) => assert.deepStrictEqual(s, ["REDUCING", "ACTIVE", "REDUCING"]))
  )
  it.effect("a breach never lowers a stricter state", () =>
    Effect.gen(function* () {
      const r = yield* RiskEngine
      yield* r.setState("HALTED", "manual", { venue: "paper-a" })
      yield* r.onFill(A, fill("buy", "0.50", "20"))
      assert.strictEqual(yield* r.state(A), "HALTED")
    }).pipe(withEngine({ global: { maxPosition: "10" }, onBreach: { maxPosition: "reduce-venue" } }))
  )
})
