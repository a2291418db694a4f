/**
 * Kalshi trading fees (REFERENCE §10). Exact integer arithmetic:
 * raw_fee = rate × fee_multiplier × C × P × (1 − P), rounded UP to a centicent ($0.0001) per fill,
 * then per-fill balance rounding with a per-order rounding accumulator and $0.01 rebates.
 */
import { ceilDiv } from "../FixedPoint.js"

export type FeeType = "quadratic" | "quadratic_with_maker_fees" | "quadratic_with_combo_maker_fees" | "flat"

export const feeTypes: ReadonlyArray<FeeType> = [
  "quadratic",
  "quadratic_with_maker_fees",
  "quadratic_with_combo_maker_fees",
  "flat"
]

/**
 * Rate as a fraction num/den of one (taker 0.07 = 7/100; maker 0.0175 = 7/400; combo maker 0.035 = 7/200).
 * `flat` has no published table: the simulator charges it like `quadratic` (documented simplification).
 */
const rateFor = (feeType: FeeType, isTaker: boolean): readonly [bigint, bigint] => {
  if (isTaker) return [7n, 100n]
  switch (feeType) {
    case "quadratic_with_maker_fees":
      return [7n, 400n]
    case "quadratic_with_combo_maker_fees":
      return [7n, 200n]
    default:
      return [0n, 1n]
  }
}

/**
 * Trade fee of one fill in micro-dollars (always a multiple of 100, i.e. whole centicents).
 * @param centi contracts × 100, @param pips fill price × 10 000, @param multiplierBp fee_multiplier × 10 000
 */
export const tradeFeeMicros = (
  feeType: FeeType,
  isTaker: boolean,
  centi: number,
  pips: number,
  multiplierBp = 10_000
): number => {
  const [num, den] = rateFor(feeType, isTaker)
  if (num === 0n || centi === 0) return 0
  // dollars = num/den × mBp/1e4 × c/100 × p/1e4 × (1e4−p)/1e4 ; centicents = dollars × 1e4
  const n = num * BigInt(multiplierBp) * BigInt(centi) * BigInt(pips) * BigInt(10_000 - pips)
  const d = den * 10_000_000_000n
  return Number(ceilDiv(n, d)) * 100
}

export interface RoundingResult {
  /** signed balance change actually booked, micro-dollars (multiple of the precision) */
  readonly balanceChange: number
  readonly tradeFee: number
  readonly roundingFee: number
  readonly rebate: number
  /** accumulator after this fill */
  readonly accumulator: number
}

/**
 * §10.2 per-fill rounding. `revenue` is signed micro-dollars (negative for a buyer), `precision` is the
 * member's balance precision in micro-dollars (100 for direct members, 10 000 for non-direct).
 */
export const applyRounding = (
  revenue: number,
  tradeFee: number,
  accumulator: number,
  precision: number
): RoundingResult => {
  const raw = revenue - tradeFee
  const floored = Math.floor(raw / precision) * precision
  const roundingFee = raw - floored
  let acc = accumulator + roundingFee
  let rebate = 0
  while (acc > 10_000) {
    acc -= 10_000
    rebate += 10_000
  }
  return { balanceChange: floored + rebate, tradeFee, roundingFee, rebate, accumulator: acc }
}
