/** Tick grids (REFERENCE §12.2): `price_level_structure` names and their `price_ranges` in pips. */
import { formatPrice } from "../FixedPoint.js"

export interface PriceRange {
  readonly start: number
  readonly end: number
  readonly step: number
}

const band = (edge: number, center: number, low = 1000, high = 9000): ReadonlyArray<PriceRange> =>
  edge === center
    ? [{ start: 0, end: 10_000, step: center }]
    : [
        { start: 0, end: low, step: edge },
        { start: low, end: high, step: center },
        { start: high, end: 10_000, step: edge }
      ]

export const structures: Record<string, ReadonlyArray<PriceRange>> = {
  linear_cent: band(100, 100),
  deci_cent: band(10, 10),
  tapered_deci_cent: band(10, 100),
  center_whole_edge_half_cent: band(50, 100),
  center_whole_edge_quint_cent: band(20, 100),
  center_half_edge_half_cent: band(50, 50),
  center_half_edge_quint_cent: band(20, 50),
  center_half_edge_deci_cent: band(10, 50),
  center_quint_edge_quint_cent: band(20, 20),
  center_quint_edge_deci_cent: band(10, 20),
  center_centi_edge_centi_cent: band(1, 1),
  center_deci_edge_centi_cent: band(1, 10, 100, 9900)
}

export const isStructure = (s: string): boolean => Object.hasOwn(structures, s)

/** A price is valid when strictly inside (0, 1) and on the step grid of a band containing it. */
export const onGrid = (ranges: ReadonlyArray<PriceRange>, p: number): boolean => {
  if (!Number.isInteger(p) || p <= 0 || p >= 10_000) return false
  for (const r of ranges) {
    if (p >= r.start && p <= r.end && (p - r.start) % r.step === 0) return true
  }
  return false
}

/** The step of the band containing p (finest band on a boundary). */
export const stepAt = (ranges: ReadonlyArray<PriceRange>, p: number): number => {
  let step = Number.POSITIVE_INFINITY
  for (const r of ranges) if (p >= r.start && p <= r.end && r.step < step) step = r.step
  return Number.isFinite(step) ? step : 100
}

/** Next grid price strictly above / below p (clamped inside (0, 1)); undefined when none. */
export const nextUp = (ranges: ReadonlyArray<PriceRange>, p: number): number | undefined => {
  for (let q = p + 1; q < 10_000; q++) if (onGrid(ranges, q)) return q
  return undefined
}
export const nextDown = (ranges: ReadonlyArray<PriceRange>, p: number): number | undefined => {
  for (let q = p - 1; q > 0; q--) if (onGrid(ranges, q)) return q
  return undefined
}

/** Snap p to the nearest grid price at or below it (at or above when none). */
export const snap = (ranges: ReadonlyArray<PriceRange>, p: number): number => {
  const c = Math.min(9_999, Math.max(1, Math.round(p)))
  if (onGrid(ranges, c)) return c
  return nextDown(ranges, c) ?? nextUp(ranges, c) ?? 5_000
}

export const toWire = (ranges: ReadonlyArray<PriceRange>) =>
  ranges.map((r) => ({ start: formatPrice(r.start), end: formatPrice(r.end), step: formatPrice(r.step) }))
