import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { connectWs, type Frame, makeClient, order, setup, TICKER } from "./client.js"

const M1 = "KXSIMA-26DEC31-E0-M1"

describe("WebSocket (REFERENCE §9)", () => {
  it.scopedLive("subscribe acks per channel, snapshot seq 1, own deltas carry client_order_id, use_yes_price", () =>
    Effect.gen(function* () {
      const { sim, key, client } = yield* setup()
      const other = makeClient(sim, yield* sim.generateKey())
      yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.47", "3"))
      yield* other.post("/portfolio/events/orders", order(TICKER, "ask", "0.52", "1"))
      const ws = yield* connectWs(sim, key)
      ws.send({ id: 1, cmd: "subscribe", params: { channels: ["orderbook_delta", "trade"], market_tickers: [TICKER] } })
      assert.deepStrictEqual(yield* ws.next(), {
        type: "subscribed",
        id: 1,
        msg: { channel: "orderbook_delta", sid: 1 }
      })
      assert.deepStrictEqual(yield* ws.next(), { type: "subscribed", id: 1, msg: { channel: "trade", sid: 2 } })
      const snap = yield* ws.next()
      assert.strictEqual(snap.type, "orderbook_snapshot")
      assert.strictEqual(snap.sid, 1)
      assert.strictEqual(snap.seq, 1)
      assert.deepStrictEqual(snap.msg.yes_dollars_fp, [["0.4700", "3.00"]])
      assert.deepStrictEqual(snap.msg.no_dollars_fp, [["0.4800", "1.00"]])
      assert.strictEqual(snap.msg.market_ticker, TICKER)
      assert.isString(snap.msg.market_id)
      yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.46", "2", { client_order_id: "mine" }))
      const own = yield* ws.next((f: Frame) => f.type === "orderbook_delta")
      assert.strictEqual(own.seq, 2)
      assert.strictEqual(own.msg.price_dollars, "0.4600")
      assert.strictEqual(own.msg.delta_fp, "2.00")
      assert.strictEqual(own.msg.side, "yes")
      assert.strictEqual(own.msg.client_order_id, "mine")
      assert.isNumber(own.msg.ts_ms)
      yield* other.post("/portfolio/events/orders", order(TICKER, "ask", "0.53", "1", { client_order_id: "theirs" }))
      const theirs = yield* ws.next((f: Frame) => f.type === "orderbook_delta")
      assert.strictEqual(theirs.seq, 3)
      assert.strictEqual(theirs.msg.side, "no")
      assert.strictEqual(theirs.msg.price_dollars, "0.4700") // NO-leg pricing by default
      assert.isUndefined(theirs.msg.client_order_id)
      // take: trade message + maker delta
      yield* client.post(
        "/portfolio/events/orders",
        order(TICKER, "bid", "0.52", "1", { time_in_force: "immediate_or_cancel" })
      )
      const tr = yield* ws.next((f: Frame) => f.type === "trade")
      assert.strictEqual(tr.sid, 2)
      assert.strictEqual(tr.msg.yes_price_dollars, "0.5200")
      assert.strictEqual(tr.msg.no_price_dollars, "0.4800")
      assert.strictEqual(tr.msg.taker_outcome_side, "yes")
      assert.strictEqual(tr.msg.taker_book_side, "bid")
      const fillDelta = yield* ws.next((f: Frame) => f.type === "orderbook_delta")
      assert.strictEqual(fillDelta.seq, 4)
      assert.strictEqual(fillDelta.msg.delta_fp, "-1.00")
      // use_yes_price on a second connection
      const ws2 = yield* connectWs(sim, key)
      ws2.send({
        id: 5,
        cmd: "subscribe",
        params: { channels: ["orderbook_delta"], market_ticker: TICKER, use_yes_price: true }
      })
      yield* ws2.next((f: Frame) => f.type === "subscribed")
      const s2 = yield* ws2.next((f: Frame) => f.type === "orderbook_snapshot")
      assert.deepStrictEqual(s2.msg.no_dollars_fp, [["0.5300", "1.00"]])
    })
  )

  it.scopedLive("update_subscription add/delete/get_snapshot, list, unsubscribe; seq continues per sid", () =>
    Effect.gen(function* () {
      const { sim, key, client } = yield* setup()
      yield* client.post("/portfolio/events/orders", order(M1, "bid", "0.301", "1"))
      const ws = yield* connectWs(sim, key)
      ws.send({ id: 1, cmd: "subscribe", params: { channels: ["orderbook_delta"], market_ticker: TICKER } })
      yield* ws.next((f: Frame) => f.type === "subscribed")
      const s1 = yield* ws.next((f: Frame) => f.type === "orderbook_snapshot")
      assert.strictEqual(s1.seq, 1)
      assert.isUndefined(s1.msg.yes_dollars_fp) // empty side: key absent
      ws.send({ id: 2, cmd: "update_subscription", params: { sids: [1], action: "add_markets", market_tickers: [M1] } })
      const ok = yield* ws.next((f: Frame) => f.type === "ok")
      assert.deepStrictEqual(ok, { id: 2, sid: 1, seq: 2, type: "ok", msg: { market_tickers: [TICKER, M1] } })
      const s2 = yield* ws.next((f: Frame) => f.type === "orderbook_snapshot")
      assert.strictEqual(s2.seq, 3)
      assert.deepStrictEqual(s2.msg.yes_dollars_fp, [["0.3010", "1.00"]])
      ws.send({ id: 3, cmd: "update_subscription", params: { sid: 1, action: "get_snapshot", market_tickers: [M1] } })
      const ok2 = yield* ws.next((f: Frame) => f.type === "ok")
      assert.strictEqual(ok2.seq, 4)
      const s3 = yield* ws.next((f: Frame) => f.type === "orderbook_snapshot")
      assert.strictEqual(s3.seq, 5)
      assert.strictEqual(s3.sid, 1)
      ws.send({ id: 4, cmd: "update_subscription", params: { sid: 1, action: "delete_markets", market_tickers: [M1] } })
      const ok3 = yield* ws.next((f: Frame) => f.type === "ok")
      assert.deepStrictEqual(ok3.msg, { market_tickers: [TICKER] })
      yield* client.post("/portfolio/events/orders", order(M1, "bid", "0.302", "1"))
      yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.30", "1"))
      const d = yield* ws.next((f: Frame) => f.type === "orderbook_delta")
      assert.strictEqual(d.msg.market_ticker, TICKER)
      assert.strictEqual(d.seq, 7)
      ws.send({ id: 5, cmd: "subscribe", params: { channels: ["ticker", "fill"] } })
      yield* ws.next((f: Frame) => f.id === 5)
      yield* ws.next((f: Frame) => f.id === 5)
      ws.send({ id: 6, cmd: "list_subscriptions" })
      const list = yield* ws.next((f: Frame) => f.id === 6)
      assert.deepStrictEqual(list, {
        id: 6,
        type: "ok",
        msg: [
          { channel: "orderbook_delta", sid: 1 },
          { channel: "ticker", sid: 2 },
          { channel: "fill", sid: 3 }
        ]
      })
      ws.send({ id: 7, cmd: "unsubscribe", params: { sids: [1] } })
      const un = yield* ws.next((f: Frame) => f.id === 7)
      assert.deepStrictEqual(un, { id: 7, sid: 1, seq: 8, type: "unsubscribed" })
      // resubscribing gets a fresh sid whose snapshot restarts at seq 1
      ws.send({ id: 8, cmd: "subscribe", params: { channels: ["orderbook_delta"], market_ticker: TICKER } })
      const sub = yield* ws.next((f: Frame) => f.id === 8)
      assert.strictEqual(sub.msg.sid, 4)
      const snap = yield* ws.next((f: Frame) => f.type === "orderbook_snapshot")
      assert.strictEqual(snap.seq, 1)
    })
  )

  it.scopedLive("numbered errors for bad commands", () =>
    Effect.gen(function* () {
      const { sim, key } = yield* setup()
      const ws = yield* connectWs(sim, key)
      const expectErr = (payload: string, id: number, code: number) =>
        Effect.gen(function* () {
          ws.sendRaw(payload)
          const e = yield* ws.next((f: Frame) => f.type === "error")
          assert.strictEqual(e.msg.code, code, payload)
          assert.strictEqual(e.id, id, payload)
          assert.isString(e.msg.msg)
        })
      yield* expectErr("{nope", 0, 1)
      yield* expectErr(JSON.stringify({ id: 2, cmd: "subscribe" }), 2, 2)
      yield* expectErr(JSON.stringify({ id: 3, cmd: "subscribe", params: {} }), 3, 3)
      yield* expectErr(JSON.stringify({ id: 4, cmd: "unsubscribe", params: {} }), 4, 4)
      yield* expectErr(JSON.stringify({ id: 5, cmd: "frobnicate", params: {} }), 5, 5)
      yield* expectErr(JSON.stringify({ id: 6, cmd: "unsubscribe", params: { sids: [99] } }), 6, 7)
      yield* expectErr(JSON.stringify({ id: 7, cmd: "subscribe", params: { channels: ["ticker_v2"] } }), 7, 8)
      yield* expectErr(JSON.stringify({ id: 8, cmd: "subscribe", params: { channels: ["orderbook_delta"] } }), 8, 14)
      yield* expectErr(
        JSON.stringify({ id: 9, cmd: "update_subscription", params: { sids: [1, 2], action: "add_markets" } }),
        9,
        12
      )
      ws.send({ id: 10, cmd: "subscribe", params: { channels: ["ticker"] } })
      yield* ws.next((f: Frame) => f.id === 10)
      yield* expectErr(JSON.stringify({ id: 11, cmd: "update_subscription", params: { sid: 1 } }), 11, 15)
      yield* expectErr(
        JSON.stringify({
          id: 12,
          cmd: "update_subscription",
          params: { sid: 1, action: "explode", market_ticker: TICKER }
        }),
        12,
        13
      )
      yield* expectErr(
        JSON.stringify({
          id: 13,
          cmd: "update_subscription",
          params: { sid: 1, action: "get_snapshot", market_ticker: TICKER }
        }),
        13,
        13
      )
      yield* expectErr(
        JSON.stringify({ id: 14, cmd: "subscribe", params: { channels: ["trade"], market_tickers: "x" } }),
        14,
        11
      )
      yield* expectErr(
        JSON.stringify({ id: 15, cmd: "subscribe", params: { channels: ["trade"], shard_factor: 101 } }),
        15,
        22
      )
      yield* expectErr(
        JSON.stringify({ id: 16, cmd: "subscribe", params: { channels: ["trade"], shard_key: 1 } }),
        16,
        20
      )
      // connection survives
      ws.send({ id: 17, cmd: "list_subscriptions" })
      assert.strictEqual((yield* ws.next((f: Frame) => f.id === 17)).type, "ok")
    })
  )

  it.scopedLive(
    "private channels: fill, user_orders, market_positions, order_group_updates; public ticker, lifecycle",
    () =>
      Effect.gen(function* () {
        const { sim, key, client } = yield* setup()
        const other = makeClient(sim, yield* sim.generateKey())
        const ws = yield* connectWs(sim, key)
        ws.send({
          id: 1,
          cmd: "subscribe",
          params: {
            channels: [
              "fill",
              "user_orders",
              "market_positions",
              "order_group_updates",
              "ticker",
              "market_lifecycle_v2"
            ]
          }
        })
        for (let i = 0; i < 6; i++) yield* ws.next((f: Frame) => f.type === "subscribed")
        yield* other.post("/portfolio/events/orders", order(TICKER, "ask", "0.52", "1"))
        const tick = yield* ws.next((f: Frame) => f.type === "ticker")
        assert.strictEqual(tick.msg.yes_ask_dollars, "0.5200")
        assert.strictEqual(tick.msg.yes_ask_size_fp, "1.00")
        yield* client.post(
          "/portfolio/events/orders",
          order(TICKER, "bid", "0.99", "1", { time_in_force: "immediate_or_cancel", client_order_id: "t1" })
        )
        const fill = yield* ws.next((f: Frame) => f.type === "fill")
        assert.strictEqual(fill.msg.is_taker, true)
        assert.strictEqual(fill.msg.fee_cost, "0.017500")
        assert.strictEqual(fill.msg.post_position_fp, "1.00")
        assert.strictEqual(fill.msg.yes_price_dollars, "0.5200")
        assert.strictEqual(fill.msg.client_order_id, "t1")
        const uo = yield* ws.next((f: Frame) => f.type === "user_order")
        assert.strictEqual(uo.msg.status, "executed")
        assert.strictEqual(uo.msg.fill_count_fp, "1.00")
        assert.strictEqual(uo.msg.taker_fees_dollars, "0.017500")
        const mp = yield* ws.next((f: Frame) => f.type === "market_position")
        assert.strictEqual(mp.msg.position_fp, "1.00")
        const g = yield* client.post("/portfolio/order_groups/create", { contracts_limit_fp: "3.00" })
        const gu = yield* ws.next((f: Frame) => f.type === "order_group_updates")
        assert.deepStrictEqual(gu.msg.event_type, "created")
        assert.strictEqual(gu.msg.order_group_id, g.body.order_group_id)
        assert.strictEqual(gu.msg.contracts_limit_fp, "3.00")
        assert.strictEqual(gu.seq, 1)
        yield* sim.control.deactivateMarket(TICKER)
        const lc = yield* ws.next((f: Frame) => f.type === "market_lifecycle_v2")
        assert.strictEqual(lc.msg.event_type, "deactivated")
        assert.strictEqual(lc.msg.market_ticker, TICKER)
        yield* sim.control.settleMarket(TICKER, "no")
        const det = yield* ws.next((f: Frame) => f.type === "market_lifecycle_v2" && f.msg.event_type === "determined")
        assert.strictEqual(det.msg.result, "no")
        const settled = yield* ws.next((f: Frame) => f.type === "market_lifecycle_v2" && f.msg.event_type === "settled")
        assert.isNumber(settled.msg.settled_ts)
      })
  )

  it.scopedLive("server pings every 10 s of simulator time with payload heartbeat", () =>
    Effect.gen(function* () {
      const { sim, key } = yield* setup({ pingIntervalMs: 10_000 })
      const ws = yield* connectWs(sim, key)
      yield* sim.advance(9_000)
      yield* Effect.sleep("50 millis")
      assert.strictEqual(ws.pings.length, 0)
      yield* sim.advance(21_000)
      yield* Effect.sleep("100 millis")
      assert.deepStrictEqual(ws.pings, ["heartbeat", "heartbeat", "heartbeat"])
    })
  )
})
