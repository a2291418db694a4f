/**
 * Configuration of the Kalshi plugin: a Schema (the runner decodes the plugin's config section with it before
 * anything connects) and a `Config` reading the same settings from the environment (`KALSHI_*`).
 *
 * The private key is always `Redacted`: it is never logged and never appears in an error message.
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

/** Official hosts (REFERENCE §1, recommended hosts). */
export const hosts = {
  prod: {
    rest: "https://external-api.kalshi.com/trade-api/v2",
    ws: "wss://external-api-ws.kalshi.com/trade-api/ws/v2"
  },
  demo: {
    rest: "https://external-api.demo.kalshi.co/trade-api/v2",
    ws: "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2"
  }
} as const

export const KalshiEnv = Schema.Literal("demo", "prod")
export type KalshiEnv = typeof KalshiEnv.Type

/** Which markets `loadMarkets` fetches (all open markets by default; narrow it in production). */
export const MarketFilter = Schema.Struct({
  status: Schema.optional(Schema.Literal("unopened", "open", "paused", "closed", "settled")),
  seriesTickers: Schema.optional(Schema.Array(Schema.String)),
  eventTickers: Schema.optional(Schema.Array(Schema.String)),
  tickers: Schema.optional(Schema.Array(Schema.String))
})
export type MarketFilter = typeof MarketFilter.Type

/** Venue-side safety nets, on by default. */
export const SafetyConfig = Schema.Struct({
  /** put maker (post-only GTC) orders in an order group with this rolling-15 s contracts limit; 0 disables */
  orderGroupContractsLimit: Schema.optionalWith(Schema.Number, { default: () => 1000 }),
  /**
   * after Kalshi refuses a create because the order group tripped, creates pause this long (its rolling
   * window), then the group is reset
   */
  orderGroupPauseMs: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 3_600_000)), { default: () => 15_000 }),
  /** ask Kalshi to cancel resting orders when a trading or exchange pause starts */
  cancelOrderOnPause: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /** GTC orders without an expiry get one this many seconds ahead (dead-man fallback); 0 disables */
  deadManSeconds: Schema.optionalWith(Schema.Number, { default: () => 600 }),
  /** after an emergency cancel-all, stay halted at least this long (Kalshi may cancel orders placed in the next minute) */
  haltAfterCancelAllMs: Schema.optionalWith(Schema.Number, { default: () => 60_000 })
})
export type SafetyConfig = typeof SafetyConfig.Type

/** Dual-source order verification (WS primary, REST auditor). */
export const ReconcileConfig = Schema.Struct({
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /**
   * REST open-order audit period (10 read tokens a poll, 2 % of Basic's read budget). A fault the push stream
   * never shows is found within one period plus, when the order changed just before, the grace and one
   * lookup: 2.5 s + 1.5 s + the 250 ms confirm tick + a round trip stays under 5 s (4 s did not)
   */
  pollMs: Schema.optionalWith(Schema.Number, { default: () => 2_500 }),
  /** faster poll period while the order stream has been silent for `silentAfterMs` */
  fastPollMs: Schema.optionalWith(Schema.Number, { default: () => 1_000 }),
  silentAfterMs: Schema.optionalWith(Schema.Number, { default: () => 15_000 }),
  /**
   * how long REST may lag our view of an order (from its last change): a disagreement still standing at a
   * targeted lookup this long after is a desync (Kalshi's read model was seen ~360 ms behind; 1.5 s ≈ 4×)
   */
  graceMs: Schema.optionalWith(Schema.Number, { default: () => 1_500 })
})
export type ReconcileConfig = typeof ReconcileConfig.Type

export const FeedConfig = Schema.Struct({
  /** no frame for this long while connected ⇒ probe, then reconnect */
  staleAfterMs: Schema.optionalWith(Schema.Number, { default: () => 20_000 }),
  /** how long a probe or a snapshot request may take before the feed escalates */
  probeTimeoutMs: Schema.optionalWith(Schema.Number, { default: () => 5_000 }),
  /** reconnect backoff: first delay and cap */
  reconnectBaseMs: Schema.optionalWith(Schema.Number, { default: () => 250 }),
  reconnectMaxMs: Schema.optionalWith(Schema.Number, { default: () => 10_000 })
})
export type FeedConfig = typeof FeedConfig.Type

export const IncentivesConfig = Schema.Struct({
  /**
   * read `GET /incentive_programs` (active and upcoming) this often, from start; 0 = only on demand.
   * Programs are listed about nine hours before they start, so minutes are plenty.
   */
  refreshMs: Schema.optionalWith(Schema.Number, { default: () => 300_000 }),
  /**
   * read the `closed` and `paid_out` lists this often (from start) for the programs we score, so the report
   * knows which were paid out; 0 = never. Nothing is read while no program is followed.
   */
  endedRefreshMs: Schema.optionalWith(Schema.Number, { default: () => 3_600_000 }),
  /** take each market's fee model from its series' `fee_type` / `fee_multiplier` (and event overrides) */
  feesBySeries: Schema.optionalWith(Schema.Boolean, { default: () => true })
})
export type IncentivesConfig = typeof IncentivesConfig.Type

export const LimiterConfig = Schema.Struct({
  /** fraction of the venue's refill rate we allow ourselves (absorbs network jitter) */
  headroom: Schema.optionalWith(Schema.Number, { default: () => 0.99 }),
  /** refresh limits and endpoint costs this often */
  refreshMs: Schema.optionalWith(Schema.Number, { default: () => 60_000 }),
  /**
   * fraction of a bucket assumed available at start. 1 (default) is right for a process that owns its key:
   * the venue's bucket refills while we are down. Lower it when another process shares the key.
   */
  initialFill: Schema.optionalWith(Schema.Number, { default: () => 1 }),
  /**
   * how many times a call is re-admitted after a 429 before it fails with `RateLimited` (a 429 proves the
   * venue did nothing, so the caller gets a certain "not sent", never an unknown outcome)
   */
  retriesAfter429: Schema.optionalWith(Schema.Int, { default: () => 6 })
})
export type LimiterConfig = typeof LimiterConfig.Type

/** The plugin's config section (what the runner decodes from its config file). */
export const KalshiConfig = Schema.Struct({
  env: Schema.optionalWith(KalshiEnv, { default: () => "demo" as const }),
  /** explicit REST base (…/trade-api/v2); overrides `env` */
  restUrl: Schema.optional(
    Schema.String.pipe(
      Schema.pattern(/^https?:\/\/[^/\s]+/, {
        message: (issue) =>
          `restUrl must be an http(s):// URL, e.g. https://api.elections.kalshi.com/trade-api/v2 (got ${JSON.stringify(issue.actual)})`
      })
    )
  ),
  /** explicit WebSocket URL (…/trade-api/ws/v2); overrides `env` */
  wsUrl: Schema.optional(
    Schema.String.pipe(
      Schema.pattern(/^wss?:\/\/[^/\s]+/, {
        message: (issue) =>
          `wsUrl must be a ws(s):// URL, e.g. wss://api.elections.kalshi.com/trade-api/ws/v2 (got ${JSON.stringify(issue.actual)})`
      })
    )
  ),
  apiKeyId: Schema.String.pipe(Schema.minLength(1)),
  /** PEM text (PKCS#1 or PKCS#8, RSA or Ed25519); `\n` escapes are tolerated */
  privateKey: Schema.optional(Schema.Redacted(Schema.String)),
  /** path of a PEM file; used when `privateKey` is absent */
  privateKeyPath: Schema.optional(Schema.String),
  subaccount: Schema.optional(Schema.Int),
  /** prefix of generated client order ids (identifies our orders after a restart) */
  clientIdPrefix: Schema.optionalWith(Schema.String, { default: () => "ah" }),
  markets: Schema.optionalWith(MarketFilter, { default: () => ({ status: "open" as const }) }),
  /** timeout of one REST request; a write that times out is an unknown outcome */
  requestTimeoutMs: Schema.optionalWith(Schema.Number, { default: () => 5_000 }),
  /**
   * the longest a create, cancel or amend caller waits for its answer (queueing, limiter, 429 re-admissions and
   * the request itself); past it the write is an `UnknownOutcome`, resolved by lookup like any other. Keep it
   * above `requestTimeoutMs` plus the 429 backoff (≈ 13 s for 6 re-admissions).
   */
  writeDeadlineMs: Schema.optionalWith(Schema.Number, { default: () => 30_000 }),
  safety: Schema.optionalWith(SafetyConfig, { default: () => SafetyConfig.make({}) }),
  reconcile: Schema.optionalWith(ReconcileConfig, { default: () => ReconcileConfig.make({}) }),
  feed: Schema.optionalWith(FeedConfig, { default: () => FeedConfig.make({}) }),
  limiter: Schema.optionalWith(LimiterConfig, { default: () => LimiterConfig.make({}) }),
  incentives: Schema.optionalWith(IncentivesConfig, { default: () => IncentivesConfig.make({}) })
})
export type KalshiConfig = typeof KalshiConfig.Type
export type KalshiConfigInput = typeof KalshiConfig.Encoded

/** Decodes a config section (defaults filled in). */
export const decode = Schema.decodeUnknown(KalshiConfig)

/** REST and WS URLs in force: explicit URLs win over `env`. */
export const urls = (c: KalshiConfig): { readonly rest: string; readonly ws: string } => ({
  rest: (c.restUrl ?? hosts[c.env].rest).replace(/\/+$/, ""),
  ws: c.wsUrl ?? hosts[c.env].ws
})

/**
 * The same settings from the environment:
 * `KALSHI_ENV` (demo|prod), `KALSHI_REST_URL`, `KALSHI_WS_URL`, `KALSHI_API_KEY_ID`,
 * `KALSHI_PRIVATE_KEY_PATH` or `KALSHI_PRIVATE_KEY`, `KALSHI_SUBACCOUNT`.
 */
export const fromEnv: Config.Config<KalshiConfig> = Config.all({
  env: Config.literal("demo", "prod")("ENV").pipe(Config.withDefault("demo" as const)),
  restUrl: Config.option(Config.string("REST_URL")),
  wsUrl: Config.option(Config.string("WS_URL")),
  apiKeyId: Config.string("API_KEY_ID"),
  privateKey: Config.option(Config.redacted("PRIVATE_KEY")),
  privateKeyPath: Config.option(Config.string("PRIVATE_KEY_PATH")),
  subaccount: Config.option(Config.integer("SUBACCOUNT"))
}).pipe(
  Config.nested("KALSHI"),
  Config.mapOrFail((raw) => {
    const input: Record<string, unknown> = { env: raw.env, apiKeyId: raw.apiKeyId }
    if (Option.isSome(raw.restUrl)) input.restUrl = raw.restUrl.value
    if (Option.isSome(raw.wsUrl)) input.wsUrl = raw.wsUrl.value
    if (Option.isSome(raw.privateKey)) input.privateKey = Redacted.value(raw.privateKey.value)
    if (Option.isSome(raw.privateKeyPath)) input.privateKeyPath = raw.privateKeyPath.value
    if (Option.isSome(raw.subaccount)) input.subaccount = raw.subaccount.value
    return Either.mapLeft(Schema.decodeUnknownEither(KalshiConfig)(input), (e) =>
      ConfigError.InvalidData(["KALSHI"], `KALSHI config: ${e.message}`)
    )
  })
)
