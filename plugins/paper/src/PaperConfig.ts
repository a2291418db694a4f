/**
 * Configuration of the paper venue: its markets (listed in full, and/or generated), starting balances,
 * the fee model of generated markets, the seed of the synthetic flow and the flow itself (off by default).
 */
import { Decimal as D, Fee, Ids, Market, TickGrid } from "@alpha-hunter/core"
import * as Schema from "effect/Schema"

/** A simple generator: `count` binary markets on a linear grid tick … 1 − tick (1¢ by default). */
export class GeneratedMarkets extends Schema.Class<GeneratedMarkets>("GeneratedMarkets")({
  count: Schema.Int.pipe(Schema.between(0, 10_000)),
  prefix: Schema.optionalWith(Schema.String.pipe(Schema.minLength(1)), { default: () => "PAPER" }),
  /** grid step, e.g. "0.01" (cents) or "0.001" (deci-cents) */
  tick: Schema.optionalWith(D.Positive, { default: () => D.d("0.01") }),
  amountStep: Schema.optionalWith(D.Positive, { default: () => D.ONE }),
  minAmount: Schema.optionalWith(D.Positive, { default: () => D.ONE }),
  currency: Schema.optionalWith(Schema.String, { default: () => "USD" }),
  /** markets per event (events are named PREFIX-E1, PREFIX-E2, …) */
  marketsPerEvent: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 1 })
}) {}

/** The seeded synthetic order flow (other participants posting, canceling and taking). */
export class FlowConfig extends Schema.Class<FlowConfig>("FlowConfig")({
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** one flow action per interval (Clock-driven) */
  intervalMillis: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 1000 }),
  /** resting orders the flow keeps at most per market side */
  maxOrdersPerSide: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 5 }),
  /** largest order, in lots */
  maxLots: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 10 }),
  /** share of actions that take liquidity, in percent */
  takePercent: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 100)), { default: () => 20 })
}) {}

export class PaperConfig extends Schema.Class<PaperConfig>("PaperConfig")({
  /** venue id reported by the exchange and written on every market */
  venue: Schema.optionalWith(Ids.VenueId, { default: () => Ids.VenueId.make("paper") }),
  markets: Schema.optionalWith(Schema.Array(Market.Market), { default: () => [] }),
  generate: Schema.optional(GeneratedMarkets),
  /** starting totals per currency */
  balances: Schema.optionalWith(Schema.Record({ key: Schema.String, value: D.NonNegative }), {
    default: () => ({ USD: D.int(10_000) })
  }),
  /** fee model of generated markets */
  fees: Schema.optionalWith(Fee.FeeModel, { default: () => Fee.NoFee.make({}) }),
  /** seed of the synthetic flow's PRNG */
  seed: Schema.optionalWith(Schema.Int, { default: () => 1 }),
  flow: Schema.optionalWith(FlowConfig, { default: () => FlowConfig.make({}) })
}) {}

export const decode = Schema.decodeUnknown(PaperConfig)

/** The binary markets described by a generator. */
export const generateMarkets = (
  venue: Ids.VenueId,
  g: GeneratedMarkets,
  fees: Fee.FeeModel
): ReadonlyArray<Market.Market> =>
  Array.from({ length: g.count }, (_, i) => {
    const n = i + 1
    const event = Math.floor(i / g.marketsPerEvent) + 1
    return Market.Market.make({
      venue,
      symbol: Ids.Symbol.make(`${g.prefix}-${n}`),
      eventId: Ids.EventId.make(`${g.prefix}-E${event}`),
      title: `${g.prefix} market ${n}`,
      kind: { _tag: "binary", settlementValue: D.ONE, outcomes: Market.yesNo() },
      currency: g.currency,
      status: "open",
      tickGrid: {
        ranges: [TickGrid.PriceRange.make({ start: g.tick, end: D.sub(D.ONE, g.tick), step: g.tick })]
      },
      amountStep: g.amountStep,
      minAmount: g.minAmount,
      fees
    })
  })

/** Every market of a config: the listed ones, then the generated ones. */
export const allMarkets = (config: PaperConfig): ReadonlyArray<Market.Market> => [
  ...config.markets,
  ...(config.generate === undefined ? [] : generateMarkets(config.venue, config.generate, config.fees))
]
