/**
 * Time: the daily P&L reset, expiry of in-flight reservations, and the order-rate windows. `tick` runs first in
 * every step; its cost is O(configured rate levels + reservations and approvals that expire now), plus
 * O(positions) once a day for the reset.
 */

import { Fifo, StrMap } from "@alpha-hunter/core"
import * as Option from "effect/Option"
import * as SortedMap from "effect/SortedMap"
import type { RiskConfig } from "../RiskConfig.js"
import { putOrder, rollBaselines } from "./aggregates.js"
import { type Change, copyState, dayStartOf, type EngineState } from "./model.js"
import { setScopeState } from "./stateMachine.js"

/** Rolls the day (new P&L baselines, optional resume), drops expired reservations and old rate entries. */
export const tick = (s: EngineState, cfg: RiskConfig, now: number, changes: Array<Change>): EngineState => {
  let next = s
  const day = dayStartOf(now, cfg.dailyResetHourUtc)
  if (day !== s.dayStart) {
    const rolled = copyState(rollBaselines(next))
    rolled.dayStart = day
    next = rolled
    if (cfg.resumeOnDailyReset) {
      for (const [k, st] of StrMap.entries(next.states)) {
        if (st.cause === "maxDailyLoss" && st.state !== "ACTIVE") {
          next = setScopeState(next, k, "ACTIVE", "daily reset", undefined, false, now, changes)
        }
      }
    }
  }
  next = expireReservations(next, now)
  return trimRates(next, now)
}

/** Removes reservations whose time is up (the index may name ones acknowledged or re-reserved since). */
const expireReservations = (s: EngineState, now: number): EngineState => {
  let next = s
  let pending = s.pending
  for (;;) {
    const head = SortedMap.headOption(pending)
    if (Option.isNone(head) || head.value[0] > now) break
    pending = SortedMap.remove(pending, head.value[0])
    for (const key of head.value[1]) {
      const o = StrMap.get(next.orders, key)
      if (o !== undefined && o.expiresAt !== undefined && o.expiresAt <= now) next = putOrder(next, key, undefined)
    }
  }
  if (pending === s.pending) return next
  const out = copyState(next)
  out.pending = pending
  return out
}

/** Drops approvals that left their level's window (each rate key belongs to one level, with one window). */
const trimRates = (s: EngineState, now: number): EngineState => {
  let rate = s.rate
  StrMap.forEach(s.rate, (r, k) => {
    const horizon = now - r.windowMs
    // the usual case: the oldest approval is still inside its window (nothing to drop, nothing allocated)
    const oldest = Fifo.peekFront(r.times)
    if (oldest !== undefined && oldest > horizon) return
    const [times] = Fifo.shiftWhile(r.times, (at) => at <= horizon)
    if (times !== r.times) rate = StrMap.set(rate, k, { windowMs: r.windowMs, times })
  })
  if (rate === s.rate) return s
  const out = copyState(s)
  out.rate = rate
  return out
}

/**
 * Approvals recorded under a level key within its window. Call after `tick(now)`, which dropped the older ones
 * (if the clock steps back, approvals stay counted until they leave the window: the count errs on the safe side).
 */
export const rateCount = (s: EngineState, key: string): number => StrMap.get(s.rate, key)?.times.size ?? 0

/** Records an approval at `now` under a level key whose window is `windowMs`. */
export const recordRate = (s: EngineState, key: string, windowMs: number, now: number): EngineState => {
  const times = StrMap.get(s.rate, key)?.times ?? Fifo.empty<number>()
  const out = copyState(s)
  out.rate = StrMap.set(s.rate, key, { windowMs, times: Fifo.push(times, now) })
  return out
}
