/**
 * Config → a resolved run: every venue and strategy section decoded with its plugin's own schema, all
 * problems reported in one pass with their paths, before anything connects; market selection.
 */
import type { Market } from "@alpha-hunter/core"
import { RiskConfig } from "@alpha-hunter/risk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { AppConfig, type MarketSelector, StrategySection, VenueSection } from "./AppConfig.js"
import * as ConfigFile from "./ConfigFile.js"
import { recordedVenues } from "./RecordConfig.js"
import { type AnyExchangePlugin, type AnyStrategyPlugin, decodeSection, type Registry } from "./Registry.js"

export interface ResolvedStrategy {
  readonly name: string
  readonly section: StrategySection
  readonly plugin: AnyStrategyPlugin
  /** the plugin's own keys (everything but plugin/venue/markets/clientIdPrefix) */
  readonly pluginInput: Record<string, unknown>
  readonly prefix: string
}

export interface Resolved {
  readonly file: string
  readonly config: AppConfig
  readonly venues: ReadonlyArray<{
    readonly name: string
    readonly plugin: AnyExchangePlugin
    readonly config: unknown
  }>
  readonly strategies: ReadonlyArray<ResolvedStrategy>
  readonly risk: RiskConfig.RiskConfig
}

const runnerKeys = new Set(["plugin", "venue", "markets", "clientIdPrefix"])
const placeholder = "__selected_markets__"

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * One pass: the envelope and every section (each venue, each strategy, risk) are decoded on their own, so a
 * mistake in one never hides the others; all issues come back together, each once, named by its path.
 */
export const resolve = (
  file: string,
  raw: unknown,
  registry: Registry
): Either.Either<Resolved, ConfigFile.ConfigError> => {
  const issues: Array<ConfigFile.Issue> = []
  const envelope = ConfigFile.decodeWith(AppConfig, raw)
  if (Either.isLeft(envelope)) issues.push(...envelope.left)
  const top = isRecord(raw) ? raw : {}
  const venueSections = isRecord(top["venues"]) ? top["venues"] : {}
  const strategySections = isRecord(top["strategies"]) ? top["strategies"] : {}
  const venues: Array<Resolved["venues"][number]> = []
  if (Object.keys(venueSections).length === 0) issues.push({ path: "venues", message: "at least one venue is needed" })
  for (const [name, input] of Object.entries(venueSections)) {
    const section = ConfigFile.decodeWith(VenueSection, input, ["venues", name])
    if (Either.isLeft(section)) {
      issues.push(...section.left)
      continue
    }
    const plugin = registry.venues[section.right.type]
    if (plugin === undefined) {
      issues.push({
        path: `venues.${name}.type`,
        message: `unknown venue plugin "${section.right.type}"; expected one of ${Object.keys(registry.venues).join(", ")}`
      })
      continue
    }
    const { type: _type, ...rest } = section.right
    const decoded = decodeSection(plugin.config, rest)
    if (Either.isLeft(decoded)) issues.push(...ConfigFile.issuesOf(decoded.left, ["venues", name]))
    else venues.push({ name, plugin, config: decoded.right })
  }
  const strategies: Array<ResolvedStrategy> = []
  const prefixes = new Set<string>()
  for (const [name, input] of Object.entries(strategySections)) {
    const decodedSection = ConfigFile.decodeWith(StrategySection, input, ["strategies", name])
    if (Either.isLeft(decodedSection)) {
      issues.push(...decodedSection.left)
      continue
    }
    const section = decodedSection.right
    const plugin = registry.strategies[section.plugin]
    if (plugin === undefined) {
      issues.push({
        path: `strategies.${name}.plugin`,
        message: `unknown strategy plugin "${section.plugin}"; expected one of ${Object.keys(registry.strategies).join(", ")}`
      })
      continue
    }
    if (venueSections[section.venue] === undefined) {
      issues.push({
        path: `strategies.${name}.venue`,
        message: `no venue named "${section.venue}"; expected one of ${Object.keys(venueSections).join(", ")}`
      })
    }
    const pluginInput = Object.fromEntries(Object.entries(section).filter(([k]) => !runnerKeys.has(k)))
    // the markets are selected after connecting: check the rest now, with a stand-in list
    const probe = Array.isArray(section.markets) ? section.markets : [placeholder]
    const decoded = Schema.decodeUnknownEither(plugin.config, { onExcessProperty: "error", errors: "all" })({
      ...pluginInput,
      markets: probe
    })
    if (Either.isLeft(decoded)) issues.push(...ConfigFile.issuesOf(decoded.left, ["strategies", name]))
    const prefix = section.clientIdPrefix ?? `ah-${name.replace(/[^A-Za-z0-9]/g, "").slice(0, 8)}-`
    if ([...prefixes].some((p) => p.startsWith(prefix) || prefix.startsWith(p))) {
      issues.push({
        path: `strategies.${name}.clientIdPrefix`,
        message: `client order id prefix "${prefix}" overlaps another strategy's; set a distinct clientIdPrefix`
      })
    }
    prefixes.add(prefix)
    strategies.push({ name, section, plugin, pluginInput, prefix })
  }
  const risk = Schema.decodeUnknownEither(RiskConfig.RiskConfig, { onExcessProperty: "error", errors: "all" })(
    top["risk"] ?? {}
  )
  if (Either.isLeft(risk)) issues.push(...ConfigFile.issuesOf(risk.left, ["risk"]))
  const record = Either.isRight(envelope) ? envelope.right.record : undefined
  if (record !== undefined) issues.push(...recordedVenues(record, venueSections, strategySections).issues)
  if (issues.length > 0 || Either.isLeft(risk) || Either.isLeft(envelope)) {
    return Either.left(new ConfigFile.ConfigError({ file, issues: ConfigFile.tidy(issues, raw) }))
  }
  return Either.right({ file, config: envelope.right, venues, strategies, risk: risk.right })
}

/** Reads, env-resolves and checks a config file. */
export const load = (
  file: string,
  registry: Registry,
  env: Readonly<Record<string, string | undefined>> = process.env
) => Effect.flatMap(ConfigFile.readFile(file, env), (raw) => resolve(file, raw, registry))

/** Markets picked by a selector, in the venue's order. */
export const select = (
  markets: ReadonlyArray<Market.Market>,
  selector: MarketSelector
): ReadonlyArray<Market.Market> => {
  if (Array.isArray(selector)) {
    const bySymbol = new Map(markets.map((m) => [m.symbol as string, m]))
    return selector.flatMap((s) => {
      const m = bySymbol.get(s)
      return m === undefined ? [] : [m]
    })
  }
  const s = selector as Exclude<MarketSelector, ReadonlyArray<string>>
  const picked = markets.filter(
    (m) =>
      (s.status === "any" || m.status === "open") &&
      (s.prefixes === undefined || s.prefixes.some((p) => m.symbol.startsWith(p))) &&
      (s.events === undefined || (m.eventId !== undefined && s.events.includes(m.eventId)))
  )
  return s.limit === undefined ? picked : picked.slice(0, s.limit)
}

/** The symbols a strategy trades: an explicit list as written (unknown ones included, to be reported), or a selection. */
export const selectedSymbols = (
  markets: ReadonlyArray<Market.Market>,
  selector: MarketSelector
): ReadonlyArray<string> =>
  Array.isArray(selector)
    ? (selector as ReadonlyArray<string>)
    : select(markets, selector).map((m) => m.symbol as string)

/** The strategy that owns a client order id (by its prefix), if any. */
export const strategyOf = (resolved: Resolved, clientOrderId: string | undefined): string | undefined =>
  clientOrderId === undefined ? undefined : resolved.strategies.find((s) => clientOrderId.startsWith(s.prefix))?.name
