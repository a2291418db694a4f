/**
 * The registry of this build: every venue and strategy plugin a config file can name.
 * - `kalshi`: Kalshi's demo or production exchange (or any Kalshi-compatible URL) with your key;
 * - `kalshi-sim`: an embedded Kalshi simulator on 127.0.0.1 plus the real Kalshi plugin talking to it over
 *   HTTP and WebSocket with a key generated at start — the default, no account needed;
 * - `paper`: an in-memory venue with a matching engine;
 * - strategy `maker`.
 */

import { Plugin } from "@alpha-hunter/core"
import { KalshiConfig, KalshiDiagnostics, KalshiExchange, KalshiPlugin } from "@alpha-hunter/kalshi"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { Maker } from "@alpha-hunter/maker"
import { PaperPlugin } from "@alpha-hunter/paper"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { AnyStrategyPlugin, Registry } from "./Registry.js"

/** The embedded simulator's section: the simulator's options, plus Kalshi plugin settings to override. */
export const KalshiSimSection = Schema.Struct({
  seed: Schema.optionalWith(Schema.Int, { default: () => 1 }),
  markets: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 5000)), { default: () => 8 }),
  /** synthetic participants' actions per second (0 = no flow) */
  flow: Schema.optionalWith(Schema.Number.pipe(Schema.nonNegative()), { default: () => 5 }),
  tier: Schema.optionalWith(Schema.Literal("basic", "advanced", "expert", "premier", "paragon", "prime", "prestige"), {
    default: () => "basic" as const
  }),
  port: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 65535)), { default: () => 0 }),
  /** drive the simulator's books from a recorded tape (use the recording's seed and markets, and flow 0) */
  replay: Schema.optional(
    Schema.Struct({ tape: Schema.String, speed: Schema.optional(Schema.Number.pipe(Schema.positive())) })
  ),
  /** Kalshi plugin settings to use against the simulator */
  kalshi: Schema.optionalWith(
    Schema.Struct({
      safety: Schema.optional(KalshiConfig.SafetyConfig),
      reconcile: Schema.optional(KalshiConfig.ReconcileConfig),
      feed: Schema.optional(KalshiConfig.FeedConfig),
      limiter: Schema.optional(KalshiConfig.LimiterConfig),
      requestTimeoutMs: Schema.optional(Schema.Number)
    }),
    { default: () => ({}) }
  )
})

/**
 * The embedded simulator as a venue plugin: a kalshi-sim on 127.0.0.1 with a key generated at start, and the
 * real Kalshi plugin (with its diagnostics) talking to it over HTTP and WebSocket.
 */
export const kalshiSimPlugin = Plugin.exchangePlugin({
  name: "kalshi-sim",
  description: "embedded Kalshi simulator (no account needed), traded through the real Kalshi plugin",
  config: KalshiSimSection,
  layer: (c: typeof KalshiSimSection.Type, context: { readonly venue: string }) =>
    Layer.unwrapScoped(
      Effect.gen(function* () {
        const sim = yield* KalshiSim.make({
          port: c.port,
          seed: c.seed,
          markets: c.markets,
          tier: c.tier,
          flow: c.flow > 0 ? { ratePerSec: c.flow } : false,
          ...(c.replay !== undefined ? { replay: { tape: c.replay.tape, speed: c.replay.speed ?? 1 } } : {})
        })
        const key = yield* sim.generateKey()
        const base = yield* KalshiConfig.decode({ restUrl: sim.restUrl, wsUrl: sim.wsUrl, apiKeyId: key.keyId })
        const overrides = Object.fromEntries(Object.entries(c.kalshi).filter(([, v]) => v !== undefined))
        const cfg = { ...base, ...overrides, privateKey: Redacted.make(key.privateKeyPem) }
        return KalshiDiagnostics.layer([
          `embedded Kalshi simulator: ${sim.restUrl} (WebSocket ${sim.wsUrl}), ${c.markets} markets, seed ${c.seed}, flow ${c.flow}/s`
        ]).pipe(Layer.provideMerge(KalshiExchange.layerFromConfig(cfg, { venue: context.venue })))
      })
    )
})

/** Adding a venue or a strategy to this build is one line here (and its package in package.json). */
export const registry: Registry = {
  venues: {
    kalshi: KalshiPlugin.plugin,
    "kalshi-sim": kalshiSimPlugin,
    paper: PaperPlugin.plugin
  },
  strategies: {
    maker: Maker.plugin as AnyStrategyPlugin
  }
}
