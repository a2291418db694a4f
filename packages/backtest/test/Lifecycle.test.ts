import { Decimal as D, Ids } from "@alpha-hunter/core"
import { assert, describe, it } from "@effect/vitest"
import { FillModel } from "../src/index.js"
import * as S from "../src/internal/state.js"
import * as W from "../src/internal/writes.js"
import { market, SYMBOL, T0 } from "./helpers.js"

describe("replay venue memory", () => {
  it("a finished order is remembered for lookups, then forgotten: the newest ones stay, memory is bounded", () => {
    const st = S.make({ markets: [market()], programs: [], startMs: T0 }, FillModel.ReplayConfig.make({}), "rec")
    const b = st.books.get(SYMBOL)!
    b.valid = true
    const ids: Array<string> = []
    const n = 2 * S.FINISHED_KEPT + 1_000
    for (let i = 0; i < n; i++) {
      const w = W.create(
        st,
        {
          symbol: Ids.Symbol.make(SYMBOL),
          side: "buy",
          price: D.d("0.40"),
          amount: D.ONE,
          timeInForce: "GTC",
          postOnly: true,
          clientOrderId: `c-${i}`
        } as Parameters<typeof W.create>[1],
        T0 + i
      )
      assert.strictEqual(w.outcome._tag, "Done")
      const id = `bt-${i + 1}`
      ids.push(id)
      assert.strictEqual(
        W.cancel(st, { symbol: Ids.Symbol.make(SYMBOL), id } as Parameters<typeof W.cancel>[1], T0 + i).outcome._tag,
        "Done"
      )
    }
    // nothing rests; the oldest finished orders were forgotten, the newest are still known (by id and client id)
    assert.strictEqual(b.orders.length, 0)
    assert.isAtMost(st.orders.size, S.FINISHED_KEPT)
    assert.isAtMost(st.byCid.size, S.FINISHED_KEPT)
    assert.isAtLeast(st.orders.size, S.FINISHED_KEPT / 2)
    assert.isFalse(st.orders.has(ids[0]!))
    assert.isTrue(st.orders.has(ids.at(-1)!))
    assert.strictEqual(st.byCid.get(`c-${n - 1}`), ids.at(-1))
    assert.strictEqual(st.orders.get(ids.at(-1)!)?.status, "canceled")
  })
})
