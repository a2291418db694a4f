import { Decimal as D, Ids, Incentive } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import { termsOf } from "../src/ProgramQuoting.js"

const NOW = Date.UTC(2026, 11, 2)
const HOUR = 3_600_000
const program = (fields: Partial<ConstructorParameters<typeof Incentive.IncentiveProgram>[0]>) =>
  Incentive.IncentiveProgram.make({
    venue: Ids.VenueId.make("k"),
    id: "p",
    symbol: Ids.Symbol.make("M"),
    kind: "liquidity",
    description: "",
    start: NOW - HOUR,
    end: NOW + 23 * HOUR,
    periodReward: D.int(20),
    paidOut: false,
    targetSize: D.int(300),
    discountFactor: D.d("0.5"),
    ...fields
  })

describe("ProgramQuoting.termsOf", () => {
  it("the active liquidity program paying the most per day; upcoming, closed, volume and incomplete ones do not count", () => {
    const terms = termsOf(
      [
        program({ id: "day", periodReward: D.int(20) }), // $20 over 24 h
        program({ id: "hour", periodReward: D.int(2), start: NOW - HOUR / 2, end: NOW + HOUR / 2 }), // $48 a day
        program({ id: "soon", periodReward: D.int(1000), start: NOW + 9 * HOUR, end: NOW + 33 * HOUR }),
        program({ id: "past", periodReward: D.int(1000), start: NOW - 48 * HOUR, end: NOW - 24 * HOUR }),
        program({ id: "paid", periodReward: D.int(1000), paidOut: true }),
        program({ id: "vol", kind: "volume", periodReward: D.int(1000), targetSize: undefined }),
        program({ id: "bare", periodReward: D.int(1000), discountFactor: undefined })
      ],
      NOW
    )
    assert.strictEqual(D.format(terms!.rewardPerDay), "48")
    assert.strictEqual(D.format(terms!.target), "300")
    assert.strictEqual(D.format(terms!.discountFactor), "0.5")
    assert.isUndefined(termsOf([program({ start: NOW + HOUR })], NOW))
    assert.isUndefined(termsOf([], NOW))
  })
})
