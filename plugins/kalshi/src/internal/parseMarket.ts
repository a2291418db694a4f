/**
 * Kalshi's market catalog → core (pure, unit-tested): market status, price structure (tick grid), fee model,
 * incentive programs, markets and events. The order and book vocabulary is `parse.ts`.
 */
import { Market as CoreMarket, Decimal as D, Fee, Ids, Incentive, TickGrid } from "@alpha-hunter/core"
import { COUNT_STEP, timeMs } from "./parse.js"
import type * as wire from "./wire.js"

// ---- markets -----------------------------------------------------------------------------------

export const marketStatus = (s: string): CoreMarket.MarketStatus => {
  switch (s) {
    case "initialized":
    case "unopened":
      return "upcoming"
    case "active":
    case "open":
      return "open"
    case "inactive":
    case "paused":
      return "paused"
    case "finalized":
    case "settled":
      return "settled"
    default:
      return "closed" // closed, determined, disputed, amended
  }
}

const defaultRanges = [
  TickGrid.PriceRange.make({ start: D.d("0"), end: D.d("1"), step: D.d("0.01") })
] as const satisfies ReadonlyArray<TickGrid.PriceRange>

/**
 * The market's tick grid from `price_ranges`: the union of the bands, trading strictly inside (0, 1).
 * A market without ranges gets the classic 1¢ grid.
 */
export const tickGridSpec = (ranges: ReadonlyArray<typeof wire.PriceRange.Type> | null | undefined) => {
  const rs =
    ranges !== null && ranges !== undefined && ranges.length > 0
      ? [...ranges]
          .sort((a, b) => D.cmp(a.start, b.start))
          .map((r) => TickGrid.PriceRange.make({ start: r.start, end: r.end, step: r.step }))
      : [...defaultRanges]
  const first = rs[0]!
  const last = rs[rs.length - 1]!
  const min = D.isZero(first.start) ? first.step : first.start
  const max = D.gte(last.end, D.ONE) ? D.sub(D.ONE, last.step) : last.end
  return { ranges: rs as [TickGrid.PriceRange, ...Array<TickGrid.PriceRange>], min, max }
}

/** Kalshi's quadratic fee: taker 0.07·C·P·(1−P); makers free unless the series says otherwise. */
export const defaultFees = Fee.QuadraticFee.make({
  takerRate: D.d("0.07"),
  makerRate: D.ZERO,
  multiplier: D.ONE,
  precision: D.d("0.0001")
})

const TAKER_RATE = D.d("0.07")

/**
 * The fee model of a series' `fee_type` and `fee_multiplier` (REFERENCE §10.1): the taker always pays
 * 0.07·m·C·P·(1−P); the maker pays 0.0175·m·… on `quadratic_with_maker_fees`, 0.035·m·… on
 * `quadratic_with_combo_maker_fees`, nothing on `quadratic`. `flat` has no published table: charged like
 * `quadratic` (an assumption). The multiplier applies to both (the working assumption of §10.1).
 * Decimal multipliers are read exactly from their shortest decimal form (JSON numbers such as 1 or 0.5).
 */
export const feeModel = (feeType: string | null | undefined, multiplier: number | null | undefined): Fee.FeeModel => {
  const makerRate =
    feeType === "quadratic_with_maker_fees"
      ? D.d("0.0175")
      : feeType === "quadratic_with_combo_maker_fees"
        ? D.d("0.035")
        : D.ZERO
  const parsed = multiplier === null || multiplier === undefined ? undefined : D.parse(String(multiplier))
  const m = parsed !== undefined && parsed._tag === "Right" && parsed.right >= 0n ? parsed.right : D.ONE
  return Fee.QuadraticFee.make({ takerRate: TAKER_RATE, makerRate, multiplier: m, precision: D.d("0.0001") })
}

/** A core incentive program from the wire (centi-cents → dollars, basis points → a factor). */
export const incentiveProgram = (venue: Ids.VenueId, p: wire.IncentiveProgram): Incentive.IncentiveProgram => {
  const kind = p.incentive_type === "liquidity" ? "liquidity" : p.incentive_type === "volume" ? "volume" : "other"
  return Incentive.IncentiveProgram.make({
    venue,
    id: p.id,
    symbol: Ids.Symbol.make(p.market_ticker),
    kind,
    description: p.incentive_description ?? "",
    start: timeMs(p.start_date) ?? 0,
    end: timeMs(p.end_date) ?? 0,
    periodReward: D.fromUnits(p.period_reward, 4),
    paidOut: p.paid_out ?? false,
    ...(p.target_size_fp !== null && p.target_size_fp !== undefined && p.target_size_fp > 0n
      ? { targetSize: p.target_size_fp }
      : {}),
    ...(p.discount_factor_bps !== null && p.discount_factor_bps !== undefined
      ? { discountFactor: D.fromUnits(p.discount_factor_bps, 4) }
      : {}),
    ...(p.max_reward_per_account !== null && p.max_reward_per_account !== undefined
      ? { maxRewardPerAccount: D.fromUnits(p.max_reward_per_account, 4) }
      : {}),
    raw: p
  })
}

export const market = (venue: Ids.VenueId, m: wire.Market): CoreMarket.Market => {
  const open = timeMs(m.open_time)
  const close = timeMs(m.close_time)
  return CoreMarket.Market.make({
    venue,
    symbol: Ids.Symbol.make(m.ticker),
    eventId: Ids.EventId.make(m.event_ticker),
    title: m.title ?? m.yes_sub_title ?? m.ticker,
    kind: {
      _tag: "binary",
      settlementValue:
        m.notional_value_dollars !== null && m.notional_value_dollars !== undefined && m.notional_value_dollars > 0n
          ? m.notional_value_dollars
          : D.ONE,
      outcomes: [
        CoreMarket.Outcome.make({ id: "yes", name: m.yes_sub_title ?? "Yes" }),
        CoreMarket.Outcome.make({ id: "no", name: m.no_sub_title ?? "No" })
      ]
    },
    currency: "USD",
    status: marketStatus(m.status),
    ...(open !== undefined ? { openTime: open } : {}),
    ...(close !== undefined ? { closeTime: close } : {}),
    tickGrid: tickGridSpec(m.price_ranges),
    amountStep: COUNT_STEP,
    minAmount: COUNT_STEP,
    fees: defaultFees,
    raw: m
  })
}

export const event = (venue: Ids.VenueId, e: wire.Event): CoreMarket.Event =>
  CoreMarket.Event.make({
    venue,
    id: Ids.EventId.make(e.event_ticker),
    title: e.title ?? e.event_ticker,
    ...(e.series_ticker ? { series: e.series_ticker } : {}),
    ...(e.category ? { category: e.category } : {}),
    markets: (e.markets ?? []).map((m) => Ids.Symbol.make(m.ticker)),
    raw: e
  })
