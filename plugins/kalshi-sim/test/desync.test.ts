/**
 * The desync fault modes the verification in the execution core is tested against: each on real HTTP and
 * WebSocket over loopback, with the manual clock (REST lag is exact).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { connectWs, type Frame, order, setup, TICKER } from "./client.js"

const privateWs = (sim: Parameters<typeof connectWs>[0], key: Parameters<typeof connectWs>[1]) =>
  Effect.gen(function* () {
    const ws = yield* connectWs(sim, key)
    ws.send({ id: 1, cmd: "subscribe", params: { channels: ["user_orders", "fill"] } })
    yield* ws.next((f: Frame) => f.type === "subscribed")
    yield* ws.next((f: Frame) => f.type === "subscribed")
    return ws
  })

describe("desync fault modes", () => {
  it.scopedLive("phantom terminal: user_order says canceled, REST says resting, then a fill on that order", () =>
    Effect.gen(function* () {
      const { sim, key, client } = yield* setup({ rateLimit: false })
      const ws = yield* privateWs(sim, key)
      const r = yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.30", "2"))
      yield* ws.next((f: Frame) => f.type === "user_order" && f.msg.status === "resting")
      const id = yield* sim.faults.phantomTerminal(key.userId)
      assert.strictEqual(id, r.body.order_id)
      const phantom = yield* ws.next((f: Frame) => f.type === "user_order")
      assert.strictEqual(phantom.msg.status, "canceled")
      const fill = yield* ws.next((f: Frame) => f.type === "fill")
      assert.strictEqual(fill.msg.order_id, id)
      assert.strictEqual(fill.msg.count_fp, "1.00")
      const rest = (yield* client.get(`/portfolio/orders/${id}`)).body.order
      assert.strictEqual(rest.status, "resting")
      assert.strictEqual(rest.remaining_count_fp, "1.00")
    })
  )

  it.scopedLive("silent venue cancel: REST says canceled, no user_order", () =>
    Effect.gen(function* () {
      const { sim, key, client } = yield* setup({ rateLimit: false })
      const ws = yield* privateWs(sim, key)
      const r = yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.30", "2"))
      yield* ws.next((f: Frame) => f.type === "user_order")
      assert.strictEqual(yield* sim.faults.silentCancel(key.userId), r.body.order_id)
      assert.strictEqual((yield* ws.drain(150, (f: Frame) => f.type === "user_order")).length, 0)
      assert.strictEqual((yield* client.get(`/portfolio/orders/${r.body.order_id}`)).body.order.status, "canceled")
      assert.strictEqual((yield* client.get("/portfolio/orders?status=resting")).body.orders.length, 0)
    })
  )

  it.scopedLive("size mismatch: REST shows a smaller remaining size, no user_order", () =>
    Effect.gen(function* () {
      const { sim, key, client } = yield* setup({ rateLimit: false })
      const ws = yield* privateWs(sim, key)
      const r = yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.30", "3"))
      yield* ws.next((f: Frame) => f.type === "user_order")
      assert.strictEqual(yield* sim.faults.sizeMismatch(key.userId, 2), r.body.order_id)
      assert.strictEqual((yield* ws.drain(150, (f: Frame) => f.type === "user_order")).length, 0)
      const rest = (yield* client.get(`/portfolio/orders/${r.body.order_id}`)).body.order
      assert.strictEqual(rest.status, "resting")
      assert.strictEqual(rest.remaining_count_fp, "1.00")
      // beyond the order: refused
      assert.isUndefined(yield* sim.faults.sizeMismatch(key.userId, 5))
    })
  )

  it.scopedLive("REST lag: reads show each order as it was `ms` ago; new orders stay hidden that long", () =>
    Effect.gen(function* () {
      const { sim, key, client } = yield* setup({ rateLimit: false })
      const ws = yield* privateWs(sim, key)
      const old = yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.30", "1"))
      yield* sim.advance(5_000)
      yield* sim.faults.restLag(1_000)
      yield* client.del(`/portfolio/events/orders/${old.body.order_id}`)
      const fresh = yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.31", "1"))
      // the stream is current at once
      const updates = yield* ws.drain(150, (f: Frame) => f.type === "user_order")
      assert.deepStrictEqual(
        updates.map((f: Frame) => f.msg.status),
        ["resting", "canceled", "resting"]
      )
      // REST is a second behind: the canceled order still rests, the new one does not exist yet
      assert.strictEqual((yield* client.get(`/portfolio/orders/${old.body.order_id}`)).body.order.status, "resting")
      assert.strictEqual((yield* client.get(`/portfolio/orders/${fresh.body.order_id}`)).status, 404)
      const listed = (yield* client.get("/portfolio/orders?status=resting")).body.orders
      assert.deepStrictEqual(
        listed.map((o: { order_id: string }) => o.order_id),
        [old.body.order_id]
      )
      yield* sim.advance(999)
      assert.strictEqual((yield* client.get(`/portfolio/orders/${old.body.order_id}`)).body.order.status, "resting")
      yield* sim.advance(2)
      assert.strictEqual((yield* client.get(`/portfolio/orders/${old.body.order_id}`)).body.order.status, "canceled")
      assert.strictEqual((yield* client.get(`/portfolio/orders/${fresh.body.order_id}`)).body.order.status, "resting")
      // off: live again
      yield* sim.faults.restLag(0)
      yield* client.del(`/portfolio/events/orders/${fresh.body.order_id}`)
      assert.strictEqual((yield* client.get(`/portfolio/orders/${fresh.body.order_id}`)).body.order.status, "canceled")
    })
  )

  it.scopedLive("private channels carry seq per subscription; a private seq gap drops the message", () =>
    Effect.gen(function* () {
      const { sim, key, client } = yield* setup({ rateLimit: false })
      const ws = yield* privateWs(sim, key)
      const a = yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.30", "1"))
      const first = yield* ws.next((f: Frame) => f.type === "user_order")
      assert.strictEqual(first.seq, 1)
      yield* sim.faults.privateSeqGap(1)
      yield* client.del(`/portfolio/events/orders/${a.body.order_id}`) // this user_order is lost
      yield* client.post("/portfolio/events/orders", order(TICKER, "bid", "0.31", "1"))
      const next = yield* ws.next((f: Frame) => f.type === "user_order")
      assert.strictEqual(next.seq, 3) // seq 2 never sent
      assert.strictEqual(next.msg.status, "resting")
      // over the control endpoint as well
      const res = yield* client.control("/faults", { kind: "private_seq_gap", channel: "fill" })
      assert.strictEqual(res.status, 200)
    })
  )
})
