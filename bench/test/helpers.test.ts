import { describe, expect, it } from "vitest"
import { makeStream } from "../src/book.js"
import { score } from "../src/limiter.js"
import { END, replaceBlock, START } from "../src/report.js"
import { median, p99, prng, quantile } from "../src/stats.js"

describe("stats", () => {
  it("nearest-rank quantiles", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(median(xs)).toBe(50)
    expect(p99(xs)).toBe(99)
    expect(quantile(xs, 1)).toBe(100)
    expect(Number.isNaN(median([]))).toBe(true)
  })
  it("the PRNG is seeded", () => {
    const a = prng(7)
    const b = prng(7)
    expect([a(), a(), a()]).toEqual([b(), b(), b()])
  })
})

describe("limiter score", () => {
  it("an ideal client scores 100 % with no lateness and no window over budget", () => {
    const accepted = Array.from({ length: 200 }, (_, k) => Math.max(0, k - 9) * 100)
    const r = score({ accepted, attempts: accepted.map((t) => ({ t, status: 201 })), t0: 0 })
    expect(r.budget_used_pct).toBe(100)
    expect(r.windows_over_budget).toBe(0)
    expect(r.p99_lateness_ms).toBe(0)
  })
  it("a burst beyond the bucket is over budget", () => {
    const accepted = Array.from({ length: 20 }, () => 0)
    const r = score({ accepted, attempts: accepted.map((t) => ({ t, status: 201 })), t0: 0 })
    expect(r.windows_over_budget).toBe(1)
  })
})

describe("book stream", () => {
  it("never removes more than a level holds", () => {
    const s = makeStream(20_000, 5, 3)
    const held = new Map<string, number>()
    for (let i = 0; i < s.n; i++) {
      const k = `${s.iMarket[i]}:${s.iSide[i]}:${s.iLevel[i]}`
      const v = (held.get(k) ?? 0) + s.iLots[i]!
      expect(v).toBeGreaterThanOrEqual(0)
      held.set(k, v)
    }
  })
})

describe("README block", () => {
  it("replaces only between the markers", () => {
    const md = `a\n${START}\nold\n${END}\nb\n`
    expect(replaceBlock(md, "new\n")).toBe(`a\n${START}\nnew\n${END}\nb\n`)
    expect(replaceBlock("no markers", "x")).toBeUndefined()
  })
})
