import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { defaultSpecs } from "../src/internal/markets.js"
import { makePrng } from "../src/internal/prng.js"
import { setup } from "./client.js"

const distinct = (xs: ReadonlyArray<string | undefined>) => new Set(xs).size

describe("generated markets", () => {
  it("every ticker is distinct up to 5,000 (past the 156-market head), the head unchanged", () => {
    for (const n of [1, 155, 156, 157, 1000, 5000]) {
      const specs = defaultSpecs(n, makePrng(7))
      assert.strictEqual(specs.length, n)
      assert.strictEqual(distinct(specs.map((s) => s.ticker)), n, `n=${n}`)
    }
    const specs = defaultSpecs(5000, makePrng(7))
    assert.strictEqual(specs[0]!.ticker, "KXSIMA-26DEC31-E0-M0")
    assert.strictEqual(specs[8]!.ticker, "KXSIMB-26DEC31-E0-M2")
    assert.strictEqual(specs[155]!.ticker, "KXSIMZ-26DEC31-E1-M2")
    assert.strictEqual(specs[156]!.seriesTicker, "KXSIMAA")
    assert.strictEqual(specs[156]!.ticker, "KXSIMAA-26DEC31-M0")
  })

  it("groups markets in series of 1–4 weekly events of 2–8 markets, each series one fee type", () => {
    const specs = defaultSpecs(5000, makePrng(7)).slice(156)
    const events = new Map<string, Array<string>>()
    const seriesEvents = new Map<string, Set<string>>()
    const seriesFees = new Map<string, Set<string | undefined>>()
    for (const s of specs) {
      assert.isTrue(s.ticker.startsWith(`${s.eventTicker}-`))
      assert.isTrue(s.eventTicker!.startsWith(`${s.seriesTicker}-`))
      events.set(s.eventTicker!, [...(events.get(s.eventTicker!) ?? []), s.ticker])
      seriesEvents.set(s.seriesTicker!, (seriesEvents.get(s.seriesTicker!) ?? new Set()).add(s.eventTicker!))
      seriesFees.set(s.seriesTicker!, (seriesFees.get(s.seriesTicker!) ?? new Set()).add(s.feeType))
    }
    const last = specs.at(-1)!.eventTicker // the last event may be cut short by n
    for (const [ev, ms] of events) if (ev !== last) assert.isTrue(ms.length >= 2 && ms.length <= 8, ev)
    for (const [, evs] of seriesEvents) assert.isTrue(evs.size >= 1 && evs.size <= 4)
    for (const [, fees] of seriesFees) assert.strictEqual(fees.size, 1)
    // sizes vary (not one fixed shape), and several dates are used
    assert.isAbove(new Set([...events.values()].map((m) => m.length)).size, 4)
    assert.isTrue([...events.keys()].some((e) => e.includes("-27JAN07")))
    // bijective letters: after KXSIMAZ comes KXSIMBA, no gaps, no repeats
    assert.isTrue(seriesEvents.has("KXSIMAZ") && seriesEvents.has("KXSIMBA"))
  })

  it("is deterministic by seed: same seed same universe, another seed other groupings", () => {
    const a = defaultSpecs(1000, makePrng(3)).map((s) => s.ticker)
    const b = defaultSpecs(1000, makePrng(3)).map((s) => s.ticker)
    const c = defaultSpecs(1000, makePrng(4)).map((s) => s.ticker)
    assert.deepStrictEqual(a, b)
    assert.notDeepEqual(a, c)
    assert.deepStrictEqual(a.slice(0, 156), c.slice(0, 156))
  })

  it.scopedLive("a simulator with markets: 1000 serves 1,000 distinct markets over paged GET /markets", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup({ markets: 1000, seed: 5, incentives: false })
      assert.strictEqual(distinct(yield* sim.tickers), 1000)
      const seen: Array<string> = []
      let cursor = ""
      for (let i = 0; i < 10; i++) {
        const p = yield* client.get(`/markets?limit=300${cursor === "" ? "" : `&cursor=${cursor}`}`, { auth: false })
        seen.push(...p.body.markets.map((m: { ticker: string }) => m.ticker))
        cursor = p.body.cursor
        if (cursor === "") break
      }
      assert.strictEqual(seen.length, 1000)
      assert.strictEqual(distinct(seen), 1000)
    })
  )
})

describe("request-target limit", () => {
  it.scopedLive("a URL over the limit gets 414 before routing; one just under is served; requests are seen", () =>
    Effect.gen(function* () {
      const seen: Array<[string, number]> = []
      const { sim, client } = yield* setup({
        markets: 1000,
        incentives: false,
        onRequest: (_m, path, status) => seen.push([path, status])
      })
      const tickers = yield* sim.tickers
      // every ticker in one comma list: ~25 kB with the encoded commas, far over 8 190
      const all = `/markets?limit=1000&tickers=${encodeURIComponent(tickers.join(","))}`
      assert.isAbove(all.length, 16_000)
      const refused = yield* client.get(all, { auth: false })
      assert.isTrue(refused.status === 414 || refused.status === 431, `status ${refused.status}`)
      // between the simulator's limit and node's own header limit: the simulator's 414 with a JSON reason
      let some = ""
      for (const t of tickers) {
        const next = some === "" ? t : `${some},${t}`
        if (`/trade-api/v2/markets?tickers=${encodeURIComponent(next)}`.length > 8_190) break
        some = next
      }
      const over = yield* client.get(`/markets?tickers=${encodeURIComponent(`${some},${tickers.at(-1)}`)}`, {
        auth: false
      })
      assert.strictEqual(over.status, 414)
      assert.match(over.body.error, /request URI too long/)
      const under = yield* client.get(`/markets?limit=1000&tickers=${encodeURIComponent(some)}`, { auth: false })
      assert.strictEqual(under.status, 200)
      assert.strictEqual(under.body.markets.length, some.split(",").length)
      assert.deepStrictEqual(seen.at(-1), ["/trade-api/v2/markets", 200])
      assert.deepStrictEqual(seen.at(-2), ["/trade-api/v2/markets", 414])
    })
  )

  it.scopedLive("the limit is configurable", () =>
    Effect.gen(function* () {
      const { client } = yield* setup({ markets: 6, maxUrlLength: 60, incentives: false })
      const short = yield* client.get("/markets", { auth: false })
      assert.strictEqual(short.status, 200)
      const long = yield* client.get(`/markets?tickers=${"X".repeat(60)}`, { auth: false })
      assert.strictEqual(long.status, 414)
    })
  )
})

describe("GET /events (the list)", () => {
  it.scopedLive("by tickers (comma list) and series, paged ≤ 200, markets nested on request", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup({ markets: 1000, seed: 5, incentives: false })
      const events = [...new Set((yield* sim.tickers).map((t) => t.split("-").slice(0, -1).join("-")))]
      const some = events.slice(150, 160)
      const r = yield* client.get(`/events?tickers=${encodeURIComponent(some.join(","))}`, { auth: false })
      assert.strictEqual(r.status, 200)
      assert.deepStrictEqual(
        r.body.events.map((e: { event_ticker: string }) => e.event_ticker).sort(),
        [...some].sort()
      )
      assert.isUndefined(r.body.events[0].markets)
      const nested = yield* client.get(`/events?with_nested_markets=true&tickers=${some[0]}`, { auth: false })
      assert.isAbove(nested.body.events[0].markets.length, 0)
      const bySeries = yield* client.get("/events?series_ticker=KXSIMA", { auth: false })
      assert.deepStrictEqual(
        bySeries.body.events.map((e: { event_ticker: string }) => e.event_ticker),
        ["KXSIMA-26DEC31-E0", "KXSIMA-26DEC31-E1"]
      )
      // every event over pages of 200
      const seen: Array<string> = []
      let cursor = ""
      for (let i = 0; i < 10; i++) {
        const p = yield* client.get(`/events?status=open${cursor === "" ? "" : `&cursor=${cursor}`}`, { auth: false })
        assert.isAtMost(p.body.events.length, 200)
        seen.push(...p.body.events.map((e: { event_ticker: string }) => e.event_ticker))
        cursor = p.body.cursor
        if (cursor === "") break
      }
      assert.deepStrictEqual(seen.sort(), [...events].sort())
      assert.strictEqual((yield* client.get("/events?limit=201", { auth: false })).status, 400)
    })
  )
})
