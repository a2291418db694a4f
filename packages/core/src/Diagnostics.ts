/**
 * What an operator sees of a venue, venue-neutral: the start banner, rate-limit budgets, health counters,
 * `verify` checks and the emergency cancel-all. Every exchange plugin provides it beside `Exchange`, so the
 * status line, metrics, `verify` and `cancel-all` never reach into one venue's internals.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ExchangeError } from "./ExchangeError.js"

/** One line of `verify` output. A check that could not be made is `skipped`, never `ok`. */
export interface Check {
  readonly name: string
  readonly ok: boolean
  readonly detail: string
  readonly skipped?: boolean
}

/** A rate-limit budget (token bucket) as it stands. */
export interface Budget {
  readonly name: string
  readonly available: number
  readonly capacity: number
  /** tokens per second */
  readonly refill: number
}

export interface Counters {
  /** 429 answers since start */
  readonly rateLimited: number
  /** books rebuilt from a snapshot after a gap, since start */
  readonly bookResyncs: number
  /** ms since the last market-data message (0 when the venue has no stream) */
  readonly messageAgeMs: number
}

export interface CancelAllReport {
  /** our orders the venue still shows resting afterwards (0 = verified clean) */
  readonly stillResting: number
  readonly attempts: number
  /** one line for the operator */
  readonly detail: string
}

export interface DiagnosticsService {
  /** lines printed at start (URLs, environment) — never secrets */
  readonly banner: ReadonlyArray<string>
  readonly budgets: Effect.Effect<ReadonlyArray<Budget>>
  readonly counters: Effect.Effect<Counters>
  /** venue-specific checks for `verify` (connectivity, trading status, limits) */
  readonly checks: Effect.Effect<ReadonlyArray<Check>>
  /** the venue's verified emergency cancel-all, when it has a native one */
  readonly emergencyCancelAll: Option.Option<(reason: string) => Effect.Effect<CancelAllReport, ExchangeError>>
}

export class Diagnostics extends Context.Tag("@alpha-hunter/core/Diagnostics")<Diagnostics, DiagnosticsService>() {}

/** Diagnostics of a venue that has only a banner (an in-memory venue: no budgets, no stream, no native cancel-all). */
export const minimal = (banner: ReadonlyArray<string>): DiagnosticsService => ({
  banner,
  budgets: Effect.succeed([]),
  counters: Effect.succeed({ rateLimited: 0, bookResyncs: 0, messageAgeMs: 0 }),
  checks: Effect.succeed([]),
  emergencyCancelAll: Option.none()
})

/** "write 87/100 read 190/200" for the status line. */
export const formatBudgets = (bs: ReadonlyArray<Budget>): string =>
  bs.map((b) => `${b.name} ${Math.floor(b.available)}/${b.capacity}`).join(" ")
