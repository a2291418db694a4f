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
 * The hot path (a grant with tokens available) is synchronous arithmetic; waiting callers are woken by one
 * scheduler fiber. All time comes from `Clock`, so TestClock drives it exactly.
 */
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as Queue from "effect/Queue"
import * as Random from "effect/Random"
import type * as Scope from "effect/Scope"

export type Lane = "emergency" | "cancel" | "amend" | "create" | "read"
export type BucketName = "read" | "write"
export const lanes: ReadonlyArray<Lane> = ["emergency", "cancel", "amend", "create", "read"]
export const bucketOf = (lane: Lane): BucketName => (lane === "read" ? "read" : "write")

export interface BucketLimits {
  /** tokens per second */
  readonly refillRate: number
  readonly capacity: number
}

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

interface Waiter {
  readonly lane: Lane
  readonly cost: number
  readonly done: Deferred.Deferred<void>
}

interface Bucket {
  capacity: number
  rate: number // venue tokens per ms
  tokens: number
  last: number
  factor: number // current fraction of the venue rate we use
  factorFloorAt429: number
  last429: number
}

export interface LaneStats {
  granted: number
  tokens: number
  rateLimited: number
  waiting: number
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

const priority: Record<Lane, number> = { emergency: 0, cancel: 1, amend: 2, create: 3, read: 0 }
const writeLanes: ReadonlyArray<Lane> = ["emergency", "cancel", "amend", "create"]
const readLanes: ReadonlyArray<Lane> = ["read"]

export const make = (options: LimiterOptions): Effect.Effect<KalshiLimiter, never, Scope.Scope> =>
  Effect.gen(function* () {
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()
    const headroom = options.headroom ?? 0.99
    const initialFill = options.initialFill ?? 1
    let reserve = options.reserve ?? 10
    const baseBackoff = options.baseBackoffMs ?? 200
    const maxBackoff = options.maxBackoffMs ?? 10_000
    const recoveryMs = options.recoveryMs ?? 30_000
    const t0 = now()
    const mkBucket = (l: BucketLimits): Bucket => ({
      capacity: l.capacity,
      rate: l.refillRate / 1000,
      tokens: l.capacity * initialFill,
      last: t0,
      factor: headroom,
      factorFloorAt429: headroom,
      last429: Number.NEGATIVE_INFINITY
    })
    const buckets: Record<BucketName, Bucket> = { read: mkBucket(options.read), write: mkBucket(options.write) }
    const queues: Record<Lane, Array<Waiter>> = { emergency: [], cancel: [], amend: [], create: [], read: [] }
    const pausedUntil: Record<Lane, number> = { emergency: 0, cancel: 0, amend: 0, create: 0, read: 0 }
    const consecutive429: Record<Lane, number> = { emergency: 0, cancel: 0, amend: 0, create: 0, read: 0 }
    const laneStats = Object.fromEntries(
      lanes.map((l) => [l, { granted: 0, tokens: 0, rateLimited: 0, waiting: 0 }])
    ) as unknown as Record<Lane, LaneStats>
    let total429 = 0
    const kick = yield* Queue.sliding<void>(1)

    const factorOf = (b: Bucket, t: number): number => {
      if (b.factorFloorAt429 >= headroom) return headroom
      const f = b.factorFloorAt429 + ((t - b.last429) / recoveryMs) * (headroom - b.factorFloorAt429)
      if (f >= headroom) {
        b.factorFloorAt429 = headroom
        return headroom
      }
      return f
    }
    const refill = (b: Bucket, t: number) => {
      if (t > b.last) {
        b.factor = factorOf(b, t)
        b.tokens = Math.min(b.capacity, b.tokens + (t - b.last) * b.rate * b.factor)
        b.last = t
      }
    }
    const reserveOf = (lane: Lane) => (lane === "emergency" || lane === "read" ? 0 : reserve)
    const maxCost = (lane: Lane) => buckets[bucketOf(lane)].capacity - reserveOf(lane)
    const grant = (b: Bucket, lane: Lane, cost: number) => {
      b.tokens -= cost
      const s = laneStats[lane]
      s.granted++
      s.tokens += cost
    }
    /** no waiter of the same or a higher priority in the lane's bucket */
    const clearAhead = (lane: Lane): boolean => {
      const group = lane === "read" ? readLanes : writeLanes
      for (const l of group) {
        if (priority[l] > priority[lane]) break
        if (queues[l].length > 0) return false
      }
      return true
    }
    const tryNow = (lane: Lane, cost: number, t: number): boolean => {
      const b = buckets[bucketOf(lane)]
      refill(b, t)
      if (pausedUntil[lane] > t || !clearAhead(lane)) return false
      if (b.tokens + 1e-9 >= cost + reserveOf(lane)) {
        grant(b, lane, cost)
        return true
      }
      return false
    }

    /** Serves waiters in priority order; returns ms until the next attempt (Infinity: nothing waits). */
    const serve = (t: number): number => {
      let wait = Number.POSITIVE_INFINITY
      for (const group of [writeLanes, readLanes]) {
        const b = buckets[bucketOf(group[0]!)]
        refill(b, t)
        for (const lane of group) {
          const q = queues[lane]
          if (q.length === 0) continue
          if (pausedUntil[lane] > t) {
            // whole milliseconds, at least 1: a sub-ulp remainder would make a zero sleep and spin
            wait = Math.min(wait, Math.max(1, Math.ceil(pausedUntil[lane] - t)))
            continue // a paused lane does not hold back the lanes below it
          }
          let blocked = false
          while (q.length > 0) {
            const w = q[0]!
            const need = w.cost + reserveOf(lane)
            if (b.tokens + 1e-9 >= need) {
              q.shift()
              laneStats[lane].waiting = q.length
              grant(b, lane, w.cost)
              Deferred.unsafeDone(w.done, Effect.void)
            } else {
              wait = Math.min(wait, Math.max(1, Math.ceil((need - b.tokens) / (b.rate * b.factor))))
              blocked = true
              break
            }
          }
          if (blocked) break // strict priority: lower lanes wait behind this one
        }
      }
      return wait
    }

    yield* Effect.gen(function* () {
      while (true) {
        const wait = serve(now())
        if (wait === Number.POSITIVE_INFINITY) yield* Queue.take(kick)
        else yield* Effect.race(Effect.sleep(wait), Queue.take(kick))
      }
    }).pipe(Effect.forkScoped)

    const acquire = (lane: Lane, cost: number): Effect.Effect<void, LimiterCostTooHigh> =>
      Effect.suspend(() => {
        if (cost > maxCost(lane)) return Effect.fail(new LimiterCostTooHigh({ lane, cost, max: maxCost(lane) }))
        if (tryNow(lane, cost, now())) return Effect.void
        const done = Deferred.unsafeMake<void>(FiberId.none)
        const w: Waiter = { lane, cost, done }
        const q = queues[lane]
        q.push(w)
        laneStats[lane].waiting = q.length
        Queue.unsafeOffer(kick, undefined)
        return Deferred.await(done).pipe(
          Effect.onInterrupt(() =>
            Effect.sync(() => {
              const i = q.indexOf(w)
              if (i >= 0) q.splice(i, 1)
              laneStats[lane].waiting = q.length
              Queue.unsafeOffer(kick, undefined)
            })
          )
        )
      })

    const onRateLimited = (lane: Lane) =>
      Effect.gen(function* () {
        const t = now()
        const b = buckets[bucketOf(lane)]
        refill(b, t)
        b.tokens = 0
        b.factorFloorAt429 = Math.max(0.5 * headroom, factorOf(b, t) * 0.8)
        b.factor = b.factorFloorAt429
        b.last429 = t
        const n = ++consecutive429[lane]
        const jitter = 0.5 + (yield* Random.next)
        pausedUntil[lane] = t + Math.ceil(Math.min(maxBackoff, baseBackoff * 2 ** (n - 1)) * jitter)
        laneStats[lane].rateLimited++
        total429++
        Queue.unsafeOffer(kick, undefined)
      })

    const setLimits = (l: { readonly read: BucketLimits; readonly write: BucketLimits }) =>
      Effect.sync(() => {
        const t = now()
        for (const [name, lim] of [
          ["read", l.read],
          ["write", l.write]
        ] as const) {
          const b = buckets[name]
          refill(b, t)
          b.capacity = lim.capacity
          b.rate = lim.refillRate / 1000
          b.tokens = Math.min(b.tokens, b.capacity)
        }
        reserve = Math.min(options.reserve ?? 10, Math.floor(buckets.write.capacity / 4))
        Queue.unsafeOffer(kick, undefined)
      })

    return {
      acquire,
      tryAcquire: (lane, cost) => Effect.sync(() => tryNow(lane, cost, now())),
      maxCost,
      available: (lane) =>
        Effect.sync(() => {
          const b = buckets[bucketOf(lane)]
          refill(b, now())
          return Math.max(0, b.tokens - reserveOf(lane))
        }),
      onRateLimited,
      onSuccess: (lane) => {
        consecutive429[lane] = 0
      },
      setLimits,
      stats: () => {
        const t = now()
        const view = (b: Bucket) => {
          refill(b, t)
          return { tokens: b.tokens, capacity: b.capacity, refillRate: b.rate * 1000, factor: b.factor }
        }
        return {
          buckets: { read: view(buckets.read), write: view(buckets.write) },
          lanes: laneStats,
          rateLimited: total429
        }
      }
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
