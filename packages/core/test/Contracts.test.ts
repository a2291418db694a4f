import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { Exchange } from "../src/Exchange.js"
import * as Errors from "../src/ExchangeError.js"
import { Symbol as SymbolId, VenueId } from "../src/Ids.js"
import type { Fill } from "../src/Order.js"
import type { BookView } from "../src/OrderBook.js"
import * as Plugin from "../src/Plugin.js"
import {
  forEachFills,
  forEachView,
  MarketData,
  type MarketDataService,
  OrderGateway,
  type PortfolioService,
  Strategy
} from "../src/Strategy.js"

describe("error taxonomy", () => {
  it("network errors are retryable, refusals and unknown outcomes are not", () => {
    const venue = "v"
    const message = "m"
    const network = [
      new Errors.RateLimited({ venue, message }),
      new Errors.RequestTimeout({ venue, message }),
      new Errors.ExchangeUnavailable({ venue, message, status: 503 })
    ]
    for (const e of network) {
      assert.isTrue(Errors.isRetryable(e))
      assert.isTrue(Errors.isNetworkError(e))
    }
    const refusals: ReadonlyArray<Errors.ExchangeError> = [
      new Errors.AuthenticationError({ venue, message }),
      new Errors.PermissionDenied({ venue, message }),
      new Errors.InsufficientFunds({ venue, message }),
      new Errors.InvalidOrder({ venue, message }),
      new Errors.OrderNotFound({ venue, message }),
      new Errors.PostOnlyWouldCross({ venue, message }),
      new Errors.DuplicateClientOrderId({ venue, message, clientOrderId: "c" }),
      new Errors.BadSymbol({ venue, message, symbol: "s" }),
      new Errors.MarketClosed({ venue, message }),
      new Errors.BadVenueData({ venue, message, path: "market.status" }),
      new Errors.UnknownOutcome({ venue, message, operation: "create", clientOrderId: "c" })
    ]
    for (const e of refusals) {
      assert.isFalse(Errors.isRetryable(e), e._tag)
      assert.isFalse(Errors.isNetworkError(e), e._tag)
    }
    assert.isTrue(Errors.isUnknownOutcome(refusals[10]!))
  })

  it("errors are serialisable (for the journal) and come back with their tag", () => {
    const e = new Errors.UnknownOutcome({ venue: "kalshi", message: "timeout", operation: "create", symbol: "X" })
    const json = Schema.encodeSync(Errors.ExchangeError)(e)
    const back = Schema.decodeUnknownSync(Errors.ExchangeError)(JSON.parse(JSON.stringify(json)))
    assert.strictEqual(back._tag, "UnknownOutcome")
    assert.isTrue(back instanceof Errors.UnknownOutcome)
  })
})

describe("strategy contract", () => {
  const config = Schema.Struct({ n: Schema.Number })

  it("a strategy layer that needs only StrategyEnv is accepted", () => {
    const ok = Plugin.strategyPlugin({
      name: "ok",
      description: "reads data, writes through the gateway",
      config,
      layer: () =>
        Layer.effect(
          Strategy,
          Effect.gen(function* () {
            const md = yield* MarketData
            const gw = yield* OrderGateway
            return Strategy.of({ id: `${md.venue}/${gw.venue}`, run: Effect.void })
          })
        )
    })
    assert.strictEqual(ok.kind, "strategy")
  })

  it("a strategy layer that asks for the raw Exchange does not type-check", () => {
    const bypass = Layer.effect(
      Strategy,
      Effect.gen(function* () {
        const ex = yield* Exchange
        return Strategy.of({ id: ex.id, run: Effect.void })
      })
    )
    const bad = () =>
      Plugin.strategyPlugin({
        name: "bad",
        description: "tries to bypass risk",
        config,
        // @ts-expect-error Exchange is not part of StrategyEnv
        layer: () => bypass
      })
    assert.isFunction(bad)
  })
})

describe("Strategy.forEachView", () => {
  const view = (version: number) => ({ version }) as BookView
  const base = {
    venue: VenueId.make("v"),
    markets: Effect.succeed([]),
    market: () => Effect.die("unused"),
    book: () => Stream.make(view(1), view(2), view(3))
  }
  const sym = SymbolId.make("X")

  it.effect("reads the stream (chunk by chunk) when the market data has no followBook", () =>
    Effect.gen(function* () {
      const seen: Array<number> = []
      yield* forEachView(base, sym, (v) => Effect.sync(() => seen.push(v.version)))
      assert.deepStrictEqual(seen, [1, 2, 3])
    })
  )

  it.effect("uses followBook when present (the stream is not read), and ends with f's failure", () =>
    Effect.gen(function* () {
      const seen: Array<string> = []
      const md: MarketDataService = {
        ...base,
        book: () => Stream.die("the stream must not be read"),
        followBook: (symbol, f) =>
          Effect.forEach(
            [view(7), view(8), view(9)],
            (v) =>
              Effect.zipRight(
                Effect.sync(() => seen.push(symbol)),
                f(v)
              ),
            {
              discard: true
            }
          )
      }
      const out = yield* Effect.either(
        forEachView(md, sym, (v) =>
          v.version === 8 ? Effect.fail("stop at 8") : Effect.sync(() => seen.push(String(v.version)))
        )
      )
      assert.deepStrictEqual(seen, ["X", "7", "X"])
      assert.deepStrictEqual(out, Either.left("stop at 8"))
    })
  )
})

describe("Strategy.forEachFills", () => {
  const fill = (id: string) => ({ id }) as unknown as Fill
  const base: PortfolioService = {
    openOrders: () => Effect.succeed([]),
    positions: Effect.succeed([]),
    position: () => Effect.die("unused"),
    orders: Stream.empty,
    fills: Stream.fromChunks(Chunk.make(fill("a"), fill("b")), Chunk.make(fill("c")))
  }

  it.effect("reads the fills stream chunk by chunk when the portfolio has no followFills", () =>
    Effect.gen(function* () {
      const seen: Array<ReadonlyArray<string>> = []
      yield* forEachFills(base, (fs) => Effect.sync(() => seen.push(fs.map((f) => f.id))))
      assert.deepStrictEqual(seen, [["a", "b"], ["c"]])
    })
  )

  it.effect("uses followFills when present (the stream is not read), and ends with f's failure", () =>
    Effect.gen(function* () {
      const seen: Array<ReadonlyArray<string>> = []
      const pf: PortfolioService = {
        ...base,
        fills: Stream.die("the stream must not be read"),
        followFills: (f) => Effect.forEach([[fill("x")], [fill("y"), fill("z")], [fill("w")]], f, { discard: true })
      }
      const out = yield* Effect.either(
        forEachFills(pf, (fs) =>
          fs.length === 2 ? Effect.fail("stop at the second batch") : Effect.sync(() => seen.push(fs.map((f) => f.id)))
        )
      )
      assert.deepStrictEqual(seen, [["x"]])
      assert.deepStrictEqual(out, Either.left("stop at the second batch"))
    })
  )
})
