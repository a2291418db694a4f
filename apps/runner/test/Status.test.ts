import { assert, describe, it } from "@effect/vitest"
import { fit } from "../src/AppLive.js"

describe("the status line on a terminal", () => {
  const line =
    "quoted 8 | resting 16 ($6.40) | fills 3 | position 2 | exposure $0.80 | P&L $0.0120 | tokens sim write 100/100 read 190/200 | desyncs 1 | sim HALTED (sim desync: 1 order) | sim stream down"
  it("fits the width, a HALTED scope and a stream down first", () => {
    const cut = fit(line, 60)
    assert.isAtMost(cut.length, 59)
    assert.isTrue(cut.startsWith("sim HALTED (sim desync: 1 order) | sim stream down"), cut)
  })
  it("a line that fits is left as it is", () => {
    assert.strictEqual(fit(line, 400), line)
  })
})
