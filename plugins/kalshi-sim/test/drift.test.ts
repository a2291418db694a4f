import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { connectWs, type Frame, makeClient, order, setup, TICKER } from "./client.js"

const control = (url: string, body: object) =>
  Effect.promise(async () => {
    const res = await fetch(`${url}/control`, { method: "POST", body: JSON.stringify(body) })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  })

describe("drift controls (a series' fee type, a program's parameters, a market's price grid)", () => {
  it.scopedLive(
    "set_series_fee: every market of the series, listed in fee_changes, charged on the next maker fill",
    () =>
      Effect.gen(function* () {
        const { sim, client } = yield* setup({ markets: 3 })
        assert.strictEqual((yield* client.get("/series/KXSIMA")).body.series.fee_type, "quadratic")
        assert.deepStrictEqual((yield* client.get("/series/fee_changes?series_ticker=KXSIMA")).body, {
          series_fee_change_arr: []
        })
        const r = yield* control(sim.controlUrl, {
          action: "set_series_fee",
          series: "KXSIMA",
          fee_type: "quadratic_with_maker_fees"
        })
        assert.strictEqual(r.status, 200)
        assert.strictEqual((yield* client.get("/series/KXSIMA")).body.series.fee_type, "quadratic_with_maker_fees")
        const changes = (yield* client.get("/series/fee_changes?series_ticker=KXSIMA&show_historical=true")).body
          .series_fee_change_arr
        assert.strictEqual(changes.length, 1)
        assert.deepStrictEqual(
          [changes[0].series_ticker, changes[0].fee_type, changes[0].fee_multiplier],
          ["KXSIMA", "quadratic_with_maker_fees", 1]
        )
        // a change already made is historical: not listed without show_historical
        assert.strictEqual(
          (yield* client.get("/series/fee_changes?series_ticker=KXSIMA")).body.series_fee_change_arr.length,
          0
        )
        // the maker now pays: 0.0175 × 1 × 0.5 × 0.5 = 0.004375 → 0.0044 per contract
        yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.50", "1"))
        const taker = makeClient(sim, yield* sim.generateKey())
        yield* taker.post(
          "/portfolio/events/orders",
          order(TICKER, "ask", "0.50", "1", { time_in_force: "immediate_or_cancel" })
        )
        const fills = (yield* client.get(`/portfolio/fills?ticker=${TICKER}`)).body.fills
        assert.strictEqual(fills[0].fee_cost, "0.004400")
        assert.strictEqual(
          (yield* control(sim.controlUrl, { action: "set_series_fee", series: "NOPE", fee_type: "quadratic" })).status,
          400
        )
        assert.strictEqual(
          (yield* control(sim.controlUrl, { action: "set_series_fee", series: "KXSIMA", fee_type: "free" })).status,
          400
        )
      })
  )

  it.scopedLive(
    "set_program changes a program's parameters in place; set_price_level_structure re-grids a market",
    () =>
      Effect.gen(function* () {
        const { sim, key, client } = yield* setup({ markets: 1 })
        const p = (yield* client.get("/incentive_programs?status=active&type=liquidity")).body.incentive_programs[0]
        const r = yield* control(sim.controlUrl, {
          action: "set_program",
          program_id: p.id,
          target_size: 555,
          discount_factor_bps: 2500
        })
        assert.strictEqual(r.status, 200)
        const after = (yield* client.get("/incentive_programs?status=active&type=liquidity")).body.incentive_programs[0]
        assert.deepStrictEqual([after.id, after.target_size_fp, after.discount_factor_bps], [p.id, "555.00", 2500])

        // paid out: listed under status=paid_out (and no longer as active); a non-boolean is refused
        assert.strictEqual(
          (yield* control(sim.controlUrl, { action: "set_program", program_id: p.id, paid_out: "yes" })).status,
          400
        )
        yield* control(sim.controlUrl, { action: "set_program", program_id: p.id, paid_out: true })
        const paid = (yield* client.get("/incentive_programs?status=paid_out&limit=10000")).body.incentive_programs
        assert.deepStrictEqual(
          paid.map((x: { id: string; paid_out: boolean }) => [x.id, x.paid_out]),
          [[p.id, true]]
        )
        const active = (yield* client.get("/incentive_programs?status=active&type=liquidity")).body.incentive_programs
        assert.isFalse(active.some((x: { id: string }) => x.id === p.id))

        const ws = yield* connectWs(sim, key)
        ws.send({ id: 1, cmd: "subscribe", params: { channels: ["market_lifecycle_v2"] } })
        yield* ws.next((f: Frame) => f.type === "subscribed")
        assert.strictEqual((yield* client.get(`/markets/${TICKER}`)).body.market.price_level_structure, "linear_cent")
        // a deci-cent price is refused before, accepted after
        assert.strictEqual(
          (yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.405", "1"))).status,
          400
        )
        yield* control(sim.controlUrl, {
          action: "set_price_level_structure",
          ticker: TICKER,
          price_level_structure: "deci_cent"
        })
        const ev = yield* ws.next((f: Frame) => f.type === "market_lifecycle_v2")
        assert.strictEqual(ev.msg.event_type, "price_level_structure_updated")
        assert.deepStrictEqual(ev.msg.price_ranges, [{ start: "0.0000", end: "1.0000", step: "0.0010" }])
        assert.strictEqual((yield* client.get(`/markets/${TICKER}`)).body.market.price_level_structure, "deci_cent")
        assert.strictEqual(
          (yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.405", "1"))).status,
          201
        )
      })
  )
})
