/**
 * Restart keeps today's P&L: the runner on kalshi-sim (in this process), fills booked through the execution
 * engine (journaled as in a run), restarted on the same journal. Losses before a restart plus losses after it
 * exceed `maxDailyLoss` → halted; a restart after that starts halted; a market pause carries over too.
 */
import { Decimal as D, Ids, Order } from "@alpha-hunter/core"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as App from "../src/App.js"
import * as DailyPnl from "../src/DailyPnl.js"
import * as Journal from "../src/Journal.js"
import { registry } from "../src/Plugins.js"
import { tempDir, writeFile } from "./helpers.js"

let n = 0
/** A fill of one of our orders (client order id with the strategy's prefix). */
const fill = (symbol: string, side: "buy" | "sell", price: string, amount: string, fee = "0") =>
  Order.fillFromDecoded({
    id: Ids.TradeId.make(`t-test-${++n}`),
    orderId: Ids.OrderId.make(`o-test-${n}`),
    clientOrderId: Ids.ClientOrderId.make(`ah-mm-test-${n}`),
    symbol: Ids.Symbol.make(symbol),
    side,
    price: D.d(price),
    amount: D.d(amount),
    cost: D.mul(D.d(price), D.d(amount)),
    fee: new Order.FeePaid({ cost: D.d(fee), currency: "USD" }, true),
    takerOrMaker: "maker",
    timestamp: Date.now()
  })

describe("restart keeps today's P&L", () => {
  it("the risk day starts at the configured UTC hour", () => {
    const t = Date.UTC(2026, 11, 2, 5, 30)
    assert.strictEqual(DailyPnl.dayStartOf(t, 0), Date.UTC(2026, 11, 2))
    assert.strictEqual(DailyPnl.dayStartOf(t, 6), Date.UTC(2026, 11, 1, 6))
  })

  it.scopedLive(
    "losses before + after a restart exceed maxDailyLoss → halted; the next start is halted; a market pause carries over",
    () =>
      Effect.gen(function* () {
        // no synthetic flow: the only fills are the ones this test books
        const sim = yield* KalshiSim.make({ markets: 2, seed: 21, flow: { ratePerSec: 0 } })
        const [x, y] = yield* sim.tickers
        const key = yield* sim.generateKey()
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
          strategies: { mm: { plugin: "maker", venue: "k", markets: [x, y], mode: "liquidity" } },
          risk: { global: { maxDailyLoss: "1.5" }, onBreach: { maxDailyLoss: "halt-all" } },
          run: { sampleIntervalMs: 0 }
        }
        const resolved = Either.getOrThrow(App.resolve(`${dir}/inline.yaml`, raw, registry))
        const journal = `${dir}/journal.sqlite`
        /** one run on the journal, until `f` is done (then its scope closes, as on a stop) */
        const run = <A>(f: (h: App.RunHandle, lines: ReadonlyArray<string>) => Effect.Effect<A>) =>
          Effect.gen(function* () {
            const scope = yield* Scope.make()
            const lines: Array<string> = []
            const ctx = yield* Scope.extend(Layer.build(Journal.layer(journal)), scope)
            const h = yield* Effect.provide(
              App.start(resolved, { log: (l) => Effect.sync(() => lines.push(l)) }),
              ctx
            ).pipe(Scope.extend(scope))
            const a = yield* f(h, lines)
            yield* Scope.close(scope, Exit.void)
            return a
          })
        const daily = (h: App.RunHandle) => Effect.map(h.risk.summary(), (s) => D.format(s.dailyPnl))

        // run 1: −1.00 realised (and 0.02 fees) today, and market y paused
        yield* run((h) =>
          Effect.gen(function* () {
            const engine = h.sessions[0]!.engine
            yield* engine.onFill(fill(x!, "buy", "0.60", "10", "0.01"))
            yield* engine.onFill(fill(x!, "sell", "0.50", "10", "0.01"))
            assert.strictEqual(yield* daily(h), "-1.02")
            assert.strictEqual(yield* h.risk.state(), "ACTIVE")
            yield* h.risk.pause("operator (control API)", { venue: "k", symbol: y! })
          })
        )

        // run 2: starts with today's −1.02 and the pause on y; −0.60 more → −1.62 > 1.5 → halted
        yield* run((h, lines) =>
          Effect.gen(function* () {
            assert.include(lines.join("\n"), "today's P&L before this start: k/mm -1 realised, 0.02 fees")
            assert.strictEqual(yield* daily(h), "-1.02")
            assert.strictEqual(yield* h.risk.state(), "ACTIVE")
            const [paused] = yield* h.risk.statuses
            assert.deepStrictEqual(paused?.scope, { venue: "k", symbol: y })
            assert.include(paused?.reason, "still in force from earlier today")
            yield* h.risk.resume("checked", { venue: "k", symbol: y! })
            const engine = h.sessions[0]!.engine
            yield* engine.onFill(fill(x!, "buy", "0.50", "10"))
            assert.strictEqual(yield* h.risk.state(), "ACTIVE")
            yield* engine.onFill(fill(x!, "sell", "0.44", "10"))
            assert.strictEqual(yield* daily(h), "-1.62")
            assert.strictEqual(yield* h.risk.state(), "HALTED")
            assert.include((yield* h.risk.statuses)[0]?.reason, "daily loss 1.62 exceeds 1.5")
          })
        )

        // run 3: halted from the start, saying why; the day's P&L still counts; y no longer paused
        yield* run((h) =>
          Effect.gen(function* () {
            assert.strictEqual(yield* h.risk.state(), "HALTED")
            const statuses = yield* h.risk.statuses
            // the carried P&L breaches again before any venue opens (the journaled halt would carry it too)
            assert.strictEqual(statuses.length, 1)
            assert.include(statuses[0]?.reason, "daily loss 1.62 exceeds 1.5")
            assert.strictEqual(yield* daily(h), "-1.62")
          })
        )
      }),
    60_000
  )
})
