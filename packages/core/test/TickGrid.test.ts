import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as D from "../src/Decimal.js"
import * as TickGrid from "../src/TickGrid.js"

const range = (start: string, end: string, step: string) =>
  TickGrid.PriceRange.make({ start: D.d(start), end: D.d(end), step: D.d(step) })

// Kalshi: prices strictly between 0 and 1; the grid's min/max exclude the ends
const linearCent = TickGrid.unsafeMake({ ranges: [range("0", "1", "0.01")], min: D.d("0.01"), max: D.d("0.99") })
const tapered = TickGrid.unsafeMake({
  ranges: [range("0", "0.1", "0.001"), range("0.1", "0.9", "0.01"), range("0.9", "1", "0.001")],
  min: D.d("0.001"),
  max: D.d("0.999")
})
const centiCent = TickGrid.unsafeMake({ ranges: [range("0", "1", "0.0001")], min: D.d("0.0001"), max: D.d("0.9999") })

describe("TickGrid", () => {
  it("linear_cent: 99 levels, 0.01 … 0.99", () => {
    assert.strictEqual(linearCent.size, 99)
    assert.strictEqual(D.format(linearCent.priceAt(0)), "0.01")
    assert.strictEqual(D.format(linearCent.priceAt(98)), "0.99")
    assert.strictEqual(linearCent.levelOf(D.d("0.56")), 55)
    assert.strictEqual(linearCent.levelOf(D.d("0.565")), -1)
    assert.strictEqual(linearCent.levelOf(D.d("0")), -1)
    assert.strictEqual(linearCent.levelOf(D.d("1")), -1)
  })

  it("tapered_deci_cent: fine at the edges, whole cents in the middle, boundaries counted once", () => {
    // 0.001..0.100 (100) + 0.11..0.90 (80) + 0.901..0.999 (99)
    assert.strictEqual(tapered.size, 279)
    assert.isTrue(tapered.isOnGrid(D.d("0.055")))
    assert.isTrue(tapered.isOnGrid(D.d("0.10")))
    assert.isFalse(tapered.isOnGrid(D.d("0.105")))
    assert.isTrue(tapered.isOnGrid(D.d("0.905")))
    const l = tapered.levelOf(D.d("0.10"))
    assert.strictEqual(D.format(tapered.priceAt(l + 1)), "0.11")
    assert.strictEqual(D.format(tapered.priceAt(l - 1)), "0.099")
    assert.strictEqual(D.format(tapered.stepAt(l)), "0.01")
    assert.strictEqual(D.format(tapered.finestStep), "0.001")
  })

  it("$0.0001 ticks", () => {
    assert.strictEqual(centiCent.size, 9999)
    assert.strictEqual(centiCent.levelOf(D.d("0.0001")), 0)
    assert.strictEqual(D.format(centiCent.priceAt(5599), 4), "0.5600")
  })

  it("every level maps back to itself", () => {
    for (const g of [linearCent, tapered, centiCent]) {
      for (let l = 0; l < g.size; l++) assert.strictEqual(g.levelOf(g.priceAt(l)), l)
    }
  })

  it("floor and ceil snap off-grid prices", () => {
    assert.strictEqual(D.format(tapered.priceAt(tapered.floorLevel(D.d("0.105")))), "0.1")
    assert.strictEqual(D.format(tapered.priceAt(tapered.ceilLevel(D.d("0.105")))), "0.11")
    assert.strictEqual(tapered.ceilLevel(D.d("0.5")), tapered.levelOf(D.d("0.5")))
    assert.strictEqual(linearCent.floorLevel(D.d("0.001")), -1)
    assert.strictEqual(linearCent.ceilLevel(D.d("0.999")), linearCent.size)
  })

  it("unitIndex maps integer price units to levels in one lookup", () => {
    const t = tapered.unitIndex(4)!
    for (let l = 0; l < tapered.size; l++) assert.strictEqual(t[D.toUnits(tapered.priceAt(l), 4)], l)
    assert.strictEqual(t[1050], -1) // 0.105 is off the grid
    assert.strictEqual(tapered.unitIndex(4), t) // built once
    assert.isUndefined(tapered.unitIndex(2)) // the grid is finer than cents
    assert.isUndefined(TickGrid.uniform("0.01", "1000000", "0.01").unitIndex(4)) // too wide for a table
  })

  it("spot grids fit too", () => {
    const btc = TickGrid.unsafeMake({ ranges: [range("0.01", "1000000", "0.01")] })
    assert.strictEqual(btc.levelOf(D.d("95000.12")), 9500011)
    assert.strictEqual(D.format(btc.priceAt(9500011)), "95000.12")
  })

  it("refuses broken grids with a reason", () => {
    const overlap = TickGrid.make({ ranges: [range("0", "0.5", "0.01"), range("0.4", "1", "0.01")] })
    assert.isTrue(Either.isLeft(overlap))
    const misaligned = TickGrid.make({ ranges: [range("0", "0.555", "0.01")] })
    assert.isTrue(Either.isLeft(misaligned) && misaligned.left.message.includes("multiple of step"))
    const decoded = Schema.decodeUnknownEither(TickGrid.TickGridFromSpec)({
      ranges: [{ start: "0", end: "1", step: "0" }]
    })
    assert.isTrue(Either.isLeft(decoded) && decoded.left.message.includes("step"))
  })

  it("interner: markets with the same price structure share one grid (and its tables); another spec gets its own", () => {
    const gridOf = TickGrid.interner(2)
    const cent = () => ({ ranges: [range("0", "1", "0.01")], min: D.d("0.01"), max: D.d("0.99") }) as const
    const a = gridOf(cent())
    const b = gridOf(cent())
    assert.isTrue(Either.isRight(a) && Either.isRight(b))
    if (Either.isLeft(a) || Either.isLeft(b)) return
    // equal specs from different objects: the same grid, so the unit table is built once
    assert.strictEqual(a.right, b.right)
    assert.strictEqual(a.right.unitIndex(4), b.right.unitIndex(4))
    assert.strictEqual(a.right.levelOf(D.d("0.56")), 55)
    // the bounds are part of the key
    const wider = gridOf({ ranges: [range("0", "1", "0.01")], min: D.d("0.02"), max: D.d("0.99") })
    assert.isTrue(Either.isRight(wider) && wider.right !== a.right && wider.right.size === 98)
    // an invalid spec fails as `make` does, and is not held
    const bad = gridOf({ ranges: [range("0", "1", "0.03")] })
    assert.isTrue(Either.isLeft(bad) && bad.left.message.includes("multiple of step"))
  })

  it("interner: bounded — past its capacity it starts a fresh set, and the grids it handed out stay valid", () => {
    const gridOf = TickGrid.interner(2)
    const spec = (step: string): TickGrid.TickGridSpec => ({ ranges: [range("0", "1", step)] })
    const first = Either.getOrThrow(gridOf(spec("0.01")))
    assert.strictEqual(Either.getOrThrow(gridOf(spec("0.01"))), first)
    Either.getOrThrow(gridOf(spec("0.1")))
    // a third spec: the set held two, so it starts afresh; "0.01" is built again (a new, equal grid)
    Either.getOrThrow(gridOf(spec("0.05")))
    const again = Either.getOrThrow(gridOf(spec("0.01")))
    assert.notStrictEqual(again, first)
    assert.strictEqual(again.size, first.size)
    assert.strictEqual(first.levelOf(D.d("0.56")), 56)
    assert.strictEqual(TickGrid.specKey(spec("0.01")), TickGrid.specKey(first.spec))
  })
})
