/**
 * The static registry: plugin names → how to build them. Config files pick entries by name; nothing is
 * imported dynamically, so every composition is type-checked.
 */
import type { Exchange } from "@alpha-hunter/core"
import type * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"

/** One line of `verify` output. */
export interface Check {
  readonly name: string
  readonly ok: boolean
  readonly detail: string
}

/** A venue, opened in the current scope. */
export interface OpenVenue {
  readonly exchange: Exchange.ExchangeService
  /** lines printed at start (URLs, environment) — never secrets */
  readonly banner: ReadonlyArray<string>
  /** rate-limit headroom for the status line, e.g. "write 87/100" */
  readonly headroom?: Effect.Effect<string>
  /** venue-specific checks for `verify` */
  readonly checks?: Effect.Effect<ReadonlyArray<Check>>
  /** the venue's verified emergency cancel-all, when it has one */
  readonly emergencyCancelAll?: Effect.Effect<string, unknown>
  /** number of REST/WebSocket desyncs seen so far */
  readonly desyncs?: Effect.Effect<number>
  /** venue health for the metrics endpoint */
  readonly gauges?: Effect.Effect<VenueGauges>
}

export interface VenueGauges {
  /** rate-limit tokens available per bucket */
  readonly tokens: Readonly<Record<string, number>>
  /** totals since start */
  readonly rateLimited: number
  readonly desyncs: number
  readonly bookResyncs: number
  /** ms since the last market-data message */
  readonly messageAgeMs: number
}

export interface VenueKind {
  readonly name: string
  readonly description: string
  readonly decode: (section: unknown) => Either.Either<unknown, ParseResult.ParseError>
  readonly open: (config: unknown, venue: string) => Effect.Effect<OpenVenue, unknown, Scope.Scope>
}

/** Declares a venue kind with a typed config. */
export const venueKind = <C, I>(k: {
  readonly name: string
  readonly description: string
  readonly config: Schema.Schema<C, I>
  readonly open: (config: C, venue: string) => Effect.Effect<OpenVenue, unknown, Scope.Scope>
}): VenueKind => ({
  name: k.name,
  description: k.description,
  decode: (section) => Schema.decodeUnknownEither(k.config, { onExcessProperty: "error", errors: "all" })(section),
  open: (config, venue) => k.open(config as C, venue)
})
