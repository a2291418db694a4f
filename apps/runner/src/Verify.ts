/** The `verify` checks, venue-neutral: config, connect, credentials, markets, books, the venue's own checks. */
import { Decimal as D, type Diagnostics, Ids } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Scope from "effect/Scope"
import { errorText } from "./Errors.js"
import { type Resolved, selectedSymbols } from "./Resolve.js"
import { openPlugin } from "./Venues.js"
/** The `verify` checks, each ✅ or ❌ with a detail. Never throws: every failure becomes a check. */
export const verify = (resolved: Resolved): Effect.Effect<ReadonlyArray<Diagnostics.Check>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const checks: Array<Diagnostics.Check> = [{ name: "config valid", ok: true, detail: resolved.file }]
    const add = (name: string, ok: boolean, detail: string) => Effect.sync(() => checks.push({ name, ok, detail }))
    for (const v of resolved.venues) {
      const opened = yield* Effect.either(openPlugin(v))
      if (Either.isLeft(opened)) {
        yield* add(`${v.name}: connect`, false, errorText(opened.left))
        continue
      }
      const ex = opened.right.exchange
      const balance = yield* Effect.either(ex.fetchBalance())
      yield* add(
        `${v.name}: credentials accepted (signed balance read)`,
        Either.isRight(balance),
        Either.isRight(balance)
          ? balance.right.map((b) => `${b.currency} ${D.format(b.total)}`).join(", ") || "no balances"
          : errorText(balance.left)
      )
      const markets = yield* Effect.either(ex.fetchMarkets())
      yield* add(
        `${v.name}: markets readable`,
        Either.isRight(markets) && markets.right.length > 0,
        Either.isRight(markets) ? `${markets.right.length} markets` : errorText(markets.left)
      )
      checks.push(...(yield* opened.right.diagnostics.checks))
      const known = Either.isRight(markets) ? markets.right : []
      for (const s of resolved.strategies.filter((x) => x.section.venue === v.name)) {
        const symbols = selectedSymbols(known, s.section.markets)
        const missing = symbols.filter((x) => !known.some((m) => m.symbol === x))
        yield* add(
          `${s.name}: markets exist`,
          missing.length === 0 && symbols.length > 0,
          missing.length > 0 ? `not found on ${v.name}: ${missing.join(", ")}` : `${symbols.length} markets`
        )
        for (const symbol of symbols.filter((x) => !missing.includes(x)).slice(0, 20)) {
          const b = yield* Effect.either(ex.fetchOrderBook(Ids.Symbol.make(symbol)))
          if (Either.isLeft(b)) yield* add(`${s.name}: order book ${symbol}`, false, errorText(b.left))
        }
        yield* add(`${s.name}: order books readable`, true, `checked ${Math.min(symbols.length, 20)}`)
        const params = s.pluginInput["params"] as Record<string, unknown> | undefined
        const minSpread = params?.["minSpreadTicks"] ?? 2
        yield* add(`${s.name}: min spread`, true, `${String(minSpread)} ticks`)
      }
      yield* add(
        `${v.name}: batch orders`,
        ex.has.createOrders !== false,
        `create ≤ ${ex.features.maxBatchCreate}, cancel ≤ ${ex.features.maxBatchCancel} per request`
      )
      yield* add(
        `${v.name}: emergency cancel path`,
        ex.has.cancelAllOrders !== false,
        ex.has.cancelAllOrders === true ? "native cancel-all" : `cancel-all is ${String(ex.has.cancelAllOrders)}`
      )
    }
    return checks
  }).pipe(Effect.catchAllCause((c) => Effect.succeed([{ name: "verify", ok: false, detail: String(c) }])))
