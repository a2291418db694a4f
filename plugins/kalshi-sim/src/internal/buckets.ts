/** Token-bucket rate limits (REFERENCE §8): tiers, endpoint costs, whole-batch-must-fit. */

export type Tier = "basic" | "advanced" | "expert" | "premier" | "paragon" | "prime" | "prestige"

export const tiers: Record<Tier, { readonly read: number; readonly write: number }> = {
  basic: { read: 200, write: 100 },
  advanced: { read: 300, write: 300 },
  expert: { read: 600, write: 600 },
  premier: { read: 1000, write: 1000 },
  paragon: { read: 2000, write: 2000 },
  prime: { read: 4000, write: 4000 },
  prestige: { read: 10_000, write: 8000 }
}

export const isTier = (s: string): s is Tier => Object.hasOwn(tiers, s)

export interface BucketLimit {
  readonly refill_rate: number
  readonly bucket_capacity: number
}

/** Capacity rule: 2 s of budget for Basic/Advanced read and for write above Basic; 1 s otherwise. */
export const limitsFor = (tier: Tier): { readonly read: BucketLimit; readonly write: BucketLimit } => {
  const t = tiers[tier]
  const readSecs = tier === "basic" || tier === "advanced" ? 2 : 1
  const writeSecs = tier === "basic" ? 1 : 2
  // Observed demo Basic: read 200/200 — the capacity table in the docs and the observation disagree for
  // Basic read; the observation wins.
  const readCap = tier === "basic" ? t.read : t.read * readSecs
  return {
    read: { refill_rate: t.read, bucket_capacity: readCap },
    write: { refill_rate: t.write, bucket_capacity: t.write * writeSecs }
  }
}

export const DEFAULT_COST = 10

/** Non-default costs (path templates relative to the host, as `GET /account/endpoint_costs` lists them). */
export const endpointCosts: ReadonlyArray<{ readonly method: string; readonly path: string; readonly cost: number }> = [
  { method: "DELETE", path: "/trade-api/v2/portfolio/events/orders/{order_id}", cost: 2 },
  { method: "DELETE", path: "/trade-api/v2/portfolio/events/orders/batched", cost: 2 },
  { method: "DELETE", path: "/trade-api/v2/portfolio/events/orders", cost: 2 },
  { method: "GET", path: "/trade-api/v2/portfolio/orders/{order_id}", cost: 2 },
  { method: "POST", path: "/trade-api/v2/account/api_usage_level/upgrade", cost: 30 }
]

export interface Bucket {
  tokens: number
  lastMs: number
  readonly rate: number
  readonly capacity: number
}

export const makeBucket = (limit: BucketLimit, nowMs: number): Bucket => ({
  tokens: limit.bucket_capacity,
  lastMs: nowMs,
  rate: limit.refill_rate,
  capacity: limit.bucket_capacity
})

/** Refill continuously, then take `cost` if the bucket holds at least that many tokens. */
export const tryTake = (b: Bucket, cost: number, nowMs: number): boolean => {
  if (nowMs > b.lastMs) {
    b.tokens = Math.min(b.capacity, b.tokens + ((nowMs - b.lastMs) * b.rate) / 1000)
    b.lastMs = nowMs
  }
  if (b.tokens + 1e-9 >= cost) {
    b.tokens -= cost
    return true
  }
  return false
}
