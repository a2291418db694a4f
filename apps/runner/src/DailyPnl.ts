/**
 * Restart keeps today's P&L: P&L realised (and fees paid) earlier today comes from the journal into Risk, so
 * the daily loss limit counts what was lost before a restart.
 *
 * The journal holds what is needed: each run's `run` entry, then per venue the positions it opened with (the
 * `reconcile` entry, at the venue's average cost, less the fills missed while down, which are journaled as
 * fills of that run), then every fill booked. The replay starts at the last run begun before today (so the
 * positions today's fills close have their cost) and counts only fills since the day start
 * (`risk.dailyResetHourUtc`), with Risk's own accounting (`DailyCarry`).
 */
import { Decimal as D } from "@alpha-hunter/core"
import { DailyCarry, type RiskEngine } from "@alpha-hunter/risk"
import * as Effect from "effect/Effect"
import type * as Journal from "./Journal.js"

const DAY = 86_400_000
const HOUR = 3_600_000

/** The start of the risk day holding `now` (epoch ms). */
export const dayStartOf = (now: number, hourUtc: number): number =>
  Math.floor((now - hourUtc * HOUR) / DAY) * DAY + hourUtc * HOUR

const dec = (u: unknown): D.Decimal | undefined => {
  if (typeof u !== "string") return undefined
  const r = D.parse(u)
  return r._tag === "Right" ? r.right : undefined
}

const openingsOf = (e: Journal.Entry): ReadonlyArray<DailyCarry.Opening> | undefined => {
  const ps = e.data["positions"]
  if (!Array.isArray(ps)) return undefined
  return ps.flatMap((p: Record<string, unknown>) => {
    const amount = dec(p["amount"])
    const price = dec(p["price"])
    return amount === undefined || price === undefined || typeof p["symbol"] !== "string"
      ? []
      : [
          {
            venue: e.venue,
            strategy: typeof p["strategy"] === "string" ? p["strategy"] : "",
            symbol: p["symbol"],
            amount,
            price
          }
        ]
  })
}

const fillOf = (e: Journal.Entry): DailyCarry.FillRecord | undefined => {
  const price = dec(e.data["price"])
  const amount = dec(e.data["amount"])
  const fee = dec(e.data["fee"]) ?? D.ZERO
  const side = e.data["side"]
  if (price === undefined || amount === undefined || (side !== "buy" && side !== "sell") || e.symbol === undefined) {
    return undefined
  }
  return { venue: e.venue, strategy: e.strategy ?? "", symbol: e.symbol, side, price, amount, fee, at: e.ts }
}

/**
 * The replay's steps from journal entries (`run`, `reconcile`, `fill`, in order): per run, each venue's
 * opening first, then the run's fills (the missed ones are journaled before the opening but happened after it).
 */
export const steps = (entries: ReadonlyArray<Journal.Entry>): ReadonlyArray<DailyCarry.Step> => {
  const out: Array<DailyCarry.Step> = []
  let opens: Array<DailyCarry.Step> = []
  let fills: Array<DailyCarry.Step> = []
  const flush = () => {
    out.push(...opens, ...fills)
    opens = []
    fills = []
  }
  for (const e of entries) {
    if (e.kind === "run") flush()
    else if (e.kind === "reconcile") {
      const positions = openingsOf(e)
      if (positions !== undefined) opens.push({ _tag: "Open", venue: e.venue, positions })
    } else if (e.kind === "fill") {
      const f = fillOf(e)
      if (f !== undefined) fills.push({ _tag: "Fill", fill: f })
    }
  }
  flush()
  return out
}

/** Today's realised P&L and fees per (venue, strategy) from the journal, booked into Risk; returns the lines said. */
export const carryToday = (journal: Journal.JournalService, risk: RiskEngine.RiskEngineService, now: number) =>
  Effect.gen(function* () {
    const dayStart = dayStartOf(now, risk.config.dailyResetHourUtc)
    const runs = yield* journal.query({ kinds: ["run"] })
    const anchor = runs.filter((r) => r.ts < dayStart).at(-1)
    const entries = yield* journal.query({
      ...(anchor === undefined ? {} : { afterSeq: anchor.seq - 1 }),
      kinds: ["run", "reconcile", "fill"]
    })
    const carried = DailyCarry.today(steps(entries), dayStart)
    for (const c of carried) {
      yield* risk.carryDaily(
        { venue: c.venue, ...(c.strategy === "" ? {} : { strategy: c.strategy }) },
        c.realized,
        c.fees
      )
    }
    return carried.map(
      (c) =>
        `${c.venue}${c.strategy === "" ? "" : `/${c.strategy}`} ${D.format(D.round(c.realized, 4, "half-even"))} realised, ${D.format(D.round(c.fees, 4, "half-even"))} fees`
    )
  })
