import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { connectWs, type Frame, makeClient, order, setup, TICKER } from "./client.js"

const subscribeBook = (ws: { send: (o: unknown) => void }) =>
  ws.send({ id: 1, cmd: "subscribe", params: { channels: ["orderbook_delta"], market_ticker: TICKER } })

describe("fault injection", () => {
  it.scopedLive("drop sockets without a close frame (client sees 1006)", () =>
    Effect.gen(function* () {
      const { sim, key } = yield* setup()
      const ws = yield* connectWs(sim, key)
      const n = yield* sim.faults.dropSockets
      assert.strictEqual(n, 1)
      const code = yield* Effect.promise(() => ws.closed)
      assert.strictEqual(code, 1006)
    })
  )

  it.scopedLive("skip a seq; duplicate and reorder frames", () =>
    Effect.gen(function* () {
      const { sim, key, client } = yield* setup({ rateLimit: false })
      const ws = yield* connectWs(sim, key)
      subscribeBook(ws)
      yield* ws.next((f: Frame) => f.type === "orderbook_snapshot")
      yield* sim.faults.skipSeq(1)
      yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.10", "1"))
      yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.11", "1"))
      const d1 = yield* ws.next((f: Frame) => f.type === "orderbook_delta")
      const d2 = yield* ws.next((f: Frame) => f.type === "orderbook_delta")
      assert.deepStrictEqual([d1.seq, d2.seq], [3, 4]) // seq 2 never sent
      yield* sim.faults.duplicateFrames(1)
      yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.12", "1"))
      const dup = yield* ws.drain(100, (f: Frame) => f.type === "orderbook_delta")
      assert.deepStrictEqual(
        dup.map((f: Frame) => f.seq),
        [5, 5]
      )
      yield* sim.faults.reorderFrames(1)
      yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.13", "1"))
      yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.14", "1"))
      const re = yield* ws.drain(100, (f: Frame) => f.type === "orderbook_delta")
      assert.deepStrictEqual(
        re.map((f: Frame) => f.seq),
        [7, 6]
      )
      // recovery: get_snapshot on the same sid
      ws.send({
        id: 2,
        cmd: "update_subscription",
        params: { sid: 1, action: "get_snapshot", market_tickers: [TICKER] }
      })
      const snap = yield* ws.next((f: Frame) => f.type === "orderbook_snapshot")
      assert.strictEqual(snap.msg.yes_dollars_fp.length, 5)
    })
  )

  it.scopedLive("malformed frames: a non-JSON frame and a delta with numbers for strings, then the real frame", () =>
    Effect.gen(function* () {
      const { sim, key, client } = yield* setup({ rateLimit: false })
      const ws = yield* connectWs(sim, key)
      subscribeBook(ws)
      yield* ws.next((f: Frame) => f.type === "orderbook_snapshot")
      yield* sim.faults.malformedFrames(1)
      yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.10", "1"))
      const junk = yield* ws.next((f: Frame) => f.type === "__unparsable__")
      assert.strictEqual(junk.text, "{not json")
      const bad = yield* ws.next((f: Frame) => f.type === "orderbook_delta" && f.seq === undefined)
      assert.strictEqual(bad.msg.market_ticker, 42)
      const real = yield* ws.next((f: Frame) => f.type === "orderbook_delta" && f.seq !== undefined)
      assert.strictEqual(real.msg.price_dollars, "0.1000")
    })
  )

  it.scopedLive("429 storms, 5xx bursts, added latency (also via POST /_sim/faults)", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      yield* sim.faults.rateLimitStorm({ count: 2 })
      assert.strictEqual((yield* client.get("/exchange/status", { auth: false })).status, 429)
      assert.deepStrictEqual((yield* client.get("/portfolio/balance")).body, { error: "too many requests" })
      assert.strictEqual((yield* client.get("/portfolio/balance")).status, 200)
      yield* sim.faults.rateLimitStorm({ durationMs: 1000 })
      assert.strictEqual((yield* client.get("/portfolio/balance")).status, 429)
      yield* sim.advance(1001)
      assert.strictEqual((yield* client.get("/portfolio/balance")).status, 200)
      const viaHttp = yield* client.control("/faults", { kind: "server_errors", count: 2, status: 503 })
      assert.strictEqual(viaHttp.status, 200)
      const e1 = yield* client.get("/portfolio/balance")
      assert.strictEqual(e1.status, 503)
      assert.strictEqual(e1.body.error.code, "service_unavailable")
      assert.strictEqual((yield* client.get("/portfolio/balance")).status, 503)
      assert.strictEqual((yield* client.get("/portfolio/balance")).status, 200)
      yield* sim.faults.serverErrors(1, 502)
      const gw = yield* client.get("/markets", { auth: false })
      assert.strictEqual(gw.status, 502)
      yield* sim.faults.latency(150, 1)
      const t0 = Date.now()
      yield* client.get("/exchange/status", { auth: false })
      assert.isAtLeast(Date.now() - t0, 140)
      const bad = yield* client.control("/faults", { kind: "nope" })
      assert.strictEqual(bad.status, 400)
    })
  )

  it.scopedLive("accept an order but lose the response (socket destroyed / 504): the order exists", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      yield* sim.faults.loseResponse(1, "destroy")
      const lost = yield* Effect.either(
        client.post("/portfolio/events/orders", order(TICKER, "bid", "0.20", "1", { client_order_id: "lost-1" }))
      )
      assert.strictEqual(lost._tag, "Left")
      const orders = yield* client.get("/portfolio/orders")
      assert.strictEqual(orders.body.orders[0].client_order_id, "lost-1")
      assert.strictEqual(orders.body.orders[0].status, "resting")
      const retry = yield* client.post(
        "/portfolio/events/orders",
        order(TICKER, "bid", "0.20", "1", { client_order_id: "lost-1" })
      )
      assert.strictEqual(retry.status, 409)
      yield* sim.faults.loseResponse(1, "504")
      const r504 = yield* client.post(
        "/portfolio/events/orders",
        order(TICKER, "bid", "0.21", "1", { client_order_id: "lost-2" })
      )
      assert.strictEqual(r504.status, 504)
      assert.strictEqual(r504.text, "")
      assert.strictEqual((yield* client.get("/portfolio/orders")).body.orders[0].client_order_id, "lost-2")
    })
  )

  it.scopedLive("partial batch failure: chosen items fail with item errors, others are applied", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      yield* sim.faults.partialBatchFailure(1, [1])
      const r = yield* client.post("/portfolio/events/orders/batched", {
        orders: [
          order(TICKER, "bid", "0.10", "1"),
          order(TICKER, "bid", "0.11", "1"),
          order(TICKER, "bid", "0.12", "1")
        ]
      })
      assert.strictEqual(r.status, 201)
      assert.strictEqual(r.body.orders[0].error, null)
      assert.strictEqual(r.body.orders[1].error.code, "internal_server_error")
      // Kalshi's schema: an errored batch-create item has no order_id at all (not null)
      assert.isFalse("order_id" in r.body.orders[1])
      assert.strictEqual(r.body.orders[2].error, null)
      assert.strictEqual((yield* client.get("/portfolio/orders")).body.orders.length, 2)
    })
  )

  it.scopedLive("malformed 2xx write responses: each write is applied, its answer fails decoding", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const isMalformed = (b: { order_id?: unknown }) => typeof b.order_id === "number"
      // create
      yield* sim.faults.malformedResponses(1, ["create"])
      const c = yield* client.post(
        "/portfolio/events/orders",
        order(TICKER, "bid", "0.10", "1", { client_order_id: "m-1" })
      )
      assert.strictEqual(c.status, 201)
      assert.isTrue(isMalformed(c.body))
      const listed = yield* client.get("/portfolio/orders", { auth: true })
      const placed = listed.body.orders.find((o: { client_order_id: string }) => o.client_order_id === "m-1")
      assert.strictEqual(placed.status, "resting")
      // a fault limited to other operations leaves this one alone (and is not consumed)
      yield* sim.faults.malformedResponses(1, ["amend"])
      const clean = yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.11", "1"))
      assert.strictEqual(typeof clean.body.order_id, "string")
      // amend (the pending amend fault fires here)
      const amended = yield* client.post(`/portfolio/events/orders/${clean.body.order_id}/amend`, {
        ticker: TICKER,
        side: "bid",
        price: "0.12",
        count: "1"
      })
      assert.strictEqual(amended.status, 200)
      assert.isTrue(isMalformed(amended.body))
      const after = yield* client.get(`/portfolio/orders/${clean.body.order_id}`)
      assert.strictEqual(after.body.order.yes_price_dollars, "0.1200")
      // batch create, via the control endpoint
      assert.strictEqual(
        (yield* client.control("/faults", { kind: "malformed_responses", count: 1, operations: ["batch_create"] }))
          .status,
        200
      )
      const bc = yield* client.post("/portfolio/events/orders/batched", {
        orders: [order(TICKER, "bid", "0.05", "1"), order(TICKER, "bid", "0.06", "1")]
      })
      assert.strictEqual(bc.status, 201)
      assert.isTrue(bc.body.orders.every(isMalformed))
      const ids = (yield* client.get("/portfolio/orders", { auth: true })).body.orders
        .filter((o: { status: string }) => o.status === "resting")
        .map((o: { order_id: string }) => o.order_id)
      assert.strictEqual(ids.length, 4)
      // cancel and batch cancel (the default: any write op)
      yield* sim.faults.malformedResponses(2)
      const one = yield* client.del(`/portfolio/events/orders/${ids[0]}`)
      assert.strictEqual(one.status, 200)
      assert.isTrue(isMalformed(one.body))
      const many = yield* client.del("/portfolio/events/orders/batched", {
        orders: ids.slice(1).map((id: string) => ({ order_id: id }))
      })
      assert.strictEqual(many.status, 200)
      assert.isTrue(many.body.orders.every(isMalformed))
      const resting = (yield* client.get("/portfolio/orders", { auth: true })).body.orders.filter(
        (o: { status: string }) => o.status === "resting"
      )
      assert.strictEqual(resting.length, 0)
      // spent: the next write is answered normally
      const fine = yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.07", "1"))
      assert.strictEqual(typeof fine.body.order_id, "string")
    })
  )

  it.scopedLive("REST/WS disagreement: WS says canceled while REST still says resting; suppressed user_order", () =>
    Effect.gen(function* () {
      const { sim, key, client } = yield* setup()
      const ws = yield* connectWs(sim, key)
      ws.send({ id: 1, cmd: "subscribe", params: { channels: ["user_orders"] } })
      yield* ws.next((f: Frame) => f.type === "subscribed")
      const r = yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.20", "1"))
      yield* ws.next((f: Frame) => f.type === "user_order" && f.msg.status === "resting")
      yield* sim.faults.freezeOrderReads
      yield* client.del(`/portfolio/events/orders/${r.body.order_id}`)
      const wsSays = yield* ws.next((f: Frame) => f.type === "user_order")
      assert.strictEqual(wsSays.msg.status, "canceled")
      const restSays = yield* client.get(`/portfolio/orders/${r.body.order_id}`)
      assert.strictEqual(restSays.body.order.status, "resting")
      yield* sim.faults.unfreezeOrderReads
      assert.strictEqual((yield* client.get(`/portfolio/orders/${r.body.order_id}`)).body.order.status, "canceled")
      yield* sim.faults.suppressUserOrders(1)
      const r2 = yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.21", "1"))
      const none = yield* ws.drain(100, (f: Frame) => f.type === "user_order")
      assert.strictEqual(none.length, 0)
      assert.strictEqual((yield* client.get(`/portfolio/orders/${r2.body.order_id}`)).body.order.status, "resting")
    })
  )

  it.scopedLive("trading pause and market close via the control endpoint", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const other = makeClient(sim, yield* sim.generateKey())
      const keep = yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.20", "1"))
      const goes = yield* client.post(
        "/portfolio/events/orders",
        order(TICKER, "bid", "0.21", "1", { cancel_order_on_pause: true })
      )
      assert.strictEqual((yield* client.control("/control", { action: "pause_trading" })).status, 200)
      assert.strictEqual((yield* client.get(`/portfolio/orders/${keep.body.order_id}`)).body.order.status, "resting")
      assert.strictEqual((yield* client.get(`/portfolio/orders/${goes.body.order_id}`)).body.order.status, "canceled")
      assert.strictEqual((yield* other.post("/portfolio/events/orders", order(TICKER, "ask", "0.20", "1"))).status, 400)
      yield* client.control("/control", { action: "resume_trading" })
      yield* client.control("/control", { action: "close_market", ticker: TICKER })
      const m = yield* client.get(`/markets/${TICKER}`, { auth: false })
      assert.strictEqual(m.body.market.status, "closed")
      assert.strictEqual((yield* client.get(`/portfolio/orders/${keep.body.order_id}`)).body.order.status, "canceled")
      const st = yield* client.request("GET", "/_sim/state", { auth: false })
      assert.isArray(st.body.fault_kinds)
    })
  )
})
