import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { order, setup, TICKER } from "./client.js"

const keys = (o: object) => Object.keys(o).sort()

describe("REST shapes (REFERENCE §4–§6)", () => {
  it.scopedLive("exchange status / schedule / user_data_timestamp", () =>
    Effect.gen(function* () {
      const { client } = yield* setup()
      const st = yield* client.get("/exchange/status", { auth: false })
      assert.strictEqual(st.body.exchange_active, true)
      assert.strictEqual(st.body.trading_active, true)
      assert.deepStrictEqual(st.body.exchange_index_statuses[0].description, "Default")
      const sc = yield* client.get("/exchange/schedule", { auth: false })
      assert.deepStrictEqual(keys(sc.body.schedule), ["maintenance_windows", "standard_hours"])
      assert.deepStrictEqual(sc.body.schedule.standard_hours[0].monday, [{ open_time: "00:00", close_time: "23:59" }])
      const ts = yield* client.get("/exchange/user_data_timestamp")
      assert.match(ts.body.as_of_time, /^\d{4}-\d\d-\d\dT/)
    })
  )

  it.scopedLive("markets: filters, cursor pagination, limit validation, garbage cursor", () =>
    Effect.gen(function* () {
      const { client } = yield* setup({ markets: 9 })
      const p1 = yield* client.get("/markets?limit=4", { auth: false })
      assert.strictEqual(p1.body.markets.length, 4)
      assert.notStrictEqual(p1.body.cursor, "")
      const p2 = yield* client.get(`/markets?limit=4&cursor=${p1.body.cursor}`, { auth: false })
      const p3 = yield* client.get(`/markets?limit=4&cursor=${p2.body.cursor}`, { auth: false })
      assert.strictEqual(p3.body.markets.length, 1)
      assert.strictEqual(p3.body.cursor, "")
      const garbage = yield* client.get("/markets?limit=4&cursor=%%%garbage", { auth: false })
      assert.strictEqual(garbage.status, 200)
      assert.strictEqual(garbage.body.markets[0].ticker, p1.body.markets[0].ticker)
      const over = yield* client.get("/markets?limit=1001", { auth: false })
      assert.strictEqual(over.status, 400)
      assert.deepStrictEqual(keys(over.body), ["msg"])
      assert.match(over.body.msg, /^Parameter validation failed for GetMarkets: /)
      const zero = yield* client.get("/markets?limit=0", { auth: false })
      assert.strictEqual(zero.status, 400)
      const ev = yield* client.get("/markets?event_ticker=KXSIMA-26DEC31-E1", { auth: false })
      assert.strictEqual(ev.body.markets.length, 3)
      const st = yield* client.get("/markets?status=open&series_ticker=KXSIMB", { auth: false })
      assert.strictEqual(st.body.markets.length, 3)
      const badStatus = yield* client.get("/markets?status=active", { auth: false })
      assert.strictEqual(badStatus.status, 400)
      const tick = yield* client.get(`/markets?tickers=${TICKER},KXSIMB-26DEC31-E0-M2`, { auth: false })
      assert.strictEqual(tick.body.markets.length, 2)
    })
  )

  it.scopedLive("market object, orderbook (bids only, NO side at NO prices), orderbooks batch", () =>
    Effect.gen(function* () {
      const { client, sim } = yield* setup()
      const other = yield* sim.generateKey()
      const { makeClient } = yield* Effect.promise(() => import("./client.js"))
      const b = makeClient(sim, other)
      yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.45", "120"))
      yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.47", "3"))
      yield* b.post("/portfolio/events/orders", order(TICKER, "ask", "0.52", "3"))
      yield* b.post("/portfolio/events/orders", order(TICKER, "ask", "0.60", "1"))
      const m = yield* client.get(`/markets/${TICKER}`, { auth: false })
      const mk = m.body.market
      for (const f of [
        "ticker",
        "event_ticker",
        "market_type",
        "yes_sub_title",
        "no_sub_title",
        "created_time",
        "updated_time",
        "open_time",
        "close_time",
        "latest_expiration_time",
        "settlement_timer_seconds",
        "status",
        "notional_value_dollars",
        "yes_bid_dollars",
        "yes_ask_dollars",
        "no_bid_dollars",
        "no_ask_dollars",
        "yes_bid_size_fp",
        "yes_ask_size_fp",
        "last_price_dollars",
        "previous_yes_bid_dollars",
        "previous_yes_ask_dollars",
        "previous_price_dollars",
        "volume_fp",
        "volume_24h_fp",
        "open_interest_fp",
        "result",
        "can_close_early",
        "expiration_value",
        "rules_primary",
        "rules_secondary",
        "price_level_structure",
        "price_ranges"
      ]) {
        assert.isTrue(f in mk, `market.${f}`)
      }
      assert.strictEqual(mk.yes_bid_dollars, "0.4700")
      assert.strictEqual(mk.yes_ask_dollars, "0.5200")
      assert.strictEqual(mk.no_bid_dollars, "0.4800")
      assert.strictEqual(mk.no_ask_dollars, "0.5300")
      assert.strictEqual(mk.yes_bid_size_fp, "3.00")
      assert.strictEqual(mk.price_level_structure, "linear_cent")
      assert.deepStrictEqual(mk.price_ranges, [{ start: "0.0000", end: "1.0000", step: "0.0100" }])
      const ob = yield* client.get(`/markets/${TICKER}/orderbook`, { auth: false })
      assert.deepStrictEqual(ob.body, {
        orderbook_fp: {
          yes_dollars: [
            ["0.4500", "120.00"],
            ["0.4700", "3.00"]
          ],
          no_dollars: [
            ["0.4000", "1.00"],
            ["0.4800", "3.00"]
          ]
        }
      })
      const d1 = yield* client.get(`/markets/${TICKER}/orderbook?depth=1`, { auth: false })
      assert.deepStrictEqual(d1.body.orderbook_fp, {
        yes_dollars: [["0.4700", "3.00"]],
        no_dollars: [["0.4800", "3.00"]]
      })
      const badDepth = yield* client.get(`/markets/${TICKER}/orderbook?depth=101`, { auth: false })
      assert.deepStrictEqual(keys(badDepth.body), ["msg"])
      const obs = yield* client.get(`/markets/orderbooks?tickers=${TICKER}&tickers=KXSIMA-26DEC31-E0-M1`, {
        auth: false
      })
      assert.strictEqual(obs.body.orderbooks.length, 2)
      assert.deepStrictEqual(keys(obs.body.orderbooks[1]), ["orderbook_fp", "ticker"])
      assert.deepStrictEqual(obs.body.orderbooks[1].orderbook_fp, { yes_dollars: [], no_dollars: [] })
      const none = yield* client.get("/markets/orderbooks", { auth: false })
      assert.strictEqual(none.status, 400)
      const nf = yield* client.get("/markets/NOPE", { auth: false })
      assert.strictEqual(nf.status, 404)
      const tr = yield* client.get(`/markets/trades?ticker=${TICKER}`, { auth: false })
      assert.deepStrictEqual(tr.body, { trades: [], cursor: "" })
    })
  )

  it.scopedLive("account limits and endpoint costs", () =>
    Effect.gen(function* () {
      const { client } = yield* setup()
      const l = yield* client.get("/account/limits")
      assert.deepStrictEqual(l.body, {
        usage_tier: "basic",
        read: { refill_rate: 200, bucket_capacity: 200 },
        write: { refill_rate: 100, bucket_capacity: 100 },
        grants: []
      })
      const c = yield* client.get("/account/endpoint_costs")
      assert.strictEqual(c.body.default_cost, 10)
      for (const e of c.body.endpoint_costs) assert.deepStrictEqual(keys(e), ["cost", "method", "path"])
      assert.isTrue(
        c.body.endpoint_costs.some(
          (e: { method: string; path: string; cost: number }) =>
            e.method === "DELETE" && e.path.endsWith("/portfolio/events/orders/{order_id}") && e.cost === 2
        )
      )
    })
  )

  it.scopedLive("balance, orders (filters + cursor), order, fills shapes", () =>
    Effect.gen(function* () {
      const { client } = yield* setup()
      const bal = yield* client.get("/portfolio/balance")
      assert.deepStrictEqual(bal.body, {
        balance: 1_000_000,
        balance_dollars: "10000.0000",
        portfolio_value: 0,
        updated_ts: bal.body.updated_ts,
        balance_breakdown: [{ exchange_index: 0, balance: "10000.0000" }]
      })
      for (let i = 0; i < 3; i++) {
        yield* client.post(
          "/portfolio/events/orders",
          order(TICKER, "bid", `0.1${i}`, "1", { client_order_id: `o${i}` })
        )
      }
      const after = yield* client.get("/portfolio/balance")
      assert.strictEqual(after.body.balance_dollars, "9999.6494") // 0.10+0.11+0.12 plus the worst-case taker fee reserve (0.0063+0.0069+0.0074)
      const p1 = yield* client.get("/portfolio/orders?limit=2")
      assert.strictEqual(p1.body.orders.length, 2)
      assert.strictEqual(p1.body.orders[0].client_order_id, "o2")
      const p2 = yield* client.get(`/portfolio/orders?limit=2&cursor=${p1.body.cursor}`)
      assert.strictEqual(p2.body.orders.length, 1)
      assert.strictEqual(p2.body.cursor, "")
      const o = p2.body.orders[0]
      for (const f of [
        "order_id",
        "user_id",
        "client_order_id",
        "ticker",
        "outcome_side",
        "book_side",
        "type",
        "status",
        "yes_price_dollars",
        "no_price_dollars",
        "fill_count_fp",
        "remaining_count_fp",
        "initial_count_fp",
        "taker_fees_dollars",
        "maker_fees_dollars",
        "taker_fill_cost_dollars",
        "maker_fill_cost_dollars"
      ]) {
        assert.isTrue(f in o, `order.${f}`)
      }
      assert.strictEqual(o.yes_price_dollars, "0.1000")
      assert.strictEqual(o.no_price_dollars, "0.9000")
      assert.strictEqual(o.side, "yes")
      assert.strictEqual(o.action, "buy")
      const one = yield* client.get(`/portfolio/orders/${o.order_id}`)
      assert.deepStrictEqual(one.body.order, o)
      const bad = yield* client.get("/portfolio/orders?status=open")
      assert.deepStrictEqual(keys(bad.body), ["msg"])
      const fills = yield* client.get("/portfolio/fills")
      assert.deepStrictEqual(fills.body, { fills: [], cursor: "" })
      const pos = yield* client.get("/portfolio/positions")
      assert.deepStrictEqual(pos.body, { market_positions: [], event_positions: [], cursor: "" })
    })
  )

  it.scopedLive("legacy V1 mutations → 410 deprecated_v1_order_endpoint; V1 reads still work", () =>
    Effect.gen(function* () {
      const { client } = yield* setup()
      for (const [m, p] of [
        ["POST", "/portfolio/orders"],
        ["POST", "/portfolio/orders/batched"],
        ["DELETE", "/portfolio/orders/batched"],
        ["DELETE", "/portfolio/orders/abc"],
        ["POST", "/portfolio/orders/abc/amend"],
        ["POST", "/portfolio/orders/abc/decrease"]
      ] as const) {
        const r = yield* client.request(m, p, { body: {} })
        assert.strictEqual(r.status, 410, `${m} ${p}`)
        assert.strictEqual(r.body.error.code, "deprecated_v1_order_endpoint")
      }
      assert.strictEqual((yield* client.get("/portfolio/orders")).status, 200)
    })
  )

  it.scopedLive("malformed requests get Kalshi's error for the case, never a crash", () =>
    Effect.gen(function* () {
      const { client } = yield* setup({ rateLimit: false })
      const numeric = yield* client.post("/portfolio/events/orders", {
        ...order(TICKER, "bid", "0.50", "1"),
        count: 10
      })
      assert.strictEqual(numeric.status, 400)
      assert.deepStrictEqual(numeric.body, {
        code: "bad_request",
        message: "bad request",
        details: "json: cannot unmarshal number into Go struct field CreateOrderV2Request.count of type string"
      })
      const numPrice = yield* client.post("/portfolio/events/orders", {
        ...order(TICKER, "bid", "0.50", "1"),
        price: 0.5
      })
      assert.strictEqual(
        numPrice.body.details,
        "json: cannot unmarshal number into Go struct field CreateOrderV2Request.price of type string"
      )
      const badJson = yield* client.request("POST", "/portfolio/events/orders", { raw: "{not json" })
      assert.strictEqual(badJson.status, 400)
      assert.strictEqual(badJson.body.code, "bad_request")
      assert.match(badJson.body.details, /^invalid character/)
      const empty = yield* client.request("POST", "/portfolio/events/orders", { raw: "" })
      assert.deepStrictEqual(empty.body, { code: "bad_request", message: "bad request", details: "EOF" })
      const arr = yield* client.request("POST", "/portfolio/events/orders", { raw: "[1,2]" })
      assert.strictEqual(arr.body.details, "json: cannot unmarshal array into Go value of type CreateOrderV2Request")
      const batchNum = yield* client.post("/portfolio/events/orders/batched", {
        orders: [{ ...order(TICKER, "bid", "0.50", "1"), count: 1 }]
      })
      assert.strictEqual(batchNum.body.code, "bad_request")
      const boolStr = yield* client.post("/portfolio/events/orders", {
        ...order(TICKER, "bid", "0.50", "1"),
        post_only: "yes"
      })
      assert.strictEqual(
        boolStr.body.details,
        "json: cannot unmarshal string into Go struct field CreateOrderV2Request.post_only of type bool"
      )
      // unknown fields are ignored (Go encoding/json default): legacy fields do not rescue a missing price
      const unknown = yield* client.post("/portfolio/events/orders", {
        ...order(TICKER, "bid", "0.50", "1"),
        action: "buy",
        whatever: { nested: true }
      })
      assert.strictEqual(unknown.status, 201)
      const { price: _p, ...noPrice } = order(TICKER, "bid", "0.50", "1")
      const legacy = yield* client.post("/portfolio/events/orders", { ...noPrice, yes_price: 50 })
      assert.strictEqual(legacy.status, 400)
      assert.strictEqual(legacy.body.error.code, "invalid_parameters")
      const badSide = yield* client.post("/portfolio/events/orders", order(TICKER, "yes" as "bid", "0.50", "1"))
      assert.strictEqual(badSide.body.error.code, "invalid_parameters")
      const badCount = yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.50", "1.234"))
      assert.strictEqual(badCount.body.error.code, "invalid_order_size")
      const unknownMarket = yield* client.post("/portfolio/events/orders", order("NOPE", "bid", "0.50", "1"))
      assert.strictEqual(unknownMarket.status, 404)
      const route = yield* client.get("/no/such/route")
      assert.strictEqual(route.status, 404)
      assert.deepStrictEqual(route.body, { error: { code: "not_found", message: "not found" } })
      // still alive
      assert.strictEqual((yield* client.get("/exchange/status", { auth: false })).status, 200)
    })
  )
})
