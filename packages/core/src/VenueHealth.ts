/**
 * Venue health as one stream every venue publishes and nobody in the venue acts on: the runner routes it to
 * Risk (halt / resume), the journal and the report in one place. A venue never depends on Risk.
 *
 * - `Desync`: the venue's two views of our orders (push stream and REST) disagree — nothing about our
 *   orders can be trusted until the venue is cleaned up. Each disagreement names both views.
 * - `Halted` / `Resumed`: the venue stopped (or restarted) accepting our writes on its own
 *   (an emergency cancel-all window, a venue-side pause).
 * - `Disconnected` / `Reconnected`: the push stream dropped or came back (state was re-read from REST).
 * - `PrivateGap`: a sequence gap on a private channel (our orders or fills); state was re-read from REST.
 * - `RateLimited`: sustained 429s (for alerts; the limiter already slowed down).
 * - `Audited`: one round of the venue's own consistency audit (e.g. REST against the push stream) finished;
 *   `clean` when the two views agree on every order. Clean audits are the evidence for resuming after a
 *   desync.
 */
import * as Schema from "effect/Schema"

export const Disagreement = Schema.Struct({
  orderId: Schema.String,
  clientOrderId: Schema.optional(Schema.String),
  symbol: Schema.optional(Schema.String),
  /** what the push stream (or our tracked view) says, e.g. "open 5" */
  stream: Schema.String,
  /** what the REST view says, e.g. "canceled" or "absent" */
  rest: Schema.String
})
export type Disagreement = typeof Disagreement.Type

export class Desync extends Schema.TaggedClass<Desync>()("Desync", {
  venue: Schema.String,
  reason: Schema.String,
  disagreements: Schema.Array(Disagreement),
  /** epoch ms */
  at: Schema.Int
}) {}
export class Halted extends Schema.TaggedClass<Halted>()("Halted", {
  venue: Schema.String,
  reason: Schema.String,
  /** epoch ms until which the venue refuses our creates, when known */
  until: Schema.optional(Schema.Int),
  at: Schema.Int
}) {}
export class Resumed extends Schema.TaggedClass<Resumed>()("Resumed", {
  venue: Schema.String,
  reason: Schema.String,
  at: Schema.Int
}) {}
export class Disconnected extends Schema.TaggedClass<Disconnected>()("Disconnected", {
  venue: Schema.String,
  reason: Schema.String,
  at: Schema.Int
}) {}
export class Reconnected extends Schema.TaggedClass<Reconnected>()("Reconnected", {
  venue: Schema.String,
  at: Schema.Int
}) {}
export class PrivateGap extends Schema.TaggedClass<PrivateGap>()("PrivateGap", {
  venue: Schema.String,
  channel: Schema.String,
  at: Schema.Int
}) {}
export class RateLimited extends Schema.TaggedClass<RateLimited>()("RateLimited", {
  venue: Schema.String,
  /** 429s seen in the window */
  count: Schema.Int,
  at: Schema.Int
}) {}

export class Audited extends Schema.TaggedClass<Audited>()("Audited", {
  venue: Schema.String,
  clean: Schema.Boolean,
  /** orders the audit compared */
  orders: Schema.Int,
  at: Schema.Int
}) {}

export const VenueHealth = Schema.Union(
  Desync,
  Halted,
  Resumed,
  Disconnected,
  Reconnected,
  PrivateGap,
  RateLimited,
  Audited
)
export type VenueHealth = typeof VenueHealth.Type
