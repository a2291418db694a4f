/**
 * The registry's shape: plugin names → core plugin declarations (`Plugin.exchangePlugin` /
 * `Plugin.strategyPlugin`). Config files pick entries by name; nothing is imported dynamically, so every
 * composition is type-checked. The registry of this build is in `Plugins.ts`.
 */
import type { Plugin } from "@alpha-hunter/core"
import type * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

// biome-ignore lint/suspicious/noExplicitAny: a registry holds plugins of every config type; each decodes its own
export type AnyExchangePlugin = Plugin.ExchangePlugin<any, any, unknown, never>
export type AnyStrategyPlugin = Plugin.StrategyPlugin<unknown, unknown, unknown>

export interface Registry {
  readonly venues: Readonly<Record<string, AnyExchangePlugin>>
  readonly strategies: Readonly<Record<string, AnyStrategyPlugin>>
}

/** Decodes a plugin's config section strictly (unknown keys are errors; every issue is reported). */
export const decodeSection = (
  schema: Schema.Schema<unknown, unknown>,
  section: unknown
): Either.Either<unknown, ParseResult.ParseError> =>
  Schema.decodeUnknownEither(schema, { onExcessProperty: "error", errors: "all" })(section)
