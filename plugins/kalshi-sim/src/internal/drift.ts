/**
 * Mid-run changes of what a bot reads once and may cache (the drift a bot's tripwire must notice): a series'
 * fee type and multiplier (with its entry in `GET /series/fee_changes`), an incentive program's parameters,
 * and a market's price level structure. Driven through `POST /_sim/control` or `SimHandle.control`.
 */
import type { Engine } from "./engine.js"
import { type FeeType, feeTypes } from "./fees.js"
import type { Program } from "./incentives.js"
import type { Prng } from "./prng.js"
import { structures } from "./ticks.js"

/** One entry of `GET /series/fee_changes` (REFERENCE §4.5, §10.1). */
export interface FeeChange {
  readonly id: string
  readonly seriesTicker: string
  readonly feeType: FeeType
  /** basis points (10 000 = 1) */
  readonly feeMultiplierBp: number
  /** ms since epoch */
  readonly scheduledMs: number
}

export const isFeeType = (s: unknown): s is FeeType => typeof s === "string" && feeTypes.includes(s as FeeType)

/**
 * Changes the fee type (and multiplier) of every market of a series at `atMs` (now when absent or past; a
 * later time is scheduled on `schedule`); the change is listed in `fee_changes` from now on.
 */
export const setSeriesFee = (
  engine: Engine,
  changes: Array<FeeChange>,
  prng: Prng,
  series: string,
  feeType: FeeType,
  multiplierBp: number | undefined,
  nowMs: number,
  at?: { readonly ms: number; readonly schedule: (ms: number, f: () => void) => void }
): void => {
  const ms = [...engine.markets.values()].filter((m) => m.seriesTicker === series)
  if (ms.length === 0) throw new Error(`unknown series ${series}`)
  const apply = () => {
    for (const m of ms) {
      m.feeType = feeType
      if (multiplierBp !== undefined) m.feeMultiplierBp = multiplierBp
      m.updatedMs = Math.max(m.updatedMs, at?.ms ?? nowMs)
    }
  }
  const when = at !== undefined && at.ms > nowMs ? at.ms : nowMs
  if (when > nowMs) at!.schedule(when, apply)
  else apply()
  changes.push({
    id: prng.uuid(),
    seriesTicker: series,
    feeType,
    feeMultiplierBp: multiplierBp ?? ms[0]!.feeMultiplierBp,
    scheduledMs: when
  })
}

export interface ProgramChange {
  readonly targetSize?: number
  readonly discountFactorBps?: number
  readonly periodRewardCentiCents?: number
  /** the venue marks the program paid out (`status=paid_out` from then on) */
  readonly paidOut?: boolean
}

/** Changes a program's parameters in place (same id). */
export const setProgram = (programs: Array<Program>, id: string, change: ProgramChange): Program => {
  const i = programs.findIndex((p) => p.id === id)
  if (i < 0) throw new Error(`unknown incentive program ${id}`)
  const p = programs[i]!
  const next: Program = {
    ...p,
    targetSize: change.targetSize ?? p.targetSize,
    discountFactorBps: change.discountFactorBps ?? p.discountFactorBps,
    periodReward: change.periodRewardCentiCents ?? p.periodReward,
    paidOut: change.paidOut ?? p.paidOut
  }
  programs[i] = next
  return next
}

/** A market's new price level structure (resting orders carried over; the lifecycle channel says so). */
export const setStructure = (engine: Engine, ticker: string, structure: string): void => {
  const m = engine.markets.get(ticker)
  if (m === undefined) throw new Error(`unknown market ${ticker}`)
  const ranges = structures[structure]
  if (ranges === undefined) throw new Error(`unknown price_level_structure ${structure}`)
  engine.regridMarket(m, structure, ranges)
}

/** The wire form of a fee change. */
export const feeChangeWire = (c: FeeChange) => ({
  id: c.id,
  series_ticker: c.seriesTicker,
  fee_type: c.feeType,
  fee_multiplier: c.feeMultiplierBp / 10_000,
  scheduled_ts: new Date(c.scheduledMs).toISOString()
})

/** What `POST /_sim/control`'s drift actions change. */
export interface DriftContext {
  readonly engine: Engine
  readonly feeChanges: Array<FeeChange>
  readonly programs: Array<Program>
  readonly prng: Prng
  readonly now: () => number
  readonly schedule: (ms: number, f: () => void) => void
}

/**
 * `POST /_sim/control` drift actions: `set_series_fee` (`series`, `fee_type`, `fee_multiplier`?, `scheduled_ms`?),
 * `set_program` (`program_id`, `target_size`?, `discount_factor_bps`?, `period_reward`?, `paid_out`?),
 * `set_price_level_structure` (`ticker`, `price_level_structure`). Returns what is wrong, if anything.
 */
export const driftControl = (action: string, body: Record<string, unknown>, ctx: DriftContext): string | undefined => {
  const num = (k: string) => (typeof body[k] === "number" ? (body[k] as number) : undefined)
  try {
    if (action === "set_series_fee") {
      if (typeof body["series"] !== "string" || !isFeeType(body["fee_type"])) {
        return "series and a known fee_type required"
      }
      const mult = num("fee_multiplier")
      const at = num("scheduled_ms")
      setSeriesFee(
        ctx.engine,
        ctx.feeChanges,
        ctx.prng,
        body["series"],
        body["fee_type"],
        mult === undefined ? undefined : Math.round(mult * 10_000),
        ctx.now(),
        at === undefined ? undefined : { ms: at, schedule: ctx.schedule }
      )
    } else if (action === "set_program") {
      if (typeof body["program_id"] !== "string") return "program_id required"
      const t = num("target_size")
      const df = num("discount_factor_bps")
      const reward = num("period_reward")
      const paid = body["paid_out"]
      if (paid !== undefined && typeof paid !== "boolean") return "paid_out must be true or false"
      setProgram(ctx.programs, body["program_id"], {
        ...(t !== undefined ? { targetSize: t } : {}),
        ...(df !== undefined ? { discountFactorBps: df } : {}),
        ...(reward !== undefined ? { periodRewardCentiCents: reward } : {}),
        ...(paid !== undefined ? { paidOut: paid } : {})
      })
    } else {
      if (typeof body["ticker"] !== "string" || typeof body["price_level_structure"] !== "string") {
        return "ticker and price_level_structure required"
      }
      setStructure(ctx.engine, body["ticker"], body["price_level_structure"])
    }
    return undefined
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  }
}
