import { assert, describe, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import * as StrMap from "../src/StrMap.js"

// keys whose FNV-1a hashes are equal in all 32 bits (found by search): they share a collision list
const COLLIDING: ReadonlyArray<readonly [string, string]> = [
  ["k32728", "k261234"],
  ["k32729", "k261235"],
  ["k32724", "k261238"]
]

const sorted = <V>(m: StrMap.StrMap<V>) => [...StrMap.entries(m)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
const sortedMap = <V>(m: Map<string, V>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

type Op =
  | { readonly kind: "set"; readonly k: string; readonly v: number }
  | { readonly kind: "remove"; readonly k: string }

// a small key space (so keys are overwritten and removed again) plus the colliding keys
const key = fc.oneof(
  fc.integer({ min: 0, max: 300 }).map((i) => `m${i}`),
  fc.constantFrom(...COLLIDING.flat()),
  fc.string({ maxLength: 4 })
)
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), k: key, v: fc.integer() }),
  fc.record({ kind: fc.constant("remove" as const), k: key })
)

describe("StrMap", () => {
  it("the colliding keys share a full hash (the collision lists are exercised)", () => {
    for (const [a, b] of COLLIDING) assert.strictEqual(StrMap.hashOf(a), StrMap.hashOf(b))
  })

  it("agrees with a Map after any sequence of sets and removes, and every version stays as it was", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        let m = StrMap.empty<number>()
        const model = new Map<string, number>()
        const versions: Array<readonly [StrMap.StrMap<number>, ReadonlyArray<readonly [string, number]>]> = []
        for (const o of ops) {
          if (o.kind === "set") {
            m = StrMap.set(m, o.k, o.v)
            model.set(o.k, o.v)
          } else {
            m = StrMap.remove(m, o.k)
            model.delete(o.k)
          }
          assert.strictEqual(StrMap.size(m), model.size)
          assert.strictEqual(StrMap.get(m, o.k), model.get(o.k))
          if (versions.length < 40) versions.push([m, sortedMap(model)])
        }
        assert.deepStrictEqual(sorted(m), sortedMap(model))
        for (const [k, v] of model) assert.strictEqual(StrMap.get(m, k), v)
        for (const [v, snapshot] of versions) assert.deepStrictEqual(sorted(v), snapshot)
      }),
      { numRuns: 300 }
    )
  })

  it("collision lists: set, overwrite, remove down to one and to none", () => {
    const [a, b] = COLLIDING[0]!
    const [c] = COLLIDING[1]!
    let m = StrMap.set(StrMap.set(StrMap.empty<string>(), a, "a"), b, "b")
    m = StrMap.set(m, c, "c")
    assert.strictEqual(StrMap.get(m, a), "a")
    assert.strictEqual(StrMap.get(m, b), "b")
    assert.strictEqual(StrMap.size(m), 3)
    m = StrMap.set(m, b, "B")
    assert.strictEqual(StrMap.get(m, b), "B")
    assert.strictEqual(StrMap.size(m), 3)
    const without = StrMap.remove(m, a)
    assert.strictEqual(StrMap.get(without, a), undefined)
    assert.strictEqual(StrMap.get(without, b), "B")
    assert.strictEqual(StrMap.get(m, a), "a")
    const none = StrMap.remove(StrMap.remove(without, b), c)
    assert.strictEqual(StrMap.size(none), 0)
    assert.deepStrictEqual([...StrMap.keys(none)], [])
  })

  it("a write that changes nothing returns the same map (no copy)", () => {
    const m = StrMap.set(StrMap.set(StrMap.empty<number>(), "x", 1), "y", 2)
    assert.strictEqual(StrMap.set(m, "x", 1), m)
    assert.strictEqual(StrMap.remove(m, "z"), m)
    assert.strictEqual(StrMap.remove(StrMap.empty<number>(), "z").size, 0)
  })

  it("map, forEach, values and fromIterable", () => {
    const m = StrMap.fromIterable(Array.from({ length: 100 }, (_, i) => [`k${i}`, i] as const))
    assert.strictEqual(StrMap.size(m), 100)
    const doubled = StrMap.map(m, (v, k) => `${k}=${v * 2}`)
    assert.strictEqual(StrMap.get(doubled, "k7"), "k7=14")
    let sum = 0
    StrMap.forEach(m, (v) => {
      sum += v
    })
    assert.strictEqual(sum, 4950)
    assert.strictEqual(
      [...StrMap.values(m)].reduce((a, b) => a + b, 0),
      4950
    )
  })
})
