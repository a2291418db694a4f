/**
 * The runner's surface: config resolution, a run, the status line, `verify` and the report. Each lives in
 * its own module; this one gathers them for the CLI and tests.
 */
import * as Effect from "effect/Effect"
import type * as Journal from "./Journal.js"
import * as Report from "./Report.js"

export { errorText } from "./Errors.js"
export type { AnyExchangePlugin, AnyStrategyPlugin, Registry } from "./Registry.js"
export { load, type Resolved, type ResolvedStrategy, resolve, select, selectedSymbols } from "./Resolve.js"
export { type RunHandle, start } from "./Run.js"
export { statusLine } from "./Status.js"
export { openPlugin, type VenueSession } from "./Venues.js"
export { verify } from "./Verify.js"

/** What an order's resting interval needs from before the window (orders resting into it, process starts). */
const stateKinds: ReadonlyArray<Journal.EntryKind> = ["run", "ack", "update", "reconcile", "resolved", "cancel", "fill"]

/** Computes the report for a run (or the whole journal): the window's entries, and the order history before it. */
export const report = (journal: Journal.JournalService, options: Report.ReportOptions) =>
  Effect.gen(function* () {
    const before = options.since === undefined ? [] : yield* journal.query({ until: options.since, kinds: stateKinds })
    const inWindow = yield* journal.query(options.since === undefined ? {} : { since: options.since })
    return Report.compute([...before, ...inWindow], options)
  })
