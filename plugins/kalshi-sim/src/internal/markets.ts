/** Default market universe: series → events → markets with varied tick structures and fee types. */
import { parsePrice } from "../FixedPoint.js"
import * as B from "./book.js"
import type { FeeType } from "./fees.js"
import { makePrng, type Prng } from "./prng.js"
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

/** The fixed head of the universe: 26 series (KXSIMA…KXSIMZ) × 2 events × 3 markets — tests name these. */
const HEAD = 156

/** Bijective base-26 letters: 0 → A, 25 → Z, 26 → AA, 27 → AB, … */
const letters = (k: number): string => {
  let s = ""
  for (let n = k + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s
  return s
}

/** Event date codes after 26DEC31 (weekly, like a recurring series): 26DEC31, 27JAN07, … */
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] as const
const dateCode = (k: number): string => {
  const d = new Date(Date.UTC(2026, 11, 31 + 7 * k))
  return `${String(d.getUTCFullYear() % 100).padStart(2, "0")}${MONTHS[d.getUTCMonth()]}${String(d.getUTCDate()).padStart(2, "0")}`
}

/**
 * `n` markets, every ticker distinct. The first 156 are the fixed head (26 series × 2 events × 3 markets,
 * tick structure by market, fee type by event); past it, series KXSIMAA, KXSIMAB, … each with 1–4 weekly
 * events of 2–8 markets (sizes drawn from `prng`, so deterministic by seed; a fixed stream without one).
 */
export const defaultSpecs = (n: number, prng?: Prng): ReadonlyArray<MarketSpec> => {
  const out: Array<MarketSpec> = []
  for (let i = 0; i < Math.min(n, HEAD); i++) {
    const series = `KXSIM${letters(Math.floor(i / 6))}`
    const event = `${series}-26DEC31-E${Math.floor(i / 3) % 2}`
    out.push({
      ticker: `${event}-M${i % 3}`,
      eventTicker: event,
      seriesTicker: series,
      priceLevelStructure: STRUCTS[i % 3]!,
      feeType: FEES[Math.floor(i / 3) % 2]!
    })
  }
  const draw = prng ?? makePrng(0x9e3779b9)
  for (let s = 26; out.length < n; s++) {
    const series = `KXSIM${letters(s)}`
    // a series has one fee type (the series' own); its events differ in size
    const feeType = FEES[s % 2]!
    const events = draw.int(1, 4)
    for (let e = 0; e < events && out.length < n; e++) {
      const event = `${series}-${dateCode(e)}`
      const size = draw.int(2, 8)
      for (let m = 0; m < size && out.length < n; m++) {
        out.push({
          ticker: `${event}-M${m}`,
          eventTicker: event,
          seriesTicker: series,
          priceLevelStructure: STRUCTS[out.length % 3]!,
          feeType
        })
      }
    }
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
