/**
 * The drift tripwire end to end on kalshi-sim over loopback: a program's parameters and a market's price
 * grid change while we quote (journaled, re-planned), then a maker fee appears on the series we quote as
 * fee-free (halted: nothing rests there, Risk refuses creates); the halt holds over a restart until the
 * config allows the fee; the drifts reach the alerts.
 */
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import type { Kind } from "../src/Alerts.js"
import * as Alerts from "../src/Alerts.js"
import * as App from "../src/App.js"
import * as Journal from "../src/Journal.js"
import { registry } from "../src/Plugins.js"
import { poll, tempDir, writeFile } from "./helpers.js"

describe("drift tripwire", () => {
  it.scopedLive(
    "program and grid changes are re-planned; a maker fee on a fee-free market halts it until the config allows it",
    () =>
      Effect.gen(function* () {
        const sim = yield* KalshiSim.make({ port: 0, seed: 5, markets: 2, flow: { ratePerSec: 10 } })
        const [t0, t1] = (yield* sim.tickers) as [string, string]
        const key = yield* sim.generateKey()
        const dir = tempDir()
        const pem = writeFile(dir, "key.pem", key.privateKeyPem)
        const resolvedWith = (allowMakerFees: boolean) =>
          Either.getOrThrow(
            App.resolve(
              `${dir}/inline.yaml`,
              {
                venues: {
                  k: {
                    type: "kalshi",
                    restUrl: sim.restUrl,
                    wsUrl: sim.wsUrl,
                    apiKeyId: key.keyId,
                    privateKeyPath: pem
                  }
                },
                strategies: {
                  mm: { plugin: "maker", venue: "k", markets: [t0, t1], mode: "liquidity", params: { orderSize: "1" } }
                },
                run: { sampleIntervalMs: 0, drift: { checkMs: 300, allowMakerFees } }
              },
              registry
            )
          )
        const journal = Context.get(yield* Layer.build(Journal.layer(`${dir}/j.sqlite`)), Journal.Journal)
        const drifts = (symbol: string, action: string) =>
          Effect.map(journal.query({ kinds: ["drift"] }), (es) =>
            es.filter((e) => e.symbol === symbol && e.data["action"] === action)
          )
        const found = <A>(xs: ReadonlyArray<A>) => (xs.length > 0 ? xs : undefined)
        const lines: Array<string> = []
        const log = (l: string) => Effect.sync(() => void lines.push(l))
        const sent: Array<{ kind: Kind; reason: string }> = []
        const collector: Alerts.AlertsService = {
          send: (kind, _venue, reason) => Effect.sync(() => void sent.push({ kind, reason })),
          dropped: Effect.succeed(0)
        }

        // run 1: quoting both markets
        yield* Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* Effect.provideService(
              App.start(resolvedWith(false), { log }),
              Journal.Journal,
              journal
            )
            yield* Alerts.watch(
              collector,
              { riskChanges: Stream.empty, venues: [], summary: Effect.succeed(""), drifts: handle.drifts },
              { disconnectAfterMs: 60_000, dailySummaryAt: "off" }
            )
            const session = handle.sessions[0]!
            const openIn = (symbol: string) =>
              Effect.map(session.engine.liveIn(symbol), (ts) => ts.filter((t) => t.status === "open"))
            yield* poll(
              "quotes on both markets",
              Effect.map(Effect.all([openIn(t0), openIn(t1)]), ([a, b]) =>
                a.length > 0 && b.length > 0 ? true : undefined
              )
            )

            // a program's parameters and a market's grid change while we quote
            const program = (yield* sim.incentives.programs).find(
              (p) => p.ticker === t0 && p.type === "liquidity" && p.startMs <= Date.now()
            )!
            yield* sim.control.setProgram(program.id, { targetSize: 555 })
            yield* sim.control.setPriceLevelStructure(t0, "deci_cent")
            const replanned = yield* poll(
              "program and grid drift",
              Effect.map(drifts(t0, "replanned"), (es) => {
                const what = new Set(es.flatMap((e) => e.data["what"] as ReadonlyArray<string>))
                return what.has("program") && what.has("grid") ? es : undefined
              })
            )
            assert.isTrue(replanned.some((e) => JSON.stringify(e.data["after"]).includes("target 555")))
            assert.strictEqual(session.markets.get(t0)!.tickGrid.ranges[0]!.step, 1_000_000_000_000_000n) // 0.001

            // a maker fee appears on the series we quote as fee-free
            yield* sim.control.setSeriesFee(t0.split("-")[0]!, "quadratic_with_maker_fees")
            for (const t of [t0, t1]) yield* poll(`the halt of ${t}`, Effect.map(drifts(t, "halted"), found))
            assert.strictEqual(session.markets.get(t0)!.status, "paused")
            yield* poll(
              "nothing of ours resting on the halted markets",
              Effect.map(Effect.all([openIn(t0), openIn(t1)]), ([a, b]) =>
                a.length + b.length === 0 ? true : undefined
              )
            )
            // and nothing is placed there again (Risk refuses creates on a market not open)
            const acks = (yield* journal.query({ kinds: ["ack"] })).length
            yield* Effect.sleep(1500)
            assert.strictEqual((yield* journal.query({ kinds: ["ack"] })).length, acks)
            // every drift is an alert (program and grid may have come in one check or two)
            const journaled = (yield* journal.query({ kinds: ["drift"] })).length
            assert.isAtLeast(journaled, 3)
            yield* poll(
              "the drift alerts",
              Effect.sync(() => (sent.filter((a) => a.kind === "drift").length === journaled ? true : undefined))
            )
            assert.isTrue(sent.some((a) => a.kind === "drift" && a.reason.includes("maker fee appeared")))
          })
        )

        // run 2, the config still forbids maker fees: the halt holds from the start
        yield* Effect.scoped(
          Effect.gen(function* () {
            const before = (yield* drifts(t0, "halted")).length
            const handle = yield* Effect.provideService(
              App.start(resolvedWith(false), { log }),
              Journal.Journal,
              journal
            )
            const halted = yield* drifts(t0, "halted")
            assert.strictEqual(halted.length, before + 1)
            assert.include(String(halted.at(-1)!.data["reason"]), "still halted")
            assert.strictEqual(handle.sessions[0]!.markets.get(t0)!.status, "paused")
          })
        )

        // run 3, the config allows maker fees: released, quoting again
        yield* Effect.scoped(
          Effect.gen(function* () {
            const handle = yield* Effect.provideService(
              App.start(resolvedWith(true), { log }),
              Journal.Journal,
              journal
            )
            yield* poll("the release", Effect.map(drifts(t0, "released"), found))
            const session = handle.sessions[0]!
            assert.strictEqual(session.markets.get(t0)!.status, "open")
            yield* poll(
              "quotes again",
              Effect.map(session.engine.liveIn(t0), (ts) => (ts.some((t) => t.status === "open") ? true : undefined))
            )
            yield* handle.pullQuotes
          })
        )
      }),
    60_000
  )
})
