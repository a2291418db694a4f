/**
 * Restart reconciliation learns when our orders ended while we were down (kalshi-sim over loopback): an
 * order the journal believes rests but the venue ended in the gap is looked up and journaled with its
 * venue-known end, which ends its resting interval in the report; one still resting is adopted.
 */
import { Decimal as D } from "@alpha-hunter/core"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as App from "../src/App.js"
import * as Journal from "../src/Journal.js"
import { registry } from "../src/Plugins.js"
import * as Report from "../src/Report.js"
import { poll, tempDir, writeFile } from "./helpers.js"

describe("restart: orders that ended while we were down", () => {
  it.scopedLive("are looked up and end at their venue-known time; the report stops counting them there", () =>
    Effect.gen(function* () {
      const sim = yield* KalshiSim.make({ port: 0, seed: 9, markets: 1, flow: { ratePerSec: 5 } })
      const [symbol] = yield* sim.tickers
      const key = yield* sim.generateKey()
      const dir = tempDir()
      const pem = writeFile(dir, "key.pem", key.privateKeyPem)
      const resolved = Either.getOrThrow(
        App.resolve(
          `${dir}/inline.yaml`,
          {
            venues: {
              k: { type: "kalshi", restUrl: sim.restUrl, wsUrl: sim.wsUrl, apiKeyId: key.keyId, privateKeyPath: pem }
            },
            strategies: {
              mm: { plugin: "maker", venue: "k", markets: [symbol], mode: "liquidity", params: { orderSize: "1" } }
            },
            run: { sampleIntervalMs: 0, drift: { checkMs: 0 } }
          },
          registry
        )
      )
      const journal = Context.get(yield* Layer.build(Journal.layer(`${dir}/j.sqlite`)), Journal.Journal)
      const log = () => Effect.void
      // run 1 quotes, then ends as a crash would: no stop, our orders stay on the venue (its cancels fail)
      yield* Effect.scoped(
        Effect.gen(function* () {
          const handle = yield* Effect.provideService(App.start(resolved, { log }), Journal.Journal, journal)
          yield* poll(
            "a bid and an ask resting",
            Effect.map(handle.sessions[0]!.engine.live, (ts) =>
              ts.filter((t) => t.status === "open").length >= 2 ? true : undefined
            )
          )
          yield* sim.control.setFlowRate(0) // nothing trades on them in the gap
          yield* sim.faults.serverErrors(10_000)
        })
      )
      yield* sim.faults.clear
      // in the gap the venue ends one of them
      const endedId = yield* sim.faults.silentCancel(key.userId)
      const endedAt = Date.now()
      assert.isDefined(endedId)
      yield* Effect.sleep(1000)
      const restartAt = Date.now()
      yield* Effect.scoped(
        Effect.gen(function* () {
          const handle = yield* Effect.provideService(App.start(resolved, { log }), Journal.Journal, journal)
          yield* handle.pullQuotes
        })
      )
      const entries = yield* journal.query()
      const ended = entries.filter((e) => e.kind === "resolved" && e.data["endedWhileDown"] === true)
      assert.strictEqual(ended.length, 1, JSON.stringify(ended))
      const e = ended[0]!
      assert.strictEqual(e.orderId, endedId)
      assert.strictEqual(e.data["status"], "canceled")
      const terminalAt = e.data["terminalAt"] as number
      assert.isTrue(terminalAt >= endedAt - 1000 && terminalAt <= restartAt, `terminalAt ${terminalAt}`)
      const reconcile = entries.filter((x) => x.kind === "reconcile" && x.symbol === undefined).at(-1)!
      assert.deepStrictEqual([reconcile.data["endedWhileDown"], reconcile.data["inProcess"]], [1, false])
      // the report counts that order to its venue-known end: as if we had seen it canceled then …
      const dh = (es: ReadonlyArray<Journal.Entry>) => Report.compute(es).totals.liquidityDollarHours
      const asIfSeen = [
        ...entries.filter((x) => x !== e),
        { ...e, kind: "cancel" as const, ts: terminalAt, data: { status: "canceled" } }
      ].sort((a, b) => a.ts - b.ts || a.seq - b.seq)
      assert.strictEqual(D.format(dh(entries)), D.format(dh(asIfSeen)))
      // … not through the gap to the restart (as a reading that knew nothing of the restart would)
      const runs = entries.filter((x) => x.kind === "run")
      const throughGap = entries
        .filter((x) => x !== runs[1])
        .map((x) => (x === e ? { ...x, kind: "cancel" as const, data: { status: "canceled" } } : x))
      assert.isTrue(dh(entries) < dh(throughGap))
    })
  )
})
