/**
 * A bounded, insertion-ordered set of keys with a time window: what the risk engine and the execution engine
 * use to de-duplicate fills (by trade id) and what the risk engine uses to remember terminal orders (so a late
 * non-terminal update never revives one).
 *
 * A key is remembered from the clock time it is first added for at least `windowMs`, unless `capacity` newer
 * keys arrive first; the oldest keys go first. Eviction happens on insertion, so the set never holds more than
 * `capacity` keys, and an insertion drops every key older than `windowMs`: its size follows the rate keys come
 * at, not how long the process has run. Adding a key already present returns the same window (its age is not
 * refreshed), so the queue and the set always hold the same keys. Membership is a persistent string map
 * (`StrMap`); age order a persistent FIFO (`Fifo`).
 */

import * as Fifo from "./Fifo.js"
import * as StrMap from "./StrMap.js"

export interface WindowBounds {
  readonly windowMs: number
  readonly capacity: number
}

/**
 * Defaults for fills and terminal orders. Re-deliveries in practice come within seconds to minutes (a REST poll
 * re-sending fills the socket already delivered, a WS/REST race on an order's last update), so one hour is a
 * wide margin; 50,000 keys caps memory at a few MB even in a requote or fill storm. Restarts are handled by
 * the journal, not here.
 */
export const DEFAULT_BOUNDS: WindowBounds = { windowMs: 3_600_000, capacity: 50_000 }

interface Entry {
  readonly key: string
  readonly at: number
}

export interface Window {
  readonly bounds: WindowBounds
  readonly keys: StrMap.StrMap<true>
  readonly order: Fifo.Fifo<Entry>
}

export const make = (bounds: WindowBounds = DEFAULT_BOUNDS): Window => ({
  bounds,
  keys: StrMap.empty(),
  order: Fifo.empty()
})

export const has = (w: Window, key: string): boolean => StrMap.has(w.keys, key)

export const size = (w: Window): number => StrMap.size(w.keys)

/** Adds a key seen at `now`, then drops keys past the window or beyond the capacity (oldest first). */
export const add = (w: Window, key: string, now: number): Window => {
  if (StrMap.has(w.keys, key)) return w
  const horizon = now - w.bounds.windowMs
  const [order, evicted] = Fifo.shiftWhile(
    Fifo.push(w.order, { key, at: now }),
    (e, n) => n > w.bounds.capacity || e.at <= horizon
  )
  let keys = StrMap.set(w.keys, key, true)
  for (const e of evicted) keys = StrMap.remove(keys, e.key)
  return { bounds: w.bounds, keys, order }
}
