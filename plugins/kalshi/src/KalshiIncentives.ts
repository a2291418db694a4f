/**
 * Kalshi's incentive programs (REFERENCE §11.1) as the core `IncentivePrograms` service: `GET
 * /incentive_programs` read in full (every page, `next_cursor`) for the active and the upcoming programs,
 * refreshed on a schedule so a program is noticed ahead of its start (they are listed about nine hours
 * early). A failed refresh keeps the last list and is logged; it never stops the venue.
 * State: one `Ref` with the last list.
 */

import type { ExchangeError as E } from "@alpha-hunter/core"
import { Ids, Incentive } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as parse from "./internal/parse.js"
import type { Endpoints } from "./internal/rest.js"

export interface IncentivesOptions {
  readonly venue: string
  readonly api: Pick<Endpoints, "getIncentivePrograms">
  /** ms between refreshes; 0 = only on demand */
  readonly refreshMs: number
}

export const make = (o: IncentivesOptions): Effect.Effect<Incentive.IncentiveProgramsService, never, Scope.Scope> =>
  Effect.gen(function* () {
    const venue = Ids.VenueId.make(o.venue)
    const state = yield* Ref.make<ReadonlyArray<Incentive.IncentiveProgram>>([])

    const refresh: Effect.Effect<ReadonlyArray<Incentive.IncentiveProgram>, E.ExchangeError> = Effect.gen(function* () {
      const active = yield* o.api.getIncentivePrograms({ status: "active" })
      const upcoming = yield* o.api.getIncentivePrograms({ status: "upcoming" })
      // a program that starts between the two reads is in both
      const byId = new Map([...active, ...upcoming].map((p) => [p.id, p] as const))
      const programs = [...byId.values()].map((p) => parse.incentiveProgram(venue, p))
      const before = new Set((yield* Ref.get(state)).map((p) => p.id))
      const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
      for (const p of programs) {
        if (!before.has(p.id) && Incentive.statusAt(p, now) === "upcoming") {
          yield* Effect.logInfo(
            `${o.venue}: upcoming ${p.kind} program on ${p.symbol} from ${new Date(p.start).toISOString()}`
          )
        }
      }
      yield* Ref.set(state, programs)
      return programs
    })

    if (o.refreshMs > 0) {
      yield* refresh.pipe(
        Effect.catchAll((e) => Effect.logWarning(`${o.venue}: incentive programs not refreshed: ${e.message}`)),
        Effect.repeat(Schedule.spaced(`${o.refreshMs} millis`)),
        Effect.forkScoped
      )
    }

    return {
      current: Ref.get(state),
      refresh,
      forSymbol: (symbol) => Effect.map(Ref.get(state), (ps) => ps.filter((p) => p.symbol === symbol))
    } satisfies Incentive.IncentiveProgramsService
  })
