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
      const s = TapePrograms.make(tape, yield* Effect.clock)
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

  it.effect("is worked out again exactly at each start and end (and if time goes back), the same array between", () =>
    Effect.gen(function* () {
      const s = TapePrograms.make(tape, yield* Effect.clock)
      const expected = (now: number) =>
        ids(
          tape.filter((p) => {
            const st = Incentive.statusAt(p, now)
            return st === "active" || st === "upcoming"
          })
        )
      for (const t of [0, 999, 1_000, 1_999, 2_000, 2_999, 3_000, 4_999, 5_000, 8_999, 9_000, 20_000, 1_500, 0]) {
        yield* TestClock.setTime(t)
        assert.deepStrictEqual(ids(yield* s.current), expected(t), `at ${t} ms`)
      }
      yield* TestClock.setTime(3_100)
      const first = yield* s.current
      yield* TestClock.setTime(4_900)
      assert.strictEqual(yield* s.current, first)
    })
  )

  it.effect("follows nothing past the tape: no status changes, nothing ended to read", () =>
    Effect.gen(function* () {
      const s = TapePrograms.make(tape, yield* Effect.clock)
      yield* s.follow(tape)
      assert.deepStrictEqual(yield* s.refreshEnded, [])
      assert.deepStrictEqual(yield* s.takeChanges, [])
    })
  )
})
