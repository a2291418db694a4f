/** The paper venue as an exchange plugin, so the runner can compose it by name ("paper") from config. */
import { Diagnostics, Ids, Plugin } from "@alpha-hunter/core"
import * as Layer from "effect/Layer"
import { PaperConfig } from "./PaperConfig.js"
import { layer } from "./PaperVenue.js"

export const plugin = Plugin.exchangePlugin({
  name: "paper",
  description: "In-memory venue with a price-time matching engine, exact accounting and optional synthetic flow",
  config: PaperConfig,
  layer: (config: PaperConfig, context: { readonly venue: string }) =>
    Layer.merge(
      layer(PaperConfig.make({ ...config, venue: Ids.VenueId.make(context.venue) })),
      Layer.succeed(
        Diagnostics.Diagnostics,
        Diagnostics.minimal([`paper venue, ${config.markets.length + (config.generate?.count ?? 0)} markets`])
      )
    )
})
