import { describe, expect, it } from "vitest"
import { buildOrder } from "../src/build.js"
import { marketCountProblem, runnerMarkets } from "../src/child.js"
import * as CpuProfile from "../src/cpuProfile.js"
import * as Feed from "../src/feed.js"
import { makeStream, toFrames } from "../src/feed.js"
import { score } from "../src/limiter.js"
import { END, replaceBlock, START } from "../src/report.js"
import { classify } from "../src/simRequests.js"
import { growth } from "../src/soak.js"
import { expectedRequests } from "../src/startup.js"
import { median, midMedian, p99, prng, quantile } from "../src/stats.js"

describe("stats", () => {
  it("nearest-rank quantiles", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(median(xs)).toBe(50)
    expect(p99(xs)).toBe(99)
    expect(quantile(xs, 1)).toBe(100)
    expect(Number.isNaN(median([]))).toBe(true)
    expect(midMedian([3, 1, 2])).toBe(2)
    expect(midMedian([4, 1, 3, 2])).toBe(2.5)
    expect(Number.isNaN(midMedian([]))).toBe(true)
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

describe("feed frames", () => {
  it("are the simulator's orderbook_delta frames, one per delta, in sequence", () => {
    const s = makeStream(1_000, 5, 3)
    const frames = toFrames(s)
    expect(frames.length).toBe(1_000)
    const f = JSON.parse(frames[9]!)
    expect(f.type).toBe("orderbook_delta")
    expect(f.seq).toBe(10)
    expect(f.msg.market_ticker).toBe(s.decoded[9]!.market_ticker)
    expect(f.msg.price_dollars).toMatch(/^0\.\d{4}$/)
    expect(f.msg.delta_fp).toMatch(/^-?\d+\.00$/)
  })
})

describe("feed implementations", () => {
  it("ours, ccxt and the floor end with the same books", () => {
    const r = Feed.run({ frames: 20_000, markets: 6, rounds: 1, seed: 5, log: () => {} })
    expect(r.final_books_identical).toBe(true)
    expect(Object.values(r.digests).some((d) => d.startsWith("invalid"))).toBe(false)
  })
})

describe("request classification", () => {
  it("tells single and batch creates apart (V2 and legacy paths)", () => {
    expect(classify("POST", "/trade-api/v2/portfolio/events/orders")).toBe("create")
    expect(classify("POST", "/trade-api/v2/portfolio/events/orders/batched")).toBe("batch_create")
    expect(classify("POST", "/trade-api/v2/portfolio/orders/batched")).toBe("batch_create")
    expect(classify("DELETE", "/trade-api/v2/portfolio/events/orders/abc")).toBe("cancel")
    expect(classify("POST", "/trade-api/v2/portfolio/events/orders/abc/amend")).toBe("amend")
    expect(classify("GET", "/trade-api/v2/portfolio/orders?status=resting")).toBe("read")
  })
  it("the startup target is ⌈2N / max batch⌉", () => {
    expect(expectedRequests(100, 59)).toBe(4)
    expect(expectedRequests(100, 200)).toBe(1)
    expect(expectedRequests(100, 1)).toBe(200)
  })
})

describe("soak growth", () => {
  it("compares the median of the first and last three samples", () => {
    const samples = [100, 110, 90, 100, 100, 104, 103, 200].map((rss_mb, i) => ({ t_s: i * 10, rss_mb, cpu_s: 0 }))
    const g = growth(samples)
    expect(g.rss_start_mb).toBe(100)
    expect(g.rss_end_mb).toBe(104)
    expect(g.growth_pct).toBeCloseTo(4)
  })
})

describe("build order", () => {
  it("puts dependencies first", () => {
    const pkgs = new Map([
      ["app", { deps: ["b", "a"] }],
      ["b", { deps: ["a"] }],
      ["a", { deps: [] }]
    ])
    expect(buildOrder("app", pkgs)).toEqual(["a", "b", "app"])
  })
})

describe("README block", () => {
  it("replaces only between the markers", () => {
    const md = `a\n${START}\nold\n${END}\nb\n`
    expect(replaceBlock(md, "new\n")).toBe(`a\n${START}\nnew\n${END}\nb\n`)
    expect(replaceBlock("no markers", "x")).toBeUndefined()
  })
})

describe("market count of a section", () => {
  const out = [
    "[sim] 1000 markets; reconciled: 0 of our orders adopted, 0 looked up, 0 foreign canceled",
    "[mm] maker on sim: 1000 markets (KXSIMA-26DEC31-E0-M0, …)"
  ].join("\n")

  it("reads what the runner loaded and trades from its output", () => {
    expect(runnerMarkets(out)).toEqual({ venue: 1000, strategy: 1000 })
    expect(runnerMarkets("starting…")).toEqual({ venue: undefined, strategy: undefined })
  })

  it("a section on fewer distinct markets than it claims is a problem, named", () => {
    const tickers = Array.from({ length: 1000 }, (_, i) => `T${i}`)
    expect(marketCountProblem(1000, tickers, runnerMarkets(out))).toBeUndefined()
    // the defect this guards: 1,000 tickers asked for, 156 distinct
    const repeating = Array.from({ length: 1000 }, (_, i) => `T${i % 156}`)
    expect(marketCountProblem(1000, repeating)).toBe("the simulator has 156 distinct markets, the section claims 1000")
    expect(marketCountProblem(1000, tickers, { venue: 156, strategy: 156 })).toBe(
      "the runner loaded 156 markets, the section claims 1000"
    )
    expect(marketCountProblem(1000, tickers, { venue: 1000, strategy: undefined })).toBe(
      "the strategy trades an unknown number of markets, the section claims 1000"
    )
  })
})

describe("cpu profile attribution", () => {
  // root → program; root → run (a.js) → dash (Dashboard.js) → json (native); root → gc; root → idle
  const profile: CpuProfile.Profile = {
    nodes: [
      { id: 1, callFrame: { functionName: "(root)", url: "" }, children: [2, 3, 6, 7] },
      { id: 2, callFrame: { functionName: "(program)", url: "" } },
      { id: 3, callFrame: { functionName: "run", url: "file:///x/dist/a.js" }, children: [4] },
      { id: 4, callFrame: { functionName: "tick", url: "file:///x/dist/Dashboard.js" }, children: [5] },
      { id: 5, callFrame: { functionName: "stringify", url: "" } },
      { id: 6, callFrame: { functionName: "(garbage collector)", url: "" } },
      { id: 7, callFrame: { functionName: "(idle)", url: "" } }
    ],
    startTime: 0,
    endTime: 10_000,
    // each sample's time is the next delta: 3 → 1000, 4 → 2000, 5 → 1500, 6 → 500, 7 → 4000, 2 → (last)
    samples: [3, 4, 5, 6, 7, 2],
    timeDeltas: [0, 1000, 2000, 1500, 500, 4000]
  }
  it("counts a sample as the files' when any frame of its stack is theirs, callees included", () => {
    const a = CpuProfile.attribute(profile, /\/Dashboard[A-Za-z]*\.js$/)
    expect(a.matchedMs).toBe(3.5)
    expect(a.gcMs).toBe(0.5)
    expect(a.busyMs).toBe(6)
    expect(a.spanMs).toBe(10)
  })
  it("matches nothing when no frame is in the files", () => {
    expect(CpuProfile.attribute(profile, /\/Nothing\.js$/).matchedMs).toBe(0)
  })
})
