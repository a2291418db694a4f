/**
 * Kalshi's incentive programs (REFERENCE §11.1) as the core `IncentivePrograms` service: `GET
 * /incentive_programs` read in full (every page, `next_cursor`) for the active and the upcoming programs,
 * refreshed on a schedule so a program is noticed ahead of its start (they are listed about nine hours
 * early). A failed refresh keeps the last list and is logged; it never stops the venue.
 *
 * Programs we score are followed to their end: on a slower schedule (an hour by default) the `closed` and
 * `paid_out` lists are read (there is no filter by market, so each list is read whole, 10 000 a page) and only
 * the followed ids are kept; each status change is queued once for the runner (`takeChanges`). A program the
 * venue lists paid out is final: it leaves the followed set and the active list. Nothing is read while
 * nothing is followed. Paid out is final even where the venue still lists the program as active: it is kept
 * out of the list and never followed or told again (an id is kept until its program has ended and the venue
 * no longer lists it).
 * State: `Ref`s with the last list, the followed programs (their last final status), the programs told paid
 * out (until they have ended and are no longer listed), and the queued changes.
 */

import type { ExchangeError as E } from "@alpha-hunter/core"
import { Ids, Incentive } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as parseMarket from "./internal/parseMarket.js"
import type { Endpoints } from "./internal/rest.js"

export interface IncentivesOptions {
  readonly venue: string
  readonly api: Pick<Endpoints, "getIncentivePrograms">
  /** ms between refreshes; 0 = only on demand */
  readonly refreshMs: number
  /** ms between reads of the closed and paid-out lists (for followed programs); 0 = only on demand */
  readonly endedRefreshMs?: number
}

interface Followed {
  readonly program: Incentive.IncentiveProgram
  /** the last final status the venue listed (undefined: not closed yet) */
  readonly status: "closed" | undefined
}

/** The largest page `GET /incentive_programs` serves. */
const PAGE = 10_000

export const make = (o: IncentivesOptions): Effect.Effect<Incentive.IncentiveProgramsService, never, Scope.Scope> =>
  Effect.gen(function* () {
    const venue = Ids.VenueId.make(o.venue)
    const state = yield* Ref.make<ReadonlyArray<Incentive.IncentiveProgram>>([])
    const followed = yield* Ref.make<ReadonlyMap<string, Followed>>(new Map())
    const pending = yield* Ref.make<ReadonlyArray<Incentive.ProgramStatusChange>>([])
    // programs told paid out (final), with their end: out of the list, never followed again; an id is dropped
    // once its program has ended and the venue no longer lists it as active or upcoming (nothing can then
    // hand it to `follow` again), so the map holds only programs still listed or still running
    const paidOut = yield* Ref.make<ReadonlyMap<string, number>>(new Map())

    const refresh: Effect.Effect<ReadonlyArray<Incentive.IncentiveProgram>, E.ExchangeError> = Effect.gen(function* () {
      const active = yield* o.api.getIncentivePrograms({ status: "active" })
      const upcoming = yield* o.api.getIncentivePrograms({ status: "upcoming" })
      // a program that starts between the two reads is in both
      const byId = new Map([...active, ...upcoming].map((p) => [p.id, p] as const))
      const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
      const final = yield* Ref.updateAndGet(paidOut, (ids) =>
        ids.size === 0 ? ids : new Map([...ids].filter(([id, end]) => byId.has(id) || end > now))
      )
      const programs = [...byId.values()]
        .filter((p) => !final.has(p.id))
        .map((p) => parseMarket.incentiveProgram(venue, p))
      const before = new Set((yield* Ref.get(state)).map((p) => p.id))
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

    const follow = (programs: ReadonlyArray<Incentive.IncentiveProgram>) =>
      Effect.gen(function* () {
        const known = yield* Ref.get(followed)
        const final = yield* Ref.get(paidOut)
        const fresh = programs.filter((p) => !p.paidOut && !known.has(p.id) && !final.has(p.id))
        if (fresh.length === 0) return
        yield* Ref.update(followed, (m) => {
          const next = new Map(m)
          for (const p of fresh) if (!next.has(p.id)) next.set(p.id, { program: p, status: undefined })
          return next
        })
      })

    const refreshEnded: Effect.Effect<ReadonlyArray<Incentive.ProgramStatusChange>, E.ExchangeError> = Effect.gen(
      function* () {
        if ((yield* Ref.get(followed)).size === 0) return []
        // closed first: a program paid out between the two reads ends as paid out
        const lists = [
          ["closed", yield* o.api.getIncentivePrograms({ status: "closed", limit: PAGE })],
          ["paid_out", yield* o.api.getIncentivePrograms({ status: "paid_out", limit: PAGE })]
        ] as const
        const changes: Array<Incentive.ProgramStatusChange> = []
        const next = new Map(yield* Ref.get(followed))
        for (const [status, list] of lists) {
          for (const w of list) {
            const f = next.get(w.id)
            if (f === undefined || f.status === status) continue
            const program = parseMarket.incentiveProgram(venue, w)
            changes.push({ program, status })
            if (status === "paid_out") next.delete(w.id)
            else next.set(w.id, { program, status })
          }
        }
        if (changes.length === 0) return changes
        // applied to the set as it is now (a program followed during the reads stays followed)
        yield* Ref.update(followed, (m) => {
          const after = new Map(m)
          for (const c of changes) {
            if (c.status === "paid_out") after.delete(c.program.id)
            else after.set(c.program.id, { program: c.program, status: "closed" })
          }
          return after
        })
        yield* Ref.update(pending, (xs) => [...xs, ...changes])
        const paid = new Set(changes.filter((c) => c.status === "paid_out").map((c) => c.program.id))
        if (paid.size > 0) {
          yield* Ref.update(paidOut, (ids) => {
            const next = new Map(ids)
            for (const c of changes) if (paid.has(c.program.id)) next.set(c.program.id, c.program.end)
            return next
          })
          yield* Ref.update(state, (ps) => ps.filter((p) => !paid.has(p.id)))
        }
        for (const c of changes) {
          yield* Effect.logInfo(
            `${o.venue}: ${c.program.kind} program ${c.program.id} on ${c.program.symbol} ${c.status}`
          )
        }
        return changes
      }
    )

    if (o.refreshMs > 0) {
      yield* refresh.pipe(
        Effect.catchAll((e) => Effect.logWarning(`${o.venue}: incentive programs not refreshed: ${e.message}`)),
        Effect.repeat(Schedule.spaced(`${o.refreshMs} millis`)),
        Effect.forkScoped
      )
    }
    const endedMs = o.endedRefreshMs ?? 0
    if (endedMs > 0) {
      yield* refreshEnded.pipe(
        Effect.catchAll((e) => Effect.logWarning(`${o.venue}: ended incentive programs not read: ${e.message}`)),
        Effect.repeat(Schedule.spaced(`${endedMs} millis`)),
        Effect.forkScoped
      )
    }

    return {
      current: Ref.get(state),
      refresh,
      forSymbol: (symbol) => Effect.map(Ref.get(state), (ps) => ps.filter((p) => p.symbol === symbol)),
      follow,
      refreshEnded,
      takeChanges: Ref.getAndSet(pending, [])
    } satisfies Incentive.IncentiveProgramsService
  })
