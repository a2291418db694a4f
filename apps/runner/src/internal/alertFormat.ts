/**
 * One alert in each webhook preset's shape: generic JSON, a Slack incoming webhook (`{text}`), or an ntfy
 * topic (a plain-text body; title, priority and tags in headers).
 */

export type Kind =
  | "halt"
  | "desync"
  | "resume"
  | "rate_limited"
  | "disconnect"
  | "stop_failed"
  | "daily_summary"
  | "drift"

export type Preset = "json" | "slack" | "ntfy"

export interface Alert {
  readonly kind: Kind
  /** the venue it concerns, `*` for the whole run */
  readonly venue: string
  readonly reason: string
  /** epoch ms */
  readonly at: number
  readonly details?: Record<string, unknown> | undefined
  /** alerts of this kind held back by the rate limit since the last one sent */
  readonly suppressed?: number | undefined
  /** older alerts dropped since the last delivery because the queue was full */
  readonly dropped?: number | undefined
}

export interface Request {
  readonly body: string
  readonly headers: Record<string, string>
}

const titles: Record<Kind, string> = {
  halt: "HALTED",
  desync: "DESYNC",
  resume: "resumed",
  rate_limited: "sustained 429s",
  disconnect: "stream down",
  stop_failed: "STOP FAILED",
  daily_summary: "daily summary",
  drift: "DRIFT"
}

/** ntfy priorities: 5 urgent … 1 min */
const priorities: Record<Kind, string> = {
  halt: "5",
  desync: "5",
  stop_failed: "5",
  disconnect: "4",
  rate_limited: "4",
  resume: "3",
  daily_summary: "2",
  drift: "4"
}

const tags: Record<Kind, string> = {
  halt: "rotating_light",
  desync: "rotating_light",
  stop_failed: "rotating_light",
  disconnect: "warning",
  rate_limited: "warning",
  resume: "white_check_mark",
  daily_summary: "bar_chart",
  drift: "warning"
}

export const title = (a: Alert): string => `alpha-hunter ${titles[a.kind]}${a.venue === "*" ? "" : ` [${a.venue}]`}`

const notes = (a: Alert): string =>
  [
    a.suppressed ? ` (${a.suppressed} more held back by the rate limit)` : "",
    a.dropped ? ` (${a.dropped} older alerts dropped: queue full)` : ""
  ].join("")

/** The alert as one line of text. */
export const text = (a: Alert): string => `${title(a)}: ${a.reason}${notes(a)}`

/** HTTP header values must be Latin-1; keep them to printable ASCII. */
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]/g, "?")

export const format = (preset: Preset, a: Alert): Request => {
  switch (preset) {
    case "slack":
      return { body: JSON.stringify({ text: text(a) }), headers: { "content-type": "application/json" } }
    case "ntfy":
      return {
        body: `${a.reason}${notes(a)}`,
        headers: {
          "content-type": "text/plain; charset=utf-8",
          title: headerSafe(title(a)),
          priority: priorities[a.kind],
          tags: tags[a.kind]
        }
      }
    case "json":
      return {
        body: JSON.stringify({
          kind: a.kind,
          venue: a.venue,
          reason: a.reason,
          at: a.at,
          time: new Date(a.at).toISOString(),
          text: text(a),
          ...(a.suppressed ? { suppressed: a.suppressed } : {}),
          ...(a.dropped ? { dropped: a.dropped } : {}),
          ...(a.details === undefined ? {} : { details: a.details })
        }),
        headers: { "content-type": "application/json" }
      }
  }
}
