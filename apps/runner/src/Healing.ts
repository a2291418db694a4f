/**
 * Healing after a desync, as a pure transition over the venue's health events:
 * - a `Desync` halts the venue (the router does that through Risk) and starts a cool-down;
 * - the venue's own halt window (`Halted.until`) pushes the earliest resume further out;
 * - after the cool-down, `cleanAudits` consecutive clean audits (`Audited.clean`) resume the venue — at most
 *   `maxResumesPerHour` times in any hour; past that it stays halted until a person resumes it.
 * An audit that is not clean, or one before the cool-down ends, starts the count again.
 */

import type { VenueHealth } from "@alpha-hunter/core"
import * as Schema from "effect/Schema"

export const HealingConfig = Schema.Struct({
  /** resume by itself after a desync once the evidence below is in (false: only a person resumes) */
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /** no resume sooner than this after the desync */
  coolDownMs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 30_000 }),
  /** consecutive clean audits after the cool-down */
  cleanAudits: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 2 }),
  /** automatic resumes allowed in any rolling hour */
  maxResumesPerHour: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 3 })
})
export type HealingConfig = typeof HealingConfig.Type

export interface State {
  /** when the desync that halted the venue was seen (undefined: not halted by a desync) */
  readonly haltedAt: number | undefined
  /** earliest time a resume may happen */
  readonly notBefore: number
  readonly clean: number
  /** times of automatic resumes in the last hour */
  readonly resumes: ReadonlyArray<number>
  /** the hourly cap was reached: only a person resumes */
  readonly manual: boolean
}

export const initial: State = { haltedAt: undefined, notBefore: 0, clean: 0, resumes: [], manual: false }

export type Action =
  | { readonly _tag: "Resume"; readonly evidence: string }
  | { readonly _tag: "StayHalted"; readonly why: string }

const HOUR = 3_600_000

export const step = (
  s: State,
  h: VenueHealth.VenueHealth,
  policy: HealingConfig
): readonly [Action | undefined, State] => {
  switch (h._tag) {
    case "Desync":
      return [
        undefined,
        { ...s, haltedAt: h.at, notBefore: Math.max(s.notBefore, h.at + policy.coolDownMs), clean: 0, manual: false }
      ]
    case "Halted":
      return [undefined, { ...s, notBefore: Math.max(s.notBefore, h.until ?? h.at) }]
    case "Audited": {
      if (s.haltedAt === undefined || !policy.enabled || s.manual) return [undefined, s]
      if (h.at < s.notBefore || !h.clean) return [undefined, { ...s, clean: 0 }]
      const clean = s.clean + 1
      if (clean < policy.cleanAudits) return [undefined, { ...s, clean }]
      const recent = s.resumes.filter((t) => t > h.at - HOUR)
      if (recent.length >= policy.maxResumesPerHour) {
        return [
          { _tag: "StayHalted", why: `${recent.length} automatic resumes in the last hour; a person must resume` },
          { ...s, clean: 0, resumes: recent, manual: true }
        ]
      }
      return [
        {
          _tag: "Resume",
          evidence: `${clean} consecutive clean audits (last over ${h.orders} orders), ${Math.round((h.at - s.haltedAt) / 1000)} s after the desync`
        },
        { haltedAt: undefined, notBefore: 0, clean: 0, resumes: [...recent, h.at], manual: false }
      ]
    }
    default:
      return [undefined, s]
  }
}
