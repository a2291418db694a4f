/**
 * Kalshi's token buckets, mirrored locally so normal operation never provokes a 429 (REFERENCE §8).
 *
 * - Two buckets, `read` and `write`, with the venue's refill rate and capacity (from `GET /account/limits`),
 *   scaled by a headroom factor (< 1) so network jitter cannot make us faster than the venue's view.
 * - Every call is admitted with its known cost (from `GET /account/endpoint_costs`); a batch is admitted only
 *   when its whole cost fits at once.
 * - Priority lanes per bucket: `emergency` > `cancel` > `amend` > `create` (write) and `read`. A waiting
 *   higher lane is always served first; lower lanes never overtake it.
 * - A reserve in the write bucket only the `emergency` lane may spend, so an emergency cancel-all always fits.
 * - On a 429: the bucket is drained, the lane pauses with jittered exponential backoff, the effective rate
 *   drops (and recovers over `recoveryMs`), and the event is counted.
 *
 * The state is one immutable value in a `Ref`, changed only by the pure transitions of `internal/limiterState.ts`
 * (a grant with tokens available is one `Ref.modify`). Waiting callers are woken by one scheduler fiber
 * (`Effect.repeat`). All time comes from `Clock`, so TestClock drives it exactly.
 */
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as S from "./internal/limiterState.js"

export type Lane = S.Lane
export type BucketName = S.BucketName
export type BucketLimits = S.BucketLimits
export const lanes = S.lanes
export const bucketOf = S.bucketOf

export interface LimiterOptions {
  readonly read: BucketLimits
  readonly write: BucketLimits
  /**
   * fraction of the venue's rate we allow ourselves (default 0.99). Requests only arrive at the venue later
   * than we admit them, so its bucket has refilled at least as much as ours: jitter cannot overdraw it.
   */
  readonly headroom?: number
  /** fraction of each bucket available at start (default 1; lower it when another process shares the key) */
  readonly initialFill?: number
  /** write tokens only the emergency lane may spend (default 10) */
  readonly reserve?: number
  /** first 429 backoff (default 200 ms), doubled per consecutive 429, capped at `maxBackoffMs` (default 10 s) */
  readonly baseBackoffMs?: number
  readonly maxBackoffMs?: number
  /** after a 429 the rate factor drops ×0.8 (floor 0.5) and recovers linearly over this long (default 30 s) */
  readonly recoveryMs?: number
}

/** A cost that can never fit the bucket (e.g. a batch larger than the bucket's capacity). */
export class LimiterCostTooHigh extends Data.TaggedError("LimiterCostTooHigh")<{
  readonly lane: Lane
  readonly cost: number
  readonly max: number
}> {
  override get message() {
    return `a ${this.lane} call costing ${this.cost} tokens can never fit (at most ${this.max})`
  }
}

export interface LaneStats {
  readonly granted: number
  readonly tokens: number
  readonly rateLimited: number
  readonly waiting: number
}

export interface LimiterStats {
  readonly buckets: Record<BucketName, { tokens: number; capacity: number; refillRate: number; factor: number }>
  readonly lanes: Record<Lane, LaneStats>
  readonly rateLimited: number
}

export interface KalshiLimiter {
  /** Waits until `cost` tokens of the lane's bucket are granted (cost known before sending). */
  readonly acquire: (lane: Lane, cost: number) => Effect.Effect<void, LimiterCostTooHigh>
  /** Grants now if possible, without waiting. */
  readonly tryAcquire: (lane: Lane, cost: number) => Effect.Effect<boolean>
  /** Largest cost the lane can ever be granted at once (capacity minus the reserve). */
  readonly maxCost: (lane: Lane) => number
  /** Tokens the lane could spend right now. */
  readonly available: (lane: Lane) => Effect.Effect<number>
  /** The venue answered 429: drain, pause the lane with jittered backoff, slow down. */
  readonly onRateLimited: (lane: Lane) => Effect.Effect<void>
  /** A call of this lane succeeded (resets its consecutive-429 count). */
  readonly onSuccess: (lane: Lane) => void
  /** New limits from the venue (refresh). */
  readonly setLimits: (limits: { readonly read: BucketLimits; readonly write: BucketLimits }) => Effect.Effect<void>
  readonly stats: () => LimiterStats
}

const statsOf = (c: S.Config, s0: S.State, t: number): LimiterStats => {
  const view = (b0: S.Bucket) => {
    const b = S.refill(c, b0, t)
    return { tokens: b.tokens, capacity: b.capacity, refillRate: b.rate * 1000, factor: b.factor }
  }
  const lane = (l: Lane): LaneStats => ({ ...s0.counts[l], waiting: s0.queues[l].length })
  return {
    buckets: { read: view(s0.buckets.read), write: view(s0.buckets.write) },
    lanes: {
      emergency: lane("emergency"),
      cancel: lane("cancel"),
      amend: lane("amend"),
      create: lane("create"),
      read: lane("read")
    },
    rateLimited: s0.total429
  }
}

export const make = (options: LimiterOptions): Effect.Effect<KalshiLimiter, never, Scope.Scope> =>
  Effect.gen(function* () {
    const clock = yield* Effect.clock
    const now = clock.currentTimeMillis
    const c: S.Config = {
      headroom: options.headroom ?? 0.99,
      baseBackoffMs: options.baseBackoffMs ?? 200,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
      recoveryMs: options.recoveryMs ?? 30_000,
      reserve: options.reserve ?? 10
    }
    const state = yield* Ref.make(S.initial(c, options, options.initialFill ?? 1, yield* now))
    const kick = yield* Queue.sliding<void>(1)
    const at = <A>(f: (t: number) => (s: S.State) => readonly [A, S.State]) =>
      Effect.flatMap(now, (t) => Ref.modify(state, f(t)))

    // the scheduler: serve who can be served, wake them, then sleep until the next one could be (or a kick)
    yield* Effect.gen(function* () {
      const { woken, wait } = yield* at((t) => S.serve(c, t))
      for (const w of woken) yield* Deferred.succeed(w.done, undefined)
      if (wait === Number.POSITIVE_INFINITY) yield* Queue.take(kick)
      else yield* Effect.race(Effect.sleep(wait), Queue.take(kick))
    }).pipe(Effect.repeat(Schedule.forever), Effect.forkScoped)

    const acquire = (lane: Lane, cost: number): Effect.Effect<void, LimiterCostTooHigh> =>
      Effect.flatMap(
        at((t) => (s) => {
          const max = S.maxCost(s, lane)
          if (cost > max) return [max, s] as const
          const [ok, next] = S.tryAcquire(c, lane, cost, t)(s)
          return [ok ? -1 : -2, next] as const
        }),
        (r) =>
          r >= 0
            ? Effect.fail(new LimiterCostTooHigh({ lane, cost, max: r }))
            : r === -1
              ? Effect.void
              : wait(lane, cost)
      )

    const wait = (lane: Lane, cost: number) =>
      Effect.flatMap(Deferred.make<void>(), (done) => {
        const w: S.Waiter = { lane, cost, done }
        return Effect.flatMap(
          at((t) => S.acquireOrWait(c, w, t)),
          (granted) =>
            granted
              ? Effect.void
              : Effect.zipRight(
                  Queue.offer(kick, undefined),
                  Deferred.await(done).pipe(
                    Effect.onInterrupt(() =>
                      Effect.zipRight(Ref.update(state, S.remove(w)), Queue.offer(kick, undefined))
                    )
                  )
                )
        )
      })

    const onRateLimited = (lane: Lane) =>
      Effect.gen(function* () {
        const jitter = 0.5 + (yield* Random.next)
        const t = yield* now
        yield* Ref.update(state, S.rateLimited(c, lane, t, jitter))
        yield* Queue.offer(kick, undefined)
      })

    const setLimits = (l: { readonly read: BucketLimits; readonly write: BucketLimits }) =>
      Effect.zipRight(
        Effect.flatMap(now, (t) => Ref.update(state, S.setLimits(c, l, t))),
        Queue.offer(kick, undefined)
      )

    // ---- callback adapter: the interface's plain-function members ----------------------------------------
    // `maxCost`, `onSuccess` and `stats` are synchronous by contract (callers use them outside Effect). They
    // run the same pure transitions on the same `Ref`, with this limiter's clock, through `Effect.runSync`:
    // the only place this module leaves Effect. (~0.7 µs a call; `maxCost` is read once per batch.)
    const runNow = <A>(eff: Effect.Effect<A>): A => Effect.runSync(eff)

    return {
      acquire,
      tryAcquire: (lane, cost) => at((t) => S.tryAcquire(c, lane, cost, t)),
      maxCost: (lane) => runNow(Effect.map(Ref.get(state), (s) => S.maxCost(s, lane))),
      available: (lane) =>
        at((t) => (s) => {
          const name = S.bucketOf(lane)
          const b = S.refill(c, s.buckets[name], t)
          return [Math.max(0, b.tokens - S.reserveOf(s, lane)), { ...s, buckets: { ...s.buckets, [name]: b } }]
        }),
      onRateLimited,
      onSuccess: (lane) => runNow(Ref.update(state, S.succeeded(lane))),
      setLimits,
      stats: () => runNow(Effect.flatMap(now, (t) => Effect.map(Ref.get(state), (s) => statsOf(c, s, t))))
    } satisfies KalshiLimiter
  })

/** Basic-tier defaults (REFERENCE §8.1: demo Basic read 200/200, write 100/100). */
export const basicLimits = {
  read: { refillRate: 200, capacity: 200 },
  write: { refillRate: 100, capacity: 100 }
} as const

/** Token costs of calls, from `GET /account/endpoint_costs` (templated paths) with the documented defaults. */
export interface Costs {
  readonly of: (method: string, path: string) => number
}

/** Documented non-default costs (REFERENCE §5.1, §8.1), used until the venue's list is read. */
export const documentedCosts: ReadonlyArray<readonly [string, string, number]> = [
  ["DELETE", "/portfolio/events/orders", 2],
  ["DELETE", "/portfolio/events/orders/{order_id}", 2],
  ["DELETE", "/portfolio/events/orders/batched", 2],
  ["GET", "/portfolio/orders/{order_id}", 2]
]

const templateOf = (path: string): string =>
  path
    .replace(/^\/trade-api\/v2/, "")
    .replace(/\?.*$/, "")
    .replace(/\/+$/, "")

export const makeCosts = (
  defaultCost: number,
  list: ReadonlyArray<{ readonly method: string; readonly path: string; readonly cost: number }>
): Costs => {
  const exact = new Map<string, number>()
  const patterns: Array<{ method: string; re: RegExp; cost: number }> = []
  for (const e of list) {
    const t = templateOf(e.path)
    if (t.includes("{") || t.includes(":")) {
      const re = new RegExp(
        `^${t
          .split("/")
          .map((seg) =>
            seg.startsWith("{") || seg.startsWith(":") ? "[^/]+" : seg.replace(/[.*+?^$()|[\]\\]/g, "\\$&")
          )
          .join("/")}$`
      )
      patterns.push({ method: e.method.toUpperCase(), re, cost: e.cost })
    } else exact.set(`${e.method.toUpperCase()} ${t}`, e.cost)
  }
  return {
    of: (method, path) => {
      const m = method.toUpperCase()
      const t = templateOf(path)
      const hit = exact.get(`${m} ${t}`)
      if (hit !== undefined) return hit
      for (const p of patterns) if (p.method === m && p.re.test(t)) return p.cost
      return defaultCost
    }
  }
}

export const defaultCosts: Costs = makeCosts(
  10,
  documentedCosts.map(([method, path, cost]) => ({ method, path, cost }))
)

/** ms now, from the Clock (re-exported for callers that time things the limiter way). */
export const nowMs = Clock.currentTimeMillis
