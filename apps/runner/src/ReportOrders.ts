/**
 * The report's application metrics from the journal's order and fill entries: resting orders placed,
 * liquidity provided (time-weighted resting notional), spread improvement, maker/taker volume, fees, P&L.
 *
 * Honest resting intervals: an order rests from its ack (or adoption) to its end, counted only inside the
 * window (an order resting into the window counts from the window's start). When the process that placed it
 * ends (a new `run` entry, or the end of the journal):
 * - on an in-process venue (its venue died with the process) the order ends at the process's last journal
 *   activity;
 * - on a venue reached over a network it may have rested on: it is still counted until the restart's
 *   reconciliation says otherwise — adopted (it rested through), or ended while we were down, at its
 *   venue-known terminal time (`terminalAt`), or, when the venue did not say, at the last activity before
 *   the gap (the conservative reading).
 *
 * Notional of a binary contract order: a bid at p ties up p per contract, an ask at p ties up 1 − p.
 */
import { Decimal as D } from "@alpha-hunter/core"
import type { Entry } from "./Journal.js"

const DAY = 86_400_000

export const dec = (u: unknown): D.Decimal | undefined => {
  if (typeof u !== "string") return undefined
  const r = D.parse(u)
  return r._tag === "Right" ? r.right : undefined
}

export interface OrderAcc {
  readonly venue: string
  readonly symbol: string
  ordersPlaced: number
  contractsPlaced: D.Decimal
  notionalMs: D.Decimal
  /** the improvement of each order placed, in ticks and in price (sums and counts: the averages, exact) */
  impTicksSum: number
  impTicksCount: number
  impSum: D.Decimal
  impCount: number
  maker: D.Decimal
  taker: D.Decimal
  vol30: D.Decimal
  vol30d: D.Decimal
  fees: D.Decimal
  cash: D.Decimal
  position: D.Decimal
  mark: D.Decimal | undefined
}

interface Resting {
  readonly acc: OrderAcc
  readonly side: string
  readonly price: D.Decimal
  readonly remaining: D.Decimal
  readonly since: number
  /** the last activity before a restart the order was not yet confirmed through (external venues) */
  readonly downFrom: number | undefined
}

export interface HealthEvent {
  readonly kind: "desync" | "halt" | "resume"
  readonly venue: string
  readonly at: number
}

export interface OrdersPass {
  readonly markets: ReadonlyMap<string, OrderAcc>
  readonly desyncs: number
  readonly halts: number
  readonly resumes: number
  readonly health: ReadonlyArray<HealthEvent>
}

const notionalOf = (side: string, price: D.Decimal, amount: D.Decimal) =>
  D.mul(side === "buy" ? price : D.sub(D.ONE, price), amount)

const TERMINAL = new Set(["closed", "canceled", "expired", "rejected", "not_found", "not_looked_up"])

/** A fill inside the last 30 days (kept until the window's end is known). */
interface Recent {
  readonly ts: number
  readonly amount: D.Decimal
  readonly notional: D.Decimal
}

/**
 * The pass as a fold, entry by entry (oldest first), so a report can be built while the journal is written —
 * the backtest's, with nothing read back and nothing kept per entry. What it keeps is bounded: the resting
 * orders, one accumulator per market and, for the 30-day volume, the fills that may fall before the window's
 * last 30 days: every fill of the last 30 days when the window's end is unknown until `finish`; with `endsBy`
 * (the window ends no later: a backtest's tape says so) a fill at least 30 days before `endsBy` only — none
 * when the window starts less than 30 days before `endsBy`. `inProcessOf`: whether each venue runs inside the process (every start's
 * reconcile entry says); when absent, the latest reconcile entry seen so far says — the same as `ordersPass`'s
 * look at the whole journal unless a venue changed between in-process and not across restarts.
 */
export interface OrdersFold {
  readonly add: (e: Entry) => void
  /** the result for the window ending at `to` (no entry added after `to`) */
  readonly finish: (to: number, options?: { readonly live?: boolean }) => OrdersPass
}

export const ordersFold = (from: number, inProcessOf?: ReadonlyMap<string, boolean>, endsBy?: number): OrdersFold => {
  // a fill at or after this is in the window's last 30 days whatever the window's end (it is `endsBy` at most)
  const surely30 = endsBy === undefined ? Number.POSITIVE_INFINITY : endsBy - 30 * DAY
  const inProcess = new Map<string, boolean>(inProcessOf ?? [])
  const markets = new Map<string, OrderAcc>()
  const recent = new Map<OrderAcc, { fills: Array<Recent>; head: number }>()
  const acc = (venue: string, symbol: string): OrderAcc => {
    const k = `${venue}\u0000${symbol}`
    let a = markets.get(k)
    if (a === undefined) {
      a = {
        venue,
        symbol,
        ordersPlaced: 0,
        contractsPlaced: D.ZERO,
        notionalMs: D.ZERO,
        impTicksSum: 0,
        impTicksCount: 0,
        impSum: D.ZERO,
        impCount: 0,
        maker: D.ZERO,
        taker: D.ZERO,
        vol30: D.ZERO,
        vol30d: D.ZERO,
        fees: D.ZERO,
        cash: D.ZERO,
        position: D.ZERO,
        mark: undefined
      }
      markets.set(k, a)
    }
    return a
  }
  const resting = new Map<string, Resting>()
  // `to`: the window's end, known at `finish` (an entry added is never after it: closing earlier needs no cap)
  const close = (key: string, at: number, to = Number.POSITIVE_INFINITY) => {
    const r = resting.get(key)
    if (r === undefined) return
    const ms = Math.max(0, Math.min(at, to) - Math.max(r.since, from))
    r.acc.notionalMs = D.add(r.acc.notionalMs, D.mulInt(notionalOf(r.side, r.price, r.remaining), ms))
    resting.delete(key)
  }
  const open = (key: string, a: OrderAcc, side: string, price: D.Decimal, remaining: D.Decimal, at: number) => {
    const downFrom = resting.get(key)?.downFrom
    close(key, at)
    if (remaining > 0n) resting.set(key, { acc: a, side, price, remaining, since: at, downFrom })
  }
  /** the process ended at `last`: in-process venues' orders end there; others may have rested on */
  const processEnded = (last: number) => {
    for (const [key, r] of [...resting]) {
      if (inProcess.get(r.acc.venue) === true) close(key, last)
      else if (r.downFrom === undefined) resting.set(key, { ...r, downFrom: last })
    }
  }
  /**
   * a fill in the window: counted now when it is surely in the last 30 days, else kept while it may be (the
   * window ends no sooner than `at`)
   */
  const keepRecent = (a: OrderAcc, f: Recent) => {
    if (f.ts >= surely30) {
      a.vol30 = D.add(a.vol30, f.amount)
      a.vol30d = D.add(a.vol30d, f.notional)
      return
    }
    let r = recent.get(a)
    if (r === undefined) {
      r = { fills: [], head: 0 }
      recent.set(a, r)
    }
    r.fills.push(f)
    while (r.head < r.fills.length && r.fills[r.head]!.ts < f.ts - 30 * DAY) r.head++
    if (r.head > 1024 && r.head * 2 > r.fills.length) {
      r.fills = r.fills.slice(r.head)
      r.head = 0
    }
  }
  let desyncs = 0
  let halts = 0
  let resumes = 0
  const health: Array<HealthEvent> = []
  let last: number | undefined

  const add = (e: Entry) => {
    if (inProcessOf === undefined && e.kind === "reconcile" && e.symbol === undefined) {
      if (typeof e.data["inProcess"] === "boolean") inProcess.set(e.venue, e.data["inProcess"])
    }
    if (e.kind === "run" && last !== undefined) processEnded(last)
    last = e.ts
    const inWindow = e.ts >= from
    if (inWindow && (e.kind === "desync" || e.kind === "halt" || e.kind === "resume")) {
      if (e.kind === "desync") desyncs++
      if (e.kind === "halt") halts++
      if (e.kind === "resume") resumes++
      health.push({ kind: e.kind, venue: e.venue, at: e.ts })
    }
    if (e.symbol === undefined) return
    const key = `${e.venue}\u0000${e.clientOrderId ?? e.orderId ?? ""}`
    const d = e.data
    switch (e.kind) {
      case "request": {
        if (d["op"] !== "create" || !inWindow) break
        const a = acc(e.venue, e.symbol)
        const amount = dec(d["amount"])
        if (amount !== undefined) a.contractsPlaced = D.add(a.contractsPlaced, amount)
        if (typeof d["improvementTicks"] === "number") {
          a.impTicksSum += d["improvementTicks"]
          a.impTicksCount++
        }
        const imp = dec(d["improvement"])
        if (imp !== undefined) {
          a.impSum = D.add(a.impSum, imp)
          a.impCount++
        }
        break
      }
      case "ack":
      case "update":
      case "reconcile":
      case "resolved": {
        const a = acc(e.venue, e.symbol)
        if (e.kind === "ack" && d["op"] !== "amend" && inWindow) a.ordersPlaced++
        const status = d["status"]
        const r = resting.get(key)
        const price = dec(d["price"]) ?? r?.price
        const side = typeof d["side"] === "string" ? d["side"] : r?.side
        const amount = dec(d["amount"])
        const filled = dec(d["filled"]) ?? D.ZERO
        const remaining = dec(d["remaining"]) ?? (amount !== undefined ? D.sub(amount, filled) : r?.remaining)
        if (status === "open" && price !== undefined && side !== undefined && remaining !== undefined) {
          // seen open after a restart (adopted, looked up): it rested through the gap
          if (r !== undefined && (e.kind === "reconcile" || e.kind === "resolved")) {
            resting.set(key, { ...r, downFrom: undefined })
          }
          open(key, a, side, price, remaining, e.ts)
        } else if (status !== "open" && status !== undefined && r !== undefined) {
          const terminalAt = typeof d["terminalAt"] === "number" ? d["terminalAt"] : undefined
          const end =
            terminalAt !== undefined
              ? Math.min(e.ts, terminalAt)
              : r.downFrom !== undefined && (d["endedWhileDown"] === true || TERMINAL.has(String(status)))
                ? r.downFrom
                : e.ts
          close(key, end)
        }
        break
      }
      case "cancel": {
        const r = resting.get(key)
        close(key, r?.downFrom ?? e.ts)
        break
      }
      case "fill": {
        const price = dec(d["price"])
        const amount = dec(d["amount"])
        if (price === undefined || amount === undefined) break
        const a = acc(e.venue, e.symbol)
        const r = resting.get(key)
        if (r !== undefined) open(key, a, r.side, r.price, D.max(D.ZERO, D.sub(r.remaining, amount)), e.ts)
        if (!inWindow) break
        const fee = dec(d["fee"]) ?? D.ZERO
        const buy = d["side"] === "buy"
        if (d["takerOrMaker"] === "taker") a.taker = D.add(a.taker, amount)
        else a.maker = D.add(a.maker, amount)
        keepRecent(a, { ts: e.ts, amount, notional: D.mul(price, amount) })
        a.fees = D.add(a.fees, fee)
        a.cash = D.add(a.cash, buy ? D.neg(D.mul(price, amount)) : D.mul(price, amount))
        a.position = D.add(a.position, buy ? amount : D.neg(amount))
        a.mark = price
        break
      }
      case "sample": {
        // the sampler's last mid of the minute marks the position
        const mid = dec(d["mid"])
        if (mid !== undefined) acc(e.venue, e.symbol).mark = mid
        break
      }
      default:
        break
    }
  }

  const finish = (to: number, options: { readonly live?: boolean } = {}): OrdersPass => {
    if (endsBy !== undefined && to > endsBy) {
      throw new Error(`the report's window ends at ${to}, after the end it was given (${endsBy})`)
    }
    // the end of the journal: the last process's in-process orders end at its last activity (unless it runs)
    if (last !== undefined && options.live !== true) {
      for (const [key, r] of [...resting]) if (inProcess.get(r.acc.venue) === true) close(key, last, to)
    }
    for (const k of [...resting.keys()]) close(k, to, to)
    for (const [a, r] of recent) {
      for (let i = r.head; i < r.fills.length; i++) {
        const f = r.fills[i]!
        if (f.ts < to - 30 * DAY) continue
        a.vol30 = D.add(a.vol30, f.amount)
        a.vol30d = D.add(a.vol30d, f.notional)
      }
    }
    return { markets, desyncs, halts, resumes, health }
  }
  return { add, finish }
}

/**
 * One pass over the journal (every entry, oldest first: orders resting into the window need their ack);
 * counts and volumes only from entries inside [from, to], resting time only inside it.
 */
export const ordersPass = (
  entries: ReadonlyArray<Entry>,
  from: number,
  to: number,
  options: { readonly live?: boolean } = {}
): OrdersPass => {
  // which venues run inside the process (each start's reconcile entry says; older journals: none do)
  const inProcess = new Map<string, boolean>()
  for (const e of entries) {
    if (e.kind === "reconcile" && e.symbol === undefined && typeof e.data["inProcess"] === "boolean") {
      inProcess.set(e.venue, e.data["inProcess"])
    }
  }
  const fold = ordersFold(from, inProcess)
  for (const e of entries) {
    if (e.ts > to) break
    fold.add(e)
  }
  return fold.finish(to, options)
}
