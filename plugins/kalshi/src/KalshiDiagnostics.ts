/**
 * Kalshi's venue-neutral `Diagnostics`: banner, token budgets, health counters, `verify` checks and the
 * emergency cancel-all (`DELETE /portfolio/events/orders`, verified through REST).
 */
import { Diagnostics } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { KalshiClient, type KalshiClientService } from "./KalshiClient.js"
import * as KalshiConfig from "./KalshiConfig.js"

const ExchangeStatus = Schema.Struct({ exchange_active: Schema.Boolean, trading_active: Schema.Boolean })

/** The banner for a config: where it trades and with which key id (never the key). */
export const banner = (cfg: KalshiConfig.KalshiConfig): ReadonlyArray<string> => {
  const u = KalshiConfig.urls(cfg)
  return [`Kalshi ${cfg.restUrl ? "at" : cfg.env} ${u.rest}`, `WebSocket ${u.ws}`, `key id ${cfg.apiKeyId}`]
}

export const make = (client: KalshiClientService, lines: ReadonlyArray<string>): Diagnostics.DiagnosticsService => ({
  banner: lines,
  budgets: Effect.sync(() => {
    const s = client.limiter.stats()
    return (["write", "read"] as const).map((name) => ({
      name,
      available: s.buckets[name].tokens,
      capacity: s.buckets[name].capacity,
      refill: s.buckets[name].refillRate
    }))
  }),
  counters: Effect.gen(function* () {
    const sinceLast = yield* client.feed.lastActivity // ms since the last frame or ping
    return {
      rateLimited: client.limiter.stats().rateLimited,
      bookResyncs: client.feed.stats().recoveries,
      messageAgeMs: Math.max(0, sinceLast)
    }
  }),
  checks: Effect.gen(function* () {
    // read now, not the limiter's defaults: a tier that could not be read is ❌
    const tier = yield* client.rest.getLimits.pipe(
      Effect.map((l) => ({
        ok: true,
        detail: `write ${l.write.refill_rate}/s (cap ${l.write.bucket_capacity}), read ${l.read.refill_rate}/s (cap ${l.read.bucket_capacity}) — GET /account/limits`
      })),
      Effect.catchAll((e) => Effect.succeed({ ok: false, detail: `GET /account/limits: ${e._tag}: ${e.message}` }))
    )
    const status = yield* client.rest.read({ method: "GET", path: "/exchange/status" }, ExchangeStatus).pipe(
      Effect.map((st) => ({
        ok: st.exchange_active && st.trading_active,
        detail: `exchange_active ${st.exchange_active}, trading_active ${st.trading_active}`
      })),
      Effect.catchAll((e) => Effect.succeed({ ok: false, detail: `${e._tag}: ${e.message}` }))
    )
    return [
      { name: `${client.venue}: rate-limit tier read`, ...tier },
      {
        name: `${client.venue}: dual-source order verification`,
        ok: client.config.reconcile.enabled,
        detail: client.config.reconcile.enabled
          ? `on: WebSocket primary, REST audit every ${client.config.reconcile.pollMs} ms, REST lag grace ${client.config.reconcile.graceMs} ms`
          : "off"
      },
      { name: `${client.venue}: exchange and trading active`, ...status }
    ]
  }),
  emergencyCancelAll: Option.some((reason: string) =>
    Effect.map(client.emergencyCancelAll(reason), (r) => ({
      stillResting: r.stillResting,
      attempts: r.attempts,
      detail:
        r.stillResting === 0
          ? `canceled everything; verified through REST that nothing rests (${r.attempts} attempt(s)); creates refused until ${new Date(r.haltedUntil).toISOString()}`
          : `${r.stillResting} orders still rest after ${r.attempts} attempts`
    }))
  )
})

/** Diagnostics from the plugin's `KalshiClient`; `lines` replace the default banner (e.g. for an embedded simulator). */
export const layer = (lines?: ReadonlyArray<string>): Layer.Layer<Diagnostics.Diagnostics, never, KalshiClient> =>
  Layer.effect(
    Diagnostics.Diagnostics,
    Effect.map(KalshiClient, (client) => make(client, lines ?? banner(client.config)))
  )
