/**
 * Feeds one venue's order and fill streams into the engine, so open orders, positions and P&L stay current
 * whoever placed or canceled the orders (the gateway reports creates, but cancels and fills arrive here).
 */
import { Exchange, type Risk } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberStatus from "effect/FiberStatus"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { RiskEngine } from "./RiskEngine.js"

/**
 * Waits until a forked stream loop is suspended (blocked waiting for its first element), i.e. it has
 * subscribed: events published after `track` returns are not missed.
 */
const awaitSubscribed = (fiber: Fiber.RuntimeFiber<unknown, unknown>) =>
  Effect.gen(function* () {
    for (let i = 0; i < 10_000; i++) {
      const status = yield* Fiber.status(fiber)
      if (FiberStatus.isSuspended(status) || FiberStatus.isDone(status)) return
      yield* Effect.yieldNow()
    }
  })

/**
 * Registers the venue's markets with the engine and forks (in the current scope) two loops:
 * `watchOrders` → `onOrder`, `watchMyTrades` → `onFill`. A failed stream is logged and restarted.
 */
export const track = (
  scope: Risk.RiskScope
): Effect.Effect<void, never, Exchange.Exchange | RiskEngine | Scope.Scope> =>
  Effect.gen(function* () {
    const ex = yield* Exchange.Exchange
    const engine = yield* RiskEngine
    yield* ex.loadMarkets().pipe(
      Effect.flatMap((ms) => engine.registerMarkets(scope.venue, ms.values())),
      Effect.catchAll((e) => Effect.logWarning("risk: could not load markets", e))
    )
    const loop = <A, E>(name: string, stream: Stream.Stream<A, E>, f: (a: A) => Effect.Effect<void>) =>
      stream.pipe(
        Stream.runForEach(f),
        Effect.catchAll((e) => Effect.logWarning(`risk: ${name} stream failed; restarting`, e)),
        Effect.repeat(Schedule.spaced("1 second")),
        Effect.forkScoped,
        Effect.tap(awaitSubscribed)
      )
    yield* loop("orders", ex.watchOrders(), (o) => engine.onOrder(scope, o))
    yield* loop("fills", ex.watchMyTrades(), (f) => engine.onFill(scope, f))
  })
