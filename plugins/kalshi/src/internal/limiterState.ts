/**
 * The limiter's state and its pure transitions (`(state, input) → [output, state]`, run under `Ref.modify` by
 * `KalshiLimiter`): two token buckets with continuous refill, the priority lanes' waiters, 429 pauses and the
 * reduced rate that recovers after one. No Effect and no clock here: time comes in as `t` (ms).
 */
import type * as Deferred from "effect/Deferred"

export type Lane = "emergency" | "cancel" | "amend" | "create" | "read"
export type BucketName = "read" | "write"
export const lanes: ReadonlyArray<Lane> = ["emergency", "cancel", "amend", "create", "read"]
export const bucketOf = (lane: Lane): BucketName => (lane === "read" ? "read" : "write")

export interface BucketLimits {
  /** tokens per second */
  readonly refillRate: number
  readonly capacity: number
}

/** What does not change while the limiter runs. */
export interface Config {
  readonly headroom: number
  readonly baseBackoffMs: number
  readonly maxBackoffMs: number
  readonly recoveryMs: number
  /** the reserve asked for (capped by `setLimits` at a quarter of the write capacity) */
  readonly reserve: number
}

export interface Bucket {
  readonly capacity: number
  /** venue tokens per ms */
  readonly rate: number
  readonly tokens: number
  readonly last: number
  /** the fraction of the venue rate used now */
  readonly factor: number
  readonly factorFloorAt429: number
  readonly last429: number
}

export interface Waiter {
  readonly lane: Lane
  readonly cost: number
  readonly done: Deferred.Deferred<void>
}

export interface Granted {
  readonly granted: number
  readonly tokens: number
  readonly rateLimited: number
}

type PerLane<A> = Readonly<Record<Lane, A>>

export interface State {
  readonly buckets: Readonly<Record<BucketName, Bucket>>
  readonly queues: PerLane<ReadonlyArray<Waiter>>
  readonly pausedUntil: PerLane<number>
  readonly consecutive429: PerLane<number>
  readonly counts: PerLane<Granted>
  readonly total429: number
  readonly reserve: number
}

const perLane = <A>(f: (l: Lane) => A): PerLane<A> =>
  ({ emergency: f("emergency"), cancel: f("cancel"), amend: f("amend"), create: f("create"), read: f("read") }) as const

const setLane = <A>(r: PerLane<A>, lane: Lane, a: A): PerLane<A> => ({ ...r, [lane]: a })

export const initial = (
  c: Config,
  limits: { readonly read: BucketLimits; readonly write: BucketLimits },
  fill: number,
  t: number
): State => {
  const bucket = (l: BucketLimits): Bucket => ({
    capacity: l.capacity,
    rate: l.refillRate / 1000,
    tokens: l.capacity * fill,
    last: t,
    factor: c.headroom,
    factorFloorAt429: c.headroom,
    last429: Number.NEGATIVE_INFINITY
  })
  return {
    buckets: { read: bucket(limits.read), write: bucket(limits.write) },
    queues: perLane(() => []),
    pausedUntil: perLane(() => 0),
    consecutive429: perLane(() => 0),
    counts: perLane(() => ({ granted: 0, tokens: 0, rateLimited: 0 })),
    total429: 0,
    reserve: c.reserve
  }
}

const priority: PerLane<number> = { emergency: 0, cancel: 1, amend: 2, create: 3, read: 0 }
const groups: ReadonlyArray<ReadonlyArray<Lane>> = [["emergency", "cancel", "amend", "create"], ["read"]]

/** The rate factor at `t`: back to `headroom` linearly over `recoveryMs` after a 429. */
const factorAt = (c: Config, b: Bucket, t: number): number => {
  if (b.factorFloorAt429 >= c.headroom) return c.headroom
  const f = b.factorFloorAt429 + ((t - b.last429) / c.recoveryMs) * (c.headroom - b.factorFloorAt429)
  return Math.min(f, c.headroom)
}

/** The bucket refilled up to `t`. */
export const refill = (c: Config, b: Bucket, t: number): Bucket => {
  if (t <= b.last) return b
  const factor = factorAt(c, b, t)
  return {
    ...b,
    factor,
    factorFloorAt429: factor >= c.headroom ? c.headroom : b.factorFloorAt429,
    tokens: Math.min(b.capacity, b.tokens + (t - b.last) * b.rate * factor),
    last: t
  }
}

export const reserveOf = (s: State, lane: Lane): number => (lane === "emergency" || lane === "read" ? 0 : s.reserve)

/** The largest cost the lane can ever be granted at once. */
export const maxCost = (s: State, lane: Lane): number => s.buckets[bucketOf(lane)].capacity - reserveOf(s, lane)

const withBucket = (s: State, name: BucketName, b: Bucket): State =>
  s.buckets[name] === b ? s : { ...s, buckets: { ...s.buckets, [name]: b } }

const grant = (s: State, lane: Lane, cost: number, b: Bucket): State => {
  const g = s.counts[lane]
  return {
    ...withBucket(s, bucketOf(lane), { ...b, tokens: b.tokens - cost }),
    counts: setLane(s.counts, lane, { ...g, granted: g.granted + 1, tokens: g.tokens + cost })
  }
}

/** No waiter of the same or a higher priority in the lane's bucket. */
const clearAhead = (s: State, lane: Lane): boolean => {
  for (const l of lane === "read" ? groups[1]! : groups[0]!) {
    if (priority[l] > priority[lane]) break
    if (s.queues[l].length > 0) return false
  }
  return true
}

/** Grants `cost` now if the lane may spend it (not paused, nobody ahead, tokens above its reserve). */
export const tryAcquire =
  (c: Config, lane: Lane, cost: number, t: number) =>
  (s: State): readonly [boolean, State] => {
    const name = bucketOf(lane)
    const b = refill(c, s.buckets[name], t)
    if (s.pausedUntil[lane] > t || !clearAhead(s, lane) || b.tokens + 1e-9 < cost + reserveOf(s, lane)) {
      return [false, withBucket(s, name, b)]
    }
    return [true, grant(s, lane, cost, b)]
  }

/** Grants now if possible, else queues the waiter (one step, so nothing can slip in between). */
export const acquireOrWait =
  (c: Config, w: Waiter, t: number) =>
  (s: State): readonly [boolean, State] => {
    const [ok, next] = tryAcquire(c, w.lane, w.cost, t)(s)
    return ok ? [true, next] : [false, { ...next, queues: setLane(next.queues, w.lane, [...next.queues[w.lane], w]) }]
  }

/** The waiter leaves its queue (interrupted). */
export const remove =
  (w: Waiter) =>
  (s: State): State => {
    const q = s.queues[w.lane]
    return q.includes(w)
      ? {
          ...s,
          queues: setLane(
            s.queues,
            w.lane,
            q.filter((x) => x !== w)
          )
        }
      : s
  }

/**
 * Serves the waiters in priority order: the ones granted (to wake) and the ms until the next attempt
 * (Infinity: nobody waits). A paused lane does not hold back the lanes below it; a lane that cannot be served
 * does (strict priority).
 */
export const serve =
  (c: Config, t: number) =>
  (s0: State): readonly [{ readonly woken: ReadonlyArray<Waiter>; readonly wait: number }, State] => {
    let s = s0
    let wait = Number.POSITIVE_INFINITY
    const woken: Array<Waiter> = []
    for (const group of groups) {
      const name = bucketOf(group[0]!)
      s = withBucket(s, name, refill(c, s.buckets[name], t))
      for (const lane of group) {
        let q = s.queues[lane]
        if (q.length === 0) continue
        if (s.pausedUntil[lane] > t) {
          // whole milliseconds, at least 1: a sub-ulp remainder would make a zero sleep and spin
          wait = Math.min(wait, Math.max(1, Math.ceil(s.pausedUntil[lane] - t)))
          continue
        }
        let blocked = false
        let served = 0
        while (served < q.length) {
          const w = q[served]!
          const b = s.buckets[name]
          const need = w.cost + reserveOf(s, lane)
          if (b.tokens + 1e-9 < need) {
            wait = Math.min(wait, Math.max(1, Math.ceil((need - b.tokens) / (b.rate * b.factor))))
            blocked = true
            break
          }
          s = grant(s, lane, w.cost, b)
          woken.push(w)
          served++
        }
        if (served > 0) {
          q = q.slice(served)
          s = { ...s, queues: setLane(s.queues, lane, q) }
        }
        if (blocked) break
      }
    }
    return [{ woken, wait }, s]
  }

/** A 429 on the lane: its bucket drained, the lane paused (jittered exponential backoff), the rate reduced. */
export const rateLimited =
  (c: Config, lane: Lane, t: number, jitter: number) =>
  (s: State): State => {
    const name = bucketOf(lane)
    const b = refill(c, s.buckets[name], t)
    const floor = Math.max(0.5 * c.headroom, factorAt(c, b, t) * 0.8)
    const n = s.consecutive429[lane] + 1
    const g = s.counts[lane]
    return {
      ...withBucket(s, name, { ...b, tokens: 0, factorFloorAt429: floor, factor: floor, last429: t }),
      consecutive429: setLane(s.consecutive429, lane, n),
      pausedUntil: setLane(
        s.pausedUntil,
        lane,
        t + Math.ceil(Math.min(c.maxBackoffMs, c.baseBackoffMs * 2 ** (n - 1)) * jitter)
      ),
      counts: setLane(s.counts, lane, { ...g, rateLimited: g.rateLimited + 1 }),
      total429: s.total429 + 1
    }
  }

export const succeeded =
  (lane: Lane) =>
  (s: State): State =>
    s.consecutive429[lane] === 0 ? s : { ...s, consecutive429: setLane(s.consecutive429, lane, 0) }

/** New limits from the venue. */
export const setLimits =
  (c: Config, l: { readonly read: BucketLimits; readonly write: BucketLimits }, t: number) =>
  (s: State): State => {
    const apply = (b0: Bucket, lim: BucketLimits): Bucket => {
      const b = refill(c, b0, t)
      return { ...b, capacity: lim.capacity, rate: lim.refillRate / 1000, tokens: Math.min(b.tokens, lim.capacity) }
    }
    const write = apply(s.buckets.write, l.write)
    return {
      ...s,
      buckets: { read: apply(s.buckets.read, l.read), write },
      reserve: Math.min(c.reserve, Math.floor(write.capacity / 4))
    }
  }
