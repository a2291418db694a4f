/** Deterministic PRNG (mulberry32). Never Math.random: every run with the same seed is identical. */
export interface Prng {
  /** uniform in [0, 1) */
  readonly next: () => number
  /** uniform integer in [lo, hi] */
  readonly int: (lo: number, hi: number) => number
  readonly pick: <A>(xs: ReadonlyArray<A>) => A
  /** RFC 4122 v4-shaped id from the stream */
  readonly uuid: () => string
}

export const makePrng = (seed: number): Prng => {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1))
  const hex = (n: number): string => {
    let s = ""
    for (let i = 0; i < n; i++) s += Math.floor(next() * 16).toString(16)
    return s
  }
  const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-${"89ab"[Math.floor(next() * 4)]}${hex(3)}-${hex(12)}`
  return { next, int, pick: (xs) => xs[Math.floor(next() * xs.length)]!, uuid }
}
