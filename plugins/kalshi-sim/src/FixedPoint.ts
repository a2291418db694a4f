/**
 * Exact fixed-point units used by the simulator. Money never touches binary floating point:
 *
 * - prices: integer "pips" = 1/10 000 dollar (`"0.5600"` ⇄ 5600)
 * - counts: integer centi-contracts = 1/100 contract (`"10.00"` ⇄ 1000)
 * - money: integer micro-dollars = 1/1 000 000 dollar (price pips × centi-contracts = micro-dollars exactly)
 *
 * Parsing accepts Kalshi's request formats (2–4 decimals for dollars, 0–2 for counts); formatting emits
 * Kalshi's response formats (4 decimals for prices, 2 for counts, 4 or 6 for money).
 */

export const PIPS_PER_DOLLAR = 10_000
export const CENTI_PER_CONTRACT = 100
export const MICROS_PER_DOLLAR = 1_000_000

const DOLLARS_RE = /^(\d{1,9})(?:\.(\d{1,6}))?$/
const COUNT_RE = /^(\d{1,12})(?:\.(\d{1,2}))?$/

/** Parses a dollar string with at most 4 decimals into pips; `undefined` when malformed or too precise. */
export const parsePrice = (s: string): number | undefined => {
  const m = DOLLARS_RE.exec(s)
  if (m === null) return undefined
  const frac = m[2] ?? ""
  if (frac.length > 4 && !/^0+$/.test(frac.slice(4))) return undefined
  const whole = Number(m[1])
  const f = Number((frac + "0000").slice(0, 4))
  return whole * PIPS_PER_DOLLAR + f
}

/** Parses a contract count with 0–2 decimals into centi-contracts. */
export const parseCount = (s: string): number | undefined => {
  const m = COUNT_RE.exec(s)
  if (m === null) return undefined
  const whole = Number(m[1])
  const f = Number(((m[2] ?? "") + "00").slice(0, 2))
  const v = whole * CENTI_PER_CONTRACT + f
  return Number.isSafeInteger(v) ? v : undefined
}

const pad = (n: number, width: number): string => String(n).padStart(width, "0")

const formatScaled = (value: number, scale: number, digits: number): string => {
  const neg = value < 0
  const abs = Math.abs(value)
  const whole = Math.floor(abs / scale)
  const frac = abs - whole * scale
  return `${neg ? "-" : ""}${whole}.${pad(frac, digits)}`
}

/** pips → `"0.5600"` */
export const formatPrice = (pips: number): string => formatScaled(pips, PIPS_PER_DOLLAR, 4)

/** centi-contracts → `"10.00"` (signed) */
export const formatCount = (centi: number): string => formatScaled(centi, CENTI_PER_CONTRACT, 2)

/** micro-dollars → `"0.017500"` (always 6 decimals, as Kalshi prints fees and costs) */
export const formatMicros6 = (micros: number): string => formatScaled(micros, MICROS_PER_DOLLAR, 6)

/** micro-dollars → 4 decimals when exact, else 6 (e.g. order cost fields) */
export const formatMicros = (micros: number): string =>
  micros % 100 === 0 ? formatScaled(micros / 100, PIPS_PER_DOLLAR, 4) : formatMicros6(micros)

/** micro-dollars → 4 decimals, rounded half up (averages) */
export const formatMicrosRounded4 = (micros: number): string => {
  const sign = micros < 0 ? -1 : 1
  const pips = sign * Math.floor((Math.abs(micros) + 50) / 100)
  return formatScaled(pips, PIPS_PER_DOLLAR, 4)
}

/** Dollars string → micro-dollars (up to 6 decimals). */
export const parseMicros = (s: string): number | undefined => {
  const m = DOLLARS_RE.exec(s)
  if (m === null) return undefined
  return Number(m[1]) * MICROS_PER_DOLLAR + Number(((m[2] ?? "") + "000000").slice(0, 6))
}

/** Integer division rounding toward −∞ for bigint. */
export const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q
}

/** Integer division rounding toward +∞ for non-negative bigint. */
export const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b
