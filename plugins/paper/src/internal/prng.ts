/** A tiny deterministic PRNG (mulberry32) as pure functions on a 32-bit state: same seed, same sequence. */

/** The initial state for a seed. */
export const seed = (n: number): number => (Math.trunc(n) ^ 0x9e3779b9) >>> 0

/** The next value in [0, 1) and the next state. */
export const next = (state: number): readonly [number, number] => {
  const s = (state + 0x6d2b79f5) >>> 0
  let t = s
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return [((t ^ (t >>> 14)) >>> 0) / 4294967296, s]
}
