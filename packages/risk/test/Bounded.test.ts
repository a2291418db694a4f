/**
 * Memory over a 24/7 run: the fill de-duplication window, the terminal-order window and the in-flight
 * reservations stay bounded however many fills, orders and approvals go through; within the window a
 * re-delivery is still recognised.
 */
import { Decimal as D, Ids, Order, type Risk, StrMap, KeyWindow as Window } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import * as SortedMap from "effect/SortedMap"
import * as Engine from "../src/internal/engine.js"
import type { EngineState } from "../src/internal/model.js"
import { binaryMarket, cfg, fill, order, req } from "./helpers.js"

const scope: Risk.RiskScope = { venue: "paper-a", strategy: "maker" }
const config = cfg({})
const T0 = 1_700_000_000_000
const { capacity, windowMs } = Window.DEFAULT_BOUNDS

/** Built once and copied with a new id: schema validation would cost more than the engine step. */
const template = fill("buy", "0.50", "1")
const fillWithId = (id: string, side: Order.Side = "buy") =>
  Order.Fill.make({ ...template, id: Ids.TradeId.make(id), side }, true)
const orderTemplate = order("buy", "0.40", "1")
const orderWithId = (id: string, status: Order.OrderStatus = "open") =>
  Order.Order.make({ ...orderTemplate, id: Ids.OrderId.make(id), status }, true)

const feedFills = (s0: EngineState, n: number, stepMs: number, prefix: string): EngineState => {
  let s = s0
  for (let i = 0; i < n; i++) {
    s = Engine.onFill(
      s,
      config,
      scope,
      fillWithId(`${prefix}${i}`, i % 2 === 0 ? "buy" : "sell"),
      T0 + i * stepMs
    ).state
    assert.isAtMost(Window.size(s.seenFills), capacity)
  }
  return s
}

describe("bounded memory", () => {
  it("100k distinct fills: the de-duplication set stops at its capacity, newest kept", () => {
    const s = feedFills(Engine.empty(T0, config), 100_000, 1, "f")
    assert.strictEqual(Window.size(s.seenFills), capacity)
    assert.strictEqual(s.seenFills.order.size, capacity)
    const now = T0 + 100_000
    // the latest re-delivered: still recognised, the position does not move
    const before = Engine.positionOf(s, "paper-a", "M1")
    const again = Engine.onFill(s, config, scope, fillWithId("f99999", "sell"), now).state
    assert.strictEqual(Engine.positionOf(again, "paper-a", "M1"), before)
    // the oldest has left the window (documented: a fill re-sent after 50,000 newer ones counts again)
    assert.isFalse(Window.has(s.seenFills, "paper-a\u0000f0"))
  })

  it("fills spread over hours: only the last hour is remembered", () => {
    const minute = 60_000
    const s = feedFills(Engine.empty(T0, config), 300, minute, "g")
    // entries older than the window are dropped on insertion: the last hour (and the one just added)
    assert.isAtMost(Window.size(s.seenFills), windowMs / minute + 1)
    // a REST poll re-sending a fill from 30 minutes ago is still recognised
    const position = Engine.positionOf(s, "paper-a", "M1")
    const replay = Engine.onFill(s, config, scope, fillWithId("g270"), T0 + 300 * minute).state
    assert.strictEqual(Engine.positionOf(replay, "paper-a", "M1"), position)
  })

  it("100k terminal orders: the closed set stops at its capacity and the open-order map stays empty", () => {
    let s = Engine.empty(T0, config)
    for (let i = 0; i < 100_000; i++) {
      const now = T0 + i
      s = Engine.onOrder(s, config, scope, orderWithId(`x${i}`), now).state
      s = Engine.onOrder(s, config, scope, orderWithId(`x${i}`, "canceled"), now).state
      assert.isAtMost(Window.size(s.closedOrders), capacity)
    }
    assert.strictEqual(Window.size(s.closedOrders), capacity)
    assert.strictEqual(StrMap.size(s.orders), 0)
    assert.strictEqual(Engine.summary(s, {}).openOrders, 0)
    // a late "open" for a recently canceled order does not bring it back
    s = Engine.onOrder(s, config, scope, orderWithId("x99990"), T0 + 100_000).state
    assert.strictEqual(Engine.summary(s, {}).openOrders, 0)
  })

  it("100k approved creates never acknowledged: reservations leave after pendingTtlMs", () => {
    const c = cfg({ pendingTtlMs: 1_000 })
    let s = Engine.empty(T0, c)
    const request = req("buy", "0.40", "1", "M1", "c")
    for (let i = 0; i < 100_000; i++) {
      const intent: Risk.RiskIntent = {
        _tag: "Create",
        scope,
        request: Order.OrderRequest.make({ ...request, clientOrderId: Ids.ClientOrderId.make(`c${i}`) }, true)
      }
      const r = Engine.check(s, c, intent, T0 + i)
      assert.strictEqual(r.value._tag, "Approved")
      s = r.state
    }
    // one per millisecond, each living 1,000 ms
    assert.isAtMost(StrMap.size(s.orders), 1_000)
    assert.isAtMost(SortedMap.size(s.pending), 1_000)
    assert.strictEqual(Engine.summary(s, {}).openOrders, StrMap.size(s.orders))
  })
})

describe("amends and events", () => {
  it("an amend naming another market of the event takes the order out of its own market", () => {
    const c = cfg({ global: { maxEventPosition: "10" } })
    let s = Engine.registerMarkets(Engine.empty(T0, c), "paper-a", [
      binaryMarket("M1", { eventId: "E" }),
      binaryMarket("M2", { eventId: "E" })
    ])
    s = Engine.onOrder(s, c, scope, order("buy", "0.40", "8", { id: "a1", symbol: "M2" }), T0).state
    const amend = (amount: string) =>
      Engine.check(
        s,
        c,
        {
          _tag: "Amend",
          scope,
          symbol: "M1",
          orderId: "a1",
          edit: Order.OrderEdit.make({ amount: D.d(amount) }),
          current: req("buy", "0.40", "8", "M1")
        },
        T0
      ).value
    // M2's 8 no longer counts: 0 + 10 fits, 0 + 11 does not
    assert.strictEqual(amend("10")._tag, "Approved")
    const d = amend("11")
    assert.strictEqual(d._tag === "Denied" ? d.reason : d._tag, "MAX_EVENT_POSITION")
  })
})
