import { assert, describe, it } from "@effect/vitest"
import * as RunLog from "../src/RunLog.js"

describe("RunLog", () => {
  it("keeps every line while there are few", () => {
    const log = RunLog.make({ keep: 3 })
    for (const l of ["a 1", "b", "a 2"]) log.add(l)
    assert.deepStrictEqual(log.lines(), ["a 1", "b", "a 2"])
    assert.isUndefined(log.more())
  })

  it("past `keep`: the first lines in order, every line counted by kind (numbers aside), most frequent first", () => {
    const log = RunLog.make({ keep: 2, top: 2 })
    log.add("start")
    for (let i = 0; i < 1000; i++) log.add(`refused in M-${i % 7}: ${i} open orders`)
    log.add("late at 12.5")
    log.add("late at 13")
    assert.deepStrictEqual(log.lines(), ["start", "refused in M-0: 0 open orders"])
    assert.deepStrictEqual(log.more(), {
      lines: 1001,
      kinds: [
        { example: "refused in M-0: 0 open orders", count: 1000 },
        { example: "late at 12.5", count: 2 }
      ],
      otherKinds: 0
    })
  })

  it("kinds are bounded too: lines of kinds past the limit are counted together", () => {
    const log = RunLog.make({ keep: 1, kinds: 3, top: 10 })
    for (const w of ["alpha", "beta", "gamma", "delta", "epsilon", "alpha"]) log.add(w)
    const more = log.more()!
    assert.deepStrictEqual(
      more.kinds.map((k) => [k.example, k.count]),
      [
        ["alpha", 2],
        ["beta", 1],
        ["gamma", 1]
      ]
    )
    assert.strictEqual(more.otherKinds, 2)
    assert.strictEqual(more.lines, 5)
  })
})
