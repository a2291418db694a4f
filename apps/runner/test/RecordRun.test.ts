/**
 * Recording beside the bot (`run --record DIR` / `record:`): the hand-off's bound, the config's checks, and
 * the runner on kalshi-sim over loopback recording the markets it trades from its own feed — through a
 * dropped connection, a crash and a resume — into a tape that reads back and backtests.
 */
import { join } from "node:path"
import { FillModel } from "@alpha-hunter/backtest"
import { Ids } from "@alpha-hunter/core"
import { KalshiSim } from "@alpha-hunter/kalshi-sim"
import { type Tape, TapeReader } from "@alpha-hunter/tape"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import * as App from "../src/App.js"
import * as Backtest from "../src/Backtest.js"
import * as ConfigFile from "../src/ConfigFile.js"
import * as Journal from "../src/Journal.js"
import { registry } from "../src/Plugins.js"
import { RecordSection } from "../src/RecordConfig.js"
import * as RecordRun from "../src/RecordRun.js"
import { cli, poll, simBot, tempDir, waitUntil, writeFile } from "./helpers.js"

const delta = (seq: number, pad = 0) =>
  `{"type":"orderbook_delta","sid":1,"seq":${seq},"msg":{"market_ticker":"A","price_dollars":"0.5","delta_fp":"1.00","side":"yes"${" ".repeat(pad)}}}`

describe("the recorder's hand-off (socket callback → recorder fiber)", () => {
  it.effect("a writer that falls behind: frames past the bound are dropped, one gap sits where they were", () =>
    Effect.gen(function* () {
      const h = yield* RecordRun.makeHandoff(1000)
      const size = delta(1).length
      // nobody takes: the queue fills to the bound and stays there, however many frames arrive
      for (let i = 1; i <= 100; i++) h.listener.frame(1000 + i, delta(i))
      const kept = Math.floor(1000 / size)
      assert.strictEqual(h.counters.offered, kept)
      assert.strictEqual(h.counters.dropped, 100 - kept)
      assert.isAtMost(h.counters.maxQueuedChars, 1000)
      // private channels never reach the queue (nor count as dropped)
      h.listener.frame(2000, `{"type":"fill","sid":9,"seq":1,"msg":{"market_ticker":"A"}}`)
      h.listener.frame(2000, `{"type":"user_order","sid":8,"seq":1,"msg":{}}`)
      assert.strictEqual(h.counters.dropped, 100 - kept)
      // the writer catches up; the next frame comes after a gap that says what went missing
      const first = yield* Queue.takeAll(h.queue)
      h.taken(first)
      assert.strictEqual(h.counters.queuedChars, 0)
      h.listener.frame(3000, delta(101))
      const next = Chunk.toReadonlyArray(yield* Queue.takeAll(h.queue))
      assert.deepStrictEqual(
        next.map((x) => x._tag),
        ["Gap", "Frame"]
      )
      const gap = next[0]!
      assert.isTrue(gap._tag === "Gap" && gap.dropped)
      assert.include(gap._tag === "Gap" ? gap.reason : "", `${100 - kept} frame(s) dropped`)
      h.taken(next)
      // a disconnect while full is owed too, and said in the same gap
      for (let i = 0; i < 20; i++) h.listener.frame(4000 + i, delta(200 + i, 10))
      h.listener.closed(5000, "socket closed")
      h.taken(yield* Queue.takeAll(h.queue))
      h.listener.frame(6000, delta(1))
      const after = Chunk.toReadonlyArray(yield* Queue.takeAll(h.queue))
      assert.strictEqual(after[0]!._tag, "Gap")
      assert.match(after[0]!._tag === "Gap" ? after[0]!.reason : "", /disconnected \(socket closed\).*dropped/)
      h.taken(after)
      // the reconnect's marker is delivered even when the queue is full, after the gap it owes
      for (let i = 0; i < 20; i++) h.listener.frame(7000 + i, delta(300 + i, 10))
      h.listener.closed(7500, "socket closed")
      h.listener.opened(8000)
      const tags = Chunk.toReadonlyArray(yield* Queue.takeAll(h.queue)).map((x) => x._tag)
      assert.deepStrictEqual(tags.slice(-2), ["Gap", "Opened"])
    })
  )

  it("reads a frame's type from its first bytes", () => {
    assert.strictEqual(RecordRun.frameType(delta(1)), "orderbook_delta")
    assert.strictEqual(RecordRun.frameType(`{"id":3,"type":"subscribed","msg":{}}`), "subscribed")
    assert.strictEqual(RecordRun.frameType(`{"id":3,"msg":{"event_type":"x"}}`), undefined)
  })
})

const base = {
  venues: { sim: { type: "kalshi-sim" }, p: { type: "paper" } },
  strategies: { mm: { plugin: "maker", venue: "sim", mode: "liquidity" } }
}
const issuesOf = (raw: unknown) =>
  Either.match(App.resolve("/x/inline.yaml", raw, registry), {
    onLeft: (e: ConfigFile.ConfigError) => e.issues.map((i) => `${i.path}: ${i.message}`),
    onRight: () => []
  })

describe("the record section", () => {
  it("defaults, and every mistake named by its path before anything connects", () => {
    const ok = App.resolve("/x/inline.yaml", { ...base, record: { out: "tapes/x" } }, registry)
    assert.isTrue(Either.isRight(ok))
    const r = Either.getOrThrow(ok).config.record!
    assert.deepStrictEqual(
      [r.out, r.channels, r.rotateMb, r.level, r.queueMb],
      ["tapes/x", ["trade", "ticker"], 64, 6, 32]
    )
    assert.deepStrictEqual(issuesOf({ ...base, record: { out: "" } }), ["record.out: expected a directory"])
    assert.deepStrictEqual(issuesOf({ ...base, record: { out: "t", venues: ["nope", "p"] } }), [
      'record.venues[0]: no venue named "nope"; expected one of sim, p',
      "record.venues[1]: venue p (paper) has no public feed to record; use kalshi or kalshi-sim"
    ])
    const bad = issuesOf({ ...base, record: { out: "t", level: 12, channels: ["fills"] } })
    assert.isTrue(
      bad.some((i) => i.startsWith("record.level: ")),
      bad.join("\n")
    )
    assert.isTrue(
      bad.some((i) => i.startsWith("record.channels[0]: ")),
      bad.join("\n")
    )
    assert.deepStrictEqual(
      issuesOf({
        venues: base.venues,
        strategies: { mm: { ...base.strategies.mm, venue: "p" } },
        record: { out: "t" }
      }),
      ["record: nothing to record: no kalshi or kalshi-sim venue has a strategy trading on it"]
    )
  })

  it.scopedLive(
    "`run --record` with nothing to record is one clean line and a non-zero exit",
    () =>
      Effect.gen(function* () {
        const dir = tempDir()
        const config = writeFile(
          dir,
          "paper.yaml",
          `venues: { p: { type: paper } }\nstrategies: { mm: { plugin: maker, venue: p, mode: liquidity } }\njournal: { path: ${dir}/j.sqlite }\n`
        )
        const p = cli(["run", "--config", config, "--record", join(dir, "tape")])
        assert.strictEqual(yield* p.exited, 1)
        assert.strictEqual(
          p.output().trim(),
          "alpha-hunter: --record: nothing to record: no kalshi or kalshi-sim venue has a strategy trading on it"
        )
      }),
    30_000
  )
})

type Rec = Tape.TapeRecord
const typeOf = (r: Rec) => (r.k === "frame" ? RecordRun.frameType(r.raw) : undefined)
const tickerOf = (r: Rec) => (r.k === "frame" ? /"market_ticker":"([^"]+)"/.exec(r.raw)?.[1] : undefined)

describe("recording beside the bot", () => {
  it.scopedLive(
    "a run with --record: a dropped connection is a gap, a crash leaves a readable tape, the same directory resumes, and it backtests",
    () =>
      Effect.gen(function* () {
        const sim = yield* KalshiSim.make({ markets: 3, seed: 7, flow: { ratePerSec: 40 } })
        const { config } = yield* simBot({ markets: 3, seed: 7, flowPerSec: 40, sim })
        const tape = join(tempDir(), "tape")
        const recording = (p: ReturnType<typeof cli>) =>
          waitUntil(
            "the recorder and the run to start",
            () => /\[record\] k: 3 markets/.test(p.output()) && p.output().includes("running —"),
            60_000
          )

        // 1. trade and record; the venue drops every socket; then the process dies without a stop
        const first = cli(["run", "--config", config, "--record", tape])
        yield* recording(first)
        yield* Effect.sleep("1500 millis")
        assert.isAbove(yield* sim.faults.dropSockets, 0)
        yield* Effect.sleep("2500 millis")
        first.child.kill("SIGKILL")
        yield* first.exited
        const crashed = [...(yield* TapeReader.open(tape)).records()]
        assert.isTrue(
          crashed.some((r) => r.k === "gap" && /disconnected/.test(r.reason)),
          "no reconnect gap"
        )

        // 2. the same directory again, stopped by SIGTERM: resumed (a torn chunk, if any, cut off), flushed on stop
        const second = cli(["run", "--config", config, "--record", tape])
        yield* recording(second)
        yield* Effect.sleep("1500 millis")
        second.child.kill("SIGTERM")
        assert.strictEqual(yield* second.exited, 0, second.output())
        assert.match(second.output(), /\[record\] k: \d+ frames, \d+ gap\(s\), 0 reconnect\(s\)/)

        const reader = yield* TapeReader.open(tape)
        const recs = [...reader.records()]
        assert.strictEqual(reader.files.length, 2)
        // the index names both files and ends with the last record written (the last chunk was flushed)
        assert.strictEqual(reader.index!.files.length, 2)
        assert.strictEqual(reader.index!.files[1]!.to, recs[recs.length - 1]!.t)
        assert.isTrue(recs.some((r) => r.k === "gap" && /recorder restarted/.test(r.reason)))
        // nothing private on a public tape
        assert.isFalse(recs.some((r) => ["fill", "user_order", "market_position"].includes(typeOf(r) ?? "")))
        // definitions and programs of the traded markets
        const traded = new Set((yield* sim.tickers).slice(0, 3))
        const markets = new Set(
          recs.flatMap((r) => (r.k === "market" ? [(r.market as { symbol: string }).symbol] : []))
        )
        assert.deepStrictEqual([...markets].sort(), [...traded].sort())
        const programs = (yield* sim.incentives.programs).filter((p) => traded.has(p.ticker))
        if (programs.length > 0) assert.isTrue(recs.some((r) => r.k === "program"))
        assert.isTrue(recs.some((r) => typeOf(r) === "trade"))
        // books: each subscription's frames in seq order (on each connection, and after each gap); every market
        // gets its snapshot after the reconnect (below). A delta may come before its market's snapshot: the
        // recorder joins a feed already running (it asks for fresh snapshots at once; the books' deltas go on
        // while they come) and a seq gap is seen on the delta after it. Such a delta stays on the tape — the
        // replay follows the subscription's seq through it and skips it, the book unknown until its snapshot —
        // but it is counted apart from the deltas that apply.
        let known = new Set<string>()
        const lastSeq = new Map<number, number>()
        let deltas = 0
        let early = 0
        for (const r of recs) {
          if (r.k === "gap" || r.k === "meta") {
            known = new Set()
            lastSeq.clear()
            continue
          }
          const type = typeOf(r)
          if (r.k !== "frame" || (type !== "orderbook_snapshot" && type !== "orderbook_delta")) continue
          const ticker = tickerOf(r)!
          assert.isTrue(traded.has(ticker), `a market not traded: ${ticker}`)
          if (type === "orderbook_snapshot") known.add(ticker)
          else {
            const last = lastSeq.get(r.sid!)
            if (last !== undefined) assert.strictEqual(r.seq, last + 1, `seq order on sid ${r.sid}`)
            if (known.has(ticker)) deltas++
            else early++
          }
          lastSeq.set(r.sid!, r.seq!)
        }
        // the deltas before their snapshots are the few of the moments the snapshots take to come
        assert.isBelow(early, deltas / 4, `${early} deltas before their snapshots, ${deltas} after`)
        assert.isAbove(deltas, 20)
        // every market has a snapshot after the reconnect gap
        const gapAt = recs.findIndex((r) => r.k === "gap" && /disconnected/.test(r.reason))
        const healed = new Set(
          recs.slice(gapAt).flatMap((r) => (typeOf(r) === "orderbook_snapshot" ? [tickerOf(r)!] : []))
        )
        assert.deepStrictEqual([...healed].sort(), [...traded].sort())

        // a backtest runs on it
        const raw = yield* ConfigFile.readFile(config)
        const resolved = yield* Either.match(App.resolve(config, raw, registry), {
          onLeft: Effect.fail,
          onRight: Effect.succeed
        })
        const out = yield* Backtest.run(resolved, {
          tape,
          journal: join(tempDir(), "bt.sqlite"),
          fill: FillModel.FillModel.make({ kind: "probabilistic", seed: 1 })
        })
        assert.strictEqual(out.summary.tape.markets, 3)
        assert.isAtLeast(out.summary.tape.gaps, 2)
        assert.isAbove(out.report.totals.ordersPlaced, 0)
      }),
    120_000
  )

  it.scopedLive(
    "a writer that falls behind never holds up the feed: frames past the bound are a gap on the tape, the bot's books stay live",
    () =>
      Effect.gen(function* () {
        const sim = yield* KalshiSim.make({ markets: 2, seed: 3, flow: { ratePerSec: 40 } })
        const { config } = yield* simBot({ markets: 2, seed: 3, flowPerSec: 40, sim })
        const raw = yield* ConfigFile.readFile(config)
        const resolved = yield* Either.match(App.resolve(config, raw, registry), {
          onLeft: Effect.fail,
          onRight: Effect.succeed
        })
        const dir = tempDir()
        const journal = yield* Layer.build(Journal.layer(join(dir, "j.sqlite")))
        const handle = yield* Effect.provide(App.start(resolved, { log: () => Effect.void }), journal)
        const session = handle.sessions[0]!
        const symbols = RecordRun.tradedSymbols(resolved, session)
        // a queue of 400 characters: a delta fits, a book snapshot never does (as if the writer were far behind)
        const section = Schema.decodeSync(RecordSection)({ out: join(dir, "tape") })
        const tape = join(dir, "tape")
        const stats = yield* Effect.scoped(
          Effect.gen(function* () {
            const r = yield* RecordRun.recordVenue(
              session,
              symbols,
              tape,
              { ...section, queueMb: 400 / 1048576 },
              () => Effect.void
            )
            yield* poll(
              "frames dropped",
              Effect.map(r.stats, (s) => (s.dropped > 0 && s.frames > 10 ? s : undefined))
            )
            // while the recorder is behind and dropping, the bot's own books keep moving (never held up)
            for (const s of symbols) {
              const version = Effect.map(session.lastView(Ids.Symbol.make(s)), (v) =>
                Option.isSome(v) ? v.value.version : -1
              )
              const v0 = yield* version
              yield* poll(
                `${s} moved past version ${v0} while the recorder drops`,
                Effect.map(version, (v) => (v > v0 ? v : undefined))
              )
            }
            return yield* r.stats
          })
        )
        assert.isAtMost(stats.maxQueuedChars, 400)
        const recs = [...(yield* TapeReader.open(tape)).records()]
        const behind = recs.filter(
          (r) => r.k === "gap" && /recorder fell behind: \d+ frame\(s\) dropped/.test(r.reason)
        )
        assert.isAtLeast(behind.length, 1)
      }),
    60_000
  )
})
