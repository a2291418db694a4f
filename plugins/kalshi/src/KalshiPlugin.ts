/**
 * The plugin declaration the runner composes by name: `{ kalshi: KalshiPlugin.plugin }`.
 * Its config section is decoded with `KalshiConfig` before anything connects.
 */
import { Plugin } from "@alpha-hunter/core"
import * as Layer from "effect/Layer"
import * as KalshiConfig from "./KalshiConfig.js"
import * as KalshiDiagnostics from "./KalshiDiagnostics.js"
import * as KalshiExchange from "./KalshiExchange.js"

export const plugin = Plugin.exchangePlugin({
  name: "kalshi",
  description: "Kalshi (CFTC-regulated event contracts): V2 orders, token-bucket limiter, WS books and order stream",
  config: KalshiConfig.KalshiConfig,
  layer: (config, context) =>
    KalshiDiagnostics.layer().pipe(
      Layer.provideMerge(KalshiExchange.layerFromConfig(config, { venue: context.venue }))
    ),
  // one running instance per API host, key and subaccount
  account: (config) =>
    `kalshi ${KalshiConfig.urls(config).rest} key ${config.apiKeyId}${config.subaccount !== undefined ? ` subaccount ${config.subaccount}` : ""}`
})
