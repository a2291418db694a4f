/**
 * Synthetic market life: seeded participants that post, cancel and take so books move with spreads
 * from 1 to 10+ ticks. Driven by the scheduler (so by the simulator clock) and a seeded PRNG.
 */
import * as B from "./book.js"
import type { Engine } from "./engine.js"
import type { Prng } from "./prng.js"
import type { Scheduler } from "./scheduler.js"
import { nextDown, nextUp, snap, stepAt } from "./ticks.js"
import type { Market, Side } from "./types.js"

export const MAKERS = ["sim-mm-1", "sim-mm-2", "sim-mm-3"] as const
export const TAKERS = ["sim-taker-1", "sim-taker-2"] as const

export interface FlowControl {
  readonly setRate: (perSec: number) => void
  readonly rate: () => number
  /** one synthetic action, exposed for deterministic tests */
  readonly step: () => void
  readonly seed: (m: Market) => void
}

export const makeFlow = (engine: Engine, prng: Prng, scheduler: Scheduler, nowMs: () => number): FlowControl => {
  for (const id of [...MAKERS, ...TAKERS]) engine.ensureUser(id, true, 0)
  const resting = new Map<string, Array<string>>()
  let rate = 0
  let generation = 0

  const active = (): Array<Market> => [...engine.markets.values()].filter((m) => m.status === "active")

  const post = (m: Market, side: Side, ticks: number): void => {
    const step = stepAt(m.ranges, m.fair)
    const raw = side === "bid" ? m.fair - ticks * step : m.fair + ticks * step
    let price = snap(m.ranges, raw)
    const opp = side === "bid" ? B.bestAsk(m.book) : B.bestBid(m.book)
    if (opp !== undefined) {
      if (side === "bid" && price >= opp.price) price = nextDown(m.ranges, opp.price) ?? 0
      if (side === "ask" && price <= opp.price) price = nextUp(m.ranges, opp.price) ?? 0
    }
    if (price <= 0 || price >= 10_000) return
    const whole = prng.next() < 0.8
    const count = whole ? prng.int(1, 50) * 100 : prng.int(1, 5000)
    const r = engine.createOrder(prng.pick(MAKERS), {
      ticker: m.ticker,
      side,
      count,
      price,
      tif: "good_till_canceled",
      stp: "taker_at_cross",
      clientOrderId: undefined,
      expirationSec: undefined,
      postOnly: true,
      reduceOnly: false,
      cancelOnPause: false,
      orderGroupId: undefined,
      subaccount: 0
    })
    if ("order" in r && r.order.status === "resting") {
      const list = resting.get(m.ticker) ?? []
      list.push(r.order.id)
      resting.set(m.ticker, list)
    }
  }

  const cancelOne = (m: Market): void => {
    const list = resting.get(m.ticker)
    if (list === undefined || list.length === 0) return
    const i = prng.int(0, list.length - 1)
    const id = list[i]!
    list.splice(i, 1)
    const o = engine.orders.get(id)
    if (o !== undefined && o.status === "resting") engine.cancelOrder(o.userId, id)
  }

  const take = (m: Market): void => {
    const side: Side = prng.next() < 0.5 ? "bid" : "ask"
    const best = side === "bid" ? B.bestAsk(m.book) : B.bestBid(m.book)
    if (best === undefined) return
    engine.createOrder(prng.pick(TAKERS), {
      ticker: m.ticker,
      side,
      count: prng.int(1, 10) * 100,
      price: best.price,
      tif: "immediate_or_cancel",
      stp: "taker_at_cross",
      clientOrderId: undefined,
      expirationSec: undefined,
      postOnly: false,
      reduceOnly: false,
      cancelOnPause: false,
      orderGroupId: undefined,
      subaccount: 0
    })
  }

  const step = (): void => {
    const ms = active()
    if (ms.length === 0) return
    const m = prng.pick(ms)
    const u = prng.next()
    if (u < 0.15) {
      const s = stepAt(m.ranges, m.fair)
      const dir = prng.next() < 0.5 ? -1 : 1
      m.fair = snap(m.ranges, Math.min(9_500, Math.max(500, m.fair + dir * s)))
    }
    const list = resting.get(m.ticker)
    if (list !== undefined) {
      for (let i = list.length - 1; i >= 0; i--)
        if (engine.orders.get(list[i]!)?.status !== "resting") list.splice(i, 1)
    }
    const thinBids = m.book.bids.prices.length < 3
    const thinAsks = m.book.asks.prices.length < 3
    const a = prng.next()
    if (thinBids || thinAsks) post(m, thinBids ? "bid" : "ask", prng.int(1, 10))
    else if (a < 0.45) post(m, prng.next() < 0.5 ? "bid" : "ask", prng.int(1, 12))
    else if (a < 0.75) cancelOne(m)
    else take(m)
  }

  const seed = (m: Market): void => {
    for (let k = 1; k <= 5; k++) {
      post(m, "bid", k + prng.int(0, 1))
      post(m, "ask", k + prng.int(0, 1))
    }
  }

  const loop = (gen: number, at: number): void => {
    if (gen !== generation || rate <= 0) return
    step()
    scheduler.at(at + 1000 / rate, (t) => loop(gen, t))
  }

  return {
    setRate: (perSec) => {
      rate = perSec
      generation += 1
      if (perSec > 0) {
        const g = generation
        scheduler.at(nowMs() + 1000 / perSec, (t) => loop(g, t))
      }
    },
    rate: () => rate,
    step,
    seed
  }
}
