import { Decimal as D } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { plugin } from "../src/Maker.js"
import { decode, paramsFor } from "../src/MakerConfig.js"
import { parseLines } from "../src/Signals.js"

const message = (input: unknown) =>
  Effect.gen(function* () {
    const r = yield* Effect.either(decode(input))
    if (Either.isRight(r)) return assert.fail("expected a ParseError")
    assert.strictEqual(r.left._tag, "ParseError")
    return r.left.message
  })

describe("MakerConfig", () => {
  it.effect("defaults and per-market overrides", () =>
    Effect.gen(function* () {
      const c = yield* decode({ mode: "liquidity", markets: ["A", "B"], overrides: { B: { minSpreadTicks: 3 } } })
      assert.strictEqual(paramsFor(c, "A").minSpreadTicks, 2)
      assert.strictEqual(paramsFor(c, "B").minSpreadTicks, 3)
      assert.strictEqual(paramsFor(c, "A").orderSize, D.d("10"))
      const e = yield* decode({ mode: "execution", execution: { targets: [{ symbol: "X", position: "-5" }] } })
      assert.strictEqual(e.execution?.fallback, "skip")
      assert.strictEqual(e.execution?.rolloutFraction, 1)
    })
  )

  it.effect("program-aware quoting: on by default with bounded size and collateral; one setting turns it off", () =>
    Effect.gen(function* () {
      const c = yield* decode({ mode: "liquidity", markets: ["A"] })
      assert.isTrue(c.programs.enabled)
      assert.strictEqual(D.format(c.programs.maxSize), "100")
      assert.strictEqual(D.format(c.programs.maxCollateral), "500")
      assert.strictEqual(c.programs.reference, "target-fifth")
      const off = yield* decode({ mode: "liquidity", markets: ["A"], programs: { enabled: false } })
      assert.isFalse(off.programs.enabled)
      assert.strictEqual(off.programs.minRestMs, 15_000)
      const bad = yield* message({ mode: "liquidity", markets: ["A"], programs: { maxSize: "0", enable: true } })
      assert.include(bad, '["programs"]')
      assert.include(bad, '["maxSize"]')
      assert.include(bad, '["enable"]')
    })
  )

  it.effect("unknown keys are refused with their path", () =>
    Effect.gen(function* () {
      const m = yield* message({ mode: "liquidity", markets: ["A"], params: { minSpreadTick: 2 } })
      assert.include(m, '["params"]')
      assert.include(m, '["minSpreadTick"]')
      const t = yield* message({
        mode: "execution",
        execution: { targets: [{ symbol: "X", position: "1", cap: "0.5" }] }
      })
      assert.include(t, '["execution"]')
      assert.include(t, '["targets"]')
      assert.include(t, "[0]")
      assert.include(t, '["cap"]')
    })
  )

  it.effect("bad values name their path", () =>
    Effect.gen(function* () {
      const size = yield* message({ mode: "liquidity", markets: ["A"], overrides: { A: { orderSize: 5 } } })
      assert.include(size, '["overrides"]')
      assert.include(size, '["A"]')
      assert.include(size, '["orderSize"]')
      const frac = yield* message({ mode: "execution", execution: { rolloutFraction: 1.5 } })
      assert.include(frac, '["rolloutFraction"]')
      const none = yield* message({ mode: "liquidity" })
      assert.include(none, '["markets"]')
      const mode = yield* message({ mode: "both", markets: ["A"] })
      assert.include(mode, '["mode"]')
    })
  )

  it("the plugin carries the schema the runner decodes before connecting", () => {
    assert.strictEqual(plugin.name, "maker")
    assert.strictEqual(plugin.kind, "strategy")
    const r = Schema.decodeUnknownEither(plugin.config)({ mode: "liquidity", markets: ["A"], extra: 1 })
    assert.isTrue(Either.isLeft(r))
  })
})

describe("signal lines", () => {
  it("last line per symbol wins; bad lines are reported with their number", () => {
    const p = parseLines(
      [
        '{"symbol":"A","position":"10"}',
        "# comment",
        '{"symbol":"B","position":"-3","maxPrice":"0.4"}',
        '{"symbol":"A","position":"12","minPrice":"0.2"}',
        '{"symbol":"C","position":5}',
        "not json",
        ""
      ].join("\n")
    )
    assert.deepStrictEqual([...p.targets.keys()], ["A", "B"])
    assert.strictEqual(p.targets.get("A")?.position, D.d("12"))
    assert.strictEqual(p.errors.length, 2)
    assert.include(p.errors[0], "line 5")
    assert.include(p.errors[1], "line 6")
  })
})
