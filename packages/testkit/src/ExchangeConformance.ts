/**
 * The Exchange conformance suite, after `@effect/sql`'s shared suites: every venue plugin calls
 * `ExchangeConformance.suite(name, layer, options)` with its own layer and gets the same tests.
 *
 * Each case is a plain `Effect<void, ConformanceFailure, Exchange | R>`, so a test can also run one case on
 * its own (for instance against a deliberately broken venue, to prove the check bites). `suite` only
 * registers the cases with `@effect/vitest`'s `layer` (one venue instance per suite, live services).
 *
 * Cases are written to be robust on a shared venue: orders rest at the extremes of the tick grid, every
 * client order id is fresh, and each case cancels what it created.
 */
import type { Exchange } from "@alpha-hunter/core"
import { layer } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import { accountCases } from "./conformance/account.js"
import { type Case, defineCase, expectNone, expectThat, missing, type Options, ok } from "./conformance/Ctx.js"
import { faultCases } from "./conformance/faults.js"
import { ordersCases } from "./conformance/orders.js"
import { streamsCases } from "./conformance/streams.js"
import { structureCases } from "./conformance/structure.js"
import * as Invariants from "./Invariants.js"

export type { Case, Faults, Options, SeedArgs, SpoiledWrite } from "./conformance/Ctx.js"

// ---- the cases ---------------------------------------------------------------------------------

/** Every conformance case for `options`, in the order `suite` registers them. */
export const cases = <R = never>(options: Options<R>): ReadonlyArray<Case<R>> => {
  const def = defineCase(options)
  const list: Array<Case<R>> = [
    ...structureCases(options),
    ...ordersCases(options),
    ...accountCases(options),
    ...streamsCases(options),
    def("structure.openOrders", "every open order is sound and nothing is left open", (ctx) =>
      Effect.gen(function* () {
        const open = yield* ok("fetchOpenOrders", ctx.ex.fetchOpenOrders())
        const markets = yield* ok("loadMarkets", ctx.ex.loadMarkets())
        const now = yield* ctx.now
        yield* expectNone(
          "fetchOpenOrders()",
          open.flatMap((o) => Invariants.checkOrder(o, markets.get(o.symbol), now))
        )
        const ids = new Set(open.map((o) => o.id))
        yield* expectThat("fetchOpenOrders()", ids.size === open.length, "an order is listed twice")
      })
    )
  ]
  return [...list, ...faultCases(options)]
}

/** One case by id (throws if there is none: a typo in a test). */
export const caseById = <R = never>(options: Options<R>, id: string): Case<R> => {
  const c = cases(options).find((x) => x.id === id)
  if (c === undefined) throw new Error(`no conformance case ${id}`)
  return c
}

/**
 * Registers the suite: a `describe(name)` with one venue built from `exchangeLayer` (live clock, shared by
 * every case) and one test per case. Cases run one after the other.
 */
export const suite = <R = never, E = never>(
  name: string,
  exchangeLayer: Layer.Layer<Exchange.Exchange | R, E>,
  options: Options<R>
): void =>
  layer(exchangeLayer, { excludeTestServices: true, timeout: "60 seconds" })(name, (it) => {
    const timeoutMs = Duration.toMillis(options.timeout ?? "20 seconds") + 5_000
    for (const c of cases(options).filter(options.select ?? (() => true))) {
      const lacking = missing(c, options)
      if (lacking.length > 0) {
        it.effect.skip(`${c.name} (needs ${lacking.join(" and ")})`, () => c.run)
      } else {
        it.effect(c.name, () => c.run, timeoutMs)
      }
    }
  })
