/** The verification rules every venue gets (pure parts of `internal/venue/verify.ts`). */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Ref from "effect/Ref"
import * as D from "../src/Decimal.js"
import * as Ids from "../src/Ids.js"
import type * as S from "../src/internal/venue/state.js"
import * as V from "../src/internal/venue/verify.js"
import * as Order from "../src/Order.js"
import * as Store from "../src/OrderStore.js"

const order = (
  status: Order.OrderStatus,
  over: { filled?: string; remaining?: string; amount?: string; tif?: Order.TimeInForce } = {}
) =>
  Order.Order.make(
    {
      id: Ids.OrderId.make("o-1"),
      clientOrderId: Ids.ClientOrderId.make("c-1"),
      symbol: Ids.Symbol.make("M"),
      side: "buy",
      type: "limit",
      price: D.d("0.40"),
      cost: D.ZERO,
      amount: D.d(over.amount ?? "2"),
      filled: D.d(over.filled ?? "0"),
      remaining: D.d(over.remaining ?? (Order.isTerminal(status) ? "0" : "2")),
      status,
      timeInForce: over.tif ?? "GTC",
      postOnly: false,
      reduceOnly: false,
      timestamp: 0
    },
    true
  )

describe("verification rules", () => {
  it("compare: agreement and every kind of disagreement", () => {
    assert.isUndefined(V.compare(order("open"), order("open")))
    assert.isUndefined(V.compare(order("canceled"), undefined))
    assert.isUndefined(V.compare(undefined, undefined))
    assert.isUndefined(V.compare(order("canceled"), order("canceled")))
    assert.isUndefined(V.compare(order("unknown"), undefined)) // the resolver owns unresolved writes
    // REST has an order we do not know, or rests one we hold finished
    assert.deepStrictEqual(V.compare(undefined, order("open")), {
      stream: "absent",
      rest: "open filled 0 remaining 2"
    })
    assert.isDefined(V.compare(order("canceled"), order("open")))
    // another remaining size
    assert.isDefined(V.compare(order("open"), order("open", { remaining: "1" })))
    // we hold it open, REST lacks it or has it finished; REST finished with more filled than we know
    assert.isDefined(V.compare(order("open"), undefined))
    assert.isDefined(V.compare(order("open"), order("canceled")))
    assert.isDefined(V.compare(order("canceled"), order("canceled", { filled: "1" })))
  })

  it("an unrequested terminal update: GTC orders only, not after our own cancel or cancel-all", () => {
    const v = V.empty
    assert.isTrue(V.unrequestedTerminal(v, order("open"), order("canceled"), 1_000))
    assert.isTrue(V.unrequestedTerminal(v, order("open"), order("expired"), 1_000))
    assert.isFalse(V.unrequestedTerminal(v, order("open"), order("closed", { filled: "2" }), 1_000))
    assert.isFalse(V.unrequestedTerminal(v, order("open", { tif: "IOC" }), order("canceled"), 1_000))
    assert.isFalse(V.unrequestedTerminal(v, undefined, order("canceled"), 1_000))
    assert.isFalse(
      V.unrequestedTerminal({ ...v, requested: HashMap.make(["o-1", 900]) }, order("open"), order("canceled"), 1_000)
    )
    assert.isFalse(V.unrequestedTerminal({ ...v, requestedAllAt: 900 }, order("open"), order("canceled"), 1_000))
    assert.isTrue(
      V.unrequestedTerminal(
        { ...v, requestedAllAt: 900 },
        order("open"),
        order("canceled"),
        900 + V.REQUEST_MEMORY_MS + 1
      )
    )
  })

  it("impossible fills: beyond the size, or after the stream called the order finished", () => {
    assert.isUndefined(V.impossibleFill(order("open"), D.d("2")))
    assert.isDefined(V.impossibleFill(order("open"), D.d("3")))
    assert.isUndefined(V.impossibleFill(order("canceled", { filled: "1" }), D.d("1")))
    assert.isDefined(V.impossibleFill(order("canceled", { filled: "1" }), D.d("2")))
    assert.isUndefined(V.impossibleFill(undefined, D.d("5")))
  })

  it("candidates wait for the grace after our view last changed; a quiet order is looked up at once", () => {
    const views = { stream: "a", rest: "b" }
    const quiet = V.candidate("audit", order("open"), undefined, views, 1_000, undefined, 10_000, 1_500)
    assert.strictEqual(quiet.notBefore, 10_000)
    assert.strictEqual(quiet.checkAt, 10_000)
    const fresh = V.candidate("audit", order("open"), undefined, views, 9_800, undefined, 10_000, 1_500)
    assert.strictEqual(fresh.notBefore, 11_300)
    assert.strictEqual(fresh.checkAt, 11_300)
    // a terminal update we did not cause: looked up now, a desync no sooner than the grace after
    const t = V.candidate("terminal", order("open"), undefined, views, undefined, undefined, 10_000, 1_500)
    assert.strictEqual(t.checkAt, 10_000)
    assert.strictEqual(t.notBefore, 11_500)
    const again = V.candidate("terminal", order("open"), undefined, views, undefined, t, 10_200, 1_500)
    assert.strictEqual(again.since, 10_000)
    assert.strictEqual(again.checkAt, 11_500)
  })

  it("tidy: a port never audited still forgets cancel requests and fill sums, at most once a minute", () => {
    const store = Store.upsert(Store.empty(), order("open"), 0)[1]
    const v: V.Verify = {
      ...V.empty,
      requested: HashMap.make(["o-old", 0], ["o-new", 50_000]),
      fillSums: HashMap.make(["o-1", D.d("1")], ["o-gone", D.d("2")])
    }
    const a = V.tidy(v, store, 70_000)
    // the request older than REQUEST_MEMORY_MS is gone, the recent one stays; sums only for known orders
    assert.deepStrictEqual([...HashMap.keys(a.requested)], ["o-new"])
    assert.deepStrictEqual([...HashMap.keys(a.fillSums)], ["o-1"])
    assert.strictEqual(a.prunedAt, 70_000)
    // within the minute after a prune nothing is scanned again
    const b = V.tidy({ ...a, requested: HashMap.set(a.requested, "o-x", 0) }, store, 100_000)
    assert.isTrue(HashMap.has(b.requested, "o-x"))
    assert.isFalse(HashMap.has(V.tidy(b, store, 130_000).requested, "o-x"))
  })

  it.effect("a fill that arrives before its order is known keeps its sum when the once-a-minute tidy runs", () =>
    Effect.gen(function* () {
      const store = yield* Ref.make(Store.empty())
      // countFill reads only the port's store and clock from its state
      const st = { store, now: Effect.succeed(70_000), time: () => 70_000 } as unknown as S.State
      const ref = yield* Ref.make<V.Verify>({ ...V.empty, fillSums: HashMap.make(["o-gone", D.d("2")]) })
      const deps: V.Deps = { st, ref, graceMs: 1_500, action: () => Effect.void, fork: () => Effect.void }
      const fill = Order.Fill.make({
        id: Ids.TradeId.make("t-1"),
        orderId: Ids.OrderId.make("o-unacked"),
        symbol: Ids.Symbol.make("M"),
        side: "buy",
        price: D.d("0.40"),
        amount: D.d("3"),
        cost: D.d("1.2"),
        fee: Order.FeePaid.make({ cost: D.ZERO, currency: "USD" }),
        takerOrMaker: "maker",
        timestamp: 70_000
      })
      yield* V.countFill(deps, fill)
      const v = yield* Ref.get(ref)
      // the tidy ran (the old sum of an unknown order is gone) and the new fill's sum is kept for its order
      assert.strictEqual(v.prunedAt, 70_000)
      assert.isFalse(HashMap.has(v.fillSums, "o-gone"))
      assert.strictEqual(D.format(HashMap.unsafeGet(v.fillSums, "o-unacked")), "3")
    })
  )
})
