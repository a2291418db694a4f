/** The paper venue as an exchange plugin, so the runner can compose it by name ("paper") from config. */
import { Ids, Plugin } from "@alpha-hunter/core"
import { PaperConfig } from "./PaperConfig.js"
import { layer } from "./PaperVenue.js"

export const plugin = Plugin.exchangePlugin({
  name: "paper",
  description: "In-memory venue with a price-time matching engine, exact accounting and optional synthetic flow",
  config: PaperConfig,
  layer: (config: PaperConfig, context: { readonly venue: string }) =>
    layer(PaperConfig.make({ ...config, venue: Ids.VenueId.make(context.venue) }))
})
