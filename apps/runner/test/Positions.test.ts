/** Restart keeps positions: what the account holds opens Risk's positions before any strategy runs. */
import { Decimal as D, Exchange, Ids, Order } from "@alpha-hunter/core"
import { KalshiExchange } from "@alpha-hunter/kalshi"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as App from "../src/App.js"
import * as Journal from "../src/Journal.js"
import { registry } from "../src/Plugins.js"
import * as Positions from "../src/Positions.js"
import { tempDir, writeFile } from "./helpers.js"

const fill = (symbol: string, side: "buy" | "sell", amount: string) =>
  Order.fillFromDecoded({
    id: Ids.TradeId.make(`t-${symbol}-${side}-${amount}`),
    orderId: Ids.OrderId.make("o"),
    symbol: Ids.Symbol.make(symbol),
    side,
    price: D.d("0.5"),
    amount: D.d(amount),
    cost: D.mul(D.d("0.5"), D.d(amount)),
    fee: Order.FeePaid.make({ cost: D.ZERO, currency: "USD" }),
    takerOrMaker: "taker",
    timestamp: 1
  })
const position = (symbol: string, amount: string, cost: string) =>
  Order.Position.make({
    symbol: Ids.Symbol.make(symbol),
    amount: D.d(amount),
    cost: D.d(cost),
    realizedPnl: D.ZERO,
    feesPaid: D.ZERO,
    timestamp: 1
  })

describe("positions at start", () => {
  it("the venue's position less the missed fills, at its average cost; the owner when one strategy trades it", () => {
    const out = Positions.openings(
      [position("A", "13", "5.2"), position("B", "-4", "-2.4"), position("C", "2", "1")],
      [fill("A", "buy", "3"), fill("C", "buy", "2")],
      (s) => (s === "A" ? "mm" : undefined),
      1000
    )
    assert.deepStrictEqual(
      out.map((o) => [o.symbol, o.strategy, o.fill.side, D.format(o.fill.amount), D.format(o.fill.price)]),
      [
        ["A", "mm", "buy", "10", "0.4"],
        ["B", undefined, "sell", "4", "0.6"]
      ]
    )
  })

  it.scopedLive("a run started on an account that holds contracts counts them against its limits", () =>
    Effect.gen(function* () {
      const sim = yield* KalshiSim.make({ port: 0, seed: 4, markets: 2, flow: false })
      const [symbol] = yield* sim.tickers
      const key = yield* sim.generateKey()
      const seller = yield* sim.generateKey()
      const venue = (k: { keyId: string; privateKeyPem: string }) =>
        Effect.map(
          Layer.build(
            KalshiExchange.layer({
              restUrl: sim.restUrl,
              wsUrl: sim.wsUrl,
              apiKeyId: k.keyId,
              privateKey: k.privateKeyPem,
              markets: {}
            })
          ),
          (ctx) => Context.get(ctx, Exchange.Exchange)
        )
      // an earlier session on this account bought 7 contracts
      const s = yield* venue(seller)
      yield* s.createOrder(
        Order.OrderRequest.make({
          symbol: Ids.Symbol.make(symbol!),
          side: "sell",
          price: D.d("0.55"),
          amount: D.d("7")
        })
      )
      const b = yield* venue(key)
      yield* b.createOrder(
        Order.OrderRequest.make({
          symbol: Ids.Symbol.make(symbol!),
          side: "buy",
          price: D.d("0.55"),
          amount: D.d("7"),
          timeInForce: "IOC"
        })
      )

      const dir = tempDir()
      const raw = {
        venues: {
          k: {
            type: "kalshi",
            restUrl: sim.restUrl,
            wsUrl: sim.wsUrl,
            apiKeyId: key.keyId,
            privateKeyPath: writeFile(dir, "key.pem", key.privateKeyPem)
          }
        },
        strategies: {
          mm: { plugin: "maker", venue: "k", markets: [symbol], mode: "liquidity", params: { orderSize: "1" } }
        },
        risk: {},
        run: { sampleIntervalMs: 0 }
      }
      const resolved = Either.getOrThrow(App.resolve(`${dir}/inline.yaml`, raw, registry))
      const journalCtx = yield* Layer.build(Journal.layer(`${dir}/j.sqlite`))
      const lines: Array<string> = []
      const handle = yield* Effect.provide(
        App.start(resolved, { log: (l) => Effect.sync(() => void lines.push(l)) }),
        journalCtx
      )
      assert.strictEqual(D.format(yield* handle.risk.position("k", symbol!)), "7", lines.join("\n"))
      assert.strictEqual(D.format(yield* handle.risk.position("k", symbol!, "mm")), "7")
      assert.isTrue(
        lines.some((l) => l.includes(`positions held: ${symbol} 7`)),
        lines.join("\n")
      )
    })
  )
})
