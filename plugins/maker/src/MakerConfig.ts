/**
 * The maker's configuration. Decoded before anything connects: unknown keys are refused and every error
 * names the path of the offending key. Sizes and prices are decimal strings (never JSON numbers).
 */
import { Decimal as D } from "@alpha-hunter/core"
import type * as Effect from "effect/Effect"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative())
const PositiveInt = Schema.Int.pipe(Schema.positive())
const Fraction = Schema.Number.pipe(Schema.between(0, 1))

export const SizeStep = Schema.Struct({
  /** applies when the spread (ticks, ex own orders) is at least this */
  minSpreadTicks: PositiveInt,
  /** contracts per quote */
  size: D.Positive
})

/** Quoting parameters; every key optional (defaults in `defaults`), and overridable per market. */
export const QuoteParams = Schema.Struct({
  /** contracts per quote when no `sizeCurve` entry applies */
  orderSize: Schema.optional(D.Positive),
  /** size by spread width: the entry with the largest `minSpreadTicks` ≤ spread wins */
  sizeCurve: Schema.optional(Schema.Array(SizeStep)),
  /** skip the market when best ask − best bid (ex own orders) is under this many ticks */
  minSpreadTicks: Schema.optional(PositiveInt),
  /** depth-aware pricing: contracts that must rest at or above a level before we step one tick in front of it */
  minSizeAhead: Schema.optional(D.NonNegative),
  /** per-market inventory limit in contracts; resting quotes count as exposure */
  maxPosition: Schema.optional(D.NonNegative),
  /** 0..1: size skew against inventory */
  inventorySkew: Schema.optional(Fraction),
  /** keep a resting order up to this many ticks behind the ideal price */
  requoteToleranceTicks: Schema.optional(NonNegativeInt),
  /** keep a resting order whose size is within this fraction below the ideal size */
  requoteSizeTolerance: Schema.optional(Fraction),
  /** refresh orders older than this (ms) */
  maxOrderAgeMs: Schema.optional(PositiveInt),
  /** after a fill, place nothing new on that side for this long (ms) */
  filledOrderDelayMs: Schema.optional(NonNegativeInt),
  /** pull quotes this long before the market's close time (ms) */
  stopBeforeCloseMs: Schema.optional(NonNegativeInt),
  /** never quote below / above these prices (intersected with the market's range) */
  minPrice: Schema.optional(D.NonNegative),
  maxPrice: Schema.optional(D.NonNegative),
  /** when only one level fits inside the spread: `join` (other side joins its best) or `skip` (one side only) */
  tightSpread: Schema.optional(Schema.Literal("join", "skip"))
})
export type QuoteParams = typeof QuoteParams.Type

export interface ResolvedParams {
  readonly orderSize: D.Decimal
  readonly sizeCurve: ReadonlyArray<typeof SizeStep.Type>
  readonly minSpreadTicks: number
  readonly minSizeAhead: D.Decimal
  readonly maxPosition: D.Decimal | undefined
  readonly inventorySkew: number
  readonly requoteToleranceTicks: number
  readonly requoteSizeTolerance: number
  readonly maxOrderAgeMs: number
  readonly filledOrderDelayMs: number
  readonly stopBeforeCloseMs: number
  readonly minPrice: D.Decimal | undefined
  readonly maxPrice: D.Decimal | undefined
  readonly tightSpread: "join" | "skip"
}

export const defaults: ResolvedParams = {
  orderSize: D.d("10"),
  sizeCurve: [],
  minSpreadTicks: 2,
  minSizeAhead: D.ZERO,
  maxPosition: undefined,
  inventorySkew: 0,
  requoteToleranceTicks: 0,
  requoteSizeTolerance: 0,
  maxOrderAgeMs: 1_800_000,
  filledOrderDelayMs: 5_000,
  stopBeforeCloseMs: 300_000,
  minPrice: undefined,
  maxPrice: undefined,
  tightSpread: "join"
}

/** A position target from a signal: hold `position` contracts (signed: > 0 long YES, < 0 short YES). */
export const Target = Schema.Struct({
  symbol: Schema.String.pipe(Schema.minLength(1)),
  position: D.Decimal,
  /** never buy above this price (defaults to `execution.maxPrice`) */
  maxPrice: Schema.optional(D.Positive),
  /** never sell below this price (defaults to `execution.minPrice`) */
  minPrice: Schema.optional(D.Positive),
  /** identifies the target for the rollout split (defaults to the symbol) */
  id: Schema.optional(Schema.String)
}).annotations({ identifier: "Target", parseOptions: { onExcessProperty: "error" } })
export type Target = typeof Target.Type

export const Execution = Schema.Struct({
  /** targets from the config itself */
  targets: Schema.optionalWith(Schema.Array(Target), { default: () => [] }),
  /** a JSON-lines file of targets, watched (polled) for changes; the last line per symbol wins */
  file: Schema.optional(
    Schema.Struct({
      path: Schema.String.pipe(Schema.minLength(1)),
      pollMs: Schema.optionalWith(PositiveInt, { default: () => 1_000 })
    })
  ),
  /** default buy cap when a target has none */
  maxPrice: Schema.optional(D.Positive),
  /** default sell floor when a target has none */
  minPrice: Schema.optional(D.Positive),
  /** largest working order (contracts) */
  maxOrderSize: Schema.optionalWith(D.Positive, { default: () => D.d("100") }),
  /** when the spread is under minSpreadTicks: `skip` (wait) or `take` (IOC within the caps) */
  fallback: Schema.optionalWith(Schema.Literal("skip", "take"), { default: () => "skip" as const }),
  /** refuse a take whose estimated cost per contract (slippage vs mid + taker fee) exceeds this */
  maxTakeCostPerContract: Schema.optionalWith(D.NonNegative, { default: () => D.d("0.02") }),
  /** share of targets worked by the maker path (the rest go straight to the taker path) */
  rolloutFraction: Schema.optionalWith(Fraction, { default: () => 1 }),
  /** seed of the rollout split (same seed + same targets = same split) */
  seed: Schema.optionalWith(Schema.Int, { default: () => 0 }),
  /** wait at least this long between two takes in one market (ms) */
  takeCooldownMs: Schema.optionalWith(NonNegativeInt, { default: () => 2_000 })
})
export type Execution = typeof Execution.Type

/**
 * Program-aware quoting (liquidity mode, markets where the venue lists a liquidity incentive program): where
 * and how much to quote by projected reward per dollar of collateral (see ProgramPlan.ts). On by default.
 */
export const Programs = Schema.Struct({
  /** false = quote program markets like any other (one tick inside, `orderSize`) */
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /** largest program quote per side (contracts); `maxPosition` still applies */
  maxSize: Schema.optionalWith(D.Positive, { default: () => D.d("100") }),
  /** most collateral (dollars) program quotes tie up across markets; the best reward per dollar is funded first */
  maxCollateral: Schema.optionalWith(D.Positive, { default: () => D.d("500") }),
  /** a quote must earn more than this per day per dollar of collateral (the cost of the capital) */
  minDailyReturn: Schema.optionalWith(D.NonNegative, { default: () => D.d("0.001") }),
  /** assumed share of a quote's size filled per day when it is first in its queue (adverse fills) */
  fillRate: Schema.optionalWith(D.NonNegative, { default: () => D.d("0.5") }),
  /** assumed loss per filled contract, in ticks of the market's grid, on top of the maker fee */
  adverseTicks: Schema.optionalWith(NonNegativeInt, { default: () => 1 }),
  /** a resting program quote stays at least this long (ms) unless it became unsound (no quote flicker) */
  minRestMs: Schema.optionalWith(NonNegativeInt, { default: () => 15_000 }),
  /** after `minRestMs`, a resting quote is replaced only by a plan worth this fraction more */
  requoteGain: Schema.optionalWith(D.NonNegative, { default: () => D.d("0.2") }),
  /** the LIP rules assumed (core `Lip.Rules`; defaults as REFERENCE §11.2 advises) */
  reference: Schema.optionalWith(Schema.Literal("target-fifth", "best-price"), {
    default: () => "target-fifth" as const
  }),
  depth: Schema.optionalWith(Schema.Literal("whole-levels", "cut-at-target"), {
    default: () => "whole-levels" as const
  }),
  distance: Schema.optionalWith(Schema.Literal("grid-ticks", "book-levels"), { default: () => "grid-ticks" as const })
})
export type Programs = typeof Programs.Type

export const MakerConfig = Schema.Struct({
  mode: Schema.Literal("liquidity", "execution"),
  /** markets to quote (liquidity mode); in execution mode the targets' markets are worked */
  markets: Schema.optionalWith(Schema.Array(Schema.String.pipe(Schema.minLength(1))), { default: () => [] }),
  params: Schema.optionalWith(QuoteParams, { default: () => ({}) }),
  /** per-market parameter overrides */
  overrides: Schema.optionalWith(Schema.Record({ key: Schema.String, value: QuoteParams }), { default: () => ({}) }),
  execution: Schema.optional(Execution),
  /** program-aware quoting (liquidity mode) */
  programs: Schema.optionalWith(Programs, { default: () => Programs.make({}) })
})
  .pipe(
    Schema.filter((c) => {
      if (c.mode === "liquidity" && c.markets.length === 0) {
        return { path: ["markets"], message: "liquidity mode needs at least one market" }
      }
      if (c.mode === "execution" && c.execution === undefined) {
        return { path: ["execution"], message: "execution mode needs an execution section" }
      }
      return undefined
    })
  )
  .annotations({ identifier: "MakerConfig", parseOptions: { onExcessProperty: "error", errors: "all" } })
export type MakerConfig = typeof MakerConfig.Type
export type MakerConfigInput = typeof MakerConfig.Encoded

export const decode = (input: unknown): Effect.Effect<MakerConfig, ParseResult.ParseError> =>
  Schema.decodeUnknown(MakerConfig, { onExcessProperty: "error", errors: "all" })(input)

/** Parameters for one market: defaults ← params ← overrides[symbol]. */
export const paramsFor = (config: MakerConfig, symbol: string): ResolvedParams => {
  const o = config.overrides[symbol] ?? {}
  const merged: Record<string, unknown> = { ...defaults }
  for (const src of [config.params, o] as ReadonlyArray<Record<string, unknown>>) {
    for (const [k, v] of Object.entries(src)) if (v !== undefined) merged[k] = v
  }
  return merged as unknown as ResolvedParams
}
