/**
 * The feed's background work: single-flight book recovery (snapshot on the same subscription, else
 * unsubscribe + subscribe, else reconnect; rounds back off while books stay invalid) and the staleness
 * watchdog (probe a silent connection; reconnect when the probe goes unanswered).
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { FeedConfig } from "../KalshiConfig.js"
import type { FeedStats } from "../KalshiFeed.js"
import type { Input, Registry } from "./feedProcessor.js"
import type { Commands } from "./feedSession.js"
import type { BookSlot } from "./frames.js"

export interface RecoveryDeps {
  readonly config: FeedConfig
  readonly registry: Ref.Ref<Registry>
  readonly commands: Commands
  readonly inbox: Queue.Queue<Input>
  readonly recoverKick: Queue.Queue<void>
  readonly stats: FeedStats
  readonly now: Effect.Effect<number>
  readonly activity: Ref.Ref<number>
  readonly subscribeBooks: (tickers: ReadonlyArray<string>) => Effect.Effect<number>
  readonly kill: (why: string) => Effect.Effect<void>
}

const slots = (d: RecoveryDeps): Effect.Effect<Array<BookSlot>> =>
  Effect.map(Ref.get(d.registry), (r) => [...r.values()].map((b) => b.slot))

const connected = (d: RecoveryDeps) => Effect.map(Ref.get(d.commands.session), (s) => s.connected)

/** Polls until the books are valid again, at most `probeTimeoutMs`; whether they are. */
const waitValid = (d: RecoveryDeps, tickers: ReadonlyArray<string>): Effect.Effect<boolean> => {
  const allValid = Effect.map(Ref.get(d.registry), (r) => tickers.every((t) => r.get(t)?.slot.valid !== false))
  return allValid.pipe(
    Effect.repeat({ schedule: Schedule.spaced(20), until: (ok) => ok }),
    Effect.timeoutTo({ duration: d.config.probeTimeoutMs, onTimeout: () => false, onSuccess: (ok) => ok }),
    Effect.zipRight(allValid)
  )
}

const recoverOnce = (d: RecoveryDeps) =>
  Effect.gen(function* () {
    const invalid = (yield* slots(d)).filter((b) => !b.valid)
    if (invalid.length === 0 || !(yield* connected(d))) return
    d.stats.recoveries++
    // 1. snapshot on the same subscription
    const bySid = new Map<number, Array<string>>()
    const orphan: Array<string> = []
    for (const b of invalid) {
      if (b.sid === undefined) orphan.push(b.symbol)
      else bySid.set(b.sid, [...(bySid.get(b.sid) ?? []), b.symbol])
    }
    for (const [sid, tickers] of bySid) {
      d.stats.snapshotRecoveries++
      const r = yield* d.commands.ask("update_subscription", { sid, action: "get_snapshot", market_tickers: tickers })
      const isError = Option.isSome(r) && (r.value as { type?: string }).type === "error"
      if (!isError && (yield* waitValid(d, tickers))) continue
      // 2. resubscribe that subscription
      d.stats.resubscribeRecoveries++
      yield* Effect.logWarning(`kalshi ws: snapshot recovery failed for sid ${sid}; resubscribing`)
      yield* d.commands.send("unsubscribe", { sids: [sid] })
      const all = (yield* slots(d)).filter((b) => b.sid === sid).map((b) => b.symbol)
      yield* Queue.offer(d.inbox, { _tag: "Detach", sid })
      yield* d.subscribeBooks(all)
      if (!(yield* waitValid(d, all))) {
        // 3. reconnect
        d.stats.reconnectRecoveries++
        yield* Effect.logWarning("kalshi ws: resubscribe recovery failed; reconnecting")
        yield* d.kill("recovery")
        return
      }
    }
    if (orphan.length > 0) {
      yield* d.subscribeBooks(orphan)
      yield* waitValid(d, orphan)
    }
  })

/** Recovery rounds: one per kick, repeated with backoff while books stay invalid (no resubscription storm). */
export const recovery = (d: RecoveryDeps): Effect.Effect<void, never, Scope.Scope> => {
  const stillInvalid = Effect.zipWith(slots(d), connected(d), (bs, c) => c && bs.some((b) => !b.valid))
  const round = Effect.zipRight(recoverOnce(d), stillInvalid)
  const untilHealed = round.pipe(
    Effect.repeat({
      schedule: Schedule.exponential(200).pipe(Schedule.union(Schedule.spaced(d.config.reconnectMaxMs))),
      while: (invalid) => invalid
    })
  )
  return Stream.fromQueue(d.recoverKick).pipe(
    Stream.runForEach(() => untilHealed),
    Effect.catchAllCause((c) => Effect.logError("kalshi ws: recovery failed", c)),
    Effect.forkScoped,
    Effect.asVoid
  )
}

/** Probes a connection silent for `staleAfterMs`; reconnects when the probe goes unanswered. */
export const watchdog = (d: RecoveryDeps): Effect.Effect<void, never, Scope.Scope> => {
  const cfg = d.config
  const silentFor = Effect.zipWith(d.now, Ref.get(d.activity), (n, t) => n - t)
  const check = Effect.gen(function* () {
    if (!(yield* connected(d)) || (yield* silentFor) < cfg.staleAfterMs) return
    d.stats.probes++
    const r = yield* d.commands.ask("list_subscriptions", {})
    const silent = yield* silentFor
    if (Option.isNone(r) && (yield* connected(d)) && silent >= cfg.staleAfterMs) {
      yield* Effect.logWarning(`kalshi ws: no frame for ${silent} ms and no probe answer; reconnecting`)
      yield* d.kill("stale")
    }
  })
  return check.pipe(
    Effect.repeat(Schedule.spaced(Math.max(50, Math.floor(cfg.staleAfterMs / 4)))),
    Effect.forkScoped,
    Effect.asVoid
  )
}
