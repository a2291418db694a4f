/**
 * Dual-source verification end to end: the runner on kalshi-sim over loopback, default verification
 * settings (audit every 2.5 s, grace 1.5 s), one test per fault mode. Each measures the time from the fault
 * to the `Desync` (asserted ≤ 5 s), and checks that Risk halted the venue, the journal holds the desync with
 * both views, and the cancel-all left nothing of ours resting at the venue. The silent-cancel test also
 * waits for the heal: the Kalshi halt window (≥ 60 s after a cancel-all), the cool-down and two clean
 * audits, then the venue is ACTIVE again. (The hourly cap on resumes is a pure transition:
 * `Healing.test.ts`.)
 */
import { Decimal as D, Exchange, Ids, Order } from "@alpha-hunter/core"
import { KalshiExchange } from "@alpha-hunter/kalshi"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as App from "../src/App.js"
import * as Journal from "../src/Journal.js"
import { registry } from "../src/Plugins.js"
import { poll, signedGet, tempDir, writeFile } from "./helpers.js"

interface Ctx {
  readonly sim: KalshiSim.SimHandle
  readonly key: KalshiSim.GeneratedKey
  readonly symbol: string
  readonly handle: App.RunHandle
}

/** `flow`: synthetic actions/s (the maker quotes once the book moves; a slow flow keeps our orders in place) */
const start = (options: { readonly flow?: number; readonly orderSize?: string }) =>
  Effect.gen(function* () {
    const sim = yield* KalshiSim.make({ port: 0, seed: 3, markets: 2, flow: { ratePerSec: options.flow ?? 10 } })
    const [symbol] = yield* sim.tickers
    const key = yield* sim.generateKey()
    const dir = tempDir()
    const pem = writeFile(dir, "key.pem", key.privateKeyPem)
    const raw = {
      venues: {
        k: { type: "kalshi", restUrl: sim.restUrl, wsUrl: sim.wsUrl, apiKeyId: key.keyId, privateKeyPath: pem }
      },
      strategies: {
        mm: {
          plugin: "maker",
          venue: "k",
          markets: [symbol],
          mode: "liquidity",
          params: { orderSize: options.orderSize ?? "1" },
          // plain quoting: small orders requoted as the book moves (the faults act on them); program-aware
          // quoting keeps larger orders resting and would requote too rarely for the lag test
          programs: { enabled: false }
        }
      },
      risk: {},
      run: { sampleIntervalMs: 0, healing: { coolDownMs: 1_000 } }
    }
    const resolved = Either.getOrThrow(App.resolve(`${dir}/inline.yaml`, raw, registry))
    const journalCtx = yield* Layer.build(Journal.layer(`${dir}/j.sqlite`))
    const handle = yield* Effect.provide(App.start(resolved, { log: () => Effect.void }), journalCtx)
    const engine = handle.sessions[0]!.engine
    yield* poll(
      "a resting bid",
      Effect.map(engine.live, (ts) => ts.find((t) => t.side === "buy" && t.status === "open"))
    )
    return { sim, key, symbol: symbol!, handle } satisfies Ctx
  })

/** Injects the fault, then checks detection (≤ 5 s), the halt, the journal and the cancel-all. */
const detect = (ctx: Ctx, mode: string, fault: Effect.Effect<unknown, unknown, Scope.Scope>) =>
  Effect.gen(function* () {
    const { handle, sim, key } = ctx
    const t0 = Date.now()
    yield* Effect.orDie(fault)
    const desync = yield* poll(
      "a desync journal entry",
      Effect.map(handle.journal.query({ kinds: ["desync"] }), (es) => es[0])
    )
    const latency = (desync.data["at"] as number) - t0
    console.log(`detection latency (${mode}): ${latency} ms — ${desync.data["reason"]}`)
    assert.isAtMost(latency, 5_000)
    const disagreements = desync.data["disagreements"] as ReadonlyArray<Record<string, string>>
    assert.isAtLeast(disagreements.length, 1)
    assert.isTrue(disagreements.every((d) => d["stream"] !== undefined && d["rest"] !== undefined))
    const halted = yield* poll(
      "Risk halts the venue",
      Effect.map(handle.risk.statuses, (ss) => ss.find((s) => s.scope?.venue === "k" && s.state === "HALTED"))
    )
    assert.include(halted.reason, "desync")
    assert.include(yield* App.statusLine(handle), "k HALTED")
    // cancel-all verified at the venue: nothing of ours rests
    yield* poll(
      "nothing of ours resting",
      Effect.map(signedGet(sim.restUrl, key, "/portfolio/orders?status=resting"), (b) =>
        (b["orders"] as ReadonlyArray<unknown>).length === 0 ? true : undefined
      )
    )
    const report = yield* App.report(handle.journal, {})
    assert.isAtLeast(report.totals.desyncs, 1)
    assert.isTrue(report.health.some((h) => h.kind === "desync" && h.venue === "k"))
    return latency
  })

/** An order from another account that trades against our resting bid. */
const hitOurBid = (ctx: Ctx) =>
  Effect.gen(function* () {
    const engine = ctx.handle.sessions[0]!.engine
    const bid = yield* poll(
      "a resting bid",
      Effect.map(engine.live, (ts) => ts.find((t) => t.side === "buy" && t.status === "open"))
    )
    const taker = yield* ctx.sim.generateKey()
    const takerCtx = yield* Layer.build(
      KalshiExchange.layer({
        restUrl: ctx.sim.restUrl,
        wsUrl: ctx.sim.wsUrl,
        apiKeyId: taker.keyId,
        privateKey: taker.privateKeyPem,
        markets: {}
      })
    )
    yield* Context.get(takerCtx, Exchange.Exchange).createOrder(
      Order.OrderRequest.make({
        symbol: Ids.Symbol.make(ctx.symbol),
        side: "sell",
        price: bid.price,
        amount: D.ONE,
        timeInForce: "IOC"
      })
    )
  })

describe("dual-source verification through the runner (kalshi-sim, default settings)", () => {
  it.scopedLive(
    "phantom terminal then a fill on that order: desync at once",
    () =>
      Effect.gen(function* () {
        const ctx = yield* start({})
        yield* detect(ctx, "phantom terminal + fill", ctx.sim.faults.phantomTerminal(ctx.key.userId, true))
      }),
    30_000
  )

  it.scopedLive(
    "size mismatch: REST shows another remaining size",
    () =>
      Effect.gen(function* () {
        const ctx = yield* start({ orderSize: "2", flow: 1 })
        yield* detect(ctx, "size mismatch", ctx.sim.faults.sizeMismatch(ctx.key.userId, 1))
      }),
    30_000
  )

  it.scopedLive(
    "a private seq gap that lost our order's update: desync once the gap is seen",
    () =>
      Effect.gen(function* () {
        const ctx = yield* start({})
        yield* detect(
          ctx,
          "private seq gap",
          Effect.zipRight(ctx.sim.faults.privateSeqGap(1, "user_orders"), hitOurBid(ctx))
        )
      }),
    30_000
  )

  it.scopedLive(
    "REST lagging the stream by 1 s is no desync; a phantom terminal under that lag still is",
    () =>
      Effect.gen(function* () {
        const ctx = yield* start({ flow: 10 })
        yield* ctx.sim.faults.restLag(1_000)
        const before = (yield* ctx.handle.sessions[0]!.engine.stats).creates
        yield* Effect.sleep(9_000) // two audits and more, with the maker requoting under flow
        assert.isAbove((yield* ctx.handle.sessions[0]!.engine.stats).creates, before)
        assert.strictEqual((yield* ctx.handle.journal.query({ kinds: ["desync"] })).length, 0)
        assert.include(yield* App.statusLine(ctx.handle), "k ACTIVE")
        yield* detect(ctx, "phantom terminal + fill under 1 s REST lag", ctx.sim.faults.phantomTerminal(ctx.key.userId))
      }),
    40_000
  )

  it.scopedLive(
    "silent venue cancel: found by the audit, halted, then healed (halt window, cool-down, clean audits)",
    () =>
      Effect.gen(function* () {
        const ctx = yield* start({ flow: 1 })
        yield* detect(ctx, "silent venue cancel", ctx.sim.faults.silentCancel(ctx.key.userId))
        // the Kalshi halt window after a cancel-all is ≥ 60 s; then the cool-down and two clean audits
        yield* poll(
          "the venue resumed",
          Effect.map(ctx.handle.risk.state({ venue: "k" }), (s) => (s === "ACTIVE" ? true : undefined)),
          90_000
        )
        assert.include(yield* App.statusLine(ctx.handle), "k ACTIVE")
        const resumed = yield* ctx.handle.journal.query({ kinds: ["health"] })
        assert.isTrue(resumed.some((e) => e.data["event"] === "Resumed"))
        const report = yield* App.report(ctx.handle.journal, {})
        assert.isAtLeast(report.totals.resumes, 1)
        assert.isTrue(report.health.some((h) => h.kind === "resume"))
        // quoting again
        yield* poll(
          "a resting bid after the resume",
          Effect.map(ctx.handle.sessions[0]!.engine.live, (ts) => ts.find((t) => t.status === "open"))
        )
      }),
    150_000
  )
})
