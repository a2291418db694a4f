/**
 * Venue health through the runner, end to end on kalshi-sim over loopback: a real desync (the venue fills
 * our order and the push update about it is lost) halts the venue through Risk, is journaled with both
 * views, and is counted by the report.
 */
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
import { poll, tempDir, writeFile } from "./helpers.js"

describe("venue health through the runner", () => {
  it.scopedLive(
    "a desync halts the venue through Risk, is journaled with both views, and the report counts it",
    () =>
      Effect.gen(function* () {
        const sim = yield* KalshiSim.make({ port: 0, seed: 3, markets: 2, flow: { ratePerSec: 10 } })
        const [symbol] = yield* sim.tickers
        const key = yield* sim.generateKey()
        const dir = tempDir()
        const pem = writeFile(dir, "key.pem", key.privateKeyPem)
        const raw = {
          venues: {
            k: {
              type: "kalshi",
              restUrl: sim.restUrl,
              wsUrl: sim.wsUrl,
              apiKeyId: key.keyId,
              privateKeyPath: pem,
              reconcile: { graceMs: 800, pollMs: 300, fastPollMs: 200 }
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
        const engine = handle.sessions[0]!.engine
        const bid = yield* poll(
          "a resting bid",
          Effect.map(engine.live, (ts) => ts.find((t) => t.side === "buy" && t.status === "open"))
        )
        // the venue fills our bid, and the push update about it is lost
        yield* sim.faults.suppressUserOrders(50)
        const taker = yield* sim.generateKey()
        const takerCtx = yield* Layer.build(
          KalshiExchange.layer({
            restUrl: sim.restUrl,
            wsUrl: sim.wsUrl,
            apiKeyId: taker.keyId,
            privateKey: taker.privateKeyPem,
            markets: {}
          })
        )
        yield* Context.get(takerCtx, Exchange.Exchange).createOrder(
          Order.OrderRequest.make({
            symbol: Ids.Symbol.make(symbol!),
            side: "sell",
            price: bid.price,
            amount: D.ONE,
            timeInForce: "IOC"
          })
        )
        const halted = yield* poll(
          "Risk halts the venue",
          Effect.map(handle.risk.statuses, (ss) => ss.find((s) => s.scope?.venue === "k" && s.state === "HALTED"))
        )
        assert.include(halted.reason, "desync")
        const desync = yield* poll(
          "a desync journal entry",
          Effect.map(handle.journal.query({ kinds: ["desync"] }), (es) => es[0])
        )
        const disagreements = desync.data["disagreements"] as ReadonlyArray<Record<string, string>>
        assert.isAtLeast(disagreements.length, 1)
        assert.isTrue(disagreements.every((d) => d["stream"] !== undefined && d["rest"] !== undefined))
        const report = yield* App.report(handle.journal, {})
        assert.isAtLeast(report.totals.desyncs, 1)
        assert.isAtLeast(report.totals.halts, 1)
        assert.include(yield* App.statusLine(handle), "desyncs 1")
        assert.include(yield* App.statusLine(handle), "k HALTED")
        assert.isTrue(lines.some((l) => l.includes("DESYNC")))
        // halted: no new creates reach the venue
        const created = (yield* engine.stats).creates
        yield* Effect.sleep(1_500)
        assert.strictEqual((yield* engine.stats).creates, created)
      }),
    30_000
  )
})
