/** The `verify` checks, venue-neutral: config, connect, credentials, markets, books, the venue's own checks. */
import { Decimal as D, type Diagnostics, Ids } from "@alpha-hunter/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { errorText } from "./Errors.js"
import { type Resolved, selectedSymbols } from "./Resolve.js"
import { openPlugin } from "./Venues.js"
/** The `verify` checks, each ✅ or ❌ with a detail. Never throws: every failure becomes a check. */
export const verify = (resolved: Resolved): Effect.Effect<ReadonlyArray<Diagnostics.Check>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const checks: Array<Diagnostics.Check> = [{ name: "config valid", ok: true, detail: resolved.file }]
    const add = (name: string, ok: boolean, detail: string) => Effect.sync(() => checks.push({ name, ok, detail }))
    const skip = (name: string, detail: string) =>
      Effect.sync(() => checks.push({ name, ok: false, skipped: true, detail }))
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
        const readable = symbols.filter((x) => !missing.includes(x)).slice(0, 20)
        let failedBooks = 0
        for (const symbol of readable) {
          const b = yield* Effect.either(ex.fetchOrderBook(Ids.Symbol.make(symbol)))
          if (Either.isLeft(b)) {
            failedBooks++
            yield* add(`${s.name}: order book ${symbol}`, false, errorText(b.left))
          }
        }
        if (readable.length === 0) yield* skip(`${s.name}: order books readable`, "no market to read")
        else {
          yield* add(
            `${s.name}: order books readable`,
            failedBooks === 0,
            `${readable.length - failedBooks} of ${readable.length} read (REST)`
          )
          // the live path: the WebSocket must deliver a book, not only accept the connection
          const first = Ids.Symbol.make(readable[0]!)
          const started = Date.now()
          const live = yield* ex
            .watchBook(first)
            .pipe(Stream.runHead, Effect.timeout(Duration.seconds(10)), Effect.either)
          yield* add(
            `${s.name}: live book over the stream`,
            Either.isRight(live) && Option.isSome(live.right),
            Either.isRight(live) && Option.isSome(live.right)
              ? `${first}: snapshot after ${Date.now() - started} ms`
              : `${first}: no book within 10 s${Either.isLeft(live) ? ` (${errorText(live.left)})` : ""} — ${opened.right.diagnostics.banner.find((l) => /websocket/i.test(l)) ?? "check the stream URL"}`
          )
        }
      }
      // declared by the driver, not exercised here (that would place or cancel orders): said, not ticked
      yield* skip(
        `${v.name}: batch orders`,
        `declared: create ≤ ${ex.features.maxBatchCreate}, cancel ≤ ${ex.features.maxBatchCancel} per request (not exercised by verify)`
      )
      yield* skip(
        `${v.name}: emergency cancel path`,
        `declared: ${ex.has.cancelAllOrders === true ? "native cancel-all" : `cancel-all is ${String(ex.has.cancelAllOrders)}`} (not exercised by verify: run \`cancel-all\` to use it)`
      )
    }
    return checks
  }).pipe(Effect.catchAllCause((c) => Effect.succeed([{ name: "verify", ok: false, detail: String(c) }])))
