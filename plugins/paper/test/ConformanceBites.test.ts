/**
 * The conformance suite must catch broken venues: each test wraps the paper exchange, breaks one
 * behaviour, runs the matching conformance case and expects a ConformanceFailure — and runs the same case
 * against the intact venue as a control.
 */
import { Decimal as D, Exchange, ExchangeError, Ids } from "@alpha-hunter/core"
import { ExchangeConformance } from "@alpha-hunter/testkit"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { PaperConfig, PaperVenue } from "../src/index.js"

const symbol = Ids.Symbol.make("PAPER-1")
const config = PaperConfig.PaperConfig.make({ generate: PaperConfig.GeneratedMarkets.make({ count: 1 }) })
const options: ExchangeConformance.Options<PaperVenue.PaperVenue> = {
  symbol,
  seedLiquidity: (args) => Effect.flatMap(PaperVenue.PaperVenue, (v) => v.addLiquidity(args)),
  streamTimeout: "1 second",
  subscribeDelay: "20 millis"
}

type Break = (ex: Exchange.ExchangeService) => Exchange.ExchangeService

const venue = (brk?: Break) => {
  const base = PaperVenue.layer(config)
  return brk === undefined
    ? base
    : Layer.map(base, (ctx) => Context.add(ctx, Exchange.Exchange, brk(Context.get(ctx, Exchange.Exchange))))
}

/** Two ask levels and two bid levels of other participants, so ordering can be checked. */
const seedBook = Effect.gen(function* () {
  const v = yield* PaperVenue.PaperVenue
  for (const [side, price] of [
    ["sell", "0.60"],
    ["sell", "0.70"],
    ["buy", "0.40"],
    ["buy", "0.30"]
  ] as const) {
    yield* v.addLiquidity({ symbol, side, price: D.d(price), amount: D.int(5) })
  }
})

const bites = (id: string, brk: Break, setup: Effect.Effect<void, unknown, PaperVenue.PaperVenue> = Effect.void) =>
  it.live(`${id} catches it`, () =>
    Effect.gen(function* () {
      const c = ExchangeConformance.caseById(options, id)
      // control: the intact venue passes
      const good = yield* Effect.either(Effect.zipRight(setup, c.run).pipe(Effect.provide(venue())))
      assert.isTrue(Either.isRight(good), Either.isLeft(good) ? String(good.left) : "")
      // the broken one fails with a ConformanceFailure
      const bad = yield* Effect.either(Effect.zipRight(setup, c.run).pipe(Effect.provide(venue(brk))))
      assert.isTrue(Either.isLeft(bad))
      if (Either.isLeft(bad)) {
        const e = bad.left as { _tag?: string }
        assert.strictEqual(e._tag, "ConformanceFailure")
      }
    })
  )

describe("the conformance suite bites", () => {
  bites("orders.lifecycle", (ex) => ({
    ...ex,
    // cancel answers "canceled" but leaves the order resting
    cancelOrder: (id, s) => Effect.map(ex.fetchOrder(id, s), (o) => ({ ...o, status: "canceled" as const }) as typeof o)
  }))

  bites("orders.postOnlyCross", (ex) => ({
    ...ex,
    // post-only is silently ignored: the order crosses and trades
    createOrder: (r) => ex.createOrder({ ...r, postOnly: false } as typeof r)
  }))

  bites(
    "structure.orderBook",
    (ex) => ({
      ...ex,
      // asks come back worst first
      fetchOrderBook: (s, l) =>
        Effect.map(ex.fetchOrderBook(s, l), (b) => ({ ...b, asks: [...b.asks].reverse() }) as typeof b)
    }),
    seedBook
  )

  bites("orders.edit", (ex) => ({ ...ex, has: { ...ex.has, editOrder: false } }))

  bites("orders.batchCreate", (ex) => ({
    ...ex,
    // results come back in reverse order
    createOrders: (rs) => Effect.map(ex.createOrders(rs), (xs) => [...xs].reverse())
  }))

  bites("orders.duplicateClientOrderId", (ex) => {
    let n = 0
    return {
      ...ex,
      // client order ids are not enforced (a fresh one is substituted)
      createOrder: (r) => ex.createOrder({ ...r, clientOrderId: Ids.ClientOrderId.make(`x-${n++}`) } as typeof r)
    }
  })

  bites("streams.orders", (ex) => ({
    ...ex,
    // cancel events are dropped
    watchOrders: (s) => Stream.filter(ex.watchOrders(s), (o) => o.status !== "canceled")
  }))

  bites("trades.take", (ex) => ({
    ...ex,
    // fills never reach fetchMyTrades
    fetchMyTrades: () => Effect.succeed([])
  }))

  bites("errors.orderNotFound", (ex) => ({
    ...ex,
    // an unknown id is reported as a generic rejection instead of OrderNotFound
    fetchOrder: (id, s) =>
      Effect.catchTag(ex.fetchOrder(id, s), "OrderNotFound", (e) =>
        Effect.fail(new ExchangeError.ExchangeRejected({ venue: e.venue, message: e.message }))
      )
  }))

  bites("account.balance", (ex) => ({
    ...ex,
    // used is reported but not subtracted from free
    fetchBalance: () => Effect.map(ex.fetchBalance(), (bs) => bs.map((b) => ({ ...b, free: b.total }) as typeof b))
  }))
})
