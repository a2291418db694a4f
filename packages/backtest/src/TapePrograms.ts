/**
 * The incentive programs a tape recorded, as the `IncentivePrograms` service a live venue provides — so a
 * backtest's strategies and LIP sampler see the programs the live run saw (program-aware quoting, the report's
 * LIP section), on the backtest's simulated clock.
 *
 * `current` is what the venue would list at the simulated time (active and upcoming, as the venue lists them);
 * `refresh` reads the same (the tape is the venue); nothing is followed past the tape, so no status changes.
 * `clock` is the run's clock (the simulated one), read directly: `current` is read on every decision.
 */
import { Incentive } from "@alpha-hunter/core"
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"

export const make = (
  programs: ReadonlyArray<Incentive.IncentiveProgram>,
  clock: Clock.Clock
): Incentive.IncentiveProgramsService => {
  // the same list (the same array) while no program starts or ends: a reader indexes it once, not per read;
  // worked out again only once the clock reaches the next start or end (read on every decision: O(1) between)
  let last: ReadonlyArray<Incentive.IncentiveProgram> = []
  let from = Number.POSITIVE_INFINITY
  let until = Number.NEGATIVE_INFINITY
  const list = (now: number) => {
    if (now >= from && now < until) return last
    const next = programs.filter((p) => {
      const s = Incentive.statusAt(p, now)
      return s === "active" || s === "upcoming"
    })
    if (next.length !== last.length || next.some((p, i) => p !== last[i])) last = next
    from = now
    until = Number.POSITIVE_INFINITY
    for (const p of programs) {
      if (p.paidOut) continue
      if (p.start > now) until = Math.min(until, p.start)
      else if (p.end > now) until = Math.min(until, p.end)
    }
    return last
  }
  // one runtime step per read
  const listed = Effect.sync(() => list(clock.unsafeCurrentTimeMillis()))
  return {
    current: listed,
    refresh: listed,
    forSymbol: (symbol) => Effect.map(listed, (ps) => ps.filter((p) => p.symbol === symbol)),
    follow: () => Effect.void,
    refreshEnded: Effect.succeed([]),
    takeChanges: Effect.succeed([])
  }
}
