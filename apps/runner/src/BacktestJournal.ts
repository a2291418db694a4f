/**
 * A backtest's journal: the SQLite journal file, with writes buffered in memory. Live, every append is its own
 * transaction because a crash must not lose it; a backtest has no crash to survive and runs every decision
 * through the journal, so there the commits were the largest single cost. Entries keep the simulated time they
 * were appended at and their order, and reach the file in large batches — before any read (a read sees every
 * entry appended before it, as live), whenever `flushEvery` entries wait (memory stays flat with tape length),
 * and at the end (`flush`) — one transaction each (`Journal.appendTimed`).
 * Sequence numbers are the file's own: it is fresh, and entries reach it in append order.
 *
 * `observe` sees every entry as the file stores it (sequence number, time), in order, once it is written: the
 * backtest builds its report from them (`Report.fold`) instead of reading the whole file back at the end.
 */

import * as Effect from "effect/Effect"
import type * as Journal from "./Journal.js"

export interface BufferedJournal {
  readonly journal: Journal.JournalService
  /** writes what waits */
  readonly flush: Effect.Effect<void, Journal.JournalError>
}

const now = Effect.clockWith((c) => c.currentTimeMillis)

export const buffered = (
  inner: Journal.JournalService,
  flushEvery = 4096,
  observe?: (e: Journal.Entry) => void
): Effect.Effect<BufferedJournal, Journal.JournalError> =>
  Effect.map(inner.lastSeq, (last) => {
    let seq = last
    let written = last
    let waiting: Array<Journal.TimedEntry> = []
    const observed = (ws: ReadonlyArray<Journal.TimedEntry>) => {
      if (observe === undefined) return
      for (const { ts, entry: e } of ws) {
        observe({
          seq: ++written,
          ts,
          kind: e.kind,
          venue: e.venue,
          strategy: e.strategy,
          symbol: e.symbol,
          clientOrderId: e.clientOrderId,
          orderId: e.orderId,
          data: e.data ?? {}
        })
      }
    }
    const flush = Effect.suspend(() => {
      if (waiting.length === 0) return Effect.void
      const ws = waiting
      waiting = []
      return Effect.zipRight(
        inner.appendTimed(ws),
        Effect.sync(() => observed(ws))
      )
    })
    const push = (ts: number, es: ReadonlyArray<Journal.NewEntry>) => {
      for (const entry of es) waiting.push({ ts, entry })
      seq += es.length
      return waiting.length >= flushEvery ? Effect.as(flush, seq) : Effect.succeed(seq)
    }
    const read = <A>(f: Effect.Effect<A, Journal.JournalError>) => Effect.zipRight(flush, f)
    const journal: Journal.JournalService = {
      path: inner.path,
      append: (entry) => Effect.flatMap(now, (ts) => push(ts, [entry])),
      // every decision and update comes through here: one runtime step when nothing is due to be written
      // (the caller's clock: each entry keeps the time it was appended at)
      appendAll: (entries) =>
        entries.length === 0
          ? Effect.void
          : Effect.clockWith((clock) => {
              const ts = clock.unsafeCurrentTimeMillis()
              for (const entry of entries) waiting.push({ ts, entry })
              seq += entries.length
              return waiting.length >= flushEvery ? flush : Effect.void
            }),
      appendTimed: (entries) => {
        for (const e of entries) waiting.push(e)
        seq += entries.length
        return waiting.length >= flushEvery ? flush : Effect.void
      },
      query: (q) => read(inner.query(q)),
      lastSeq: read(inner.lastSeq),
      lastTs: (venue, kind) => read(inner.lastTs(venue, kind)),
      unsettledCreates: (venue) => read(inner.unsettledCreates(venue)),
      believedOpen: (venue) => read(inner.believedOpen(venue))
    }
    return { journal, flush }
  })
