/**
 * A venue's incentive programs (liquidity and volume reward pools), venue-neutral: what the runner and
 * strategies may know of them without depending on one venue. A venue plugin that has programs provides
 * `IncentivePrograms` beside `Exchange` (Kalshi: `GET /incentive_programs`, refreshed on a schedule); the
 * scoring of a liquidity program is the pure `Lip` module.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as D from "./Decimal.js"
import type { ExchangeError } from "./ExchangeError.js"
import { Symbol, VenueId } from "./Ids.js"

export const ProgramKind = Schema.Literal("liquidity", "volume", "other")
export type ProgramKind = typeof ProgramKind.Type

export const ProgramStatus = Schema.Literal("upcoming", "active", "closed", "paid_out")
export type ProgramStatus = typeof ProgramStatus.Type

export class IncentiveProgram extends Schema.Class<IncentiveProgram>("IncentiveProgram")({
  venue: VenueId,
  id: Schema.String,
  symbol: Symbol,
  kind: ProgramKind,
  description: Schema.String,
  /** epoch ms */
  start: Schema.Int,
  /** epoch ms */
  end: Schema.Int,
  /** the reward of one period, in the market's currency (Kalshi: dollars from centi-cents) */
  periodReward: D.NonNegative,
  paidOut: Schema.Boolean,
  /** liquidity programs: contracts each side must rest */
  targetSize: Schema.optional(D.Positive),
  /** liquidity programs: discount per tick behind the reference, 0..1 */
  discountFactor: Schema.optional(D.NonNegative),
  maxRewardPerAccount: Schema.optional(D.NonNegative),
  raw: Schema.optional(Schema.Unknown)
}) {}

export const statusAt = (p: IncentiveProgram, nowMs: number): ProgramStatus =>
  p.paidOut ? "paid_out" : nowMs < p.start ? "upcoming" : nowMs < p.end ? "active" : "closed"

/** A followed program's new status as the venue lists it (`closed`, then `paid_out`, which is final). */
export interface ProgramStatusChange {
  readonly program: IncentiveProgram
  readonly status: ProgramStatus
}

export interface IncentiveProgramsService {
  /** the programs last read (active and upcoming), without a venue call */
  readonly current: Effect.Effect<ReadonlyArray<IncentiveProgram>>
  /** read them from the venue now (every page) and keep them */
  readonly refresh: Effect.Effect<ReadonlyArray<IncentiveProgram>, ExchangeError>
  /** programs of one market from `current` */
  readonly forSymbol: (symbol: string) => Effect.Effect<ReadonlyArray<IncentiveProgram>>
  /**
   * follow these programs to their end (the ones we score): their status is read on a slow schedule once they
   * leave the active list; a program is followed until the venue lists it paid out
   */
  readonly follow: (programs: ReadonlyArray<IncentiveProgram>) => Effect.Effect<void>
  /** read the final status of the followed programs now (`closed` and `paid_out` lists) */
  readonly refreshEnded: Effect.Effect<ReadonlyArray<ProgramStatusChange>, ExchangeError>
  /** the status changes of followed programs since the last call (each once) */
  readonly takeChanges: Effect.Effect<ReadonlyArray<ProgramStatusChange>>
}

export class IncentivePrograms extends Context.Tag("@alpha-hunter/core/IncentivePrograms")<
  IncentivePrograms,
  IncentiveProgramsService
>() {}
