/**
 * Recording beside the bot (`record:` in the run config, or `run --record DIR`): the public tape of the
 * markets the run trades — books with `seq`, trades, tickers, lifecycle, market definitions and incentive
 * programs — written while it trades, from the venue's own feed (`KalshiFeed.tap`: no second process, no
 * second WebSocket connection).
 *
 * Off the quoting path: the tap only hands each public frame (with its receive time) to a bounded queue;
 * one fiber of its own filters, checks `seq` and appends to the tape writer, whose chunks are compressed on
 * libuv's thread pool. When the writer falls behind and the queue is full, frames are dropped — the feed
 * never waits and memory never grows past `queueMb` — and the tape says so: a `gap` where they were
 * dropped, then fresh snapshots asked for. Reconnects and `seq` gaps are written as gaps too.
 *
 * A scoped resource in the run's Layer graph, built after the venues and before any strategy subscribes a
 * book; on stop the queue is drained and the last chunk and the index are written. A crash leaves a tape the
 * reader accepts (at most one torn chunk, which a later run with the same directory cuts off and resumes).
 */
import { join, resolve as resolvePath } from "node:path"
import type { Incentive, Market } from "@alpha-hunter/core"
import { KalshiClient, KalshiConfig, type KalshiFeed } from "@alpha-hunter/kalshi"
import { Tape, TapeWriter } from "@alpha-hunter/tape"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { frameType, PUBLIC_CHANNELS, PUBLIC_TYPES, SeqWatch, tickerOf } from "./internal/tapeSeq.js"
import { changedDefinitions, RecordError } from "./Record.js"

export { frameType } from "./internal/tapeSeq.js"

import { type RecordSection, recordedVenues } from "./RecordConfig.js"
import { type Resolved, selectedSymbols } from "./Resolve.js"
import type { VenueSession } from "./Venues.js"

type Log = (line: string) => Effect.Effect<void>

/** What the tap hands over: a frame, a connection opened, or a gap (a reconnect, or frames dropped). */
export type Item =
  | { readonly _tag: "Frame"; readonly t: number; readonly raw: string }
  | { readonly _tag: "Opened"; readonly t: number }
  | { readonly _tag: "Gap"; readonly t: number; readonly reason: string; readonly dropped: boolean }

export interface Handoff {
  readonly listener: KalshiFeed.FeedTap
  readonly queue: Queue.Queue<Item>
  /** the consumer took these items (their text no longer counts against the bound) */
  readonly taken: (items: Iterable<Item>) => void
  readonly counters: { queuedChars: number; maxQueuedChars: number; dropped: number; offered: number }
}

/**
 * The bounded hand-off between the feed's socket callback and the recorder's fiber. Counts text (UTF-16 code
 * units, about bytes for Kalshi's ASCII frames) against `maxChars`; past it a frame is dropped, and the first
 * item offered after a drop is a gap marker, so the gap sits exactly where the frames went missing.
 */
export const makeHandoff = (maxChars: number): Effect.Effect<Handoff> =>
  Effect.map(Queue.unbounded<Item>(), (queue) => {
    const counters = { queuedChars: 0, maxQueuedChars: 0, dropped: 0, offered: 0 }
    // frames dropped since the last item queued (the gap marker owed), and why, when a reconnect is owed too
    let owed = 0
    let owedReason: string | undefined
    const GAP_CHARS = 64
    /** `force`: past the bound (a reconnect marker, which resets the recorder's per-connection state, is never lost) */
    const offer = (item: Item, chars: number, force = false): boolean => {
      if (owed > 0 || owedReason !== undefined) {
        if (!force && counters.queuedChars + GAP_CHARS + chars > maxChars) {
          if (item._tag === "Frame") {
            owed++
            counters.dropped++
          }
          return false
        }
        const t = item.t
        const reason = [
          owedReason,
          owed > 0 ? `recorder fell behind: ${owed} frame(s) dropped; fresh snapshots follow` : undefined
        ]
          .filter((x) => x !== undefined)
          .join("; ")
        Queue.unsafeOffer(queue, { _tag: "Gap", t, reason, dropped: owed > 0 })
        counters.queuedChars += GAP_CHARS
        owed = 0
        owedReason = undefined
      }
      if (!force && counters.queuedChars + chars > maxChars) {
        if (item._tag === "Frame") {
          owed++
          counters.dropped++
        }
        return false
      }
      Queue.unsafeOffer(queue, item)
      counters.queuedChars += chars
      counters.offered++
      if (counters.queuedChars > counters.maxQueuedChars) counters.maxQueuedChars = counters.queuedChars
      return true
    }
    const listener: KalshiFeed.FeedTap = {
      frame: (t, raw) => {
        const type = frameType(raw)
        if (type === undefined || !PUBLIC_TYPES.has(type)) return
        offer({ _tag: "Frame", t, raw }, raw.length)
      },
      opened: (t) => {
        offer({ _tag: "Opened", t }, GAP_CHARS, true)
      },
      closed: (t, reason) => {
        const why = `disconnected (${reason}); resubscribing, fresh snapshots follow`
        if (!offer({ _tag: "Gap", t, reason: why, dropped: false }, GAP_CHARS)) {
          owedReason = owedReason === undefined ? why : `${owedReason}; ${why}`
        }
      }
    }
    const taken = (items: Iterable<Item>) => {
      for (const it of items) counters.queuedChars -= it._tag === "Frame" ? it.raw.length : GAP_CHARS
    }
    return { listener, queue, taken, counters }
  })

export interface RecorderStats {
  readonly venue: string
  readonly dir: string
  readonly symbols: number
  readonly frames: number
  readonly gaps: number
  /** frames dropped because the writer fell behind (each run of them is one gap on the tape) */
  readonly dropped: number
  readonly reconnects: number
  /** the most text the queue held (UTF-16 code units) */
  readonly maxQueuedChars: number
  readonly writer: TapeWriter.WriterStats
}

export interface Recorder {
  readonly venue: string
  readonly dir: string
  readonly symbols: ReadonlyArray<string>
  readonly stats: Effect.Effect<RecorderStats>
}

const statsLine = (s: RecorderStats) =>
  `[record] ${s.venue}: ${s.frames} frames, ${s.gaps} gap(s)${s.dropped > 0 ? ` (${s.dropped} frames dropped: the writer fell behind)` : ""}, ` +
  `${s.reconnects} reconnect(s); ${(s.writer.rawBytes / 1024).toFixed(0)} KiB JSON → ${(s.writer.bytes / 1024).toFixed(0)} KiB on disk in ${s.writer.files} file(s) → ${s.dir}`

/** Records one venue's traded markets from its feed, for the life of the scope. */
export const recordVenue = (
  session: VenueSession,
  symbols: ReadonlyArray<string>,
  dir: string,
  section: RecordSection,
  log: Log
): Effect.Effect<Recorder, RecordError, Scope.Scope> =>
  Effect.gen(function* () {
    const client = Option.flatMap(Option.fromNullable(session.services), (ctx) =>
      Context.getOption(ctx, KalshiClient.KalshiClient)
    )
    if (Option.isNone(client)) {
      return yield* new RecordError({ message: `venue ${session.name}: its plugin has no Kalshi feed to record` })
    }
    const feed = client.value.feed
    const wanted = new Set(symbols)
    const writer = yield* TapeWriter.make(dir, {
      meta: {
        venue: session.name,
        source: `${KalshiConfig.urls(client.value.config).ws} (the run's own feed)`,
        symbols
      },
      compress: "thread",
      rotateBytes: section.rotateMb * 1024 * 1024,
      rotateAfter: `${section.rotateMinutes} minutes`,
      flushEvery: section.flushMs,
      level: section.level
    }).pipe(Effect.mapError((e) => new RecordError({ message: `record: ${e.message}` })))
    const handoff = yield* makeHandoff(Math.floor(section.queueMb * 1024 * 1024))
    const counts = { frames: 0, gaps: 0, reconnects: 0 }
    const stats = Effect.map(
      writer.stats,
      (w): RecorderStats => ({
        venue: session.name,
        dir,
        symbols: symbols.length,
        ...counts,
        dropped: handoff.counters.dropped,
        maxQueuedChars: handoff.counters.maxQueuedChars,
        writer: w
      })
    )
    const append = (records: ReadonlyArray<Tape.TapeRecord>) =>
      records.length === 0
        ? Effect.void
        : writer.appendAll(records).pipe(Effect.catchAll((e) => log(`[record] ${session.name}: ${e.message}`)))

    // market definitions and programs: at start, then whatever changed (from the plugin's own catalog)
    const lastDef = new Map<string, string>()
    const definitions = Effect.gen(function* () {
      const markets = yield* Effect.forEach(symbols, (s) => Effect.option(client.value.market(s)))
      const programs = Option.isSome(session.incentives)
        ? yield* session.incentives.value.current
        : ([] as ReadonlyArray<Incentive.IncentiveProgram>)
      const t = yield* Effect.clockWith((c) => c.currentTimeMillis)
      const ms = markets.flatMap((m) => (Option.isSome(m) ? [m.value] : [])) as ReadonlyArray<Market.Market>
      yield* append(changedDefinitions(lastDef, wanted, ms, programs, t))
    })

    // the frames: each subscription's channel, markets and last seq (the gap rule shared with `Record.ts`)
    const seqs = new SeqWatch()
    let snapshotOwed = false
    let lastResnapshot = 0
    // re-snapshots asked after drops back off while drops repeat (each is a burst of frames itself): 2 s, 4 s, … 1 min
    let resnapshotMs = 2_000
    const process = (batch: Chunk.Chunk<Item>) =>
      Effect.gen(function* () {
        handoff.taken(batch)
        const out: Array<Tape.TapeRecord> = []
        for (const it of batch) {
          if (it._tag === "Opened") {
            counts.reconnects++
            seqs.reset()
            continue
          }
          if (it._tag === "Gap") {
            counts.gaps++
            seqs.forgetPositions()
            if (it.dropped) snapshotOwed = true
            out.push({ k: "gap", t: it.t, reason: it.reason })
            continue
          }
          const raw = it.raw
          const type = frameType(raw)
          if (type === "subscribed" || type === "unsubscribed") {
            const m = /"channel":"([a-z_0-9]+)"/.exec(raw)
            if (m === null || !PUBLIC_CHANNELS.has(m[1]!)) continue
          }
          const ticker = tickerOf(raw)
          const rec = Tape.frameRecord(it.t, raw.trimEnd())
          const gap = seqs.observe(rec, type, ticker, wanted)
          if (gap !== undefined) {
            counts.gaps++
            // books: the feed recovers them itself (a fresh snapshot follows); other channels: ask for one
            if (gap.channel !== "orderbook_delta") snapshotOwed = true
            out.push({
              k: "gap",
              t: it.t,
              reason: gap.reason,
              ...(gap.symbols.length > 0 ? { symbols: gap.symbols } : {})
            })
          }
          // (after the seq check: a subscription carrying other markets too, e.g. lifecycle, stays in sequence)
          if (ticker !== undefined && !wanted.has(ticker)) continue
          counts.frames++
          out.push(rec)
        }
        yield* append(out)
        const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
        if (snapshotOwed && now - lastResnapshot >= resnapshotMs) {
          snapshotOwed = false
          resnapshotMs = now - lastResnapshot < 4 * resnapshotMs ? Math.min(resnapshotMs * 2, 60_000) : 2_000
          lastResnapshot = now
          yield* feed.resnapshot
        }
      })
    const drain = Effect.flatMap(Queue.takeAll(handoff.queue), (batch) =>
      Chunk.isEmpty(batch) ? Effect.void : process(batch)
    )

    // released in reverse: the tap goes first, then the consumer, then the queue is drained, the last chunk
    yield* Effect.addFinalizer(() =>
      drain.pipe(
        Effect.zipRight(Effect.flatMap(stats, (s) => log(statsLine(s)))),
        Effect.catchAllCause((c) => log(`[record] ${session.name}: the last frames were not written: ${String(c)}`))
      )
    )
    yield* Queue.takeBetween(handoff.queue, 1, 4096).pipe(
      // a batch taken is written whole (an interruption waits for it)
      Effect.flatMap((batch) => Effect.uninterruptible(process(batch))),
      Effect.forever,
      Effect.forkScoped
    )
    yield* definitions
    yield* definitions.pipe(
      Effect.repeat(Schedule.spaced(section.refreshMs)),
      Effect.delay(section.refreshMs),
      Effect.catchAllCause((c) => log(`[record] ${session.name}: definitions not refreshed: ${String(c)}`)),
      Effect.forkScoped
    )
    yield* feed.tap(handoff.listener, section.channels)
    yield* log(
      `[record] ${session.name}: ${symbols.length} markets (${symbols.slice(0, 6).join(", ")}${symbols.length > 6 ? ", …" : ""}) from the run's feed → ${dir}`
    )
    return { venue: session.name, dir, symbols, stats } satisfies Recorder
  })

/** The markets the run's strategies trade on a venue, in the venue's order. */
export const tradedSymbols = (resolved: Resolved, session: VenueSession): ReadonlyArray<string> => {
  const all = [...session.markets.values()]
  const traded = new Set(
    resolved.strategies
      .filter((s) => s.section.venue === session.name)
      .flatMap((s) => selectedSymbols(all, s.section.markets))
  )
  return [...traded].filter((s) => session.markets.has(s))
}

/** Starts the run's recorders (none without a `record` section), for the life of the scope. */
export const start = (
  resolved: Resolved,
  sessions: ReadonlyArray<VenueSession>,
  log: Log
): Effect.Effect<ReadonlyArray<Recorder>, RecordError, Scope.Scope> =>
  Effect.gen(function* () {
    const section = resolved.config.record
    if (section === undefined) return []
    const venueSections = Object.fromEntries(resolved.venues.map((v) => [v.name, { type: v.plugin.name }]))
    const strategySections = Object.fromEntries(resolved.strategies.map((s) => [s.name, { venue: s.section.venue }]))
    const { venues, issues } = recordedVenues(section, venueSections, strategySections)
    if (issues.length > 0) return yield* new RecordError({ message: `record: ${issues[0]!.message}` })
    const out = resolvePath(section.out)
    return yield* Effect.forEach(venues, (name) => {
      const session = sessions.find((s) => s.name === name)
      if (session === undefined) return Effect.fail(new RecordError({ message: `record: no venue named ${name}` }))
      return recordVenue(
        session,
        tradedSymbols(resolved, session),
        venues.length === 1 ? out : join(out, name),
        section,
        log
      )
    })
  })
