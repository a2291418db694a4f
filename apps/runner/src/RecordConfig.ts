/**
 * The run config's `record` section: the run records the public tape of the markets it trades, while it
 * trades, from the venue's own feed (no second connection). `--record DIR` on `run` sets `record.out`.
 *
 * ```yaml
 * record:
 *   out: tapes/today          # the tape directory (created, or resumed: same directory again appends)
 *   venues: [sim]             # default: every kalshi / kalshi-sim venue a strategy trades on
 * ```
 */
import * as Schema from "effect/Schema"
import type * as ConfigFile from "./ConfigFile.js"

const Name = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_.-]+$/, { message: () => "expected a name of letters, digits, _ . -" })
)

export const RecordSection = Schema.Struct({
  /** the tape directory; with several venues recorded, one subdirectory per venue */
  out: Schema.String.pipe(Schema.minLength(1, { message: () => "expected a directory" })),
  /** the venues to record (default: every kalshi / kalshi-sim venue a strategy trades on) */
  venues: Schema.optional(Schema.Array(Name)),
  /** public channels recorded beside the books and lifecycle (`trade` feeds the backtest's fill model) */
  channels: Schema.optionalWith(Schema.Array(Schema.Literal("trade", "ticker")), {
    default: () => ["trade", "ticker"] as const
  }),
  /** start a new file past this many MiB */
  rotateMb: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 4096)), { default: () => 64 }),
  /** … or when the current file spans this many minutes */
  rotateMinutes: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 1440)), { default: () => 60 }),
  /** write a chunk (and the index) at least this often */
  flushMs: Schema.optionalWith(Schema.Int.pipe(Schema.between(100, 60_000)), { default: () => 1000 }),
  /** gzip level, 1 (fastest) – 9 (smallest) */
  level: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 9)), { default: () => 6 }),
  /**
   * frames held (MiB of text) while the writer catches up; past it frames are dropped and a gap is written
   * (the feed never waits for the recorder), then fresh snapshots are asked for
   */
  queueMb: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 1024)), { default: () => 32 }),
  /** market definitions and incentive programs are compared this often and written again when changed */
  refreshMs: Schema.optionalWith(Schema.Int.pipe(Schema.between(1000, 3_600_000)), { default: () => 60_000 })
})
export type RecordSection = typeof RecordSection.Type

/** Venue plugins whose feed the recorder can tap. */
export const recordable = new Set(["kalshi", "kalshi-sim"])

const typeOf = (u: unknown): string | undefined =>
  typeof u === "object" && u !== null && typeof (u as { type?: unknown }).type === "string"
    ? (u as { type: string }).type
    : undefined

/**
 * The venues a `record` section records (as written in the config), or the issues that stop the run
 * before anything connects: an unknown venue, a venue with no feed to tap, a venue no strategy trades on.
 */
export const recordedVenues = (
  section: RecordSection,
  venueSections: Readonly<Record<string, unknown>>,
  strategySections: Readonly<Record<string, unknown>>
): { readonly venues: ReadonlyArray<string>; readonly issues: ReadonlyArray<ConfigFile.Issue> } => {
  const traded = new Set(
    Object.values(strategySections).flatMap((s) =>
      typeof s === "object" && s !== null && typeof (s as { venue?: unknown }).venue === "string"
        ? [(s as { venue: string }).venue]
        : []
    )
  )
  const issues: Array<ConfigFile.Issue> = []
  if (section.venues === undefined) {
    const venues = Object.keys(venueSections).filter(
      (v) => recordable.has(typeOf(venueSections[v]) ?? "") && traded.has(v)
    )
    if (venues.length === 0) {
      issues.push({
        path: "record",
        message: "nothing to record: no kalshi or kalshi-sim venue has a strategy trading on it"
      })
    }
    return { venues, issues }
  }
  section.venues.forEach((v, i) => {
    const path = `record.venues[${i}]`
    const type = typeOf(venueSections[v])
    if (venueSections[v] === undefined) {
      issues.push({
        path,
        message: `no venue named "${v}"; expected one of ${Object.keys(venueSections).join(", ")}`
      })
    } else if (!recordable.has(type ?? "")) {
      issues.push({ path, message: `venue ${v} (${type}) has no public feed to record; use kalshi or kalshi-sim` })
    } else if (!traded.has(v)) {
      issues.push({ path, message: `no strategy trades on venue ${v}: nothing to record` })
    }
  })
  if (section.venues.length === 0) issues.push({ path: "record.venues", message: "expected at least one venue" })
  return { venues: section.venues, issues }
}
