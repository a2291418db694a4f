/**
 * Venue health → Risk, the journal and the log, in one place. Venues publish health and never act on Risk;
 * this is where a desync halts the venue's trading (Risk `HALTED` for that venue, with both views of every
 * disagreeing order in the journal), and where the venue's own halts, disconnects and gaps are recorded
 * for the report and the status line.
 */
import type { Exchange, Risk, VenueHealth } from "@alpha-hunter/core"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import type { JournalService } from "./Journal.js"

/** What the status line and metrics show of a venue's health. */
export interface HealthView {
  readonly desyncs: number
  readonly halts: number
  readonly connected: boolean
  /** the last health event's text */
  readonly last: string | undefined
}

export const initial: HealthView = { desyncs: 0, halts: 0, connected: true, last: undefined }

const describe = (h: VenueHealth.VenueHealth): string => {
  switch (h._tag) {
    case "Desync":
      return `DESYNC: ${h.reason}: ${h.disagreements
        .map((d) => `${d.symbol ?? ""} ${d.clientOrderId ?? d.orderId}: stream [${d.stream}] rest [${d.rest}]`)
        .join("; ")}`
    case "Halted":
      return `venue halted our writes: ${h.reason}${h.until !== undefined ? ` until ${new Date(h.until).toISOString()}` : ""}`
    case "Resumed":
      return `venue resumed: ${h.reason}`
    case "Disconnected":
      return `stream down: ${h.reason}`
    case "Reconnected":
      return "stream reconnected; state re-read"
    case "PrivateGap":
      return `gap on ${h.channel}; state re-read`
    case "RateLimited":
      return `sustained 429s (${h.count})`
  }
}

/** Applies one health event: Risk first (a desync must stop new orders before anything else), then the record. */
export const route = (
  venue: string,
  h: VenueHealth.VenueHealth,
  deps: {
    readonly risk: Risk.RiskService
    readonly journal: JournalService
    readonly view: Ref.Ref<HealthView>
    readonly log: (line: string) => Effect.Effect<void>
  }
) =>
  Effect.gen(function* () {
    const text = describe(h)
    if (h._tag === "Desync") {
      yield* deps.risk.setState("HALTED", `${venue} desync: ${h.reason}`, { venue })
    }
    yield* Ref.update(deps.view, (v) => ({
      desyncs: v.desyncs + (h._tag === "Desync" ? 1 : 0),
      halts: v.halts + (h._tag === "Halted" ? 1 : 0),
      connected: h._tag === "Disconnected" ? false : h._tag === "Reconnected" ? true : v.connected,
      last: text
    }))
    const data: Record<string, unknown> =
      h._tag === "Desync"
        ? { reason: h.reason, disagreements: h.disagreements, at: h.at }
        : { event: h._tag, text, at: h.at }
    yield* deps.journal
      .append({ kind: h._tag === "Desync" ? "desync" : "health", venue, data })
      .pipe(Effect.catchAll((e) => deps.log(`[${venue}] journal: could not record ${h._tag}: ${e.message}`)))
    yield* deps.log(`[${venue}] ${text}`)
  })

/** Follows a venue's health stream in the current scope; returns the live view. */
export const follow = (
  venue: string,
  exchange: Exchange.ExchangeService,
  deps: {
    readonly risk: Risk.RiskService
    readonly journal: JournalService
    readonly log: (line: string) => Effect.Effect<void>
  }
) =>
  Effect.gen(function* () {
    const view = yield* Ref.make(initial)
    yield* exchange.health.pipe(
      Stream.runForEach((h) => route(venue, h, { ...deps, view })),
      Effect.catchAllCause((c) => deps.log(`[${venue}] health stream ended: ${String(c)}`)),
      Effect.forkScoped
    )
    return view
  })
