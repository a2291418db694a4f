import { Decimal as D, Ids, Incentive } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import * as TapePrograms from "../src/TapePrograms.js"

const program = (id: string, symbol: string, start: number, end: number, paidOut = false) =>
  Incentive.IncentiveProgram.make({
    venue: Ids.VenueId.make("v"),
    id,
    symbol: Ids.Symbol.make(symbol),
    kind: "liquidity",
    description: "",
    start,
    end,
    periodReward: D.d("24"),
    paidOut,
    targetSize: D.int(100),
    discountFactor: D.d("0.5")
  })

const ids = (ps: ReadonlyArray<Incentive.IncentiveProgram>) => ps.map((p) => p.id).sort()

describe("TapePrograms", () => {
  const tape = [
    program("a", "M1", 1_000, 5_000), // active from 1 s to 5 s
    program("b", "M2", 3_000, 9_000), // upcoming until 3 s
    program("c", "M1", 0, 2_000), // closed at 2 s
    program("d", "M2", 0, 9_000, true) // paid out: never listed
  ]

  it.effect("lists what the venue would list at the simulated time: active and upcoming, not ended", () =>
    Effect.gen(function* () {
      const s = TapePrograms.make(tape)
      yield* TestClock.setTime(1_500)
      assert.deepStrictEqual(ids(yield* s.current), ["a", "b", "c"])
      assert.deepStrictEqual(ids(yield* s.forSymbol("M1")), ["a", "c"])
      yield* TestClock.setTime(4_000)
      assert.deepStrictEqual(ids(yield* s.refresh), ["a", "b"])
      yield* TestClock.setTime(6_000)
      assert.deepStrictEqual(ids(yield* s.current), ["b"])
      assert.deepStrictEqual(ids(yield* s.forSymbol("M1")), [])
    })
  )

  it.effect("follows nothing past the tape: no status changes, nothing ended to read", () =>
    Effect.gen(function* () {
      const s = TapePrograms.make(tape)
      yield* s.follow(tape)
      assert.deepStrictEqual(yield* s.refreshEnded, [])
      assert.deepStrictEqual(yield* s.takeChanges, [])
    })
  )
})
