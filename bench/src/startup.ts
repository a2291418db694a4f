/**
 * Benchmark 6 — startup and resume batching. kalshi-sim with N markets whose books are seeded by the synthetic
 * participants and then left still (flow stopped before the bot starts, so no book moves and every create the
 * bot sends is one of its first two quotes per market); the compiled runner with the maker on all N markets.
 *
 * - startup: from the runner's spawn until every market has the bot's bid and ask resting at the simulator
 *   (polled over REST with the bot's key), the create requests the simulator received from the bot's key
 *   (`simRequests.ts`: single creates + batch creates, V2 and legacy paths).
 * - resume: the runner is stopped (SIGINT: it pulls its quotes and verifies none rests), then started again
 *   on the same journal; the same count until every market has its two quotes again.
 *
 * Target: ⌈2N / max batch⌉ create requests, where max batch is what the Kalshi plugin itself reports
 * (`Exchange.features.maxBatchCreate`, read from a plugin exchange on the same simulator and tier).
 */
import { Exchange } from "@alpha-hunter/core"
import { KalshiConfig, KalshiExchange } from "@alpha-hunter/kalshi"
import type { KalshiSim } from "@alpha-hunter/kalshi-sim"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as RawClient from "./rawClient.js"
import { launch } from "./scale.js"
import * as SimRequests from "./simRequests.js"
import { sleep } from "./stats.js"

export interface StartupOptions {
  readonly markets: number
  readonly tier: KalshiSim.Tier
  readonly timeoutMs: number
  readonly log: (line: string) => void
}

/** The target: every market's two quotes in as few requests as the largest batch allows. */
export const expectedRequests = (markets: number, maxBatch: number): number => Math.ceil((2 * markets) / maxBatch)

/** The plugin's own largest batch create for a fresh account on this simulator (default config). */
const pluginMaxBatch = (sim: KalshiSim.SimHandle) =>
  Effect.scoped(
    Effect.gen(function* () {
      const key = yield* sim.generateKey({ type: "ed25519" })
      const cfg = yield* KalshiConfig.decode({
        apiKeyId: key.keyId,
        privateKey: key.privateKeyPem,
        restUrl: sim.restUrl,
        wsUrl: sim.wsUrl,
        markets: { status: "open" }
      })
      const ctx = yield* Layer.build(KalshiExchange.layerFromConfig(cfg))
      const ex = Context.get(ctx, Exchange.Exchange)
      yield* ex.loadMarkets()
      return ex.features.maxBatchCreate
    })
  ).pipe(Logger.withMinimumLogLevel(LogLevel.Warning))

/** Resting orders of one account, by ticker and side (paged). */
const resting = async (client: RawClient.RawClient): Promise<Map<string, { bid: number; ask: number }>> => {
  const out = new Map<string, { bid: number; ask: number }>()
  let cursor = ""
  for (let page = 0; page < 50; page++) {
    const r = await client.request(
      "GET",
      `/portfolio/orders?status=resting&limit=1000${cursor === "" ? "" : `&cursor=${encodeURIComponent(cursor)}`}`
    )
    if (r.status !== 200) throw new Error(`GET /portfolio/orders: ${r.status} ${r.text.slice(0, 200)}`)
    const body = JSON.parse(r.text) as {
      orders: Array<{ ticker: string; book_side?: string; side?: string; action?: string }>
      cursor?: string | null
    }
    for (const o of body.orders) {
      const e = out.get(o.ticker) ?? { bid: 0, ask: 0 }
      const bid = o.book_side !== undefined ? o.book_side === "bid" : o.action === "buy"
      if (bid) e.bid++
      else e.ask++
      out.set(o.ticker, e)
    }
    if (body.cursor === undefined || body.cursor === null || body.cursor === "" || body.orders.length === 0) break
    cursor = body.cursor
  }
  return out
}

const quoted = (tickers: ReadonlyArray<string>, book: Map<string, { bid: number; ask: number }>): number =>
  tickers.filter((t) => (book.get(t)?.bid ?? 0) >= 1 && (book.get(t)?.ask ?? 0) >= 1).length

export const run = (o: StartupOptions) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const counter = SimRequests.install()
        yield* Effect.addFinalizer(() => Effect.sync(counter.uninstall))
        let maxBatch = 0
        const h = yield* launch({
          markets: o.markets,
          // seeds every book (5 levels a side); stopped before the bot starts
          flowPerSec: 1,
          tier: o.tier,
          seed: 29,
          label: "startup",
          log: o.log,
          beforeRunner: (sim) =>
            Effect.gen(function* () {
              yield* sim.control.setFlowRate(0)
              maxBatch = yield* pluginMaxBatch(sim).pipe(Effect.orDie)
              counter.reset()
            })
        })
        const client = RawClient.make(h.sim.host, h.sim.port, {
          keyId: h.key.keyId,
          privateKeyPem: h.key.privateKeyPem
        })
        yield* Effect.addFinalizer(() => Effect.sync(client.close))
        /** creates counted from `t0` (ms, Date.now of the spawn) until every market is quoted */
        const measure = (phase: string, t0: number) =>
          Effect.promise(async () => {
            const end = Date.now() + o.timeoutMs
            let n = 0
            while (Date.now() < end) {
              n = quoted(h.tickers, await resting(client))
              if (n === h.tickers.length) break
              await sleep(250)
            }
            const c = counter.counts(h.key.keyId)
            const r = {
              all_quoted: n === h.tickers.length,
              markets_quoted: n,
              seconds_to_quoted: Math.round((Date.now() - t0) / 100) / 10,
              create_requests: c.create + c.batch_create,
              single_creates: c.create,
              batch_creates: c.batch_create,
              cancels: c.cancel + c.batch_cancel,
              amends: c.amend
            }
            o.log(`startup ${o.markets}: ${phase}: ${JSON.stringify(r)}`)
            return r
          })
        const startup = yield* measure("startup", h.t0)
        // resume: stop (the runner pulls its quotes), then start again on the same journal
        const code = yield* Effect.promise(() => h.bot.stop(30_000))
        yield* Effect.promise(async () => {
          const end = Date.now() + 15_000
          while (Date.now() < end && quoted(h.tickers, await resting(client)) > 0) await sleep(250)
        })
        const left = yield* Effect.promise(async () => [...(await resting(client)).values()].length)
        counter.reset()
        const again = yield* h.start()
        const resume = yield* measure("resume", again.t0)
        yield* Effect.promise(() => again.bot.stop(30_000))
        const expected = expectedRequests(o.markets, maxBatch)
        return {
          markets: o.markets,
          tier: o.tier,
          max_batch: maxBatch,
          expected_requests: expected,
          create_requests: startup.create_requests,
          resume_create_requests: resume.create_requests,
          first_exit_code: code,
          markets_with_orders_left_after_stop: left,
          startup_detail: startup,
          resume_detail: resume
        }
      })
    )
  )
