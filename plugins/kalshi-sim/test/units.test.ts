import { assert, describe, it } from "@effect/vitest"
import { FixedPoint } from "../src/index.js"
import { applyRounding, tradeFeeMicros } from "../src/internal/fees.js"
import { onGrid, structures } from "../src/internal/ticks.js"

describe("fixed point", () => {
  it("parses request formats and prints response formats", () => {
    assert.strictEqual(FixedPoint.parsePrice("0.56"), 5600)
    assert.strictEqual(FixedPoint.parsePrice("0.5600"), 5600)
    assert.strictEqual(FixedPoint.parsePrice("0.5155"), 5155)
    assert.strictEqual(FixedPoint.parsePrice("0.51555"), undefined)
    assert.strictEqual(FixedPoint.parsePrice("abc"), undefined)
    assert.strictEqual(FixedPoint.parseCount("10"), 1000)
    assert.strictEqual(FixedPoint.parseCount("10.0"), 1000)
    assert.strictEqual(FixedPoint.parseCount("0.01"), 1)
    assert.strictEqual(FixedPoint.parseCount("1.234"), undefined)
    assert.strictEqual(FixedPoint.formatPrice(5200), "0.5200")
    assert.strictEqual(FixedPoint.formatCount(-250), "-2.50")
    assert.strictEqual(FixedPoint.formatMicros6(17_500), "0.017500")
  })
})

describe("fees (REFERENCE §10)", () => {
  it("taker 1 @ 0.52 → 0.0175 (raw 0.017472 rounded up to a centicent)", () => {
    assert.strictEqual(FixedPoint.formatMicros6(tradeFeeMicros("quadratic", true, 100, 5200)), "0.017500")
  })
  it("taker 1 @ 0.99 → 0.0007 (raw 0.000693)", () => {
    assert.strictEqual(FixedPoint.formatMicros6(tradeFeeMicros("quadratic", true, 100, 9900)), "0.000700")
  })
  it("peak per-contract fees at 0.50: taker 0.0175, maker 0.004375 → 0.0044 after rounding up", () => {
    assert.strictEqual(tradeFeeMicros("quadratic", true, 100, 5000), 17_500)
    assert.strictEqual(tradeFeeMicros("quadratic_with_maker_fees", false, 100, 5000), 4_400)
    assert.strictEqual(tradeFeeMicros("quadratic_with_maker_fees", false, 10_000, 5000), 437_500)
    assert.strictEqual(tradeFeeMicros("quadratic_with_combo_maker_fees", false, 10_000, 5000), 875_000)
    assert.strictEqual(tradeFeeMicros("quadratic", false, 100, 5000), 0)
  })
  it("no float error: 0.07 × 0.5 × 0.5 is exactly 0.0175, not 0.0176", () => {
    assert.strictEqual(tradeFeeMicros("quadratic", true, 100, 5000), 17_500)
  })
  it("fee_multiplier scales the fee", () => {
    assert.strictEqual(tradeFeeMicros("quadratic", true, 100, 5000, 5_000), 8_800)
  })
  it("rounding worked example (non-direct $0.01): trade fee 0.0085, rounding 0.0065 each, rebate on fill 2", () => {
    // buy 1 @ 0.055 three times with the docs' trade fee of $0.0085 per fill
    const f1 = applyRounding(-55_000, 8_500, 0, 10_000)
    assert.strictEqual(f1.balanceChange, -70_000)
    assert.strictEqual(f1.roundingFee, 6_500)
    assert.strictEqual(f1.rebate, 0)
    const f2 = applyRounding(-55_000, 8_500, f1.accumulator, 10_000)
    assert.strictEqual(f2.roundingFee, 6_500)
    assert.strictEqual(f2.rebate, 10_000)
    assert.strictEqual(f2.accumulator, 3_000)
    const f3 = applyRounding(-55_000, 8_500, f2.accumulator, 10_000)
    assert.strictEqual(f3.rebate, 0)
    assert.strictEqual(f3.balanceChange, -70_000)
  })
  it("direct members (precision $0.0001) pay no rounding fee on whole-centicent amounts", () => {
    const r = applyRounding(-520_000, 17_500, 0, 100)
    assert.strictEqual(r.balanceChange, -537_500)
    assert.strictEqual(r.roundingFee, 0)
  })
})

describe("tick grids (REFERENCE §12.2)", () => {
  it("linear_cent / deci_cent / tapered_deci_cent", () => {
    assert.isTrue(onGrid(structures.linear_cent!, 5100))
    assert.isFalse(onGrid(structures.linear_cent!, 5150))
    assert.isTrue(onGrid(structures.deci_cent!, 5150))
    assert.isFalse(onGrid(structures.deci_cent!, 5155))
    assert.isTrue(onGrid(structures.tapered_deci_cent!, 550))
    assert.isFalse(onGrid(structures.tapered_deci_cent!, 5050))
    assert.isTrue(onGrid(structures.tapered_deci_cent!, 9950))
    assert.isFalse(onGrid(structures.linear_cent!, 0))
    assert.isFalse(onGrid(structures.linear_cent!, 10_000))
    assert.isTrue(onGrid(structures.center_deci_edge_centi_cent!, 9_999))
    assert.isFalse(onGrid(structures.center_deci_edge_centi_cent!, 5_001))
  })
})
