import { assert, describe, it } from "@effect/vitest"
import * as Fifo from "../src/Fifo.js"

describe("Fifo", () => {
  it("shifts oldest first while the predicate holds, across pushes made between shifts", () => {
    let q = Fifo.empty<number>()
    for (let i = 0; i < 5; i++) q = Fifo.push(q, i)
    const [q1, a] = Fifo.shiftWhile(q, (x) => x < 2)
    assert.deepStrictEqual(a, [0, 1])
    assert.strictEqual(q1.size, 3)
    let q2 = q1
    for (let i = 5; i < 8; i++) q2 = Fifo.push(q2, i)
    const [q3, b] = Fifo.shiftWhile(q2, (_, size) => size > 2)
    assert.deepStrictEqual(b, [2, 3, 4, 5])
    const [q4, c] = Fifo.shiftWhile(q3, () => true)
    assert.deepStrictEqual(c, [6, 7])
    assert.strictEqual(q4.size, 0)
  })

  it("is persistent: an older version is unchanged by a shift or push of a newer one", () => {
    const q = Fifo.push(Fifo.push(Fifo.empty<string>(), "a"), "b")
    const [after] = Fifo.shiftWhile(Fifo.push(q, "c"), () => true)
    assert.strictEqual(after.size, 0)
    assert.deepStrictEqual(Fifo.shiftWhile(q, () => true)[1], ["a", "b"])
    // nothing shifted: the same elements, in order
    const [same, none] = Fifo.shiftWhile(q, () => false)
    assert.deepStrictEqual(none, [])
    assert.deepStrictEqual(Fifo.shiftWhile(same, () => true)[1], ["a", "b"])
  })
  it("peekFront: the oldest once a shift has put the elements in order, never a newer one", () => {
    let q = Fifo.empty<number>()
    assert.strictEqual(Fifo.peekFront(q), undefined)
    for (let i = 0; i < 3; i++) q = Fifo.push(q, i)
    // all still in push order: not at hand (the caller shifts)
    assert.strictEqual(Fifo.peekFront(q), undefined)
    const [q1] = Fifo.shiftWhile(q, () => false)
    assert.strictEqual(Fifo.peekFront(q1), 0)
    const [q2] = Fifo.shiftWhile(Fifo.push(q1, 3), (x) => x < 2)
    assert.strictEqual(Fifo.peekFront(q2), 2)
    // the shift that takes the last ordered one puts the later pushes in order
    const [q3] = Fifo.shiftWhile(q2, (x) => x < 3)
    assert.strictEqual(Fifo.peekFront(q3), 3)
    // emptied, then pushed: in push order again, so not at hand (never a newer element than the oldest)
    const q4 = Fifo.push(Fifo.push(Fifo.shiftWhile(q3, () => true)[0], 4), 5)
    assert.strictEqual(Fifo.peekFront(q4), undefined)
    assert.strictEqual(q4.size, 2)
  })
})
