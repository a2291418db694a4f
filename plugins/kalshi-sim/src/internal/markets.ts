/** Default market universe: series → events → markets with varied tick structures and fee types. */
import { parsePrice } from "../FixedPoint.js"
import * as B from "./book.js"
import type { FeeType } from "./fees.js"
import type { Prng } from "./prng.js"
import { snap, structures } from "./ticks.js"
import type { Market, MarketStatus } from "./types.js"

export interface MarketSpec {
  readonly ticker: string
  readonly eventTicker?: string
  readonly seriesTicker?: string
  readonly title?: string
  readonly priceLevelStructure?: string
  readonly feeType?: FeeType
  /** Series fee_multiplier (decimal, default 1) */
  readonly feeMultiplier?: number
  readonly status?: MarketStatus
  /** ms since epoch; defaults relative to the simulator start */
  readonly openTimeMs?: number
  readonly closeTimeMs?: number
  /** where the synthetic flow centres its quotes, dollars string (default random) */
  readonly fairValue?: string
}

const STRUCTS = ["linear_cent", "deci_cent", "tapered_deci_cent"] as const
const FEES: ReadonlyArray<FeeType> = ["quadratic", "quadratic_with_maker_fees"]

export const defaultSpecs = (n: number): ReadonlyArray<MarketSpec> => {
  const out: Array<MarketSpec> = []
  for (let i = 0; i < n; i++) {
    const series = `KXSIM${String.fromCharCode(65 + (Math.floor(i / 6) % 26))}`
    const event = `${series}-26DEC31-E${Math.floor(i / 3) % 2}`
    out.push({
      ticker: `${event}-M${i % 3}`,
      eventTicker: event,
      seriesTicker: series,
      priceLevelStructure: STRUCTS[i % 3]!,
      feeType: FEES[Math.floor(i / 3) % 2]!
    })
  }
  return out
}

export const buildMarket = (spec: MarketSpec, nowMs: number, prng: Prng): Market => {
  const structure = spec.priceLevelStructure ?? "linear_cent"
  const ranges = structures[structure]
  if (ranges === undefined) throw new Error(`unknown price_level_structure ${structure}`)
  const parts = spec.ticker.split("-")
  const eventTicker = spec.eventTicker ?? (parts.length > 1 ? parts.slice(0, -1).join("-") : spec.ticker)
  const seriesTicker = spec.seriesTicker ?? eventTicker.split("-")[0]!
  const fairIn = spec.fairValue === undefined ? undefined : parsePrice(spec.fairValue)
  const fair = snap(ranges, fairIn ?? 1500 + Math.floor(prng.next() * 7000))
  const title = spec.title ?? `Simulated market ${spec.ticker}`
  return {
    ticker: spec.ticker,
    marketId: prng.uuid(),
    eventTicker,
    seriesTicker,
    title,
    yesSubTitle: `${spec.ticker} happens`,
    noSubTitle: `${spec.ticker} does not happen`,
    structure,
    ranges,
    feeType: spec.feeType ?? "quadratic",
    feeMultiplierBp: Math.round((spec.feeMultiplier ?? 1) * 10_000),
    status: spec.status ?? "active",
    createdMs: nowMs - 86_400_000,
    updatedMs: nowMs,
    openMs: spec.openTimeMs ?? nowMs - 86_400_000,
    closeMs: spec.closeTimeMs ?? nowMs + 30 * 86_400_000,
    settlementTimerSeconds: 300,
    result: "",
    settlementValue: null,
    settledMs: null,
    book: B.makeBook(),
    lastPrice: 0,
    lastTradeSize: 0,
    volume: 0,
    openInterest: 0,
    trades: [],
    fair,
    tickerSig: ""
  }
}
