/** Sweeps: the grid's combinations, ranking, the HTML page; `--set` keeps the type of the value it replaces. */
import { Decimal as D } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { setPath } from "../src/ConfigSet.js"
import * as Sweep from "../src/Sweep.js"

const row = (assignments: ReadonlyArray<string>, pnl: string, fills: number): Sweep.Row => ({
  assignments,
  pnl: D.d(pnl),
  spread: D.d(pnl),
  inventory: D.ZERO,
  fees: D.ZERO,
  fills,
  markout60: undefined,
  orders: fills * 2,
  liquidity: D.d("1.5")
})

describe("sweep", () => {
  it("runs every combination of the grid, first axis slowest", () => {
    const a = Sweep.parseAxis("strategies.mm.params.minSpreadTicks=1,2")
    const b = Sweep.parseAxis("strategies.mm.params.orderSize=5, 10 ,20")
    assert.isFalse(typeof a === "string" || typeof b === "string")
    const combos = Sweep.combinations([a as Sweep.Axis, b as Sweep.Axis])
    assert.strictEqual(combos.length, 6)
    assert.deepStrictEqual(combos[1], ["strategies.mm.params.minSpreadTicks=1", "strategies.mm.params.orderSize=10"])
    assert.strictEqual(Sweep.parseAxis("nope"), '--grid: expected path=v1,v2,…, got "nope"')
  })

  it("ranks best first by the chosen metric and draws a self-contained page with a heat map for two parameters", () => {
    const axes: ReadonlyArray<Sweep.Axis> = [
      { path: "p.a", values: ["1", "2"] },
      { path: "p.b", values: ["x", "y"] }
    ]
    const rows = [
      row(["p.a=1", "p.b=x"], "0.5", 3),
      row(["p.a=1", "p.b=y"], "-0.25", 9),
      row(["p.a=2", "p.b=x"], "1.25", 1),
      row(["p.a=2", "p.b=y"], "0", 4)
    ]
    assert.deepStrictEqual(
      Sweep.rank(rows, "pnl").map((r) => r.assignments.join(" ")),
      ["p.a=2 p.b=x", "p.a=1 p.b=x", "p.a=2 p.b=y", "p.a=1 p.b=y"]
    )
    assert.strictEqual(Sweep.rank(rows, "fills")[0]!.fills, 9)
    const page = Sweep.html("t", axes, rows, "pnl")
    assert.include(page, "<svg")
    assert.include(page, "by a (rows) × b (columns)")
    assert.notInclude(page, "<script")
    // nothing loaded from elsewhere: the only URL is the SVG namespace
    assert.deepStrictEqual([...new Set(page.match(/https?:\/\/[^"]*/g))], ["http://www.w3.org/2000/svg"])
  })

  it("--set keeps a decimal string a string and refuses a bad number", () => {
    const raw = { strategies: { mm: { params: { orderSize: "5", minSpreadTicks: 2 } } } }
    const r = setPath(raw, "strategies.mm.params.orderSize=10")
    assert.deepStrictEqual(Either.getOrThrow(r), {
      strategies: { mm: { params: { orderSize: "10", minSpreadTicks: 2 } } }
    })
    assert.isTrue(Either.isLeft(setPath(raw, "strategies.mm.params.minSpreadTicks=two")))
    assert.isTrue(Either.isLeft(setPath(raw, "noequals")))
  })
})
