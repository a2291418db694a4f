/** Small, dependency-free statistics and timing helpers for the benchmarks (timing uses numbers). */

/** The q-quantile (0 ≤ q ≤ 1) of a sample, nearest-rank on a sorted copy; NaN for an empty sample. */
export const quantile = (xs: ArrayLike<number>, q: number): number => {
  const n = xs.length
  if (n === 0) return Number.NaN
  const s = Float64Array.from(xs as ArrayLike<number>).sort()
  const rank = Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))
  return s[rank]!
}

export const median = (xs: ArrayLike<number>): number => quantile(xs, 0.5)
export const p99 = (xs: ArrayLike<number>): number => quantile(xs, 0.99)

/** The median of a few rounds: the middle value, or the mean of the two middle ones for an even count. */
export const midMedian = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const h = s.length >> 1
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2
}

export const mean = (xs: ArrayLike<number>): number => {
  let t = 0
  for (let i = 0; i < xs.length; i++) t += xs[i]!
  return xs.length === 0 ? Number.NaN : t / xs.length
}

/** Monotonic time in nanoseconds as a number (exact well past the length of any benchmark). */
export const nowNs = (): number => Number(process.hrtime.bigint())

/** Monotonic time in milliseconds (fractional). */
export const nowMs = (): number => performance.now()

/** Rounds to a number of significant digits, for printing and JSON. */
export const sig = (x: number, digits = 4): number => {
  if (!Number.isFinite(x) || x === 0) return x
  return Number(x.toPrecision(digits))
}

/** A seeded PRNG (mulberry32): the same seed gives the same stream on every machine. */
export const prng = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
