/** Hand-built tapes and a small driver: a tape of frames at given times, orders sent at given times. */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Decimal as D, Exchange, Fee, Ids, Market, type Order, TickGrid } from "@alpha-hunter/core"
import { Tape, TapeReader, TapeWriter } from "@alpha-hunter/tape"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { FillModel, ReplayVenue, SimRuntime } from "../src/index.js"

export const T0 = 1_800_000_000_000
export const SYMBOL = "TEST-1"

export const market = (fees: Fee.FeeModel = Fee.NoFee.make({})) =>
  Market.Market.make({
    venue: Ids.VenueId.make("rec"),
    symbol: Ids.Symbol.make(SYMBOL),
    title: "test market",
    kind: { _tag: "binary", settlementValue: D.ONE, outcomes: Market.yesNo() },
    currency: "USD",
    status: "open",
    tickGrid: { ranges: [TickGrid.PriceRange.make({ start: D.d("0.01"), end: D.d("0.99"), step: D.d("0.01") })] },
    amountStep: D.ONE,
    minAmount: D.ONE,
    fees
  })

let seq = 0
const env = (type: string, msg: Record<string, unknown>, sid = 1) =>
  JSON.stringify({
    type,
    sid,
    ...(type.startsWith("orderbook") ? { seq: ++seq } : {}),
    msg: { market_ticker: SYMBOL, ...msg }
  })

export const snapshot = (bids: ReadonlyArray<[string, string]>, asks: ReadonlyArray<[string, string]>) => {
  seq = 0
  return env("orderbook_snapshot", { yes_dollars_fp: bids, no_dollars_fp: asks })
}
export const delta = (side: "yes" | "no", price: string, d: string) =>
  env("orderbook_delta", { price_dollars: price, delta_fp: d, side })
/** a recorded trade: `taker` `ask` = a seller hitting bids, `bid` = a buyer lifting asks */
export const trade = (price: string, count: string, taker: "bid" | "ask") =>
  env("trade", { yes_price_dollars: price, count_fp: count, taker_book_side: taker }, 2)
export const lifecycle = (event: string, extra: Record<string, unknown> = {}) =>
  env("market_lifecycle_v2", { event_type: event, ...extra }, 3)

/** Writes a tape: the market definition, then each frame at T0 + its offset (ms). */
export const writeTape = (frames: ReadonlyArray<readonly [number, string]>, fees?: Fee.FeeModel) =>
  Effect.gen(function* () {
    const dir = mkdtempSync(join(tmpdir(), "bt-tape-"))
    yield* Effect.scoped(
      Effect.gen(function* () {
        const w = yield* TapeWriter.make(dir, { meta: { venue: "rec", source: "hand-built", symbols: [SYMBOL] } })
        yield* w.append({ k: "market", t: T0, market: Schema.encodeSync(Market.Market)(market(fees)) })
        for (const [at, raw] of frames) yield* w.append(Tape.frameRecord(T0 + at, raw))
      })
    )
    return dir
  })

export interface Sent {
  readonly at: number
  readonly side: Order.Side
  readonly price: string
  readonly amount: string
  readonly postOnly?: boolean
  readonly timeInForce?: Order.TimeInForce
}

export interface Outcome {
  readonly fills: ReadonlyArray<{
    readonly at: number
    readonly price: string
    readonly amount: string
    readonly fee: string
    readonly role: string
  }>
  readonly balance: string
  readonly orders: ReadonlyArray<string>
}

/** Replays a tape with orders sent at given offsets (ms after T0); every fill with its simulated time. */
export const replay = (dir: string, fill: FillModel.FillModel, sends: ReadonlyArray<Sent>): Outcome => {
  const program = Effect.scoped(
    Effect.gen(function* () {
      const reader = yield* TapeReader.open(dir)
      const head = ReplayVenue.readHead(reader, "rec")
      const v = yield* ReplayVenue.make(head, FillModel.ReplayConfig.make({ fill }), "rec")
      const fills: Array<Order.Fill> = []
      yield* v.exchange.watchMyTrades().pipe(
        Stream.runForEach((f) => Effect.sync(() => void fills.push(f))),
        Effect.forkScoped
      )
      // the loop strategies read their fills by (`runMyTradeBatches`, filtered before buffering) gets the same
      const buys: Array<Order.Fill> = []
      yield* Exchange.runMyTradeBatches(
        v.exchange,
        (f) => f.side === "buy",
        (fs) => Effect.sync(() => void buys.push(...fs))
      ).pipe(Effect.forkScoped)
      const orders: Array<string> = []
      for (const s of sends) {
        yield* Effect.fork(
          Effect.delay(
            Effect.flatMap(
              Effect.either(
                v.exchange.createOrder({
                  symbol: Ids.Symbol.make(SYMBOL),
                  side: s.side,
                  type: "limit",
                  price: D.d(s.price),
                  amount: D.d(s.amount),
                  timeInForce: s.timeInForce ?? "GTC",
                  postOnly: s.postOnly ?? true,
                  reduceOnly: false
                })
              ),
              (r) => Effect.sync(() => void orders.push(r._tag === "Right" ? r.right.status : r.left._tag))
            ),
            s.at
          )
        )
      }
      yield* v.feed
      yield* Effect.sleep("1 second")
      const balance = yield* v.exchange.fetchBalance()
      const streamed = fills.filter((f) => f.side === "buy").map((f) => f.id)
      if (buys.map((f) => f.id).join() !== streamed.join())
        throw new Error(`runMyTradeBatches read ${buys.map((f) => f.id)}, the stream ${streamed}`)
      return {
        fills: fills.map((f) => ({
          at: f.timestamp - T0,
          price: D.format(f.price),
          amount: D.format(f.amount),
          fee: D.format(f.fee.cost),
          role: f.takerOrMaker
        })),
        balance: D.format(balance[0]!.total),
        orders
      }
    })
  )
  const r = SimRuntime.run(program, { startMs: T0, seed: 1 })
  if (Exit.isFailure(r.exit)) throw new Error(String(r.exit.cause))
  return r.exit.value
}
