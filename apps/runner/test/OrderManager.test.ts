import { Decimal as D, Exchange, ExchangeError, Ids, Strategy } from "@alpha-hunter/core"
import { PaperConfig, PaperVenue } from "@alpha-hunter/paper"
import { RiskConfig, RiskEngine } from "@alpha-hunter/risk"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Journal from "../src/Journal.js"
import * as OrderManager from "../src/OrderManager.js"
import { tempDir } from "./helpers.js"

const M = Ids.Symbol.make("PAPER-1")
const q = (price: string, amount: string) => Strategy.Quote.make({ price: D.d(price), amount: D.d(amount) })
const target = (bids: ReadonlyArray<Strategy.Quote>, asks: ReadonlyArray<Strategy.Quote>) =>
  Strategy.QuoteTarget.make({ symbol: M, bids, asks })

const paper = PaperVenue.layer(
  PaperConfig.PaperConfig.make({
    generate: PaperConfig.GeneratedMarkets.make({ count: 2, amountStep: D.d("0.01"), minAmount: D.d("0.01") })
  })
)

/** Paper's exchange, optionally with creates whose responses are "lost" (applied, then UnknownOutcome). */
const setup = (options: { readonly riskInput?: unknown; readonly loseCreates?: Ref.Ref<number> } = {}) =>
  Effect.gen(function* () {
    const ctx = yield* Layer.build(paper)
    const real = Context.get(ctx, Exchange.Exchange)
    const venue = Context.get(ctx, PaperVenue.PaperVenue)
    const calls = yield* Ref.make({ creates: 0, cancels: 0, edits: 0 })
    const lose = options.loseCreates
    const exchange: Exchange.ExchangeService = {
      ...real,
      createOrders: (rs) =>
        Effect.gen(function* () {
          yield* Ref.update(calls, (c) => ({ ...c, creates: c.creates + rs.length }))
          const results = yield* real.createOrders(rs)
          if (lose !== undefined && (yield* Ref.getAndUpdate(lose, (n) => Math.max(0, n - 1))) > 0) {
            return results.map((r, i) =>
              Either.isRight(r)
                ? Either.left(
                    new ExchangeError.UnknownOutcome({
                      venue: "paper",
                      message: "response lost",
                      operation: "create",
                      clientOrderId: rs[i]!.clientOrderId
                    })
                  )
                : r
            )
          }
          return results
        }),
      cancelOrders: (ids, s) =>
        Effect.zipRight(
          Ref.update(calls, (c) => ({ ...c, cancels: c.cancels + ids.length })),
          real.cancelOrders(ids, s)
        ),
      editOrder: (id, s, e) =>
        Effect.zipRight(
          Ref.update(calls, (c) => ({ ...c, edits: c.edits + 1 })),
          real.editOrder(id, s, e)
        )
    }
    const risk = yield* RiskEngine.make(RiskConfig.decodeSync(options.riskInput ?? {}))
    const journal = yield* Effect.provide(Journal.Journal, yield* Layer.build(Journal.layer(`${tempDir()}/j.sqlite`)))
    const manager = yield* OrderManager.make({ venue: "paper", exchange, risk, journal })
    const gateway = yield* manager.gateway("mm", "ah-mm-")
    return { manager, gateway, calls, venue, real, journal }
  })

describe("OrderManager", () => {
  it.scoped("keeps matching orders, amends price changes, cancels what is no longer wanted", () =>
    Effect.gen(function* () {
      const { manager, gateway, calls, real } = yield* setup()
      yield* gateway.setQuotes(target([q("0.40", "5")], [q("0.60", "5")]))
      assert.deepStrictEqual(yield* Ref.get(calls), { creates: 2, cancels: 0, edits: 0 })
      const open = yield* real.fetchOpenOrders({ symbol: M })
      assert.strictEqual(open.length, 2)
      assert.isTrue(open.every((o) => o.postOnly && o.clientOrderId?.startsWith("ah-mm-")))

      // the same target again: no write at all
      yield* gateway.setQuotes(target([q("0.40", "5")], [q("0.60", "5")]))
      assert.deepStrictEqual(yield* Ref.get(calls), { creates: 2, cancels: 0, edits: 0 })

      // a new bid price: one amend (the venue can amend), the ask is kept
      yield* gateway.setQuotes(target([q("0.41", "5")], [q("0.60", "5")]))
      assert.deepStrictEqual(yield* Ref.get(calls), { creates: 2, cancels: 0, edits: 1 })
      const bids = (yield* real.fetchOpenOrders({ symbol: M })).filter((o) => o.side === "buy")
      assert.deepStrictEqual(
        bids.map((o) => D.format(o.price)),
        ["0.41"]
      )

      // no asks wanted any more: one cancel
      yield* gateway.setQuotes(target([q("0.41", "5")], []))
      assert.deepStrictEqual(yield* Ref.get(calls), { creates: 2, cancels: 1, edits: 1 })
      assert.strictEqual((yield* manager.live).filter((t) => t.status === "open").length, 1)

      yield* gateway.cancelAll()
      assert.strictEqual((yield* real.fetchOpenOrders({ symbol: M })).length, 0)
    })
  )

  it.scoped("an unknown outcome blocks writes on the market until a lookup resolves it; never re-sent", () =>
    Effect.gen(function* () {
      const lose = yield* Ref.make(1)
      const { manager, gateway, calls, real, journal } = yield* setup({ loseCreates: lose })
      yield* gateway.setQuotes(target([q("0.40", "5")], []))
      // the order rests on the venue, but we were told nothing
      assert.strictEqual((yield* real.fetchOpenOrders({ symbol: M })).length, 1)
      assert.deepStrictEqual(
        (yield* manager.live).map((t) => t.status),
        ["unknown"]
      )
      // the next target first looks the order up, finds it, and does not create again
      yield* gateway.setQuotes(target([q("0.40", "5")], []))
      assert.strictEqual((yield* Ref.get(calls)).creates, 1)
      assert.strictEqual((yield* real.fetchOpenOrders({ symbol: M })).length, 1)
      assert.deepStrictEqual(
        (yield* manager.live).map((t) => t.status),
        ["open"]
      )
      const kinds = (yield* journal.query()).map((e) => e.kind)
      assert.includeMembers(kinds, ["request", "unknown", "resolved"])
      assert.strictEqual((yield* manager.stats).unknown, 1)
    })
  )

  it.scoped("risk denials send nothing and say why", () =>
    Effect.gen(function* () {
      const { gateway, calls, journal } = yield* setup({ riskInput: { global: { maxOrderSize: "4" } } })
      const r = yield* Effect.flip(gateway.setQuotes(target([q("0.40", "5")], [])))
      assert.strictEqual(r._tag, "RiskDenied")
      if (r._tag === "RiskDenied") assert.strictEqual(r.reason, "MAX_ORDER_SIZE")
      assert.strictEqual((yield* Ref.get(calls)).creates, 0)
      const denied = (yield* journal.query({ kinds: ["risk"] }))[0]
      assert.strictEqual(denied?.data["decision"], "denied")
      assert.strictEqual(denied?.data["reason"], "MAX_ORDER_SIZE")
      // within the limit it goes through
      yield* gateway.setQuotes(target([q("0.40", "4")], []))
      assert.strictEqual((yield* Ref.get(calls)).creates, 1)
    })
  )
})
