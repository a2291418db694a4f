/**
 * Venue health → Risk, the journal and the log, in one place. Venues publish health and never act on Risk;
 * this is where a desync halts the venue's trading (Risk `HALTED` for that venue, with both views of every
 * disagreeing order in the journal), where it heals (`Healing`: cool-down, clean audits, an hourly cap),
 * and where the venue's own halts, disconnects and gaps are recorded for the report and the status line.
 */
import type { Exchange, VenueHealth } from "@alpha-hunter/core"
import type { RiskEngine } from "@alpha-hunter/risk"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import * as Healing from "./Healing.js"
import type { JournalService } from "./Journal.js"

/** What the status line and metrics show of a venue's health. */
export interface HealthView {
  readonly desyncs: number
  readonly halts: number
  /** automatic resumes after a desync */
  readonly resumes: number
  readonly connected: boolean
  /** the last health event's text */
  readonly last: string | undefined
}

export const initial: HealthView = { desyncs: 0, halts: 0, resumes: 0, connected: true, last: undefined }

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
    case "Audited":
      return `audit ${h.clean ? "clean" : "found disagreements"} (${h.orders} orders)`
  }
}

export interface RouteDeps {
  readonly risk: RiskEngine.RiskEngineService
  readonly journal: JournalService
  readonly log: (line: string) => Effect.Effect<void>
  readonly healing: Healing.HealingConfig
}

/** Resumes the venue when what halted it is still the desync (never a limit breach or a person's halt). */
const resume = (venue: string, evidence: string, deps: RouteDeps) =>
  Effect.gen(function* () {
    const statuses = yield* deps.risk.statuses
    const mine = statuses.find((st) => st.scope?.venue === venue && st.scope.strategy === undefined)
    if (mine === undefined || mine.state !== "HALTED" || !mine.reason.startsWith(`${venue} desync`)) return false
    yield* deps.risk.resume(`${venue} healed: ${evidence}`, { venue })
    return true
  })

/** Applies one health event: Risk first (a desync must stop new orders before anything else), then the record. */
export const route = (
  venue: string,
  h: VenueHealth.VenueHealth,
  deps: RouteDeps & { readonly view: Ref.Ref<HealthView>; readonly healState: Ref.Ref<Healing.State> }
) =>
  Effect.gen(function* () {
    if (h._tag === "Desync") {
      yield* deps.risk.setState("HALTED", `${venue} desync: ${h.reason}`, { venue })
    }
    const action = yield* Ref.modify(deps.healState, (s) => Healing.step(s, h, deps.healing))
    let resumed = false
    if (action?._tag === "Resume") resumed = yield* resume(venue, action.evidence, deps)
    if (action?._tag === "StayHalted") {
      yield* deps.log(`[${venue}] stays HALTED: ${action.why}`)
      yield* deps.journal
        .append({ kind: "health", venue, data: { event: "StayHalted", text: action.why, at: h.at } })
        .pipe(Effect.catchAll((e) => deps.log(`[${venue}] journal: ${e.message}`)))
    }
    if (h._tag === "Audited" && !resumed) return // routine: neither journaled nor logged
    const text = resumed && action?._tag === "Resume" ? `resumed after the desync: ${action.evidence}` : describe(h)
    yield* Ref.update(deps.view, (v) => ({
      desyncs: v.desyncs + (h._tag === "Desync" ? 1 : 0),
      halts: v.halts + (h._tag === "Halted" ? 1 : 0),
      resumes: v.resumes + (resumed ? 1 : 0),
      connected: h._tag === "Disconnected" ? false : h._tag === "Reconnected" ? true : v.connected,
      last: text
    }))
    const data: Record<string, unknown> =
      h._tag === "Desync"
        ? { reason: h.reason, disagreements: h.disagreements, at: h.at }
        : { event: resumed ? "Resumed" : h._tag, text, at: h.at }
    yield* deps.journal
      .append({ kind: h._tag === "Desync" ? "desync" : "health", venue, data })
      .pipe(Effect.catchAll((e) => deps.log(`[${venue}] journal: could not record ${h._tag}: ${e.message}`)))
    yield* deps.log(`[${venue}] ${text}`)
  })

/** Follows a venue's health stream in the current scope; returns the live view. */
export const follow = (venue: string, exchange: Exchange.ExchangeService, deps: RouteDeps) =>
  Effect.gen(function* () {
    const view = yield* Ref.make(initial)
    const healState = yield* Ref.make(Healing.initial)
    yield* exchange.health.pipe(
      Stream.runForEach((h) => route(venue, h, { ...deps, view, healState })),
      Effect.catchAllCause((c) => deps.log(`[${venue}] health stream ended: ${String(c)}`)),
      Effect.forkScoped
    )
    return view
  })
