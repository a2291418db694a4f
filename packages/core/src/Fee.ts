/**
 * Fee models. All arithmetic is exact; each fill's fee is rounded up to the model's precision.
 */
import * as Schema from "effect/Schema"
import * as D from "./Decimal.js"

export const Liquidity = Schema.Literal("maker", "taker")
export type Liquidity = typeof Liquidity.Type

/** Prediction-market style: fee = rate × multiplier × C × P × (1 − P), rounded up per fill (Kalshi). */
export class QuadraticFee extends Schema.TaggedClass<QuadraticFee>()("QuadraticFee", {
  takerRate: D.NonNegative,
  makerRate: D.NonNegative,
  multiplier: D.NonNegative,
  /** rounding increment of a fill's fee, e.g. 0.0001 */
  precision: D.Positive
}) {}

/** Spot style: fee = rate × price × amount, rounded up per fill. */
export class ProportionalFee extends Schema.TaggedClass<ProportionalFee>()("ProportionalFee", {
  takerRate: D.NonNegative,
  makerRate: D.NonNegative,
  precision: D.Positive
}) {}

/** No trading fee. */
export class NoFee extends Schema.TaggedClass<NoFee>()("NoFee", {}) {}

export const FeeModel = Schema.Union(QuadraticFee, ProportionalFee, NoFee)
export type FeeModel = typeof FeeModel.Type

/** Fee of one fill of `amount` at `price` (for binary markets price is in [0, 1]). Exact. */
export const compute = (model: FeeModel, price: D.Decimal, amount: D.Decimal, role: Liquidity): D.Decimal => {
  switch (model._tag) {
    case "NoFee":
      return D.ZERO
    case "QuadraticFee": {
      const rate = role === "maker" ? model.makerRate : model.takerRate
      if (D.isZero(rate)) return D.ZERO
      const pq = D.mul(price, D.sub(D.ONE, price), "ceil")
      const raw = D.mul(D.mul(D.mul(rate, model.multiplier, "ceil"), amount, "ceil"), pq, "ceil")
      return D.roundToStep(raw, model.precision, "ceil")
    }
    case "ProportionalFee": {
      const rate = role === "maker" ? model.makerRate : model.takerRate
      const raw = D.mul(D.mul(rate, price, "ceil"), amount, "ceil")
      return D.roundToStep(raw, model.precision, "ceil")
    }
  }
}
