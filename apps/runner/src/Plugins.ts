/**
 * The registry of this build: every venue and strategy plugin a config file can name.
 * - `kalshi`: Kalshi's demo or production exchange (or any Kalshi-compatible URL) with your key;
 * - `kalshi-sim`: an embedded Kalshi simulator on 127.0.0.1 plus the real Kalshi plugin talking to it over
 *   HTTP and WebSocket with a key generated at start — the default, no account needed;
 * - `paper`: an in-memory venue with a matching engine;
 * - strategy `maker`.
 */
import { Exchange } from "@alpha-hunter/core"
import { KalshiClient, KalshiConfig, KalshiExchange } from "@alpha-hunter/kalshi"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { Maker } from "@alpha-hunter/maker"
import { PaperPlugin } from "@alpha-hunter/paper"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { Registry } from "./App.js"
import { type Check, type OpenVenue, venueKind } from "./Registry.js"

const kalshiOpen = (
  client: KalshiClient.KalshiClientService,
  exchange: Exchange.ExchangeService,
  banner: ReadonlyArray<string>
): OpenVenue => ({
  exchange,
  banner,
  headroom: Effect.sync(() => {
    const s = client.limiter.stats()
    const w = s.buckets.write
    const r = s.buckets.read
    return `write ${Math.floor(w.tokens)}/${w.capacity} read ${Math.floor(r.tokens)}/${r.capacity}${s.rateLimited > 0 ? ` 429s ${s.rateLimited}` : ""}`
  }),
  desyncs: Effect.sync(() => client.verificationStats().desyncs),
  gauges: Effect.gen(function* () {
    const s = client.limiter.stats()
    const f = client.feed.stats()
    const sinceLast = yield* client.feed.lastActivity // ms since the last frame or ping
    return {
      tokens: { read: s.buckets.read.tokens, write: s.buckets.write.tokens },
      rateLimited: s.rateLimited,
      desyncs: client.verificationStats().desyncs,
      bookResyncs: f.recoveries,
      messageAgeMs: Math.max(0, sinceLast)
    }
  }),
  emergencyCancelAll: Effect.map(client.emergencyCancelAll("operator cancel-all"), (r) =>
    r.stillResting === 0
      ? `canceled everything; verified through REST that nothing rests (${r.attempts} attempt(s)); creates refused until ${new Date(r.haltedUntil).toISOString()}`
      : `${r.stillResting} orders still rest after ${r.attempts} attempts`
  ),
  checks: Effect.gen(function* () {
    const s = client.limiter.stats()
    const checks: Array<Check> = [
      {
        name: `${client.venue}: rate-limit tier read`,
        ok: s.buckets.write.capacity > 0,
        detail: `write ${s.buckets.write.refillRate}/s (cap ${s.buckets.write.capacity}), read ${s.buckets.read.refillRate}/s (cap ${s.buckets.read.capacity})`
      },
      {
        name: `${client.venue}: dual-source order verification`,
        ok: client.config.reconcile.enabled,
        detail: client.config.reconcile.enabled
          ? `on: WebSocket primary, REST poll every ${client.config.reconcile.pollMs} ms, desync after ${client.config.reconcile.graceMs} ms`
          : "off"
      },
      {
        name: `${client.venue}: exchange and trading active`,
        ...(yield* client.rest.read({ method: "GET", path: "/exchange/status" }, ExchangeStatus).pipe(
          Effect.map((st) => ({
            ok: st.exchange_active && st.trading_active,
            detail: `exchange_active ${st.exchange_active}, trading_active ${st.trading_active}`
          })),
          Effect.catchAll((e) => Effect.succeed({ ok: false, detail: `${e._tag}: ${e.message}` }))
        ))
      }
    ]
    return checks
  })
})

const ExchangeStatus = Schema.Struct({ exchange_active: Schema.Boolean, trading_active: Schema.Boolean })

const buildKalshi = (cfg: KalshiConfig.KalshiConfig, venue: string, banner: ReadonlyArray<string>) =>
  Effect.map(Layer.build(KalshiExchange.layerFromConfig(cfg, { venue })), (ctx) =>
    kalshiOpen(Context.get(ctx, KalshiClient.KalshiClient), Context.get(ctx, Exchange.Exchange), banner)
  )

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
  /** Kalshi plugin settings to use against the simulator */
  kalshi: Schema.optionalWith(
    Schema.Struct({
      safety: Schema.optional(KalshiConfig.SafetyConfig),
      reconcile: Schema.optional(KalshiConfig.ReconcileConfig),
      feed: Schema.optional(KalshiConfig.FeedConfig),
      limiter: Schema.optional(KalshiConfig.LimiterConfig),
      requestTimeoutMs: Schema.optional(Schema.Number),
      batchWindowMs: Schema.optional(Schema.Number)
    }),
    { default: () => ({}) }
  )
})

export const registry: Registry = {
  venues: {
    kalshi: venueKind({
      name: "kalshi",
      description: "Kalshi (demo or production, or a Kalshi-compatible URL) with your API key",
      config: KalshiConfig.KalshiConfig,
      open: (cfg, venue) => {
        const u = KalshiConfig.urls(cfg)
        return buildKalshi(cfg, venue, [
          `Kalshi ${cfg.restUrl ? "at" : cfg.env} ${u.rest}`,
          `WebSocket ${u.ws}`,
          `key id ${cfg.apiKeyId}`
        ])
      }
    }),
    "kalshi-sim": venueKind({
      name: "kalshi-sim",
      description: "embedded Kalshi simulator (no account needed), traded through the real Kalshi plugin",
      config: KalshiSimSection,
      open: (c, venue) =>
        Effect.gen(function* () {
          const sim = yield* KalshiSim.make({
            port: c.port,
            seed: c.seed,
            markets: c.markets,
            tier: c.tier,
            flow: c.flow > 0 ? { ratePerSec: c.flow } : false
          })
          const key = yield* sim.generateKey()
          const base = yield* KalshiConfig.decode({ restUrl: sim.restUrl, wsUrl: sim.wsUrl, apiKeyId: key.keyId })
          const overrides = Object.fromEntries(Object.entries(c.kalshi).filter(([, v]) => v !== undefined))
          return yield* buildKalshi({ ...base, ...overrides, privateKey: Redacted.make(key.privateKeyPem) }, venue, [
            `embedded Kalshi simulator: ${sim.restUrl} (WebSocket ${sim.wsUrl}), ${c.markets} markets, seed ${c.seed}, flow ${c.flow}/s`
          ])
        })
    }),
    paper: venueKind({
      name: "paper",
      description: "in-memory venue with a matching engine",
      config: PaperPlugin.plugin.config,
      open: (cfg, venue) =>
        Effect.map(Layer.build(PaperPlugin.plugin.layer(cfg, { venue })), (ctx) => ({
          exchange: Context.get(ctx, Exchange.Exchange),
          banner: [`paper venue, ${cfg.markets.length + (cfg.generate?.count ?? 0)} markets`]
        }))
    })
  },
  strategies: {
    maker: Maker.plugin as never
  }
}
