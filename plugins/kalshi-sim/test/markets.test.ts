import { assert, describe, it } from "@effect/vitest"
import { defaultSpecs } from "../src/internal/markets.js"

describe("generated markets", () => {
  it("every ticker is distinct however many are asked for (past 26 series × 6), the first ones unchanged", () => {
    const specs = defaultSpecs(1000)
    assert.strictEqual(new Set(specs.map((s) => s.ticker)).size, 1000)
    assert.strictEqual(specs[0]!.ticker, "KXSIMA-26DEC31-E0-M0")
    assert.strictEqual(specs[155]!.ticker, "KXSIMZ-26DEC31-E1-M2")
    assert.strictEqual(specs[156]!.ticker, "KXSIMA1-26DEC31-E0-M0")
    assert.strictEqual(specs[156]!.seriesTicker, "KXSIMA1")
  })
})
