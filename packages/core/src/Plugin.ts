/**
 * How a plugin declares itself so the runner can compose it by name from a config file:
 * a name, a Schema for its config section (decoded before anything connects), and a Layer built from the
 * decoded config. The runner keeps a static registry `{ [name]: plugin }`; no dynamic imports.
 */
import type * as Layer from "effect/Layer"
import type * as Schema from "effect/Schema"
import type { Diagnostics } from "./Diagnostics.js"
import type { Exchange } from "./Exchange.js"
import type { Strategy, StrategyEnv } from "./Strategy.js"

/**
 * A venue plugin: its layer provides the `Exchange` port and the venue's `Diagnostics` (banner, budgets,
 * checks, emergency cancel-all). Adding a venue to the runner is one such declaration and one registry line.
 * `R` is left open for what a plugin may need from the platform (HTTP client, sockets, file system).
 */
export interface ExchangePlugin<C, I, E, R> {
  readonly kind: "exchange"
  readonly name: string
  readonly description: string
  readonly config: Schema.Schema<C, I>
  readonly layer: (config: C, context: { readonly venue: string }) => Layer.Layer<Exchange | Diagnostics, E, R>
  /**
   * The account a config trades, as a stable string (e.g. the API host and key id), so the runner can refuse
   * a second running instance on the same account. Absent (or undefined) for in-process venues.
   */
  readonly account?: (config: C) => string | undefined
}

/**
 * A strategy plugin. Its layer may require only `StrategyEnv`: asking for `Exchange` (or anything else)
 * does not type-check, so a strategy can never bypass Risk.
 */
export interface StrategyPlugin<C, I, E> {
  readonly kind: "strategy"
  readonly name: string
  readonly description: string
  readonly config: Schema.Schema<C, I>
  readonly layer: (config: C, context: { readonly id: string }) => Layer.Layer<Strategy, E, StrategyEnv>
}

export const exchangePlugin = <C, I, E, R>(
  p: Omit<ExchangePlugin<C, I, E, R>, "kind">
): ExchangePlugin<C, I, E, R> => ({
  kind: "exchange",
  ...p
})

export const strategyPlugin = <C, I, E>(p: Omit<StrategyPlugin<C, I, E>, "kind">): StrategyPlugin<C, I, E> => ({
  kind: "strategy",
  ...p
})
