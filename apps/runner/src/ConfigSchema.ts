/**
 * The config file's complete JSON Schema: the envelope (`AppConfig`) with every registered plugin's own
 * section filled in — each venue entry is one of the venue plugins (chosen by `type`), each strategy entry one
 * of the strategy plugins (chosen by `plugin`), and `risk` is the risk engine's config — so an editor checks
 * every key, not only the top level.
 */
import { RiskConfig } from "@alpha-hunter/risk"
import * as JSONSchema from "effect/JSONSchema"
import type * as Schema from "effect/Schema"
import { AppConfig, MarketSelector } from "./AppConfig.js"
import type { Registry } from "./Registry.js"

type Json = Record<string, unknown>

const make = (schema: Schema.Schema.Any): Json =>
  JSONSchema.make(schema as Schema.Schema<unknown, unknown>) as unknown as Json

/** The schema's object (resolving a top-level `$ref`), its `$defs` moved into `defs`. */
const objectOf = (schema: Json, defs: Json): Json => {
  const { $schema: _, $defs, ...rest } = schema
  Object.assign(defs, ($defs ?? {}) as Json)
  const ref = rest["$ref"]
  if (typeof ref === "string" && ref.startsWith("#/$defs/")) {
    const target = defs[ref.slice("#/$defs/".length)] as Json | undefined
    if (target !== undefined) return { ...target }
  }
  return rest
}

/** `schema` with extra properties (required when listed in `required`). */
const withProperties = (schema: Json, extra: Json, required: ReadonlyArray<string>): Json => ({
  ...schema,
  type: "object",
  properties: { ...((schema["properties"] as Json | undefined) ?? {}), ...extra },
  required: [...new Set([...((schema["required"] as Array<string> | undefined) ?? []), ...required])]
})

/** Effect tags some schemas (`unknown`, `object`, …) with a fixed `$id`; repeated, validators refuse it. */
const dropFixedIds = (x: unknown): unknown => {
  if (Array.isArray(x)) return x.map(dropFixedIds)
  if (typeof x !== "object" || x === null) return x
  const out: Json = {}
  for (const [k, v] of Object.entries(x)) {
    if (k === "$id" && typeof v === "string" && v.startsWith("/schemas/")) continue
    out[k] = dropFixedIds(v)
  }
  return out
}

export const configJsonSchema = (registry: Registry): Json => dropFixedIds(build(registry)) as Json

const build = (registry: Registry): Json => {
  const root = make(AppConfig)
  const defs: Json = { ...((root["$defs"] as Json | undefined) ?? {}) }
  const properties = { ...(root["properties"] as Json) }

  const venues = Object.entries(registry.venues).map(([name, plugin]) =>
    withProperties(objectOf(make(plugin.config), defs), { type: { const: name, description: plugin.description } }, [
      "type"
    ])
  )
  properties["venues"] = {
    type: "object",
    propertyNames: { pattern: "^[A-Za-z0-9_.-]+$" },
    additionalProperties: { oneOf: venues },
    description: "venue name → its plugin (`type`) and the plugin's own settings"
  }

  const selector = objectOf(make(MarketSelector), defs)
  const strategies = Object.entries(registry.strategies).map(([name, plugin]) => {
    const own = objectOf(make(plugin.config), defs)
    return withProperties(
      own,
      {
        plugin: { const: name, description: plugin.description },
        venue: { type: "string", description: "the name of a venue in `venues`" },
        markets: selector,
        clientIdPrefix: { type: "string", pattern: "^[A-Za-z0-9_-]{1,16}$", description: "client order id prefix" }
      },
      ["plugin", "venue"]
    )
  })
  properties["strategies"] = {
    type: "object",
    propertyNames: { pattern: "^[A-Za-z0-9_.-]+$" },
    additionalProperties: { oneOf: strategies },
    description: "strategy name → its plugin, venue, markets and the plugin's own settings"
  }
  properties["risk"] = objectOf(make(RiskConfig.RiskConfig), defs)

  return { ...root, properties, ...(Object.keys(defs).length > 0 ? { $defs: defs } : {}) }
}
