/**
 * De-duplication of fills by trade id, bounded: two generations of ids. When the newer generation reaches
 * its capacity, the older one is dropped whole. So an id is remembered for at least `capacity` newer
 * fills (venues re-deliver a fill within seconds to minutes: a REST poll after the push stream, a
 * reconnect), and at most 2 × capacity ids are kept.
 */
import * as HashSet from "effect/HashSet"

export interface FillWindow {
  readonly newer: HashSet.HashSet<string>
  readonly older: HashSet.HashSet<string>
  readonly capacity: number
}

export const empty = (capacity = 50_000): FillWindow => ({
  newer: HashSet.empty(),
  older: HashSet.empty(),
  capacity
})

export const has = (w: FillWindow, id: string): boolean => HashSet.has(w.newer, id) || HashSet.has(w.older, id)

export const size = (w: FillWindow): number => HashSet.size(w.newer) + HashSet.size(w.older)

/** Records an id: `[true, next]` when it is new, `[false, w]` when already seen. */
export const add = (w: FillWindow, id: string): readonly [boolean, FillWindow] => {
  if (has(w, id)) return [false, w]
  return HashSet.size(w.newer) >= w.capacity
    ? [true, { newer: HashSet.make(id), older: w.newer, capacity: w.capacity }]
    : [true, { newer: HashSet.add(w.newer, id), older: w.older, capacity: w.capacity }]
}
