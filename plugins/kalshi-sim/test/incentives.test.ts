import { Decimal as D, Lip, TickGrid } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { KalshiSim } from "../src/index.js"
import { type Client, makeClient, order, setup } from "./client.js"

const T = "KXLIP-26DEC31-T1"

describe("incentive programs", () => {
  it.scopedLive("GET /incentive_programs: paged with next_cursor, filtered by status and type", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup({ markets: 6 })
      const all = (yield* client.get("/incentive_programs", { auth: false })).body
      // one liquidity program per market, a volume program on every third, one upcoming
      assert.strictEqual(all.incentive_programs.length, 6 + 2 + 1)
      assert.strictEqual(all.next_cursor, "")
      const p = all.incentive_programs[0]
      assert.deepStrictEqual(Object.keys(p).sort(), [
        "discount_factor_bps",
        "end_date",
        "id",
        "incentive_description",
        "incentive_type",
        "market_id",
        "market_ticker",
        "max_reward_per_account",
        "paid_out",
        "period_reward",
        "start_date",
        "target_size_fp"
      ])
      assert.strictEqual(p.discount_factor_bps, 5000)
      assert.include(["100.00", "250.00"], p.target_size_fp)
      assert.isNumber(p.period_reward)
      // pages of 4
      const seen: Array<string> = []
      let cursor = ""
      for (let i = 0; i < 10; i++) {
        const page = (yield* client.get(`/incentive_programs?limit=4${cursor ? `&cursor=${cursor}` : ""}`)).body
        seen.push(...page.incentive_programs.map((x: { id: string }) => x.id))
        cursor = page.next_cursor
        if (cursor === "") break
      }
      assert.deepStrictEqual(
        seen,
        all.incentive_programs.map((x: { id: string }) => x.id)
      )
      const upcoming = (yield* client.get("/incentive_programs?status=upcoming")).body.incentive_programs
      assert.strictEqual(upcoming.length, 1)
      assert.isAbove(Date.parse(upcoming[0].start_date), sim.nowSync())
      const volume = (yield* client.get("/incentive_programs?type=volume")).body.incentive_programs
      assert.strictEqual(volume.length, 2)
      assert.isNull(volume[0].target_size_fp)
      const bad = yield* client.get("/incentive_programs?status=soon")
      assert.strictEqual(bad.status, 400)
      assert.strictEqual((yield* client.get("/incentive_programs?limit=10001")).status, 400)
      // after the upcoming program's start it is active
      yield* sim.advance(10 * 3_600_000)
      assert.strictEqual((yield* client.get("/incentive_programs?status=upcoming")).body.incentive_programs.length, 0)
    })
  )

  it.scopedLive("the series' fee_type is served", () =>
    Effect.gen(function* () {
      const { client } = yield* setup({
        markets: [{ ticker: T, seriesTicker: "KXLIP", feeType: "quadratic_with_maker_fees" }],
        incentives: false
      })
      const s = (yield* client.get("/series/KXLIP", { auth: false })).body.series
      assert.strictEqual(s.fee_type, "quadratic_with_maker_fees")
      assert.strictEqual((yield* client.get("/incentive_programs")).body.incentive_programs.length, 0)
    })
  )
})

describe("the simulator's LIP scorer", () => {
  it.scopedLive("a hand-computed snapshot: whole levels, Target/5 reference, DF^ticks (4/21 of the YES side)", () =>
    Effect.gen(function* () {
      const { sim, client, key } = yield* setup({
        markets: [{ ticker: T, priceLevelStructure: "linear_cent" }],
        incentives: [{ ticker: T, periodRewardCentiCents: 200_000, targetSize: 100, discountFactorBps: 5000 }],
        lipScoring: true
      })
      const other = makeClient(sim, yield* sim.generateKey())
      // YES: 0.50 [10 others, 10 ours], 0.49 50, 0.47 60; NO: YES ask 0.52 100
      yield* other.post("/portfolio/events/orders", order(T, "bid", "0.50", "10"))
      yield* client.post("/portfolio/events/orders", order(T, "bid", "0.50", "10"))
      yield* other.post("/portfolio/events/orders", order(T, "bid", "0.49", "50"))
      yield* other.post("/portfolio/events/orders", order(T, "bid", "0.47", "60"))
      yield* other.post("/portfolio/events/orders", order(T, "ask", "0.52", "100"))
      const start = sim.nowSync()
      yield* sim.advance(10_999)
      const times = yield* sim.incentives.lipSampleTimes
      assert.strictEqual(times.length, 10)
      // once per second, at an offset inside the second
      for (const [i, t] of times.entries()) assert.strictEqual(Math.floor(t / 1000), Math.floor(start / 1000) + i + 1)
      assert.isAbove(new Set(times.map((t) => t % 1000)).size, 1)
      const [program] = yield* sim.incentives.programs
      const r = yield* sim.incentives.lip(program!.id, key.userId)
      assert.strictEqual(r.snapshots, 10)
      assert.strictEqual(r.included, 10)
      // per snapshot floor(4/21 · 10^12) on one side of two → period score half of it
      assert.strictEqual(r.scorePico, (10n * 190_476_190_476n * 10n ** 12n) / (20n * 10n ** 12n))
      // $20 × 0.0952… = $1.90 (rounded down to the cent)
      assert.strictEqual(r.rewardCentiCents, 19_000)
      // the other account has the rest of YES and all of NO
      const o = yield* sim.incentives.lip(program!.id, (yield* other.get("/portfolio/orders")).body.orders[0].user_id)
      assert.isTrue(o.scorePico > 900_000_000_000n)
      // one side short of Target: excluded
      yield* other.del(
        `/portfolio/events/orders/${(yield* other.get("/portfolio/orders?status=resting")).body.orders.find((x: { book_side: string }) => x.book_side === "ask").order_id}`
      )
      yield* sim.advance(3_000)
      const r2 = yield* sim.incentives.lip(program!.id, key.userId)
      assert.strictEqual(r2.snapshots, 13)
      assert.strictEqual(r2.included, 10)
    })
  )
})

// ---- the bot's scorer (core `Lip`) against the simulator's, on the same seconds of a moving book --------

const grid = (ranges: ReadonlyArray<{ start: string; end: string; step: string }>) => {
  const rs = ranges.map((r) =>
    TickGrid.PriceRange.make({ start: D.d(r.start), end: D.d(r.end), step: D.d(r.step) })
  ) as [TickGrid.PriceRange, ...Array<TickGrid.PriceRange>]
  return TickGrid.unsafeMake({
    ranges: rs,
    min: rs[0].step,
    max: D.sub(D.ONE, rs[rs.length - 1]!.step)
  })
}

/** What the bot sees: the REST book, our resting orders and their queue positions. */
const botSnapshot = (client: Client, ticker: string, g: TickGrid.TickGrid) =>
  Effect.gen(function* () {
    const book = (yield* client.get(`/markets/${ticker}/orderbook`, { auth: false })).body.orderbook_fp
    const market = (yield* client.get(`/markets/${ticker}`, { auth: false })).body.market
    const bids = (book.yes_dollars as Array<[string, string]>).map(([p, c]) => [D.d(p), D.d(c)] as const)
    const asks = (book.no_dollars as Array<[string, string]>).map(([p, c]) => [D.sub(D.ONE, D.d(p)), D.d(c)] as const)
    const orders = (yield* client.get(`/portfolio/orders?ticker=${ticker}&status=resting`)).body.orders
    const ours: Array<Lip.OurOrder> = []
    for (const o of orders) {
      const q = (yield* client.get(`/portfolio/orders/${o.order_id}/queue_position`)).body.queue_position_fp
      ours.push({
        side: o.book_side === "bid" ? "buy" : "sell",
        price: D.d(o.yes_price_dollars),
        size: D.d(o.remaining_count_fp),
        ahead: D.d(q)
      })
    }
    return Lip.fromBook(g, bids, asks, ours, market.status === "active")
  })

/** Our quotes: cancel, then join or step back from the best on both sides with random sizes. */
const requote = (client: Client, ticker: string, g: TickGrid.TickGrid, rnd: () => number) =>
  Effect.gen(function* () {
    const resting = (yield* client.get(`/portfolio/orders?ticker=${ticker}&status=resting`)).body.orders
    for (const o of resting) yield* client.del(`/portfolio/events/orders/${o.order_id}`)
    const book = (yield* client.get(`/markets/${ticker}/orderbook`, { auth: false })).body.orderbook_fp
    const bestBid = book.yes_dollars.at(-1)?.[0]
    const bestNo = book.no_dollars.at(-1)?.[0]
    const back = () => Math.floor(rnd() * 3) // 0 = join the best, 1–2 ticks behind
    const size = () => String(10 + Math.floor(rnd() * 60))
    if (bestBid !== undefined) {
      const l = Math.max(0, g.levelOf(D.d(bestBid)) - back())
      yield* client.post(
        "/portfolio/events/orders",
        order(ticker, "bid", D.format(g.priceAt(l), 4), size(), { post_only: true })
      )
    }
    if (bestNo !== undefined) {
      const l = Math.min(g.size - 1, g.levelOf(D.sub(D.ONE, D.d(bestNo))) + back())
      yield* client.post(
        "/portfolio/events/orders",
        order(ticker, "ask", D.format(g.priceAt(l), 4), size(), { post_only: true })
      )
    }
  })

const agreement = (rules: Lip.Rules, seed: number) =>
  Effect.gen(function* () {
    const base = yield* setup({ seed, markets: 3, flow: { ratePerSec: 6 }, incentives: false, lipScoring: rules })
    const { sim, client, key } = base
    yield* sim.advance(20_000) // let the synthetic participants build books
    const start = sim.nowSync() + 1_000
    const seconds = 240
    const tickers = yield* sim.tickers
    const programs: Array<KalshiSim.Program> = []
    for (const t of tickers) {
      programs.push(
        yield* sim.incentives.addProgram({
          ticker: t,
          startMs: start,
          endMs: start + seconds * 1_000,
          periodRewardCentiCents: 500_000,
          targetSize: 100,
          discountFactorBps: 5000
        })
      )
    }
    const grids = new Map<string, TickGrid.TickGrid>()
    for (const t of tickers)
      grids.set(t, grid((yield* client.get(`/markets/${t}`, { auth: false })).body.market.price_ranges))
    let s = seed
    const rnd = () => {
      s = (s * 1_103_515_245 + 12_345) % 2_147_483_648
      return s / 2_147_483_648
    }
    const periods = new Map<string, Lip.Period>(tickers.map((t) => [t, Lip.emptyPeriod]))
    const params: Lip.Params = { targetSize: D.int(100), discountFactor: D.d("0.5") }
    for (let i = 0; ; i++) {
      if (i % 10 === 0) for (const t of tickers) yield* requote(client, t, grids.get(t)!, rnd)
      const next = (yield* sim.incentives.lipNextSample)!
      if (next >= start + seconds * 1_000) break
      yield* sim.advance(next - sim.nowSync())
      if (next < start) continue
      for (const t of tickers) {
        const snap = yield* botSnapshot(client, t, grids.get(t)!)
        periods.set(t, Lip.addSnapshot(periods.get(t)!, Lip.scoreSnapshot(snap, params, rules)))
      }
    }
    const rows = []
    for (const [i, t] of tickers.entries()) {
      const bot = Lip.project(periods.get(t)!, D.int(50))
      const simR = yield* sim.incentives.lip(programs[i]!.id, key.userId)
      const botScore = D.toNumberLossy(bot.periodScore)
      const simScore = Number(simR.scorePico) / 1e12
      rows.push({
        ticker: t,
        botScore,
        simScore,
        diff: simScore === 0 ? Math.abs(botScore) : Math.abs(botScore - simScore) / simScore,
        botSnapshots: periods.get(t)!.snapshots,
        simSnapshots: simR.snapshots,
        botIncluded: periods.get(t)!.included,
        simIncluded: simR.included,
        botReward: D.format(bot.paid),
        simReward: (simR.rewardCentiCents / 10_000).toFixed(2),
        botAtBest: periods.get(t)!.atBestBoth,
        simAtBest: simR.atBestSnapshots
      })
    }
    return rows
  })

describe("bot scorer vs simulator scorer", () => {
  for (const [name, rules, seed] of [
    ["default rules", Lip.defaultRules, 3],
    [
      "best price, cut at Target, book levels",
      { reference: "best-price", depth: "cut-at-target", distance: "book-levels" },
      5
    ]
  ] as const) {
    it.scopedLive(
      `${name}: agree within 2 % per market over 240 one-second snapshots (cent, deci-cent, tapered grids)`,
      () =>
        Effect.gen(function* () {
          const rows = yield* agreement(rules, seed)
          console.log(`LIP agreement (${name}):\n${rows.map((r) => JSON.stringify(r)).join("\n")}`)
          for (const r of rows) {
            assert.strictEqual(r.botSnapshots, r.simSnapshots, r.ticker)
            assert.strictEqual(r.botIncluded, r.simIncluded, r.ticker)
            assert.isAbove(r.simScore, 0, `${r.ticker}: we should score`)
            assert.isAtMost(r.diff, 0.02, `${r.ticker}: bot ${r.botScore} vs sim ${r.simScore}`)
            assert.strictEqual(r.botAtBest, r.simAtBest, r.ticker)
          }
          // we scored on books that moved: not every snapshot had us at the best on both sides
          assert.isTrue(rows.some((r) => r.simIncluded > 0 && r.simAtBest < r.simIncluded))
        }),
      60_000
    )
  }
})
