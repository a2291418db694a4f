import { Decimal as D, Exchange, Fee, Ids, type OrderBook } from "@alpha-hunter/core"
import { TapeReader } from "@alpha-hunter/tape"
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import { FillModel, ReplayVenue, SimRuntime } from "../src/index.js"
import { delta, lifecycle, replay, SYMBOL, snapshot, T0, trade, writeTape } from "./helpers.js"

const model = (kind: FillModel.Kind, extra: Partial<{ seed: number; feedLatencyMs: number }> = {}) =>
  FillModel.FillModel.make({ kind, orderLatencyMs: 50, ...extra })

// a book with 100 contracts bid at 0.50; we join it at 1 s (behind those 100), then: 50 more join behind us,
// 60 trade at 0.50 (the level's decrease comes first, as Kalshi's simulator sends it), 50 are canceled
// (from behind us: the newcomers), 30 then 10 are canceled (ahead of us: nothing else is left behind), and
// 5 trade at 0.50 — the first volume that reaches us
const tapeOf = (lastCancelAhead: boolean) =>
  [
    [0, snapshot([["0.50", "100.00"]], [["0.55", "20.00"]])],
    [2_000, delta("yes", "0.50", "50.00")],
    [3_000, delta("yes", "0.50", "-60.00")],
    [3_000, trade("0.50", "60.00", "ask")],
    [4_000, delta("yes", "0.50", "-50.00")],
    [5_000, delta("yes", "0.50", "-30.00")],
    // (or a change elsewhere in the book)
    [6_000, lastCancelAhead ? delta("yes", "0.50", "-10.00") : delta("yes", "0.45", "10.00")],
    [7_000, delta("yes", "0.50", "-5.00")],
    [7_000, trade("0.50", "5.00", "ask")],
    [8_000, delta("yes", "0.49", "10.00")],
    [9_000, trade("0.48", "3.00", "ask")]
  ] as const
const queueTape = tapeOf(true)

const buyAt1s = [{ at: 1_000, side: "buy" as const, price: "0.50", amount: "10" }]

describe("fill model (hand-built tapes)", () => {
  it.effect("queue: an order behind 100 contracts fills only once 100 traded or were canceled ahead of it", () =>
    Effect.gen(function* () {
      const dir = yield* writeTape(queueTape)
      const r = replay(dir, model("queue"), buyAt1s)
      // nothing until 7 s (60 traded + 40 canceled ahead of us); then the 5 traded at our price are ours,
      // and the trade through our price at 0.48 (a seller passing our bid) fills 3 more
      assert.deepStrictEqual(
        r.fills.map((f) => [f.at, f.price, f.amount, f.role]),
        [
          [7_000, "0.5", "5", "maker"],
          [9_000, "0.5", "3", "maker"]
        ]
      )
    })
  )

  it.effect("queue: without the last 10 canceled ahead, the 5 traded at our price do not reach us", () =>
    Effect.gen(function* () {
      const dir = yield* writeTape(tapeOf(false))
      const r = replay(dir, model("queue"), buyAt1s)
      assert.deepStrictEqual(
        r.fills.map((f) => [f.at, f.amount]),
        [[9_000, "3"]]
      )
    })
  )

  it.effect("pessimistic: never fills on a touch, only when the market trades through our price", () =>
    Effect.gen(function* () {
      const dir = yield* writeTape(queueTape)
      const r = replay(dir, model("pessimistic"), buyAt1s)
      assert.deepStrictEqual(
        r.fills.map((f) => [f.at, f.price, f.amount]),
        [[9_000, "0.5", "3"]]
      )
      // at the front of the queue, a touch of 50 contracts at our price still fills nothing
      const front = yield* writeTape([
        [0, snapshot([["0.50", "0.00"]], [["0.55", "20.00"]])],
        [2_000, delta("yes", "0.50", "50.00")],
        [3_000, delta("yes", "0.50", "-50.00")],
        [3_000, trade("0.50", "50.00", "ask")]
      ])
      assert.deepStrictEqual(replay(front, model("pessimistic"), buyAt1s).fills, [])
      assert.deepStrictEqual(
        replay(front, model("queue"), buyAt1s).fills.map((f) => f.amount),
        ["10"]
      )
    })
  )

  it.effect("probabilistic: seeded — the same seed gives the same fills; cancels move us up in expectation", () =>
    Effect.gen(function* () {
      const dir = yield* writeTape([
        [0, snapshot([["0.50", "100.00"]], [["0.55", "20.00"]])],
        [2_000, delta("yes", "0.50", "100.00")],
        [3_000, delta("yes", "0.50", "-100.00")],
        [4_000, delta("yes", "0.50", "-60.00")],
        [4_000, trade("0.50", "60.00", "ask")]
      ])
      const a = replay(dir, model("probabilistic", { seed: 7 }), buyAt1s)
      const b = replay(dir, model("probabilistic", { seed: 7 }), buyAt1s)
      assert.deepStrictEqual(a, b)
      // half the canceled 100 was ahead of us (100 ahead of 200): 50 left ahead, so 10 of the 60 traded are ours
      assert.deepStrictEqual(
        a.fills.map((f) => f.amount),
        ["10"]
      )
      // the conservative queue model counts the 100 canceled as the 100 behind us: 100 still ahead, no fill
      assert.deepStrictEqual(replay(dir, model("queue"), buyAt1s).fills, [])
    })
  )

  it.effect("fees are the market's model and settlement pays positions out, exactly", () =>
    Effect.gen(function* () {
      const kalshi = Fee.QuadraticFee.make({
        takerRate: D.d("0.07"),
        makerRate: D.d("0.0175"),
        multiplier: D.ONE,
        precision: D.d("0.0001")
      })
      const dir = yield* writeTape(
        [
          [
            0,
            snapshot(
              [["0.35", "50.00"]],
              [
                ["0.40", "7.00"],
                ["0.41", "20.00"]
              ]
            )
          ],
          [2_000, delta("yes", "0.35", "-50.00")],
          [2_000, trade("0.35", "50.00", "ask")],
          [10_000, lifecycle("determined", { result: "yes", settlement_value: "1.0000" })]
        ],
        kalshi
      )
      const r = replay(dir, model("queue"), [
        // crosses: takes the 7 at 0.40 and 3 of the 20 at 0.41 (taker)
        { at: 500, side: "buy", price: "0.41", amount: "10", postOnly: false, timeInForce: "IOC" },
        // rests at 0.35 behind 50, which all trade at 2 s; nothing reaches us
        { at: 500, side: "buy", price: "0.35", amount: "4" },
        // at the front once the level emptied: a post-only sell at 0.35 would cross nothing (no bid left)
        { at: 3_000, side: "sell", price: "0.60", amount: "2" }
      ])
      // taker fee: ceil(0.07 × 7 × 0.40 × 0.60) = 0.1176; ceil(0.07 × 3 × 0.41 × 0.59, 0.0001) = 0.0509 (0.050799)
      assert.deepStrictEqual(
        r.fills.map((f) => [f.at, f.price, f.amount, f.fee, f.role]),
        [
          [550, "0.4", "7", "0.1176", "taker"],
          [550, "0.41", "3", "0.0508", "taker"]
        ]
      )
      // 10 000 − 2.80 − 1.23 − 0.1176 − 0.0508 + 10 × 1 (settled YES): the resting orders were canceled at settlement
      assert.strictEqual(r.balance, "10005.8016")
    })
  )
})

describe("latency", () => {
  it.effect("the strategy sees a recorded change feedLatencyMs after it happened", () =>
    Effect.gen(function* () {
      const dir = yield* writeTape([
        [0, snapshot([["0.50", "100.00"]], [["0.55", "20.00"]])],
        [2_000, delta("yes", "0.50", "50.00")],
        [5_000, delta("no", "0.55", "-20.00")]
      ])
      const seen = (latency: number) => {
        const program = Effect.scoped(
          Effect.gen(function* () {
            const reader = yield* TapeReader.open(dir)
            const v = yield* ReplayVenue.make(
              ReplayVenue.readHead(reader, "rec"),
              FillModel.ReplayConfig.make({ fill: model("queue", { feedLatencyMs: latency }) }),
              "rec"
            )
            const out: Array<string> = []
            const note = (view: OrderBook.BookView) =>
              Effect.map(Clock.currentTimeMillis, (t) => {
                out.push(`${t - T0}:${view.bestLots("bid")}/${view.bestLevel("ask") < 0 ? "-" : view.bestLots("ask")}`)
              })
            // the stream and the loop a strategy reads (`followBook`, through `runBook`) see the same views
            yield* v.exchange.watchBook(Ids.Symbol.make(SYMBOL)).pipe(Stream.runForEach(note), Effect.forkScoped)
            assert.isDefined(v.exchange.followBook)
            yield* Exchange.runBook(v.exchange, Ids.Symbol.make(SYMBOL), note).pipe(Effect.forkScoped)
            yield* v.feed
            yield* Effect.sleep("1 second")
            return out
          })
        )
        const r = SimRuntime.run(program, { startMs: T0, seed: 1 })
        return Exit.isSuccess(r.exit) ? r.exit.value : []
      }
      const twice = (xs: ReadonlyArray<string>) => xs.flatMap((x) => [x, x])
      assert.deepStrictEqual(seen(0), twice(["0:100/20", "2000:150/20", "5000:150/-"]))
      assert.deepStrictEqual(seen(750), twice(["750:100/20", "2750:150/20", "5750:150/-"]))
    })
  )
})
