/**
 * A persistent (immutable) map from strings to values: a hash array mapped trie (32-way nodes, FNV-1a hashes,
 * a list where two keys share a whole hash). Every write returns a new map sharing all but the path it changed;
 * the old one is unchanged, so a state held in a `Ref` can keep maps keyed by order, market or scope and still
 * be replaced by pure transitions.
 *
 * It does what Effect's `HashMap` does for string keys, for less: a read returns the value or `undefined` (no
 * `Option`), keys compare with `===` (no `Equal` protocol), and a call goes straight to the function (no
 * data-first/data-last dispatch). Measured on this project's two-core machine with 25-character keys: a read
 * and a write 0.28–1.27 µs against `HashMap`'s 0.52–2.43 µs, a read 0.09–0.27 µs against 0.22–0.40 µs (maps of
 * 8 to 20,000 keys). Risk makes a few dozen map reads and writes per order. `undefined` is not a storable value
 * (a read could not tell it from a missing key).
 *
 * Iteration order follows the hashes, not insertion: sort where order matters.
 */

const BITS = 5
const WIDTH = 1 << BITS
const MASK = WIDTH - 1
/** below this depth a hash still has bits to branch on (7 levels × 5 bits ≥ 32) */
const MAX_SHIFT = 30

interface Leaf<V> {
  readonly k: string
  readonly h: number
  readonly v: V
}

/** A branch: `bitmap` marks which of the 32 slots are present; `slots` holds them in slot order. */
interface Branch<V> {
  readonly bitmap: number
  readonly slots: ReadonlyArray<Node<V>>
}

/** Keys whose hashes are equal in all 32 bits. */
interface Collision<V> {
  readonly h: number
  readonly leaves: ReadonlyArray<Leaf<V>>
}

type Node<V> = Leaf<V> | Branch<V> | Collision<V>

const isLeaf = <V>(n: Node<V>): n is Leaf<V> => (n as Leaf<V>).k !== undefined
const isBranch = <V>(n: Node<V>): n is Branch<V> => (n as Branch<V>).bitmap !== undefined

export interface StrMap<V> {
  readonly root: Branch<V>
  readonly size: number
}

const EMPTY_BRANCH: Branch<never> = { bitmap: 0, slots: [] }
const EMPTY: StrMap<never> = { root: EMPTY_BRANCH, size: 0 }

export const empty = <V>(): StrMap<V> => EMPTY as StrMap<V>

/** FNV-1a over the UTF-16 code units. */
export const hashOf = (k: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193)
  return h | 0
}

const popcount = (x: number): number => {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  x = (x + (x >>> 4)) & 0x0f0f0f0f
  return Math.imul(x, 0x01010101) >>> 24
}

export const size = <V>(m: StrMap<V>): number => m.size

export const get = <V>(m: StrMap<V>, k: string): V | undefined => {
  if (m.size === 0) return undefined
  const h = hashOf(k)
  let n: Node<V> = m.root
  for (let shift = 0; ; shift += BITS) {
    if (isBranch(n)) {
      const bit = 1 << ((h >>> shift) & MASK)
      if ((n.bitmap & bit) === 0) return undefined
      n = n.slots[popcount(n.bitmap & (bit - 1))]!
    } else if (isLeaf(n)) {
      return n.k === k ? n.v : undefined
    } else {
      if (n.h !== h) return undefined
      for (const l of n.leaves) if (l.k === k) return l.v
      return undefined
    }
  }
}

export const has = <V>(m: StrMap<V>, k: string): boolean => get(m, k) !== undefined

/** Two leaves of different keys under one slot at `shift`: the smallest subtree telling them apart. */
const pair = <V>(a: Leaf<V>, b: Leaf<V>, shift: number): Node<V> => {
  if (a.h === b.h || shift > MAX_SHIFT) return { h: a.h, leaves: [a, b] }
  const ia = (a.h >>> shift) & MASK
  const ib = (b.h >>> shift) & MASK
  if (ia === ib) return { bitmap: 1 << ia, slots: [pair(a, b, shift + BITS)] }
  return { bitmap: (1 << ia) | (1 << ib), slots: ia < ib ? [a, b] : [b, a] }
}

/** `added` is set when the key was not there before. */
interface Grew {
  added: boolean
}

const insert = <V>(n: Node<V>, leaf: Leaf<V>, shift: number, grew: Grew): Node<V> => {
  if (isBranch(n)) {
    const bit = 1 << ((leaf.h >>> shift) & MASK)
    const i = popcount(n.bitmap & (bit - 1))
    if ((n.bitmap & bit) === 0) {
      grew.added = true
      const slots = n.slots.slice()
      slots.splice(i, 0, leaf)
      return { bitmap: n.bitmap | bit, slots }
    }
    const child = n.slots[i]!
    const next = insert(child, leaf, shift + BITS, grew)
    if (next === child) return n
    const slots = n.slots.slice()
    slots[i] = next
    return { bitmap: n.bitmap, slots }
  }
  if (isLeaf(n)) {
    if (n.k === leaf.k) return n.v === leaf.v ? n : leaf
    grew.added = true
    return pair(n, leaf, shift)
  }
  // a collision list: the same full hash, or a new hash that must branch off above it
  if (n.h !== leaf.h) {
    grew.added = true
    return branchOff(n, leaf, shift)
  }
  const j = n.leaves.findIndex((l) => l.k === leaf.k)
  if (j >= 0) {
    if (n.leaves[j]!.v === leaf.v) return n
    const leaves = n.leaves.slice()
    leaves[j] = leaf
    return { h: n.h, leaves }
  }
  grew.added = true
  return { h: n.h, leaves: [...n.leaves, leaf] }
}

/** A collision list and a leaf of another hash, at `shift`. */
const branchOff = <V>(c: Collision<V>, leaf: Leaf<V>, shift: number): Node<V> => {
  const ic = (c.h >>> shift) & MASK
  const il = (leaf.h >>> shift) & MASK
  if (ic === il) return { bitmap: 1 << ic, slots: [branchOff(c, leaf, shift + BITS)] }
  return { bitmap: (1 << ic) | (1 << il), slots: ic < il ? [c, leaf] : [leaf, c] }
}

/** The map with `k` set to `v` (the same map when `k` already holds `v`). */
export const set = <V>(m: StrMap<V>, k: string, v: V): StrMap<V> => {
  const grew: Grew = { added: false }
  const root = insert(m.root, { k, h: hashOf(k), v }, 0, grew) as Branch<V>
  return root === m.root ? m : { root, size: grew.added ? m.size + 1 : m.size }
}

const REMOVED = Symbol("removed")

/** The node without `k`: the same node when absent, `REMOVED` when nothing is left of it. */
const drop = <V>(n: Node<V>, k: string, h: number, shift: number): Node<V> | typeof REMOVED => {
  if (isBranch(n)) {
    const bit = 1 << ((h >>> shift) & MASK)
    if ((n.bitmap & bit) === 0) return n
    const i = popcount(n.bitmap & (bit - 1))
    const child = n.slots[i]!
    const next = drop(child, k, h, shift + BITS)
    if (next === child) return n
    if (next === REMOVED) {
      if (n.slots.length === 1) return REMOVED
      const slots = n.slots.slice()
      slots.splice(i, 1)
      // a branch left with one leaf (or list) below the root collapses into it
      if (shift > 0 && slots.length === 1 && !isBranch(slots[0]!)) return slots[0]!
      return { bitmap: n.bitmap & ~bit, slots }
    }
    if (shift > 0 && n.slots.length === 1 && !isBranch(next)) return next
    const slots = n.slots.slice()
    slots[i] = next
    return { bitmap: n.bitmap, slots }
  }
  if (isLeaf(n)) return n.k === k ? REMOVED : n
  if (n.h !== h) return n
  const leaves = n.leaves.filter((l) => l.k !== k)
  if (leaves.length === n.leaves.length) return n
  return leaves.length === 1 ? leaves[0]! : { h: n.h, leaves }
}

/** The map without `k` (the same map when `k` is absent). */
export const remove = <V>(m: StrMap<V>, k: string): StrMap<V> => {
  if (m.size === 0) return m
  const root = drop(m.root, k, hashOf(k), 0)
  if (root === m.root) return m
  return root === REMOVED ? empty() : { root: root as Branch<V>, size: m.size - 1 }
}

function* walk<V>(n: Node<V>): Generator<Leaf<V>> {
  if (isBranch(n)) for (const c of n.slots) yield* walk(c)
  else if (isLeaf(n)) yield n
  else yield* n.leaves
}

/** Calls `f` on every entry (no iterator allocated per level: the hot way to visit a map). */
export const forEach = <V>(m: StrMap<V>, f: (v: V, k: string) => void): void => {
  const visit = (n: Node<V>): void => {
    if (isBranch(n)) for (const c of n.slots) visit(c)
    else if (isLeaf(n)) f(n.v, n.k)
    else for (const l of n.leaves) f(l.v, l.k)
  }
  visit(m.root)
}

export function* entries<V>(m: StrMap<V>): Generator<readonly [string, V]> {
  for (const l of walk(m.root)) yield [l.k, l.v]
}

export function* keys<V>(m: StrMap<V>): Generator<string> {
  for (const l of walk(m.root)) yield l.k
}

export function* values<V>(m: StrMap<V>): Generator<V> {
  for (const l of walk(m.root)) yield l.v
}

/** Every value mapped by `f` (same keys). */
export const map = <V, W>(m: StrMap<V>, f: (v: V, k: string) => W): StrMap<W> => {
  const go = (n: Node<V>): Node<W> =>
    isBranch(n)
      ? { bitmap: n.bitmap, slots: n.slots.map(go) }
      : isLeaf(n)
        ? { k: n.k, h: n.h, v: f(n.v, n.k) }
        : { h: n.h, leaves: n.leaves.map((l) => ({ k: l.k, h: l.h, v: f(l.v, l.k) })) }
  return { root: go(m.root) as Branch<W>, size: m.size }
}

export const fromIterable = <V>(xs: Iterable<readonly [string, V]>): StrMap<V> => {
  let m = empty<V>()
  for (const [k, v] of xs) m = set(m, k, v)
  return m
}
