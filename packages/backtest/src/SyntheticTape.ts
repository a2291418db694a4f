/**
 * A seeded synthetic tape in Kalshi's recorded format (the frames `record` writes: `orderbook_snapshot`,
 * `orderbook_delta` with `use_yes_price`, `trade`), for benchmarks and tests that need hours of tape over many
 * markets: each market's book walks around a drifting mid with joins, cancels and trades (a trade's level
 * decrease comes first, then the trade, as Kalshi's simulator sends them).
 */
import { Decimal as D, Fee, Ids, Market, TickGrid } from "@alpha-hunter/core"
import { Tape, TapeWriter } from "@alpha-hunter/tape"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { prng } from "./FillModel.js"

export interface SyntheticOptions {
  readonly dir: string
  readonly markets: number
  readonly minutes: number
  /** book events per market per second (default 3) */
  readonly eventsPerSecond?: number
  readonly seed?: number
  readonly startMs?: number
  /** settle every market at the end (YES when its mid ends above 0.5) */
  readonly settle?: boolean
}

const kalshiFees = Fee.QuadraticFee.make({
  takerRate: D.d("0.07"),
  makerRate: D.ZERO,
  multiplier: D.ONE,
  precision: D.d("0.0001")
})

export const symbolOf = (i: number) => `KXSYN-${String(i).padStart(3, "0")}`

const price = (level: number) => (level / 100).toFixed(4)

/** Writes the tape; returns the number of frames. */
export const write = (o: SyntheticOptions): Effect.Effect<number, Tape.TapeError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const start = o.startMs ?? 1_800_000_000_000
      const rand = prng(o.seed ?? 1)
      const rate = o.eventsPerSecond ?? 3
      const symbols = Array.from({ length: o.markets }, (_, i) => symbolOf(i))
      const w = yield* TapeWriter.make(o.dir, {
        meta: { venue: "synthetic", source: `synthetic seed ${o.seed ?? 1}`, symbols },
        chunkRecords: 20_000,
        level: 1
      })
      for (const s of symbols) {
        const m = Market.Market.make({
          venue: Ids.VenueId.make("synthetic"),
          symbol: Ids.Symbol.make(s),
          title: `synthetic ${s}`,
          kind: { _tag: "binary", settlementValue: D.ONE, outcomes: Market.yesNo() },
          currency: "USD",
          status: "open",
          tickGrid: { ranges: [TickGrid.PriceRange.make({ start: D.d("0.01"), end: D.d("0.99"), step: D.d("0.01") })] },
          amountStep: D.ONE,
          minAmount: D.ONE,
          fees: kalshiFees
        })
        yield* w.append({ k: "market", t: start, market: Schema.encodeSync(Market.Market)(m) })
      }
      // per market: sizes per level (cents 1..99), the best bid and ask
      const books = symbols.map(() => {
        const mid = 20 + Math.floor(rand() * 60)
        const sizes = new Array<number>(100).fill(0)
        for (let k = 0; k < 8; k++) {
          sizes[mid - 1 - k] = 10 + Math.floor(rand() * 90)
          sizes[mid + 1 + k] = 10 + Math.floor(rand() * 90)
        }
        return { mid, sizes }
      })
      let seq = 0
      let frames = 0
      const batch: Array<Tape.TapeRecord> = []
      const frame = (t: number, raw: string) => {
        batch.push(Tape.frameRecord(t, raw))
        frames++
      }
      const delta = (t: number, sym: string, level: number, side: "yes" | "no", d: number) =>
        frame(
          t,
          `{"type":"orderbook_delta","sid":1,"seq":${++seq},"msg":{"market_ticker":"${sym}","price_dollars":"${price(level)}","delta_fp":"${d.toFixed(2)}","side":"${side}","ts_ms":${t}}}`
        )
      books.forEach((b, i) => {
        const bids: Array<string> = []
        const asks: Array<string> = []
        for (let l = 1; l < 100; l++) {
          if (b.sizes[l]! <= 0) continue
          const e = `["${price(l)}","${b.sizes[l]!.toFixed(2)}"]`
          if (l < b.mid) bids.push(e)
          else asks.push(e)
        }
        frame(
          start,
          `{"type":"orderbook_snapshot","sid":1,"seq":${++seq},"msg":{"market_ticker":"${symbols[i]}","yes_dollars_fp":[${bids.join(",")}],"no_dollars_fp":[${asks.join(",")}]}}`
        )
      })
      const best = (b: { mid: number; sizes: Array<number> }, bid: boolean) => {
        if (bid) {
          for (let l = b.mid - 1; l >= 1; l--) if (b.sizes[l]! > 0) return l
          return -1
        }
        for (let l = b.mid; l < 100; l++) if (b.sizes[l]! > 0) return l
        return -1
      }
      const totalMs = o.minutes * 60_000
      const perMarketGap = 1000 / rate
      for (let sec = 0; sec < totalMs; sec += 1000) {
        const events: Array<{ t: number; i: number }> = []
        for (let i = 0; i < books.length; i++) {
          for (let k = 0; k < rate; k++)
            events.push({ t: start + sec + Math.floor(k * perMarketGap + rand() * perMarketGap), i })
        }
        events.sort((a, b) => a.t - b.t || a.i - b.i)
        for (const { t, i } of events) {
          const b = books[i]!
          const sym = symbols[i]!
          const bb = best(b, true)
          const ba = best(b, false)
          const u = rand()
          const bidSide = rand() < 0.5
          if (u < 0.45 || bb < 0 || ba < 0) {
            // a join near the top of a side
            const level = bidSide
              ? Math.max(1, (bb < 0 ? b.mid - 1 : bb) - Math.floor(rand() * 3))
              : Math.min(99, (ba < 0 ? b.mid : ba) + Math.floor(rand() * 3))
            if ((bidSide && level >= (ba < 0 ? 100 : ba)) || (!bidSide && level <= bb)) continue
            const q = 1 + Math.floor(rand() * 30)
            b.sizes[level] = b.sizes[level]! + q
            delta(t, sym, level, bidSide ? "yes" : "no", q)
          } else if (u < 0.8) {
            // a cancel somewhere in the top levels
            const from = bidSide ? bb : ba
            const level = bidSide ? from - Math.floor(rand() * 3) : from + Math.floor(rand() * 3)
            if (level < 1 || level > 99 || b.sizes[level]! <= 0) continue
            const q = Math.min(b.sizes[level]!, 1 + Math.floor(rand() * 30))
            b.sizes[level] = b.sizes[level]! - q
            delta(t, sym, level, bidSide ? "yes" : "no", -q)
          } else {
            // a trade at the best level of a side (a seller hits the bid, or a buyer lifts the ask)
            const level = bidSide ? bb : ba
            const q = Math.min(b.sizes[level]!, 1 + Math.floor(rand() * 15))
            b.sizes[level] = b.sizes[level]! - q
            delta(t, sym, level, bidSide ? "yes" : "no", -q)
            frame(
              t,
              `{"type":"trade","sid":2,"msg":{"market_ticker":"${sym}","yes_price_dollars":"${price(level)}","count_fp":"${q.toFixed(2)}","taker_book_side":"${bidSide ? "ask" : "bid"}","ts_ms":${t}}}`
            )
          }
          // the mid follows the touch
          const nb = best(b, true)
          const na = best(b, false)
          if (nb >= 0 && na >= 0) b.mid = Math.max(2, Math.min(98, Math.round((nb + na) / 2)))
        }
        if (batch.length > 10_000) yield* w.appendAll(batch.splice(0))
      }
      if (o.settle === true) {
        const t = start + totalMs
        books.forEach((b, i) => {
          frame(
            t,
            `{"type":"market_lifecycle_v2","sid":3,"msg":{"market_ticker":"${symbols[i]}","event_type":"settled","result":"${b.mid > 50 ? "yes" : "no"}"}}`
          )
        })
      }
      yield* w.appendAll(batch.splice(0))
      return frames
    })
  )
