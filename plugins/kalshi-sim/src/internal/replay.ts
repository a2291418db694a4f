/**
 * Replay: the simulator's books driven by a recorded tape (`@alpha-hunter/tape`, as `alpha-hunter record`
 * writes it) at real time or faster, so a live bot can trade against recorded market behaviour.
 *
 * The recorded participants are one synthetic user (`sim-tape`): a snapshot replaces its resting orders in
 * the market, a level increase rests more at that price, a decrease shrinks its newest orders there. A
 * recorded trade is an IOC order of another synthetic user (`sim-tape-taker`) for the traded size at the
 * traded price: it trades with whatever rests first — a bot's order through or at that price included. The
 * recorder's simulator sends a trade's level decrease before the trade, so the recorded liquidity the taker
 * consumes again is put back (at the back of its level). `market_lifecycle_v2` settlements settle. Tickers
 * not in this simulator are skipped: replay a tape into a simulator with the same markets (same seed and
 * market count as the recording).
 */
import type { Tape } from "@alpha-hunter/tape"
import { parseCount, parsePrice } from "../FixedPoint.js"
import type { Engine } from "./engine.js"
import type { Scheduler } from "./scheduler.js"
import type { Side } from "./types.js"

export const TAPE_USER = "sim-tape"
export const TAPE_TAKER = "sim-tape-taker"

export interface ReplayStats {
  records: number
  applied: number
  skipped: number
  done: boolean
}

const order = (ticker: string, side: Side, price: number, count: number, ioc: boolean) => ({
  ticker,
  side,
  count,
  price,
  tif: ioc ? ("immediate_or_cancel" as const) : ("good_till_canceled" as const),
  stp: "taker_at_cross" as const,
  clientOrderId: undefined,
  expirationSec: undefined,
  postOnly: false,
  reduceOnly: false,
  cancelOnPause: false,
  orderGroupId: undefined,
  subaccount: 0
})

export const start = (
  engine: Engine,
  scheduler: Scheduler,
  now: () => number,
  records: Iterator<Tape.TapeRecord, void>,
  speed: number
): ReplayStats => {
  engine.ensureUser(TAPE_USER, true, 0)
  engine.ensureUser(TAPE_TAKER, true, 0)
  const stats: ReplayStats = { records: 0, applied: 0, skipped: 0, done: false }
  /** the tape user's resting order ids by `ticker|side|price`, oldest first */
  const resting = new Map<string, Array<string>>()
  const key = (t: string, s: Side, p: number) => `${t}|${s}|${p}`

  const rest = (ticker: string, side: Side, price: number, count: number) => {
    if (count <= 0) return
    const r = engine.createOrder(TAPE_USER, order(ticker, side, price, count, false))
    if ("order" in r && r.order.status === "resting") {
      const k = key(ticker, side, price)
      resting.set(k, [...(resting.get(k) ?? []), r.order.id])
    }
  }
  const remainingOf = (id: string) => engine.orders.get(id)?.remaining ?? 0
  const shrink = (ticker: string, side: Side, price: number, count: number) => {
    const k = key(ticker, side, price)
    const ids = (resting.get(k) ?? []).filter((id) => remainingOf(id) > 0)
    let left = count
    while (left > 0 && ids.length > 0) {
      const id = ids[ids.length - 1]!
      const rem = remainingOf(id)
      if (rem <= left) {
        engine.cancelOrder(TAPE_USER, id)
        ids.pop()
        left -= rem
      } else {
        engine.decreaseOrder(TAPE_USER, id, left, undefined)
        left = 0
      }
    }
    resting.set(k, ids)
  }
  const clear = (ticker: string) => {
    for (const [k, ids] of resting) {
      if (!k.startsWith(`${ticker}|`)) continue
      for (const id of ids) if (remainingOf(id) > 0) engine.cancelOrder(TAPE_USER, id)
      resting.delete(k)
    }
  }
  /** the tape user's resting size per price on one side of a market */
  const tapeSizes = (ticker: string, side: Side) => {
    const out = new Map<number, number>()
    for (const [k, ids] of resting) {
      const [t, s, p] = k.split("|")
      if (t !== ticker || s !== side) continue
      out.set(
        Number(p),
        ids.reduce((n, id) => n + remainingOf(id), 0)
      )
    }
    return out
  }

  const levels = (u: unknown): Array<readonly [number, number]> =>
    Array.isArray(u)
      ? u.flatMap((l) => {
          const p = Array.isArray(l) ? parsePrice(String(l[0])) : undefined
          const c = Array.isArray(l) ? parseCount(String(l[1])) : undefined
          return p === undefined || c === undefined ? [] : [[p, c] as const]
        })
      : []

  const apply = (rec: Tape.TapeRecord) => {
    stats.records++
    if (rec.k !== "frame") return
    let f: { type?: string; msg?: Record<string, unknown> }
    try {
      f = JSON.parse(rec.raw) as typeof f
    } catch {
      stats.skipped++
      return
    }
    const m = f.msg
    const ticker = typeof m?.["market_ticker"] === "string" ? (m["market_ticker"] as string) : undefined
    const market = ticker === undefined ? undefined : engine.markets.get(ticker)
    if (m === undefined || ticker === undefined || market === undefined) return
    switch (f.type) {
      case "orderbook_snapshot": {
        clear(ticker)
        for (const [p, c] of levels(m["yes_dollars_fp"])) rest(ticker, "bid", p, c)
        for (const [p, c] of levels(m["no_dollars_fp"])) rest(ticker, "ask", p, c)
        break
      }
      case "orderbook_delta": {
        const p = parsePrice(String(m["price_dollars"]))
        const d = String(m["delta_fp"] ?? "")
        const c = parseCount(d.startsWith("-") ? d.slice(1) : d)
        const side: Side | undefined = m["side"] === "yes" ? "bid" : m["side"] === "no" ? "ask" : undefined
        if (p === undefined || c === undefined || side === undefined) return void stats.skipped++
        if (d.startsWith("-")) shrink(ticker, side, p, c)
        else rest(ticker, side, p, c)
        break
      }
      case "trade": {
        const p = parsePrice(String(m["yes_price_dollars"]))
        const c = parseCount(String(m["count_fp"]))
        const book = m["taker_book_side"] ?? (m["taker_side"] === "yes" ? "bid" : "ask")
        if (p === undefined || c === undefined || (book !== "bid" && book !== "ask")) return void stats.skipped++
        const hit: Side = book === "bid" ? "ask" : "bid"
        const before = tapeSizes(ticker, hit)
        engine.createOrder(TAPE_TAKER, order(ticker, book, p, c, true))
        // the recorded liquidity consumed again (its decrease was already applied) goes back
        for (const [price, size] of tapeSizes(ticker, hit)) {
          const was = before.get(price) ?? 0
          if (size < was) rest(ticker, hit, price, was - size)
        }
        break
      }
      case "market_lifecycle_v2": {
        const ev = m["event_type"]
        const result = m["result"]
        if ((ev === "settled" || ev === "determined") && (result === "yes" || result === "no")) {
          engine.settleMarket(market, result)
        }
        break
      }
      default:
        return
    }
    stats.applied++
  }

  let t0: number | undefined
  const base = now()
  const next = () => {
    const r = records.next()
    if (r.done === true) {
      stats.done = true
      return
    }
    const rec = r.value
    if (rec.k !== "frame") {
      apply(rec)
      return next()
    }
    if (t0 === undefined) t0 = rec.t
    scheduler.at(base + (rec.t - t0) / speed, () => {
      apply(rec)
      next()
    })
  }
  next()
  return stats
}
