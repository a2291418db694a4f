/**
 * The authenticated session: key → signer (hot write paths pre-signed), the token-bucket limiter sized from
 * `GET /account/limits` and `GET /account/endpoint_costs` (read at start — a wrong key fails here, clearly —
 * then refreshed every `limiter.refreshMs`), and the signed, rate-limited transport with the typed endpoints.
 *
 * Sustained rate limiting is published on health: at least `rateLimitedAlert.count` 429s within a sliding
 * `rateLimitedAlert.windowMs` publish `RateLimited` (with the count), at most once per window.
 */
import { type ExchangeError as E, VenueHealth } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as MutableRef from "effect/MutableRef"
import type * as ParseResult from "effect/ParseResult"
import * as PubSub from "effect/PubSub"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as KalshiConfig from "../KalshiConfig.js"
import * as KalshiLimiter from "../KalshiLimiter.js"
import { RawHttp } from "./http.js"
import * as rest from "./rest.js"
import * as sign from "./sign.js"

export const rateLimitedAlert = { count: 5, windowMs: 10_000 } as const

export interface RateWindow {
  readonly hits: ReadonlyArray<number>
  readonly lastAlert: number
}
export const emptyRateWindow: RateWindow = { hits: [], lastAlert: Number.NEGATIVE_INFINITY }

/** One 429 at `t`: the count to publish when the rule fires, and the new window (older hits dropped). */
export const onRateLimitHit = (s: RateWindow, t: number): readonly [number | undefined, RateWindow] => {
  const hits = [...s.hits.filter((h) => t - h < rateLimitedAlert.windowMs), t]
  return hits.length >= rateLimitedAlert.count && t - s.lastAlert >= rateLimitedAlert.windowMs
    ? [hits.length, { hits, lastAlert: t }]
    : [undefined, { hits, lastAlert: s.lastAlert }]
}

const HOT_PATHS: ReadonlyArray<readonly [string, string]> = [
  ["POST", "/portfolio/events/orders"],
  ["POST", "/portfolio/events/orders/batched"],
  ["DELETE", "/portfolio/events/orders/batched"],
  ["DELETE", "/portfolio/events/orders"]
]

/** an order's amend and single-cancel paths: pre-signed while the order is being worked */
const LEARNED = /^(POST\/.*\/portfolio\/events\/orders\/[^/]+\/amend|DELETE\/.*\/portfolio\/events\/orders\/[^/]+)$/

export interface Session {
  readonly signer: sign.Signer
  readonly limiter: KalshiLimiter.KalshiLimiter
  readonly transport: rest.Transport
  readonly api: rest.Endpoints
  /** the endpoint costs in force */
  readonly costs: () => KalshiLimiter.Costs
}

export const make = (
  cfg: KalshiConfig.KalshiConfig,
  venue: string,
  health: PubSub.PubSub<VenueHealth.VenueHealth>
): Effect.Effect<
  Session,
  sign.KalshiKeyError | E.AuthenticationError | ParseResult.ParseError,
  RawHttp | Scope.Scope
> =>
  Effect.gen(function* () {
    const urls = KalshiConfig.urls(cfg)
    const key = yield* sign.loadPrivateKey(cfg)
    const signer = yield* sign.make({
      keyId: cfg.apiKeyId,
      key,
      hotPaths: HOT_PATHS.map(([m, p]) => [m, `${new URL(urls.rest).pathname}${p}`] as const),
      learn: { matches: (k) => LEARNED.test(k) }
    })
    const limiter = yield* KalshiLimiter.make({
      ...KalshiLimiter.basicLimits,
      headroom: cfg.limiter.headroom,
      initialFill: cfg.limiter.initialFill
    })
    // read synchronously by every call (and by `features.maxBatch*`); written only by the refresh below
    const costs = MutableRef.make(KalshiLimiter.defaultCosts)
    const rateWindow = yield* Ref.make(emptyRateWindow)
    const clock = yield* Effect.clock
    const on429 = () =>
      Effect.gen(function* () {
        const t = clock.unsafeCurrentTimeMillis()
        const fire = yield* Ref.modify(rateWindow, (w) => onRateLimitHit(w, t))
        if (fire === undefined) return
        yield* Effect.logWarning(`kalshi: sustained rate limiting (${fire} × 429 within 10 s)`)
        yield* PubSub.publish(health, new VenueHealth.RateLimited({ venue, count: fire, at: t }))
      })
    const transport = rest.makeTransport(yield* RawHttp, {
      venue,
      baseUrl: urls.rest,
      signer,
      limiter,
      costs: () => MutableRef.get(costs),
      timeoutMs: cfg.requestTimeoutMs,
      max429: cfg.limiter.retriesAfter429,
      on429
    })
    const api = rest.makeEndpoints(transport, venue)

    const refreshLimits = Effect.gen(function* () {
      const limits = yield* api.getLimits
      yield* limiter.setLimits({
        read: { refillRate: limits.read.refill_rate, capacity: limits.read.bucket_capacity },
        write: { refillRate: limits.write.refill_rate, capacity: limits.write.bucket_capacity }
      })
      const c = yield* api.getEndpointCosts
      yield* Effect.sync(() => MutableRef.set(costs, KalshiLimiter.makeCosts(c.default_cost, c.endpoint_costs)))
      return limits
    })
    const initial = yield* Effect.either(refreshLimits)
    if (Either.isLeft(initial)) {
      const e = initial.left
      if (e._tag === "AuthenticationError") return yield* e
      yield* Effect.logWarning(`kalshi: cannot read limits/costs (${e._tag}: ${e.message}); using Basic defaults`)
    } else {
      yield* Effect.logInfo(
        `kalshi: tier ${initial.right.usage_tier ?? "?"}, write ${initial.right.write.refill_rate}/s`
      )
    }
    yield* refreshLimits.pipe(
      Effect.catchAll((e) => Effect.logWarning(`kalshi: limits refresh failed: ${e.message}`)),
      Effect.delay(cfg.limiter.refreshMs),
      Effect.repeat(Schedule.forever),
      Effect.forkScoped
    )

    return { signer, limiter, transport, api, costs: () => MutableRef.get(costs) }
  })
