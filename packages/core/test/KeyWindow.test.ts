/**
 * The key window (fill de-duplication in the risk and execution engines, terminal orders in Risk): a key is
 * remembered for at least its window unless `capacity` newer keys come first; never more than `capacity` keys;
 * past the first window its size follows the rate keys come at, not the time run.
 */
import { assert, describe, it } from "@effect/vitest"
import * as KeyWindow from "../src/KeyWindow.js"

const MIN = 60_000

describe("KeyWindow", () => {
  it("remembers each key for its window; older ones leave as newer ones come", () => {
    let w = KeyWindow.make({ windowMs: 60 * MIN, capacity: 1_000_000 })
    w = KeyWindow.add(w, "a", 0)
    w = KeyWindow.add(w, "b", 30 * MIN)
    w = KeyWindow.add(w, "c", 60 * MIN) // "a" is exactly a window old: it leaves
    assert.isFalse(KeyWindow.has(w, "a"))
    assert.isTrue(KeyWindow.has(w, "b"))
    // re-adding a known key is a no-op: its age is not refreshed
    w = KeyWindow.add(w, "b", 80 * MIN)
    w = KeyWindow.add(w, "d", 90 * MIN)
    assert.isFalse(KeyWindow.has(w, "b"))
    assert.deepStrictEqual(
      ["c", "d"].map((k) => KeyWindow.has(w, k)),
      [true, true]
    )
    assert.strictEqual(KeyWindow.size(w), 2)
  })

  it("a steady rate over ten hours: the size stays at one window's keys", () => {
    let w = KeyWindow.make({ windowMs: 60 * MIN, capacity: 1_000_000 })
    const sizes: Array<number> = []
    // one key a second for ten hours; the size read at each hour's end
    for (let s = 0; s < 10 * 3600; s++) {
      w = KeyWindow.add(w, `t${s}`, s * 1000)
      if ((s + 1) % 3600 === 0) sizes.push(KeyWindow.size(w))
    }
    assert.deepStrictEqual(
      sizes,
      Array.from({ length: 10 }, () => 3600)
    )
    assert.isTrue(KeyWindow.has(w, `t${10 * 3600 - 3600}`))
    assert.isFalse(KeyWindow.has(w, `t${10 * 3600 - 3601}`))
  })

  it("a burst: never more than `capacity` keys, the newest kept", () => {
    let w = KeyWindow.make({ windowMs: 60 * MIN, capacity: 1_000 })
    for (let i = 0; i < 100_000; i++) {
      w = KeyWindow.add(w, `t${i}`, 0)
      assert.isAtMost(KeyWindow.size(w), 1_000)
    }
    for (let i = 99_000; i < 100_000; i++) assert.isTrue(KeyWindow.has(w, `t${i}`))
    assert.isFalse(KeyWindow.has(w, "t98999"))
  })
})
