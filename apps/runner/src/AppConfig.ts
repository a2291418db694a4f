/**
 * The runner's config file: venues, strategies, risk, journal, metrics and run options.
 *
 * Decoding happens in two passes, both before anything connects: the envelope below, then each venue and
 * strategy section with its plugin's own schema (looked up by name in the registry) and the risk section
 * with the risk engine's schema. Unknown keys are errors everywhere, and every error names its path.
 */
import * as Schema from "effect/Schema"
import { HealingConfig } from "./Healing.js"
import { RecordSection } from "./RecordConfig.js"

const Name = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_.-]+$/, { message: () => "expected a name of letters, digits, _ . -" })
)

/** A venue section: `type` picks the plugin; every other key belongs to the plugin's config. */
export const VenueSection = Schema.Struct(
  { type: Schema.String.annotations({ description: "the venue plugin: kalshi, kalshi-sim or paper" }) },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)

/** Which markets a strategy trades: a list of symbols, or a selector evaluated against the venue's markets. */
export const MarketSelector = Schema.Union(
  Schema.Array(Schema.String).annotations({ description: "explicit market symbols" }),
  Schema.Struct({
    status: Schema.optionalWith(Schema.Literal("open", "any"), { default: () => "open" as const }),
    /** symbols starting with one of these (Kalshi: series or event tickers) */
    prefixes: Schema.optional(Schema.Array(Schema.String)),
    /** event ids */
    events: Schema.optional(Schema.Array(Schema.String)),
    /** at most this many markets, in the venue's order */
    limit: Schema.optional(Schema.Int.pipe(Schema.positive()))
  }).annotations({ description: "a market selector" })
)
export type MarketSelector = typeof MarketSelector.Type

/**
 * A strategy section: `plugin`, `venue`, `markets` and `clientIdPrefix` are the runner's; every other key
 * belongs to the plugin's config, which receives the selected market symbols as `markets`.
 */
export const StrategySection = Schema.Struct(
  {
    plugin: Schema.String.annotations({ description: "the strategy plugin, e.g. maker" }),
    venue: Name.annotations({ description: "the name of a venue in `venues`" }),
    markets: Schema.optionalWith(MarketSelector, { default: () => ({ status: "open" as const }) }),
    /** client order id prefix (default: ah-<strategy name>-); unique per strategy */
    clientIdPrefix: Schema.optional(
      Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_-]{1,16}$/, { message: () => "expected 1–16 of A-Z a-z 0-9 _ -" }))
    )
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)
export type StrategySection = typeof StrategySection.Type

export const JournalSection = Schema.Struct({
  path: Schema.optionalWith(Schema.String, { default: () => "alpha-hunter.sqlite" }),
  durability: Schema.optionalWith(Schema.Literal("normal", "full"), { default: () => "normal" as const })
})

export const MetricsSection = Schema.Struct({
  port: Schema.Int.pipe(Schema.between(0, 65535)),
  host: Schema.optionalWith(Schema.String, { default: () => "127.0.0.1" })
})

/**
 * The running bot's control API. On 127.0.0.1 by default (an ephemeral port, published next to the journal
 * for the CLI); any other address needs a bearer token (`token`, or ALPHA_HUNTER_CONTROL_TOKEN).
 */
export const ControlSection = Schema.Struct({
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  host: Schema.optionalWith(Schema.String, { default: () => "127.0.0.1" }),
  port: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 65535)), { default: () => 0 }),
  token: Schema.optional(Schema.String.pipe(Schema.minLength(16)))
})

const UtcTime = Schema.String.pipe(
  Schema.pattern(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, { message: () => "expected HH:MM (UTC) or off" })
)

/**
 * Alerts to a webhook (issue 12 item 6): halts, desyncs, resumes, sustained 429s, a stream down longer than
 * `disconnectAfterMs`, a failed stop, and a daily summary. Off without a URL (`webhook`, or
 * ALPHA_HUNTER_ALERT_WEBHOOK — the place for a secret URL). Never on the trading path.
 */
export const AlertsSection = Schema.Struct({
  /** the URL to POST to (default: ALPHA_HUNTER_ALERT_WEBHOOK; neither = alerts off) */
  webhook: Schema.optional(
    Schema.String.pipe(Schema.pattern(/^https?:\/\//, { message: () => "expected an http(s) URL" }))
  ),
  /** the body's shape: generic JSON, a Slack incoming webhook, or an ntfy topic */
  preset: Schema.optionalWith(Schema.Literal("json", "slack", "ntfy"), { default: () => "json" as const }),
  /** at most one alert of a kind per this interval; the ones held back are counted in the next */
  minIntervalMs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 60_000 }),
  /** a venue's stream down longer than this is an alert (a shorter drop is not) */
  disconnectAfterMs: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 30_000 }),
  /** the daily summary's time, HH:MM UTC, or off */
  dailySummaryAt: Schema.optionalWith(Schema.Union(Schema.Literal("off"), UtcTime), { default: () => "off" as const }),
  /** one delivery's timeout */
  timeoutMs: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 5000 }),
  /** alerts waiting for delivery at most; a full queue drops the oldest (counted) */
  queueSize: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 100 })
})
export type AlertsSection = typeof AlertsSection.Type

/** Which reading of the disputed LIP rules the sampler scores with (core `Lip.Rules`; defaults as REFERENCE advises). */
export const LipRulesSection = Schema.Struct({
  reference: Schema.optionalWith(Schema.Literal("target-fifth", "best-price"), {
    default: () => "target-fifth" as const
  }),
  depth: Schema.optionalWith(Schema.Literal("whole-levels", "cut-at-target"), {
    default: () => "whole-levels" as const
  }),
  distance: Schema.optionalWith(Schema.Literal("grid-ticks", "book-levels"), { default: () => "grid-ticks" as const })
})

/**
 * The drift tripwire: every `checkMs` the quoted markets' fee models and price grids and their programs'
 * parameters are compared with what the run started with; a change is journaled, alerted and re-planned.
 * A maker fee appearing on a market quoted as fee-free halts that market unless `allowMakerFees` is true or
 * lists the market (or a prefix of it, e.g. its series).
 */
export const DriftSection = Schema.Struct({
  checkMs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 300_000 }),
  allowMakerFees: Schema.optionalWith(Schema.Union(Schema.Boolean, Schema.Array(Schema.String)), {
    default: () => false
  })
})
export type DriftSection = typeof DriftSection.Type

export const RunSection = Schema.Struct({
  /** how often the status line is refreshed */
  statusIntervalMs: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 1000 }),
  /** cancel our resting orders and verify none rests on stop */
  cancelOnStop: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /** on start, cancel open orders on the venue that are not ours (not our client-order-id prefix) */
  cancelUnknownOnStart: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** LIP sampling: a snapshot of each quoted market per interval, at a random offset inside it (0 = off) */
  sampleIntervalMs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 1000 }),
  /** the sampler journals each market's aggregate this often (one row per market) */
  sampleFlushMs: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 60_000 }),
  /** the disputed LIP rules (REFERENCE §11.2), for the sampler's scoring */
  lip: Schema.optionalWith(LipRulesSection, { default: () => Schema.decodeSync(LipRulesSection)({}) }),
  /** the drift tripwire: fee type, program and price grid changes on the quoted markets */
  drift: Schema.optionalWith(DriftSection, { default: () => Schema.decodeSync(DriftSection)({}) }),
  /** stop by itself after this long (0 = run until interrupted) */
  durationMs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 0 }),
  /** resuming a venue after a desync: cool-down, clean audits, hourly cap */
  healing: Schema.optionalWith(HealingConfig, { default: () => Schema.decodeSync(HealingConfig)({}) })
})

export const AppConfig = Schema.Struct({
  venues: Schema.Record({ key: Name, value: VenueSection }),
  strategies: Schema.optionalWith(Schema.Record({ key: Name, value: StrategySection }), { default: () => ({}) }),
  risk: Schema.optionalWith(Schema.Unknown, { default: () => ({}) }),
  journal: Schema.optionalWith(JournalSection, {
    default: () => ({ path: "alpha-hunter.sqlite", durability: "normal" as const })
  }),
  metrics: Schema.optional(MetricsSection),
  control: Schema.optionalWith(ControlSection, { default: () => Schema.decodeSync(ControlSection)({}) }),
  alerts: Schema.optionalWith(AlertsSection, { default: () => Schema.decodeSync(AlertsSection)({}) }),
  run: Schema.optionalWith(RunSection, { default: () => Schema.decodeSync(RunSection)({}) }),
  /** record the public tape of the traded markets while trading (`--record DIR` sets `out`) */
  record: Schema.optional(RecordSection)
})
export type AppConfig = typeof AppConfig.Type
