import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Tape, TapeWriter } from "@alpha-hunter/tape"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { KalshiSim } from "../src/index.js"
import { makeClient } from "./client.js"

const bookOf = (sim: KalshiSim.SimHandle, ticker: string) =>
  Effect.gen(function* () {
    const anon = makeClient(sim, { keyId: "", privateKeyPem: "" })
    return (yield* anon.get(`/markets/${ticker}/orderbook`, { auth: false })).body.orderbook_fp as {
      yes_dollars: Array<[string, string]>
      no_dollars: Array<[string, string]>
    }
  })

const frames = (ticker: string): ReadonlyArray<readonly [number, string]> => {
  let seq = 0
  const msg = (type: string, m: Record<string, unknown>) =>
    JSON.stringify({ type, sid: 1, seq: ++seq, msg: { market_ticker: ticker, ...m } })
  return [
    [
      0,
      msg("orderbook_snapshot", {
        yes_dollars_fp: [
          ["0.4000", "10.00"],
          ["0.4100", "5.00"]
        ],
        no_dollars_fp: [["0.4500", "7.00"]]
      })
    ],
    [100, msg("orderbook_delta", { price_dollars: "0.4100", delta_fp: "4.00", side: "yes" })],
    [200, msg("orderbook_delta", { price_dollars: "0.4000", delta_fp: "-6.00", side: "yes" })],
    // a buyer takes 3 at 0.45: the level's decrease first, then the trade (as the simulator records them)
    [300, msg("orderbook_delta", { price_dollars: "0.4500", delta_fp: "-3.00", side: "no" })],
    [
      300,
      JSON.stringify({
        type: "trade",
        sid: 2,
        msg: { market_ticker: ticker, yes_price_dollars: "0.4500", count_fp: "3.00", taker_book_side: "bid" }
      })
    ],
    [400, msg("orderbook_delta", { price_dollars: "0.4700", delta_fp: "2.50", side: "no" })]
  ]
}

describe("replay of a tape into the simulator", () => {
  it.scopedLive("drives the books from the tape: the simulator's book ends as the recorded one", () =>
    Effect.gen(function* () {
      const options = {
        clock: "manual" as const,
        pingIntervalMs: 0,
        seed: 3,
        markets: 2,
        flow: false,
        incentives: false
      }
      const ticker = (yield* Effect.scoped(Effect.flatMap(KalshiSim.make(options), (s) => s.tickers)))[0]!
      const dir = mkdtempSync(join(tmpdir(), "sim-replay-"))
      yield* Effect.scoped(
        Effect.gen(function* () {
          const w = yield* TapeWriter.make(dir, { meta: { venue: "sim", source: "test", symbols: [ticker] } })
          for (const [at, raw] of frames(ticker)) yield* w.append(Tape.frameRecord(1_800_000_000_000 + at, raw))
        })
      )
      // ten times faster than recorded: the 400 ms of tape take 40 ms of simulator time
      const sim = yield* KalshiSim.make({ ...options, replay: { tape: dir, speed: 10 } })
      yield* sim.advance(30)
      const mid = yield* sim.replay
      assert.isFalse(mid!.done)
      yield* sim.advance(20)
      const end = yield* sim.replay
      assert.isTrue(end!.done)
      assert.strictEqual(end!.applied, 6)
      const book = yield* bookOf(sim, ticker)
      // YES bids: 0.40 × 4, 0.41 × 9; NO bids (YES asks 0.45 × 4, 0.47 × 2.5) at 0.55 and 0.53
      assert.deepStrictEqual(book.yes_dollars, [
        ["0.4000", "4.00"],
        ["0.4100", "9.00"]
      ])
      assert.deepStrictEqual(book.no_dollars, [
        ["0.5300", "2.50"],
        ["0.5500", "4.00"]
      ])
    })
  )

  it.scoped("a tape that is not there is a one-line SimError", () =>
    Effect.gen(function* () {
      const e = yield* Effect.flip(
        KalshiSim.make({ clock: "manual", pingIntervalMs: 0, replay: { tape: "/nonexistent" } })
      )
      assert.match(e.message, /^no tape at \/nonexistent/)
    })
  )
})
