import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { makeClient, order, setup, TICKER } from "./client.js"

const DECI = "KXSIMA-26DEC31-E0-M1" // deci_cent, quadratic
const TAPERED = "KXSIMA-26DEC31-E0-M2" // tapered_deci_cent
const MAKERFEE = "KXSIMA-26DEC31-E1-M0" // linear_cent, quadratic_with_maker_fees

/** Two independent accounts on one sim. */
const twoAccounts = Effect.gen(function* () {
  const base = yield* setup()
  const other = yield* base.sim.generateKey()
  return { ...base, a: base.client, b: makeClient(base.sim, other) }
})

describe("matching engine", () => {
  it.scopedLive("fills at the resting price; §10/§6.2 worked example (0.52, 0.99, 0.99)", () =>
    Effect.gen(function* () {
      const { a, b } = yield* twoAccounts
      yield* b.post("/portfolio/events/orders", order(TICKER, "ask", "0.52", "1"))
      yield* b.post("/portfolio/events/orders", order(TICKER, "ask", "0.99", "2"))
      const t1 = yield* a.post(
        "/portfolio/events/orders",
        order(TICKER, "bid", "0.99", "1", { time_in_force: "immediate_or_cancel", client_order_id: "c1" })
      )
      assert.strictEqual(t1.status, 201)
      assert.deepStrictEqual(Object.keys(t1.body).sort(), [
        "average_fee_paid",
        "average_fill_price",
        "client_order_id",
        "fill_count",
        "order_id",
        "remaining_count",
        "ts_ms"
      ])
      assert.strictEqual(t1.body.fill_count, "1.00")
      assert.strictEqual(t1.body.remaining_count, "0.00")
      assert.strictEqual(t1.body.average_fill_price, "0.5200")
      assert.strictEqual(t1.body.average_fee_paid, "0.0175")
      const t2 = yield* a.post(
        "/portfolio/events/orders",
        order(TICKER, "bid", "0.99", "2", { time_in_force: "immediate_or_cancel" })
      )
      assert.strictEqual(t2.body.average_fill_price, "0.9900")
      assert.strictEqual(t2.body.average_fee_paid, "0.0007")
      const fills = yield* a.get("/portfolio/fills")
      assert.strictEqual(fills.body.fills.length, 2)
      assert.strictEqual(fills.body.fills[1].fee_cost, "0.017500")
      assert.strictEqual(fills.body.fills[0].fee_cost, "0.001400")
      assert.strictEqual(fills.body.fills[1].yes_price_dollars, "0.5200")
      assert.strictEqual(fills.body.fills[1].no_price_dollars, "0.4800")
      assert.strictEqual(fills.body.fills[1].is_taker, true)
      assert.strictEqual(fills.body.fills[1].outcome_side, "yes")
      assert.strictEqual(fills.body.fills[1].book_side, "bid")
      assert.strictEqual(fills.body.cursor, "")
      const pos = yield* a.get("/portfolio/positions")
      const p = pos.body.market_positions[0]
      assert.strictEqual(p.position_fp, "3.00")
      assert.strictEqual(p.total_traded_dollars, "2.500000")
      assert.strictEqual(p.market_exposure_dollars, "2.500000")
      assert.strictEqual(p.fees_paid_dollars, "0.018900")
      // balance: 10000 − 2.50 − 0.0189
      const bal = yield* a.get("/portfolio/balance")
      assert.strictEqual(bal.body.balance_dollars, "9997.4811")
      assert.strictEqual(bal.body.balance, 999_748)
      // maker side (quadratic fee type: makers pay nothing) was short 3 and received 2.50
      const pb = yield* b.get("/portfolio/positions")
      assert.strictEqual(pb.body.market_positions[0].position_fp, "-3.00")
      assert.strictEqual(pb.body.market_positions[0].fees_paid_dollars, "0.000000")
    })
  )

  it.scopedLive("maker fees on quadratic_with_maker_fees series", () =>
    Effect.gen(function* () {
      const { a, b } = yield* twoAccounts
      yield* b.post("/portfolio/events/orders", order(MAKERFEE, "ask", "0.50", "100"))
      yield* a.post("/portfolio/events/orders", order(MAKERFEE, "bid", "0.50", "100"))
      const fb = yield* b.get("/portfolio/fills")
      assert.strictEqual(fb.body.fills[0].is_taker, false)
      assert.strictEqual(fb.body.fills[0].fee_cost, "0.437500")
      const fa = yield* a.get("/portfolio/fills")
      assert.strictEqual(fa.body.fills[0].fee_cost, "1.750000")
    })
  )

  it.scopedLive("price-time priority and sweeping several levels", () =>
    Effect.gen(function* () {
      const { a, b, sim } = yield* twoAccounts
      const c = makeClient(sim, yield* sim.generateKey())
      const first = yield* b.post("/portfolio/events/orders", order(TICKER, "ask", "0.60", "5"))
      const second = yield* c.post("/portfolio/events/orders", order(TICKER, "ask", "0.60", "5"))
      yield* b.post("/portfolio/events/orders", order(TICKER, "ask", "0.58", "2"))
      const q = yield* c.get(`/portfolio/orders/${second.body.order_id}/queue_position`)
      assert.strictEqual(q.body.queue_position_fp, "5.00")
      const t = yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.60", "4"))
      assert.strictEqual(t.body.fill_count, "4.00")
      assert.strictEqual(t.body.remaining_count, "0.00")
      assert.strictEqual(t.body.average_fill_price, "0.5900") // 2 @ 0.58 + 2 @ 0.60
      const o1 = yield* b.get(`/portfolio/orders/${first.body.order_id}`)
      assert.strictEqual(o1.body.order.remaining_count_fp, "3.00")
      const o2 = yield* c.get(`/portfolio/orders/${second.body.order_id}`)
      assert.strictEqual(o2.body.order.remaining_count_fp, "5.00")
      assert.strictEqual(o2.body.order.status, "resting")
    })
  )

  it.scopedLive("tick grids: off-grid → 400 invalid_price, per structure", () =>
    Effect.gen(function* () {
      const { a } = yield* twoAccounts
      const off = yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.5150", "1"))
      assert.strictEqual(off.status, 400)
      assert.deepStrictEqual(off.body, { error: { code: "invalid_price", message: "invalid price" } })
      const deci = yield* a.post("/portfolio/events/orders", order(DECI, "bid", "0.5150", "1"))
      assert.strictEqual(deci.status, 201)
      const tapMid = yield* a.post("/portfolio/events/orders", order(TAPERED, "bid", "0.5050", "1"))
      assert.strictEqual(tapMid.body.error.code, "invalid_price")
      const tapEdge = yield* a.post("/portfolio/events/orders", order(TAPERED, "bid", "0.0550", "1"))
      assert.strictEqual(tapEdge.status, 201)
      const one = yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "1.00", "1"))
      assert.strictEqual(one.body.error.code, "invalid_price")
    })
  )

  it.scopedLive("post-only cross → 400 invalid_order / post only cross; batch item error", () =>
    Effect.gen(function* () {
      const { a, b } = yield* twoAccounts
      yield* b.post("/portfolio/events/orders", order(TICKER, "ask", "0.55", "1"))
      const r = yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.55", "1", { post_only: true }))
      assert.strictEqual(r.status, 400)
      assert.deepStrictEqual(r.body, {
        error: { code: "invalid_order", message: "invalid order", details: "post only cross" }
      })
      const batch = yield* a.post("/portfolio/events/orders/batched", {
        orders: [
          order(TICKER, "bid", "0.54", "1", { post_only: true, client_order_id: "ok-1" }),
          order(TICKER, "bid", "0.56", "1", { post_only: true, client_order_id: "bad-1" })
        ]
      })
      assert.strictEqual(batch.status, 201)
      assert.strictEqual(batch.body.orders[0].error, null)
      assert.strictEqual(batch.body.orders[0].remaining_count, "1.00")
      assert.deepStrictEqual(batch.body.orders[1].error, {
        code: "invalid_order",
        message: "invalid order",
        details: "post only cross"
      })
      assert.strictEqual(batch.body.orders[1].ts_ms, null)
    })
  )

  it.scopedLive("STP taker_at_cross: 201 fill 0 / remaining 0, resting order untouched", () =>
    Effect.gen(function* () {
      const { a } = yield* twoAccounts
      const rest = yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.40", "3"))
      const r = yield* a.post(
        "/portfolio/events/orders",
        order(TICKER, "ask", "0.40", "1", { time_in_force: "immediate_or_cancel" })
      )
      assert.strictEqual(r.status, 201)
      assert.strictEqual(r.body.fill_count, "0.00")
      assert.strictEqual(r.body.remaining_count, "0.00")
      const o = yield* a.get(`/portfolio/orders/${rest.body.order_id}`)
      assert.strictEqual(o.body.order.status, "resting")
      assert.strictEqual(o.body.order.remaining_count_fp, "3.00")
    })
  )

  it.scopedLive("STP maker: resting own order canceled, matching continues", () =>
    Effect.gen(function* () {
      const { a, b } = yield* twoAccounts
      const own = yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.45", "2"))
      yield* b.post("/portfolio/events/orders", order(TICKER, "bid", "0.44", "2"))
      const r = yield* a.post(
        "/portfolio/events/orders",
        order(TICKER, "ask", "0.44", "2", { time_in_force: "immediate_or_cancel", self_trade_prevention_type: "maker" })
      )
      assert.strictEqual(r.body.fill_count, "2.00")
      assert.strictEqual(r.body.average_fill_price, "0.4400")
      const o = yield* a.get(`/portfolio/orders/${own.body.order_id}`)
      assert.strictEqual(o.body.order.status, "canceled")
    })
  )

  it.scopedLive("IOC partial, FOK all-or-nothing, GTC rests remainder", () =>
    Effect.gen(function* () {
      const { a, b } = yield* twoAccounts
      yield* b.post("/portfolio/events/orders", order(TICKER, "ask", "0.50", "3"))
      const fok = yield* a.post(
        "/portfolio/events/orders",
        order(TICKER, "bid", "0.50", "5", { time_in_force: "fill_or_kill" })
      )
      assert.strictEqual(fok.body.fill_count, "0.00")
      assert.strictEqual(fok.body.remaining_count, "0.00")
      const ioc = yield* a.post(
        "/portfolio/events/orders",
        order(TICKER, "bid", "0.50", "2", { time_in_force: "immediate_or_cancel" })
      )
      assert.strictEqual(ioc.body.fill_count, "2.00")
      const ioc2 = yield* a.post(
        "/portfolio/events/orders",
        order(TICKER, "bid", "0.50", "4", { time_in_force: "immediate_or_cancel" })
      )
      assert.strictEqual(ioc2.body.fill_count, "1.00")
      assert.strictEqual(ioc2.body.remaining_count, "0.00")
      const st = yield* a.get(`/portfolio/orders/${ioc2.body.order_id}`)
      assert.strictEqual(st.body.order.status, "canceled")
      yield* b.post("/portfolio/events/orders", order(TICKER, "ask", "0.50", "1"))
      const gtc = yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.50", "3"))
      assert.strictEqual(gtc.body.fill_count, "1.00")
      assert.strictEqual(gtc.body.remaining_count, "2.00")
      const fokOk = yield* b.post(
        "/portfolio/events/orders",
        order(TICKER, "ask", "0.50", "2", { time_in_force: "fill_or_kill" })
      )
      assert.strictEqual(fokOk.body.fill_count, "2.00")
    })
  )

  it.scopedLive("fractional 0.01-contract counts and expiration_time", () =>
    Effect.gen(function* () {
      const { a, b, sim } = yield* twoAccounts
      const now = yield* sim.now
      const r = yield* b.post(
        "/portfolio/events/orders",
        order(TICKER, "ask", "0.70", "0.05", { expiration_time: Math.floor(now / 1000) + 10 })
      )
      assert.strictEqual(r.body.remaining_count, "0.05")
      const t = yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.70", "0.01"))
      assert.strictEqual(t.body.fill_count, "0.01")
      yield* sim.advance(11_000)
      const o = yield* b.get(`/portfolio/orders/${r.body.order_id}`)
      assert.strictEqual(o.body.order.status, "canceled")
      assert.strictEqual(o.body.order.fill_count_fp, "0.01")
      const past = yield* a.post(
        "/portfolio/events/orders",
        order(TICKER, "bid", "0.10", "1", { expiration_time: Math.floor(now / 1000) - 5 })
      )
      assert.strictEqual(past.body.error.code, "invalid_order")
      const ioc = yield* a.post(
        "/portfolio/events/orders",
        order(TICKER, "bid", "0.10", "1", {
          expiration_time: Math.floor(now / 1000) + 100,
          time_in_force: "immediate_or_cancel"
        })
      )
      assert.strictEqual(ioc.status, 400)
    })
  )

  it.scopedLive("client_order_id unique forever → 409 order_already_exists", () =>
    Effect.gen(function* () {
      const { a } = yield* twoAccounts
      const r = yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.30", "1", { client_order_id: "x1" }))
      yield* a.del(`/portfolio/events/orders/${r.body.order_id}`)
      const again = yield* a.post(
        "/portfolio/events/orders",
        order(TICKER, "bid", "0.30", "1", { client_order_id: "x1" })
      )
      assert.strictEqual(again.status, 409)
      assert.deepStrictEqual(again.body, { error: { code: "order_already_exists", message: "order already exists" } })
    })
  )

  it.scopedLive("cancel / decrease / amend / cancel-all", () =>
    Effect.gen(function* () {
      const { a, b } = yield* twoAccounts
      const r = yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.30", "10", { client_order_id: "am" }))
      const id = r.body.order_id
      const dec = yield* a.post(`/portfolio/events/orders/${id}/decrease`, { reduce_by: "4" })
      assert.deepStrictEqual(Object.keys(dec.body).sort(), ["client_order_id", "order_id", "remaining_count", "ts_ms"])
      assert.strictEqual(dec.body.remaining_count, "6.00")
      const both = yield* a.post(`/portfolio/events/orders/${id}/decrease`, { reduce_by: "1", reduce_to: "2" })
      assert.strictEqual(both.status, 400)
      const mis = yield* a.post(`/portfolio/events/orders/${id}/amend`, {
        ticker: TICKER,
        side: "ask",
        price: "0.31",
        count: "6"
      })
      assert.strictEqual(mis.body.error.code, "order_side_mismatch")
      yield* b.post("/portfolio/events/orders", order(TICKER, "ask", "0.33", "2"))
      const am = yield* a.post(`/portfolio/events/orders/${id}/amend`, {
        ticker: TICKER,
        side: "bid",
        price: "0.33",
        count: "6",
        updated_client_order_id: "am2"
      })
      assert.strictEqual(am.status, 200, am.text)
      assert.strictEqual(am.body.fill_count, "2.00")
      assert.strictEqual(am.body.remaining_count, "4.00")
      assert.strictEqual(am.body.client_order_id, "am2")
      const cancel = yield* a.del(`/portfolio/events/orders/${id}`)
      assert.deepStrictEqual(cancel.body, {
        order_id: id,
        client_order_id: "am2",
        reduced_by: "4.00",
        ts_ms: cancel.body.ts_ms
      })
      const again = yield* a.del(`/portfolio/events/orders/${id}`)
      assert.strictEqual(again.status, 404)
      assert.deepStrictEqual(again.body, { error: { code: "not_found", message: "not found" } })
      yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.10", "1"))
      yield* a.post("/portfolio/events/orders", order(DECI, "bid", "0.10", "1"))
      const all = yield* a.del("/portfolio/events/orders")
      assert.strictEqual(all.status, 204)
      assert.strictEqual(all.text, "")
      const resting = yield* a.get("/portfolio/orders?status=resting")
      assert.strictEqual(resting.body.orders.length, 0)
    })
  )

  it.scopedLive("insufficient balance; batch cancel with per-item errors", () =>
    Effect.gen(function* () {
      const { a } = yield* twoAccounts
      const big = yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.50", "30000"))
      assert.strictEqual(big.status, 400)
      assert.deepStrictEqual(big.body, { error: { code: "insufficient_balance", message: "insufficient balance" } })
      const r = yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.20", "1"))
      const bc = yield* a.del("/portfolio/events/orders/batched", {
        orders: [{ order_id: r.body.order_id }, { order_id: "nope" }]
      })
      assert.strictEqual(bc.status, 200)
      assert.strictEqual(bc.body.orders[0].reduced_by, "1.00")
      assert.strictEqual(bc.body.orders[0].error, null)
      assert.strictEqual(bc.body.orders[1].reduced_by, "0.00")
      assert.strictEqual(bc.body.orders[1].error.code, "not_found")
    })
  )

  it.scopedLive("order groups: rolling 15 s contracts limit triggers, rejects until reset", () =>
    Effect.gen(function* () {
      const { a, b, sim } = yield* twoAccounts
      const g = yield* a.post("/portfolio/order_groups/create", { contracts_limit: 5 })
      assert.strictEqual(g.status, 201)
      const gid = g.body.order_group_id
      assert.deepStrictEqual(g.body, { order_group_id: gid, subaccount: 0, exchange_index: 0 })
      yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.40", "4", { order_group_id: gid }))
      const keep = yield* a.post(
        "/portfolio/events/orders",
        order(TICKER, "bid", "0.39", "10", { order_group_id: gid })
      )
      yield* b.post("/portfolio/events/orders", order(TICKER, "ask", "0.40", "4"))
      yield* sim.advance(16_000) // window rolls: the first 4 no longer count
      yield* b.post("/portfolio/events/orders", order(TICKER, "ask", "0.39", "4"))
      let got = yield* a.get(`/portfolio/order_groups/${gid}`)
      assert.deepStrictEqual(got.body.orders, [keep.body.order_id])
      yield* b.post("/portfolio/events/orders", order(TICKER, "ask", "0.39", "2")) // 6 > 5 within window
      got = yield* a.get(`/portfolio/order_groups/${gid}`)
      assert.deepStrictEqual(got.body.orders, [])
      const rejected = yield* a.post(
        "/portfolio/events/orders",
        order(TICKER, "bid", "0.30", "1", { order_group_id: gid })
      )
      assert.strictEqual(rejected.status, 400)
      yield* a.put(`/portfolio/order_groups/${gid}/reset`)
      const okAgain = yield* a.post(
        "/portfolio/events/orders",
        order(TICKER, "bid", "0.30", "1", { order_group_id: gid })
      )
      assert.strictEqual(okAgain.status, 201)
      const list = yield* a.get("/portfolio/order_groups")
      assert.deepStrictEqual(list.body.order_groups, [
        { id: gid, contracts_limit_fp: "5.00", is_auto_cancel_enabled: true, exchange_index: 0 }
      ])
      const lim = yield* a.put(`/portfolio/order_groups/${gid}/limit`, { contracts_limit_fp: "7.00" })
      assert.deepStrictEqual(lim.body, {})
      const del = yield* a.del(`/portfolio/order_groups/${gid}`)
      assert.strictEqual(del.status, 200)
      assert.strictEqual((yield* a.get(`/portfolio/order_groups/${gid}`)).status, 404)
    })
  )

  it.scopedLive("lifecycle: pause rejects new orders but allows cancels; close cancels; settlement credits", () =>
    Effect.gen(function* () {
      const { a, b, sim } = yield* twoAccounts
      const r = yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.30", "1"))
      yield* sim.control.pauseTrading
      const st = yield* a.get("/exchange/status", { auth: false })
      assert.strictEqual(st.body.trading_active, false)
      const rej = yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.31", "1"))
      assert.strictEqual(rej.body.error.code, "trading_paused")
      const c = yield* a.del(`/portfolio/events/orders/${r.body.order_id}`)
      assert.strictEqual(c.status, 200)
      yield* sim.control.resumeTrading
      yield* b.post("/portfolio/events/orders", order(TICKER, "ask", "0.40", "10"))
      yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.40", "10"))
      const resting = yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.20", "5"))
      yield* sim.control.closeMarket(TICKER)
      const o = yield* a.get(`/portfolio/orders/${resting.body.order_id}`)
      assert.strictEqual(o.body.order.status, "canceled")
      const closed = yield* a.post("/portfolio/events/orders", order(TICKER, "bid", "0.31", "1"))
      assert.strictEqual(closed.body.error.code, "market_closed")
      const before = (yield* a.get("/portfolio/balance")).body.balance_dollars
      yield* sim.control.settleMarket(TICKER, "yes")
      const after = (yield* a.get("/portfolio/balance")).body.balance_dollars
      assert.strictEqual(Number(after) - Number(before), 10)
      const m = yield* a.get(`/markets/${TICKER}`, { auth: false })
      assert.strictEqual(m.body.market.status, "finalized")
      assert.strictEqual(m.body.market.result, "yes")
      const s = yield* a.get("/portfolio/settlements")
      assert.strictEqual(s.body.settlements[0].market_result, "yes")
      assert.strictEqual(s.body.settlements[0].yes_count_fp, "10.00")
      assert.strictEqual(s.body.settlements[0].revenue, 1000)
      const p = yield* a.get("/portfolio/positions")
      assert.strictEqual(p.body.market_positions.length, 0)
    })
  )
})
